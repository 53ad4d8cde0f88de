"""The batch's loop: every row answered by route_many's row reader, or by the bytes
already written for an earlier row alike in everything its answer reads.

A register repeats itself: most of its rows are of a kind seen before, with amounts
in the same class (see :func:`engine.amount_classes`). route_many's reader already
remembers their verdicts, but building a Decision for each and writing it out
costs several times what reading the row does. The replay remembers instead what
the writer made of an answer (a CSV row's columns after the title in two pieces,
or the pieces of a JSON Lines answer after the purchase), keyed as the reader
keys its verdicts, and writes a row it can vouch for with no Decision at all.

It vouches only for what it has seen the reader confirm. It reads amounts itself,
as whole pence and only in the plain shapes most registers use (45000, £45,000,
45k, 1.2m, 45000.50); an answer is remembered only after the reader routed a row
to it and found the same amounts; and the title must pass the reader's own test.
Every other row goes to the reader, which is route_many's, so the output is the
same either way (tests/test_replay.py holds this, row by row).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any

from .batch import RowError, RowReader, plain_title
from .caches import make_room
from .decision import Decision
from .money import MAX_MONEY
from .render.rows import (
    CSV_LINE,
    CsvWriter,
    JsonlWriter,
    csv_cell,
    number_text,
    one_line,
)
from .rules import Rules
from .vocabulary import MAX_TITLE, read_years

_MAX_PENCE = int(MAX_MONEY * 100)
# Chosen by measuring memory (README, Speed). A remembered answer costs its key and a
# slot (under 100 bytes): what the writer made of it is kept once in `made`, however
# many kinds of row share it; `made` is emptied with the answers when it fills.
# 10,922 is the most a dict holds before its table doubles to 32,768 slots: 16,384
# answers were 5% faster, and put a million rows' peak memory at 1.10 times ten
# thousand rows'.
_ANSWERS_LIMIT = 10922
_MADE_LIMIT = 2048
_YEARS_LIMIT = 512
_SCALES = {"": 100, "k": 100_000, "K": 100_000, "m": 100_000_000, "M": 100_000_000}
_PLAIN_MONEY = re.compile(
    r"£?(?:(\d{1,3}(?:,\d{3})+)|(\d+))(?:\.(\d+))?([kKmM]?)", re.ASCII
).fullmatch


class Tally:
    """What a batch wrote: rows, rows by method id ("" for no route), error rows."""

    def __init__(self) -> None:
        self.rows = 0
        self.methods: Counter[str] = Counter()
        self.errors = 0


# How a row's amount places it, for one length and one of the two amounts given: the
# marks between which an amount in pence keeps the same place among the pack's amounts
# (its own, and that of the amount derived from it), the code of each stretch
# (see Replay._scale) and the largest amount the model takes.
_Scale = tuple[list[float], list[int], int]
# A length in years as the replay uses it: which bit of `given` it sets (4, or 0 when
# not stated), the factor from annual to whole-life value, the length, the length as
# JSON, and the scales for an annual and for a total value.
_Length = tuple[int, int, Decimal, str, _Scale, _Scale]


class Replay:
    """Writes an answer for every row of a register, in order, through ``writer``."""

    def __init__(
        self,
        rules: Rules,
        fields: list[str | None] | None,
        source: str | None,
        writer: CsvWriter | JsonlWriter,
        line: Callable[[], int | None] = lambda: None,
    ) -> None:
        """``line()`` is the file line the row just read starts on, for error rows."""
        self.reader = reader = RowReader(rules, fields, source)
        self.writer = writer
        self.line = line
        self.csv = isinstance(writer, CsvWriter)
        self.tally = Tally()
        ids = ["", *(m.spec.id for m in rules.methods)]
        self.ids = ids
        self.index = {method: i for i, method in enumerate(ids)}
        self.counts = [0] * len(ids)
        # The place in `made` of the answer, keyed by the kind of row and the code of its
        # amounts' places (see _scale), as one int.
        self.answers: dict[Any, int] = {}
        # (what the writer made of an answer, the index of its method id), once each,
        # and found by itself: a CSV writer's two pieces of bytes, or the JSON Lines
        # writer's pieces (as one tuple) and None. The pieces are shared, not copied.
        self.made: list[tuple[Any, Any, int]] = []
        self.made_at: dict[Any, int] = {}
        self.lengths: dict[Any, _Length | None] = {}
        # Codes past the classes' (given × classes + class), one per near-threshold
        # window place seen (see _scale); all below the stride, so that a key is one int.
        self.windows: dict[tuple[Any, ...], int] = {}
        self.windows_per_length = 2 * (4 * len(reader.cuts) + 2)  # two scales' stretches
        self.window_cap = max(1 << 16, 4 * self.windows_per_length)
        self.stride = 8 * reader.class_count + self.window_cap
        pence = [c * 100 for c in reader.cuts]
        self.pence = [int(p) for p in pence]
        self.usable = fields is not None and reader.header_ok and all(p == int(p) for p in pence)

    def run(
        self,
        rows: Iterable[Any],
        tick: Callable[[int], None] | None = None,
        first: int = 1,
        drain: Callable[[list[bytes]], None] | None = None,
    ) -> Tally:
        """Answer every row, numbering them from ``first``; ``tick(the last number)`` is
        called every 1,024 rows.

        What is written is gathered as the pieces it is made of (the shared pieces of
        an answer are not copied into each line) and handed every 1,024 rows, and at
        the end, to ``drain``; by default, written to the writer's output in one go.
        """
        out = self.writer.out
        pieces: list[bytes] = []
        gathered = _Gathered(pieces)
        if drain is None:
            drain = _drain_into(out)
        self.writer.out = gathered  # type: ignore[assignment]
        try:
            return self._run(rows, tick, first, pieces, drain)
        finally:
            self.writer.out = out

    def _run(
        self,
        rows: Iterable[Any],
        tick: Callable[[int], None] | None,
        first: int,
        pieces: list[bytes],
        drain: Callable[[list[bytes]], None],
    ) -> Tally:
        reader = self.reader
        read = reader.read
        answers_get = self.answers.get
        stride = self.stride
        made = self.made
        lengths_get = self.lengths.get
        counts = self.counts
        write = pieces.append
        writelines = pieces.extend
        usable = self.usable
        entries_get = reader.discrete_cache.get
        width = reader.width if usable else -1
        take_discrete = reader.take_discrete if usable else None
        take_special = reader.take_special if usable else None
        csv_out = self.csv
        number = first - 1
        try:
            for row in rows:
                number += 1
                if not number & 0x3FF:
                    try:
                        drain(pieces)
                    finally:
                        pieces.clear()  # written, or failed: never written twice
                    if tick is not None:
                        tick(number)
                if type(row) is list and len(row) == width:
                    # The hot path, written out in one piece: _key says the same.
                    entry = entries_get(take_discrete(row))  # type: ignore[misc]
                    if entry is not None:
                        title, annual, total, years = take_special(row)  # type: ignore[misc]
                        length = lengths_get(years)
                        if length is None and years not in self.lengths:
                            length = self._length(years)
                        if (
                            length is not None
                            and title
                            and len(title) <= MAX_TITLE
                            and not title[0].isspace()
                            and not title[-1].isspace()
                        ):
                            if annual and not total:
                                scale, cell = length[4], annual
                            elif total and not annual:
                                scale, cell = length[5], total
                            else:
                                cell = ""  # both or neither given: the reader's (_pence is 0)
                            # Whole pounds in plain digits, the commonest shape, without the regex.
                            plain = cell.isdigit() and cell.isascii()
                            x = int(cell) * 100 if plain else _pence(cell)
                            if 0 < x <= scale[2]:
                                code = scale[1][bisect_right(scale[0], x)]
                                answer = answers_get(entry.serial * stride + code)
                                if answer is not None:
                                    entry.used = True
                                    tail, more, method = made[answer]
                                    counts[method] += 1
                                    if csv_out:
                                        write(
                                            CSV_LINE
                                            % (number, csv_cell(title).encode(), tail, more)
                                        )
                                    else:
                                        # The amounts as json.dumps writes the reader's
                                        # Decimals: whole pounds as an int, else the float
                                        # (x / 100 is correctly rounded, as float(Decimal) is).
                                        factor = length[1]
                                        if annual or factor == 1:
                                            a = x // 100 if not x % 100 else x / 100
                                            if factor == 1:  # a year or less: one amount
                                                t = a
                                            else:
                                                y = x * factor
                                                t = y // 100 if not y % 100 else y / 100
                                        else:  # the annual value the reader derives
                                            a = _annual_of(x, factor)
                                            t = x // 100 if not x % 100 else x / 100
                                        text = encode_basestring(title)
                                        if not text.isascii():
                                            text = one_line(text)
                                        # render.rows.jsonl_head, inline.
                                        write(
                                            f'{{"row": {number}, "purchase": {{"title": {text}, '
                                            f'"annual_value": {a}, "total_value": {t}, '
                                            f'"years": {length[3]}, '.encode()
                                        )
                                        write(entry.json or self._fields_json(entry))
                                        writelines(tail)
                                    continue
                item = read(row, number)
                self._write(number, item)
                if isinstance(item, Decision) and type(row) is list and len(row) == width:
                    self._remember(row, item)
        finally:
            # What was made is written, even when interrupted: every row counted, once.
            try:
                if pieces:
                    drain(pieces)
            finally:
                pieces.clear()
            self.tally.rows = number - first + 1
            self.tally.methods.update(
                {method: n for method, n in zip(self.ids, counts, strict=True) if n}
            )
            counts[:] = [0] * len(counts)
        return self.tally

    def _write(self, number: int, item: Decision | RowError) -> None:
        if isinstance(item, RowError):
            self.tally.errors += 1
            line = self.line()
            self.writer.error(item.at_line(line) if line else item)
        else:
            method = item.verdict.method
            self.counts[self.index[method.id if method else ""]] += 1
            self.writer.decision(number, item)

    def _key(self, row: list[Any]) -> tuple[Any, Any, int, Any, _Length] | None:
        """(key, entry, amount in pence, annual cell, length) of a row the replay can
        place (as the hot path in run does); None for any other row."""
        assert self.reader.take_discrete is not None and self.reader.take_special is not None
        entry = self.reader.discrete_cache.get(self.reader.take_discrete(row))
        if entry is None:
            return None
        title, annual, total, years = self.reader.take_special(row)
        length = self.lengths[years] if years in self.lengths else self._length(years)
        if length is None or not plain_title(title):
            return None
        if annual and not total:
            scale, x = length[4], _pence(annual)
        elif total and not annual:
            scale, x = length[5], _pence(total)
        else:
            return None
        if not 0 < x <= scale[2]:
            return None
        code = scale[1][bisect_right(scale[0], x)]
        key = entry.serial * self.stride + code
        return key, entry, x, annual, length

    def _remember(self, row: list[Any], decision: Decision) -> None:
        """Remember what the writer made of this answer, for rows alike in what it reads,
        once the reader's amounts are seen to equal the replay's."""
        found = self._key(row)
        if found is None:
            return
        key, _, x, annual, length = found
        (_, their_a, their_t, _), _ = decision.parts()
        if (
            (their_a * 100 != x or their_t * 100 != x * length[1])
            if annual
            else (their_t * 100 != x)
        ):
            return
        v = decision.verdict
        writer = self.writer
        tail = writer.tail_of(v) if isinstance(writer, CsvWriter) else (writer.tail_of(v), None)
        # One tuple is both the entry and its key (the method follows from the bytes).
        made = (*tail, self.index[v.method.id if v.method else ""])
        at = self.made_at.get(made)
        if at is None:
            if len(self.made) >= _MADE_LIMIT:
                # The answers name places in `made`: the two are forgotten together.
                self.made.clear()
                self.made_at.clear()
                self.answers.clear()
            at = self.made_at[made] = len(self.made)
            self.made.append(made)
        make_room(self.answers, _ANSWERS_LIMIT)
        self.answers[key] = at

    def _length(self, cell: Any) -> _Length | None:
        if len(self.windows) > self.window_cap - self.windows_per_length:
            # Numbered afresh, before this length's scales take any: every code given so
            # far goes out of use, with the lengths and answers that hold them.
            self.windows.clear()
            self.lengths.clear()
            self.answers.clear()
        found: _Length | None = None
        if cell is None or cell == "":
            found = self._scales(0, 1, Decimal(1))
        else:
            try:
                y = read_years(cell)
            except ValueError:
                y = None
            factor = max(y, Decimal(1)) if y is not None else None
            if y is not None and factor is not None and factor == int(factor):
                found = self._scales(4, int(factor), y)
            # else refused, or a factor the replay cannot keep in whole pence: the reader's
        make_room(self.lengths, _YEARS_LIMIT)
        self.lengths[cell] = found
        return found

    def _scales(self, given: int, factor: int, y: Decimal) -> _Length:
        by_annual = self._scale(given | 1, factor, y, _MAX_PENCE // factor)
        by_total = self._scale(given | 2, factor, y, _MAX_PENCE)
        return given, factor, y, number_text(y), by_annual, by_total

    def _scale(self, given: int, factor: int, y: Decimal, limit: int) -> _Scale:
        """Where an amount of pence (annual or total, by ``given``) changes its place or
        that of the amount derived from it, and the code for each stretch between:
        given × classes + the class of the two places; or, inside a near-threshold
        window (or for a pack that reads the length), where the verdict reads the
        length and both places themselves, the code of (given, length, place, place)."""
        reader, pence = self.reader, self.pence
        if given & 1:  # annual: its own place, and the total's (annual × factor)
            edges = {e for p in pence for e in (p, p + 1, -(-p // factor), p // factor + 1)}
        else:  # total: its own place, and the annual's (total ÷ factor)
            edges = {e for p in pence for e in (p, p + 1, p * factor, p * factor + 1)}
        # Every amount between two edges (whole pence) has the same two places.
        starts = sorted(edges)
        marks = [e - 0.5 for e in starts]
        codes = []
        for x in [starts[0] - 1, *starts]:
            if given & 1:
                at_a, at_t = _place(pence, x), _place(pence, x * factor)
            else:
                at_a, at_t = _place([p * factor for p in pence], x), _place(pence, x)
            window = reader.near_a[at_a] or reader.near_t[at_t] or reader.years_at is not None
            cls = reader.classes[at_a * reader.span + at_t]
            codes.append(
                self._window(given, y, at_a, at_t) if window else given * reader.class_count + cls
            )
        return marks, codes, limit

    def _window(self, *place: Any) -> int:
        """The code of a place inside a near-threshold window: (given, length, place of
        the annual value, place of the total), numbered past the classes' codes."""
        code = self.windows.get(place)
        if code is None:
            code = self.windows[place] = 8 * self.reader.class_count + len(self.windows)
        return code

    def _fields_json(self, entry: Any) -> bytes:
        assert isinstance(self.writer, JsonlWriter)
        made: bytes = self.writer.fields_json(entry.values)
        entry.json = made
        return made


class _Gathered:
    """Stands in for the writer's output during a run: keeps what is written, in order."""

    def __init__(self, pieces: list[bytes]) -> None:
        self.write = pieces.append
        self.writelines = pieces.extend


def _drain_into(out: Any) -> Callable[[list[bytes]], None]:
    def drain(pieces: list[bytes]) -> None:
        out.write(b"".join(pieces))

    return drain


def _annual_of(pence: int, factor: int) -> int | float:
    """The annual value of a total (in pence) over ``factor`` years, as json.dumps writes
    the one the reader derives (``Decimal(total) / factor``): a whole number of pounds
    as an int, else the float nearest the exact quotient.

    The reader's Decimal is the quotient rounded to 28 digits (a relative error under
    2**-90). That cannot carry it across a point halfway between two floats: with the
    divisor at most 100 × 100, a quotient not on such a point is at least 2**-67 of
    its value away from it, and a quotient on one has at most 26 digits, held exactly.
    So float() of the Decimal is the float nearest the exact quotient, as int / int is.
    """
    whole, part = divmod(pence, 100 * factor)
    return whole if not part else pence / (100 * factor)


def _place(pence: list[int], x: int) -> int:
    """Where x falls among the amounts, as the reader counts it (bisect_left + right)."""
    return bisect_left(pence, x) + bisect_right(pence, x)


def _pence(text: str) -> int:
    """A sum of money as whole pence, for the shapes money.parse_money reads the same
    way: ASCII digits, with a leading £, thousands commas, a point and pence, a k or
    m; 0 for anything else."""
    found = _PLAIN_MONEY(text)
    if found is None:
        return 0
    grouped, whole, rest, suffix = found.groups()
    scale = _SCALES[suffix]
    if grouped is not None:
        whole = grouped.replace(",", "")
    if rest is None:
        return int(whole) * scale
    pence, left = divmod(int(whole + rest) * scale, 10 ** len(rest))
    return 0 if left else pence  # part of a penny: the reader's to judge


__all__ = ["Replay", "Tally"]
