"""``commission route``: one purchase, from a file, stdin or flags, to its route."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from ..decision import Decision
from ..errors import InputError
from .common import EXIT_NO, EXIT_OK, refuse_same_file, rules_option, user_errors, write_output

if TYPE_CHECKING:
    from ..documents import Document
    from ..loading import Described
    from ..rules import Rules
    from .interview_io import Session


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

On a terminal, whatever is missing is asked for, one question at a time, and
only what can still change the answer; the answers can then be saved as a
purchase file. --no-input forbids questions, and a script (stdin not a
terminal) is never asked: it gets exit 2 naming each missing field.
"""


def purchase_flags() -> list[inspect.Parameter]:
    """One option per purchase field, named and documented from the vocabulary.

    Values arrive as text (flags as true/false) and are validated by Purchase
    itself, so a flag and a file get the same messages; a new field in the
    vocabulary gets its flag here without another line of code.
    """
    from ..vocabulary import field_description, field_kind, field_names

    params = []
    for name in field_names():
        flag = "--" + name.replace("_", "-")
        kind, allowed = field_kind(name)
        help_text = field_description(name)
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


def needs_purchase_flags(args: Sequence[str] | None, base: list[inspect.Parameter]) -> bool:
    """Whether a command line can use the purchase flags: it names an option that is
    not one of ``base``'s (a purchase flag, a misspelt one, or --help), or is not
    known (None: register everything, as for the full app).

    Leaving out 23 options that a command line does not use saves typer building
    and checking each of them at every start (see README, Speed); a line that uses
    any gets them all, so its flags and messages are what they always were.
    """
    if args is None:
        return True
    own = {name for p in base for name in getattr(p.default, "param_decls", None) or ()}
    return any(
        arg.startswith("-") and arg != "-" and arg.split("=", 1)[0] not in own for arg in args
    )


_METAVARS = {"money": "£", "number": "N", "integer": "N", "choice": "CHOICE", "text": "TEXT"}


def route_command(
    file: str | None,
    format: Format | None,
    rules: str | None,
    output: Path | None,
    no_input: bool,
    **fields: Any,
) -> None:
    with user_errors():
        from ..engine import route_values
        from ..rules import load_rules

        given = {
            name: (value, "--" + name.replace("_", "-"))
            for name, value in fields.items()
            if value is not None
        }
        implicit_stdin = file is None and not given and not sys.stdin.isatty()
        if implicit_stdin:
            file = "-"  # `cat purchase.yaml | commission route`
        refuse_same_file(file, output)
        document = _read_document(file, implicit_stdin)
        # Questions only when someone is there to answer them: stdin and stdout both a
        # terminal, and not forbidden. A script (stdin not a terminal) never waits.
        interactive = not no_input and sys.stdin.isatty() and sys.stdout.isatty()
        session: Session | None = None
        try:
            values, stated = _build(document, given, "<stdin>" if implicit_stdin else None)
        except InputError as exc:
            data = _described(document, given)
            if not interactive or not _can_interview(data):
                raise _clearer(exc, document) from None
            pack = load_rules(rules)  # a bad pack is reported before any question
            session = _interview(data, pack, document)
            purchase = session.purchase
            values, stated = purchase.__dict__, frozenset(purchase.model_fields_set)
        else:
            pack = load_rules(rules)
        decision = route_values(values, stated, pack)
        write_output(render(decision, format or _format_for(output)), output)
        if session is not None:
            if output is not None and str(output) != "-":
                session.term.say(f"The decision is in {output}.")
            session.offer_to_save()
    raise typer.Exit(EXIT_OK if decision.routed else EXIT_NO)


def _read_document(file: str | None, implicit_stdin: bool) -> Document | None:
    """The purchase description, if any.

    An empty stdin that was not asked for (a script's /dev/null) is no
    description at all, so the answer names the missing fields instead of
    saying that stdin is empty.
    """
    from ..loading import read_purchase_document

    if file is None:
        return None
    try:
        return read_purchase_document(file)
    except InputError as exc:
        if implicit_stdin and [p.message for p in exc.problems] == ["is empty"]:
            return None
        raise


def _build(
    document: Document | None, given: dict[str, tuple[Any, str]], source: str | None
) -> Described:
    from ..loading import describe_purchase, validate_purchase

    if document is None and source is not None:
        validate_purchase({}, source=source)  # raises: nothing was given
    return describe_purchase(document, given)


def _described(document: Document | None, given: dict[str, tuple[Any, str]]) -> dict[str, Any]:
    """What the file and the flags say together (flags win), before validation."""
    data: dict[str, Any] = dict(document.data) if document is not None else {}
    data.update({name: value for name, (value, _) in given.items()})
    return data


def _can_interview(data: dict[str, Any]) -> bool:
    from ..interview import can_interview
    from ..loading import missing_fields

    return bool(missing_fields(data)) and can_interview(data)


def _clearer(exc: InputError, document: Document | None) -> InputError:
    from ..interview import explain_blanks

    return InputError(explain_blanks(exc.problems, document))


def _interview(data: dict[str, Any], pack: Rules, document: Document | None) -> Session:
    from .interview_io import interview_at_terminal

    return interview_at_terminal(data, pack, source=document.source if document else None)


_BY_EXTENSION = {
    ".md": Format.markdown,
    ".markdown": Format.markdown,
    ".json": Format.json,
    ".yaml": Format.yaml,
    ".yml": Format.yaml,
}


def _format_for(output: Path | None) -> Format:
    """The format an output file's name asks for (record.md is markdown), else the table."""
    if output is None or str(output) == "-":
        return Format.table
    return _BY_EXTENSION.get(output.suffix.lower(), Format.table)


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


def register(app: typer.Typer, args: Sequence[str] | None = None) -> None:
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
            annotation=Format | None,
            default=typer.Option(
                None,
                "--format",
                "-f",
                help="How to print the decision: table, json, yaml or markdown. Default: from "
                "--output's extension (.md, .json, .yaml), else table.",
                show_default=False,
            ),
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
    params = base + purchase_flags() if needs_purchase_flags(args, base) else base
    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in params}
    command.__doc__ = _ROUTE_HELP
    app.command("route", help=_ROUTE_HELP)(command)
