"""The decision, step by step, as PRODUCT.md's "How the default rules decide" gives it.

It knows nothing of any authority: everything comes from the rule pack.

1. **Family**: the first family whose ``when`` holds (the last has none).
2. **Eligibility**: a method of the family is eligible when the value lies in
   its band, or when one of its exceptions holds and the value lies on the side
   of the band that the exception opens; and its requirement, if any, holds.
3. **Fit**: the share of its indicators the purchase matches.
4. **Choice**: the eligible method with the highest score; a tie goes to the
   method listed first.
5. **What follows**: contract types, obligations, and what the warnings rest on
   (a value just below a threshold, a choice resting on one range, fields not
   stated).

:func:`decide` gives an :class:`Outcome`: what was found, as data. The words
of a decision are written from it by :mod:`.explain`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..model.purchase import exact
from ..rules.compiled import CompiledMethod, Rules
from ..rules.conditions import Compiled, holds
from ..rules.schema import Band, Conflict, ContractType, ExceptionRule, Family, Obligation

_PENNY = Decimal("0.01")
Values = Mapping[str, Decimal]  # the value each basis tests: per_annum, whole_life


@dataclass(slots=True)
class Assessment:
    """How one method fares against one purchase."""

    method: CompiledMethod
    position: str  # within / below / above / outside its band
    containing: tuple[int, ...]  # which ranges of its band hold the value
    requires_ok: bool
    exception: tuple[ExceptionRule, Compiled] | None  # the exception that opened it
    matched: tuple[str, ...]  # its indicators' texts
    unmatched: tuple[str, ...]
    unstated: tuple[str, ...]  # fields its unmatched indicators read that were not stated
    gate_unstated: tuple[str, ...]  # fields a failed gate reads that were not stated
    eligible: bool
    # The share of its indicators matched. A float: the shares of a few indicators are
    # exact enough that equal shares are equal floats, which is all the tie rule needs.
    score: float


@dataclass(frozen=True, slots=True)
class NearThreshold:
    """A value within the pack's margin below a threshold where the eligible methods change."""

    basis: str
    amount: Decimal
    at_amount: bool  # the test flips at the amount itself, or just above it
    then: frozenset[str]  # the methods eligible at the threshold
    now: frozenset[str]  # the methods eligible now


@dataclass(frozen=True, slots=True)
class Outcome:
    """Everything the decision found, before it is put into words."""

    family: Family
    family_when: Compiled | None
    passed: tuple[tuple[Family, Compiled], ...]  # earlier families whose tests failed
    facts: Mapping[str, Any]
    assessments: tuple[Assessment, ...]
    chosen: Assessment | None
    contract_types: tuple[ContractType, ...]
    conflicts: tuple[Conflict, ...]
    obligations: tuple[Obligation, ...]
    near: tuple[NearThreshold, ...]
    decisive: tuple[str, ...]  # the warnings of the one range the choice rests on
    not_stated: tuple[str, ...]  # the pack's warnings about fields not stated
    unstated: tuple[str, ...]  # not stated, read by eligible methods whose scores decide

    @property
    def eligible(self) -> tuple[Assessment, ...]:
        return tuple(a for a in self.assessments if a.eligible)


def decide(rules: Rules, facts: Mapping[str, Any], values: Values, years: Fraction) -> Outcome:
    """Route a purchase given as its facts (each field's value, None where not stated) and
    the values its bands test (``per_annum``: what is spent in any one year;
    ``whole_life``: the whole value); ``years`` is its length."""
    family, when, passed = _family(rules, facts)
    facts = {**facts, "family": family.id}
    assessments = tuple(assess(cm, values, facts) for cm in rules.by_family[family.id])
    chosen = choose(assessments)
    facts["method"] = chosen.method.id if chosen is not None else None
    types = tuple(ct for ct, cond in rules.contract_types if holds(cond, facts))
    ids = {ct.id for ct in types}
    conflicts = tuple(c for c in rules.pack.conflicts if set(c.between) <= ids)
    obligations: tuple[Obligation, ...] = ()
    if chosen is not None:  # obligations come with a route
        obligations = tuple(
            o for o, cond in rules.obligations if cond is None or holds(cond, facts)
        )
    not_stated = tuple(
        ns.text
        for ns, cond in rules.not_stated
        if facts.get(ns.field) is None and (cond is None or holds(cond, facts))
    )
    return Outcome(
        family=family,
        family_when=when,
        passed=passed,
        facts=facts,
        assessments=assessments,
        chosen=chosen,
        contract_types=types,
        conflicts=conflicts,
        obligations=obligations,
        near=near_thresholds(rules, assessments, values, years, facts),
        decisive=_decisive(chosen),
        not_stated=not_stated,
        unstated=_unstated(assessments),
    )


def _unstated(assessments: tuple[Assessment, ...]) -> tuple[str, ...]:
    """Fields the eligible methods' indicators read that were not stated, where the scores
    decide: with one method eligible, no score can change the choice."""
    eligible = [a for a in assessments if a.eligible]
    if len(eligible) < 2:
        return ()
    return tuple(sorted({f for a in eligible for f in a.unstated}))


def _family(
    rules: Rules, facts: Mapping[str, Any]
) -> tuple[Family, Compiled | None, tuple[tuple[Family, Compiled], ...]]:
    passed: list[tuple[Family, Compiled]] = []
    for family, cond in rules.families:
        if cond is None or holds(cond, facts):
            return family, cond, tuple(passed)
        passed.append((family, cond))
    raise AssertionError("a checked pack always ends with a family that has no 'when'")


def assess(cm: CompiledMethod, values: Values, facts: Mapping[str, Any]) -> Assessment:
    """Steps 2 and 3 for one method: is it eligible, and how well does it fit?"""
    spec = cm.spec
    position, containing = band_position(spec.band, values)
    requires_ok = cm.requires is None or holds(cm.requires, facts)
    exception = None
    if position in ("below", "above"):
        exception = next(
            (
                (rule, cond)
                for rule, cond in zip(spec.exceptions, cm.exceptions, strict=True)
                if rule.opens == position and holds(cond, facts)
            ),
            None,
        )
    matched: list[str] = []
    unmatched: list[str] = []
    unstated: set[str] = set()
    for indicator, cond, read in zip(
        spec.indicators, cm.indicators, cm.indicator_fields, strict=True
    ):
        if holds(cond, facts):
            matched.append(indicator.text)
        else:
            unmatched.append(indicator.text)
            unstated.update(f for f in read if facts.get(f) is None)
    # Fields a failed gate reads that were not stated: stating them might open it.
    gate_fields: set[str] = set()
    if not requires_ok:
        gate_fields |= cm.requires_fields
    if exception is None and position in ("below", "above"):
        for rule, read in zip(spec.exceptions, cm.exception_fields, strict=True):
            if rule.opens == position:
                gate_fields |= read
    total = len(matched) + len(unmatched)
    return Assessment(
        method=cm,
        position=position,
        containing=containing,
        requires_ok=requires_ok,
        exception=exception,
        matched=tuple(matched),
        unmatched=tuple(unmatched),
        unstated=tuple(sorted(unstated)),
        gate_unstated=tuple(sorted(f for f in gate_fields if facts.get(f) is None)),
        eligible=requires_ok and (position == "within" or exception is not None),
        score=len(matched) / total if total else 0.0,
    )


def choose(assessments: tuple[Assessment, ...]) -> Assessment | None:
    """Step 4: the eligible method with the highest score; a tie to the first listed."""
    eligible = [a for a in assessments if a.eligible]
    if not eligible:
        return None
    return max(eligible, key=lambda a: (a.score, -a.method.index))


def band_position(band: Band, values: Values) -> tuple[str, tuple[int, ...]]:
    """Where the value lies against a band: within (some range holds it; which ones),
    below or above (every range has it on that side), or outside (below some, above
    others)."""
    sides = [r.side(values[r.basis]) for r in band.ranges]
    containing = tuple(i for i, side in enumerate(sides) if side == "within")
    if containing:
        return "within", containing
    if all(s == "below" for s in sides):
        return "below", ()
    if all(s == "above" for s in sides):
        return "above", ()
    return "outside", ()


def _eligible(cm: CompiledMethod, values: Values, facts: Mapping[str, Any]) -> bool:
    if cm.requires is not None and not holds(cm.requires, facts):
        return False
    position, _ = band_position(cm.spec.band, values)
    if position == "within":
        return True
    return any(
        rule.opens == position and holds(cond, facts)
        for rule, cond in zip(cm.spec.exceptions, cm.exceptions, strict=True)
    )


def near_thresholds(
    rules: Rules,
    assessments: tuple[Assessment, ...],
    values: Values,
    years: Fraction,
    facts: Mapping[str, Any],
) -> tuple[NearThreshold, ...]:
    """Thresholds the value lies within the pack's margin below, where the eligible methods
    would change: each looked at once, so the cost grows with the thresholds near the value,
    not with the square of the methods."""
    near = rules.pack.warnings.near_threshold
    if near is None:
        return ()
    # The whole life is the year's value times the length, for a length of a year or more.
    factor = max(years, Fraction(1))
    now = frozenset(a.method.id for a in assessments if a.eligible)
    seen: set[tuple[str, Decimal]] = set()
    out: list[NearThreshold] = []
    for a in assessments:
        for r in a.method.spec.band.ranges:
            value = values[r.basis]
            for bound, is_lower in ((r.lower, True), (r.upper, False)):
                if bound is None:
                    continue
                amount = bound.amount
                # The smallest value at which this bound's test flips: the amount itself,
                # or just above it when the amount is still on this side.
                at_amount = bound.inclusive if is_lower else not bound.inclusive
                below = value < amount if at_amount else value <= amount
                if not below or value < amount * (1 - near.margin):
                    continue
                probe = amount if at_amount else amount + _PENNY
                if (r.basis, probe) in seen:
                    continue
                seen.add((r.basis, probe))
                if r.basis == "per_annum":
                    at = {"per_annum": probe, "whole_life": exact(Fraction(probe) * factor)}
                else:
                    at = {"per_annum": exact(Fraction(probe) / factor), "whole_life": probe}
                then = frozenset(o.method.id for o in assessments if _eligible(o.method, at, facts))
                if then != now:
                    out.append(NearThreshold(r.basis, amount, at_amount, then, now))
    return tuple(out)


def _decisive(chosen: Assessment | None) -> tuple[str, ...]:
    """The pack's warning when the choice rests on one range it warns of alone (the guide's
    £39,000 whole-life figure), and not on an exception."""
    if chosen is None or chosen.exception is not None or not chosen.containing:
        return ()
    ranges = [chosen.method.spec.band.ranges[i] for i in chosen.containing]
    if all(r.warn_if_decisive for r in ranges):
        return tuple(r.warn_if_decisive for r in ranges if r.warn_if_decisive)
    return ()
