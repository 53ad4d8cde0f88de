"""The words of a decision: bands, reasons, and why each method was or was not chosen.

Every sentence is built from the pack (its names, bands and the source's own
words) and never mentions a purchase's own amounts, so that one explanation
serves every purchase with the same answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from sys import intern
from typing import Any

from .conditions import Compiled, describe, holds
from .money import format_money
from .packschema import Band, ExceptionRule, Family, Range
from .rules import CompiledMethod

BASIS_WORDS = {"per_annum": "a year", "whole_life": "over the whole life"}
BASIS_VALUE = {"per_annum": "annual value", "whole_life": "whole-life value"}


@dataclass(init=False, eq=False, repr=False)
class Assessment:
    """How one method fares against one purchase (shared by purchases alike in what it reads)."""

    cm: CompiledMethod
    position: str  # within / below / above / outside its band
    containing: tuple[Range, ...]  # the ranges of its band that hold the value
    requires_ok: bool
    exception: tuple[ExceptionRule, Compiled] | None
    matched: tuple[str, ...]
    unmatched: tuple[str, ...]
    unstated: tuple[str, ...]  # fields its unmatched indicators read that were not stated
    eligible: bool
    score: Fraction
    serial: int = 0
    gate_unstated: tuple[str, ...] = ()  # fields a failed gate reads that were not stated
    # Phrases worked out once per assessment, so a new combination of methods
    # costs only the joining of sentences.
    how: str = ""
    fit: str = ""
    not_stated: str = ""
    refused: str = ""

    # Written out: a generated __init__ is compiled at every start (see README, Speed).
    def __init__(
        self,
        cm: CompiledMethod,
        position: str,
        containing: tuple[Range, ...],
        requires_ok: bool,
        exception: tuple[ExceptionRule, Compiled] | None,
        matched: tuple[str, ...],
        unmatched: tuple[str, ...],
        unstated: tuple[str, ...],
        eligible: bool,
        score: Fraction,
        serial: int = 0,
        gate_unstated: tuple[str, ...] = (),
        how: str = "",
        fit: str = "",
        not_stated: str = "",
        refused: str = "",
    ) -> None:
        self.cm = cm
        self.position = position
        self.containing = containing
        self.requires_ok = requires_ok
        self.exception = exception
        self.matched = matched
        self.unmatched = unmatched
        self.unstated = unstated
        self.eligible = eligible
        self.score = score
        self.serial = serial
        self.gate_unstated = gate_unstated
        self.how = how
        self.fit = fit
        self.not_stated = not_stated
        self.refused = refused


def with_phrases(a: Assessment) -> Assessment:
    """The assessment with its phrases filled in."""
    from dataclasses import replace

    # Interned: many assessments (and the verdicts made of them) say the same words,
    # and a long batch keeps thousands of them.
    return replace(
        a,
        how=intern(_how_eligible(a)) if a.eligible else "",
        fit=intern(_fit(a)),
        not_stated=intern(_not_stated(a)),
        refused="" if a.eligible else intern(_ineligible_reason(a)),
    )


def band_words(band: Band) -> str:
    """A band in words: "£50,000 or more a year, or £39,000 or more over the whole life"."""
    return ", or ".join(range_words(r) for r in band.ranges)


def range_words(r: Range) -> str:
    per = BASIS_WORDS[r.basis]
    lo, hi = r.lower, r.upper
    if lo is None and hi is None:
        return f"any value {per}" if r.basis == "whole_life" else "any value"
    if lo is None:
        assert hi is not None
        return f"{'up to' if hi.inclusive else 'under'} {format_money(hi.amount)} {per}"
    if hi is None:
        if lo.inclusive:
            return f"{format_money(lo.amount)} or more {per}"
        return f"more than {format_money(lo.amount)} {per}"
    start = format_money(lo.amount) if lo.inclusive else f"more than {format_money(lo.amount)}"
    end = format_money(hi.amount) if hi.inclusive else f"under {format_money(hi.amount)}"
    prefix = "from " if lo.inclusive else ""
    return f"{prefix}{start} to {end} {per}"


def family_reason(
    fam: Family,
    cond: Compiled | None,
    facts: Mapping[str, Any],
    passed: Sequence[tuple[Family, Compiled]],
) -> str:
    if cond is None:
        why = (
            "; ".join(f"the tests for {f.name} ({describe(c)}) do not hold" for f, c in passed)
            if passed
            else "it is the only family"
        )
    elif cond[0] == "any":
        why = " and ".join(describe(c) for c in cond[1] if holds(c, facts))
    else:
        why = describe(cond)
    return f"{fam.name} ({fam.description}): {why}. The source: “{fam.source.text}”"


def _pct(score: Fraction) -> str:
    return f"{float(score) * 100:.0f}%"


def _fit(a: Assessment) -> str:
    total = len(a.matched) + len(a.unmatched)
    if total == 0:
        return "the rules list no indicators for it (score 0)"
    return f"it matches {len(a.matched)} of its {total} indicators ({_pct(a.score)})"


def _how_eligible(a: Assessment) -> str:
    band = a.cm.spec.band
    if a.exception is not None:
        rule, cond = a.exception
        return (
            f"the value is {rule.opens} its band ({band_words(band)}), but its exception "
            f"applies: “{rule.text}” ({describe(cond)})"
        )
    held = ", and ".join(range_words(r) for r in a.containing)
    if len(a.containing) < len(band.ranges):
        return f"the value is within its band: {held} (band: {band_words(band)})"
    return f"the value is within its band ({held})"


def _not_stated(a: Assessment) -> str:
    return f" (not stated, so not matched: {', '.join(a.unstated)})" if a.unstated else ""


def chosen_reason(a: Assessment, eligible: Sequence[Assessment]) -> str:
    """Why the chosen method was chosen (without naming it)."""
    text = f"{a.how}, and {a.fit}"
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
    return text + a.not_stated + "."


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
                f"{chosen.cm.spec.name}, which comes before it in the rule pack's order "
                "(the more rigorous route)"
            )
        else:
            text = (
                f"Eligible: {_how_eligible(a)}, but {_fit(a)}, against "
                f"{_pct(chosen.score)} for {chosen.cm.spec.name}"
            )
        return text + a.not_stated + "."
    return a.refused


def _ineligible_reason(a: Assessment) -> str:
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
        gates.append(f"the value is {a.position} its band ({band_words(spec.band)})")
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


def names_of(ids: set[str], names: Mapping[str, str]) -> str:
    """Method names in the pack's order, joined for a sentence."""
    if not ids:
        return "none"
    ordered = [names[i] for i in names if i in ids]
    if len(ordered) <= 2:
        return " and ".join(ordered)
    return ", ".join(ordered[:-1]) + " and " + ordered[-1]
