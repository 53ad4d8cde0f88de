"""The decision engine: from a purchase and a rule pack to a :class:`Decision`.

It knows nothing about Wolverhampton. Everything it decides comes from the
pack: families and their tests, methods with bands, indicators, exceptions and
requirements, contract types, obligations and warnings. The steps are those of
PRODUCT.md, "How the default rules decide":

1. family: the first whose ``when`` holds;
2. eligibility: the value lies in the band, or an exception holds and the value
   lies on the side of the band that the exception opens; any requirement holds;
3. fit: the share of indicators matched;
4. choice: the highest score, ties to the method listed first;
5. the chosen method's results, contract types, steps, obligations, warnings.

An answer depends on the purchase only through the fields its conditions read,
the length in years, and where each value falls among the pack's amounts. The
engine memoises on exactly that (:func:`decision_key`), which is what lets a
batch of a million rows run at the speed of reading them.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .conditions import Compiled, describe, fields_of, holds
from .decision import (
    Candidate,
    ContractTypeRef,
    Decision,
    ExceptionRef,
    MethodRef,
    ObligationRef,
    RulesRef,
    verdict_dict,
)
from .money import format_money
from .packschema import Band, ExceptionRule, Family, Range
from .purchase import Purchase
from .rules import _MEMO_LIMIT, CompiledMethod, Rules

_ONE = Decimal(1)
_PENNY = Decimal("0.01")
_BASIS_WORDS = {"per_annum": "a year", "whole_life": "over the whole life"}
_BASIS_VALUE = {"per_annum": "annual value", "whole_life": "whole-life value"}


@dataclass(frozen=True, slots=True)
class Verdict:
    """A decision without its purchase: shared by every purchase with the same key."""

    family: str
    method: MethodRef | None
    agreement: str | None
    full_cost_recovery: str | None
    guiding_document: str | None
    exception: ExceptionRef | None
    contract_types: tuple[ContractTypeRef, ...]
    candidates: tuple[Candidate, ...]
    steps: tuple[str, ...]
    obligations: tuple[ObligationRef, ...]
    warnings: tuple[str, ...]
    reasons: tuple[str, ...]
    rules: RulesRef

    def as_dict(self) -> dict[str, Any]:
        return verdict_dict(self)


def route(purchase: Purchase, rules: Rules) -> Decision:
    """Route one purchase: the method the rules point to, and why."""
    v = verdict(purchase, rules)
    return Decision(
        purchase,
        v.family,
        v.method,
        v.agreement,
        v.full_cost_recovery,
        v.guiding_document,
        v.exception,
        v.contract_types,
        v.candidates,
        v.steps,
        v.obligations,
        v.warnings,
        v.reasons,
        v.rules,
    )


def verdict(purchase: Purchase, rules: Rules) -> Verdict:
    key = decision_key(purchase, rules)
    found: Verdict | None = rules.memo.get(key)
    if found is None:
        found = decide(purchase, rules)
        if len(rules.memo) >= _MEMO_LIMIT:
            rules.memo.clear()
        rules.memo[key] = found
    return found


def decision_key(p: Purchase, rules: Rules) -> tuple[Any, ...]:
    """Everything about a purchase that can change its verdict, and nothing else."""
    stated = p.model_fields_set
    cuts = rules.cut_points
    annual, total = p.annual_value, p.total_value
    assert annual is not None and total is not None  # always derived by Purchase
    return (
        tuple(getattr(p, f) if f in stated else None for f in watched_fields(rules)),
        p.years,
        bisect_left(cuts, annual),
        bisect_right(cuts, annual),
        bisect_left(cuts, total),
        bisect_right(cuts, total),
    )


def watched_fields(rules: Rules) -> tuple[str, ...]:
    extra = tuple(
        n.field for n in rules.pack.warnings.not_stated if n.field not in rules.condition_fields
    )
    return rules.condition_fields + extra


# -- deciding ---------------------------------------------------------------------------


@dataclass
class _Assessment:
    cm: CompiledMethod
    position: str  # within / below / above / outside
    containing: list[Range]
    requires_ok: bool
    exception: tuple[ExceptionRule, Compiled] | None
    matched: list[str]
    unmatched: list[str]
    unstated: list[str]

    @property
    def eligible(self) -> bool:
        return self.requires_ok and (self.position == "within" or self.exception is not None)

    @property
    def score(self) -> Fraction:
        total = len(self.matched) + len(self.unmatched)
        return Fraction(len(self.matched), total) if total else Fraction(0)


def decide(p: Purchase, rules: Rules) -> Verdict:
    """Work out the verdict from scratch (``verdict`` memoises this)."""
    facts = _facts(p, rules)
    values = {"per_annum": p.annual_value, "whole_life": p.total_value}
    assert values["per_annum"] is not None and values["whole_life"] is not None
    family, family_reason = _family(rules, facts)
    facts["family"] = family.id
    assessed = [_assess(cm, values, facts) for cm in rules.methods_of(family.id)]
    eligible = [a for a in assessed if a.eligible]
    chosen = max(eligible, key=lambda a: (a.score, -a.cm.index)) if eligible else None
    if chosen is not None:
        facts["method"] = chosen.cm.spec.id

    contract_types = tuple(
        ContractTypeRef(ct.id, ct.name, ct.definition)
        for ct, cond in rules.contract_types
        if holds(cond, facts)
    )
    candidates = tuple(_candidate(a, chosen, eligible) for a in assessed)
    reasons = [family_reason]
    if chosen is not None:
        reasons.append(f"{chosen.cm.spec.name}: {_chosen_reason(chosen, eligible)}")
    else:
        reasons.append(
            f"No route: no {family.name.lower()} method is eligible for this "
            "purchase. Each method's reason says which test it failed and what "
            "would open it."
        )

    warnings = _warnings(p, rules, family, assessed, chosen, values, facts, contract_types)
    rules_ref = RulesRef(rules.name, rules.version, rules.sha256)
    if chosen is None:
        return Verdict(
            family.id,
            None,
            None,
            None,
            None,
            None,
            contract_types,
            candidates,
            (),
            (),
            tuple(warnings),
            tuple(reasons),
            rules_ref,
        )
    spec = chosen.cm.spec
    steps = tuple(rules.step_lists[spec.steps].steps) if spec.steps else ()
    obligations = tuple(
        ObligationRef(o.text, rules.cite(o.source))
        for o, cond in rules.obligations
        if cond is None or holds(cond, facts)
    )
    exception = (
        None
        if chosen.exception is None
        else ExceptionRef(chosen.exception[0].id, chosen.exception[0].text)
    )
    return Verdict(
        family.id,
        MethodRef(spec.id, spec.name),
        spec.agreement.text,
        spec.full_cost_recovery.text,
        spec.guiding_document.text,
        exception,
        contract_types,
        candidates,
        steps,
        obligations,
        tuple(warnings),
        tuple(reasons),
        rules_ref,
    )


def _facts(p: Purchase, rules: Rules) -> dict[str, Any]:
    # A field the officer did not state is None, and None matches no test, even
    # where the model fills in a default (years: 1, partners: 1).
    stated = p.model_fields_set
    return {f: (getattr(p, f) if f in stated else None) for f in rules.condition_fields}


def _family(rules: Rules, facts: Mapping[str, Any]) -> tuple[Family, str]:
    passed: list[tuple[Family, Compiled]] = []
    for fam, cond in rules.families:
        if cond is None:
            if passed:
                why = "; ".join(
                    f"the tests for {f.name} ({describe(c)}) do not hold" for f, c in passed
                )
            else:
                why = "it is the only family"
        elif holds(cond, facts):
            why = _why_holds(cond, facts)
        else:
            passed.append((fam, cond))
            continue
        return fam, f"{fam.name} ({fam.description}): {why}. The source: “{fam.source.text}”"
    raise AssertionError("a checked pack always ends with a family that has no 'when'")


def _why_holds(cond: Compiled, facts: Mapping[str, Any]) -> str:
    if cond[0] == "any":
        return " and ".join(describe(c) for c in cond[1] if holds(c, facts))
    return describe(cond)


def _assess(
    cm: CompiledMethod, values: Mapping[str, Decimal | None], facts: Mapping[str, Any]
) -> _Assessment:
    spec = cm.spec
    position, containing = band_position(spec.band, values)
    requires_ok = cm.requires is None or holds(cm.requires, facts)
    exception = None
    if position in ("below", "above"):
        for rule, cond in zip(spec.exceptions, cm.exceptions, strict=True):
            if rule.opens == position and holds(cond, facts):
                exception = (rule, cond)
                break
    matched: list[str] = []
    unmatched: list[str] = []
    unstated: set[str] = set()
    for ind, cond in zip(spec.indicators, cm.indicators, strict=True):
        if holds(cond, facts):
            matched.append(ind.text)
        else:
            unmatched.append(ind.text)
            unstated |= {
                f for f in fields_of(cond) if facts.get(f) is None and f not in ("family", "method")
            }
    return _Assessment(
        cm, position, containing, requires_ok, exception, matched, unmatched, sorted(unstated)
    )


def band_position(band: Band, values: Mapping[str, Decimal | None]) -> tuple[str, list[Range]]:
    """Where the value lies against a band: within (any range holds it), below or above
    (every range has it on that side), or outside (below some, above others)."""
    sides = []
    containing = []
    for r in band.ranges:
        side = range_side(r, values[r.basis])
        if side == "within":
            containing.append(r)
        sides.append(side)
    if containing:
        return "within", containing
    if all(s == "below" for s in sides):
        return "below", []
    if all(s == "above" for s in sides):
        return "above", []
    return "outside", []


def range_side(r: Range, value: Decimal | None) -> str:
    assert value is not None
    if r.lower is not None and (
        value < r.lower.amount or (value == r.lower.amount and not r.lower.inclusive)
    ):
        return "below"
    if r.upper is not None and (
        value > r.upper.amount or (value == r.upper.amount and not r.upper.inclusive)
    ):
        return "above"
    return "within"


# -- explaining --------------------------------------------------------------------------


def band_words(band: Band) -> str:
    """A band in words: "£50,000 or more a year, or £39,000 or more over the whole life"."""
    return ", or ".join(range_words(r) for r in band.ranges)


def range_words(r: Range) -> str:
    per = _BASIS_WORDS[r.basis]
    lo, hi = r.lower, r.upper
    if lo is None and hi is None:
        return f"any value {per}" if r.basis == "whole_life" else "any value"
    if lo is None:
        assert hi is not None
        return f"{'up to' if hi.inclusive else 'under'} {format_money(hi.amount)} {per}"
    if hi is None:
        more = "or more" if lo.inclusive else "exclusive, or more"
        return (
            f"{format_money(lo.amount)} {more} {per}"
            if lo.inclusive
            else f"more than {format_money(lo.amount)} {per}"
        )
    start = format_money(lo.amount) if lo.inclusive else f"more than {format_money(lo.amount)}"
    end = format_money(hi.amount) if hi.inclusive else f"under {format_money(hi.amount)}"
    prefix = "from " if lo.inclusive else ""
    return f"{prefix}{start} to {end} {per}"


def _pct(score: Fraction) -> str:
    return f"{float(score) * 100:.0f}%"


def _fit(a: _Assessment) -> str:
    total = len(a.matched) + len(a.unmatched)
    if total == 0:
        return "the rules list no indicators for it (score 0)"
    return f"it matches {len(a.matched)} of its {total} indicators ({_pct(a.score)})"


def _how_eligible(a: _Assessment) -> str:
    if a.exception is not None:
        rule, cond = a.exception
        side = "below" if rule.opens == "below" else "above"
        return (
            f"the value is {side} its band ({band_words(a.cm.spec.band)}), but its "
            f"exception applies: “{rule.text}” ({describe(cond)})"
        )
    held = ", and ".join(range_words(r) for r in a.containing)
    if len(a.containing) < len(a.cm.spec.band.ranges):
        return f"the value is within its band: {held} (band: {band_words(a.cm.spec.band)})"
    return f"the value is within its band ({held})"


def _chosen_reason(a: _Assessment, eligible: Sequence[_Assessment]) -> str:
    text = f"{_how_eligible(a)}, and {_fit(a)}"
    others = [o for o in eligible if o is not a]
    ties = [o for o in others if o.score == a.score]
    if not others:
        text += "; it is the only eligible method"
    elif ties:
        names = ", ".join(o.cm.spec.name for o in ties)
        text += (
            f"; {names} score{'s' if len(ties) == 1 else ''} the same, and this method "
            "comes first in the rule pack's order (the more rigorous route)"
        )
    else:
        text += ", the highest score among the eligible methods"
    return text + _not_stated(a) + "."


def _candidate(
    a: _Assessment, chosen: _Assessment | None, eligible: Sequence[_Assessment]
) -> Candidate:
    spec = a.cm.spec
    if a is chosen:
        reason = "Chosen: " + _chosen_reason(a, eligible)
    elif a.eligible:
        assert chosen is not None
        if a.score == chosen.score:
            reason = (
                f"Eligible: {_how_eligible(a)}, and {_fit(a)}; that is the same score "
                f"as {chosen.cm.spec.name}, which comes before it in the rule pack's "
                "order (the more rigorous route)"
            )
        else:
            reason = (
                f"Eligible: {_how_eligible(a)}, but {_fit(a)}, against "
                f"{_pct(chosen.score)} for {chosen.cm.spec.name}"
            )
        reason += _not_stated(a) + "."
    else:
        reason = _ineligible_reason(a)
    return Candidate(
        spec.id, spec.name, a.eligible, float(a.score), tuple(a.matched), tuple(a.unmatched), reason
    )


def _ineligible_reason(a: _Assessment) -> str:
    spec = a.cm.spec
    gates: list[str] = []
    openers: list[str] = []
    if not a.requires_ok:
        assert spec.requires is not None and a.cm.requires is not None
        gates.append(
            f"it is only for {spec.requires.label} (“{spec.requires.text}”), so it "
            f"needs {describe(a.cm.requires)}"
        )
    if a.position != "within":
        where = {"below": "below", "above": "above", "outside": "outside"}[a.position]
        gates.append(f"the value is {where} its band ({band_words(spec.band)})")
        same_side = [
            (rule, cond)
            for rule, cond in zip(spec.exceptions, a.cm.exceptions, strict=True)
            if rule.opens == a.position
        ]
        if same_side:
            openers += [
                f"{rule.label} ({describe(cond)}): “{rule.text}”" for rule, cond in same_side
            ]
        elif spec.exceptions:
            sides = {"below": "lower", "above": "higher"}
            words = " or ".join(sorted({sides[r.opens] for r in spec.exceptions}))
            openers = []
            gates[-1] += (
                f"; its exceptions only open it for {words} amounts, so nothing "
                "opens it at this value"
            )
            return "Not eligible: " + "; and ".join(gates) + "."
        else:
            gates[-1] += "; the rules give it no exception"
            return "Not eligible: " + "; and ".join(gates) + "."
    text = "Not eligible: " + "; and ".join(gates) + "."
    if openers:
        text += " It would be open if " + "; or if ".join(openers) + "."
    return text


def _not_stated(a: _Assessment) -> str:
    if not a.unstated:
        return ""
    return f" (not stated, so not matched: {', '.join(a.unstated)})"


# -- warnings ---------------------------------------------------------------------------


def _warnings(
    p: Purchase,
    rules: Rules,
    family: Family,
    assessed: list[_Assessment],
    chosen: _Assessment | None,
    values: Mapping[str, Decimal | None],
    facts: Mapping[str, Any],
    contract_types: tuple[ContractTypeRef, ...],
) -> list[str]:
    out: list[str] = []
    out += _near_threshold(p, rules, family, assessed, values, facts)
    if (
        chosen is not None
        and chosen.exception is None
        and chosen.containing
        and all(r.warn_if_decisive for r in chosen.containing)
    ):
        out += [r.warn_if_decisive for r in chosen.containing if r.warn_if_decisive]
    stated = p.model_fields_set
    out += [n.text for n in rules.pack.warnings.not_stated if n.field not in stated]
    unstated = sorted({f for a in assessed if a.eligible for f in a.unstated})
    if unstated:
        them = "it" if len(unstated) == 1 else "them"
        out.append(
            f"Not stated: {', '.join(unstated)}. Indicators that depend on {them} "
            f"count as not matched; stating {them} could change the scores and so "
            "the recommendation."
        )
    chosen_ids = {c.id for c in contract_types}
    names = {c.id: c.name for c in contract_types}
    for conflict in rules.pack.conflicts:
        a, b = conflict.between
        if a in chosen_ids and b in chosen_ids:
            out.append(
                f"Contract types that contradict each other: {names[a]} and "
                f"{names[b]}. {conflict.reason}"
            )
    return out


def _near_threshold(
    p: Purchase,
    rules: Rules,
    family: Family,
    assessed: list[_Assessment],
    values: Mapping[str, Decimal | None],
    facts: Mapping[str, Any],
) -> list[str]:
    near = rules.pack.warnings.near_threshold
    if near is None:
        return []
    factor = max(p.years, _ONE)
    now = {a.cm.spec.id for a in assessed if a.eligible}
    names = {a.cm.spec.id: a.cm.spec.name for a in assessed}
    seen: set[tuple[str, Decimal]] = set()
    out: list[str] = []
    for a in assessed:
        for r in a.cm.spec.band.ranges:
            value = values[r.basis]
            assert value is not None
            for bound, is_lower in ((r.lower, True), (r.upper, False)):
                if bound is None:
                    continue
                amount = bound.amount
                # The smallest value at which this bound's test flips: the amount
                # itself, or just above it when the amount is still on this side.
                flips_at_amount = bound.inclusive if is_lower else not bound.inclusive
                probe = amount if flips_at_amount else amount + _PENNY
                below_probe = value < amount if flips_at_amount else value <= amount
                if not below_probe or value < amount * (1 - near.margin):
                    continue
                if (r.basis, probe) in seen:
                    continue
                seen.add((r.basis, probe))
                probe_values = (
                    {"per_annum": probe, "whole_life": probe * factor}
                    if r.basis == "per_annum"
                    else {"per_annum": probe / factor, "whole_life": probe}
                )
                then = {
                    o.cm.spec.id for o in assessed if _assess(o.cm, probe_values, facts).eligible
                }
                if then == now:
                    continue
                at = (
                    f"At {format_money(amount)}"
                    if flips_at_amount
                    else f"Above {format_money(amount)}"
                )
                out.append(
                    f"The {_BASIS_VALUE[r.basis]} is within {float(near.margin) * 100:g}% "
                    f"below the {format_money(amount)} {_BASIS_WORDS[r.basis]} threshold. "
                    f"{at} the eligible methods would be {_names(then, names)} instead of "
                    f"{_names(now, names)}. {near.advice}"
                )
    return out


def _names(ids: set[str], names: Mapping[str, str]) -> str:
    if not ids:
        return "none"
    ordered = [names[i] for i in names if i in ids]
    return (
        " and ".join(ordered)
        if len(ordered) <= 2
        else ", ".join(ordered[:-1]) + " and " + ordered[-1]
    )
