"""The view for a person at a terminal: the recommendation first, then why.

Imports rich, so only the table format pays for it.
"""

from __future__ import annotations

from typing import TextIO

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..decision import Decision
from .text import glossary_note, today, value_summary


def bullets(console: Console, heading: str, items: list[Text | str], marker: str = "•") -> None:
    # A grid keeps wrapped lines indented under their bullet.
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, width=3, justify="right")
    grid.add_column()
    for i, item in enumerate(items, 1):
        grid.add_row(f"{i}." if marker == "#" else marker, item)
    console.print(Text(heading, style="bold"))
    console.print(grid)
    console.print()


def _contract_type(id: str, name: str, definition: str) -> Text:
    item = Text.assemble((name, "bold"), f": {definition}")
    note = glossary_note(id)
    if note:
        item.append("\n" + note.replace("`", ""), style="dim")
    return item


def print_decision(decision: Decision, file: TextIO | None = None) -> None:
    console = Console(file=file, highlight=False, soft_wrap=False)
    d = decision

    summary = Table.grid(padding=(0, 2))
    summary.add_column(style="bold", no_wrap=True)
    summary.add_column()
    summary.add_row("Purchase", d.purchase.title)
    summary.add_row("Value", value_summary(d.purchase))
    summary.add_row("Family", d.family)
    if d.method is not None:
        summary.add_row("Method", Text(d.method.name, style="bold green"))
        summary.add_row("Agreement", d.agreement or "")
        summary.add_row("Full cost recovery", d.full_cost_recovery or "")
        summary.add_row("Guiding document", d.guiding_document or "")
        if d.exception is not None:
            summary.add_row("Exception", d.exception.text)
    else:
        summary.add_row("Method", Text("none: no method is eligible", style="bold red"))
    title = f"Recommendation: {d.method.name}" if d.method else "No route"
    console.print(
        Panel(
            summary,
            title=title,
            title_align="left",
            border_style="green" if d.method else "red",
            box=box.ROUNDED,
        )
    )

    if d.contract_types:
        bullets(
            console,
            "Contract types",
            [_contract_type(c.id, c.name, c.definition) for c in d.contract_types],
        )
    bullets(console, "Why", list(d.reasons))

    methods = Table(
        title="Every method of the family",
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        show_lines=False,
        expand=True,
    )
    methods.add_column("Method", ratio=2)
    methods.add_column("Eligible", no_wrap=True)
    methods.add_column("Score", justify="right", no_wrap=True)
    methods.add_column("Why", ratio=5)
    for c in d.candidates:
        chosen = d.method is not None and c.id == d.method.id
        methods.add_row(
            Text(c.name, style="bold green" if chosen else ""),
            "chosen" if chosen else ("yes" if c.eligible else "no"),
            f"{c.score * 100:.0f}%",
            c.reason,
        )
    console.print(methods)

    if d.steps:
        bullets(console, "Steps", list(d.steps), marker="#")
    if d.obligations:
        bullets(
            console,
            "Obligations",
            [Text.assemble(o.text, ("\n" + o.source, "dim")) for o in d.obligations],
        )
    if d.warnings:
        console.print(
            Panel(
                Group(*[Text(f"• {w}") for w in d.warnings]),
                title="Warnings",
                title_align="left",
                border_style="yellow",
                box=box.ROUNDED,
            )
        )
    console.print(
        Text(
            f"Rules: {d.rules.name}, version {d.rules.version} "
            f"(sha256 {d.rules.sha256[:12]}…) · {today()}",
            style="dim",
        )
    )
