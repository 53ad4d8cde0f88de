"""Writing decisions row by row: JSON Lines (the full decision object) or a flat CSV.

A register repeats itself, so the parts of a line that depend only on the
verdict (or only on a row's discrete fields) are written out once, as bytes,
and reused; only the row number, the title and the amounts are written afresh
for each row. The result is what ``json.dumps`` (or ``csv.writer``) would write
for the same decision, a test holds this, without building and walking the
whole object for every row. Every cache is bounded, so memory stays flat.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any, BinaryIO, Generic, TypeVar

from ..batch import RowError
from ..caches import make_room
from ..decision import Decision, Verdict, contract_type_dict, obligation_dict

CSV_COLUMNS = (
    "row",
    "title",
    "family",
    "method_id",
    "method",
    "agreement",
    "full_cost_recovery",
    "guiding_document",
    "contract_types",
    "warnings",
    "error",
)
_LIMIT = 512
_TAILS_LIMIT = 512  # CSV tails: about as many as ten thousand rows of a register make
_PIECES_LIMIT = 1024  # distinct pieces of CSV tails (a million rows make a few hundred)
_JSONL_TAILS_LIMIT = 512  # tuples of shared pieces: a few hundred bytes each
_JSONL_PIECES_LIMIT = 2048  # distinct pieces (a million rows make about 720, 390 kB)
T = TypeVar("T")
# A CSV row: the row number, the title and the verdict's two pieces, each ending in a
# comma (see CsvWriter.tail_of).
CSV_LINE = b"%d,%s,%s%s\n"
# A JSON Lines row is its head (see jsonl_head), the JSON of the other fields of the
# purchase (one copy per kind of row) and the verdict's pieces (see
# JsonlWriter.tail_of), the first of which closes the purchase. They are written one
# after the other rather than joined: each shared piece is one copy in memory however
# many rows share it, and is not copied into every row's line.


def jsonl_head(row: int, title: str, annual: Any, total: Any, years: Any) -> bytes:
    """A JSON Lines row up to the purchase's fields after its amounts: ``title`` as JSON
    text, the amounts as json.dumps writes them. (The batch's replay writes the same
    f-string inline: an f-string is a third quicker than %, and a call costs as much.)"""
    return (
        f'{{"row": {row}, "purchase": {{"title": {title}, '
        f'"annual_value": {annual}, "total_value": {total}, "years": {years}, '
    ).encode()


def _json(value: Any) -> bytes:
    return one_line(json.dumps(value, ensure_ascii=False)).encode()


_LINE_BREAKS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def one_line(text: str) -> str:
    """JSON text with the characters some readers take for line breaks escaped (json
    leaves U+0085, U+2028 and U+2029 as they are), so one JSON Lines row stays one line."""
    # Three substring tests: translate maps the text a character at a time, and the
    # long JSON of a decision is rarely ASCII (a £ in a reason) but almost never holds one.
    if text.isascii() or ("\x85" not in text and "\u2028" not in text and "\u2029" not in text):
        return text
    return text.translate(_LINE_BREAKS)


class _ByIdentity(Generic[T]):
    """Bytes remembered per object. Keyed by id, with the object kept alongside so
    that an id is never mistaken for a new object's while its entry stands."""

    def __init__(self, limit: int = _LIMIT) -> None:
        self.entries: dict[int, tuple[Any, T]] = {}
        self.limit = limit

    def get(self, obj: Any, build: Callable[[Any], T]) -> T:
        entry = self.entries.get(id(obj))
        if entry is None or entry[0] is not obj:
            make_room(self.entries, self.limit)
            entry = (obj, build(obj))
            self.entries[id(obj)] = entry
        return entry[1]


def title_text(title: str) -> str:
    """The title as a JSON string, as json.dumps(ensure_ascii=False) writes it, on one line."""
    return one_line(encode_basestring(title))


class _Pieces:
    """Bytes kept once each, found by their content: the pieces many answers share."""

    def __init__(self, limit: int) -> None:
        self.kept: dict[bytes, bytes] = {}
        self.limit = limit

    def __call__(self, piece: bytes) -> bytes:
        found = self.kept.get(piece)
        if found is None:
            make_room(self.kept, self.limit)
            found = self.kept[piece] = piece
        return found


class JsonlWriter:
    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.contract_types: _ByIdentity[bytes] = _ByIdentity()
        self.obligations: _ByIdentity[bytes] = _ByIdentity()
        # A few kilobytes per choice: fewer of these than of the small parts.
        self.choices: _ByIdentity[tuple[bytes, ...]] = _ByIdentity(limit=256)
        self.warnings: dict[tuple[str, ...], bytes] = {}
        # A batch's replay keeps each kind of row's fields JSON with the kind itself
        # (batch._Discrete.json), so this serves only the rows it sends here: a few
        # kinds at a time. Each entry holds a kind's dict alive, and 512 of them put a
        # million JSON Lines rows' peak memory up by a third of a megabyte per process.
        self.fragments: _ByIdentity[bytes] = _ByIdentity(limit=64)
        self.fragments_by_value: dict[tuple[Any, ...], bytes] = {}
        # The pieces of each verdict's part, by verdict; each piece (up to a few
        # kilobytes) is kept once, found by its bytes, however many verdicts share it.
        self.tails: _ByIdentity[tuple[bytes, ...]] = _ByIdentity(limit=_JSONL_TAILS_LIMIT)
        self.piece = _Pieces(_JSONL_PIECES_LIMIT)

    def decision(self, row: int, decision: Decision) -> None:
        (title, annual, total, years), rest = decision.parts()
        # The fields but the title and amounts, written once per kind of row: by the
        # identity of the dict a batch's rows of one kind share, else by their values.
        if decision.shares_fields:
            fragment = self.fields_json(rest)
        else:
            key = tuple(rest.values())
            cached = self.fragments_by_value.get(key)
            if cached is None:
                make_room(self.fragments_by_value, _LIMIT)
                cached = self.fragments_by_value[key] = _fields_json(rest)
            fragment = cached
        head = jsonl_head(
            row, title_text(title), number_text(annual), number_text(total), number_text(years)
        )
        self.out.writelines((head, fragment, *self.tail_of(decision.verdict)))

    def fields_json(self, fields: dict[str, Any]) -> bytes:
        """A batch's shared dict of fields other than the title and amounts, as JSON."""
        return self.fragments.get(fields, _fields_json)

    def tail_of(self, v: Verdict) -> tuple[bytes, ...]:
        """Every key of the decision object after the purchase, for this verdict, in
        pieces, each with the comma before it (the first closes the purchase, the last
        ends the line): the keys that follow from the method; contract types; each
        candidate, then the steps; obligations; warnings; the reasons and the pack."""
        return self.tails.get(v, self._tail)

    def _tail(self, v: Verdict) -> tuple[bytes, ...]:
        """The pieces as json.dumps writes them, from remembered parts.

        The engine shares the parts of a verdict between verdicts: everything that
        follows from the choice of method (family, method, results, exception,
        candidates, steps, reasons) comes with one candidates tuple, so it is
        written once per choice; contract types and obligations likewise.
        """
        piece = self.piece
        # Candidates by identity: each is one pack's, so the pack's reference goes with them.
        head, *middle, last = self.choices.get(
            v.candidates, lambda _: tuple(map(piece, _choice_parts(v)))
        )
        warnings = self.warnings.get(v.warnings)
        if warnings is None:
            warnings = piece(b', "warnings": ' + _json(list(v.warnings)))
            make_room(self.warnings, _LIMIT)
            self.warnings[v.warnings] = warnings
        # One cache per key: the pieces carry their key, and two keys' values may be one
        # object (an empty tuple).
        return (
            head,
            self.contract_types.get(
                v.contract_types, lambda c: piece(b', "contract_types": ' + _contract_types(c))
            ),
            *middle,
            self.obligations.get(
                v.obligations, lambda o: piece(b', "obligations": ' + _obligations(o))
            ),
            warnings,
            last,
        )

    def error(self, error: RowError) -> None:
        self.out.write(
            one_line(json.dumps(error_object(error), ensure_ascii=False, default=str)).encode()
            + b"\n"
        )


def _choice_parts(v: Verdict) -> tuple[bytes, ...]:
    """What follows from the choice of method, each with what comes before it: the keys
    before contract_types (closing the purchase); each candidate, then the steps; the
    reasons with the pack's reference, ending the line.

    A candidate is a piece of its own because its reason, not the list, is what
    varies: a million rows make a few hundred lists of candidates (600 kB as whole
    lists) but as many distinct candidates come to a quarter of that.
    """
    full = v.as_dict()
    head = _json(
        {
            k: full[k]
            for k in (
                "family",
                "method",
                "agreement",
                "full_cost_recovery",
                "guiding_document",
                "exception",
            )
        }
    )[1:-1]
    candidates = [_json(c) for c in full["candidates"]]
    steps = b'], "steps": ' + _json(full["steps"])
    first = b', "candidates": [' + (candidates[0] if candidates else b"")
    others = (b", " + c for c in candidates[1:])
    last = b', "reasons": ' + _json(full["reasons"]) + b', "rules": ' + _rules(v.rules) + b"}\n"
    return b"}, " + head, first, *others, steps, last


def _fields_json(fields: dict[str, Any]) -> bytes:
    """The fields as the inside of a JSON object: `"a": 1, "b": 2`."""
    return _json(fields)[1:-1]


def number_text(value: Decimal) -> str:
    # What json.dumps writes for the number money_to_json makes: an int, or a float's repr.
    whole = int(value)
    if whole == value:
        return str(whole)
    return repr(float(value))


def _rules(r: Any) -> bytes:
    return _json({"name": r.name, "version": r.version, "sha256": r.sha256})


def _contract_types(refs: Any) -> bytes:
    return _json([contract_type_dict(c) for c in refs])


def _obligations(obligations: Any) -> bytes:
    return _json([obligation_dict(o) for o in obligations])


def error_object(error: RowError) -> dict[str, Any]:
    return {
        "row": error.row,
        "error": error.message,
        "problems": [
            {"field": p.field, "message": p.message, "line": p.line} for p in error.problems
        ],
        "input": dict(error.data),
    }


class CsvWriter:
    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        # The columns after the title, by verdict; the engine gives equal verdicts one
        # object. Kept as two pieces, each one copy however many verdicts share it:
        # a register's thousand kinds of answer have a few hundred of each.
        self.tails: _ByIdentity[tuple[bytes, bytes]] = _ByIdentity(limit=_TAILS_LIMIT)
        self.piece = _Pieces(_PIECES_LIMIT)
        self.out.write(_csv_line(CSV_COLUMNS))

    def decision(self, row: int, decision: Decision) -> None:
        title = csv_cell(decision.title)
        self.out.write(CSV_LINE % (row, title.encode(), *self.tail_of(decision.verdict)))

    def tail_of(self, v: Verdict) -> tuple[bytes, bytes]:
        """The columns after the title, for this verdict, in two pieces: family to
        contract types, then warnings and the (empty) error column."""
        return self.tails.get(v, self._tail)

    def _tail(self, v: Verdict) -> tuple[bytes, bytes]:
        *head, warnings = verdict_cells(v)
        return self.piece(_csv_line((*head, ""))[:-1]), self.piece(_csv_line((warnings, ""))[:-1])

    def error(self, error: RowError) -> None:
        title = error.data.get("title", "")
        lines = sorted({p.line for p in error.problems if p.line is not None})
        where = f" (line {lines[0]})" if lines else ""
        cells = [error.row, "" if title is None else title, *[""] * 8, error.message + where]
        self.out.write(_csv_line(cells))


def _csv_line(cells: Any) -> bytes:
    """One CSV line: a cell with a comma, a quote or a line break in it is quoted (a
    lone carriage return too, which the csv module leaves bare when lines end in \\n)."""
    return (",".join(csv_cell(str(c)) for c in cells) + "\n").encode()


def csv_cell(text: str) -> str:
    """A CSV cell as csv.writer quotes it (and a lone carriage return too)."""
    # Four substring tests: a set's isdisjoint walks the text a character at a time,
    # and costs a batch several per cent of its time.
    if '"' not in text and "," not in text and "\n" not in text and "\r" not in text:
        return text
    return '"' + text.replace('"', '""') + '"'


def verdict_cells(v: Verdict) -> tuple[str, ...]:
    """The CSV columns from family to warnings for a verdict."""
    return (
        v.family,
        v.method.id if v.method else "",
        v.method.name if v.method else "",
        v.agreement or "",
        v.full_cost_recovery or "",
        v.guiding_document or "",
        "; ".join(c.id for c in v.contract_types),
        " | ".join(v.warnings),
    )
