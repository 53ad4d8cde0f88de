"""Writing decisions row by row: JSON Lines (the whole decision object) or a flat CSV.

Both write to a binary handle (see :func:`commission_cli.io.files.open_output`),
one line per row, as each row is routed. Text is encoded as UTF-8 with
``backslashreplace``: a lone surrogate read from a JSON Lines register cannot be
UTF-8, and is written as its JSON escape (``\\ud800``) instead, so every row in
still makes one row out.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from typing import IO, Any, Protocol

from ..engine.route import RowError
from ..model.decision import FLAT_HEAD, FLAT_TAIL, Decision
from ..model.values import read_text
from ..rules.compiled import Rules
from ..safe import shown

# json leaves these as they are, but many readers (Python's str.splitlines among them)
# take them for line breaks: escaped, one JSON Lines row stays one line.
_LINE_BREAKS = {c: f"\\u{ord(c):04x}" for c in "\x85\u2028\u2029"}
# A spreadsheet takes a cell beginning with one of these for a formula (OWASP, "CSV
# Injection"): such a cell is written with a ' before it, which shows as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class RowWriter(Protocol):
    def decision(self, row: int, decision: Decision) -> None: ...

    def error(self, error: RowError) -> None: ...


def encode(text: str) -> bytes:
    return text.encode("utf-8", "backslashreplace")


def csv_columns(rules: Rules) -> list[str]:
    """The flat CSV's columns: the pack's results come between the method and the rest."""
    return [*FLAT_HEAD, *(r.id for r in rules.results), *FLAT_TAIL]


def csv_cell(value: Any) -> str:
    """A value as a CSV cell: text a spreadsheet would run as a formula is kept text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def result_cell(value: Any) -> str:
    """A method's result in one cell: text as it is, yes/no, a list joined by "; ", a range
    as "1 to 3"."""
    if value is None:
        return ""
    if type(value) is str:  # most results: looked for first
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return "; ".join(result_cell(v) for v in value)
    if isinstance(value, Mapping) and set(value) == {"min", "max"}:
        return f"{result_cell(value['min'])} to {result_cell(value['max'])}"
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {result_cell(v)}" for k, v in value.items())
    return str(value)


def json_line(value: Mapping[str, Any]) -> bytes:
    """One JSON Lines row, UTF-8."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    if not text.isascii():
        # str.replace, not a pattern or str.translate: a decision line is long, and
        # searching it for one character is many times quicker than either.
        for char, escaped in _LINE_BREAKS.items():
            text = text.replace(char, escaped)
    return encode(text + "\n")


class _Encoded:
    """What csv.writer writes to: its text goes to the binary handle as UTF-8."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out

    def write(self, text: str) -> int:
        return self.out.write(encode(text))


class CsvLines:
    """CSV rows to a binary handle; every cell but a row number through :func:`csv_cell`."""

    def __init__(self, out: IO[bytes], header: Sequence[str]) -> None:
        self.writer = csv.writer(_Encoded(out), lineterminator="\n")
        self.writer.writerow(header)

    def row(self, *cells: Any) -> None:
        self.writer.writerow([c if isinstance(c, int) else csv_cell(c) for c in cells])


class CsvRows:
    """The flat CSV: a header, then one row per decision or error."""

    def __init__(self, out: IO[bytes], rules: Rules) -> None:
        self.results = tuple(r.id for r in rules.results)
        self.lines = CsvLines(out, csv_columns(rules))

    def decision(self, row: int, decision: Decision) -> None:
        method = decision.method
        results = decision.results
        self.lines.row(
            row,
            decision.purchase.title,
            decision.family,
            "" if method is None else method.id,
            "" if method is None else method.name,
            *(result_cell(results.get(r)) for r in self.results),
            "; ".join(c.id for c in decision.contract_types),
            " | ".join(decision.warnings),
            "",
        )

    def error(self, error: RowError) -> None:
        lines = sorted({p.line for p in error.problems if p.line is not None})
        where = f" (line {lines[0]})" if lines else ""
        blanks = [""] * (len(FLAT_HEAD) - 2 + len(self.results) + len(FLAT_TAIL) - 1)
        self.lines.row(
            error.row, _error_title(error.data.get("title")), *blanks, error.message + where
        )


def _error_title(title: object) -> str | None:
    """An error row's title as a routed row would give it (a line break kept, as CSV
    holds one); escaped only when it is the title itself that cannot be read (a NUL)."""
    if title is None:
        return None
    try:
        return read_text(title, max_length=len(str(title)))
    except ValueError:
        return shown(str(title))


class JsonRows:
    """JSON Lines: each decision object with its row number first; an error row says
    what is wrong and gives the row as it was read."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out

    def decision(self, row: int, decision: Decision) -> None:
        self.out.write(json_line({"row": row, **decision.to_dict()}))

    def error(self, error: RowError) -> None:
        self.out.write(json_line(error_object(error)))


def error_object(error: RowError) -> dict[str, Any]:
    """An error row as JSON: the problems, and the row as it was read, so nothing is lost."""
    return {
        "row": error.row,
        "error": error.message,
        "problems": [
            {"field": p.field, "message": p.message, "line": p.line} for p in error.problems
        ],
        "input": {str(k): v for k, v in error.data.items()},
    }
