"""``commission route``: one purchase, from a file, stdin or flags, to its route.

The purchase flags (``--annual-value``, ``--outcomes``...) are the rule pack's
fields, so they are built from the pack the command line names before typer
parses it: another authority's pack brings its own flags with no code change.
"""

from __future__ import annotations

import inspect
import os
import re
import shutil
import sys
from collections.abc import Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any

import typer

from ..errors import InputError, Problem
from ..safe import quoted, shown
from .common import EXIT_NO, EXIT_OK, rules_option, user_errors

if TYPE_CHECKING:
    from ..io.documents import Document
    from ..model.decision import Decision
    from ..model.fields import FieldDecl
    from ..model.purchase import Purchase
    from ..rules.compiled import Rules


class Format(str, Enum):
    table = "table"
    json = "json"
    yaml = "yaml"
    markdown = "markdown"


_ROUTE_HELP = """Route one purchase: the commissioning method the rules point to, and why.

Describe the purchase in a YAML or JSON file (FILE, or - for stdin), with
flags (--annual-value 45k --years 3, and one for each field the rule pack
declares), or both: flags override the file. Exit 0 when a route
is found, 1 when no method is eligible, 2 for bad input.

On a terminal, whatever is missing is asked for, one question at a time, and
only what can still change the answer; the answers can then be saved as a
purchase file. --no-input forbids questions, and a script (stdin not a
terminal) is never asked: it gets exit 2 naming each missing field.
"""

_METAVARS = {"money": "£", "number": "N", "length": "YEARS", "choice": "CHOICE", "date": "DATE"}
# The options route has whatever the pack: a pack field whose flag would take one of
# these names gets no flag (it can still be given in the file).
_OWN_OPTIONS = frozenset({"--format", "-f", "--rules", "--output", "-o", "--no-input", "--help"})
_FIELD_PREFIX = "field__"  # keeps a field's parameter apart from route's own (file, format...)


# -- which pack the command line names ------------------------------------------------------


def runs_route(args: Sequence[str]) -> bool:
    """Does this command line run ``route`` (its first word that is not an option)?"""
    first = next((a for a in args if not a.startswith("-")), None)
    return first == "route"


def pack_named(args: Sequence[str]) -> str | None:
    """The pack a command line names, as typer will read it: the last ``--rules X`` or
    ``--rules=X`` before ``--``, else $COMMISSION_RULES, else None (the default pack)."""
    found: str | None = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--rules" and i + 1 < len(args):
            found = args[i + 1]
        elif arg.startswith("--rules="):
            found = arg.split("=", 1)[1]
    return found if found is not None else (os.environ.get("COMMISSION_RULES") or None)


def _pack_for(args: Sequence[str]) -> Rules | None:
    """The pack the command line names, loaded; None if it cannot be (the command says why)."""
    from ..rules.load import load_rules

    try:
        return load_rules(pack_named(args))
    except InputError:
        return None


# -- the purchase flags ------------------------------------------------------------------


def purchase_flags(rules: Rules) -> list[inspect.Parameter]:
    """One option per field of the pack, named and documented from its declaration.

    Values arrive as text (yes/no fields as true/false) and are validated by the
    pack's purchase model, so a flag and a file get the same messages.
    """
    from ..render.text import label

    taken = set(_OWN_OPTIONS)
    params = []
    for decl in rules.fields.values():
        flag = "--" + decl.id.replace("_", "-")
        names = {flag, f"--no-{flag[2:]}"} if decl.kind == "yes_no" else {flag}
        if names & taken:
            continue
        taken |= names
        help_text = _help_text(decl.description or label(decl))
        option: Any
        if decl.kind == "yes_no":
            option = typer.Option(
                None, f"{flag}/--no-{flag[2:]}", help=help_text, rich_help_panel="Purchase"
            )
            annotation: Any = bool | None
        else:
            option = typer.Option(
                None,
                flag,
                help=help_text + _choices(decl),
                rich_help_panel="Purchase",
                metavar=_METAVARS.get(decl.kind or "", "TEXT"),
                show_default=False,
            )
            annotation = str | None
        params.append(
            inspect.Parameter(
                _FIELD_PREFIX + decl.id,
                inspect.Parameter.KEYWORD_ONLY,
                default=option,
                annotation=annotation,
            )
        )
    return params


def _choices(decl: FieldDecl) -> str:
    if not decl.values:
        return ""
    return " " + _help_text(f"(one of: {', '.join(v.id for v in decl.values)})")


# rich.markup.escape's rule, written out: importing rich here would cost every start of
# `route`, which must not load it (only the table format does).
_MARKUP = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")


def _help_text(text: str) -> str:
    """A pack's words as option help: control characters escaped, and no rich markup
    (typer reads help as markup, so ``[bold]`` in a description would restyle it)."""
    escaped = _MARKUP.sub(lambda m: f"{m.group(1)}{m.group(1)}\\{m.group(2)}", shown(text))
    return " ".join(escaped.split())


# -- the command ------------------------------------------------------------------------


def route_command(
    file: str | None,
    format: str | None,
    rules: str | None,
    output: str | None,
    no_input: bool,
    *,
    loaded: Rules | None,
    flags: dict[str, tuple[Any, str]],
) -> None:
    with user_errors():
        from ..io.files import refuse_input_as_output, write_output
        from ..rules.load import files_read, load_rules

        chosen = format_named(format) if format is not None else format_for(output)
        pack = loaded if loaded is not None else load_rules(rules)
        stdin_is_terminal = _is_terminal(sys.stdin)
        implicit_stdin = file is None and not flags and not stdin_is_terminal
        if implicit_stdin:
            file = "-"  # `cat purchase.yaml | commission route`
        inputs = [file or "-", *files_read(pack)]
        refuse_input_as_output(output, inputs)
        try:
            document = _read_document(file, implicit_stdin)
        except InputError as exc:
            raise _flag_given_a_value(exc, file, flags, pack) from None
        # Questions only when someone is there to answer them: stdin and stdout both a
        # terminal, and not forbidden. A script (stdin not a terminal) never waits.
        interactive = not no_input and stdin_is_terminal and _is_terminal(sys.stdout)
        purchase, session = _purchase(
            pack, document, flags, interactive, "<stdin>" if implicit_stdin else None
        )
        from ..engine.route import route

        decision = route(purchase, pack)
        write_output(render(decision, pack, chosen, output), output, inputs=inputs)
        if session is not None:
            if output is not None and output != "-":
                session.term.say(f"The decision is in {output}.")
            session.offer_to_save()
    raise typer.Exit(EXIT_OK if decision.routed else EXIT_NO)


def _is_terminal(stream: Any) -> bool:
    try:
        return stream is not None and bool(stream.isatty())
    except (OSError, ValueError):  # closed
        return False


def _read_document(file: str | None, implicit_stdin: bool) -> Document | None:
    """The purchase description, if any.

    An empty stdin that was not asked for (a script's /dev/null) is no
    description at all, so the answer names the missing fields instead of
    saying that stdin is empty.
    """
    from ..io.documents import read_purchase_document

    if file is None:
        return None
    try:
        return read_purchase_document(file)
    except InputError as exc:
        if implicit_stdin and [p.message for p in exc.problems] == ["is empty"]:
            return None
        raise


def _flag_given_a_value(
    exc: InputError, file: str | None, flags: dict[str, tuple[Any, str]], pack: Rules
) -> InputError:
    """``--core-costs no`` reads ``no`` as the purchase file: say that a yes/no flag takes
    no value, and how to say no."""
    from ..model.values import read_yes_no

    try:
        is_word = file is not None and read_yes_no(file) is not None
    except ValueError:
        is_word = False
    yes_no = [f for f in flags if pack.fields[f].kind == "yes_no"]
    if not is_word or os.path.exists(file or "") or len(yes_no) != 1:
        return exc
    problem = Problem(
        "no such purchase description; a yes/no flag takes no value: write "
        f"{_flag_of(yes_no[0], True)} for yes, or {_flag_of(yes_no[0], False)} for no",
        source=file,
    )
    return InputError([problem])


def _purchase(
    pack: Rules,
    document: Document | None,
    flags: dict[str, tuple[Any, str]],
    interactive: bool,
    source: str | None,
) -> tuple[Purchase, Any]:
    """The purchase the file and flags describe (flags win), completed by the interview
    when something is missing and someone is there to answer."""
    from ..model.purchase import validate

    # A flag given nothing (`--years ''`) would otherwise unsay what the file states.
    empty = [flag for value, flag in flags.values() if isinstance(value, str) and not value.strip()]
    if empty:
        raise InputError(
            [Problem("is empty; give it a value, or leave the flag out", source=f) for f in empty]
        )
    data: dict[str, Any] = dict(document.data) if document is not None else {}
    data.update({name: value for name, (value, _) in flags.items()})
    sources = {name: flag for name, (_, flag) in flags.items()}
    try:
        purchase = validate(
            pack.purchase_model,
            data,
            document=document,
            flag_sources=sources,
            source=source if document is None else None,
        )
        return purchase, None
    except InputError:
        if not interactive or not _can_interview(data, pack):
            raise
    from ..interview.terminal import interview_at_terminal

    session = interview_at_terminal(
        data, pack, source=document.source if document is not None else None
    )
    return session.purchase, session


def _can_interview(data: dict[str, Any], pack: Rules) -> bool:
    from ..interview.questions import can_interview, missing_fields

    return bool(missing_fields(data, pack)) and can_interview(data, pack)


_BY_EXTENSION = {
    ".md": Format.markdown,
    ".markdown": Format.markdown,
    ".json": Format.json,
    ".yaml": Format.yaml,
    ".yml": Format.yaml,
}


def format_named(name: str) -> Format:
    """The format ``--format`` names (raises InputError naming the nearest one)."""
    import difflib

    formats = [f.value for f in Format]
    if name in formats:
        return Format(name)
    close = difflib.get_close_matches(name, formats, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise InputError(
        [Problem(f"{quoted(name)} is not one of {', '.join(formats)}{hint}", source="--format")]
    )


def format_for(output: str | None) -> Format:
    """The format an output file's name asks for (record.md is markdown), else the table."""
    if output is None or output == "-":
        return Format.table
    return _BY_EXTENSION.get(os.path.splitext(output)[1].lower(), Format.table)


def render(decision: Decision, rules: Rules, format: Format, output: str | None = None) -> str:
    """The decision in a format: JSON and YAML are data; table and markdown are for people."""
    if format is Format.json:
        return decision.to_json()
    if format is Format.yaml:
        import yaml

        return str(
            yaml.safe_dump(decision.to_dict(), sort_keys=False, allow_unicode=True, width=100)
        )
    if format is Format.markdown:
        from ..render.markdown import decision_markdown

        return decision_markdown(decision, rules)
    import io

    from ..render.table import print_decision

    buffer = io.StringIO()
    # As wide as the terminal it is printed on; a file or a pipe gets COLUMNS, else 80.
    width = shutil.get_terminal_size().columns if output in (None, "-") else None
    print_decision(decision, file=buffer, rules=rules, width=width)
    return buffer.getvalue()


# -- registering ------------------------------------------------------------------------


def _base_params() -> list[inspect.Parameter]:
    keyword = inspect.Parameter.KEYWORD_ONLY
    return [
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
            keyword,
            # Text, checked by the command: a usage error in the tool's own words.
            annotation=str | None,
            default=typer.Option(
                None,
                "--format",
                "-f",
                metavar="|".join(f.value for f in Format),
                help="How to print the decision: table, json, yaml or markdown. Default: from "
                "--output's extension (.md, .json, .yaml), else table.",
                show_default=False,
            ),
        ),
        inspect.Parameter("rules", keyword, annotation=str | None, default=rules_option()),
        inspect.Parameter(
            "output",
            keyword,
            # Text, not a Path: a Path would drop the trailing slash of "-o newdir/".
            annotation=str | None,
            default=typer.Option(
                None,
                "--output",
                "-o",
                metavar="FILE",
                help="Write the decision to FILE (whole or not at all) instead of stdout; "
                "never over the purchase file itself.",
                show_default=False,
            ),
        ),
        inspect.Parameter(
            "no_input",
            keyword,
            annotation=bool,
            default=typer.Option(
                False,
                "--no-input",
                help="Never ask questions; fail if the description is incomplete.",
            ),
        ),
    ]


def register(app: typer.Typer, args: Sequence[str] = ()) -> None:
    """``route``, with the purchase flags of the pack the command line names when it runs
    route (other command lines, and ``commission --help``, never load a pack)."""
    line = [args] if isinstance(args, str) else list(args)
    loaded = _pack_for(line) if runs_route(line) else None
    broken = runs_route(line) and loaded is None
    params = _base_params() + (purchase_flags(loaded) if loaded is not None else [])

    def command(**kwargs: Any) -> None:
        flags = {
            name.removeprefix(_FIELD_PREFIX): (value, _flag_of(name, value))
            for name, value in kwargs.items()
            if name.startswith(_FIELD_PREFIX) and value is not None
        }
        own = {k: v for k, v in kwargs.items() if not k.startswith(_FIELD_PREFIX)}
        same_pack = loaded is not None and own.get("rules") == pack_named(line)
        route_command(**own, loaded=loaded if same_pack else None, flags=flags)

    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in params}
    command.__doc__ = _ROUTE_HELP
    # A pack that cannot be loaded has no flags to offer: let every option through, so
    # that the command reports the pack's own problems rather than "no such option".
    settings = {"ignore_unknown_options": True, "allow_extra_args": True} if broken else {}
    app.command("route", help=_ROUTE_HELP, context_settings=settings)(command)


def _flag_of(name: str, value: Any) -> str:
    flag = "--" + name.removeprefix(_FIELD_PREFIX).replace("_", "-")
    return f"--no-{flag[2:]}" if value is False else flag
