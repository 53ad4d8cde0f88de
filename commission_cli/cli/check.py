"""``commission check``: does the method used agree with the rules?

One purchase (YAML or JSON) is checked against ``--method``. A register (CSV or
JSON Lines) is checked row by row against its ``method_used`` column, or
against ``--method`` for every row; the rows that disagree, or cannot be
checked, are printed with the reason, then a count goes to stderr.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import IO, TYPE_CHECKING, NamedTuple

import typer

from .batch import InFormat
from .common import EXIT_NO, EXIT_OK, rules_option, say, user_errors

if TYPE_CHECKING:  # imported where used: `route` builds this module too, and needs none
    from ..engine.route import RowError
    from ..io.registers import Register
    from ..model.decision import Decision
    from ..rules.compiled import Rules

_HELP = """Does the method used agree with the rules? Exit 0 yes, 1 no, 2 bad input.

For one purchase (a YAML or JSON file), give the method actually used with
--method ID (or --method none for "no route"): the answer says which method the
rules choose and why. For a register (CSV or JSON Lines), each row's method_used
column is compared with the recommendation (or --method, for every row); the
rows that disagree are printed with the reason, then a count. Columns the rule
pack does not read are left out, and listed once on stderr.
"""

_REGISTER_ENDINGS = (".csv", ".tsv", ".jsonl", ".ndjson")
METHOD_USED = "method_used"
NOT_STATED = "method_used is not stated; give the method actually used"


class CheckFormat(str, Enum):
    table = "table"
    csv = "csv"
    jsonl = "jsonl"


def register(app: typer.Typer, args: Sequence[str] = ()) -> None:
    app.command("check", help=_HELP)(check_command)


def check_command(
    file: str = typer.Argument(
        ..., metavar="FILE|-", help="A purchase description, or a register (CSV or JSON Lines)."
    ),
    method: str | None = typer.Option(
        None,
        "--method",
        "-m",
        metavar="ID",
        help="The method used (a method id of the rule pack, or none).",
    ),
    rules: str | None = rules_option(),
    format: CheckFormat = typer.Option(
        CheckFormat.table,
        "--format",
        "-f",
        help="How to print the answer, or the rows that disagree.",
    ),
    input_format: InFormat | None = typer.Option(
        None, "--input-format", help="Read FILE as a register in this format."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No notes and no count on stderr."),
) -> None:
    with user_errors():
        from ..engine.check import known_method
        from ..rules.load import load_rules

        pack = load_rules(rules)
        used = None if method is None else known_method(method, pack, "--method")
        if input_format is not None or file.lower().endswith(_REGISTER_ENDINGS):
            given = input_format.value if input_format else None
            code = _check_register(file, given, used, pack, format, quiet)
        else:
            code = _check_one(file, used, pack, format)
    raise typer.Exit(code)


# -- one purchase ------------------------------------------------------------------------


def _check_one(file: str, used: str | None, rules: Rules, format: CheckFormat) -> int:
    from ..engine.check import check
    from ..engine.route import load_purchase, route
    from ..errors import InputError, Problem
    from ..io.files import open_output
    from ..render.rows import CsvLines, encode, json_line
    from ..safe import shown

    if used is None:
        known = ", ".join(m.id for m in rules.methods)
        first = rules.methods[0].id if rules.methods else "ID"
        message = f"give the method actually used, e.g. --method {first} (known: {known}, or none)"
        raise InputError([Problem(message, source="--method")])
    result = check(route(load_purchase(file, rules), rules), used)
    with open_output(None) as out:
        if format is CheckFormat.jsonl:
            answer = {
                "agrees": result.agrees,
                "used": result.used,
                "recommended": result.recommended,
                "reason": result.reason,
            }
            out.write(json_line(answer))
        elif format is CheckFormat.csv:
            lines = CsvLines(out, ("agrees", "used", "recommended", "reason"))
            lines.row("yes" if result.agrees else "no", used, result.recommended, result.reason)
        else:
            out.write(encode(shown(result.reason) + "\n"))
    return EXIT_OK if result.agrees else EXIT_NO


# -- a register --------------------------------------------------------------------------


def _check_register(
    file: str,
    input_format: str | None,
    used: str | None,
    rules: Rules,
    format: CheckFormat,
    quiet: bool,
) -> int:
    from ..errors import InputError, Problem
    from ..io.files import open_output
    from ..io.registers import open_register
    from ..safe import shown

    with open_register(file, rules, input_format, ignore_others=True) as register:
        if used is None and register.kind == "csv" and not register.has_method_used:
            message = (
                "has no method_used column: add one with the method actually used "
                "on each row, or give --method ID"
            )
            raise InputError([Problem(message, source=register.source)])
        noted = _note_ignored(register, 0, quiet)
        with open_output(None) as out:
            counts = _check_rows(register, rules, used, _Rows(out, format))
        _note_ignored(register, noted, quiet)
    if not quiet:
        errors = counts["error"]
        say(
            f"{sum(counts.values()):,} rows checked: {counts['agree']:,} agree, "
            f"{counts['disagree']:,} disagree, {errors:,} error{'s' if errors != 1 else ''} "
            f"({shown(rules.name)}, version {shown(rules.version)})"
        )
    return EXIT_OK if counts["disagree"] == 0 and counts["error"] == 0 else EXIT_NO


def _note_ignored(register: Register, already: int, quiet: bool) -> int:
    """Say once which columns are left out: a CSV's before its rows, JSON keys after."""
    from ..safe import shown

    names = register.ignored[already:]
    if names and not quiet:
        say(f"note: ignoring columns the rule pack does not read: {shown(', '.join(names))}")
    return len(register.ignored)


class _Line(NamedTuple):
    """How one row of a register fared, and what to print for it."""

    kind: str  # agree, disagree or error
    title: str
    used: str
    recommended: str
    reason: str


def _check_rows(
    register: Register, rules: Rules, method: str | None, rows: _Rows
) -> dict[str, int]:
    """Check each row, writing those that disagree or cannot be checked; the counts."""
    from .batch import routed

    counts = {"agree": 0, "disagree": 0, "error": 0}
    for number, row, item in routed(register, rules):
        line = _check_row(item, method if method is not None else row.used, rules)
        counts[line.kind] += 1
        if line.kind != "agree":
            rows.row(number, line)
    return counts


def _check_row(item: Decision | RowError, given: str | None, rules: Rules) -> _Line:
    from ..engine.check import check, known_method
    from ..engine.route import RowError
    from ..errors import InputError
    from ..safe import shown

    if isinstance(item, RowError):
        title = item.data.get("title")  # as read, and refused: shown escaped
        text = "" if title is None else shown(str(title))
        return _Line("error", text, given or "", "", f"error: {item.message}")
    title = item.purchase.title
    if given is None or not given.strip():
        return _Line("error", title, "", "", f"error: {NOT_STATED}")
    try:
        used = known_method(given, rules, METHOD_USED)
    except InputError as exc:
        return _Line("error", title, given, "", f"error: {exc.problems[0].message}")
    result = check(item, used)
    reason = result.reason.removeprefix("disagrees: ")
    return _Line("agree" if result.agrees else "disagree", title, used, result.recommended, reason)


class _Rows:
    """The rows that disagree (or could not be checked), written as they are found."""

    def __init__(self, out: IO[bytes], format: CheckFormat) -> None:
        from ..render.rows import CsvLines

        self.out = out
        self.format = format
        if format is CheckFormat.csv:
            self.csv = CsvLines(out, ("row", "title", "used", "recommended", "reason"))

    def row(self, number: int, line: _Line) -> None:
        from ..render.rows import encode, json_line
        from ..safe import shown

        title, used, recommended, reason = line.title, line.used, line.recommended, line.reason
        if self.format is CheckFormat.csv:
            self.csv.row(number, title, used, recommended, reason)
        elif self.format is CheckFormat.jsonl:
            answer = {
                "row": number,
                "title": title,
                "used": used,
                "recommended": recommended or None,
                "reason": reason,
            }
            self.out.write(json_line(answer))
        else:
            target = f"the rules recommend {recommended}" if recommended else "not checked"
            text = f"row {number}: {title}: used {used or '(not stated)'}, {target}: {reason}"
            self.out.write(encode(shown(text) + "\n"))
