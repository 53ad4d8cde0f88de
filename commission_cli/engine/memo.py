"""The engine's one memo: verdicts remembered by what can change them, and nothing else.

A verdict depends on a purchase's facts and on its two amounts (what is spent in
a year, and over the whole life), but on an amount only through where it falls
among the pack's thresholds: every band bound is one, and so is where each
near-threshold window below a bound begins. Between two thresholds every band
test and every window test comes out the same, so the key holds the *place* of
each amount (:meth:`Rules.place`), and the verdict is worked out for a value in
that place. The length matters only inside a window, where it scales one amount
into the other at the threshold; a field no condition reads matters only by
whether it was stated. Bounded, so a register of any length takes the same memory.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from typing import Any

from ..model.decision import Verdict
from ..model.purchase import Purchase
from ..rules.compiled import Rules
from .decide import decide
from .explain import explain

MEMO_SIZE = 4096

Key = tuple[Any, ...]


def verdict_key(purchase: Purchase, rules: Rules) -> Key:
    """Everything about a purchase that its verdict depends on, and nothing else."""
    stated = purchase.model_fields_set
    values = purchase.__dict__
    read = rules.condition_fields
    facts = tuple(
        (values[f] if f in read else True) if f in stated else None for f in rules.fact_fields
    )
    year = rules.place("per_annum", purchase.per_annum)
    life = rules.place("whole_life", values["total_value"])
    near = rules.in_window["per_annum"][year] or rules.in_window["whole_life"][life]
    return (year, life, purchase.years if near else None, facts)


@lru_cache(maxsize=MEMO_SIZE)
def verdict(rules: Rules, key: Key) -> Verdict:
    """The verdict for a purchase known by its :func:`verdict_key`."""
    year, life, years, facts = key
    outcome = decide(
        rules,
        dict(zip(rules.fact_fields, facts, strict=True)),
        {
            "per_annum": rules.amount_at("per_annum", year),
            "whole_life": rules.amount_at("whole_life", life),
        },
        Fraction(1) if years is None else years,
    )
    return explain(outcome, rules)
