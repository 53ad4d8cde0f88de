"""``commission check``: does the method used agree with the rules?

One purchase (YAML or JSON) is checked against ``--method``. A register (CSV or
JSON Lines) is checked row by row against its ``method_used`` column, or against
``--method`` for every row; the rows that disagree are printed with the reason.
"""

from __future__ import annotations

import difflib
import json
import sys
from collections.abc import Sequence
from enum import Enum
from typing import Any

import typer

from .common import EXIT_INPUT, EXIT_NO, EXIT_OK, fail, rules_option, say, user_errors

NO_ROUTE = "none"  # --method none: the purchase is expected to have no route

_HELP = """Does the method used agree with the rules? Exit 0 yes, 1 no, 2 bad input.

For one purchase (a YAML or JSON file), give the method actually used with
--method ID (or --method none for "no route"): the answer says which method the
rules choose and why. For a register (CSV or JSON Lines), each row's method_used
column is compared with the recommendation (or --method, for every row); the
rows that disagree are printed with the reason, then a count.
"""


class CheckFormat(str, Enum):
    table = "table"
    csv = "csv"
    jsonl = "jsonl"


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
        CheckFormat.table, "--format", "-f", help="How to print the rows that disagree."
    ),
    input_format: str | None = typer.Option(
        None, "--input-format", metavar="csv|jsonl", help="Read FILE as a register in this format."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No count on stderr."),
) -> None:
    with user_errors():
        from ..rules import load_rules

        pack = load_rules(rules)
        known = [m.spec.id for m in pack.methods]
        if method is not None:
            method = _known_method(method, known, "--method")
        if _is_register(file, input_format):
            code = _check_register(file, input_format, method, pack, known, format, quiet)
        else:
            if method is None:
                fail(
                    [
                        _problem(
                            "--method",
                            "give the method actually used, e.g. --method "
                            f"{known[0]} (known: {', '.join(known)}, or none)",
                        )
                    ]
                )
            code = _check_one(file, method, pack, format)
    raise typer.Exit(code)


def _problem(source: str, message: str) -> Any:
    from ..errors import Problem

    return Problem(message, source=source)


def _known_method(value: str, known: list[str], where: str) -> str:
    """A method id of the pack (or none); an unknown id is an input error naming them all."""
    from ..errors import InputError

    cleaned = value.strip().lower().replace("-", "_").replace(" ", "_")
    if cleaned in known or cleaned == NO_ROUTE:
        return cleaned
    close = difflib.get_close_matches(cleaned, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise InputError(
        [
            _problem(
                where,
                f"no method {value!r} in the rule pack{hint} (known: {', '.join(known)}, or none)",
            )
        ]
    )


def _is_register(file: str, input_format: str | None) -> bool:
    if input_format:
        return True
    return file.lower().endswith((".csv", ".tsv", ".jsonl", ".ndjson"))


# -- one purchase ------------------------------------------------------------------------


def _check_one(file: str, used: str, pack: Any, format: CheckFormat) -> int:
    from ..engine import route
    from ..loading import build_purchase, read_purchase_document

    decision = route(build_purchase(read_purchase_document(file)), pack)
    agrees, reason = verdict_of_check(decision, used)
    recommended = decision.method.id if decision.method else NO_ROUTE
    if format is CheckFormat.jsonl:
        print(
            json.dumps(
                {"agrees": agrees, "used": used, "recommended": recommended, "reason": reason},
                ensure_ascii=False,
            )
        )
    elif format is CheckFormat.csv:
        _csv_out(
            [
                ("agrees", "used", "recommended", "reason"),
                ("yes" if agrees else "no", used, recommended, reason),
            ]
        )
    else:
        print(reason)
    return EXIT_OK if agrees else EXIT_NO


def verdict_of_check(decision: Any, used: str) -> tuple[bool, str]:
    """Does the decision agree with the method used, and why (or why not), in words."""
    chosen = decision.method
    if used == NO_ROUTE:
        if chosen is None:
            return True, "agrees: the rules give no route for this purchase."
        return False, (
            f"disagrees: the rules choose {chosen.name} ({chosen.id}), so there is a "
            f"route. {decision.reasons[-1]}"
        )
    if chosen is not None and chosen.id == used:
        return True, f"agrees: the rules choose {chosen.name} ({chosen.id}). {decision.reasons[-1]}"
    candidate = next((c for c in decision.candidates if c.id == used), None)
    if candidate is None:
        why = (
            f"{used} is not a method of the {decision.family} family, which this purchase "
            f"falls in: {decision.reasons[0]}"
        )
    else:
        why = f"{candidate.name}: {candidate.reason}"
    if chosen is None:
        return False, f"disagrees: the rules give no route for this purchase, not {used}. {why}"
    return False, (f"disagrees: the rules choose {chosen.name} ({chosen.id}), not {used}. {why}")


# -- a register --------------------------------------------------------------------------


def _check_register(
    file: str,
    input_format: str | None,
    method: str | None,
    pack: Any,
    known: list[str],
    format: CheckFormat,
    quiet: bool,
) -> int:
    from ..batch import RowError, route_many
    from ..errors import InputError
    from ..registers import RegisterColumns, open_register

    register = open_register(file, input_format)
    if method is None and register.kind == "csv" and "method_used" not in register.extra:
        register.close()
        fail(
            [
                _problem(
                    register.source,
                    "has no method_used column: add one with the method "
                    "actually used on each row, or give --method ID",
                )
            ]
        )
    columns = RegisterColumns(register)
    out = _Rows(format)
    counts = {"agree": 0, "disagree": 0, "error": 0}
    try:
        for item in route_many(
            columns.rows(), pack, fields=register.fields, source=register.source
        ):
            used_raw = columns.take().get("method_used") if method is None else method
            if isinstance(item, RowError):
                counts["error"] += 1
                out.row(
                    item.row,
                    str(item.data.get("title") or ""),
                    str(used_raw or ""),
                    "",
                    f"error: {item.message}",
                )
                continue
            number = counts["agree"] + counts["disagree"] + counts["error"] + 1
            title = item.values["title"]
            if used_raw is None or str(used_raw).strip() == "":
                counts["error"] += 1
                out.row(
                    number,
                    title,
                    "",
                    "",
                    "error: method_used is not stated; give the method actually used",
                )
                continue
            try:
                used = _known_method(str(used_raw), known, "method_used")
            except InputError as exc:
                counts["error"] += 1
                out.row(number, title, str(used_raw), "", f"error: {exc.problems[0].message}")
                continue
            agrees, reason = verdict_of_check(item, used)
            if agrees:
                counts["agree"] += 1
            else:
                counts["disagree"] += 1
                out.row(
                    number,
                    title,
                    used,
                    item.method.id if item.method else NO_ROUTE,
                    reason.removeprefix("disagrees: "),
                )
    finally:
        register.close()
    out.close()
    total = sum(counts.values())
    if not quiet:
        say(
            f"{total:,} rows checked: {counts['agree']:,} agree, {counts['disagree']:,} "
            f"disagree, {counts['error']:,} error{'s' if counts['error'] != 1 else ''} "
            f"({pack.name}, version {pack.version})"
        )
    return EXIT_OK if counts["disagree"] == 0 and counts["error"] == 0 else EXIT_NO


class _Rows:
    """The rows that disagree (or could not be checked), printed as they are found."""

    def __init__(self, format: CheckFormat) -> None:
        self.format = format
        self.writer: Any = None
        if format is CheckFormat.csv:
            import csv

            self.writer = csv.writer(sys.stdout, lineterminator="\n")
            self.writer.writerow(("row", "title", "used", "recommended", "reason"))

    def row(self, number: int, title: str, used: str, recommended: str, reason: str) -> None:
        if self.format is CheckFormat.csv:
            self.writer.writerow((number, title, used, recommended, reason))
        elif self.format is CheckFormat.jsonl:
            print(
                json.dumps(
                    {
                        "row": number,
                        "title": title,
                        "used": used,
                        "recommended": recommended or None,
                        "reason": reason,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            target = f"the rules recommend {recommended}" if recommended else "not checked"
            print(f"row {number}: {title}: used {used or '(not stated)'}, {target}: {reason}")

    def close(self) -> None:
        sys.stdout.flush()


def _csv_out(rows: list[tuple[str, ...]]) -> None:
    import csv

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerows(rows)


def register(app: typer.Typer, args: Sequence[str] | None = None) -> None:
    app.command("check", help=_HELP)(check_command)


__all__ = ["EXIT_INPUT", "register", "verdict_of_check"]
