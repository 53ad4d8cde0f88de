"""Routing many purchases as a stream: one decision (or row error) per row, in order.

:func:`route_many` is what ``commission batch`` and ``commission check`` are
built on. It keeps memory constant (nothing is held from one row to the next
but bounded caches) and is fast where registers repeat themselves: a row's
discrete cells (outcomes, sector, the flags...) are validated once per distinct
combination, money strings once per distinct string, and verdicts once per
distinct answer (see :mod:`engine`).

A row the fast path has not seen before, or cannot vouch for, goes through the
full :class:`Purchase` model, which also writes the error messages: the fast
path never decides that a row is wrong, only that it is right.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import count
from operator import itemgetter
from typing import Any, cast

from .caches import make_room, make_room_for_used
from .decision import Decision
from .engine import amount_classes, verdict, verdict_for
from .errors import InputError, Problem
from .loading import validate_purchase
from .money import MAX_MONEY, parse_money
from .purchase import Purchase
from .registers import UnreadableRow
from .rules import Rules
from .vocabulary import (
    MAX_TITLE,
    derive_values,
    field_defaults,
    field_names,
    read_years,
    required_fields,
)

# Bounds on every cache, so memory stays flat on any register: large enough for the
# variety of a real one (the benchmark's million rows have about 900 kinds of row and
# 14,000 kinds of answer, most of them once only). A limit the first ten thousand
# rows of a register do not reach is memory a long register takes and a short one
# does not: the benchmark holds the two within 10% of each other, and these sizes
# were chosen by measuring it (see README, Speed).
_CACHE_LIMIT = 512  # per column: distinct cells; lengths, words, sets of stated fields
_ONE = Decimal(1)
_SPECIAL = ("title", "annual_value", "total_value", "years")
_UNSEEN, _BAD, _BLANK = object(), object(), object()
_AMOUNTS = ("annual_value", "total_value", "years")
# The title, and which amounts a row stated, by the bits of `given` (see _Amounts).
_OWN_STATED = tuple(
    ("title", *(name for bit, name in enumerate(_AMOUNTS) if given >> bit & 1))
    for given in range(8)
)
# annual, total, years, and which of annual, total, years were given (bits 0, 1, 2)
_Amounts = tuple[Decimal, Decimal, Decimal, int]
_ENTRIES_LIMIT = 1024  # kinds of row (distinct discrete cells)
_VERDICTS_LIMIT = 1024  # answers, by kind of row and class of its amounts (the replay keeps more)


@dataclass(frozen=True, slots=True)
class RowError:
    """A row that could not be routed, with every problem in it and the row as read."""

    row: int
    problems: tuple[Problem, ...]
    data: Mapping[str, Any]

    def at_line(self, line: int) -> RowError:
        """The same error, with the file line its row starts on wherever none is known."""
        from dataclasses import replace

        problems = tuple(p if p.line is not None else replace(p, line=line) for p in self.problems)
        return replace(self, problems=problems)

    @property
    def message(self) -> str:
        """Every problem, field and message, on one line (no file or line: the row says)."""
        return "; ".join(str(Problem(p.message, field=p.field)) for p in self.problems)


def route_many(
    rows: Iterable[Mapping[str, Any] | Sequence[Any] | Purchase | UnreadableRow],
    rules: Rules,
    *,
    fields: Sequence[str | None] | None = None,
    source: str | None = None,
) -> Iterator[Decision | RowError]:
    """Route each row as it comes, yielding a Decision or a RowError for every row.

    A row is a mapping of field names to values (as from a JSON Lines file or a
    ``csv.DictReader``), a :class:`Purchase`, or, when ``fields`` names the
    columns, a sequence of values in that order (as from ``csv.reader``; a None
    in ``fields`` leaves that column out). Empty strings and None are "not
    stated". Rows are numbered from 1.
    """
    read = RowReader(rules, fields, source).read
    for number, row in enumerate(rows, 1):
        yield read(row, number)


@dataclass(slots=True)
class _Discrete:
    """The validated discrete part of a row, shared by every row with the same cells."""

    values: dict[str, Any]
    stated: frozenset[str]
    watched: tuple[Any, ...]
    serial: int  # names what the verdict reads of it, in the keys of remembered verdicts
    used: bool = False  # since the cache was last thinned (see caches.make_room_for_used)
    # What the JSON Lines writer made of `values`, kept with them for the batch's
    # replay, which writes it for every row of this kind (see render.rows.fields_json).
    json: bytes | None = None

    def take_used(self) -> bool:
        used, self.used = self.used, False
        return used


def _alike(values: dict[str, Any], stated: frozenset[str]) -> int:
    """What entries with equal values share, as a hash (equality is checked on use). A
    reader's values dicts all have the same keys in the same order (its defaults')."""
    return hash((stated, *values.values()))


class RowReader:
    """Validates rows into decisions, caching what registers repeat."""

    def __init__(
        self, rules: Rules, fields: Sequence[str | None] | None, source: str | None
    ) -> None:
        self.rules = rules
        self.source = source
        self.fields = list(fields) if fields is not None else None
        known = field_names()
        self.known = frozenset(known)
        self.discrete = [f for f in known if f not in _SPECIAL]
        defaults = field_defaults()
        self.defaults = {f: defaults[f] for f in self.discrete}
        self.required = required_fields() - set(_SPECIAL)
        self.discrete_cache: dict[tuple[Any, ...], _Discrete] = {}
        # The entries of discrete_cache by their values (see _entry), no others.
        self.alike: dict[int, _Discrete] = {}
        self.column_cache: dict[str, dict[tuple[type, Any], Any]] = {}
        self.years_cache: dict[str, tuple[Decimal, Decimal]] = {}
        # [the verdict, used since the memo was last thinned] of every row alike in its
        # entry's serial, which amounts it gave and their class (engine.amount_classes),
        # keyed as one int; within a near-threshold window, or for a pack that reads the
        # length, by (serial, given, length, annual place, total place) instead.
        self.verdicts: dict[Any, list[Any]] = {}
        # One serial per kind of entry, by what a verdict reads of it (watched values and
        # stated fields): kept apart from the entries, so that an entry dropped and made
        # again finds the verdicts it had, and entries alike in all a verdict reads share them.
        self.serials: dict[tuple[Any, ...], int] = {}
        self.next_serial = count(1)
        watched = rules.watched_fields
        self.years_at = watched.index("years") if "years" in watched else None
        self.shared_sets: dict[frozenset[str], frozenset[str]] = {}
        self.words: dict[str, str] = {}  # one copy of each word the columns hold
        self.cuts = rules.cut_points
        # Where an amount falls among the pack's amounts, as one number: bisect_left +
        # bisect_right is 2i between amounts i-1 and i, and 2i+1 equal to amount i.
        # The length matters only inside a near-threshold window (see engine.in_window).
        self.near_a = _near_table(rules.window_places["per_annum"], len(self.cuts))
        self.near_t = _near_table(rules.window_places["whole_life"], len(self.cuts))
        self.span = 2 * len(self.cuts) + 1
        self.classes = amount_classes(rules)
        self.class_count = max(self.classes) + 1
        if self.fields is not None:
            self.width = len(self.fields)
            named = [f for f in self.fields if f is not None]
            self.header_ok = set(named) <= self.known and len(set(named)) == len(named)
            present = [f for f in self.discrete if f in named]
            self.present = present
            index = {f: i for i, f in enumerate(self.fields) if f is not None}
            self.take_discrete = _getter([index[f] for f in present])
            special = [index.get(f) for f in _SPECIAL]
            self.take_special = _specials(special)

    def read(self, row: Any, number: int) -> Decision | RowError:
        """Row ``number`` of any kind :func:`route_many` takes, as its answer."""
        kind = type(row)
        try:
            # Exact type tests first: an isinstance against Mapping costs more than
            # routing a remembered row.
            if kind is list or kind is tuple:
                return self.read_cells(row, number)
            if kind is dict:
                return self.read_mapping(row, number)
            if isinstance(row, UnreadableRow):
                return RowError(number, row.problems, {"(line)": row.text} if row.text else {})
            if isinstance(row, Purchase):
                return Decision(row, verdict(row, self.rules))
            if isinstance(row, Mapping):
                return self.read_mapping(row, number)
            return self.read_cells(row, number)
        except InputError as exc:
            return RowError(number, tuple(exc.problems), self.as_mapping(row))

    # -- the two kinds of row ---------------------------------------------------------
    def read_cells(self, row: Sequence[Any], number: int) -> Decision:
        """A row of cells in the order of ``fields`` (a CSV row).

        The path every row of a register takes, so it is written out in one piece:
        a row whose discrete cells, title and amounts are all plainly good, and
        whose verdict has been worked out before for the same cells and the same
        places among the pack's amounts, is answered from the caches.
        """
        if self.fields is None:
            raise TypeError("rows that are sequences need `fields` naming their columns")
        if len(row) != self.width:
            raise InputError(
                [
                    Problem(
                        f"has {len(row)} cells where the header has {self.width}; "
                        "nothing in it was read",
                        source=self.source,
                    )
                ]
            )
        if not self.header_ok:
            return self._slow(self.as_mapping(row), number)
        raw = self.take_discrete(row)
        try:
            entry = self.discrete_cache.get(raw)
        except TypeError:  # an unhashable value (a list where a word belongs): the slow way
            return self._slow(self.as_mapping(row), number)
        if entry is None:
            entry = self._by_column(raw, self.present)
            if entry is None:  # a cell the model refuses, or a required field missing
                return self._slow(self.as_mapping(row), number, quick=False)
        else:
            entry.used = True
        title, annual, total, years = self.take_special(row)
        amounts = self._plain_amounts(title, annual, total, years)
        if amounts is None:
            return self._slow(self.as_mapping(row), number, quick=_spaced_title(title))
        return self._decision(entry, title, *amounts)

    def read_mapping(self, row: Mapping[str, Any], number: int) -> Decision:
        """A row as a mapping of field names to values (a JSON Lines row)."""
        if not row.keys() <= self.known:
            return self._slow(row, number)
        values = tuple(map(row.get, self.discrete))
        # JSON values are typed: 1 == True == 1.0 as keys, yet they validate differently.
        raw = (*values, *map(type, values))
        try:
            entry = self.discrete_cache.get(raw)
        except TypeError:
            return self._slow(row, number)
        if entry is None:
            entry = self._by_column(raw, self.discrete)
            if entry is None:
                return self._slow(row, number, quick=False)
        else:
            entry.used = True
        title = row.get("title")
        amounts = self._plain_amounts(
            title, row.get("annual_value"), row.get("total_value"), row.get("years")
        )
        if amounts is None:
            return self._slow(row, number, quick=_spaced_title(title))
        return self._decision(entry, cast(str, title), *amounts)

    def as_mapping(self, row: Any) -> Mapping[str, Any]:
        if isinstance(row, Mapping):
            return row
        if isinstance(row, Purchase):
            return row.echo()
        names = self.fields or []
        out = {name: value for name, value in zip(names, row, strict=False) if name is not None}
        for i, value in enumerate(row[len(names) :], len(names) + 1):
            out[f"(extra cell {i})"] = value
        return out

    # -- fast and slow paths ----------------------------------------------------------
    def _plain_amounts(self, title: Any, annual: Any, total: Any, years: Any) -> _Amounts | None:
        """(annual, total, years, which were given) as the model reads them, when the
        title and amounts are plainly good; None sends the row the slow way."""
        if not plain_title(title):
            return None
        try:
            if years is None or years == "":
                y, factor = _ONE, _ONE
                given = 0
            else:
                found = self.years_cache.get(years) if type(years) is str else None
                y, factor = found if found is not None else self._years(years)
                given = 4
            if annual is None or annual == "":
                a = None
            elif type(annual) is str and annual.isdigit() and annual.isascii():
                a = Decimal(annual)  # the commonest shape by far: whole pounds
                if not a or a > MAX_MONEY:
                    return None
            else:
                a = parse_money(annual)
            if total is None or total == "":
                if a is None:
                    return None
                t = a * factor
                if t > MAX_MONEY:
                    return None
                return a, t, y, given | 1
            t = parse_money(total)
            if a is None:
                return t / factor, t, y, given | 2
            a, t = derive_values(a, t, y)
            return a, t, y, given | 3
        except Exception:
            return None

    def _decision(
        self, entry: _Discrete, title: str, a: Decimal, t: Decimal, y: Decimal, given: int
    ) -> Decision:
        cuts = self.cuts
        at_a = bisect_left(cuts, a) + bisect_right(cuts, a)
        at_t = bisect_left(cuts, t) + bisect_right(cuts, t)
        if self.near_a[at_a] or self.near_t[at_t] or self.years_at is not None:
            key: Any = (entry.serial, given, y, at_a, at_t)
        else:
            # One int: smaller than a tuple, and a million rows want many of these kept.
            key = (entry.serial * 8 + given) * self.class_count + self.classes[
                at_a * self.span + at_t
            ]
        found = self.verdicts.get(key)
        if found is not None:
            found[1] = True
        else:
            values = {"title": title, "annual_value": a, "total_value": t, "years": y}
            values.update(entry.values)
            stated = entry.stated.union(_OWN_STATED[given])
            watched = entry.watched
            if self.years_at is not None:
                # This pack's conditions test the length itself.
                i = self.years_at
                watched = (*watched[:i], y if given & 4 else None, *watched[i + 1 :])
            found = [verdict_for(values, stated, watched, self.rules, whole=False), False]
            make_room_for_used(self.verdicts, _VERDICTS_LIMIT)
            self.verdicts[key] = found
        return Decision.of_row(
            found[0], (title, a, t, y), _OWN_STATED[given], entry.values, entry.stated
        )

    def _years(self, value: Any) -> tuple[Decimal, Decimal]:
        """The length, and the factor from annual to whole-life value (at least 1)."""
        years = read_years(value)
        found = (years, max(years, _ONE))
        if type(value) is str and len(self.years_cache) < _CACHE_LIMIT:
            self.years_cache[value] = found
        return found

    def _by_column(self, raw: tuple[Any, ...], names: Sequence[str]) -> _Discrete | None:
        """The discrete part of a row from its cells one by one, each cell checked once
        per distinct value by the model itself; None when any cell is not plainly good."""
        values = dict(self.defaults)
        stated: set[str] = set()
        for name, cell in zip(names, raw, strict=False):
            if cell is None or cell == "":
                continue
            key = (type(cell), cell)
            column = self.column_cache.setdefault(name, {})
            value = column.get(key, _UNSEEN)
            if value is _UNSEEN:
                value = self._check_cell(name, cell)
                make_room(column, _CACHE_LIMIT)
                column[key] = value
                if type(cell) is str:
                    make_room(self.words, _CACHE_LIMIT)
                    self.words[cell] = cell
            if value is _BAD:
                return None
            if value is not _BLANK:
                values[name] = value
                stated.add(name)
        if not self.required <= stated:
            return None
        if len(self.discrete_cache) >= _ENTRIES_LIMIT:
            make_room_for_used(self.discrete_cache, _ENTRIES_LIMIT, _Discrete.take_used)
            # Only an entry still in the cache is shared: nothing is kept alive for this.
            self.alike = {_alike(e.values, e.stated): e for e in self.discrete_cache.values()}
        entry = self._entry(values, self._one_set(frozenset(stated)))
        # Kept with the words of the columns' own cache rather than this row's copies:
        # a remembered row then costs its tuple, not its text again.
        self.discrete_cache[tuple(self.words.get(c, c) for c in raw)] = entry
        return entry

    def _one_set(self, stated: frozenset[str]) -> frozenset[str]:
        """One object for equal sets of stated fields (many kinds of row state the same)."""
        found = self.shared_sets.get(stated)
        if found is None:
            make_room(self.shared_sets, _CACHE_LIMIT)
            found = self.shared_sets[stated] = stated
        return found

    def _check_cell(self, name: str, cell: Any) -> Any:
        """One cell as the model reads it: its value, _BLANK (not stated) or _BAD."""
        probe = {"title": "cell", "annual_value": 1, "outcomes": "certain", name: cell}
        try:
            purchase = Purchase.model_validate(probe)
        except Exception:
            return _BAD
        return purchase.__dict__[name] if name in purchase.model_fields_set else _BLANK

    def _entry(self, values: dict[str, Any], stated: frozenset[str]) -> _Discrete:
        """The entry for these values: the one already made for equal values if there is
        one. Cells written differently often mean the same (yes, Yes, true), and what an
        entry holds (its values, what the verdict reads, the JSON of its fields) is then
        kept once for them all, not once per spelling."""
        # Hashable: a row with an unhashable cell goes the slow way before this.
        key = _alike(values, stated)
        same = self.alike.get(key)
        if same is not None and same.stated == stated and same.values == values:
            return same
        # The length, when a condition reads it, is filled in row by row (see _decision).
        watched = tuple(values.get(f) if f in stated else None for f in self.rules.watched_fields)
        kind = (watched, stated)
        serial = self.serials.get(kind)
        if serial is None:
            make_room(self.serials, _VERDICTS_LIMIT)
            serial = self.serials[kind] = next(self.next_serial)
        entry = _Discrete(values, stated, watched, serial)
        if same is None:  # else a different entry with the same hash keeps the place
            self.alike[key] = entry
        return entry

    def _slow(self, data: Mapping[str, Any], number: int, quick: bool = True) -> Decision:
        """The whole model's reading of a row, with its messages. ``quick=False`` for a
        row the fast path has found the model would refuse: the quick reader, which
        accepts nothing the model refuses, would only fail again (see quick_values)."""
        purchase = validate_purchase(data, source=self.source or f"row {number}", quick=quick)
        return Decision(purchase, verdict(purchase, self.rules))


def plain_title(title: Any) -> bool:
    """Whether the model would take this title as it is (the fast paths' test)."""
    return (
        type(title) is str
        and 0 < len(title) <= MAX_TITLE
        and not title[0].isspace()
        and not title[-1].isspace()
    )


def _spaced_title(title: Any) -> bool:
    """Whether a row the fast path turned away may yet pass the quick reader: only one
    whose title is plain but for spaces about it (which the model strips)."""
    return type(title) is str and not plain_title(title) and plain_title(title.strip())


def _near_table(windows: frozenset[tuple[int, int]], cuts: int) -> list[bool]:
    """For each place an amount can take among ``cuts`` amounts (see RowReader), whether
    it lies in one of the near-threshold ``windows`` of (bisect_left, bisect_right)."""
    table = [False] * (2 * cuts + 1)
    for left, right in windows:
        table[left + right] = True
    return table


def _specials(indexes: list[int | None]) -> Callable[[Sequence[Any]], tuple[Any, Any, Any, Any]]:
    """Title, annual and total values and years from a row (None for a missing column)."""
    if None not in indexes:
        return cast(Callable[[Sequence[Any]], tuple[Any, Any, Any, Any]], itemgetter(*indexes))

    def take(row: Sequence[Any]) -> tuple[Any, Any, Any, Any]:
        a, b, c, d = (None if i is None else row[i] for i in indexes)
        return a, b, c, d

    return take


def _getter(indexes: list[int]) -> Any:
    """itemgetter that always returns a tuple, even for zero or one index."""
    if not indexes:
        return lambda row: ()
    if len(indexes) == 1:
        i = indexes[0]
        return lambda row: (row[i],)
    return itemgetter(*indexes)


__all__ = ["RowError", "route_many"]
