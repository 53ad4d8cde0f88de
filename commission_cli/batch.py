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
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from typing import Any, cast

from .decision import Decision
from .engine import verdict, verdict_for
from .errors import InputError, Problem
from .loading import validate_purchase
from .money import decimal_from_number, parse_money
from .purchase import MAX_TITLE, MAX_YEARS, Purchase, derive_values, field_names
from .registers import UnreadableRow
from .rules import Rules

_CACHE_LIMIT = 512  # entries per cache: bounded, so memory stays flat on any register
_ONE = Decimal(1)
_SPECIAL = ("title", "annual_value", "total_value", "years")
_UNSEEN, _BAD, _BLANK = object(), object(), object()
_AMOUNTS = ("annual_value", "total_value", "years")
# annual, total, years, and which of annual, total, years were given (bits 0, 1, 2)
_Amounts = tuple[Decimal, Decimal, Decimal, int]
_VERDICTS_LIMIT = 4096  # verdicts remembered by entries, all together


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
    reader = RowReader(rules, fields, source)
    for number, row in enumerate(rows, 1):
        kind = type(row)
        try:
            # Exact type tests first: an isinstance against Mapping costs more than
            # routing a remembered row.
            if kind is list or kind is tuple:
                yield reader.read_cells(row, number)  # type: ignore[arg-type]
            elif kind is dict:
                yield reader.read_mapping(row, number)  # type: ignore[arg-type]
            elif isinstance(row, UnreadableRow):
                yield RowError(number, row.problems, {"(line)": row.text} if row.text else {})
            elif isinstance(row, Purchase):
                yield Decision(row, verdict(row, rules))
            elif isinstance(row, Mapping):
                yield reader.read_mapping(row, number)
            else:
                yield reader.read_cells(row, number)
        except InputError as exc:
            yield RowError(number, tuple(exc.problems), reader.as_mapping(row))


@dataclass(slots=True)
class _Discrete:
    """The validated discrete part of a row, shared by every row with the same cells,
    with the verdicts such rows have had (by where their amounts fall)."""

    values: dict[str, Any]
    stated: frozenset[str]
    watched: tuple[Any, ...]
    verdicts: dict[tuple[Any, ...], Any] = field(default_factory=dict)


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
        self.defaults = {f: Purchase.model_fields[f].default for f in self.discrete}
        self.required = {f for f in self.discrete if Purchase.model_fields[f].is_required()}
        self.discrete_cache: dict[tuple[Any, ...], _Discrete] = {}
        self.column_cache: dict[str, dict[tuple[type, Any], Any]] = {}
        self.years_cache: dict[str, Decimal] = {}
        fields = rules.watched_fields
        self.years_at = fields.index("years") if "years" in fields else None
        self.stated_sets: dict[tuple[frozenset[str], int], frozenset[str]] = {}
        self.remembered = 0
        self.cuts = rules.cut_points
        self.windows_a = rules.window_places["per_annum"]
        self.windows_t = rules.window_places["whole_life"]
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

    # -- the two kinds of row ---------------------------------------------------------
    def read_cells(self, row: Sequence[Any], number: int) -> Decision:
        """A row of cells in the order of ``fields`` (a CSV row)."""
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
        return self._fast(
            self.take_discrete(row), self.present, *self.take_special(row), row, number
        )

    def read_mapping(self, row: Mapping[str, Any], number: int) -> Decision:
        """A row as a mapping of field names to values (a JSON Lines row)."""
        if not row.keys() <= self.known:
            return self._slow(row, number)
        values = tuple(map(row.get, self.discrete))
        # JSON values are typed: 1 == True == 1.0 as keys, yet they validate differently.
        raw = (*values, *map(type, values))
        return self._fast(
            raw,
            self.discrete,
            row.get("title"),
            row.get("annual_value"),
            row.get("total_value"),
            row.get("years"),
            row,
            number,
        )

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
    def _fast(
        self,
        raw: tuple[Any, ...],
        names: Sequence[str],
        title: Any,
        annual: Any,
        total: Any,
        years: Any,
        row: Any,
        number: int,
    ) -> Decision:
        try:
            entry = self.discrete_cache.get(raw)
        except TypeError:  # an unhashable value (a list where a word belongs): the slow way
            return self._slow(self.as_mapping(row), number)
        if entry is None:
            entry = self._by_column(raw, names)
            if entry is None:
                return self._slow(self.as_mapping(row), number)
        # Title, money and length as the model reads them; anything unusual goes the slow way.
        if (
            type(title) is not str
            or not title
            or len(title) > MAX_TITLE
            or title[0].isspace()
            or title[-1].isspace()
        ):
            return self._slow(self.as_mapping(row), number)
        amounts = self._amounts(annual, total, years)
        if amounts is None:
            return self._slow(self.as_mapping(row), number)
        a, t, y, given = amounts
        cuts = self.cuts
        # Everything decision_key reads beyond the discrete fields, so that a verdict
        # this entry has had before is found without asking the engine.
        places = (
            bisect_left(cuts, a),
            bisect_right(cuts, a),
            bisect_left(cuts, t),
            bisect_right(cuts, t),
        )
        # The length matters only inside a near-threshold window (see engine.in_window).
        near = (places[0], places[1]) in self.windows_a or (places[2], places[3]) in self.windows_t
        watched = entry.watched
        if self.years_at is not None:
            # This pack's conditions test the length itself: it is part of every key.
            i = self.years_at
            watched = (*watched[:i], y if given & 4 else None, *watched[i + 1 :])
            near = True
        place = (given, y if near else None, *places)
        values = {**entry.values, "title": title, "annual_value": a, "total_value": t, "years": y}
        stated = self._stated_with(entry.stated, given)
        found = entry.verdicts.get(place)
        if found is None:
            purchase = Purchase.from_validated(values, stated)
            found = verdict_for(purchase, watched, self.rules)
            self.remembered += 1
            if self.remembered > _VERDICTS_LIMIT:
                # Bounded across all entries, so memory stays flat however long the tail
                # of a register is.
                for other in self.discrete_cache.values():
                    other.verdicts.clear()
                self.remembered = 1
            entry.verdicts[place] = found
        return Decision(None, found, values, stated)

    def _stated_with(self, stated: frozenset[str], given: int) -> frozenset[str]:
        """The stated fields with the title and whichever amounts the row gave; one shared
        set for each combination (entries of a register mostly state the same fields)."""
        key = (stated, given)
        found = self.stated_sets.get(key)
        if found is None:
            extra = {"title"} | {name for bit, name in enumerate(_AMOUNTS) if given >> bit & 1}
            found = self.stated_sets[key] = stated | extra
        return found

    def _amounts(self, annual: Any, total: Any, years: Any) -> _Amounts | None:
        """(annual, total, years, which were given) as the model reads them, or None."""
        try:
            a = None if annual is None or annual == "" else self._money(annual)
            t = None if total is None or total == "" else self._money(total)
            stated_years = not (years is None or years == "")
            y = self._years(years) if stated_years else _ONE
            da, dt = derive_values(a, t, y)
        except Exception:
            return None
        return da, dt, y, (a is not None) | (t is not None) << 1 | stated_years << 2

    def _money(self, value: Any) -> Decimal:
        if type(value) is bool:
            raise ValueError("not money")
        return parse_money(value)

    def _years(self, value: Any) -> Decimal:
        found = self.years_cache.get(value) if type(value) is str else None
        if found is None:
            found = decimal_from_number(value, "years")
            if not 0 < found <= MAX_YEARS:
                raise ValueError("years out of range")
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
                if len(column) >= _CACHE_LIMIT:
                    column.clear()
                column[key] = value
            if value is _BAD:
                return None
            if value is not _BLANK:
                values[name] = value
                stated.add(name)
        if not self.required <= stated:
            return None
        entry = self._entry(values, frozenset(stated))
        if len(self.discrete_cache) >= _CACHE_LIMIT:
            self.discrete_cache.clear()
        self.discrete_cache[raw] = entry
        return entry

    def _check_cell(self, name: str, cell: Any) -> Any:
        """One cell as the model reads it: its value, _BLANK (not stated) or _BAD."""
        probe = {"title": "cell", "annual_value": 1, "outcomes": "certain", name: cell}
        try:
            purchase = Purchase.model_validate(probe)
        except Exception:
            return _BAD
        return purchase.__dict__[name] if name in purchase.model_fields_set else _BLANK

    def _entry(self, values: dict[str, Any], stated: frozenset[str]) -> _Discrete:
        # The length, when a condition reads it, is filled in row by row (see _fast).
        watched = tuple(values.get(f) if f in stated else None for f in self.rules.watched_fields)
        return _Discrete(values, stated, watched)

    def _slow(self, data: Mapping[str, Any], number: int) -> Decision:
        purchase = validate_purchase(data, source=self.source or f"row {number}")
        return Decision(purchase, verdict(purchase, self.rules))


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
