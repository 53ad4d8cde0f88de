"""What a valid rule pack does with values: gaps, overlaps, and rules that can never apply.

``commission rules check`` reads a pack as DMN tools read a decision table.
For each family it asks, for every possible value of a purchase, which methods
the bands make eligible, and reports:

* **gaps**: values where no method is eligible without an exception (in the
  Wolverhampton pack, funding above £50,000 a year);
* **overlaps**: values where two or more methods are eligible, so the scores
  and the pack's order decide (purchasing from £30,000 to under £50,000 a year
  with £39,000 or more over the whole life).

**Two bases, one plane.** A band may have ranges on the value in any one year
and on the whole-life value, so a value is a point (a year, whole life) of a
plane, not a number on a line. The two are tied by ``whole life = a year ×
max(years, 1)``: the whole-life value is never below the value in a year, and
any length is possible, so every point with whole life ≥ a year is a purchase
someone could describe. A method is eligible by band where one of its ranges
holds the value of that range's basis, so:

* two or more methods are eligible exactly where the ranges of one basis hold
  two or more (an overlap "from £5,000 to £50,000 a year", whatever the
  whole-life value), or where one method's range a year and another's
  whole-life range both hold (an overlap "under £30,000 a year, with £39,000 or
  more over the whole life");
* none is eligible where no range of either basis holds (a gap).

**Near linear in the methods.** Each basis is cut at every bound of the
family's bands into stretches where the same ranges hold, in one sweep after a
sort; the findings are read from the stretches of the two bases. Nothing tests
every method at every value, or every pair of values, so a pack of a thousand
methods is checked in about a second. A region names its whole-life range only
where it matters.

**Requirements and exceptions.** A method with a requirement (grant-in-aid:
only for the core costs of a strategically important organisation) is eligible
only where its requirement holds; it is never counted as closing a gap, and the
findings list it apart, "where its requirement holds". Ranges are by band
alone: a gap lists the exceptions that would open a method there, and overlaps
ignore them.

**Facts.** Whether a test on the purchase (a family's ``when``, a requirement,
an exception) can hold at all is settled by trying every combination of the
facts it reads, one value for each case the tests can tell apart. The same
reasoning finds a family that earlier families always take first and a method
that can never be eligible (errors, which refuse the pack), and an exception
that can never apply (a finding).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from ..model.fields import FieldDecl
from ..model.money import money_to_json
from .compiled import CompiledMethod, Rules
from .conditions import Compiled, holds
from .reach import fact_cases, family_gate, passes, side_reachable
from .schema import Basis, ExceptionRule, Family, Range
from .words import band_words, describe, join_names, span_words

Kind = Literal["gap", "overlap", "single"]


# -- each basis on its own line ------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """Values from ``lower`` to ``upper`` in pounds; None: no limit on that side."""

    lower: Decimal | None
    lower_inclusive: bool
    upper: Decimal | None
    upper_inclusive: bool

    def contains(self, value: Decimal) -> bool:
        if self.lower is not None and (
            value < self.lower or (value == self.lower and not self.lower_inclusive)
        ):
            return False
        return not (
            self.upper is not None
            and (value > self.upper or (value == self.upper and not self.upper_inclusive))
        )

    def words(self, basis: Basis) -> str:
        """In the words the route output uses for bands: "from £30,000 to under £50,000 a year"."""
        return span_words(
            basis,
            None if self.lower is None else (self.lower, self.lower_inclusive),
            None if self.upper is None else (self.upper, self.upper_inclusive),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": None if self.lower is None else money_to_json(self.lower),
            "from_included": self.lower_inclusive if self.lower is not None else None,
            "to": None if self.upper is None else money_to_json(self.upper),
            "to_included": self.upper_inclusive if self.upper is not None else None,
        }


EVERYTHING = Span(None, False, None, False)


@dataclass(frozen=True)
class _Piece:
    """One elementary piece of an axis cut at the bounds: an open stretch or a single point."""

    lower: Decimal  # 0 for the first stretch (values are above £0)
    lower_inclusive: bool
    upper: Decimal | None
    upper_inclusive: bool
    sample: Decimal  # a value inside the piece


def _pieces(points: Sequence[Decimal]) -> list[_Piece]:
    """Stretch, point, stretch, point, ... stretch: piece 2k+1 is the point points[k]."""
    out: list[_Piece] = []
    previous = Decimal(0)
    for point in points:
        out.append(_Piece(previous, False, point, False, (previous + point) / 2))
        out.append(_Piece(point, True, point, True, point))
        previous = point
    out.append(_Piece(previous, False, None, False, previous + 1))
    return out


def _piece_run(r: Range, points: Sequence[Decimal]) -> tuple[int, int]:
    """The first and last piece (see _pieces) that the range holds; first > last if none.

    ``points`` are the bounds above £0; a bound at or below £0 is not among them, since
    every value is above £0: such a lower bound holds from the start, such an upper
    bound holds nothing."""
    first, last = 0, 2 * len(points)
    if r.lower is not None and r.lower.amount > 0:
        k = bisect_left(points, r.lower.amount)
        first = 2 * k + 1 if r.lower.inclusive else 2 * k + 2
    if r.upper is not None:
        if r.upper.amount <= 0:
            return 1, 0
        k = bisect_left(points, r.upper.amount)
        last = 2 * k + 1 if r.upper.inclusive else 2 * k
    return first, last


@dataclass(frozen=True)
class _Run:
    """A stretch of one basis where the same methods' ranges hold (methods by index)."""

    span: Span
    plain: frozenset[int]  # methods with no requirement: they count
    gated: frozenset[int]  # methods only for purchases meeting their requirement
    sample: Decimal  # a value inside the stretch


def _runs(members: Sequence[CompiledMethod], basis: Basis) -> list[_Run]:
    """The stretches of one basis, each as long as the methods holding it stay the same.

    Each range holds a run of pieces, found by bisection; one sweep along the axis
    keeps the methods holding each piece. The work grows with the methods and with
    how many of them hold each piece, never with every pair of methods."""
    points = sorted(
        {
            bound.amount
            for cm in members
            for r in cm.spec.band.ranges
            if r.basis == basis
            for bound in (r.lower, r.upper)
            if bound is not None and bound.amount > 0
        }
    )
    pieces = _pieces(points)
    starts: list[list[int]] = [[] for _ in range(len(pieces) + 1)]
    ends: list[list[int]] = [[] for _ in range(len(pieces) + 1)]
    for i, cm in enumerate(members):
        for r in cm.spec.band.ranges:
            if r.basis == basis:
                first, last = _piece_run(r, points)
                if first <= last:
                    starts[first].append(i)
                    ends[last + 1].append(i)
    gated_ids = {i for i, cm in enumerate(members) if cm.requires is not None}
    active: dict[int, int] = {}  # method -> how many of its ranges hold this piece
    runs: list[tuple[list[_Piece], frozenset[int]]] = []
    for index, piece in enumerate(pieces):
        for i in ends[index]:
            active[i] -= 1
            if not active[i]:
                del active[i]
        for i in starts[index]:
            active[i] = active.get(i, 0) + 1
        if runs and (not starts[index] and not ends[index]):
            runs[-1][0].append(piece)
            continue
        holding = frozenset(active)
        if runs and runs[-1][1] == holding:
            runs[-1][0].append(piece)
        else:
            runs.append(([piece], holding))
    return [
        _Run(
            Span(
                None if stretch[0].lower == 0 else stretch[0].lower,
                stretch[0].lower_inclusive,
                stretch[-1].upper,
                stretch[-1].upper_inclusive,
            ),
            holding - gated_ids,
            holding & gated_ids,
            stretch[0].sample,
        )
        for stretch, holding in runs
    ]


def _reachable(annual: Span, whole: Span) -> bool:
    """Can a purchase have a value a year in one stretch and a whole-life value in the
    other? Only if some whole-life value of it is not below some value a year."""
    if whole.upper is None or annual.lower is None:
        return True
    if annual.lower < whole.upper:
        return True
    return annual.lower == whole.upper and annual.lower_inclusive and whole.upper_inclusive


def _whole_within(annual: Span, whole: Span) -> Span | None:
    """The whole-life stretch as a region names it: without a lower limit that the value
    a year already implies (the whole-life value is never below it), and None where
    nothing is left to say."""
    low = whole.lower
    if low is not None and annual.lower is not None and _implied(annual, low, whole):
        low = None
    if low is not None:
        return whole
    if whole.upper is None:
        return None
    return Span(None, False, whole.upper, whole.upper_inclusive)


def _implied(annual: Span, low: Decimal, whole: Span) -> bool:
    assert annual.lower is not None
    return low < annual.lower or (
        low == annual.lower and (whole.lower_inclusive or not annual.lower_inclusive)
    )


def _annual_or_none(span: Span) -> Span | None:
    return None if span == EVERYTHING else span


# -- gaps and overlaps ----------------------------------------------------------------------


@dataclass(frozen=True)
class Named:
    """A family or a method: its id and its name."""

    id: str
    name: str


@dataclass(frozen=True)
class Opener:
    """An exception that would open a method at these values, and what it needs."""

    method: Named
    exception: str
    label: str


@dataclass(frozen=True)
class Gated:
    """A method whose band holds here but which is only for purchases meeting its requirement."""

    method: Named
    label: str


@dataclass(frozen=True)
class Region:
    """Values of one family where no method, or two or more, are eligible by their bands."""

    family: Named
    annual: Span | None  # None: whatever the value a year
    whole_life: Span | None  # None: whatever the whole-life value
    methods: tuple[Named, ...]  # eligible by band, with no requirement to meet
    gated: tuple[Gated, ...] = ()  # eligible by band where their requirement holds
    openers: tuple[Opener, ...] = ()  # exceptions that would open a method here

    @property
    def kind(self) -> Kind:
        # A method with a requirement is left out of the count: it competes only where
        # its requirement holds, which the notes say once rather than on every row.
        if not self.methods:
            return "gap"
        return "overlap" if len(self.methods) >= 2 else "single"

    def words(self) -> str:
        parts = []
        if self.annual is not None:
            parts.append(self.annual.words("per_annum"))
        if self.whole_life is not None:
            parts.append(self.whole_life.words("whole_life"))
        return ", with ".join(parts) if parts else "any value"

    def contains(self, annual: Decimal, whole_life: Decimal) -> bool:
        return (self.annual is None or self.annual.contains(annual)) and (
            self.whole_life is None or self.whole_life.contains(whole_life)
        )

    def methods_words(self) -> str:
        """Who is eligible here, in a few words: "Full competitive procurement process and
        Class I & II", or for a gap "None. Open with an exception: ..."."""
        text = join_names([m.name for m in self.methods]) or "None"
        gated = join_names([f"{g.method.name} where its requirement holds" for g in self.gated])
        if gated:
            text += f", and {gated}" if self.methods else f" ({gated})"
        if self.kind != "gap":
            return text
        if not self.openers:
            return text + ". No exception opens one here: such a purchase has no route."
        return (
            text
            + ". Open with an exception: "
            + "; ".join(f"{o.method.name} if {o.label}" for o in self.openers)
            + "."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "family": self.family.id,
            "values": self.words(),
            "annual": None if self.annual is None else self.annual.to_dict(),
            "whole_life": None if self.whole_life is None else self.whole_life.to_dict(),
            "methods": [m.id for m in self.methods],
            "only_where_required": [
                {"method": g.method.id, "requirement": g.label} for g in self.gated
            ],
            "opened_by_exception": [
                {"method": o.method.id, "exception": o.exception, "if": o.label}
                for o in self.openers
            ],
        }


@dataclass(frozen=True)
class Bands:
    """One family's bands along each basis, for finding who is eligible at any value."""

    family: Named
    methods: tuple[Named, ...]
    annual: tuple[_Run, ...]
    whole_life: tuple[_Run, ...]

    def eligible(self, annual: Decimal, whole_life: Decimal) -> tuple[set[str], set[str]]:
        """The ids of the methods eligible by band at these values: those with no
        requirement, and those only for purchases meeting theirs."""
        a = next(r for r in self.annual if r.span.contains(annual))
        w = next(r for r in self.whole_life if r.span.contains(whole_life))
        return (
            {self.methods[i].id for i in a.plain | w.plain},
            {self.methods[i].id for i in a.gated | w.gated},
        )


@dataclass(frozen=True)
class Findings:
    """What ``rules check`` reports about a valid pack."""

    regions: tuple[Region, ...]  # every gap and overlap, family by family
    notes: tuple[str, ...]
    bands: tuple[Bands, ...] = ()

    @property
    def gaps(self) -> tuple[Region, ...]:
        return tuple(r for r in self.regions if r.kind == "gap")

    @property
    def overlaps(self) -> tuple[Region, ...]:
        return tuple(r for r in self.regions if r.kind == "overlap")

    def at(self, family: str, annual: Decimal, whole_life: Decimal) -> list[Region]:
        """The gaps and overlaps of a family holding this value a year and whole-life value."""
        return [r for r in self.regions if r.family.id == family and r.contains(annual, whole_life)]

    def eligible(
        self, family: str, annual: Decimal, whole_life: Decimal
    ) -> tuple[set[str], set[str]]:
        """See :meth:`Bands.eligible`."""
        return next(b for b in self.bands if b.family.id == family).eligible(annual, whole_life)

    def to_dict(self) -> dict[str, Any]:
        return {
            "gaps": [r.to_dict() for r in self.gaps],
            "overlaps": [r.to_dict() for r in self.overlaps],
            "notes": list(self.notes),
        }


ABOUT = (
    "Gap: no method is eligible without an exception. Overlap: two or more methods are "
    "eligible, and the scores and the pack's order decide. By band alone, in pounds. A "
    "value is a value a year and a whole-life value (the year's × years, never less than "
    "the value a year); an overlap on one basis names the methods whose ranges on that "
    "basis hold, whatever the other value (at some values more are eligible), and a "
    "whole-life range is named only where it matters."
)


def analyse(rules: Rules) -> Findings:
    """Gaps, overlaps and notes for a valid, compiled pack."""
    regions: list[Region] = []
    notes: list[str] = []
    bands: list[Bands] = []
    families = list(rules.families)
    for i, (fam, _) in enumerate(families):
        members = list(rules.by_family.get(fam.id, ()))
        openable = _openable(families, i, members, rules.fields)
        plane = _Plane(fam, members, openable)
        regions += plane.regions()
        bands.append(plane.bands)
        notes += _requirement_notes(fam, members)
        notes += _dead_exception_notes(members, openable)
    return Findings(tuple(regions), tuple(notes), tuple(bands))


def _openable(
    families: Sequence[tuple[Family, Compiled | None]],
    index: int,
    members: Sequence[CompiledMethod],
    fields: Mapping[str, FieldDecl],
) -> dict[tuple[str, str], bool]:
    """For each (method, exception) of a family: can the exception hold for its purchases?"""
    gate = family_gate(families, index)
    out: dict[tuple[str, str], bool] = {}
    for cm in members:
        for rule, cond in zip(cm.spec.exceptions, cm.exceptions, strict=True):
            cases = fact_cases(
                [c for c, _ in gate] + [cm.requires, cond], fields, {"family": cm.spec.family}
            )
            out[(cm.spec.id, rule.id)] = cases is None or any(
                passes(gate, f)
                and (cm.requires is None or holds(cm.requires, f))
                and holds(cond, f)
                for f in cases
            )
    return out


class _Plane:
    """One family's bands: each basis cut into stretches, then the gaps and overlaps.

    Methods are eligible at a value a year and a whole-life value when a range of
    theirs holds either, so two or more are eligible exactly where the ranges of
    one basis hold two or more (whatever the other value), or where one method's
    range a year and another's whole-life range both hold; none is eligible where
    neither basis has a range holding. Each is found from the stretches of the two
    bases, never by testing every combination of values.
    """

    def __init__(
        self,
        family: Family,
        members: Sequence[CompiledMethod],
        openable: Mapping[tuple[str, str], bool],
    ) -> None:
        self.family = Named(family.id, family.name)
        self.members = list(members)
        self.openable = openable
        self.names = tuple(Named(cm.spec.id, cm.spec.name) for cm in self.members)
        self.annual = _runs(self.members, "per_annum")
        self.whole = _runs(self.members, "whole_life")
        self.bands = Bands(self.family, self.names, tuple(self.annual), tuple(self.whole))

    def regions(self) -> list[Region]:
        out: list[Region] = []
        single_whole = [w for w in self.whole if len(w.plain) == 1]
        empty_whole = [w for w in self.whole if not w.plain]
        for a in self.annual:
            annual = _annual_or_none(a.span)
            if len(a.plain) >= 2:
                out.append(self._region(annual, None, a.plain, a.gated))
            elif len(a.plain) == 1:
                for w in single_whole:
                    if w.plain != a.plain and _reachable(a.span, w.span):
                        whole = _whole_within(a.span, w.span)
                        both, gated = a.plain | w.plain, a.gated | w.gated
                        out.append(self._region(annual, whole, both, gated))
            else:
                for w in empty_whole:
                    if _reachable(a.span, w.span):
                        whole = _whole_within(a.span, w.span)
                        gated = a.gated | w.gated
                        openers = self._openers(a, w)
                        out.append(self._region(annual, whole, frozenset(), gated, openers))
        for w in self.whole:
            if len(w.plain) >= 2:
                out.append(self._region(None, _whole_within(EVERYTHING, w.span), w.plain, w.gated))
        return out

    def _openers(self, a: _Run, w: _Run) -> tuple[Opener, ...]:
        """The exceptions that would open a method in a gap: of a method none of whose
        ranges holds here, one that opens it on the side of its band the values lie."""
        within = a.plain | a.gated | w.plain | w.gated
        values = {"per_annum": a.sample, "whole_life": w.sample}
        openers: list[Opener] = []
        for i, cm in enumerate(self.members):
            if i in within:
                continue
            sides = {r.side(values[r.basis]) for r in cm.spec.band.ranges}
            if len(sides) == 1:
                side = next(iter(sides))
                openers += [
                    Opener(self.names[i], rule.id, rule.label)
                    for rule in cm.spec.exceptions
                    if rule.opens == side and self.openable.get((cm.spec.id, rule.id), True)
                ]
        return tuple(openers)

    def _region(
        self,
        annual: Span | None,
        whole: Span | None,
        plain: frozenset[int],
        gated: frozenset[int],
        openers: tuple[Opener, ...] = (),
    ) -> Region:
        return Region(
            self.family,
            annual,
            whole,
            tuple(self.names[i] for i in sorted(plain)),
            tuple(Gated(self.names[i], _requirement_label(self.members[i])) for i in sorted(gated)),
            openers,
        )


def _requirement_label(cm: CompiledMethod) -> str:
    assert cm.spec.requires is not None
    return cm.spec.requires.label


def _requirement_notes(fam: Family, members: Sequence[CompiledMethod]) -> list[str]:
    return [
        f"{cm.spec.name} ({fam.name}) is only for {cm.spec.requires.label} "
        f"({describe(cm.requires)}). It counts as eligible only where that holds, within "
        f"its band ({band_words(cm.spec.band)}); there it is eligible as well as the methods "
        "of each range, and the scores and the pack's order decide."
        for cm in members
        if cm.spec.requires is not None and cm.requires is not None
    ]


def _dead_exception_notes(
    members: Sequence[CompiledMethod], openable: Mapping[tuple[str, str], bool]
) -> list[str]:
    return [
        f"The exception {rule.id!r} of {cm.spec.name} can never apply: {why}."
        for cm in members
        for rule in cm.spec.exceptions
        if (why := _dead_exception(cm, rule, openable))
    ]


def _dead_exception(
    cm: CompiledMethod, rule: ExceptionRule, openable: Mapping[tuple[str, str], bool]
) -> str | None:
    if not side_reachable(cm.spec.band, rule.opens):
        limit = "lower" if rule.opens == "below" else "upper"
        return (
            f"it opens the method {rule.opens} its band, and the band has no {limit} limit "
            f"on every range, so no value is {rule.opens} it"
        )
    if not openable.get((cm.spec.id, rule.id), True):
        return f"its test never holds for a purchase of the family {cm.spec.family!r}"
    return None


__all__ = [
    "ABOUT",
    "Bands",
    "Findings",
    "Region",
    "Span",
    "analyse",
]
