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

from commission_cli import Purchase, load_rules, route
from commission_cli.analysis import analyse
from commission_cli.errors import RulePackError
from commission_cli.rules import resolve_pack

from .conftest import EXAMPLES, PACKS, run_installed

DEFAULT_TEXT = Path(resolve_pack(None)).read_text(encoding="utf-8")
NORTHSHIRE = PACKS / "northshire.yaml"
SEVERAL = PACKS / "broken" / "several_problems.yaml"


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
        load_rules(path, cache=False)
    return [str(p) for p in caught.value.problems]


# One defect each: (name, replace this, with this, a line holding this, words of the message).
DEFECTS = [
    (
        "wrong type",
        "lower: {amount: 50000, inclusive: true}",
        "lower: {amount: fifty thousand, inclusive: true}",
        "fifty thousand",
        "methods[0].band.ranges[0].lower.amount: must be a number (got 'fifty thousand')",
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
        '    agreement: {text: Contract}\n    full_cost_recovery: {text: "Yes"}\n'
        "    guiding_document: {text: EU procurement",
        '    full_cost_recovery: {text: "Yes"}\n    guiding_document: {text: EU procurement',
        "- id: full_competitive",
        "methods[0].agreement: is required but missing",
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
        "pack.name: duplicate key (first given on line 18)",
    ),
    (
        "indicator naming no purchase field",
        "when: {providers: few}",
        "when: {provider_count: few}",
        "provider_count",
        "methods[1].indicators[1].when.provider_count: no purchase field called "
        "'provider_count' (did you mean 'provider'?)",
    ),
    (
        "indicator naming a value the field never has",
        "when: {providers: few}",
        "when: {providers: several}",
        "providers: several",
        "methods[1].indicators[1].when.providers: providers is never 'several'; "
        "it is one of many, few",
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
        "methods[6].exceptions[0].when.redevelopment_costs: redevelopment_costs is true or "
        "false, never 'maybe'",
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
        "    agreement:\n      text: Contract Green Decision\n",
        "    requires:\n      text: Class I & II\n      when: {core_costs: true}\n"
        "      label: core costs\n    agreement:\n      text: Contract Green Decision\n",
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
    # No value is below "under £0.01"'s missing lower bound, so "lower amounts" opens nothing.
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
    assert [int(line.split(":")[2]) for line in lines] == [10, 35, 39, 50, 55]
    text = "\n".join(lines)
    assert "pack.currency: duplicate key (first given on line 9)" in text
    assert "no purchase field called 'provider_count'" in text
    assert "no step list with id 'tendering'" in text
    assert "the lower bound (£20,000) is above the upper bound (£10,000)" in text
    assert "guidance_document: is not a known field here; did you mean 'guiding_document'?" in text
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
    assert "providers is never 'several'" in problems[1]


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
    assert [p["line"] for p in data["problems"]] == [10, 35, 39, 50, 55]
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
    assert result.exit_code == 0
    assert json.loads(result.stdout)["pack"]["file"] == "<stdin>"


def test_the_installed_command_checks_a_broken_pack():
    result = run_installed("rules", "check", str(SEVERAL))
    assert result.returncode == 1
    assert f"error: {SEVERAL}:35:53: methods[0].indicators[0].when.provider_count" in result.stderr
    assert "Traceback" not in result.stderr
    good = run_installed("rules", "check", "--format", "json")
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["gaps"][0]["values"] == "more than £50,000 a year"


# -- gaps and overlaps -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def default_findings():
    return analyse(load_rules())


@pytest.fixture(scope="module")
def northshire_findings():
    return analyse(load_rules(NORTHSHIRE))


def _ids(region) -> set[str]:
    return {m.id for m in region.methods}


def test_funding_above_50000_a_year_is_a_gap(default_findings):
    gap = default_findings.region_at("funding", Decimal(60000), Decimal(180000))
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
    assert default_findings.region_at("funding", Decimal(50000), Decimal(50000)).kind == "overlap"


def test_purchasing_30000_to_50000_with_39000_whole_life_is_an_overlap(default_findings):
    region = default_findings.region_at("purchasing", Decimal(40000), Decimal(120000))
    assert region.kind == "overlap"
    assert _ids(region) == {"full_competitive", "restricted"}
    assert region.words() == (
        "from £30,000 to under £50,000 a year, with £39,000 or more over the whole life"
    )
    # A one-year contract of £35,000 stays under £39,000 over its life: restricted only.
    alone = default_findings.region_at("purchasing", Decimal(35000), Decimal(35000))
    assert alone.kind == "single" and _ids(alone) == {"restricted"}


def test_every_gap_and_overlap_of_the_default_pack(default_findings):
    found = sorted(
        (r.kind, r.family.id, r.words(), tuple(sorted(_ids(r))))
        for r in default_findings.regions
        if r.kind != "single"
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


def test_a_pack_without_gaps_or_overlaps(cli, tmp_path):
    tidy = tmp_path / "tidy.yaml"
    tidy.write_text(_one_family_pack(), encoding="utf-8")
    result = cli("rules", "check", str(tidy))
    assert result.exit_code == 0, result.stderr
    assert "No gaps and no overlaps" in result.stdout
    assert [r.kind for r in analyse(load_rules(tidy)).regions] == ["single", "single"]


def _one_family_pack() -> str:
    return """\
pack: {id: tidy, name: Tidy, version: "1", valid_from: 2025-01-01, authority: X, currency: GBP}
documents: [{id: d, title: Rules}]
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
    agreement: {text: order}
    full_cost_recovery: {text: "no"}
    guiding_document: {text: rules}
  - id: large
    name: Large
    family: all
    source: {document: d, section: "3", text: large}
    band: {text: 10k or more, ranges: [{basis: per_annum, unit: GBP, includes_vat: false,
           lower: {amount: 10000, inclusive: true}}]}
    agreement: {text: contract}
    full_cost_recovery: {text: "yes"}
    guiding_document: {text: rules}
"""


def test_an_exception_that_can_never_apply_is_a_finding_not_an_error(cli, tmp_path):
    # "For lower amounts" on a band with no lower limit opens nothing.
    path = broken_copy(
        tmp_path,
        "    agreement:\n      text: Contract Green Decision\n",
        "    exceptions:\n      - id: guidance\n        text: lower amounts\n        opens: below\n"
        "        when: {external_guidance: true}\n        label: external guidance applies\n"
        "    agreement:\n      text: Contract Green Decision\n",
    )
    result = cli("rules", "check", str(path), "--format", "json")
    assert result.exit_code == 0, result.stderr
    notes = json.loads(result.stdout)["notes"]
    assert any("The exception 'guidance' of Class I & II can never apply" in n for n in notes)


# The analysis agrees with the engine: at any value, the methods a region names are those
# route() finds eligible when no exception holds (and, with the requirement met, the gated).
VALUES = st.one_of(
    st.sampled_from([5000, 30000, 39000, 50000, 10000, 100000, 2000, 20000, 250000]).map(Decimal),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal(400000), places=2),
)
YEARS = st.sampled_from([Decimal("0.5"), Decimal(1), Decimal(2), Decimal(3), Decimal("7.5")])

SCENARIOS = [
    # pack, family, facts putting a purchase in it with no exception, facts meeting requirements
    (
        None,
        "purchasing",
        {"outcomes": "certain", "external_guidance": False},
        {},
    ),
    (
        None,
        "funding",
        {
            "outcomes": "less_certain",
            "core_costs": False,
            "resources_panel_approved": False,
            "redevelopment_costs": False,
        },
        {"core_costs": True, "strategic_organisation": True},
    ),
    (
        str(NORTHSHIRE),
        "contracts",
        {"outcomes": "certain", "call_off": False, "external_guidance": False},
        {"call_off": True},
    ),
    (
        str(NORTHSHIRE),
        "grants",
        {"outcomes": "certain", "core_costs": True, "resources_panel_approved": False},
        {},
    ),
]


@pytest.mark.parametrize(("pack", "family", "facts", "required"), SCENARIOS)
@settings(max_examples=150, deadline=None)
@given(annual=VALUES, years=YEARS, meet=st.booleans())
def test_regions_agree_with_the_engine(pack, family, facts, required, annual, years, meet):
    rules = load_rules(pack)
    findings = analyse(rules)
    fields = {**facts, **(required if meet else {})}
    decision = route(Purchase(title="t", annual_value=annual, years=years, **fields), rules)
    assert decision.family == family
    p = decision.purchase
    region = findings.region_at(family, p.annual_value, p.total_value)
    expected = _ids(region) | ({g.method.id for g in region.gated} if meet and required else set())
    assert {c.id for c in decision.candidates if c.eligible} == expected
