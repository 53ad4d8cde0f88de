"""What a valid rule pack does with values: gaps, overlaps, and rules that can never apply.

``commission rules check`` reads a pack as DMN tools read a decision table.
For each family it asks, for every possible value of a purchase, which methods
the bands make eligible, and reports:

* **gaps**: values where no method is eligible without an exception (in the
  Wolverhampton pack, funding above £50,000 a year);
* **overlaps**: values where two or more methods are eligible, so the scores
  and the pack's order decide (purchasing from £30,000 to under £50,000 a year
  with £39,000 or more over the whole life).

**Two bases, one plane.** A band may have ranges on the annual value and on
the whole-life value, so a value is a point (annual, whole life) of a plane,
not a number on a line. The two are tied by ``whole life = annual × max(years,
1)``: the whole-life value is never below the annual one, and any length is
possible, so every point with whole life ≥ annual is a purchase someone could
describe. The analysis cuts the plane at every bound of the family's bands
(annual bounds one way, whole-life bounds the other). Inside each cell every
band holds everywhere or nowhere, so one look per cell is exact; cells that no
purchase can reach (whole life below annual) are dropped, and neighbouring
cells with the same answer are merged. A region names its whole-life range only
where it matters, i.e. where it does not cover every whole-life value those
annual values can have. Sweeping the annual value for one stated length would
have been simpler to print but would hide the whole-life bands at every other
length (£20,000 a year is under the £39,000 whole-life figure for one year and
over it for three), so the plane it is.

**Requirements and exceptions.** A method with a requirement (grant-in-aid:
only for the core costs of a strategically important organisation) is eligible
only where its requirement holds. It is therefore never counted as closing a
gap; the findings list it separately, "where its requirement holds". Ranges are
by band alone: an exception opens a method only for some purchases, so a gap
lists the exceptions that would open a method there, and overlaps ignore them.

**Facts.** Whether a test on the purchase (a family's ``when``, a requirement,
an exception) can hold at all is settled by trying every combination of the
facts it reads, one value for each case the tests can tell apart (each choice,
true/false, not stated, and each side of every number in the tests). The same
reasoning finds a family that earlier families always take first, a method that
can never be eligible (errors, reported by :mod:`commission_cli.rules` when a
pack is loaded), and an exception that can never apply (a finding).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from .conditions import Compiled, describe, holds
from .documents import PathKey
from .money import MAX_MONEY, format_money, money_to_json
from .packschema import Band, Basis, Bound, ExceptionRule, Family, Range
from .rules import CompiledMethod, Rules

# Beyond this many combinations of facts, a test is assumed able to hold: the
# analysis may then miss a rule that can never apply, but never refuses a good pack.
MAX_COMBINATIONS = 20_000

Side = Literal["below", "above"]
Kind = Literal["gap", "overlap", "single"]


# -- facts: can a set of tests hold together? ------------------------------------------


def _atoms(cond: Compiled) -> Iterator[tuple[str, str, Any]]:
    """(field, operation, value) for every elementary test in a condition."""
    op = cond[0]
    if op in ("all", "any"):
        for sub in cond[1]:
            yield from _atoms(sub)
    elif op == "in":
        for value in cond[2]:
            yield cond[1], "eq", value
    else:
        yield cond[1], op, cond[2]


def _number_cases(constants: Iterable[Any]) -> tuple[Any, ...]:
    """One number for each stretch of the line the tests can tell apart."""
    points = sorted({Decimal(str(c)) for c in constants if not isinstance(c, bool)})
    if not points:
        return (None, Decimal(1))
    cases: list[Any] = [None, points[0] - 1, points[-1] + 1, *points]
    cases += [(a + b) / 2 for a, b in itertools.pairwise(points)]
    return tuple(cases)


def _cases(field: str, constants: list[Any]) -> tuple[Any, ...]:
    from .vocabulary import field_kind, field_names

    if field not in field_names():
        return (None, *dict.fromkeys(constants))  # the route so far: family or method
    kind, allowed = field_kind(field)
    if kind == "choice":
        return (None, *allowed)
    if kind == "flag":
        return (None, True, False)
    if kind in ("number", "integer"):
        return _number_cases(constants)
    return (None,)  # money and text are never tested by a condition


def fact_cases(
    conds: Sequence[Compiled | None], fixed: Mapping[str, Any] | None = None
) -> list[dict[str, Any]] | None:
    """Every combination of the facts these conditions read that they can tell apart.

    ``fixed`` sets facts known beforehand (the family, for a method's tests).
    None when there are more than :data:`MAX_COMBINATIONS`.
    """
    fixed = dict(fixed or {})
    constants: dict[str, list[Any]] = {}
    for cond in conds:
        if cond is not None:
            for field, _, value in _atoms(cond):
                if field not in fixed:
                    constants.setdefault(field, []).append(value)
    names = sorted(constants)
    choices = [_cases(name, constants[name]) for name in names]
    total = 1
    for c in choices:
        total *= len(c)
    if total > MAX_COMBINATIONS:
        return None
    return [
        {**fixed, **dict(zip(names, combo, strict=True))} for combo in itertools.product(*choices)
    ]


def _family_gate(
    families: Sequence[tuple[Family, Compiled | None]], index: int
) -> list[tuple[Compiled | None, bool]]:
    """The tests that put a purchase in family ``index``: its own holds, no earlier one does."""
    gate: list[tuple[Compiled | None, bool]] = [(c, False) for _, c in families[:index]]
    gate.append((families[index][1], True))
    return gate


def _passes(gate: Sequence[tuple[Compiled | None, bool]], facts: Mapping[str, Any]) -> bool:
    for cond, wanted in gate:
        result = True if cond is None else holds(cond, facts)
        if result != wanted:
            return False
    return True


# -- values: what a band can hold ----------------------------------------------------------


def _below(value: Decimal, bound: Bound) -> bool:
    return value < bound.amount or (value == bound.amount and not bound.inclusive)


def _above(value: Decimal, bound: Bound) -> bool:
    return value > bound.amount or (value == bound.amount and not bound.inclusive)


def _range_can_hold(r: Range) -> bool:
    """Is any value a purchase can have (above £0, at most MAX_MONEY) in the range?"""
    low, low_in = (Decimal(0), False) if r.lower is None else (r.lower.amount, r.lower.inclusive)
    if low < 0:
        low, low_in = Decimal(0), False
    high, high_in = (MAX_MONEY, True) if r.upper is None else (r.upper.amount, r.upper.inclusive)
    if high > MAX_MONEY:
        high, high_in = MAX_MONEY, True
    return low < high or (low == high and low_in and high_in)


def side_reachable(band: Band, side: Side) -> bool:
    """Can a purchase's value lie below (or above) every range of the band at once?

    The annual and whole-life values can both be as small (or as large) as any
    value, so only the bounds matter: below needs a lower bound above £0 on
    every range, above an upper bound under the ceiling on every range.
    """
    if side == "below":
        return all(r.lower is not None and r.lower.amount > 0 for r in band.ranges)
    return all(
        r.upper is not None
        and (r.upper.amount < MAX_MONEY or (r.upper.amount == MAX_MONEY and not r.upper.inclusive))
        for r in band.ranges
    )


def band_can_hold(band: Band) -> bool:
    return any(_range_can_hold(r) for r in band.ranges)


# -- rules that can never apply ------------------------------------------------------------


def never_apply(
    families: Sequence[tuple[Family, Compiled | None]], methods: Sequence[CompiledMethod]
) -> list[tuple[PathKey, str]]:
    """(where, why) for each family that can never apply and each method that can never be
    eligible. These are defects: ``load_rules`` refuses a pack that has any."""
    out: list[tuple[PathKey, str]] = []
    dead: set[str] = set()
    for i, (fam, cond) in enumerate(families):
        gate = _family_gate(families, i)
        cases = fact_cases([c for c, _ in gate])
        if cases is not None and not any(_passes(gate, f) for f in cases):
            dead.add(fam.id)
            earlier = ", ".join(repr(f.id) for f, _ in families[:i])
            out.append(
                (
                    ("families", i, "when") if cond is not None else ("families", i),
                    f"family {fam.id!r} can never apply: every purchase its test would take "
                    f"is taken first by an earlier family ({earlier}), so its methods can "
                    "never be chosen",
                )
            )
    index = {fam.id: i for i, (fam, _) in enumerate(families)}
    for cm in methods:
        if cm.spec.family in index and cm.spec.family not in dead:
            why = _why_never_eligible(cm, _family_gate(families, index[cm.spec.family]))
            if why is not None:
                out.append(why)
    return out


def _why_never_eligible(
    cm: CompiledMethod, gate: Sequence[tuple[Compiled | None, bool]]
) -> tuple[PathKey, str] | None:
    spec = cm.spec
    cases = fact_cases(
        [c for c, _ in gate] + [cm.requires, *cm.exceptions], {"family": spec.family}
    )
    if cases is None:
        return None  # too many combinations to try: assume it can
    member = [f for f in cases if _passes(gate, f)]
    allowed = [f for f in member if cm.requires is None or holds(cm.requires, f)]
    path: PathKey = ("methods", cm.index)
    if not allowed:
        assert cm.requires is not None and spec.requires is not None
        return (
            (*path, "requires", "when"),
            f"method {spec.id!r} can never be eligible: its requirement "
            f"({describe(cm.requires)}) never holds for a purchase of the family "
            f"{spec.family!r}",
        )
    if band_can_hold(spec.band):
        return None
    reasons: list[str] = []
    for rule, cond in zip(spec.exceptions, cm.exceptions, strict=True):
        if not side_reachable(spec.band, rule.opens):
            reasons.append(
                f"no value is {rule.opens} it, so its exception {rule.id!r} cannot open it"
            )
        elif not any(holds(cond, f) for f in allowed):
            reasons.append(f"its exception {rule.id!r} ({describe(cond)}) never holds here")
        else:
            return None
    if not spec.exceptions:
        reasons.append("it has no exception")
    from .explain import band_words

    return (
        (*path, "band"),
        f"method {spec.id!r} can never be eligible: its band ({band_words(spec.band)}) holds "
        f"no value a purchase can have (more than £0, at most {format_money(MAX_MONEY)}), and "
        + "; and ".join(reasons),
    )


# -- the plane of values ---------------------------------------------------------------------


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
        from .explain import range_words

        return range_words(
            Range(
                basis=basis,
                unit="GBP",
                includes_vat=False,
                lower=None if self.lower is None else Bound(self.lower, self.lower_inclusive),
                upper=None if self.upper is None else Bound(self.upper, self.upper_inclusive),
            )
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": None if self.lower is None else money_to_json(self.lower),
            "from_included": self.lower_inclusive if self.lower is not None else None,
            "to": None if self.upper is None else money_to_json(self.upper),
            "to_included": self.upper_inclusive if self.upper is not None else None,
        }


@dataclass(frozen=True)
class _Piece:
    """One elementary piece of an axis cut at the bounds: an open stretch or a single point."""

    lower: Decimal  # 0 for the first stretch (values are above £0)
    lower_inclusive: bool
    upper: Decimal | None
    upper_inclusive: bool
    sample: Decimal  # a value inside the piece


def _pieces(cuts: Iterable[Decimal]) -> list[_Piece]:
    points = sorted({c for c in cuts if c > 0})
    out: list[_Piece] = []
    previous = Decimal(0)
    for point in points:
        out.append(_Piece(previous, False, point, False, (previous + point) / 2))
        out.append(_Piece(point, True, point, True, point))
        previous = point
    out.append(_Piece(previous, False, None, False, previous + 1))
    return out


def _feasible(annual: _Piece, whole: _Piece) -> bool:
    """Can a purchase have an annual value in one piece and a whole-life value in the other?
    Only if some whole-life value of the piece is not below some annual value of the other."""
    if whole.upper is None:
        return True
    if annual.lower < whole.upper:
        return True
    return annual.lower == whole.upper and annual.lower_inclusive and whole.upper_inclusive


def _span(pieces: Sequence[_Piece], *, from_nothing: bool) -> Span:
    first, last = pieces[0], pieces[-1]
    low: Decimal | None = first.lower
    if from_nothing or (first.lower == 0 and not first.lower_inclusive):
        low = None
    return Span(low, first.lower_inclusive, last.upper, last.upper_inclusive)


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
    """Values of one family where the same methods are eligible by their bands."""

    family: Named
    annual: Span | None  # None: whatever the annual value
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
        text = _join([m.name for m in self.methods]) or "None"
        gated = _join([f"{g.method.name} where its requirement holds" for g in self.gated])
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


# Who is eligible in one cell of the plane: by band; by band where a requirement holds;
# and the exceptions that would open a method there.
_Label = tuple[tuple[Named, ...], tuple[Gated, ...], tuple[Opener, ...]]


def _join(names: Sequence[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


@dataclass(frozen=True)
class Findings:
    """What ``rules check`` reports about a valid pack."""

    regions: tuple[Region, ...]
    notes: tuple[str, ...]

    @property
    def gaps(self) -> tuple[Region, ...]:
        return tuple(r for r in self.regions if r.kind == "gap")

    @property
    def overlaps(self) -> tuple[Region, ...]:
        return tuple(r for r in self.regions if r.kind == "overlap")

    def region_at(self, family: str, annual: Decimal, whole_life: Decimal) -> Region:
        """The region of a family holding this annual and whole-life value."""
        for region in self.regions:
            if region.family.id == family and region.contains(annual, whole_life):
                return region
        raise KeyError((family, annual, whole_life))

    def to_dict(self) -> dict[str, Any]:
        return {
            "gaps": [r.to_dict() for r in self.gaps],
            "overlaps": [r.to_dict() for r in self.overlaps],
            "regions": [r.to_dict() for r in self.regions],
            "notes": list(self.notes),
        }


ABOUT = (
    "Gap: no method is eligible without an exception. Overlap: two or more methods are "
    "eligible, and the scores and the pack's order decide. By band alone, in pounds; a "
    "value is an annual value and a whole-life value (annual × years, never less than "
    "the annual value), and a whole-life range is named only where it matters."
)


def analyse(rules: Rules) -> Findings:
    """Gaps, overlaps and notes for a valid, compiled pack."""
    regions: list[Region] = []
    notes: list[str] = []
    families = list(rules.families)
    for i, (fam, _) in enumerate(families):
        members = [cm for cm in rules.methods if cm.spec.family == fam.id]
        openable = _openable(families, i, members)
        regions += _family_regions(fam, members, openable)
        notes += _requirement_notes(fam, members)
        notes += _dead_exception_notes(members, openable)
    return Findings(tuple(regions), tuple(notes))


def _openable(
    families: Sequence[tuple[Family, Compiled | None]],
    index: int,
    members: Sequence[CompiledMethod],
) -> dict[tuple[str, str], bool]:
    """For each (method, exception) of a family: can the exception hold for its purchases?"""
    gate = _family_gate(families, index)
    out: dict[tuple[str, str], bool] = {}
    for cm in members:
        for rule, cond in zip(cm.spec.exceptions, cm.exceptions, strict=True):
            cases = fact_cases(
                [c for c, _ in gate] + [cm.requires, cond], {"family": cm.spec.family}
            )
            out[(cm.spec.id, rule.id)] = cases is None or any(
                _passes(gate, f)
                and (cm.requires is None or holds(cm.requires, f))
                and holds(cond, f)
                for f in cases
            )
    return out


def _family_regions(
    fam: Family, members: Sequence[CompiledMethod], openable: Mapping[tuple[str, str], bool]
) -> list[Region]:
    bounds: dict[str, set[Decimal]] = {"per_annum": set(), "whole_life": set()}
    for cm in members:
        for r in cm.spec.band.ranges:
            for bound in (r.lower, r.upper):
                if bound is not None:
                    bounds[r.basis].add(bound.amount)
    whole_pieces = _pieces(bounds["whole_life"])
    rows: list[tuple[Span | None, Span | None, _Label]] = []
    for a in _pieces(bounds["per_annum"]):
        feasible = [w for w in whole_pieces if _feasible(a, w)]
        runs = _runs(feasible, [_label(members, openable, a, w) for w in feasible])
        for run, label in runs:
            # The whole-life range matters only where it splits this annual range; a
            # range starting at the smallest possible whole-life value is written
            # without a lower limit ("under £39,000 over the whole life").
            whole = None if len(runs) == 1 else _span(run, from_nothing=run[0] is feasible[0])
            rows.append((_span([a], from_nothing=False), whole, label))
    family = Named(fam.id, fam.name)
    return [Region(family, annual, whole, *label) for annual, whole, label in _merge_rows(rows)]


def _label(
    members: Sequence[CompiledMethod],
    openable: Mapping[tuple[str, str], bool],
    annual: _Piece,
    whole: _Piece,
) -> _Label:
    """Who the bands make eligible in one cell of the plane, and what would open the others."""
    values = {"per_annum": annual.sample, "whole_life": whole.sample}
    methods: list[Named] = []
    gated: list[Gated] = []
    openers: list[Opener] = []
    for cm in members:
        spec = cm.spec
        name = Named(spec.id, spec.name)
        sides = {_side(r, values[r.basis]) for r in spec.band.ranges}
        if "within" in sides:
            if spec.requires is None:
                methods.append(name)
            else:
                gated.append(Gated(name, spec.requires.label))
        elif len(sides) == 1:
            side = next(iter(sides))
            openers += [
                Opener(name, rule.id, rule.label)
                for rule in spec.exceptions
                if rule.opens == side and openable.get((spec.id, rule.id), True)
            ]
    if methods:
        openers = []  # only gaps list what would open a method
    return tuple(methods), tuple(gated), tuple(openers)


def _side(r: Range, value: Decimal) -> str:
    if r.lower is not None and _below(value, r.lower):
        return "below"
    if r.upper is not None and _above(value, r.upper):
        return "above"
    return "within"


def _runs(pieces: Sequence[_Piece], labels: Sequence[_Label]) -> list[tuple[list[_Piece], _Label]]:
    """Consecutive pieces with the same label, grouped."""
    out: list[tuple[list[_Piece], _Label]] = []
    for piece, label in zip(pieces, labels, strict=True):
        if out and out[-1][1] == label:
            out[-1][0].append(piece)
        else:
            out.append(([piece], label))
    return out


def _merge_rows(
    rows: Sequence[tuple[Span | None, Span | None, _Label]],
) -> list[tuple[Span | None, Span | None, _Label]]:
    """Join rows that follow each other on the annual axis and agree on everything else.

    ``rows`` come in annual order; two rows merge when their annual ranges touch and
    their whole-life range and label are equal. An annual range covering every
    value becomes None ("whatever the annual value").
    """
    merged: list[tuple[Span | None, Span | None, _Label]] = []
    for annual, whole, label in rows:
        for k, (m_annual, m_whole, m_label) in enumerate(merged):
            if (m_whole, m_label) == (whole, label) and _touch(m_annual, annual):
                assert m_annual is not None and annual is not None
                merged[k] = (_union(m_annual, annual), m_whole, m_label)
                break
        else:
            merged.append((annual, whole, label))
    return [
        (None if a is not None and a.lower is None and a.upper is None else a, w, label)
        for a, w, label in merged
    ]


def _touch(left: Span | None, right: Span | None) -> bool:
    return (
        left is not None
        and right is not None
        and left.upper is not None
        and right.lower is not None
        and left.upper == right.lower
        and left.upper_inclusive != right.lower_inclusive
    )


def _union(left: Span, right: Span) -> Span:
    return Span(left.lower, left.lower_inclusive, right.upper, right.upper_inclusive)


def _requirement_notes(fam: Family, members: Sequence[CompiledMethod]) -> list[str]:
    from .explain import band_words

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
    "Findings",
    "Region",
    "Span",
    "analyse",
    "band_can_hold",
    "fact_cases",
    "never_apply",
    "side_reachable",
]
