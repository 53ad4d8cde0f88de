"""`commission route` as a user runs it: formats, flags, stdin, exit codes, output files."""

from __future__ import annotations

import inspect
import json

import typer
import yaml

from commission_cli import __version__

from .conftest import EXAMPLES, as_json, run_installed

DAY_CARE = str(EXAMPLES / "day-care-restricted.yaml")
NO_ROUTE = str(EXAMPLES / "lunch-club-no-route.yaml")

DECISION_KEYS = {
    "purchase",
    "family",
    "method",
    "agreement",
    "full_cost_recovery",
    "guiding_document",
    "exception",
    "contract_types",
    "candidates",
    "steps",
    "obligations",
    "warnings",
    "rules",
}


def test_json_is_the_product_contract_alone_on_stdout(cli):
    result = cli("route", DAY_CARE, "--format", "json")
    assert result.exit_code == 0
    decision = json.loads(result.stdout)
    assert set(decision) >= DECISION_KEYS
    assert decision["method"] == {"id": "restricted", "name": "Restricted procurement process"}
    assert decision["purchase"]["annual_value"] == 45000
    assert decision["purchase"]["total_value"] == 135000
    assert decision["purchase"]["years"] == 3
    assert set(decision["candidates"][0]) == {
        "id",
        "name",
        "eligible",
        "score",
        "matched",
        "unmatched",
        "reason",
    }
    assert set(decision["rules"]) == {"name", "version", "sha256"}
    assert result.stderr == ""


def test_no_route_exits_1_with_the_decision_still_printed(cli):
    result = cli("route", NO_ROUTE, "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["method"] is None


def test_yaml_format(cli):
    result = cli("route", DAY_CARE, "--format", "yaml")
    assert yaml.safe_load(result.stdout)["method"]["id"] == "restricted"


def test_table_format_puts_the_recommendation_first(cli):
    result = cli("route", DAY_CARE)
    assert result.exit_code == 0
    first = result.stdout.strip().splitlines()[0]
    assert "Recommendation: Restricted procurement process" in first
    for heading in ("Why", "Every method of the family", "Steps", "Obligations", "Warnings"):
        assert heading in result.stdout
    assert "Wolverhampton Contract Procurement Guide, version 1.0.0" in result.stdout


def test_table_for_no_route_says_so(cli):
    result = cli("route", NO_ROUTE)
    assert result.exit_code == 1
    assert "No route" in result.stdout.splitlines()[0]
    assert "(resources_panel_approved is true)" in result.stdout


def test_markdown_format_is_a_decision_record(cli):
    result = cli("route", DAY_CARE, "--format", "markdown")
    text = result.stdout
    assert text.startswith("# Procurement route decision: Day care for older people")
    assert "**Recommendation: Restricted procurement process**" in text
    assert "- [ ] 1. Prepare Service Specification" in text
    assert "## Every method considered" in text
    assert f"commission {__version__}" in text


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
    assert result.exit_code == 0
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


def test_boolean_flags_say_yes_and_no(cli):
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


def test_version(cli):
    result = cli("--version")
    assert result.stdout.strip() == f"commission {__version__}"


# -- the installed script, from another directory ---------------------------------------------


def test_installed_script_routes_an_example_from_another_directory(tmp_path):
    result = run_installed("route", DAY_CARE, "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert as_json(result.stdout)["method"]["id"] == "restricted"


def test_installed_script_reads_stdin(tmp_path):
    result = run_installed(
        "route",
        "-",
        "-f",
        "json",
        input=(EXAMPLES / "community-garden-small-grant.yaml").read_text(),
    )
    assert as_json(result.stdout)["method"]["id"] == "small_grants"


def test_installed_script_exit_codes(tmp_path):
    assert run_installed("route", NO_ROUTE, "-f", "json").returncode == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\nanual_value: 5\noutcomes: certain\n")
    result = run_installed("route", str(bad))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "anual_value" in result.stderr and "Traceback" not in result.stderr


def test_python_dash_m_runs_the_same_command(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "commission_cli", "--version"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.stdout.strip() == f"commission {__version__}"


def test_installed_script_table_to_a_pipe_has_no_colour_codes(tmp_path):
    result = run_installed("route", DAY_CARE, cwd=tmp_path)
    assert "\x1b[" not in result.stdout
    assert "Recommendation: Restricted procurement process" in result.stdout


def test_contract_types_link_to_their_glossary_entry(cli):
    table = cli("route", DAY_CARE).stdout
    assert 'commission glossary "Service Agreement"' in " ".join(table.split())
    record = cli("route", DAY_CARE, "-f", "markdown").stdout
    assert 'commission glossary "Service Agreement"' in " ".join(record.split())
    assert "glossary" not in cli("route", DAY_CARE, "-f", "json").stdout


# -- the purchase flags are built only for a line that can use them -------------------


def test_a_line_without_purchase_flags_routes_without_building_them():
    from commission_cli.cli.route import needs_purchase_flags, register

    app = typer.Typer()
    register(app, [DAY_CARE, "-f", "json", "--rules=wolverhampton", "-o", "-", "--no-input"])
    (command,) = app.registered_commands
    names = set(inspect.signature(command.callback).parameters)  # type: ignore[arg-type]
    assert names == {"file", "format", "rules", "output", "no_input"}
    assert not needs_purchase_flags(["-", "--format=json"], _route_base())
    assert needs_purchase_flags(["--years", "3"], _route_base())
    assert needs_purchase_flags(["--anual-value", "3"], _route_base())  # misspelt: told so
    assert needs_purchase_flags(["-h"], _route_base())
    assert needs_purchase_flags(None, _route_base())


def _route_base() -> list[inspect.Parameter]:
    from commission_cli.cli.route import register

    app = typer.Typer()
    register(app, [])
    return list(inspect.signature(app.registered_commands[0].callback).parameters.values())  # type: ignore[arg-type]


def test_a_purchase_flag_still_overrides_the_file_from_the_command_line(cli):
    result = cli("route", DAY_CARE, "--years", "1", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["purchase"]["total_value"] == 45000


def test_a_misspelt_flag_is_named_with_its_likely_meaning(cli):
    result = cli("route", DAY_CARE, "--anual-value", "45k", "-f", "json")
    assert result.exit_code == 2
    assert "--anual-value" in result.stderr
    assert "--annual-value" in result.stderr


def test_route_help_lists_the_purchase_flags(cli):
    result = cli("route", "--help")
    assert result.exit_code == 0
    assert "--annual-value" in result.stdout
    assert "--gp-led" in result.stdout
