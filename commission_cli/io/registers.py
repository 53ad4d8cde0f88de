"""Reading a register of purchases as a stream: CSV with a header row, or JSON Lines.

A register is read row by row, so a file of any length takes the same memory.
What makes the whole file unreadable (no such file, a binary file, no header,
a column the rule pack does not know) raises :class:`InputError` before any
row is read. A row that cannot be read comes out as an :class:`Unreadable`, to
become an error row, and reading goes on: rows in = rows out.

The columns come from the rule pack: a CSV header names the pack's fields
(forgiving case, spaces and hyphens) and the register column ``method_used``,
which ``check`` compares with the rules' choice.

Every value arrives as the text that was written, for the pack's model to
read: a CSV cell is text already, and a JSON number is kept as its text, so a
number of a million digits is refused by the model at once rather than turned
into an integer first.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import os
import re
import stat
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import IO, Any, Literal, NamedTuple

from ..errors import InputError, Problem
from ..rules.compiled import Rules
from ..safe import quoted

MAX_LINE = 1_000_000  # characters in one line, and in one CSV row however many lines it takes
METHOD_USED = "method_used"  # the register column `check` reads; `batch` leaves it alone
_SNIFF = 4096  # bytes looked at to tell a binary file from a register
_STAND_IN = re.compile("[\udc80-\udcff]")  # a byte that was not UTF-8 (surrogateescape)
_RUN = re.compile('[^"\r\n]+')  # a run of text between quotes, in a CSV line

Kind = Literal["csv", "jsonl"]


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A row that could not be read at all (broken JSON, bytes that are not UTF-8)."""

    problems: tuple[Problem, ...]
    text: str  # what was read, for the error row's input ("" when nothing can be shown)


class RegisterRow(NamedTuple):
    """One row as read: the line it starts on, its cells (a CSV row's list, in the
    header's order, or a JSON object), and the method used, if the register says."""

    line: int
    data: list[str] | dict[str, Any] | Unreadable
    used: str | None


@dataclass
class Register:
    """An opened register. Iterate :meth:`rows`; close it when done (or use ``with``)."""

    source: str  # the name messages give it
    kind: Kind
    # A CSV row's cells, column by column: the pack field each holds, or None for a column
    # left out (method_used, or one ignored). None for JSON Lines, whose rows name theirs.
    fields: tuple[str | None, ...] | None
    ignored: list[str] = field(default_factory=list)  # columns left out, as the header names them
    has_method_used: bool = False
    size: int | None = None  # bytes in the file, when it is a regular file
    _binary: IO[bytes] | None = None
    _text: io.TextIOWrapper | None = None
    _stdin: bool = False
    _rows: Iterator[RegisterRow] = field(default_factory=lambda: iter(()))

    def rows(self) -> Iterator[RegisterRow]:
        return self._rows

    def position(self) -> int | None:
        """About how many bytes have been read, for a progress bar."""
        try:
            return self._binary.tell() if self._binary is not None else None
        except (OSError, ValueError):
            return None

    def close(self) -> None:
        if self._text is None:
            return
        text, self._text = self._text, None
        if self._stdin:
            text.detach()  # stdin stays open for whoever reads it next
        else:
            text.close()

    def __enter__(self) -> Register:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def detect_format(path: str, given: str | None) -> Kind:
    if not path:
        raise InputError([Problem("an empty file name; give the register, or - for stdin")])
    if given in ("csv", "jsonl"):
        return given  # type: ignore[return-value]
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
    rules: Rules,
    input_format: str | None = None,
    ignore_columns: Sequence[str] = (),
    ignore_unknown: bool = False,
    ignore_others: bool = False,
) -> Register:
    """Open a register (``-`` for stdin) and read its header.

    ``ignore_columns`` names CSV columns to leave out; ``ignore_unknown`` and
    ``ignore_others`` leave out every column the pack does not name (the first
    because the user asked, the second because the command reads registers that
    carry many other columns). Either way the columns left out are listed in
    :attr:`Register.ignored`. Raises InputError when the file cannot be read as a
    register at all.
    """
    kind = detect_format(path, input_format)
    source = "<stdin>" if path == "-" else path
    binary, size = _open_binary(path, source)
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="surrogateescape", newline="")
    register = Register(
        source, kind, None, size=size, _binary=binary, _text=text, _stdin=path == "-"
    )
    try:
        _refuse_binary(binary, source)
        if kind == "jsonl":
            skip = {normalise_column(c) for c in ignore_columns}
            others = ignore_unknown or ignore_others
            register._rows = _json_rows(register, text, rules, skip, others)
        else:
            _read_header(register, text, rules, ignore_columns, ignore_unknown or ignore_others)
    except BaseException:
        register.close()
        raise
    return register


def normalise_column(name: str) -> str:
    """' Annual value ' -> annual_value: headers typed by people are forgiven."""
    return "_".join(name.strip().lower().replace("-", " ").split())


# -- opening ----------------------------------------------------------------------------


def _open_binary(path: str, source: str) -> tuple[IO[bytes], int | None]:
    if path == "-":
        if sys.stdin is None:
            raise InputError([Problem("stdin is closed; give a file name instead", source=source)])
        return sys.stdin.buffer, None
    try:
        if os.path.isdir(path):
            raise InputError([Problem("is a directory, not a register", source=source)])
        handle = open(path, "rb")  # noqa: SIM115 - closed by Register.close
    except FileNotFoundError:
        raise InputError([Problem("no such register file", source=source)]) from None
    except PermissionError:
        raise InputError(
            [Problem("cannot read this file: permission denied", source=source)]
        ) from None
    except OSError as exc:
        raise InputError(
            [Problem(f"cannot read this file: {exc.strerror or exc}", source=source)]
        ) from None
    try:
        found = os.fstat(handle.fileno())
        size = found.st_size if stat.S_ISREG(found.st_mode) else None
    except OSError:
        size = None
    return handle, size


def _refuse_binary(binary: IO[bytes], source: str) -> None:
    """A binary file (a workbook, /dev/zero) is refused at once, before any row is read.

    Only the first line is judged: a NUL further on is one bad row of a register,
    for the model to refuse, not a reason to refuse the whole file.
    """
    try:
        head = binary.peek(_SNIFF)[:_SNIFF]  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            [
                Problem(
                    "is UTF-16 text; save the register as UTF-8 (CSV UTF-8 in Excel)",
                    source=source,
                )
            ]
        )
    if b"\x00" in head.split(b"\n", 1)[0]:
        raise InputError(
            [
                Problem(
                    "is a binary file, not a register; give a CSV or JSON Lines file "
                    "(from a spreadsheet, save as CSV UTF-8)",
                    source=source,
                )
            ]
        )


# -- lines, each bounded --------------------------------------------------------------------


def _read_line(text: IO[str]) -> tuple[str, bool]:
    """The next physical line ("" at the end), and whether it was too long. Of a line over
    the limit only the first MAX_LINE characters are kept: the rest is read and dropped,
    a piece at a time, so a file without line ends cannot fill memory."""
    line = text.readline(MAX_LINE + 1)
    if len(line) <= MAX_LINE or line.endswith(("\n", "\r")):
        return line, False
    rest = line
    while rest and not rest.endswith(("\n", "\r")):
        rest = text.readline(MAX_LINE)
    return line[:MAX_LINE], True


class _CsvLines:
    """The lines of a CSV file as ``csv.reader`` takes them, keeping every row bounded.

    The row loop calls :meth:`next_row` after each row, so the lines read since then
    are that row's: where it starts, how long it is, whether it held bytes that were not
    UTF-8. A row that grows past MAX_LINE characters (a quoted cell of megabytes, a line
    without line ends) is not kept: from there on each line is handed over squeezed
    (:meth:`_squeezed`) to what the CSV grammar reads, so that ``csv.reader`` still
    finds where the row ends while holding next to nothing, and the row loop makes the
    row one error row.
    """

    def __init__(self, text: IO[str]) -> None:
        self.text = text
        self.number = 0  # physical lines read so far
        self.start = 1  # the line the current row starts on
        self.size = 0  # characters of the current row
        self.kept = 0  # characters of it handed to csv.reader squeezed
        self.fresh = True  # no line of the current row read yet
        self.too_long = False
        self.bad_bytes = False
        self.pending: str | None = None
        self.quoted = False  # the current row's first line holds a quote
        self.delimiter = ","
        # The current row's lines as read (while it is short enough to keep), and those
        # to be read again: the lines after a quote that never closes are rows again.
        self.row_lines: list[str] = []
        self.again: list[str] = []
        self.unclosed = False  # the file ended inside a quoted cell of the current row
        self.replayed = False  # lines are read again once per file at most: never quadratic

    def first(self) -> str:
        """The first line that is not blank ("" if none), read ahead for csv.reader."""
        line = " "
        while line and not line.strip():
            line = self._physical()
        self.pending = line
        return line

    def use_delimiter(self, delimiter: str) -> None:
        self.delimiter = delimiter

    def __iter__(self) -> _CsvLines:
        return self

    def __next__(self) -> str:
        if self.pending is not None:
            line, self.pending = self.pending, None
        else:
            line = self._physical()
        if not line:
            # csv.reader asks for a line within a row only inside a quoted cell.
            self.unclosed = not self.fresh
            raise StopIteration
        first = self.fresh
        if first:
            self.start, self.fresh = self.number, False
            self.quoted = '"' in line
        self.size += len(line)
        if self.size > MAX_LINE:
            self.too_long = True
        if self.too_long:
            self.row_lines = []
            line = self._squeezed(line, first)
            self.kept += len(line)
        else:
            self.row_lines.append(line)
        return line

    def _squeezed(self, line: str, first: bool) -> str:
        """The line as the CSV grammar reads it, without the text of its cells.

        csv.reader asks for another line of a row only inside a quoted cell, where
        everything up to the next quote is text: dropped. Then each run of text is
        shortened to its last character if that is a separator, else to one character
        (the grammar's state after a run depends on nothing else), and the line end
        dropped: csv.reader ends each line it is given as if it had one.
        """
        if not first:
            quote = line.find('"')
            line = line[quote:] if quote >= 0 else ""
        d = self.delimiter
        return _RUN.sub(lambda run: d if run.group().endswith(d) else "x", line.rstrip("\r\n"))

    def _physical(self) -> str:
        if self.again:
            self.number += 1
            line = self.again.pop()
            if not line.isascii() and _STAND_IN.search(line):
                self.bad_bytes = True
            return line
        line, too_long = _read_line(self.text)
        if line:
            self.number += 1
            self.too_long = self.too_long or too_long
            if not line.isascii() and _STAND_IN.search(line):
                self.bad_bytes = True
        return line

    def next_row(self) -> None:
        self.size = self.kept = 0
        self.fresh = True
        self.too_long = self.bad_bytes = self.unclosed = False
        self.row_lines.clear()

    def read_again_after_first(self) -> int:
        """Hand the current row's lines after its first to csv.reader again, numbered as
        before; how many. For a row whose quote never closes: those lines were read into
        it, but they are rows of their own."""
        rest = [] if self.replayed else self.row_lines[1:]
        self.replayed = True
        self.again = rest[::-1]  # popped from the end: the first line comes first
        self.number = self.start
        self.next_row()
        return len(rest)

    def drain(self) -> None:
        """Read to the end of the file, keeping nothing."""
        while self._physical():
            pass


# -- CSV --------------------------------------------------------------------------------


def _delimiter(header: str) -> str:
    """A comma, or what the header line is separated by instead: a semicolon (Excel in
    much of Europe) or a tab."""
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _read_header(
    register: Register,
    text: IO[str],
    rules: Rules,
    ignore: Sequence[str],
    ignore_unknown: bool,
) -> None:
    # A cell holds at most MAX_LINE characters read as they are, and the squeezed rest
    # of a row too long to keep (see _CsvLines); past twice that, the squeezed rest has
    # run on for MAX_LINE itself.
    csv.field_size_limit(2 * MAX_LINE)
    source = register.source
    lines = _CsvLines(text)
    first = lines.first()
    if not first:
        raise InputError(
            [Problem("is empty: a register needs a header row of field names", source=source)]
        )
    delimiter = "\t" if source.lower().endswith(".tsv") else _delimiter(first)
    lines.use_delimiter(delimiter)
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise InputError(
            [Problem(f"cannot read the header row: {exc}", source=source, line=lines.start)]
        ) from None
    if lines.unclosed:
        # Checked first: a quote that never closes is why such a header is also too long.
        message = "the header row opens a quote that is never closed (the file ends inside it)"
        raise InputError([Problem(f"{message}; close it", source=source, line=lines.start)])
    if lines.too_long:
        message = f"the header row is longer than {MAX_LINE:,} characters"
        raise InputError([Problem(message, source=source, line=lines.start)])
    if lines.bad_bytes:
        message = f"the header row {_not_utf8(header).problems[0].message}"
        raise InputError([Problem(message, source=source, line=lines.start)])
    _refuse_runaway_header(header, rules, source, lines.start, lines.number)
    register.fields, method_used, register.ignored = _columns(
        header, rules, ignore, ignore_unknown, source, lines.start
    )
    register.has_method_used = method_used is not None
    lines.next_row()
    register._rows = _csv_rows(source, reader, lines, method_used)


def _refuse_runaway_header(
    header: list[str], rules: Rules, source: str, start: int, end: int
) -> None:
    """A header cell wrapped over lines is fine when it names a field ("Annual\nvalue",
    as Excel's Alt+Enter writes it); one that names none may be a stray quote that took
    the rows after it into the header, where --ignore-unknown-columns would drop them
    without a word."""
    if end == start:
        return
    for i, raw in enumerate(header, 1):
        named = normalise_column(raw) in (*rules.fields, METHOD_USED)
        if not named and ("\n" in raw or "\r" in raw):
            message = (
                f"the header row runs on over lines {start} to {end} inside a quote, and "
                f"column {i} names no field; is a quote misplaced? give every column's "
                "name on the header's one line"
            )
            raise InputError([Problem(message, source=source, line=start)])


def _columns(
    header: list[str],
    rules: Rules,
    ignore: Sequence[str],
    ignore_unknown: bool,
    source: str,
    line: int,
) -> tuple[tuple[str | None, ...], int | None, list[str]]:
    """The field each column holds (None: left out), where method_used is, and the
    columns left out; InputError for a column the pack does not know or one repeated."""
    known = rules.fields
    skip = {normalise_column(c) for c in ignore}
    fields: list[str | None] = []
    ignored: list[str] = []
    method_used: int | None = None
    seen: dict[str, int] = {}
    problems: list[Problem] = []
    for i, raw in enumerate(header, 1):
        name = normalise_column(raw)
        if name in known or name == METHOD_USED:
            if name in seen:
                problems.append(
                    Problem(
                        f"column {i} repeats column {seen[name]} ({name!r}); "
                        "each field may be given once",
                        source=source,
                        line=line,
                    )
                )
            seen.setdefault(name, i)
        if name in known:
            fields.append(name)
            continue
        fields.append(None)
        if name == METHOD_USED:
            method_used = i - 1
        elif name in skip or ignore_unknown:
            ignored.append(raw.strip())
        else:
            problems.append(_unknown_column(i, raw, [*known, METHOD_USED], source, line))
    if problems:
        raise InputError(problems)
    return tuple(fields), method_used, ignored


def _unknown_column(i: int, raw: str, names: list[str], source: str, line: int) -> Problem:
    if not raw.strip():
        # A column with no name cannot be named to --ignore-column.
        what = f"column {i} has no name (leave it out with --ignore-unknown-columns)"
    else:
        close = difflib.get_close_matches(normalise_column(raw), names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        what = (
            f"column {i} ({quoted(raw.strip())}) is not a purchase field{hint} "
            f"(leave it out with --ignore-column {quoted(raw.strip())}, "
            "or --ignore-unknown-columns)"
        )
    return Problem(what, source=source, line=line)


def _csv_rows(
    source: str, reader: Any, lines: _CsvLines, method_used: int | None
) -> Iterator[RegisterRow]:
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            start = lines.start
            if lines.kept >= MAX_LINE:
                # Even squeezed, the row ran on past the limit (a cell of a million quotes):
                # where it ends cannot be told, so the rest of the file is taken as its own.
                lines.drain()
                yield RegisterRow(start, _too_long(source, start, multi_line=True), None)
                return
            if lines.too_long:
                yield RegisterRow(start, _too_long(source, start, lines.number > start), None)
            else:
                yield RegisterRow(start, _unreadable(f"cannot be read: {exc}", source, start), None)
            lines.next_row()
            continue
        start = lines.start
        if lines.too_long and lines.unclosed:
            # Too long to have been kept, its lines cannot be read again as rows: say
            # which lines went into it, so that no row is lost without a word.
            took = f"line {start}" if lines.number == start else f"lines {start} to {lines.number}"
            message = (
                f"opens a quote that is never closed, and runs past {MAX_LINE:,} characters: "
                f"{took} (the rest of the file) went into it, and none of it was routed; "
                "close the quote"
            )
            yield RegisterRow(start, _unreadable(message, source, start), None)
        elif lines.too_long:
            yield RegisterRow(start, _too_long(source, start, lines.number > start), None)
        elif lines.unclosed:
            message = "opens a quote that is never closed (the file ends inside it); close it"
            yield RegisterRow(start, _unreadable(message, source, start), None)
            lines.read_again_after_first()
            continue
        elif lines.bad_bytes:
            yield RegisterRow(start, _not_utf8(cells, source, start), None)
        elif len(cells) > 1 or (cells and (cells[0].strip() or lines.quoted)):
            # Not rows: an empty line (no cells) and a line of spaces. A quoted cell is a
            # row whatever it holds ("" or a line break), as the program that wrote it meant.
            used = None
            if method_used is not None and method_used < len(cells):
                used = cells[method_used]
            yield RegisterRow(start, cells, used)
        lines.next_row()


def _json_problem(exc: json.JSONDecodeError) -> str:
    """What json found wrong, with the column: some of its words end "... at", which its
    own message completes with the place."""
    if exc.msg.endswith(" at"):
        return f"{exc.msg} column {exc.colno}"
    return f"{exc.msg} (column {exc.colno})"


def _unreadable(message: str, source: str | None, line: int | None, text: str = "") -> Unreadable:
    return Unreadable((Problem(message, source=source, line=line),), text)


def _too_long(source: str, line: int, multi_line: bool) -> Unreadable:
    hint = " (a quoted cell runs on over many lines: is a closing quote missing?)"
    return _unreadable(
        f"is longer than {MAX_LINE:,} characters{hint if multi_line else ''}", source, line
    )


def _not_utf8(cells: list[str], source: str | None = None, line: int | None = None) -> Unreadable:
    """An error row for a row holding bytes that were not UTF-8, naming the first."""
    column, byte = next(
        (i, ord(found.group()) - 0xDC00)
        for i, cell in enumerate(cells, 1)
        if (found := _STAND_IN.search(cell))
    )
    shown = [
        c.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace") for c in cells
    ]
    return _unreadable(
        f"is not UTF-8 text (byte 0x{byte:02x} in column {column}); "
        "save the register as UTF-8 (CSV UTF-8 in Excel)",
        source,
        line,
        ",".join(shown),
    )


# -- JSON Lines ---------------------------------------------------------------------------


def _json_rows(
    register: Register, text: IO[str], rules: Rules, skip: set[str], others: bool
) -> Iterator[RegisterRow]:
    source = register.source
    number = 0
    while True:
        line, too_long = _read_line(text)
        if not line:
            return
        number += 1
        if too_long:
            yield RegisterRow(number, _too_long(source, number, multi_line=False), None)
            continue
        if not line.strip():
            continue
        if not line.isascii() and _STAND_IN.search(line):
            yield RegisterRow(number, _json_not_utf8(line, source, number), None)
            continue
        yield _json_row(line, number, source, rules, skip, others, register.ignored)


def _json_row(
    line: str,
    number: int,
    source: str,
    rules: Rules,
    skip: set[str],
    others: bool,
    ignored: list[str],
) -> RegisterRow:
    try:
        value = json.loads(
            line,
            object_pairs_hook=_no_duplicates,
            parse_int=str,
            parse_float=str,
            parse_constant=str,
        )
    except (ValueError, RecursionError) as exc:
        message = _json_problem(exc) if isinstance(exc, json.JSONDecodeError) else str(exc)
        return RegisterRow(
            number,
            _unreadable(f"is not valid JSON: {message}", source, number, line.rstrip("\r\n")),
            None,
        )
    if not isinstance(value, dict):
        return RegisterRow(
            number,
            _unreadable(
                "is not a JSON object of field: value", source, number, line.rstrip("\r\n")
            ),
            None,
        )
    used = value.pop(METHOD_USED, None)
    if skip or others:
        for key in [k for k in value if k not in rules.fields]:
            if others or normalise_column(key) in skip:
                del value[key]
                if key not in ignored and len(ignored) < 100:
                    ignored.append(key)
    if used is not None and not isinstance(used, str):
        used = json.dumps(used)
    return RegisterRow(number, value, used)


def _json_not_utf8(line: str, source: str, number: int) -> Unreadable:
    found = _STAND_IN.search(line)
    assert found is not None
    byte = ord(found.group()) - 0xDC00
    return _unreadable(
        f"is not UTF-8 text (byte 0x{byte:02x} at character {found.start() + 1}); "
        "save the register as UTF-8",
        source,
        number,
        line.rstrip("\r\n").encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"),
    )


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key!r} is given twice")
        out[key] = value
    return out
