"""`commission route` as a user runs it: formats, flags from the pack, stdin, exit codes,
output files, and text from a user or a pack that must never reach a terminal raw."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
import yaml

from commission_cli import __version__

from .conftest import EXAMPLES, as_json, run_installed

DAY_CARE = str(EXAMPLES / "day-care-restricted.yaml")
NO_ROUTE = str(EXAMPLES / "lunch-club-no-route.yaml")

DECISION_KEYS = {
    "purchase",
    "amounts",
    "family",
    "method",
    "results",
    "agreement",
    "full_cost_recovery",
    "guiding_document",
    "exception",
    "contract_types",
    "candidates",
    "steps",
    "obligations",
    "warnings",
    "reasons",
    "rules",
}

# Another authority's pack: a field of its own (lots, urgent), results of its own
# (a number of quotes or a span of them, whether to advertise, notices to publish),
# no glossary and no specification; its name holds rich markup.
SOUTHVALE = """\
pack:
  id: southvale
  name: Southvale [bold]Borough[/] Council
  version: "0.1"
  valid_from: 2025-04-01
  authority: Southvale Borough Council (fictional)
  currency: GBP
documents:
  - id: orders
    title: Southvale Contract Standing Orders (fictional)
fields:
  - id: lots
    kind: number
    whole: true
    minimum: 1
    maximum: 20
    description: how many lots the purchase is split into
    question: Into how many lots is it split?
  - id: urgent
    kind: yes_no
    description: the need is urgent
results:
  - id: quotes_required
    name: Quotes required
    kind: number
  - id: advertise
    name: Advertise
    kind: yes_no
  - id: notices
    name: Notices to publish
    kind: list
choice:
  rule: highest_score_then_listed_order
families:
  - id: buying
    name: Buying
    description: everything bought
    source: {document: orders, section: "SO 1", text: "Everything is bought."}
methods:
  - id: quotes
    name: Three quotes
    family: buying
    source: {document: orders, section: "SO 4", text: "Quotes"}
    band:
      text: Under £50,000
      ranges:
        - {basis: whole_life, unit: GBP, includes_vat: true,
           upper: {amount: 50000, inclusive: false}}
    indicators:
      - {text: One lot, when: {lots: {at_most: 1}}}
    results:
      quotes_required: {min: 3, max: 5}
      advertise: "no"
      notices: []
  - id: tender
    name: Open tender
    family: buying
    source: {document: orders, section: "SO 5", text: "Open tender"}
    band:
      text: £25,000 or more
      ranges:
        - {basis: whole_life, unit: GBP, includes_vat: true,
           lower: {amount: 25000, inclusive: true}}
    indicators:
      - {text: Several lots, when: {lots: {at_least: 2}}}
      - {text: Not urgent, when: {urgent: false}}
    results:
      quotes_required: 1
      advertise: "yes"
      notices: [Contracts Finder, Find a Tender]
"""


def southvale(folder: Path) -> str:
    path = folder / "southvale.yaml"
    path.write_text(SOUTHVALE, encoding="utf-8")
    return str(path)


# -- formats ----------------------------------------------------------------------------------


def test_json_is_the_product_contract_alone_on_stdout(cli):
    result = cli("route", DAY_CARE, "--format", "json")
    assert result.exit_code == 0
    decision = json.loads(result.stdout)
    assert set(decision) == DECISION_KEYS
    assert decision["method"] == {"id": "restricted", "name": "Restricted procurement process"}
    assert decision["purchase"]["annual_value"] == 45000
    assert decision["purchase"]["total_value"] == 135000
    assert decision["purchase"]["years"] == 3
    assert decision["results"]["agreement"] == decision["agreement"] == "Contract"
    assert set(decision["candidates"][0]) == {
        "id",
        "name",
        "eligible",
        "score",
        "matched",
        "unmatched",
        "reason",
    }
    assert set(decision["rules"]) == {"name", "version", "sha256", "valid_from", "valid_until"}
    assert result.stderr == ""


def test_no_route_exits_1_with_the_decision_still_printed(cli):
    result = cli("route", NO_ROUTE, "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["method"] is None


def test_no_route_gives_every_declared_result_as_null(cli):
    decision = json.loads(cli("route", NO_ROUTE, "--format", "json").stdout)
    assert decision["results"] == {
        "agreement": None,
        "full_cost_recovery": None,
        "guiding_document": None,
    }
    assert decision["agreement"] is None


def test_yaml_format(cli):
    result = cli("route", DAY_CARE, "--format", "yaml")
    assert yaml.safe_load(result.stdout)["method"]["id"] == "restricted"


def test_table_puts_the_recommendation_first_with_the_packs_result_names(cli):
    result = cli("route", DAY_CARE)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "Recommendation: Restricted procurement process" in lines[0]
    summary = "\n".join(lines[:10])
    for name, value in (
        ("Resulting agreement", "Contract"),
        ("Full cost recovery", "Yes"),
        ("Key guiding document", "Internal procurement procedures"),
    ):
        assert any(name in line and value in line for line in summary.splitlines()), name
    for heading in ("Why", "Every method of the family", "Steps", "Obligations", "Warnings"):
        assert heading in result.stdout
    assert "Wolverhampton Contract Procurement Guide, version 1.0.0" in result.stdout


def test_table_for_no_route_says_so(cli):
    result = cli("route", NO_ROUTE)
    assert result.exit_code == 1
    assert "No route" in result.stdout.splitlines()[0]
    assert "(resources_panel_approved is true)" in " ".join(result.stdout.split())


def test_markdown_format_is_a_decision_record(cli):
    result = cli("route", DAY_CARE, "--format", "markdown")
    text = result.stdout
    assert text.startswith("# Procurement route decision: Day care for older people")
    assert "**Recommendation: Restricted procurement process**" in text
    assert "- [ ] 1. Prepare Service Specification" in text
    assert f"commission {__version__}" in text


def test_the_format_follows_the_output_files_extension(cli, tmp_path):
    for name, starts in (("d.json", "{"), ("d.md", "# Procurement"), ("d.yaml", "purchase:")):
        assert cli("route", DAY_CARE, "-o", str(tmp_path / name)).exit_code == 0
        assert (tmp_path / name).read_text(encoding="utf-8").startswith(starts), name


def test_an_unknown_format_is_a_usage_error_naming_the_nearest(cli):
    result = cli("route", DAY_CARE, "--format", "jsno")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        "error: --format: 'jsno' is not one of table, json, yaml, markdown; did you mean 'json'?\n"
    )


# -- the purchase flags are the pack's fields ----------------------------------------------


def test_flags_alone_describe_a_purchase(cli):
    result = cli(
        "route",
        "--title",
        "Befriending",
        "--annual-value",
        "12k",
        "--years",
        "1",
        "--outcomes",
        "certain",
        "--providers",
        "many",
        "--service",
        "required",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["method"]["id"] == "class_i_ii"


def test_flags_override_the_file(cli):
    result = cli(
        "route",
        DAY_CARE,
        "--annual-value",
        "120k",
        "--providers",
        "many",
        "--sector",
        "general",
        "--format",
        "json",
    )
    decision = json.loads(result.stdout)
    assert decision["method"]["id"] == "full_competitive"
    assert decision["purchase"]["title"] == "Day care for older people with dementia"


def test_yes_no_flags_say_yes_and_no(cli):
    result = cli(
        "route",
        "--title",
        "t",
        "--annual-value",
        "20k",
        "--outcomes",
        "certain",
        "--guaranteed-volume",
        "--no-call-off",
        "-f",
        "json",
    )
    purchase = json.loads(result.stdout)["purchase"]
    assert purchase["guaranteed_volume"] is True and purchase["call_off"] is False


def test_a_bad_flag_value_is_named_by_its_flag(cli):
    result = cli("route", DAY_CARE, "--years", "0", "--outcomes", "sure", "-f", "json")
    assert result.exit_code == 2 and result.stdout == ""
    assert "error: --years: must be greater than 0 (got 0)" in result.stderr.splitlines()
    assert any(
        line.startswith("error: --outcomes: must be one of") for line in result.stderr.splitlines()
    )


@pytest.mark.parametrize("flag", ["--years", "--partners", "--annual-value", "--outcomes"])
def test_a_flag_given_nothing_is_refused_not_taken_to_unsay_the_file(cli, flag):
    """`--years ''` once dropped the file's 3 years for the default 1: £135,000 became
    £45,000 over the contract's life, below a threshold, without a word."""
    result = cli("route", DAY_CARE, flag, "", "-f", "json")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"error: {flag}: is empty; give it a value, or leave the flag out\n"


def test_a_misspelt_flag_is_named_with_its_likely_meaning():
    result = run_installed("route", DAY_CARE, "--anual-value", "45k", "-f", "json")
    assert result.returncode == 2
    assert result.stderr == "error: --anual-value: no such option; did you mean --annual-value?\n"


@pytest.mark.parametrize(
    ("args", "shown_as"),
    [
        (["route", "--ye\x1b[31m"], "error: --ye\\x1b[31m: no such option"),
        (["--\x1b[2J"], "error: --\\x1b[2J: no such option"),
        (["route", "-\x1b"], "error: -\\x1b: no such option"),
    ],
)
def test_an_option_typed_with_an_escape_sequence_is_named_escaped(args, shown_as):
    result = run_installed(*args)
    assert result.returncode == 2
    assert result.stderr.startswith(shown_as) and "\x1b" not in result.stderr


def test_route_help_lists_the_packs_fields_with_their_answers():
    result = run_installed("route", "--help", env={"COLUMNS": "200"})
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "--annual-value" in text and "--gp-led" in text and "--no-eu-exempt" in text
    assert (
        "are the outcomes to be bought clear and specified? (one of: certain, less_certain)" in text
    )


def test_another_packs_fields_are_its_flags_and_its_results_its_record(cli, tmp_path):
    pack = southvale(tmp_path)
    result = cli(
        "route",
        "--rules",
        pack,
        "--title",
        "Grounds maintenance",
        "--annual-value",
        "60k",
        "--lots",
        "2",
        "--no-urgent",
        "-f",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    decision = json.loads(result.stdout)
    assert decision["method"]["id"] == "tender"
    assert decision["purchase"]["lots"] == 2 and decision["purchase"]["urgent"] is False
    assert decision["results"] == {
        "quotes_required": 1,
        "advertise": True,
        "notices": ["Contracts Finder", "Find a Tender"],
    }
    # Only a pack that declares them gets the three top-level keys scripts read.
    assert "agreement" not in decision and "guiding_document" not in decision
    # Wolverhampton's flags are not this pack's.
    refused = run_installed(
        "route", f"--rules={pack}", "--title", "t", "--annual-value", "3k", "--outcomes", "x"
    )
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: --outcomes: no such option")


def test_another_packs_results_read_by_their_names(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("COMMISSION_RULES", southvale(tmp_path))
    table = cli("route", "--title", "t", "--annual-value", "3k").stdout
    assert "Quotes required     3 to 5" in table
    assert "Advertise           No" in table
    assert "Southvale [bold]Borough[/] Council" in table  # markup shown as written
    record = cli("route", "--title", "t", "--annual-value", "3k", "-f", "markdown").stdout
    assert "- **Quotes required:** 3 to 5" in record
    assert "| Lots " not in record and "Not stated: Lots, Urgent." in record


def test_a_pack_that_cannot_be_loaded_is_reported_whatever_the_flags(cli, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("pack: [\n", encoding="utf-8")
    result = cli("route", "--rules", str(broken), "--annual-value", "45k", "--lots", "3")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {broken}:")
    assert "no such option" not in result.stderr


def test_other_commands_never_load_the_pack_route_would(tmp_path):
    from commission_cli.cli.route import runs_route

    assert runs_route(["route", "x.yaml"]) and runs_route(["route"])
    assert not runs_route(["rules", "check", "route"]) and not runs_route([])
    broken = tmp_path / "broken.yaml"
    broken.write_text("pack: [\n", encoding="utf-8")
    result = run_installed("--help", env={"COMMISSION_RULES": str(broken)})
    assert result.returncode == 0 and "route" in result.stdout


def test_the_pack_named_is_the_one_typer_will_read(monkeypatch):
    from commission_cli.cli.route import pack_named

    monkeypatch.delenv("COMMISSION_RULES", raising=False)
    assert pack_named(["route", "p.yaml"]) is None
    assert pack_named(["route", "--rules", "a.yaml", "--rules=b.yaml"]) == "b.yaml"
    assert pack_named(["route", "--", "--rules", "a.yaml"]) is None
    monkeypatch.setenv("COMMISSION_RULES", "env.yaml")
    assert pack_named(["route"]) == "env.yaml"
    assert pack_named(["route", "--rules", "a.yaml"]) == "a.yaml"


# -- stdin and output files ----------------------------------------------------------------


def test_stdin_with_dash(cli):
    text = (EXAMPLES / "befriending-class-i-ii.yaml").read_text()
    result = cli("route", "-", "-f", "json", input=text)
    assert json.loads(result.stdout)["method"]["id"] == "class_i_ii"


def test_output_file_is_written_and_stdout_left_empty(cli, tmp_path):
    target = tmp_path / "record.md"
    result = cli("route", DAY_CARE, "--format", "markdown", "--output", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_text().startswith("# Procurement route decision")


def test_output_to_an_unwritable_place_is_a_clean_error(cli, tmp_path):
    result = cli("route", DAY_CARE, "--output", str(tmp_path / "no" / "such" / "dir.json"))
    assert result.exit_code == 2
    assert "cannot write" in result.stderr


def test_output_over_the_purchase_file_is_refused_and_the_file_kept(cli, tmp_path):
    path = tmp_path / "p.yaml"
    original = (EXAMPLES / "befriending-class-i-ii.yaml").read_text()
    path.write_text(original)
    result = cli("route", str(path), "-o", str(path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {path}: is the file being read; write the output to another file\n"
    )
    assert path.read_text() == original


def test_output_over_the_pack_file_is_refused(cli, tmp_path):
    pack = southvale(tmp_path)
    result = cli("route", "--rules", pack, "--title", "t", "--annual-value", "3k", "-o", pack)
    assert result.exit_code == 2 and "is the file being read" in result.stderr
    assert Path(pack).read_text(encoding="utf-8") == SOUTHVALE


def test_output_with_a_trailing_slash_is_refused_not_made_a_file(cli, tmp_path):
    result = cli("route", DAY_CARE, "-o", str(tmp_path / "newdir") + "/")
    assert result.exit_code == 2 and "ends with a slash" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_output_to_a_fifo_is_streamed_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        result = run_installed("route", DAY_CARE, "-f", "json", "-o", str(fifo), timeout=30)
        assert result.returncode == 0, result.stderr
        assert stat.S_ISFIFO(os.stat(fifo).st_mode)
        data = b""
        while chunk := os.read(reader, 65536):
            data += chunk
        assert json.loads(data)["method"]["id"] == "restricted"
    finally:
        os.close(reader)


def test_version(cli):
    result = cli("--version")
    assert result.stdout.strip() == f"commission {__version__}"


# -- text from a user or a pack never reaches the terminal raw --------------------------------


def test_a_title_with_an_escape_sequence_is_shown_escaped_in_human_formats(cli, tmp_path):
    path = tmp_path / "p.json"
    title = "Day care\x1b[2J\x1b]0;owned\x07\u202eevil\u2028line"
    path.write_text(json.dumps({"title": title, "annual_value": 45000, "outcomes": "certain"}))
    for fmt in ("table", "markdown"):
        out = cli("route", str(path), "-f", fmt).stdout
        for char in ("\x1b", "\x07", "\u202e", "\u2028"):
            assert char not in out, (fmt, char)
        typed = "Day care\\x1b[2J\\x1b]0;owned\\x07\\u202eevil\\u2028line"
        if fmt == "markdown":  # and kept literal: [ and ] are markup there
            typed = typed.replace("[", "\\[").replace("]", "\\]")
        assert typed in out, fmt
    # JSON is data: the title as written.
    assert json.loads(cli("route", str(path), "-f", "json").stdout)["purchase"]["title"] == title


def test_rich_markup_in_a_title_is_printed_as_written(cli, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("title: '[bold red]Care[/] [link=x]y'\nannual_value: 45k\noutcomes: certain\n")
    result = cli("route", str(path))
    assert result.exit_code == 0, result.stderr
    assert "[bold red]Care[/] [link=x]y" in result.stdout


# -- the installed script, from another directory ---------------------------------------------


def test_installed_script_routes_an_example_from_another_directory(tmp_path):
    result = run_installed("route", DAY_CARE, "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert as_json(result.stdout)["method"]["id"] == "restricted"


def test_installed_script_reads_a_piped_purchase_without_a_dash(tmp_path):
    piped = (EXAMPLES / "community-garden-small-grant.yaml").read_text()
    result = run_installed("route", "-f", "json", input=piped)
    assert as_json(result.stdout)["method"]["id"] == "small_grants"


def test_a_file_named_like_an_option_is_read_after_a_double_dash(tmp_path):
    (tmp_path / "--help.yaml").write_text("title: x\nannual_value: 45k\noutcomes: certain\n")
    result = run_installed("route", "-f", "json", "--", "--help.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert as_json(result.stdout)["purchase"]["title"] == "x"


def test_installed_script_exit_codes(tmp_path):
    assert run_installed("route", NO_ROUTE, "-f", "json").returncode == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\nanual_value: 5\noutcomes: certain\n")
    result = run_installed("route", str(bad))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"error: {bad}:2:1: anual_value: is not a known field; did you mean 'annual_value'?\n"
    )


def test_closed_stdin_is_an_error_not_a_traceback(tmp_path):
    import subprocess

    from .conftest import installed_script

    result = subprocess.run(
        [installed_script(), "route", "-"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=30,
        preexec_fn=lambda: os.close(0),
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: <stdin>: ")


def test_installed_script_table_to_a_pipe_has_no_colour_codes(tmp_path):
    result = run_installed("route", DAY_CARE, cwd=tmp_path)
    assert "\x1b[" not in result.stdout
    assert "Recommendation: Restricted procurement process" in result.stdout


def test_contract_types_link_to_their_glossary_entry(cli, tmp_path):
    table = cli("route", DAY_CARE).stdout
    assert (
        "Bromley Children and Young People Trust commissioning glossary, Types of Contracting; "
        'see commission glossary "Service Agreement"'
    ) in " ".join(table.split())
    record = cli("route", DAY_CARE, "-f", "markdown").stdout
    assert 'see `commission glossary "Service Agreement"`' in " ".join(record.split())
    assert "commission glossary" not in cli("route", DAY_CARE, "-f", "json").stdout
