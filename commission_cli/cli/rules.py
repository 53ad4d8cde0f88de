"""``commission rules check|show|init``: a rule pack as something people maintain.

The people who keep an authority's rules are finance and procurement staff
editing YAML. ``check`` makes a wrong edit impossible to miss (every problem at
once, with its line, through the very validation every other command uses) and
shows what the bands do (gaps and overlaps); ``show`` prints the pack for a
person; ``init`` writes a commented copy to start from. The views are in
:mod:`commission_cli.render.pack`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from enum import Enum
from typing import Any

import typer

from ..errors import InputError, Problem, RulePackError
from ..io.documents import PACK_LIMITS, PathKey, decode_text, read_document
from ..io.files import is_stdout, write_new, write_output
from ..render import pack as view
from ..rules.analysis import analyse
from ..rules.check import compile_pack
from ..rules.compiled import Rules
from ..rules.glossary import load_glossary, unlinked_terms
from ..rules.load import files_read, load_rules, read_pack
from ..rules.quotes import check_quotations
from ..safe import shown
from .common import EXIT_INPUT, EXIT_NO, EXIT_OK, fail, rules_option, say, user_errors


class CheckFormat(str, Enum):
    table = "table"
    json = "json"


class ShowFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


_RULES_HELP = "Check, read and start a rule pack (the YAML file of an authority's rules)."

_CHECK_HELP = """Check a rule pack: every problem at once, each with its file:line:column.

Then show, for each family, the value ranges where no method is eligible
without an exception (gaps) and where several are (overlaps). PACK is a YAML
file or the name of a shipped pack; without it, --rules, then
$COMMISSION_RULES, then the default pack. Exit 0 for a valid pack (gaps and
overlaps are findings, not errors), 1 for an invalid one, 2 when the file
cannot be read.
"""

_SHOW_HELP = """Print a rule pack for a person: fields, results, methods, bands and sources.

PACK (or --rules, or $COMMISSION_RULES, or the default pack) is shown with its
name, version, valid-from date and sha256.
"""

_INIT_HELP = """Write a commented copy of the default rule pack to FILE, to edit.

The copy routes exactly as the pack it copies until you change it. Give
--rules PACK (or set $COMMISSION_RULES) to copy another pack. FILE must not
exist: it is never overwritten. FILE - prints the copy instead.
"""

_EXISTS = (
    "already exists; rules init never overwrites a file: give a new file name, "
    "or move the existing file away first"
)


_PACK_ARGUMENT: Any = typer.Argument(
    None,
    metavar="PACK",
    help="A rule pack file, or the name of a shipped pack. Default: --rules, "
    "$COMMISSION_RULES, else the default pack.",
    show_default=False,
)


def register(app: typer.Typer, args: Sequence[str] = ()) -> None:
    rules_app = typer.Typer(
        name="rules",
        help=_RULES_HELP,
        no_args_is_help=True,
        add_completion=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    rules_app.command("check", help=_CHECK_HELP)(check_command)
    rules_app.command("show", help=_SHOW_HELP)(show_command)
    rules_app.command("init", help=_INIT_HELP)(init_command)
    app.add_typer(rules_app, name="rules", help=_RULES_HELP)


# -- check -------------------------------------------------------------------------------


def check_command(
    pack: str | None = _PACK_ARGUMENT,
    rules: str | None = rules_option(),
    format: CheckFormat = typer.Option(
        CheckFormat.table, "--format", "-f", help="table for people, json for CI."
    ),
) -> None:
    with user_errors():
        code = run_check(pack if pack is not None else rules, format)
    raise typer.Exit(code)


def run_check(source: str | None, format: CheckFormat) -> int:
    """Check one pack and print the verdict; returns the exit code."""
    try:
        data, name, directory, shipped = read_pack(source)
        decode_text(data, name)
    except InputError as exc:
        fail(exc.problems, EXIT_INPUT)  # the file cannot be read: not a verdict on a pack
    try:
        # The function load_rules() uses on every command: the same checks, the same words.
        loaded = compile_pack(data, name, directory=directory, shipped=shipped)
    except RulePackError as exc:
        _print_invalid(name, exc.problems, format, "every command refuses it")
        return EXIT_NO
    glossary_problems = _glossary_problems(loaded, data)
    if glossary_problems:
        _print_invalid(name, glossary_problems, format, "`commission glossary` refuses it")
        return EXIT_NO
    specification_problems = _specification_problems(loaded)
    if specification_problems:
        _print_invalid(name, specification_problems, format, "`commission spec` refuses it")
        return EXIT_NO
    quotations = check_quotations(loaded)
    if quotations.misquoted:
        misquoted = _placed(loaded, data, quotations.misquoted)
        _print_invalid(name, misquoted, format, "`commission rules check` refuses it")
        return EXIT_NO
    findings = analyse(loaded)
    if format is CheckFormat.json:
        write_output(view.to_json(view.check_json(loaded, findings, quotations)), None)
    else:
        write_output(view.check_table(loaded, findings, quotations), None)
    return EXIT_OK


def _placed(rules: Rules, data: bytes, found: Sequence[tuple[PathKey, str]]) -> list[Problem]:
    """Problems at their lines of the pack: rare, so the pack is read again only now, for
    its positions."""
    document, _ = read_document(decode_text(data, rules.path), rules.path, limits=PACK_LIMITS)
    return [
        document.problem(message, path)
        if document is not None
        else Problem(message, source=rules.path)
        for path, message in found
    ]


def _print_invalid(name: str, problems: list[Problem], format: CheckFormat, refused: str) -> None:
    for problem in problems:
        say(f"error: {problem}")
    say(
        shown(
            f"{name}: the rule pack has {view.count(len(problems), 'problem')}; "
            f"{refused} until they are fixed"
        )
    )
    if format is CheckFormat.json:
        write_output(view.to_json(view.invalid_json(name, problems)), None)


def _glossary_problems(rules: Rules, data: bytes) -> list[Problem]:
    """What is wrong with the glossary the pack names, and with its links to it."""
    try:
        glossary = load_glossary(rules)
    except InputError as exc:
        return exc.problems
    if glossary is None:
        return []
    unlinked = unlinked_terms(glossary, rules)
    if not unlinked:
        return []
    found = [
        (
            ("contract_types", index, "glossary"),
            f"no entry for {term!r} in the glossary {glossary.source}",
        )
        for index, term in unlinked
    ]
    return _placed(rules, data, found)


def _specification_problems(rules: Rules) -> list[Problem]:
    """What is wrong with the specification file the pack names (none named: nothing)."""
    if rules.pack.specification is None:
        return []
    from ..render.spec import load_specification

    try:
        load_specification(rules)
    except InputError as exc:
        return exc.problems
    return []


# -- show --------------------------------------------------------------------------------


def show_command(
    pack: str | None = _PACK_ARGUMENT,
    rules: str | None = rules_option(),
    format: ShowFormat = typer.Option(
        ShowFormat.table, "--format", "-f", help="How to print the pack."
    ),
    output: str | None = typer.Option(
        None,
        "--output",
        "-o",
        metavar="FILE",
        help="Write to FILE (whole or not at all) instead of stdout.",
    ),
) -> None:
    with user_errors():
        source = pack if pack is not None else rules
        loaded = load_rules(source)
        data = view.pack_view(loaded)
        if format is ShowFormat.json:
            text = view.to_json(data)
        elif format is ShowFormat.markdown:
            text = view.show_markdown(data)
        else:
            text = view.show_table(data)
        write_output(text, output, inputs=files_read(loaded))
        if not is_stdout(output):
            say(f"wrote {shown(str(output))}")
    raise typer.Exit(EXIT_OK)


# -- init --------------------------------------------------------------------------------


def init_command(
    file: str = typer.Argument(
        ..., metavar="FILE", help="The new pack file to write (- prints it instead)."
    ),
    rules: str | None = rules_option(),
) -> None:
    with user_errors():
        to_stdout = is_stdout(file)
        if not to_stdout and os.path.lexists(file):
            fail([Problem(_EXISTS, source=file)], EXIT_INPUT)
        data, name, directory, shipped = read_pack(rules)
        # Never hand out a copy of a broken pack.
        original = compile_pack(data, name, directory=directory, shipped=shipped)
        shown_as = "my-rules.yaml" if to_stdout else os.path.basename(file)
        text = view.commented_copy(decode_text(data, name), original, shown_as)
        # The comments must not change a single rule: the copy must route identically.
        copy = compile_pack(text.encode("utf-8"), file, directory=directory, shipped=shipped)
        if copy.pack != original.pack:
            raise AssertionError("the commented copy does not hold the same rules")
        if to_stdout:
            write_output(text, None)
        else:
            write_new(file, text, inputs=files_read(original), exists=_EXISTS)
            say(
                shown(
                    f"wrote {file}: a commented copy of {original.name} (version "
                    f"{original.version}) to edit. After each change run: commission rules "
                    f"check {file}; then use it with --rules {file}"
                )
            )
    raise typer.Exit(EXIT_OK)
