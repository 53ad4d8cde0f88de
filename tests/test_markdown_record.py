"""The decision record (`route --format markdown`): complete, readable both rendered
(checked with a CommonMark parser) and as plain text, and worded by the pack."""

from __future__ import annotations

import json

import pytest
from markdown_it import MarkdownIt

from commission_cli import __version__
from commission_cli.render.markdown import wrap

from .conftest import EXAMPLES
from .test_cli_route import southvale

DAY_CARE = str(EXAMPLES / "day-care-restricted.yaml")
NO_ROUTE = str(EXAMPLES / "lunch-club-no-route.yaml")
EXTERNAL = str(EXAMPLES / "interpreting-external-guidance.yaml")


@pytest.fixture
def record(cli, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795392000")  # 2026-11-23

    def _record(path: str, *more: str) -> str:
        result = cli("route", path, "--format", "markdown", *more)
        assert result.stderr == ""
        text: str = result.stdout
        return text

    return _record


def rendered_headings(text: str) -> list[str]:
    tokens = MarkdownIt("commonmark").parse(text)
    return [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]


def plain(text: str) -> str:
    return " ".join(text.split())


def test_a_routed_record_has_everything_the_file_needs(record, rules):
    text = record(DAY_CARE)
    flat = plain(text)
    assert text.startswith("# Procurement route decision: Day care for older people with dementia")
    assert "**Recommendation: Restricted procurement process**" in text
    for fact in (
        "**Resulting agreement:** Contract",
        "**Full cost recovery:** Yes",
        "**Key guiding document:** Internal procurement procedures (and Commissioning Framework)",
        "**Contract types:** Service Agreement",
    ):
        assert fact in flat
    assert rendered_headings(text) == [
        "Procurement route decision: Day care for older people with dementia",
        "The purchase as described",
        "Why this route",
        "Contract types",
        "Every method considered",
        "Full competitive procurement process: eligible, not chosen, score 50%",
        "Restricted procurement process: chosen, score 100%",
        "Class I & II: not eligible, score 67%",
        "Warnings",
        "Steps",
        "Obligations",
        "Record",
    ]
    # The purchase as described: what was stated, and the derived whole-life value,
    # labelled in the pack's own capitals (it speaks of "the EU procurement rules").
    assert "| Annual value | £45,000 " in text and "| Total value  | £135,000 (derived)" in text
    assert "| EU exempt    | yes " in text
    assert "Not stated: External guidance, Timescale, Overlaps VCS activity" in flat
    # Why each other method was not chosen.
    assert "; but it matches 2 of its 4 indicators (50%), against 100% for Restricted" in flat
    assert "Not eligible: the value is above its band (under £30,000 a year)" in flat
    # The warnings, the steps as a checklist, and what the record rests on.
    assert "within 10% below the £50,000 a year threshold" in flat
    assert "- [ ] 1. Prepare Service Specification" in text
    assert "- [ ] 11. Contract monitoring" in text
    assert f"Rule pack: {rules.name}, version {rules.version}" in text
    assert f"`{rules.sha256}`" in text
    assert f"Tool: commission {__version__}" in text
    assert "Date: 2026-11-23" in text


def test_a_no_route_record_says_so_and_what_would_open_one(record):
    text = record(NO_ROUTE)
    flat = plain(text)
    assert "**No route: no method of the rules is eligible for this purchase.**" in text
    assert "**Method:** none (no route)" in text
    assert "**Resulting agreement:**" not in text
    headings = rendered_headings(text)
    assert headings.index("What would open a route") < headings.index("Why")
    opening = text.split("## What would open a route", 1)[1].split("\n## ", 1)[0]
    assert "It would be open if the Resources Panel approves the grant" in plain(opening)
    assert "needs core_costs is true and strategic_organisation is true" in plain(opening)
    assert "## Steps" not in text and "## Obligations" not in text
    assert "No route: no funding method is eligible" in flat


def test_an_exception_relied_on_is_named(record):
    text = plain(record(EXTERNAL))
    assert "**Exception relied on:** May be used for lower amounts where external guidance" in text


@pytest.mark.parametrize("path", [DAY_CARE, NO_ROUTE])
def test_the_record_reads_as_plain_text(record, path):
    text = record(path)
    for line in text.splitlines():
        # Only a table row or a line holding one long unbreakable word may run past 80.
        if len(line) > 80:
            assert line.startswith("|") or " " not in line.strip(" -`"), line
    assert "\n\n\n" not in text


@pytest.mark.parametrize("path", [DAY_CARE, NO_ROUTE])
def test_the_record_renders_as_intended(record, path):
    tokens = MarkdownIt("commonmark").enable("table").parse(record(path))
    kinds = {t.type for t in tokens}
    assert "table_open" in kinds  # the purchase as described
    assert "code_block" not in kinds  # no indentation mistaken for code
    assert "blockquote_open" not in kinds


def test_wrapping_never_starts_a_line_with_markdown():
    text = "The band is £30,000 - £50,000 a year " * 3 + "and then 2. more + words > here"
    for width in range(20, 60):
        for line in wrap(text, "- ", "  ", width=width)[1:]:
            first = line.split()[0]
            assert first not in ("-", "+", "*", ">") and not first.rstrip(".").isdigit(), line


def test_output_file_holds_the_same_record(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795392000")
    target = tmp_path / "record.md"
    result = cli("route", DAY_CARE, "--format", "markdown", "--output", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_text() == cli("route", DAY_CARE, "--format", "markdown").stdout


def test_another_packs_record_shows_its_own_results_and_fields(record, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("title: Grounds maintenance\nannual_value: 30k\nlots: 2\n")
    text = record(str(path), "--rules", southvale(tmp_path))
    flat = plain(text)
    assert "- **Quotes required:** 1" in text
    assert "- **Advertise:** Yes" in text
    assert "- **Notices to publish:** Contracts Finder; Find a Tender" in text
    assert "| Lots         | 2 " in text
    assert "Not stated: Urgent." in flat
    assert "Resulting agreement" not in text
    assert "Rule pack: Southvale [bold]Borough[/] Council, version 0.1" in text


def test_control_characters_and_line_breaks_in_text_cannot_restyle_or_restructure(record, tmp_path):
    path = tmp_path / "p.json"
    title = "Care\x1b[31m red\n# Not\ra heading"
    path.write_text(json.dumps({"title": title, "annual_value": "45k", "outcomes": "certain"}))
    result_text = record(str(path))
    assert "\x1b" not in result_text and "\r" not in result_text
    assert rendered_headings(result_text)[0] == (
        "Procurement route decision: Care\\x1b\\[31m red\\n# Not\\ra heading"
    )


def test_a_title_typed_as_html_or_a_link_is_shown_as_typed_never_rendered(record, tmp_path):
    path = tmp_path / "p.json"
    title = "<img src=x onerror=alert(1)> [click](javascript:go) *Care* a_b `c`"
    path.write_text(json.dumps({"title": title, "annual_value": "45k", "outcomes": "certain"}))
    text = record(str(path))
    assert (
        "\\<img src=x onerror=alert(1)\\> \\[click\\](javascript:go) \\*Care\\* a\\_b \\`c\\`"
        in text
    )
    assert "<img" not in text.replace("\\<img", "")


def test_a_length_in_months_is_shown_in_months(cli):
    result = cli(
        "route",
        "--title",
        "x",
        "--annual-value",
        "20000",
        "--years",
        "4 months",
        "--outcomes",
        "certain",
        "--format",
        "markdown",
    )
    assert "| 4 months " in result.stdout
