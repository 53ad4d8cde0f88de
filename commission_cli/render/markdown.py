"""The decision record: a Markdown document fit to attach to a procurement file.

Written to read well both rendered and as plain text: short two-column tables,
the long reasons as paragraphs, the steps as a checklist.
"""

from __future__ import annotations

from .._version import __version__
from ..decision import Decision
from .text import purchase_rows, today, value_summary


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def decision_markdown(decision: Decision) -> str:
    d = decision
    p = d.purchase
    lines: list[str] = [f"# Procurement route decision: {p.title}", ""]
    if d.method is not None:
        lines += [f"**Recommendation: {d.method.name}** (`{d.method.id}`)", ""]
    else:
        lines += [
            "**No route: no method of the rules is eligible for this purchase.** "
            "See *Every method considered* for what each one needs.",
            "",
        ]
    lines += [
        "| | |",
        "|---|---|",
        f"| Purchase | {_cell(p.title)} |",
        f"| Value | {value_summary(p)} |",
        f"| Family | {d.family} |",
        f"| Method | {_cell(d.method.name) if d.method else 'none (no route)'} |",
        f"| Resulting agreement | {_cell(d.agreement or '—')} |",
        f"| Full cost recovery | {_cell(d.full_cost_recovery or '—')} |",
        f"| Key guiding document | {_cell(d.guiding_document or '—')} |",
        f"| Exception relied on | {_cell(d.exception.text) if d.exception else 'none'} |",
        "",
    ]

    lines += ["## Why", ""]
    lines += [f"- {r}" for r in d.reasons] + [""]

    lines += ["## Contract types", ""]
    if d.contract_types:
        lines += [f"- **{c.name}**: {c.definition}" for c in d.contract_types]
    else:
        lines += ["None of the glossary's types of contracting is indicated by the description."]
    lines.append("")

    lines += ["## Every method considered", ""]
    for c in d.candidates:
        status = (
            "chosen"
            if d.method and c.id == d.method.id
            else ("eligible" if c.eligible else "not eligible")
        )
        lines += [f"### {c.name} ({status}, score {c.score * 100:.0f}%)", "", c.reason, ""]
        if c.matched:
            lines.append("- Matched: " + "; ".join(c.matched))
        if c.unmatched:
            lines.append("- Not matched: " + "; ".join(c.unmatched))
        if c.matched or c.unmatched:
            lines.append("")

    lines += ["## Warnings", ""]
    lines += [f"- {w}" for w in d.warnings] if d.warnings else ["None."]
    lines.append("")

    if d.steps:
        lines += ["## Steps", ""]
        lines += [f"- [ ] {i}. {s}" for i, s in enumerate(d.steps, 1)] + [""]
    if d.obligations:
        lines += ["## Obligations", ""]
        for o in d.obligations:
            lines += [f"- [ ] {o.text}", f"  Source: {o.source}"]
        lines.append("")

    lines += ["## The purchase as described", "", "| Field | Value |", "|---|---|"]
    lines += [f"| {name} | {_cell(value)} |" for name, value in purchase_rows(p)]
    lines += [
        "",
        "## Record",
        "",
        f"- Rule pack: {d.rules.name}, version {d.rules.version}",
        f"- Rule pack sha256: `{d.rules.sha256}`",
        f"- Tool: commission {__version__}",
        f"- Date: {today()}",
        "",
    ]
    return "\n".join(lines)
