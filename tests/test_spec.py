"""`commission spec FILE`: the framework's Appendix 1 headings, filled from the purchase."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from commission_cli.render import spec as spec_module

from .conftest import EXAMPLES, PACKS, SOURCES

FRAMEWORK = SOURCES / "003_6ea27527b8921c7a.txt"
DAY_CARE = str(EXAMPLES / "day-care-restricted.yaml")
NO_ROUTE = str(EXAMPLES / "lunch-club-no-route.yaml")


def appendix_1_headings() -> list[str]:
    """The headings as the framework prints them, between "APPENDIX 1" and "APPENDIX 2"."""
    text = FRAMEWORK.read_text(encoding="utf-8")
    block = text.split("APPENDIX 1\n\nSERVICE SPECIFICATION", 1)[1].split("APPENDIX 2", 1)[0]
    return [line.strip().rstrip(":") for line in block.splitlines() if line.strip()]


def headings(markdown: str) -> list[str]:
    return [re.sub(r"^#+ ", "", line) for line in markdown.splitlines() if line.startswith("#")]


def test_the_appendix_has_the_twelve_headings_the_issue_names():
    assert appendix_1_headings() == [
        "SERVICE NAME",
        "STATEMENT OF PURPOSE",
        "Overview",
        "Service Objectives",
        "Description of service",
        "Service activities",
        "Service outcomes",
        "Location",
        "Cost",
        "Performance measures",
        "Performance monitoring",
        "Outline terms and conditions and length of contract",
    ]


def test_the_spec_has_every_appendix_1_heading_in_order(cli):
    result = cli("spec", DAY_CARE)
    assert result.exit_code == 0, result.stderr
    found = headings(result.stdout)
    positions = []
    for heading in appendix_1_headings():
        match = [i for i, h in enumerate(found) if h == heading or h.startswith(heading + ":")]
        assert match, heading
        positions.append(match[0])
    assert positions == sorted(positions)


def test_the_spec_is_filled_from_the_purchase(cli):
    text = cli("spec", DAY_CARE).stdout
    assert "## SERVICE NAME: Day care for older people with dementia" in text
    cost = text.split("### Cost", 1)[1].split("###", 1)[0]
    assert "Cost a year: £45,000" in cost
    assert "Length: 3 years" in cost
    assert "Total cost over the whole life: £135,000" in cost
    terms = text.split("### Outline terms and conditions and length of contract", 1)[1]
    assert "Length of contract: 3 years" in terms
    assert "Recommended route: Restricted procurement process" in terms
    assert "Resulting agreement: Contract" in terms
    assert "Types of contract: Service Agreement" in terms
    assert text.count("[") >= 12  # a prompt wherever the purchase cannot say


def test_the_spec_carries_the_equality_items_the_framework_requires(cli):
    lines = [line.removeprefix("> ") for line in cli("spec", DAY_CARE).stdout.splitlines()]
    text = " ".join(" ".join(lines).split())  # as read, with quotation marks and wrapping undone
    assert (
        "“An equality impact assessment (EIA) should be carried out for each commissioning "
        "strategy / service specification. The extent of the EIA needs to be proportional to "
        "the size of service area / impact.”"
    ) in text
    assert "The legal requirement to carry out equality monitoring." in text
    for item in (
        "Equality monitoring systems",
        "Equality impact assessment",
        "Workforce representation",
        "Accessible services",
        "Equality & Diversity Policy",
        "Staff training and development",
        "Consultation and Involvement of under-representative groups/users",
        "Dealing with complaints",
    ):
        assert f"- [ ] {item}" in text


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("**", "")).strip()


def test_every_quotation_in_the_spec_is_word_for_word_in_the_framework(rules):
    spec = spec_module.load_specification(rules)
    (document,) = [d for d in rules.pack.documents if d.id == spec.document]
    assert document.file is not None
    raw = (SOURCES / document.file).read_text(encoding="utf-8")
    assert raw == FRAMEWORK.read_text(encoding="utf-8")
    source = _norm(raw)
    quotes = [s.quote for s in spec.sections]
    quotes += [c.quote for s in spec.sections for c in s.checklist]
    assert sum(q is not None for q in quotes) >= 12
    for quote in quotes:
        if quote is not None:
            assert _norm(quote.text) in source, quote.text
            assert _norm(quote.section) in source, quote.section
    items = [i for s in spec.sections for listed in s.lists for i in listed.items]
    assert "Sustainability" in items and "Dealing with complaints" in items
    for item in items:
        assert f"- {item}" in raw, item


def test_a_purchase_with_no_route_still_gets_its_skeleton_saying_so(cli):
    result = cli("spec", NO_ROUTE)
    assert result.exit_code == 0
    assert "Recommended route: none." in result.stdout
    assert "## SERVICE NAME: Lunch clubs across the city" in result.stdout


def test_output_is_written_whole_and_never_over_a_file_without_force(cli, tmp_path):
    target = tmp_path / "spec.md"
    result = cli("spec", DAY_CARE, "--output", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_text().startswith("# SERVICE SPECIFICATION")
    target.write_text("edited by hand\n")
    refused = cli("spec", DAY_CARE, "--output", str(target))
    assert refused.exit_code == 2
    assert "already exists" in refused.stderr and "--force" in refused.stderr
    assert target.read_text() == "edited by hand\n"
    assert cli("spec", DAY_CARE, "--output", str(target), "--force").exit_code == 0
    assert target.read_text().startswith("# SERVICE SPECIFICATION")
    assert [p.name for p in tmp_path.iterdir()] == ["spec.md"]  # no temporary file left


@pytest.mark.parametrize("content", ["title: x\n", "title:\nannual_value:\noutcomes:\n"])
def test_an_incomplete_purchase_is_refused_with_the_usual_messages(cli, tmp_path, content):
    path = tmp_path / "p.yaml"
    path.write_text(content)
    result = cli("spec", str(path))
    assert result.exit_code == 2
    assert "outcomes:" in result.stderr


def test_a_shipped_file_read_for_a_pack_of_ones_own_is_named_where_installed(cli, tmp_path):
    # Nothing beside this pack is called specification.yaml: the copy that ships with the
    # tool (another authority's headings) is read, and its problems say so.
    text = (PACKS / "northshire.yaml").read_text(encoding="utf-8")
    path = tmp_path / "northshire.yaml"
    path.write_text(text + "specification: specification.yaml\n", encoding="utf-8")
    result = cli("rules", "check", str(path))
    assert result.exit_code == 1
    shipped = resources.files("commission_cli.packs") / "specification.yaml"
    assert f"error: {shipped}:" in result.stderr
