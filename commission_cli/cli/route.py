"""``commission route``: one purchase, from a file, stdin or flags, to its route."""

from __future__ import annotations

import inspect
import sys
from enum import Enum
from pathlib import Path
from typing import Any

import typer

from ..decision import Decision
from .common import EXIT_NO, EXIT_OK, rules_option, user_errors, write_output


class Format(str, Enum):
    table = "table"
    json = "json"
    yaml = "yaml"
    markdown = "markdown"


_ROUTE_HELP = """Route one purchase: the commissioning method the rules point to, and why.

Describe the purchase in a YAML or JSON file (FILE, or - for stdin), with
flags (--annual-value 45k --years 3 --outcomes certain ...), or both: flags
override the file. Exit 0 when a route is found, 1 when no method is
eligible, 2 for bad input.
"""


def purchase_flags() -> list[inspect.Parameter]:
    """One option per purchase field, named and documented from the Purchase model.

    Values arrive as text (flags as true/false) and are validated by Purchase
    itself, so a flag and a file get the same messages; a new field in the
    model gets its flag here without another line of code.
    """
    from ..purchase import Purchase, field_kind

    params = []
    for name, info in Purchase.model_fields.items():
        flag = "--" + name.replace("_", "-")
        kind, allowed = field_kind(name)
        help_text = info.description or ""
        if kind == "flag":
            option = typer.Option(
                None, f"{flag}/--no-{flag[2:]}", help=help_text, rich_help_panel="Purchase"
            )
            annotation: Any = bool | None
        else:
            if allowed:
                help_text += f" (one of: {', '.join(allowed)})"
            option = typer.Option(
                None,
                flag,
                help=help_text,
                rich_help_panel="Purchase",
                metavar=_METAVARS.get(kind, "TEXT"),
            )
            annotation = str | None
        params.append(
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=annotation
            )
        )
    return params


_METAVARS = {"money": "£", "number": "N", "integer": "N", "choice": "CHOICE", "text": "TEXT"}


def route_command(
    file: str | None,
    format: Format,
    rules: str | None,
    output: Path | None,
    no_input: bool,
    **fields: Any,
) -> None:
    with user_errors():
        from ..engine import route
        from ..loading import build_purchase, read_purchase_document
        from ..rules import load_rules

        given = {
            name: (value, "--" + name.replace("_", "-"))
            for name, value in fields.items()
            if value is not None
        }
        if file is None and not given and not sys.stdin.isatty():
            file = "-"  # `cat purchase.yaml | commission route`
        document = read_purchase_document(file) if file is not None else None
        purchase = build_purchase(document, given)
        pack = load_rules(rules)
        decision = route(purchase, pack)
        write_output(render(decision, format), output)
    raise typer.Exit(EXIT_OK if decision.routed else EXIT_NO)


def render(decision: Decision, format: Format) -> str:
    if format is Format.json:
        return decision.to_json()
    if format is Format.yaml:
        import yaml

        return str(
            yaml.safe_dump(decision.to_dict(), sort_keys=False, allow_unicode=True, width=100)
        )
    if format is Format.markdown:
        from ..render.markdown import decision_markdown

        return decision_markdown(decision)
    import io

    from ..render.table import print_decision

    buffer = io.StringIO()
    print_decision(decision, file=buffer)
    return buffer.getvalue()


def register(app: typer.Typer) -> None:
    def command(**kwargs: Any) -> None:
        route_command(**kwargs)

    base = [
        inspect.Parameter(
            "file",
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            annotation=str | None,
            default=typer.Argument(
                None,
                metavar="[FILE|-]",
                help="Purchase description (YAML or JSON); - reads stdin.",
                show_default=False,
            ),
        ),
        inspect.Parameter(
            "format",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Format,
            default=typer.Option(Format.table, "--format", "-f", help="How to print the decision."),
        ),
        inspect.Parameter(
            "rules", inspect.Parameter.KEYWORD_ONLY, annotation=str | None, default=rules_option()
        ),
        inspect.Parameter(
            "output",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Path | None,
            default=typer.Option(
                None,
                "--output",
                "-o",
                metavar="FILE",
                help="Write the decision to FILE (whole or not at all) instead of stdout.",
            ),
        ),
        inspect.Parameter(
            "no_input",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=bool,
            default=typer.Option(
                False,
                "--no-input",
                help="Never ask questions; fail if the description is incomplete.",
            ),
        ),
    ]
    params = base + purchase_flags()
    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in params}
    command.__doc__ = _ROUTE_HELP
    app.command("route", help=_ROUTE_HELP)(command)
