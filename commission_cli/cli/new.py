"""``commission new FILE``: a purchase description template to fill in.

Every field the rule pack declares is there, blank, with a one-line note saying
what it means and the answers it takes. Routing the template unedited fails,
naming each line still to fill in, rather than routing a made-up purchase.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import typer

from ..model.fields import VALUE_FIELDS
from ..safe import shell_word, shown
from .common import EXIT_OK, rules_option, say, user_errors

if TYPE_CHECKING:
    from ..model.fields import FieldDecl
    from ..rules.compiled import Rules

_HELP = """Write a commented purchase description template to fill in.

Every field of the rule pack is listed, blank, with what it means and the
answers it takes. Fill it in, then run `commission route FILE`. - prints the
template; FILE is never overwritten unless --force is given (and a device or a
pipe is written to, never replaced).
"""


def template_text(rules: Rules, name: str = "THIS-FILE") -> str:
    """The commented template: every field of the pack, blank, with its note."""
    required = [n for n, d in rules.fields.items() if d.required and n not in VALUE_FIELDS]
    must = ", ".join([*required, "and annual_value or total_value"])
    lines = [
        "# A purchase description for `commission route`.",
        "#",
        f"# Fill in the values after the colons, then run:  commission route {shown(name)}",
        *textwrap.wrap(
            f"Lines starting with # are notes. {shown(must)} must be filled in. Leave any "
            "other field blank if it does not apply or you do not know: it is then 'not "
            "stated', and the decision says so.",
            88,
            initial_indent="# ",
            subsequent_indent="# ",
        ),
    ]
    for decl in rules.fields.values():
        lines.append("")
        lines.append("# " + ("Required. " if decl.required else "") + _note(decl))
        lines += [f"#   {shown(answer)}" for answer in answers(decl)]
        lines.append(f"{decl.id}:")
    return "\n".join(lines) + "\n"


def _note(decl: FieldDecl) -> str:
    from ..render.text import label

    text = decl.template or decl.description or label(decl)
    # One line whatever the pack wrote, and nothing that could end the comment.
    return shown(" ".join(text.split()))


def answers(decl: FieldDecl) -> list[str]:
    """The answers a field takes, one a line (money and text: the note says it)."""
    if decl.kind == "choice":
        width = max(len(v.id) for v in decl.values)
        return [f"{v.id.ljust(width)}  {' '.join(v.label.split())}" for v in decl.values]
    if decl.kind == "yes_no":
        return ["yes or no"]
    if decl.kind == "length":
        return ["a number of years, more than 0 (such as 3, 0.5 or 6 months)"]
    if decl.kind == "date":
        return ["a date, written YYYY-MM-DD"]
    if decl.kind == "number":
        what = "a whole number" if decl.whole else "a number"
        low, high = decl.minimum, decl.maximum
        if low is not None and high is not None:
            return [f"{what} from {low} to {high}"]
        if low is not None:
            return [f"{what}, {low} or more"]
        if high is not None:
            return [f"{what}, at most {high}"]
        return [what]
    return []


def new_command(
    file: str = typer.Argument(
        ..., metavar="FILE", help="Where to write the template (- prints it).", show_default=False
    ),
    force: bool = typer.Option(
        False, "--force", help="Replace FILE if it exists (a device or a pipe is written to)."
    ),
    rules: str | None = rules_option(),
) -> None:
    with user_errors():
        from ..io.files import write_new, write_output
        from ..rules.load import files_read, load_rules

        pack = load_rules(rules)
        if file == "-":
            write_output(template_text(pack), None)
            raise typer.Exit(EXIT_OK)
        # The note names the file as it will be run from its own folder.
        text = template_text(pack, shell_word(os.path.basename(file.rstrip(os.sep)) or file))
        write_new(file, text, force=force, inputs=files_read(pack))
        say(f"Wrote {shown(file)}. Fill it in, then run: commission route {shell_word(file)}")
    raise typer.Exit(EXIT_OK)


def register(app: typer.Typer, args: Sequence[str] = ()) -> None:
    app.command("new", help=_HELP)(new_command)
