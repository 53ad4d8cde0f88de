"""A pack's rules in words: bands ("£50,000 or more a year") and conditions
("service is statutory or required"), as every explanation and view writes them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..model.money import format_money
from .conditions import Compiled
from .schema import Band, Range

BASIS_WORDS = {"per_annum": "a year", "whole_life": "over the whole life"}
BASIS_VALUE = {"per_annum": "annual value", "whole_life": "whole-life value"}


def band_words(band: Band) -> str:
    """A band in words: "£50,000 or more a year, or £39,000 or more over the whole life"."""
    return ", or ".join(range_words(r) for r in band.ranges)


def range_words(r: Range) -> str:
    return span_words(
        r.basis,
        None if r.lower is None else (r.lower.amount, r.lower.inclusive),
        None if r.upper is None else (r.upper.amount, r.upper.inclusive),
    )


def span_words(
    basis: str, lower: tuple[Decimal, bool] | None, upper: tuple[Decimal, bool] | None
) -> str:
    per = BASIS_WORDS[basis]
    if lower is None and upper is None:
        return f"any value {per}" if basis == "whole_life" else "any value"
    if lower is None:
        assert upper is not None
        return f"{'up to' if upper[1] else 'under'} {format_money(upper[0])} {per}"
    if upper is None:
        if lower[1]:
            return f"{format_money(lower[0])} or more {per}"
        return f"more than {format_money(lower[0])} {per}"
    start = format_money(lower[0]) if lower[1] else f"more than {format_money(lower[0])}"
    end = format_money(upper[0]) if upper[1] else f"under {format_money(upper[0])}"
    prefix = "from " if lower[1] else ""
    return f"{prefix}{start} to {end} {per}"


def describe(cond: Compiled) -> str:
    """A condition in words: "service is statutory or required and eu_exempt is true"."""
    op = cond[0]
    if op in ("all", "any"):
        joiner = " and " if op == "all" else " or "
        parts = [describe(c) if c[0] not in ("all", "any") else f"({describe(c)})" for c in cond[1]]
        return joiner.join(parts)
    name = cond[1]
    if op == "eq":
        return f"{name} is {value_word(cond[2])}"
    if op == "in":
        return f"{name} is " + " or ".join(value_word(v) for v in cond[2])
    return f"{name} is {'at least' if op == 'ge' else 'at most'} {value_word(cond[2])}"


def value_word(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def join_names(names: Sequence[str]) -> str:
    """Names joined for a sentence: "A", "A and B", "A, B and C"."""
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
