"""The decision record: a Markdown document fit to attach to a procurement file.

Written to read as well in a text editor or an e-mail as rendered: lines
wrapped at 80 columns (never where a word would start a Markdown list or
heading by accident), the summary as a list rather than a wide table, the one
table (the purchase) padded into columns, the steps and obligations as
checklists, and what the record rests on (the rule pack's name, version and
sha256, the tool's version, the date) at the end, with room to sign it off.

Text from the purchase or the pack is shown with its control characters
escaped (:func:`~commission_cli.safe.shown`), so a title holding an escape
sequence or a line break cannot restyle a terminal or start a heading. What the
officer typed is also kept literal (:func:`literal`): a title written as HTML
or as a Markdown link is shown as typed, never rendered as one.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .._version import __version__
from ..model.fields import VALUE_FIELDS
from ..safe import shown
from .text import (
    NOT_GIVEN,
    field_label,
    glossary_note,
    purchase_rows,
    result_text,
    today,
    value_summary,
)

if TYPE_CHECKING:
    from ..model.decision import Candidate, Decision
    from ..model.purchase import Purchase
    from ..rules.compiled import Rules

WIDTH = 80
# A word that would start a list, a quotation, a heading, a table row or a
# rule if a wrapped line began with it.
_BLOCK_START = re.compile(r"[-+*=_#]+|\d{1,9}[.)]|[>|].*")


def wrap(text: str, first: str = "", rest: str | None = None, width: int = WIDTH) -> list[str]:
    """Lines of at most ``width`` columns where possible, prefixed ``first`` then ``rest``.

    A word that Markdown would read as the start of a block ("- £50,000") is
    kept on the line before, so wrapping never changes what the text means.
    """
    rest = " " * len(first) if rest is None else rest
    lines: list[str] = []
    line = first
    empty = True
    for word in text.split():
        candidate = word if empty else f"{line} {word}"
        if empty:
            line = first + word
        elif len(candidate) > width and not _BLOCK_START.fullmatch(word):
            lines.append(line)
            line = rest + word
        else:
            line = candidate
        empty = False
    lines.append(line)
    return lines


def item(text: str, marker: str = "- ") -> list[str]:
    return wrap(text, marker, " " * len(marker))


def paragraph(text: str) -> list[str]:
    return [*wrap(text), ""]


# What would make typed text HTML, a link, emphasis or code once rendered.
_MARKUP = re.compile(r"([\\`*_\[\]<>])")


def literal(text: str) -> str:
    """Text the officer typed, to show as it was typed: control characters escaped, and
    each character Markdown would read as markup escaped with a backslash."""
    return shown(_MARKUP.sub(r"\\\1", text))


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def table(header: tuple[str, str], rows: list[tuple[str, str]]) -> list[str]:
    """A two-column table, padded so that the columns line up in plain text too."""
    cells = [(_cell(a), _cell(b)) for a, b in [header, *rows]]
    left = max(len(a) for a, _ in cells)
    right = max(len(b) for _, b in cells)
    out = [f"| {a.ljust(left)} | {b.ljust(right)} |" for a, b in cells[:1]]
    out.append(f"| {'-' * left} | {'-' * right} |")
    out += [f"| {a.ljust(left)} | {b.ljust(right)} |" for a, b in cells[1:]]
    return out


def decision_markdown(decision: Decision, rules: Rules | None = None) -> str:
    """The decision record; ``rules`` (the pack routed with) words the purchase's fields."""
    d = decision
    lines = [f"# Procurement route decision: {literal(d.purchase.title)}", ""]
    lines += _summary(d)
    lines += _purchase(d.purchase, rules)
    if d.method is None:
        lines += _what_would_open(d)
    lines += _why(d)
    lines += _contract_types(d, rules)
    lines += _methods(d)
    lines += _warnings(d)
    lines += _steps(d)
    lines += _obligations(d)
    lines += _record(d)
    # Every piece from the purchase or the pack was shown already; this is the last guard.
    return "\n".join(shown(line) for line in lines)


def _summary(d: Decision) -> list[str]:
    if d.method is None:
        lines = [
            "**No route: no method of the rules is eligible for this purchase.**",
            "",
            *paragraph(
                "The rules recommend no commissioning method for the purchase as described, "
                "so there is no route to follow yet. *What would open a route*, below, says "
                "what each method needs."
            ),
        ]
        facts = [("Method", "none (no route)")]
    else:
        lines = [f"**Recommendation: {shown(d.method.name)}**", ""]
        facts = [("Method", f"{shown(d.method.name)} (`{shown(d.method.id)}`)")]
        facts += [(shown(r.name), shown(result_text(r.value))) for r in d.verdict.results]
        if d.exception is not None:
            facts.append(("Exception relied on", shown(d.exception.text)))
    types = ", ".join(shown(c.name) for c in d.contract_types) or "none indicated"
    facts += [
        ("Contract types", types),
        ("Family", shown(d.family)),
        ("Value", value_summary(d.purchase)),
    ]
    for name, value in facts:
        lines += item(f"**{name}:** {value}")
    return [*lines, ""]


def _purchase(p: Purchase, rules: Rules | None) -> list[str]:
    """What the officer stated (and the values worked out from it); the rest named once."""
    keep = {*VALUE_FIELDS, "years", *p.stated}
    stated = [(lab, val) for name, lab, val in purchase_rows(p, rules) if name in keep]
    rows = [(shown(lab), literal(val)) for lab, val in stated]
    lines = ["## The purchase as described", "", *table(("Field", "Value"), rows), ""]
    names = list(rules.fields) if rules is not None else list(type(p).model_fields)
    unstated = [shown(field_label(rules, n)) for n in names if n not in keep]
    if unstated:
        lines += paragraph(
            f"Not stated: {', '.join(unstated)}. A field that is not stated matches no "
            "indicator of the rules."
        )
    return lines


def _what_would_open(d: Decision) -> list[str]:
    lines = ["## What would open a route", ""]
    for c in d.candidates:
        lines += item(f"**{shown(c.name)}:** {shown(_without_status(c.reason))}")
    return [*lines, ""]


def _without_status(reason: str) -> str:
    text = reason.removeprefix("Not eligible: ")
    return text[:1].upper() + text[1:]


def _why(d: Decision) -> list[str]:
    heading = "## Why this route" if d.method else "## Why"
    lines = [heading, ""]
    for reason in d.reasons:
        lines += item(shown(reason))
    return [*lines, ""]


def _contract_types(d: Decision, rules: Rules | None) -> list[str]:
    lines = ["## Contract types", ""]
    if not d.contract_types:
        return [*lines, *paragraph("The description indicates none of the types of contracting.")]
    for c in d.contract_types:
        note = glossary_note(c, rules)
        lines += item(f"**{shown(c.name)}:** {shown(c.definition)} ({shown(note)})")
    return [*lines, ""]


def _methods(d: Decision) -> list[str]:
    lines = ["## Every method considered", ""]
    if d.method is not None:
        lines += paragraph("Each method of the family, and why it was or was not chosen.")
    for c in d.candidates:
        lines += [f"### {shown(c.name)}: {_status(d, c)}, score {c.score * 100:.0f}%", ""]
        lines += paragraph(shown(c.reason))
        if c.matched:
            lines += item("Matched: " + "; ".join(shown(m) for m in c.matched))
        if c.unmatched:
            lines += item("Not matched: " + "; ".join(shown(m) for m in c.unmatched))
        if c.matched or c.unmatched:
            lines.append("")
    return lines


def _status(d: Decision, c: Candidate) -> str:
    if d.method is not None and c.id == d.method.id:
        return "chosen"
    return "eligible, not chosen" if c.eligible else "not eligible"


def _warnings(d: Decision) -> list[str]:
    lines = ["## Warnings", ""]
    if not d.warnings:
        return [*lines, "None.", ""]
    for warning in d.warnings:
        lines += item(shown(warning))
    return [*lines, ""]


def _steps(d: Decision) -> list[str]:
    if not d.steps:
        return []
    lines = ["## Steps", ""]
    for i, step in enumerate(d.steps, 1):
        lines += wrap(f"{i}. {shown(step)}", "- [ ] ", "      ")
    return [*lines, ""]


def _obligations(d: Decision) -> list[str]:
    if not d.obligations:
        return []
    lines = ["## Obligations", ""]
    for o in d.obligations:
        lines += wrap(shown(o.text), "- [ ] ", "      ")
        lines += wrap(f"Source: {shown(o.source)}", "  - ", "    ")
    return [*lines, ""]


def _record(d: Decision) -> list[str]:
    lines = ["## Record", ""]
    for entry in (
        f"Rule pack: {shown(d.rules.name)}, version {shown(d.rules.version)}",
        f"Rule pack sha256: `{d.rules.sha256}`",
        f"Tool: commission {__version__}",
        f"Date: {today()}",
        "Prepared by: ____________________",
        "Approved by: ____________________",
    ):
        lines += item(entry)
    return [*lines, ""]


__all__ = ["NOT_GIVEN", "decision_markdown", "item", "paragraph", "table", "wrap"]
