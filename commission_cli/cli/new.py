"""``commission new FILE``: a purchase description template to fill in.

Every field is there with a note saying what it means and which answers it
takes. The values are left blank: routing the template unedited fails, naming
each line still to fill in, rather than routing a made-up purchase.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from .common import EXIT_OK, say, user_errors, write_file

if TYPE_CHECKING:
    from ..interview import Question

_HELP = """Write a commented purchase description template to fill in.

Every field is listed, blank, with what it means and the answers it takes.
Fill it in, then run `commission route FILE`. - prints the template; FILE is
never overwritten unless --force is given.
"""

_WIDTH = 100


def template_text(name: str = "THIS-FILE") -> str:
    """The commented template: every purchase field, blank, with its note."""
    from ..interview import questions
    from ..purchase import Purchase

    lines = [
        "# A purchase description for `commission route`.",
        "#",
        f"# Fill in the values after the colons, then run:  commission route {name}",
        "# Lines starting with # are notes. title, outcomes, and annual_value or",
        "# total_value must be filled in. Leave any other field blank if it does not",
        "# apply or you do not know: it is then 'not stated', and the decision says so.",
    ]
    for name, question in questions().items():
        required = Purchase.model_fields[name].is_required()
        lines.append("")
        lines += _comment(("Required. " if required else "") + question.template)
        lines += _allowed(question)
        lines.append(f"{name}:")
    return "\n".join(lines) + "\n"


def _allowed(question: Question) -> list[str]:
    """The answers a field takes, under its note (money and text: the note says it)."""
    if question.choices:
        width = max(len(value) for value, _ in question.choices)
        return [f"#   {value.ljust(width)}  {meaning}" for value, meaning in question.choices]
    answers = {
        "flag": "yes or no",
        "number": "a number of years, more than 0",
        "integer": "a whole number, 1 or more",
    }
    return [f"#   {answers[question.kind]}"] if question.kind in answers else []


def _comment(text: str) -> list[str]:
    import textwrap

    return textwrap.wrap(text, _WIDTH, initial_indent="# ", subsequent_indent="# ")


def new_command(
    file: Path = typer.Argument(
        ..., metavar="FILE", help="Where to write the template (- prints it).", show_default=False
    ),
    force: bool = typer.Option(False, "--force", help="Replace FILE if it exists."),
) -> None:
    with user_errors():
        # The note names the file as it will be run from its own folder.
        text = template_text("THIS-FILE" if str(file) == "-" else shlex.quote(file.name))
        if str(file) == "-":
            print(text, end="")
            raise typer.Exit(EXIT_OK)
        write_file(file, text, replace=force)
        say(f"Wrote {file}. Fill it in, then run: commission route {shlex.quote(str(file))}")
    raise typer.Exit(EXIT_OK)


def register(app: typer.Typer, args: Sequence[str] | None = None) -> None:
    app.command("new", help=_HELP)(new_command)
