"""Reading a register of purchases: CSV with a header row, or JSON Lines.

A register is read as a stream, row by row, so a file of any length takes the
same memory. Problems that make the whole file unreadable (no such file, no
header, unknown columns) raise InputError; a bad row is handed on as it is, to
become an error row, and reading goes on.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import itertools
import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from .errors import InputError, Problem
from .vocabulary import field_names

# Columns a register may carry beside the purchase fields: `check` compares
# method_used with the recommendation; `batch` leaves it alone.
REGISTER_COLUMNS = ("method_used",)
MAX_LINE = 1_000_000  # characters in one JSON line or CSV field


@dataclass(frozen=True, slots=True)
class UnreadableRow:
    """A row that could not even be read (broken JSON, not an object): an error row."""

    problems: tuple[Problem, ...]
    text: str


@dataclass
class Register:
    """An opened register: its rows as they are read, and what kind of file it is."""

    source: str
    kind: str  # "csv" or "jsonl"
    fields: list[str | None] | None  # CSV: column names (None for a column left out)
    rows: Iterator[Any]
    extra: dict[str, int] = field(default_factory=dict)  # register columns and their index
    handle: IO[str] | None = None
    line: int = 0  # the line the last row read started on
    size: int | None = None
    bad_bytes_before: int = 0  # _BadBytes.count when the file was opened (see _not_utf8)
    delimiter: str = ","
    header_lines: int = 0  # the lines the header took, blank lines before it included
    # False once a part of the file (see read_part) is seen not to end where a row does.
    clean: bool = True

    def position(self) -> int | None:
        """Roughly how many bytes have been read, for a progress bar."""
        try:
            return self.handle.buffer.tell() if self.handle is not None else None  # type: ignore[attr-defined]
        except (OSError, ValueError, AttributeError):
            return None

    def close(self) -> None:
        if self.handle is not None and self.handle is not sys.stdin:
            self.handle.close()


def detect_format(path: str, given: str | None) -> str:
    if given:
        return given
    lower = path.lower()
    if lower.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if lower.endswith((".csv", ".tsv", ".txt")) or path == "-":
        return "csv"
    raise InputError(
        [
            Problem(
                "cannot tell whether this is CSV or JSON Lines from its name; "
                "say which with --input-format csv|jsonl",
                source=path,
            )
        ]
    )


def open_register(
    path: str,
    input_format: str | None = None,
    *,
    ignore_columns: tuple[str, ...] = (),
    ignore_unknown: bool = False,
) -> Register:
    kind = detect_format(path, input_format)
    name = "<stdin>" if path == "-" else path
    bad_bytes_before = _BadBytes.count  # the decoder reads ahead: count from the start
    handle = _open_text(path, name)
    try:
        size = os.fstat(handle.fileno()).st_size if path != "-" else None
    except (OSError, ValueError):
        size = None
    if kind == "jsonl":
        register = Register(
            name, kind, None, iter(()), handle=handle, size=size, bad_bytes_before=bad_bytes_before
        )
        register.rows = _jsonl_rows(handle, register)
        return register
    register = Register(
        name, kind, None, iter(()), handle=handle, size=size, bad_bytes_before=bad_bytes_before
    )
    _csv_header(register, handle, ignore_columns, ignore_unknown)
    return register


class _BadBytes:
    """Counts the bytes that were not UTF-8, keeping each as a stand-in character.

    A register saved as Windows-1252 (Excel's "CSV") still reads row by row: the
    rows holding such bytes become error rows that name the byte, the others are
    routed, and rows in still equal rows out. The count lets the row loop look for
    stand-ins only once a file has shown it has some.
    """

    count = 0

    @classmethod
    def handler(cls, exc: UnicodeError) -> tuple[str, int]:
        assert isinstance(exc, UnicodeDecodeError)
        cls.count += exc.end - exc.start
        return "".join(chr(0xDC00 + b) for b in exc.object[exc.start : exc.end]), exc.end


codecs.register_error("commission-bad-bytes", _BadBytes.handler)
_STAND_IN = re.compile("[\udc80-\udcff]")


def _not_utf8(cells: list[str], register: Register) -> UnreadableRow | None:
    """An error row for a row holding bytes that were not UTF-8, or None."""
    for column, cell in enumerate(cells, 1):
        found = _STAND_IN.search(cell)
        if found:
            byte = ord(found.group()) - 0xDC00
            shown = [
                c.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                for c in cells
            ]
            return UnreadableRow(
                (
                    Problem(
                        f"is not UTF-8 text (byte 0x{byte:02x} in column {column}); "
                        "save the register as UTF-8 (CSV UTF-8 in Excel)",
                        source=register.source,
                        line=register.line,
                    ),
                ),
                ",".join(shown),
            )
    return None


def _open_text(path: str, name: str) -> IO[str]:
    errors = "commission-bad-bytes"
    if path == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="", errors=errors)
    try:
        if os.path.isdir(path):
            raise InputError([Problem("is a directory, not a register", source=name)])
        return open(path, encoding="utf-8-sig", newline="", errors=errors)
    except FileNotFoundError:
        raise InputError([Problem("no such register file", source=name)]) from None
    except PermissionError:
        raise InputError(
            [Problem("cannot read this file: permission denied", source=name)]
        ) from None
    except OSError as exc:
        raise InputError(
            [Problem(f"cannot read this file: {exc.strerror or exc}", source=name)]
        ) from None


def normalise_column(name: str) -> str:
    """' Annual value ' -> annual_value: headers typed by people are forgiven."""
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def _delimiter(header: str) -> str:
    """Comma, or what the header line is separated by instead: a semicolon (Excel in much
    of Europe) or a tab."""
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _csv_header(
    register: Register, handle: IO[str], ignore: tuple[str, ...], ignore_unknown: bool
) -> None:
    csv.field_size_limit(MAX_LINE)
    lines = iter(handle)
    first = next(lines, "")
    while first and not first.strip():
        first = next(lines, "")  # leading blank lines
    delimiter = "\t" if register.source.lower().endswith(".tsv") else _delimiter(first)
    reader = csv.reader(itertools.chain([first] if first else [], lines), delimiter=delimiter)
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)  # leading blank lines
    except (csv.Error, UnicodeDecodeError) as exc:
        raise InputError(
            [Problem(f"cannot read the header row: {_why(exc)}", source=register.source, line=1)]
        ) from None
    if header is None:
        raise InputError(
            [
                Problem(
                    "is empty: a register needs a header row of field names", source=register.source
                )
            ]
        )
    bad = _not_utf8(header, register)
    if bad is not None:
        raise InputError(
            [Problem(f"the header row {bad.problems[0].message}", source=register.source, line=1)]
        )
    known = set(field_names())
    skip = {normalise_column(c) for c in ignore}
    names: list[str | None] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(header, 1):
        column = normalise_column(raw)
        if column in seen:
            problems.append(
                Problem(
                    f"column {i} repeats column {seen[column]} ({column!r}); "
                    "each field may be given once",
                    source=register.source,
                    line=reader.line_num,
                )
            )
        seen.setdefault(column, i)
        if column in known:
            names.append(column)
        elif column in REGISTER_COLUMNS:
            register.extra[column] = i - 1
            names.append(None)
        elif column in skip or ignore_unknown:
            names.append(None)
        else:
            close = difflib.get_close_matches(column, [*known, *REGISTER_COLUMNS], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(
                Problem(
                    f"column {i} ({raw.strip()!r}) is not a purchase field{hint} "
                    "(leave it out with --ignore-column NAME, or --ignore-unknown-columns)",
                    source=register.source,
                    line=reader.line_num,
                )
            )
    if problems:
        raise InputError(problems)
    register.fields = names
    register.line = register.header_lines = reader.line_num
    register.delimiter = delimiter
    register.rows = _csv_rows(reader, register)


def _csv_rows(reader: Any, register: Register, base: int = 0, lines: int = -1) -> Iterator[Any]:
    """The rows; ``base`` lines of the file come before the reader's first. For a part of
    a file, ``lines`` is how many it holds, and the line after them is _END's."""
    last = base + reader.line_num
    seen_bad = register.bad_bytes_before
    limit = sys.maxsize if lines < 0 else lines
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            if reader.line_num > limit:
                register.clean = False  # a row runs on past the part's end
                return
            register.line = last + 1
            yield UnreadableRow(
                (
                    Problem(
                        f"cannot be read: {_why(exc)}", source=register.source, line=register.line
                    ),
                ),
                "",
            )
            if isinstance(exc, UnicodeDecodeError):
                return  # the decoder cannot find its feet again
            last = base + reader.line_num
            continue
        if reader.line_num > limit:
            # _END read as a row of its own: the part ended where a row did. Anything
            # else is a row that runs on past the part's end (a quoted line break).
            register.clean = row == [_END]
            return
        if not row:
            last = base + reader.line_num
            continue  # an empty line is not a row (anything else is, if only an error row)
        register.line = last + 1
        last = base + reader.line_num
        if _BadBytes.count != seen_bad:
            bad = _not_utf8(row, register)
            if bad is not None:
                yield bad
                continue
        yield row


def _why(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "it is not UTF-8 text; save the file as UTF-8 (CSV UTF-8 in Excel)"
    return str(exc)


def _jsonl_rows(handle: IO[str], register: Register, base: int = 0) -> Iterator[Any]:
    number = base  # lines of the file before the handle's first
    seen_bad = register.bad_bytes_before
    while True:
        try:
            text = handle.readline(MAX_LINE + 1)
        except UnicodeDecodeError as exc:
            register.line = number + 1
            yield UnreadableRow(
                (
                    Problem(
                        f"cannot be read: {_why(exc)}", source=register.source, line=register.line
                    ),
                ),
                "",
            )
            return
        if not text:
            return
        number += 1
        if len(text) > MAX_LINE and not text.endswith("\n"):
            register.line = number
            rest = text
            while rest and not rest.endswith("\n"):  # skip the remainder of the long line
                rest = handle.readline(MAX_LINE + 1)
            yield UnreadableRow(
                (
                    Problem(
                        f"is longer than {MAX_LINE:,} characters",
                        source=register.source,
                        line=number,
                    ),
                ),
                text[:200],
            )
            continue
        if not text.strip():
            continue
        register.line = number
        if _BadBytes.count != seen_bad and _STAND_IN.search(text):
            bad = _not_utf8([text.rstrip("\n")], register)
            assert bad is not None
            yield bad
            continue
        try:
            value = json.loads(
                text,
                object_pairs_hook=_no_duplicates,
                parse_float=Decimal,
                parse_constant=_no_constant,
            )
        except (ValueError, RecursionError) as exc:
            message = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            yield UnreadableRow(
                (Problem(f"is not valid JSON: {message}", source=register.source, line=number),),
                text.rstrip("\n"),
            )
            continue
        if not isinstance(value, dict):
            yield UnreadableRow(
                (
                    Problem(
                        "is not a JSON object of field: value", source=register.source, line=number
                    ),
                ),
                text.rstrip("\n"),
            )
            continue
        yield value


# Read after the last line of a part of a CSV file (see read_part): it comes back as a
# row of its own only if the part ends where a row does. The NULs keep it out of registers.
_END = "\x00commission: end of part\x00"


def read_part(
    register: Register, data: IO[bytes], line: int, lines: int = -1, at_start: bool = False
) -> Register:
    """The rows of part of an opened register's file, read as the whole file's are.

    ``data`` holds whole lines of the file, from line ``line + 1`` on: ``lines`` of
    them (then :attr:`Register.clean` tells whether the part ended where a row did),
    or to its end (-1). A part at the start of a JSON Lines file may begin with a
    byte order mark; a CSV file's parts follow its header.
    """
    handle = io.TextIOWrapper(
        data,
        encoding="utf-8-sig" if at_start else "utf-8",
        newline="",
        errors="commission-bad-bytes",
    )
    part = Register(
        register.source,
        register.kind,
        register.fields,
        iter(()),
        extra=register.extra,
        handle=handle,
        line=line,
        bad_bytes_before=_BadBytes.count,
        delimiter=register.delimiter,
    )
    if register.kind == "jsonl":
        part.rows = _jsonl_rows(handle, part, base=line)
    else:
        reader = csv.reader(
            itertools.chain(handle, (_END + "\n",)) if lines >= 0 else handle,
            delimiter=register.delimiter,
        )
        part.rows = _csv_rows(reader, part, base=line, lines=lines)
    return part


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key!r} is given twice")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number this tool accepts")


def batch_rows(register: Register) -> Iterator[Any]:
    """The rows as `batch` routes them: method_used (a register column, for `check`) is
    set aside. A CSV reader leaves its column out already; JSON Lines rows need it
    taken out."""
    if register.kind == "jsonl":
        return RegisterColumns(register).rows(keep=False)
    return register.rows


class RegisterColumns:
    """Takes the register columns (method_used) out of each row as it passes, in order.

    route_many sees only purchase fields; what was set aside for a row is read back
    with :meth:`take` when that row's answer comes out (one answer per row, in order).
    """

    def __init__(self, register: Register) -> None:
        from collections import deque

        self.register = register
        self.pending: deque[dict[str, Any]] = deque()

    def rows(self, keep: bool = True) -> Iterator[Any]:
        """The register's rows without their register columns, which are kept for
        :meth:`take` (or, with ``keep`` false, dropped)."""
        extra = self.register.extra
        for row in self.register.rows:
            if isinstance(row, dict):
                taken = {name: row.pop(name) for name in REGISTER_COLUMNS if name in row}
            elif isinstance(row, list):
                taken = {name: row[i] for name, i in extra.items() if i < len(row)}
            else:
                taken = {}
            if keep:
                self.pending.append(taken)
            yield row

    def take(self) -> dict[str, Any]:
        return self.pending.popleft()
