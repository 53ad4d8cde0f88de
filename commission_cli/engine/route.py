"""Routing: one purchase to a :class:`Decision`, or a stream of rows to decisions."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InputError, Problem
from ..io.documents import read_purchase_document
from ..model.decision import Decision
from ..model.purchase import PackPurchase, Purchase, validate
from ..rules.compiled import Rules
from ..rules.load import load_rules
from .memo import verdict, verdict_key


def load_purchase(path: str, rules: Rules | None = None) -> PackPurchase:
    """Read and validate one purchase description file (``-`` for stdin) against a pack
    (the shipped one by default); raises :class:`InputError` with file:line problems."""
    pack = rules if rules is not None else load_rules()
    document = read_purchase_document(path)
    found = validate(pack.purchase_model, document.data, document=document)
    assert isinstance(found, PackPurchase)
    return found


def route(purchase: Purchase, rules: Rules) -> Decision:
    """Route one purchase: the method the rules point to, and why.

    A purchase made for another pack, or by ``Purchase(...)`` directly, is first
    checked against this pack's fields (raising :class:`InputError`).
    """
    own = rules.own(purchase)
    return Decision(own, verdict(rules, verdict_key(own, rules)))


@dataclass(frozen=True, slots=True)
class RowError:
    """A row that could not be routed, with every problem in it and the row as read."""

    row: int
    problems: tuple[Problem, ...]
    data: Mapping[str, Any]

    @property
    def message(self) -> str:
        """Every problem, field and message, on one line (no file or line: the row says)."""
        return "; ".join(str(Problem(p.message, field=p.field)) for p in self.problems)


def route_many(
    rows: Iterable[Mapping[str, Any] | Sequence[Any] | Purchase],
    rules: Rules,
    *,
    fields: Sequence[str | None] | None = None,
    source: str | None = None,
    lines: Iterator[int] | None = None,
) -> Iterator[Decision | RowError]:
    """Route each row as it comes, yielding a Decision or a RowError for every row.

    A row is a mapping of field names to values (a JSON Lines object, a
    ``csv.DictReader`` row), a :class:`Purchase`, or, when ``fields`` names the
    columns, a sequence of values in that order (a ``csv.reader`` row; a None in
    ``fields`` leaves that column out). Empty cells are "not stated". Rows are
    numbered from 1; ``lines`` gives the file line each row starts on, for messages.
    """
    for number, row in enumerate(rows, 1):
        line = next(lines, None) if lines is not None else None
        yield route_row(row, rules, number, fields=fields, source=source, line=line)


def _cells_as_read(row: Sequence[Any], fields: Sequence[str | None]) -> dict[str, Any]:
    """A row whose cells do not match the header, as read: each cell under its column's
    name where the header has one, else as "column N"."""
    names = [
        fields[i] if i < len(fields) and fields[i] is not None else f"column {i + 1}"
        for i in range(len(row))
    ]
    return {str(name): cell for name, cell in zip(names, row, strict=True)}


def route_row(
    row: Mapping[str, Any] | Sequence[Any] | Purchase,
    rules: Rules,
    number: int,
    *,
    fields: Sequence[str | None] | None = None,
    source: str | None = None,
    line: int | None = None,
) -> Decision | RowError:
    """One row of :func:`route_many`."""
    if isinstance(row, Purchase):
        data: Mapping[str, Any] = row.data()
    elif isinstance(row, Mapping):
        data = row
    else:
        if fields is None:
            raise TypeError("a row given as a list of cells needs fields= naming the columns")
        if len(row) != len(fields):
            problem = Problem(
                f"has {len(row)} cells where the header has {len(fields)}",
                source=source,
                line=line,
            )
            return RowError(number, (problem,), _cells_as_read(row, fields))
        data = {name: cell for name, cell in zip(fields, row, strict=True) if name is not None}
    try:
        purchase = validate(rules.purchase_model, data, source=source, line=line)
    except InputError as exc:
        return RowError(number, tuple(exc.problems), data)
    return Decision(purchase, verdict(rules, verdict_key(purchase, rules)))
