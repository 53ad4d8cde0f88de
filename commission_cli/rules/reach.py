"""Can a rule ever apply? The facts a pack's tests read, tried in every combination.

Checked on every load, since a pack with a family that earlier families always
take first, or a method no purchase can make eligible, is refused; kept apart
from :mod:`.analysis` (the gaps and overlaps `rules check` reports), which
only that command needs.

Whether a test on the purchase (a family's ``when``, a requirement, an
exception) can hold at all is settled by trying every combination of the facts
it reads, one value for each case the tests can tell apart.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

from ..io.documents import PathKey
from ..model.fields import FieldDecl
from ..model.money import MAX_MONEY, format_money
from .compiled import CompiledMethod
from .conditions import Compiled, atoms, holds
from .schema import Band, Family, Range
from .words import band_words, describe

# Beyond this many combinations of facts, a test is assumed able to hold: the analysis
# may then miss a rule that can never apply, but never refuses a good pack.
MAX_COMBINATIONS = 20_000

Side = Literal["below", "above"]


# -- facts: can a set of tests hold together? ------------------------------------------


def _number_cases(constants: Iterable[Any]) -> tuple[Any, ...]:
    """One value for each stretch of the line the tests can tell apart."""
    points = sorted(set(constants))
    if not points:
        return (None,)
    cases: list[Any] = [None, *points]
    if all(isinstance(p, (int, Decimal)) or hasattr(p, "numerator") for p in points):
        cases += [points[0] - 1, points[-1] + 1]
        cases += [(a + b) / 2 for a, b in itertools.pairwise(points)]
    return tuple(cases)


def _cases(name: str, constants: list[Any], fields: Mapping[str, FieldDecl]) -> tuple[Any, ...]:
    decl = fields.get(name)
    if decl is None:
        return (None, *dict.fromkeys(constants))  # the route so far: family or method
    if decl.kind == "choice":
        return (None, *(v.id for v in decl.values))
    if decl.kind == "yes_no":
        return (None, True, False)
    if decl.kind in ("number", "length", "date"):
        return _number_cases(constants)
    return (None,)  # money and text are never tested by a condition


def fact_cases(
    conds: Sequence[Compiled | None],
    fields: Mapping[str, FieldDecl],
    fixed: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]] | None:
    """Every combination of the facts these conditions read that they can tell apart.

    ``fixed`` sets facts known beforehand (the family, for a method's tests).
    None when there are more than :data:`MAX_COMBINATIONS`.
    """
    fixed = dict(fixed or {})
    constants: dict[str, list[Any]] = {}
    for cond in conds:
        if cond is None:
            continue
        for atom in atoms(cond):
            if atom[1] in fixed:
                continue
            values = atom[2] if atom[0] == "in" else (atom[2],)
            constants.setdefault(atom[1], []).extend(values)
    names = sorted(constants)
    choices = [_cases(name, constants[name], fields) for name in names]
    total = 1
    for c in choices:
        total *= len(c)
    if total > MAX_COMBINATIONS:
        return None
    return [
        {**fixed, **dict(zip(names, combo, strict=True))} for combo in itertools.product(*choices)
    ]


def family_gate(
    families: Sequence[tuple[Family, Compiled | None]], index: int
) -> list[tuple[Compiled | None, bool]]:
    """The tests that put a purchase in family ``index``: its own holds, no earlier one does."""
    gate: list[tuple[Compiled | None, bool]] = [(c, False) for _, c in families[:index]]
    gate.append((families[index][1], True))
    return gate


def passes(gate: Sequence[tuple[Compiled | None, bool]], facts: Mapping[str, Any]) -> bool:
    return all((True if cond is None else holds(cond, facts)) == wanted for cond, wanted in gate)


# -- values: what a band can hold ----------------------------------------------------------


def _range_can_hold(r: Range) -> bool:
    """Is any value a purchase can have (above £0, at most MAX_MONEY) in the range?"""
    low, low_in = (Decimal(0), False) if r.lower is None else (r.lower.amount, r.lower.inclusive)
    if low <= 0:
        low, low_in = Decimal(0), False
    high, high_in = (MAX_MONEY, True) if r.upper is None else (r.upper.amount, r.upper.inclusive)
    if high > MAX_MONEY:
        high, high_in = MAX_MONEY, True
    return low < high or (low == high and low_in and high_in)


def side_reachable(band: Band, side: Side) -> bool:
    """Can a purchase's value lie below (or above) every range of the band at once?"""
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
    families: Sequence[tuple[Family, Compiled | None]],
    methods: Sequence[CompiledMethod],
    fields: Mapping[str, FieldDecl],
) -> list[tuple[PathKey, str]]:
    """(where, why) for each family that can never apply and each method that can never be
    eligible. These are defects: a pack that has any is refused."""
    out: list[tuple[PathKey, str]] = []
    dead: set[str] = set()
    gates = [family_gate(families, i) for i in range(len(families))]
    for i, (fam, cond) in enumerate(families):
        cases = fact_cases([c for c, _ in gates[i]], fields)
        if cases is not None and not any(passes(gates[i], f) for f in cases):
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
            why = _why_never_eligible(cm, gates[index[cm.spec.family]], fields)
            if why is not None:
                out.append(why)
    return out


def _why_never_eligible(
    cm: CompiledMethod,
    gate: Sequence[tuple[Compiled | None, bool]],
    fields: Mapping[str, FieldDecl],
) -> tuple[PathKey, str] | None:
    spec = cm.spec
    if cm.requires is None and band_can_hold(spec.band):
        return None  # the commonest case needs no combinations tried
    cases = fact_cases(
        [c for c, _ in gate] + [cm.requires, *cm.exceptions], fields, {"family": spec.family}
    )
    if cases is None:
        return None  # too many combinations to try: assume it can
    member = [f for f in cases if passes(gate, f)]
    allowed = [f for f in member if cm.requires is None or holds(cm.requires, f)]
    path: PathKey = ("methods", cm.index)
    if not allowed:
        assert cm.requires is not None
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
    return (
        (*path, "band"),
        f"method {spec.id!r} can never be eligible: its band ({band_words(spec.band)}) holds "
        f"no value a purchase can have (more than £0, at most {format_money(MAX_MONEY)}), and "
        + "; and ".join(reasons),
    )
