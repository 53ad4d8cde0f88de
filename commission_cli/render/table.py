"""The view for a person at a terminal: the recommendation first, then why.

Imports rich, so only the table format pays for it. Every piece of text from a
user or a pack goes in as a :class:`rich.text.Text` of :func:`~commission_cli.safe.shown`
text, never as a markup string: a pack name holding ``[bold]`` prints as written,
and a title holding an escape sequence cannot reach the terminal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..safe import shown
from .text import glossary_note, result_text, today, value_summary

if TYPE_CHECKING:
    from ..model.decision import ContractTypeRef, Decision
    from ..rules.compiled import Rules


def _text(text: str, style: str = "") -> Text:
    return Text(shown(text), style=style)


def bullets(console: Console, heading: str, items: list[Text], marker: str = "•") -> None:
    # A grid keeps wrapped lines indented under their bullet.
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, width=3, justify="right")
    grid.add_column()
    for i, item in enumerate(items, 1):
        grid.add_row(Text(f"{i}." if marker == "#" else marker), item)
    console.print(Text(heading, style="bold"))
    console.print(grid)
    console.print()


def _contract_type(c: ContractTypeRef, rules: Rules | None) -> Text:
    item = Text.assemble(_text(c.name, "bold"), _text(f": {c.definition}"))
    item.append("\n")
    item.append_text(_text(glossary_note(c, rules).replace("`", ""), "dim"))
    return item


def print_decision(
    decision: Decision,
    file: TextIO | None = None,
    rules: Rules | None = None,
    width: int | None = None,
) -> None:
    """The decision as a person reads it at a terminal (``rules``: the pack it was made
    with, for the glossary's look-up command)."""
    # No markup and no emoji codes are read from any string: text is shown as written.
    console = Console(
        file=file, width=width, highlight=False, soft_wrap=False, markup=False, emoji=False
    )
    d = decision
    console.print(_summary_panel(d))
    if d.contract_types:
        bullets(console, "Contract types", [_contract_type(c, rules) for c in d.contract_types])
    bullets(console, "Why", [_text(r) for r in d.reasons])
    console.print(_methods_table(d))
    if d.steps:
        bullets(console, "Steps", [_text(s) for s in d.steps], marker="#")
    if d.obligations:
        bullets(
            console,
            "Obligations",
            [Text.assemble(_text(o.text), "\n", _text(o.source, "dim")) for o in d.obligations],
        )
    if d.warnings:
        console.print(
            Panel(
                Group(*[_text(f"• {w}") for w in d.warnings]),
                title=Text("Warnings"),
                title_align="left",
                border_style="yellow",
                box=box.ROUNDED,
            )
        )
    console.print(
        _text(
            f"Rules: {d.rules.name}, version {d.rules.version} "
            f"(sha256 {d.rules.sha256[:12]}…) · {today()}",
            "dim",
        )
    )


def _summary_panel(d: Decision) -> Panel:
    summary = Table.grid(padding=(0, 2))
    summary.add_column(style="bold", no_wrap=True)
    summary.add_column()
    summary.add_row(Text("Purchase"), _text(d.purchase.title))
    summary.add_row(Text("Value"), _text(value_summary(d.purchase)))
    summary.add_row(Text("Family"), _text(d.family))
    if d.method is not None:
        summary.add_row(Text("Method"), _text(d.method.name, "bold green"))
        # The pack's own results, by the names it gives them.
        for result in d.verdict.results:
            summary.add_row(_text(result.name), _text(result_text(result.value)))
        if d.exception is not None:
            summary.add_row(Text("Exception"), _text(d.exception.text))
    else:
        summary.add_row(Text("Method"), Text("none: no method is eligible", style="bold red"))
    title = _text(f"Recommendation: {d.method.name}") if d.method else Text("No route")
    return Panel(
        summary,
        title=title,
        title_align="left",
        border_style="green" if d.method else "red",
        box=box.ROUNDED,
    )


def _methods_table(d: Decision) -> Table:
    methods = Table(
        title=Text("Every method of the family", style="bold"),
        title_justify="left",
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
            _text(c.name, "bold green" if chosen else ""),
            Text("chosen" if chosen else ("yes" if c.eligible else "no")),
            Text(f"{c.score * 100:.0f}%"),
            _text(c.reason),
        )
    return methods
