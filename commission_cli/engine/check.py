"""Checking a method used against the rules: does it agree with their choice, and why.

The answer is the decision's own words: the method the rules choose (or that
there is no route), and for a method that lost, the reason its candidate gives
(out of its band, a lower score, another family).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import InputError, Problem
from ..model.decision import Decision
from ..rules.compiled import Rules

NO_ROUTE = "none"  # the method used when the purchase is expected to have no route


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Whether the method used agrees with the rules, and why, in words."""

    agrees: bool
    used: str  # a method id of the pack, or NO_ROUTE
    recommended: str  # the rules' choice: a method id, or NO_ROUTE
    reason: str  # "agrees: ..." or "disagrees: ..."


def method_ids(rules: Rules) -> list[str]:
    return [m.id for m in rules.methods]


def known_method(value: str, rules: Rules, where: str) -> str:
    """The method id ``value`` names (forgiving case, spaces and hyphens), or NO_ROUTE;
    an InputError naming every known id otherwise (``where``: the option or column)."""
    known = method_ids(rules)
    cleaned = "_".join(value.strip().lower().replace("-", " ").split())
    if cleaned in known or cleaned == NO_ROUTE:
        return cleaned
    close = difflib.get_close_matches(cleaned, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    message = f"no method {value!r} in the rule pack{hint} (known: {_listed(known)}, or none)"
    raise InputError([Problem(message, source=where)])


def _listed(ids: Sequence[str]) -> str:
    return ", ".join(ids)


def check(decision: Decision, used: str) -> CheckResult:
    """Does ``used`` (a method id or NO_ROUTE, see :func:`known_method`) agree with the
    decision, and why (or why not)."""
    chosen = decision.method
    recommended = NO_ROUTE if chosen is None else chosen.id
    agrees = used == recommended
    return CheckResult(agrees, used, recommended, _reason(decision, used, agrees))


def _reason(decision: Decision, used: str, agrees: bool) -> str:
    chosen = decision.method
    last = decision.reasons[-1] if decision.reasons else ""
    if chosen is None and agrees:
        return "agrees: the rules give no route for this purchase."
    if chosen is not None and agrees:
        return f"agrees: the rules choose {chosen.name} ({chosen.id}). {last}"
    if chosen is not None and used == NO_ROUTE:
        return (
            f"disagrees: the rules choose {chosen.name} ({chosen.id}), so there is a route. {last}"
        )
    why = _why_not(decision, used)
    if chosen is None:
        return f"disagrees: the rules give no route for this purchase, not {used}. {why}"
    return f"disagrees: the rules choose {chosen.name} ({chosen.id}), not {used}. {why}"


def _why_not(decision: Decision, used: str) -> str:
    """Why the method used was not the choice: its candidate's reason, or its family."""
    candidate = next((c for c in decision.candidates if c.id == used), None)
    if candidate is not None:
        return f"{candidate.name}: {candidate.reason}"
    first = decision.reasons[0] if decision.reasons else ""
    return (
        f"{used} is not a method of the {decision.family} family, which this purchase "
        f"falls in: {first}"
    )
