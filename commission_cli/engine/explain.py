"""The words of a decision, written from what :mod:`.decide` found.

Every sentence is built from the pack (its names, bands and the source's own
words) and the outcome's findings; none quotes the purchase's own amounts, so
one explanation serves every purchase with the same answer.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from datetime import date

from ..model.decision import (
    Candidate,
    ExceptionRef,
    Verdict,
)
from ..model.money import format_money
from ..rules.compiled import Rules
from ..rules.conditions import holds
from ..rules.words import BASIS_VALUE, BASIS_WORDS, describe, join_names
from .decide import Assessment, NearThreshold, Outcome

# How the warning listing the fields eligible methods read but were not given begins:
# the interview sets it apart (an answer to any question changes it).
UNSTATED_NOTE = "Not stated: "


def edition_words(rules: Rules, today: date) -> tuple[str, ...]:
    """A warning when the pack is not in force today (the day it was loaded): a decision
    made under rules that have lapsed, or not yet begun, says so."""
    if today < rules.valid_from:
        return (
            f"These rules come into force on {rules.valid_from.isoformat()}, after today "
            f"({today.isoformat()}): check which rules are in force now.",
        )
    if rules.valid_until is not None and today > rules.valid_until:
        return (
            f"These rules were in force until {rules.valid_until.isoformat()}, before today "
            f"({today.isoformat()}): check which rules replaced them.",
        )
    return ()


def mixed_vat_words(family_id: str, rules: Rules) -> tuple[str, ...]:
    """A warning when the family's ranges differ on whether amounts include VAT: there is
    no VAT rate to convert between them yet, so the amounts were compared as given."""
    if family_id not in rules.mixed_vat:
        return ()
    name = next(f.name for f, _ in rules.families if f.id == family_id)
    return (
        f"The rules' {name} ranges differ on whether amounts include VAT, and there is no "
        "VAT rate to convert between them: the amounts were compared as given with every "
        "range. Check the amounts against the thresholds on the basis each states.",
    )


def explain(outcome: Outcome, rules: Rules) -> Verdict:
    """The verdict, in words, for an outcome of :func:`~.decide.decide`."""
    chosen = outcome.chosen
    eligible = outcome.eligible
    spec = chosen.method.spec if chosen else None
    family = outcome.family
    if chosen is None:
        decision = (
            f"No route: no {family.name.lower()} method is eligible for this purchase. Each "
            "method's reason says which test it failed and what would open it."
        )
    else:
        decision = f"{chosen.method.spec.name}: {chosen_reason(chosen, eligible)}"
    warnings = (
        *(_shared(near_words(n, rules, outcome.assessments)) for n in outcome.near),
        *outcome.decisive,
        *outcome.not_stated,
        *_unstated_words(outcome.unstated),
        *_conflict_words(outcome, rules),
        *edition_words(rules, rules.loaded_on),
        *mixed_vat_words(family.id, rules),
    )
    return Verdict(
        family=family.id,
        method=None if spec is None else rules.method_refs[spec.id],
        results=rules.result_refs[None if spec is None else spec.id],
        exception=None
        if chosen is None or chosen.exception is None
        else ExceptionRef(chosen.exception[0].id, chosen.exception[0].text),
        contract_types=tuple(rules.contract_type_refs[ct.id] for ct in outcome.contract_types),
        candidates=tuple(
            Candidate(
                a.method.spec.id,
                a.method.spec.name,
                a.eligible,
                a.score,
                a.matched,
                a.unmatched,
                _shared(candidate_reason(a, chosen, eligible)),
            )
            for a in outcome.assessments
        ),
        steps=tuple(rules.step_lists[spec.steps].steps) if spec and spec.steps else (),
        obligations=tuple(rules.obligation_refs[o.id] for o in outcome.obligations),
        warnings=warnings,
        reasons=(_shared(family_reason(outcome)), _shared(decision)),
        rules=rules.ref,
    )


def _shared(text: str) -> str:
    """The one copy of a sentence that many verdicts say alike.

    The memo holds thousands of verdicts and most of their words are the same from
    one to the next (a method's reason for being out of band does not change with
    the amount); without this each would keep its own copy, and the memo's memory
    would be several times what it needs. Interned strings are dropped when no
    verdict holds them any more.
    """
    return sys.intern(text)


def family_reason(outcome: Outcome) -> str:
    fam, cond = outcome.family, outcome.family_when
    if cond is None:
        why = (
            "; ".join(
                f"the tests for {f.name} ({describe(c)}) do not hold" for f, c in outcome.passed
            )
            if outcome.passed
            else "it is the only family"
        )
    elif cond[0] == "any":
        why = " and ".join(describe(c) for c in cond[1] if holds(c, outcome.facts))
    else:
        why = describe(cond)
    return f"{fam.name} ({fam.description}): {why}. The source: “{fam.source.text}”"


def _pct(score: float) -> str:
    return f"{score * 100:.0f}%"


def _fit(a: Assessment) -> str:
    total = len(a.matched) + len(a.unmatched)
    if total == 0:
        return "the rules list no indicators for it (score 0)"
    return f"it matches {len(a.matched)} of its {total} indicators ({_pct(a.score)})"


def _how_eligible(a: Assessment) -> str:
    cm = a.method
    if a.exception is not None:
        rule, _ = a.exception
        words = cm.exception_words[cm.spec.exceptions.index(rule)]
        return (
            f"the value is {rule.opens} its band ({cm.band_words}), but its exception "
            f"applies: “{rule.text}” ({words})"
        )
    held = ", and ".join(cm.range_words[i] for i in a.containing)
    if len(a.containing) < len(cm.range_words):
        return f"the value is within its band: {held} (band: {cm.band_words})"
    return f"the value is within its band ({held})"


def _not_stated(a: Assessment) -> str:
    return f" (not stated, so not matched: {', '.join(a.unstated)})" if a.unstated else ""


def chosen_reason(a: Assessment, eligible: Sequence[Assessment]) -> str:
    """Why the chosen method was chosen (without naming it)."""
    text = f"{_how_eligible(a)}, and {_fit(a)}"
    others = [o for o in eligible if o is not a]
    ties = [o for o in others if o.score == a.score]
    if not others:
        text += "; it is the only eligible method"
    elif ties:
        names = ", ".join(o.method.spec.name for o in ties)
        text += (
            f"; {names} score{'s' if len(ties) == 1 else ''} the same, and this method "
            "comes first in the rule pack's order (the more rigorous route)"
        )
    else:
        text += ", the highest score among the eligible methods"
    return text + _not_stated(a) + "."


def candidate_reason(
    a: Assessment, chosen: Assessment | None, eligible: Sequence[Assessment]
) -> str:
    if a is chosen:
        return "Chosen: " + chosen_reason(a, eligible)
    if a.eligible:
        assert chosen is not None
        if a.score == chosen.score:
            text = (
                f"Eligible: {_how_eligible(a)}, and {_fit(a)}; that is the same score as "
                f"{chosen.method.spec.name}, which comes before it in the rule pack's order "
                "(the more rigorous route)"
            )
        else:
            # "; but": how it is eligible may itself say "but" (its exception applies).
            text = (
                f"Eligible: {_how_eligible(a)}; but {_fit(a)}, against "
                f"{_pct(chosen.score)} for {chosen.method.spec.name}"
            )
        return text + _not_stated(a) + "."
    return _ineligible_reason(a)


def _ineligible_reason(a: Assessment) -> str:
    cm = a.method
    spec = cm.spec
    gates: list[str] = []
    openers: list[str] = []
    if not a.requires_ok:
        assert spec.requires is not None
        gates.append(
            f"it is only for {spec.requires.label} (“{spec.requires.text}”), so it "
            f"needs {cm.requires_words}"
        )
    if a.position != "within":
        gates.append(f"the value is {a.position} its band ({cm.band_words})")
        same_side = [
            (rule, words)
            for rule, words in zip(spec.exceptions, cm.exception_words, strict=True)
            if rule.opens == a.position
        ]
        if same_side:
            openers += [f"{rule.label} ({words}): “{rule.text}”" for rule, words in same_side]
        elif spec.exceptions:
            sides = {"below": "lower", "above": "higher"}
            words = " or ".join(sorted({sides[r.opens] for r in spec.exceptions}))
            gates[-1] += (
                f"; its exceptions only open it for {words} amounts, so nothing "
                "opens it at this value"
            )
        else:
            gates[-1] += "; the rules give it no exception"
    text = "Not eligible: " + "; and ".join(gates) + "."
    if openers:
        text += " It would be open if " + "; or if ".join(openers) + "."
    if a.gate_unstated:
        text += f" Not stated, so taken as not holding: {', '.join(a.gate_unstated)}."
    return text


def near_words(near: NearThreshold, rules: Rules, assessments: Sequence[Assessment]) -> str:
    margin = rules.pack.warnings.near_threshold
    assert margin is not None
    names = {a.method.spec.id: a.method.spec.name for a in assessments}
    at = (
        f"At {format_money(near.amount)}"
        if near.at_amount
        else f"Above {format_money(near.amount)}"
    )
    now = _names_of(near.now, names)
    change = (
        f"the eligible methods would be {_names_of(near.then, names)} instead of {now}"
        if near.then
        else f"no method would be eligible (now: {now})"
    )
    return (
        f"The {BASIS_VALUE[near.basis]} is within {float(margin.margin) * 100:g}% below the "
        f"{format_money(near.amount)} {BASIS_WORDS[near.basis]} threshold. {at} {change}. "
        f"{margin.advice}"
    )


def _names_of(ids: frozenset[str], names: Mapping[str, str]) -> str:
    """Method names in the pack's order, joined for a sentence."""
    ordered = [name for method_id, name in names.items() if method_id in ids]
    return join_names(ordered) if ordered else "none"


def _unstated_words(unstated: tuple[str, ...]) -> tuple[str, ...]:
    if not unstated:
        return ()
    them = "it" if len(unstated) == 1 else "them"
    return (
        f"{UNSTATED_NOTE}{', '.join(unstated)}. Indicators that depend on {them} count as not "
        f"matched; stating {them} could change the scores and so the recommendation.",
    )


def _conflict_words(outcome: Outcome, rules: Rules) -> tuple[str, ...]:
    names = {ct.id: ct.name for ct in outcome.contract_types}
    return tuple(
        f"Contract types that contradict each other: {names[c.between[0]]} and "
        f"{names[c.between[1]]}. {c.reason}"
        for c in outcome.conflicts
    )
