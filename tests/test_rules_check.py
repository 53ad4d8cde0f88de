"""`commission rules check`: every defect of a pack at its line, the same words from every
command, and the gaps and overlaps of the value bands."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commission_cli import load_rules, route
from commission_cli.errors import RulePackError
from commission_cli.rules.analysis import Findings, analyse

from .conftest import EXAMPLES, PACKS, ROOT, run_installed

DEFAULT_TEXT = (ROOT / "rules" / "wolverhampton.yaml").read_text(encoding="utf-8")
NORTHSHIRE = PACKS / "northshire.yaml"
SEVERAL = PACKS / "broken" / "several_problems.yaml"
OLD_FORMAT = PACKS / "broken" / "old_format.yaml"


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """The line (1-based) of the nth occurrence of ``needle`` in ``text``."""
    at = -1
    for _ in range(nth):
        at = text.index(needle, at + 1)
    return text.count("\n", 0, at) + 1


def broken_copy(tmp_path: Path, old: str, new: str, name: str = "broken.yaml") -> Path:
    """A copy of the default pack with one defect: ``old`` (found once) replaced by ``new``."""
    assert DEFAULT_TEXT.count(old) >= 1, old
    path = tmp_path / name
    path.write_text(DEFAULT_TEXT.replace(old, new, 1), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(RulePackError) as caught:
        load_rules(path)
    return [str(p) for p in caught.value.problems]


# One defect each: (name, replace this, with this, a line holding this, words of the message).
DEFECTS = [
    (
        "wrong type",
        "lower: {amount: 50000, inclusive: true}",
        "lower: {amount: fifty thousand, inclusive: true}",
        "fifty thousand",
        "methods[0].band.ranges[0].lower.amount: ",
    ),
    (
        "wrong choice of word",
        "    ranges:\n        - basis: per_annum\n",
        "    ranges:\n        - basis: per_anum\n",
        "basis: per_anum",
        "methods[0].band.ranges[0].basis: must be one of 'per_annum' or 'whole_life'",
    ),
    (
        "missing field",
        "    name: Full competitive procurement process\n",
        "",
        "- id: full_competitive",
        "methods[0].name: is required but missing",
    ),
    (
        "unknown key",
        "    steps: procurement\n",
        "    steps: procurement\n    stepz: procurement\n",
        "stepz:",
        "methods[0].stepz: is not a known field here; did you mean 'steps'?",
    ),
    (
        "unknown key in the pack's details",
        '  version: "1.0.0"\n',
        '  versoin: "1.0.0"\n',
        "versoin:",
        "pack.versoin: is not a known field here; did you mean 'version'?",
    ),
    (
        "duplicate key",
        "  name: Wolverhampton Contract Procurement Guide\n",
        "  name: Wolverhampton Contract Procurement Guide\n  name: Our rules\n",
        "name: Our rules",
        "pack.name: duplicate key (first given on line",
    ),
    (
        "indicator naming no purchase field",
        "when: {providers: few}",
        "when: {provider_count: few}",
        "provider_count",
        "methods[1].indicators[1].when.provider_count: no purchase field called "
        "'provider_count' (did you mean",
    ),
    (
        "indicator naming a value the field never has",
        "when: {providers: few}",
        "when: {providers: several}",
        "providers: several",
        "methods[1].indicators[1].when.providers: providers",
    ),
    (
        "exception naming no purchase field",
        "when: {resources_panel_approved: true}",
        "when: {panel_approved: true}",
        "panel_approved: true",
        "methods[4].exceptions[0].when.panel_approved: no purchase field called 'panel_approved'",
    ),
    (
        "exception naming a value the field never has",
        "when: {redevelopment_costs: true}",
        "when: {redevelopment_costs: maybe}",
        "redevelopment_costs: maybe",
        "methods[6].exceptions[0].when.redevelopment_costs: redevelopment_costs must be true or "
        "false (got 'maybe')",
    ),
    (
        "method referred to but not defined",
        "when: {method: [full_competitive, restricted]}",
        "when: {method: [full_competitive, restricted_process]}",
        "restricted_process",
        "obligations[6].when.method: no method with id 'restricted_process'",
    ),
    (
        "contract type referred to but not defined",
        "between: [block_contract, framework_contract]",
        "between: [block_contract, framework_contracts]",
        "framework_contracts]",
        "conflicts[0].between[1]: no contract type with id 'framework_contracts'",
    ),
    (
        "family referred to but not defined",
        "    family: purchasing\n",
        "    family: purchase\n",
        "family: purchase\n",
        "methods[0].family: no family with id 'purchase' (known: funding, purchasing)",
    ),
    (
        "step list referred to but not defined",
        "    steps: procurement\n",
        "    steps: tender\n",
        "steps: tender",
        "methods[0].steps: no step list with id 'tender' (known: procurement)",
    ),
    (
        "document referred to but not defined",
        "      document: wolverhampton\n      section: Appendix 2 – Contract Procurement Guide, "
        'row "Class I & II"',
        "      document: wolverhampton_guide\n      section: Appendix 2 – Contract Procurement "
        'Guide, row "Class I & II"',
        "document: wolverhampton_guide",
        "methods[2].source.document: no document with id 'wolverhampton_guide'",
    ),
    (
        "result the pack does not declare",
        "      agreement: Funding agreement\n",
        "      agreemnt: Funding agreement\n",
        "agreemnt:",
        "methods[6].results.agreemnt: no result called 'agreemnt'; did you mean 'agreement'?",
    ),
    (
        "choice field without values",
        "  - id: gp_led\n",
        "  - id: urgency\n    kind: choice\n  - id: gp_led\n",
        "id: urgency",
        "fields[20]: the choice urgency needs values",
    ),
    (
        "field of no known kind",
        "  - id: gp_led\n    kind: yes_no\n",
        "  - id: gp_led\n    kind: flag\n",
        "kind: flag",
        "fields[20].kind: must be one of",
    ),
    (
        "band whose lower bound exceeds its upper",
        "lower: {amount: 30000, inclusive: true}\n"
        "          upper: {amount: 50000, inclusive: false}",
        "lower: {amount: 60000, inclusive: true}\n"
        "          upper: {amount: 50000, inclusive: false}",
        "amount: 60000",
        "methods[1].band.ranges[0].lower.amount: the lower bound (£60,000) is above the upper "
        "bound (£50,000), so no value fits this range",
    ),
    (
        "method whose band holds no value and has no exception",
        "          upper: {amount: 30000, inclusive: false}\n",
        "          upper: {amount: 0, inclusive: true}\n",
        "      text: Less than £30,000 per annum\n",
        "methods[2].band: method 'class_i_ii' can never be eligible: its band (up to £0 a year) "
        "holds no value a purchase can have",
    ),
    (
        "method whose requirement never holds in its family",
        "    results:\n      agreement:\n        value: Contract Green Decision\n",
        "    requires:\n      text: Class I & II\n      when: {core_costs: true}\n"
        "      label: core costs\n"
        "    results:\n      agreement:\n        value: Contract Green Decision\n",
        "when: {core_costs: true}\n      label: core costs",
        "methods[2].requires.when: method 'class_i_ii' can never be eligible: its requirement "
        "(core_costs is true) never holds for a purchase of the family 'purchasing'",
    ),
    (
        "family that can never apply",
        "    description: contracts\n",
        "    description: contracts\n    when: {core_costs: true}\n",
        "when: {core_costs: true}\n    source",
        "families[1].when: family 'purchasing' can never apply",
    ),
    (
        "result named like a column of batch's CSV",
        "  - id: agreement\n    name: Resulting agreement\n",
        "  - id: title\n    name: Resulting agreement\n",
        "- id: title",
        "results[0].id: 'title' cannot name a result: it is one of the columns batch's CSV "
        "has of its own",
    ),
    (
        "pack that ends before it begins",
        "  valid_from: 2009-01-16\n",
        "  valid_from: 2009-01-16\n  valid_until: 2008-12-31\n",
        "valid_until",
        "pack.valid_until: valid_until (2008-12-31) is before valid_from (2009-01-16), so "
        "the pack is never in force",
    ),
    (
        "default that a test would pass, though a field left out passes none",
        "    default: 1\n",
        "    default: 3\n",
        "default: 3",
        "fields[18].default: the default of partners (3) would pass the test at "
        "contract_types[4].when, but a field left out is not stated and passes no test",
    ),
    (
        "number field whose minimum is negative",
        "    minimum: 1\n    maximum: 1000\n",
        "    minimum: -10\n    maximum: 1000\n",
        "minimum: -10",
        "minimum: a number is written without a minus sign, so its minimum is 0 or more",
    ),
    (
        "YAML that cannot be read",
        "  currency: GBP\n",
        "  currency: [GBP\n",
        "  description: >-",
        "not valid YAML or JSON",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "at", "message"),
    [d[1:] for d in DEFECTS],
    ids=[d[0] for d in DEFECTS],
)
def test_each_defect_is_refused_with_its_message_and_line(tmp_path, old, new, at, message):
    path = broken_copy(tmp_path, old, new)
    text = path.read_text(encoding="utf-8")
    problems = problems_of(path)
    hits = [p for p in problems if message in p]
    assert hits, f"no problem says {message!r}: {problems}"
    line = int(re.match(rf"{re.escape(str(path))}:(\d+):", hits[0]).group(1))
    assert line == line_of(text, at)


def test_a_method_whose_band_and_exceptions_cannot_open_it(tmp_path):
    # No value is below "up to £0"'s missing lower bound, so "lower amounts" opens nothing.
    path = broken_copy(
        tmp_path,
        "          upper: {amount: 30000, inclusive: false}\n",
        "          upper: {amount: 0, inclusive: true}\n"
        + "    exceptions:\n      - id: small\n        text: For lower amounts\n"
        "        opens: below\n        when: {external_guidance: true}\n"
        "        label: external guidance\n",
    )
    (problem,) = problems_of(path)
    assert "'class_i_ii' can never be eligible" in problem
    assert "no value is below it, so its exception 'small' cannot open it" in problem


def test_every_problem_is_reported_at_once(cli):
    result = cli("rules", "check", str(SEVERAL))
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert [int(line.split(":")[2]) for line in lines] == [10, 46, 48, 59, 62]
    text = "\n".join(lines)
    assert "pack.currency: duplicate key (first given on line 9)" in text
    assert "no purchase field called 'provider_count' (did you mean 'providers'?)" in text
    assert "no step list with id 'tendering'" in text
    assert "the lower bound (£20,000) is above the upper bound (£10,000)" in text
    assert "methods[1].stepz: is not a known field here; did you mean 'steps'?" in text
    assert "has 5 problems; every command refuses it" in result.stderr
    assert result.stdout == ""


def test_an_item_with_a_schema_error_does_not_hide_the_rest(tmp_path):
    # The broken method is set aside, the others are still checked, and references to
    # the broken method are not reported as dangling.
    path = tmp_path / "two.yaml"
    text = DEFAULT_TEXT.replace("lower: {amount: 50000, inclusive: true}", "lower: 50000", 1)
    text = text.replace("when: {providers: few}", "when: {providers: several}", 1)
    path.write_text(text, encoding="utf-8")
    problems = problems_of(path)
    assert len(problems) == 2, problems
    assert "methods[0].band.ranges[0].lower: must be a mapping" in problems[0]
    assert "methods[1].indicators[1].when.providers" in problems[1]


def test_a_field_declared_wrongly_does_not_make_its_tests_wrong(tmp_path):
    path = broken_copy(
        tmp_path,
        "  - id: timescale\n    kind: choice\n",
        "  - id: timescale\n    kind: choice\n    whole: true\n",
    )
    (problem,) = problems_of(path)
    assert "fields[8]: whole, minimum and maximum are for a number field" in problem


def test_a_field_with_a_schema_error_does_not_make_its_tests_wrong(tmp_path):
    # The broken field is set aside; the tests that read it are not reported as naming
    # no field, nor as being of the wrong kind, and the rest is still checked.
    path = tmp_path / "field.yaml"
    text = DEFAULT_TEXT.replace(
        "  - id: timescale\n    kind: choice\n", "  - id: timescale\n    kind: choise\n", 1
    )
    text = text.replace("    steps: procurement\n", "    steps: tender\n", 1)
    path.write_text(text, encoding="utf-8")
    problems = problems_of(path)
    assert len(problems) == 2, problems
    assert "fields[8].kind: must be one of" in problems[0]
    assert "no step list with id 'tender'" in problems[1]


def test_a_pack_for_an_earlier_version_is_told_what_to_change(cli):
    result = cli("rules", "check", str(OLD_FORMAT))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert (
        "fields: is required but missing; a pack declares the purchase fields it reads"
        in (errors[0])
    )
    assert (
        "methods[0].agreement: is not a known field here; a method's agreement now goes under "
        "results: {agreement: ...}, with each result declared in the pack's results: section"
    ) in "\n".join(errors)
    assert any("methods[0].full_cost_recovery" in e and "results:" in e for e in errors)
    # Its other defects are still found; the fields it never declared are not each an error.
    assert any("no step list with id 'quoting'" in e for e in errors)
    assert not any("providers" in e for e in errors)
    assert len(errors) == 5


@pytest.mark.parametrize("command", ["route", "batch", "check"])
def test_every_command_refuses_a_broken_pack_with_the_same_messages(cli, tmp_path, command):
    path = broken_copy(tmp_path, "when: {providers: few}", "when: {providers: several}")
    checked = cli("rules", "check", str(path))
    expected = [line for line in checked.stderr.splitlines() if line.startswith("error:")]
    assert expected
    purchase = EXAMPLES / "day-care-restricted.yaml"
    args = {
        "route": ["route", str(purchase)],
        "batch": ["batch", str(_register(tmp_path))],
        "check": ["check", str(purchase), "--method", "restricted"],
    }[command]
    result = cli(*args, "--rules", str(path))
    assert result.exit_code == 2
    assert [line for line in result.stderr.splitlines() if line.startswith("error:")] == expected


def _register(tmp_path: Path) -> Path:
    path = tmp_path / "register.csv"
    path.write_text("title,annual_value,outcomes\nA,5000,certain\n", encoding="utf-8")
    return path


# -- exit codes and output -------------------------------------------------------------------


def test_the_default_pack_is_valid(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    result = cli("rules", "check")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "The rule pack is valid: Wolverhampton Contract Procurement Guide, version 1.0.0" in out
    assert load_rules().sha256 in out
    assert "wolverhampton (shipped with commission)" in out
    assert "more than £50,000 a year" in out
    assert "from £30,000 to under £50,000 a year, with £39,000 or more over the whole life" in out
    assert "1 gap and 3 overlaps: findings to read, not errors." in out
    assert "Grant-in-aid (Funding) is only for the core costs" in out


def test_exit_1_for_an_invalid_pack_and_2_for_a_file_that_cannot_be_read(cli, tmp_path):
    assert cli("rules", "check", str(SEVERAL)).exit_code == 1
    missing = cli("rules", "check", str(tmp_path / "nowhere.yaml"))
    assert missing.exit_code == 2
    assert "no such rule pack" in missing.stderr
    assert cli("rules", "check", str(tmp_path)).exit_code == 2  # a directory
    binary = tmp_path / "pack.yaml"
    binary.write_bytes(b"\x00\x01\x02")
    assert cli("rules", "check", str(binary)).exit_code == 2
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("pack: {name: Caf\u00e9}\n".encode("latin-1"))
    assert cli("rules", "check", str(latin)).exit_code == 2
    unknown = cli("rules", "check", "no_such_pack")
    assert unknown.exit_code == 2
    assert "no shipped pack of that name (shipped: wolverhampton)" in unknown.stderr


def test_json_for_a_valid_pack(cli):
    result = cli("rules", "check", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["valid"] is True and data["problems"] == []
    assert data["pack"]["name"] == "Wolverhampton Contract Procurement Guide"
    assert data["pack"]["sha256"] == load_rules().sha256
    assert data["pack"]["shipped"] is True
    (gap,) = data["gaps"]
    assert gap["family"] == "funding"
    assert gap["values"] == "more than £50,000 a year"
    assert gap["annual"] == {"from": 50000, "from_included": False, "to": None, "to_included": None}
    assert gap["whole_life"] is None
    assert {o["method"] for o in gap["opened_by_exception"]} == {
        "competitive_grants",
        "selective_grants",
        "small_grants",
    }
    assert gap["only_where_required"] == [
        {
            "method": "grant_in_aid",
            "requirement": "the core costs of a strategically important organisation",
        }
    ]
    overlaps = {tuple(sorted(o["methods"])): o["values"] for o in data["overlaps"]}
    assert overlaps[("full_competitive", "restricted")] == (
        "from £30,000 to under £50,000 a year, with £39,000 or more over the whole life"
    )


def test_json_for_an_invalid_pack(cli):
    result = cli("rules", "check", str(SEVERAL), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["valid"] is False
    assert [p["line"] for p in data["problems"]] == [10, 46, 48, 59, 62]
    assert data["problems"][0]["field"] == "pack.currency"


def test_the_pack_argument_wins_over_rules_and_the_environment(cli, monkeypatch):
    monkeypatch.setenv("COMMISSION_RULES", str(SEVERAL))
    assert cli("rules", "check").exit_code == 1  # the environment is honoured
    assert cli("rules", "check", "--rules", str(NORTHSHIRE)).exit_code == 0  # --rules beats it
    result = cli("rules", "check", "wolverhampton", "--rules", str(SEVERAL), "--format", "json")
    assert result.exit_code == 0  # and PACK beats both
    assert json.loads(result.stdout)["pack"]["id"] == "wolverhampton"


def test_check_reads_a_pack_on_stdin(cli):
    result = cli("rules", "check", "-", "--format", "json", input=DEFAULT_TEXT)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["pack"]["file"] == "<stdin>"


def test_the_installed_command_checks_a_broken_pack():
    result = run_installed("rules", "check", str(SEVERAL))
    assert result.returncode == 1
    assert f"error: {SEVERAL}:46:53: methods[0].indicators[0].when.provider_count" in result.stderr
    assert "Traceback" not in result.stderr
    good = run_installed("rules", "check", "--format", "json")
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["gaps"][0]["values"] == "more than £50,000 a year"


# -- a pack's amounts are read as written -------------------------------------------------------


def test_an_amount_written_with_a_leading_zero_is_decimal(cli, tmp_path):
    # YAML 1.1 would read 050000 as an octal number (£20,480).
    path = broken_copy(
        tmp_path,
        "lower: {amount: 30000, inclusive: true}\n"
        "          upper: {amount: 50000, inclusive: false}",
        "lower: {amount: 030000, inclusive: true}\n"
        "          upper: {amount: 050000, inclusive: false}",
    )
    restricted = load_rules(path).method("restricted").spec.band.ranges[0]
    assert restricted.lower.amount == Decimal(30000)
    assert restricted.upper.amount == Decimal(50000)
    shown = json.loads(cli("rules", "show", str(path), "--format", "json").stdout)
    band = next(m for m in shown["methods"] if m["id"] == "restricted")["band"]
    assert band["words"] == "from £30,000 to under £50,000 a year"
    assert cli("rules", "check", str(path)).exit_code == 0


@pytest.mark.parametrize("amount", ["0x10000", "1:30", "0b1010", "5e4"])
def test_amounts_in_other_notations_are_refused_not_converted(tmp_path, amount):
    path = broken_copy(
        tmp_path,
        "lower: {amount: 50000, inclusive: true}",
        f"lower: {{amount: {amount}, inclusive: true}}",
    )
    (problem,) = problems_of(path)
    assert "methods[0].band.ranges[0].lower.amount" in problem


# -- a file that is not a pack ------------------------------------------------------------------

SECRET = "s3cr3t-h4sh-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"


@pytest.mark.parametrize(
    "text",
    [
        # /etc/shadow's shape: each line becomes a key ending in ":".
        f"root:$6$salt${SECRET}:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n",
        f"password: {SECRET}\napi_key: {SECRET}\n",
        f'{{"token": "{SECRET}", "user": "root"}}\n',
        f"- {SECRET}\n- {SECRET}\n",
        f"pack: [{SECRET}\n  x: y\n",
        f"key: value\n\tsecret: {SECRET}\n",
        f"{SECRET}{SECRET}: x\nmethods: {SECRET}\n",
    ],
    ids=["shadow", "mapping", "json", "list", "syntax", "tab", "long key"],
)
def test_a_file_that_is_not_a_pack_is_never_echoed(cli, tmp_path, text):
    path = tmp_path / "secrets"
    path.write_text(text, encoding="utf-8")
    result = cli("rules", "check", str(path))
    assert result.exit_code in (1, 2)
    assert "Traceback" not in result.stderr
    assert SECRET not in result.stderr + result.stdout
    assert SECRET[:30] not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors and len(errors) <= 3, errors
    for line in errors:
        assert len(line) < 400


def test_the_shadow_file_is_called_not_a_pack(cli, tmp_path):
    path = tmp_path / "shadow"
    path.write_text(f"root:$6${SECRET}:19000:0:99999:7:::\n", encoding="utf-8")
    result = cli("rules", "check", str(path))
    assert result.exit_code == 1
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert error == (
        f"error: {path}:1:1: is not a rule pack: it has none of a pack's sections (pack:, "
        "documents:, fields:, families:, methods:, choice:); `commission rules init FILE` "
        "writes one to start from"
    )
    # Nothing of the file is echoed: not even its first key (the path aside, which may
    # itself hold "root" when the tests run as root).
    assert "root" not in result.stderr.replace(str(path), "")


# -- gaps and overlaps -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def default_findings():
    return analyse(load_rules())


@pytest.fixture(scope="module")
def northshire_findings():
    return analyse(load_rules(NORTHSHIRE))


def _ids(region) -> set[str]:
    return {m.id for m in region.methods}


def _at(findings: Findings, family: str, annual: int, whole: int):
    found = findings.at(family, Decimal(annual), Decimal(whole))
    assert len(found) <= 1, found
    return found[0] if found else None


def test_funding_above_50000_a_year_is_a_gap(default_findings):
    gap = _at(default_findings, "funding", 60000, 180000)
    assert gap.kind == "gap"
    assert gap.words() == "more than £50,000 a year"
    assert [g.method.id for g in gap.gated] == ["grant_in_aid"]
    assert {(o.method.id, o.exception) for o in gap.openers} == {
        ("competitive_grants", "resources_panel_approved"),
        ("selective_grants", "resources_panel_approved"),
        ("small_grants", "redevelopment_costs"),
    }
    assert [g.words() for g in default_findings.gaps] == ["more than £50,000 a year"]
    # £50,000 itself is still in the grant bands ("£5,000 - £50,000", both ends included).
    assert _at(default_findings, "funding", 50000, 50000).kind == "overlap"


def test_purchasing_30000_to_50000_with_39000_whole_life_is_an_overlap(default_findings):
    region = _at(default_findings, "purchasing", 40000, 120000)
    assert region.kind == "overlap"
    assert _ids(region) == {"full_competitive", "restricted"}
    assert region.words() == (
        "from £30,000 to under £50,000 a year, with £39,000 or more over the whole life"
    )
    # A one-year contract of £35,000 stays under £39,000 over its life: restricted only.
    assert _at(default_findings, "purchasing", 35000, 35000) is None
    assert default_findings.eligible("purchasing", Decimal(35000), Decimal(35000)) == (
        {"restricted"},
        set(),
    )


def test_every_gap_and_overlap_of_the_default_pack(default_findings):
    found = sorted(
        (r.kind, r.family.id, r.words(), tuple(sorted(_ids(r)))) for r in default_findings.regions
    )
    assert found == [
        ("gap", "funding", "more than £50,000 a year", ()),
        (
            "overlap",
            "funding",
            "from £5,000 to £50,000 a year",
            ("competitive_grants", "selective_grants"),
        ),
        (
            "overlap",
            "purchasing",
            "from £30,000 to under £50,000 a year, with £39,000 or more over the whole life",
            ("full_competitive", "restricted"),
        ),
        (
            "overlap",
            "purchasing",
            "under £30,000 a year, with £39,000 or more over the whole life",
            ("class_i_ii", "full_competitive"),
        ),
    ]


def test_the_gaps_and_overlaps_of_another_authority(northshire_findings):
    (gap,) = northshire_findings.gaps
    assert (gap.family.id, gap.words()) == ("grants", "more than £20,000 over the whole life")
    assert [(o.method.id, o.exception) for o in gap.openers] == [("core_grant", "panel")]
    overlaps = {(r.words(), tuple(sorted(_ids(r)))) for r in northshire_findings.overlaps}
    assert overlaps == {
        (
            "under £10,000 a year, with £250,000 or more over the whole life",
            ("open_tender", "single_quote"),
        ),
        (
            "from £10,000 to under £100,000 a year, with £250,000 or more over the whole life",
            ("open_tender", "three_quotes"),
        ),
    }
    assert any("Call-off from a framework" in note for note in northshire_findings.notes)


TIDY = """\
pack: {id: tidy, name: Tidy, version: "1", valid_from: 2025-01-01, authority: X, currency: GBP}
documents: [{id: d, title: Rules}]
fields: []
choice: {rule: highest_score_then_listed_order}
families:
  - {id: all, name: All, description: everything, source: {document: d, section: "1", text: all}}
methods:
  - id: small
    name: Small
    family: all
    source: {document: d, section: "2", text: small}
    band: {text: under 10k, ranges: [{basis: per_annum, unit: GBP, includes_vat: false,
           upper: {amount: 10000, inclusive: false}}]}
  - id: large
    name: Large
    family: all
    source: {document: d, section: "3", text: large}
    band: {text: 10k or more, ranges: [{basis: per_annum, unit: GBP, includes_vat: false,
           lower: {amount: 10000, inclusive: true}}]}
"""


def test_a_pack_without_gaps_or_overlaps_and_without_results(cli, tmp_path):
    tidy = tmp_path / "tidy.yaml"
    tidy.write_text(TIDY, encoding="utf-8")
    result = cli("rules", "check", str(tidy))
    assert result.exit_code == 0, result.stderr
    assert "No gaps and no overlaps" in result.stdout
    assert analyse(load_rules(tidy)).regions == ()


def test_an_exception_that_can_never_apply_is_a_finding_not_an_error(cli, tmp_path):
    # "For lower amounts" on a band with no lower limit opens nothing.
    path = broken_copy(
        tmp_path,
        "    results:\n      agreement:\n        value: Contract Green Decision\n",
        "    exceptions:\n      - id: guidance\n        text: lower amounts\n        opens: below\n"
        "        when: {external_guidance: true}\n        label: external guidance applies\n"
        "    results:\n      agreement:\n        value: Contract Green Decision\n",
    )
    result = cli("rules", "check", str(path), "--format", "json")
    assert result.exit_code == 0, result.stderr
    notes = json.loads(result.stdout)["notes"]
    assert any("The exception 'guidance' of Class I & II can never apply" in n for n in notes)


# -- a long pack ---------------------------------------------------------------------------------


def many_methods(n: int, seed: int = 7) -> str:
    """A pack of ``n`` methods in one family, with bands of varied bounds on both bases."""
    import random

    rnd = random.Random(seed)
    lines = [
        'pack: {id: big, name: Big, version: "1", valid_from: 2025-01-01, authority: X, '
        "currency: GBP}",
        "documents: [{id: d, title: Rules}]",
        "fields: [{id: urgent, kind: yes_no}]",
        "choice: {rule: highest_score_then_listed_order}",
        "families:",
        "  - {id: all, name: All, description: all, source: {document: d, section: '1', text: a}}",
        "methods:",
    ]
    for i in range(n):
        basis = rnd.choice(["per_annum", "whole_life"])
        low = rnd.randrange(0, 2_000_000, 50)
        high = low + rnd.randrange(100, 400_000, 50)
        lower = f"lower: {{amount: {low}, inclusive: {rnd.choice(['true', 'false'])}}}, "
        upper = f"upper: {{amount: {high}, inclusive: {rnd.choice(['true', 'false'])}}}"
        if i % 5 == 0:
            lower = ""  # some with no lower limit
        lines += [
            f"  - id: m{i}",
            f"    name: Method {i}",
            "    family: all",
            f"    source: {{document: d, section: '{i}', text: m}}",
            f"    band: {{text: b, ranges: [{{basis: {basis}, unit: GBP, includes_vat: false, "
            f"{lower}{upper}}}]}}",
            "    indicators: [{text: urgent, when: {urgent: true}}]",
        ]
        if i % 7 == 0:
            lines.append(
                "    exceptions: [{id: e, text: e, opens: above, when: {urgent: true}, label: u}]"
            )
    return "\n".join(lines) + "\n"


def test_a_thousand_methods_are_checked_in_under_five_seconds(tmp_path):
    import time

    path = tmp_path / "big.yaml"
    path.write_text(many_methods(1000), encoding="utf-8")
    started = time.perf_counter()
    result = run_installed("rules", "check", str(path), "--format", "json", timeout=30)
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads(result.stdout)
    assert data["overlaps"]
    assert elapsed < 5, f"rules check of 1,000 methods took {elapsed:.1f} s"
    table = run_installed("rules", "check", str(path), timeout=30)
    assert table.returncode == 0
    assert "--format json lists every one" in table.stdout


def test_a_batch_against_a_thousand_methods_costs_each_row_linear_time(tmp_path):
    # Issue 21: 300 extra methods once made ten rows take over 300 s.
    import time

    pack = tmp_path / "big.yaml"
    pack.write_text(many_methods(1000), encoding="utf-8")
    register = tmp_path / "register.csv"
    register.write_text(
        "title,annual_value,years,urgent\n"
        + "".join(
            f"P{i},{1000 * i + 500},{1 + i % 3},{'yes' if i % 2 else 'no'}\n" for i in range(10)
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    started = time.perf_counter()
    result = run_installed(
        "batch", str(register), "--rules", str(pack), "-o", str(out), "--quiet", timeout=60
    )
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr[-2000:]
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 10
    assert all(len(json.loads(line)["candidates"]) == 1000 for line in lines)
    assert elapsed < 15, f"10 rows against 1,000 methods took {elapsed:.1f} s"


# -- the analysis agrees with the engine ----------------------------------------------------------
# At any value, a point the engine finds no method eligible for (no exception holding) lies in
# a gap; two or more, in an overlap naming some of them; one, in neither.


def _check_point(rules, findings: Findings, family: str, facts: dict, annual, years) -> None:
    fields = {"title": "t", "annual_value": annual, "years": years, **facts}
    decision = route(rules.purchase(fields), rules)
    assert decision.family == family
    p = decision.purchase
    eligible = {c.id for c in decision.candidates if c.eligible}
    plain, gated = findings.eligible(family, p.per_annum, p.total_value)
    assert eligible - gated == plain
    assert eligible <= plain | gated
    regions = findings.at(family, p.per_annum, p.total_value)
    if not plain:
        assert [r.kind for r in regions] == ["gap"]
    elif len(plain) == 1:
        assert regions == []
    else:
        assert regions and all(r.kind == "overlap" and _ids(r) <= plain for r in regions)


VALUES = st.one_of(
    st.sampled_from([5000, 30000, 39000, 50000, 10000, 100000, 2000, 20000, 250000]).map(Decimal),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal(400000), places=2),
)
YEARS = st.sampled_from(["0.5", "1", "2", "3", "7.5"])

SCENARIOS = [
    # pack, family, facts putting a purchase in it with no exception holding
    (None, "purchasing", {"outcomes": "certain", "external_guidance": False}),
    (
        None,
        "funding",
        {
            "outcomes": "less_certain",
            "core_costs": False,
            "resources_panel_approved": False,
            "redevelopment_costs": False,
        },
    ),
    (None, "funding", {"outcomes": "certain", "core_costs": True, "strategic_organisation": True}),
    (
        str(NORTHSHIRE),
        "contracts",
        {"outcomes": "certain", "call_off": False, "external_guidance": False},
    ),
    (str(NORTHSHIRE), "contracts", {"outcomes": "certain", "call_off": True}),
    (
        str(NORTHSHIRE),
        "grants",
        {"outcomes": "certain", "core_costs": True, "resources_panel_approved": False},
    ),
]
_LOADED: dict[str | None, tuple] = {}


def _loaded(pack: str | None):
    if pack not in _LOADED:
        rules = load_rules(pack)
        _LOADED[pack] = (rules, analyse(rules))
    return _LOADED[pack]


@pytest.mark.parametrize(("pack", "family", "facts"), SCENARIOS)
@settings(max_examples=80, deadline=None)
@given(annual=VALUES, years=YEARS)
def test_regions_agree_with_the_engine(pack, family, facts, annual, years):
    rules, findings = _loaded(pack)
    _check_point(rules, findings, family, facts, annual, years)


BOUNDS = st.integers(min_value=1, max_value=60).map(lambda k: k * 1000)
# Values a fifth of VALUES, in pence: around the random packs' bounds (£1,000 to £60,000).
# A purchase is worth something, so a value that rounds to £0 is no point to check.
SMALL_VALUES = VALUES.map(lambda v: (v / 5).quantize(Decimal("0.01"))).filter(lambda v: v > 0)


@st.composite
def random_packs(draw) -> str:
    """A small pack of a few methods whose ranges fall on either basis, anywhere."""
    lines = [
        'pack: {id: r, name: R, version: "1", valid_from: 2025-01-01, authority: X, currency: GBP}',
        "documents: [{id: d, title: D}]",
        "fields: []",
        "choice: {rule: highest_score_then_listed_order}",
        "families: [{id: all, name: All, description: a, source: {document: d, section: s, "
        "text: t}}]",
        "methods:",
    ]
    for i in range(draw(st.integers(min_value=1, max_value=6))):
        ranges = []
        for _ in range(draw(st.integers(min_value=1, max_value=2))):
            basis = draw(st.sampled_from(["per_annum", "whole_life"]))
            low, high = sorted((draw(BOUNDS), draw(BOUNDS)))
            parts = []
            if draw(st.booleans()):
                parts.append(f"lower: {{amount: {low}, inclusive: {draw(st.booleans())}}}")
            if draw(st.booleans()) and (high > low or not parts):
                parts.append(f"upper: {{amount: {high}, inclusive: true}}")
            ranges.append(
                f"{{basis: {basis}, unit: GBP, includes_vat: false"
                + "".join(f", {p}" for p in parts)
                + "}"
            )
        lines += [
            f"  - id: m{i}",
            f"    name: M{i}",
            "    family: all",
            "    source: {document: d, section: s, text: t}",
            f"    band: {{text: b, ranges: [{', '.join(ranges)}]}}",
        ]
    return "\n".join(lines) + "\n"


@settings(max_examples=40, deadline=None)
@given(
    pack=random_packs(),
    points=st.lists(st.tuples(SMALL_VALUES, YEARS), min_size=5, max_size=10),
)
def test_regions_of_any_pack_agree_with_the_engine(tmp_path_factory, pack, points):
    path = tmp_path_factory.mktemp("pack") / "random.yaml"
    path.write_text(pack, encoding="utf-8")
    rules = load_rules(path)
    findings = analyse(rules)
    for annual, years in points:
        _check_point(rules, findings, "all", {}, annual, years)


def test_a_specification_file_that_is_not_there_is_a_problem_of_the_pack(cli, tmp_path):
    pack = broken_copy(tmp_path, "specification: specification.yaml", "specification: spec2.yaml")
    result = cli("rules", "check", str(pack))
    assert result.exit_code == 1
    assert "names the specification file 'spec2.yaml', which is neither beside" in result.stderr
    assert "`commission spec` refuses it until they are fixed" in result.stderr


def test_a_damaged_specification_file_is_reported_at_its_lines(cli, tmp_path):
    pack = broken_copy(tmp_path, "specification: specification.yaml", "specification: spec2.yaml")
    (tmp_path / "spec2.yaml").write_text("title: Headings\nabout: x\nsections: []\ncolour: red\n")
    result = cli("rules", "check", str(pack))
    assert result.exit_code == 1
    assert "spec2.yaml:4" in result.stderr and "colour" in result.stderr


def _northshire_with_its_document(tmp_path: Path, words_of) -> Path:
    """Northshire's pack beside the document it quotes (``words_of`` writes it from the
    pack's quotations)."""
    from commission_cli.rules.quotes import quotations

    text = (PACKS / "northshire.yaml").read_text(encoding="utf-8")
    pack = tmp_path / "northshire.yaml"
    pack.write_text(
        text.replace(
            "    title: Northshire Contract Procedure Rules (fictional test document)\n",
            "    title: Northshire Contract Procedure Rules (fictional test document)\n"
            "    file: cpr.txt\n",
        ),
        encoding="utf-8",
    )
    quotes = [text for _, _, text in quotations(load_rules(str(pack)))]
    (tmp_path / "cpr.txt").write_text(words_of(quotes), encoding="utf-8")
    return pack


def test_every_quotation_is_looked_for_in_the_document_file_beside_the_pack(cli, tmp_path):
    # Line breaks and runs of spaces in the document do not count.
    pack = _northshire_with_its_document(
        tmp_path, lambda quotes: "\n\n".join(q.replace(" ", "\n   ", 1) for q in quotes)
    )
    result = cli("rules", "check", str(pack), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["quotations"] == {"checked": ["cpr"], "not_checked": []}


def test_a_quotation_not_in_its_document_is_refused_at_its_line(cli, tmp_path):
    pack = _northshire_with_its_document(
        tmp_path,
        lambda quotes: "\n".join(quotes).replace("All contracts are registered.", "All are."),
    )
    result = cli("rules", "check", str(pack))
    assert result.exit_code == 1
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    line = line_of(pack.read_text(encoding="utf-8"), "All contracts are registered.")
    assert error.startswith(f"error: {pack}:{line}:")
    assert "'All contracts are registered.' is not, word for word, in cpr.txt" in error


def test_a_document_the_pack_names_no_file_for_is_said_to_be_unchecked(cli):
    result = cli("rules", "check", str(PACKS / "northshire.yaml"), "--format", "json")
    assert json.loads(result.stdout)["quotations"] == {
        "checked": [],
        "not_checked": [{"document": "cpr", "why": "the pack names no file for it"}],
    }


def test_part_of_a_word_is_no_quotation_and_an_empty_one_is_refused(tmp_path, cli):
    pack = _northshire_with_its_document(tmp_path, "\n".join)
    text = pack.read_text(encoding="utf-8")
    pack.write_text(
        text.replace(
            'text: "All contracts are registered."', 'text: "ll contracts are registe"'
        ).replace('text: "Grant letter"', 'text: " "'),
        encoding="utf-8",
    )
    errors = [e for e in cli("rules", "check", str(pack)).stderr.splitlines() if "error:" in e]
    assert any("'ll contracts are registe' is not, word for word, in cpr.txt" in e for e in errors)
    assert any("an empty quotation; give the document's words" in e for e in errors)


def test_a_document_file_that_is_absent_or_links_out_of_the_folder_is_not_read(tmp_path, cli):
    pack = _northshire_with_its_document(tmp_path, "\n".join)
    (tmp_path / "cpr.txt").unlink()
    outside = tmp_path.parent / f"{tmp_path.name}-secret.txt"
    outside.write_text("All contracts are registered.", encoding="utf-8")
    for state in ("absent", "a link out of the folder"):
        if state != "absent":
            (tmp_path / "cpr.txt").symlink_to(outside)
        result = cli("rules", "check", str(pack), "--format", "json")
        assert result.exit_code == 0, state
        (why,) = json.loads(result.stdout)["quotations"]["not_checked"]
        assert why == {
            "document": "cpr",
            "why": "cpr.txt is not a file of the pack's folder (a name, not a path or link)",
        }


def test_a_pack_with_no_family_or_no_method_is_refused(tmp_path):
    empty = TIDY.split("families:")[0] + "families: []\nmethods: []\n"
    path = tmp_path / "empty.yaml"
    path.write_text(empty, encoding="utf-8")
    problems = problems_of(path)
    assert any("families: a pack needs at least one family" in p for p in problems)
    assert any("methods: a pack needs at least one method" in p for p in problems)


def test_a_default_only_one_side_of_a_range_passes_is_not_refused(tmp_path):
    # A number between 3 and 20 is one test: a default of 1 fails it as a whole.
    pack = TIDY.replace(
        "fields: []",
        "fields:\n  - {id: bidders, kind: number, whole: true, default: '1'}",
    ).replace(
        "           upper: {amount: 10000, inclusive: false}}]}\n",
        "           upper: {amount: 10000, inclusive: false}}]}\n"
        "    indicators: [{text: bidders, when: {bidders: {at_least: 3, at_most: 20}}}]\n",
    )
    path = tmp_path / "between.yaml"
    path.write_text(pack, encoding="utf-8")
    assert load_rules(path).fields["bidders"].default == "1"
    path.write_text(pack.replace("default: '1'", "default: '5'"), encoding="utf-8")
    (problem,) = problems_of(path)
    assert (
        "the default of bidders (5) would pass the test at methods[0].indicators[0].when" in problem
    )


def test_a_pack_with_a_schema_error_still_has_its_dates_checked(tmp_path):
    path = broken_copy(
        tmp_path,
        "  valid_from: 2009-01-16\n",
        "  valid_from: 2009-01-16\n  valid_until: 2008-12-31\n",
    )
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "lower: {amount: 50000, inclusive: true}", "lower: {amount: x, inclusive: true}", 1
        ),
        encoding="utf-8",
    )
    problems = problems_of(path)
    assert any("valid_until (2008-12-31) is before valid_from" in p for p in problems)
    assert any("methods[0].band.ranges[0].lower.amount" in p for p in problems)


def test_a_family_on_two_vat_bases_is_routed_with_a_warning_and_shown_by_check(cli, tmp_path):
    # There is no VAT rate to convert between the bases yet: the amounts are compared as
    # given, and every decision of that family (and rules check) says so.
    path = broken_copy(
        tmp_path,
        "          includes_vat: false\n          lower: {amount: 39000",
        "          includes_vat: true\n          lower: {amount: 39000",
    )
    rules = load_rules(path)
    assert rules.mixed_vat == {"purchasing"}
    contract = route(
        rules.purchase(title="Day care", annual_value=45000, outcomes="certain"), rules
    )
    grant = route(rules.purchase(title="Club", annual_value=4000, outcomes="less_certain"), rules)
    assert any("differ on whether amounts include VAT" in w for w in contract.warnings)
    assert not any("VAT" in w for w in grant.warnings)
    checked = json.loads(cli("rules", "check", str(path), "--format", "json").stdout)
    assert checked["mixed_vat_families"] == ["purchasing"]
