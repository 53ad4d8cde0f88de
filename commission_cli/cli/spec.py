"""``commission spec FILE``: a service specification skeleton for a purchase."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import typer

from ..errors import InputError
from .common import EXIT_OK, rules_option, say, user_errors

_HELP = """Write a service specification skeleton for a purchase, as Markdown.

FILE is the purchase description (YAML or JSON; - reads stdin). The skeleton
has the headings of Appendix 1 of the Wolverhampton Commissioning Framework,
filled from the purchase where it can be (name, cost a year and in total,
length, the recommended route and agreement) and prompts elsewhere, then the
equality impact assessment and equality monitoring items the framework asks
for. Printed, or written to --output FILE, which is never replaced unless
--force is given.
"""


def spec_command(
    file: str = typer.Argument(
        ..., metavar="FILE|-", help="Purchase description (YAML or JSON); - reads stdin."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", metavar="FILE", help="Write the specification to FILE."
    ),
    force: bool = typer.Option(False, "--force", help="Replace the --output file if it exists."),
    rules: str | None = rules_option(),
) -> None:
    with user_errors():
        from ..engine import route
        from ..interview import explain_blanks
        from ..loading import build_purchase, read_purchase_document
        from ..render.spec import spec_markdown
        from ..rules import load_rules
        from .common import write_file

        document = read_purchase_document(file)
        try:
            purchase = build_purchase(document)
        except InputError as exc:
            raise InputError(explain_blanks(exc.problems, document)) from None
        decision = route(purchase, load_rules(rules))
        text = spec_markdown(decision, source=None if file == "-" else file)
        if output is None or str(output) == "-":
            print(text, end="" if text.endswith("\n") else "\n")
        else:
            write_file(output, text, replace=force)
            say(f"Wrote {output}: the service specification for {purchase.title}.")
    raise typer.Exit(EXIT_OK)


def register(app: typer.Typer, args: Sequence[str] | None = None) -> None:
    app.command("spec", help=_HELP)(spec_command)
