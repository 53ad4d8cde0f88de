"""How each kind of value is read: text, money, numbers, lengths, yes/no, choices, dates.

A value arrives as the text a person wrote (a YAML or JSON scalar, a CSV cell,
a flag, an answer typed at the interview), or as a Python value from a script.
Each reader here takes it, checks it within bounds before converting it, and
gives the value, ``None`` for "not stated" (nothing, or only spaces), or a
:class:`ValueError` whose message is written for the officer. These are the
only readers of purchase values: the Purchase model, the rule pack's
conditions and the interview all use them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from ..safe import quoted
from .money import parse_money

MAX_YEARS = 100


def is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def read_text(raw: object, *, max_length: int) -> str | None:
    """Text as written, without the spaces around it."""
    if is_blank(raw):
        return None
    if isinstance(raw, bool) or not isinstance(raw, (str, int, Decimal)):
        raise ValueError(f"must be text (got {_kind_of(raw)})")
    text = str(raw).strip()
    if "\x00" in text:
        raise ValueError("holds a NUL character (U+0000); remove it")
    lone = None if text.isascii() else next((c for c in text if "\ud800" <= c <= "\udfff"), None)
    if lone is not None:
        raise ValueError(
            f"holds a lone surrogate (U+{ord(lone):04X}), which is not text; "
            "check how the file was written"
        )
    if len(text) > max_length:
        raise ValueError(f"is longer than {max_length} characters")
    return text


def read_money(raw: object) -> Decimal | None:
    if is_blank(raw):
        return None
    return parse_money(raw.strip() if isinstance(raw, str) else raw)


_YES = frozenset({"true", "yes", "y", "t", "1", "on"})
_NO = frozenset({"false", "no", "n", "f", "0", "off"})


def read_yes_no(raw: object) -> bool | None:
    if is_blank(raw):
        return None
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return raw == 1
    if isinstance(raw, str):
        word = raw.strip().lower()
        if word in _YES:
            return True
        if word in _NO:
            return False
        return _refuse_yes_no(quoted(raw))
    return _refuse_yes_no(_kind_of(raw))


def _refuse_yes_no(got: str) -> bool:
    raise ValueError(f"must be true or false (got {got})")


def choice_word(raw: str) -> str:
    """How a choice is matched: "Less certain" and "less-certain" are less_certain."""
    return "_".join(raw.strip().lower().replace("-", " ").split())


def read_choice(raw: object, *, words: Mapping[str, str], ids: tuple[str, ...]) -> str | None:
    """One of ``ids``; ``words`` maps each id and synonym, as :func:`choice_word` writes
    it, to its id."""
    if isinstance(raw, str):
        # Most values are written as the id itself: looked up as written first.
        found = words.get(raw)
        if found is not None:
            return found
    if is_blank(raw):
        return None
    if isinstance(raw, str):
        found = words.get(choice_word(raw))
        if found is not None:
            return found
        got = quoted(raw)
    else:
        got = _kind_of(raw)
    allowed = " or ".join(repr(i) for i in ids) if len(ids) <= 2 else ", ".join(map(repr, ids))
    raise ValueError(f"must be one of {allowed} (got {got})")


_NUMBER = re.compile(r"\+?([0-9]{1,12})(?:\.([0-9]{1,10}))?")


def read_number(
    raw: object, *, whole: bool, minimum: Decimal | None, maximum: Decimal | None
) -> int | Decimal | None:
    """A number written with the digits 0 to 9 (a whole number where ``whole``)."""
    if is_blank(raw):
        return None
    if isinstance(raw, str) and raw.strip().startswith("-") and _NUMBER.fullmatch(raw.strip()[1:]):
        # The grammar has no minus sign: a negative number is below any number it reads.
        floor = minimum if minimum is not None else 0
        raise ValueError(f"must be at least {floor} (got {quoted(raw.strip())})")
    number = _number_of(raw, "a whole number" if whole else "a number")
    if whole and number != number.to_integral_value():
        raise ValueError(f"must be a whole number (got {quoted(str(raw))})")
    if minimum is not None and number < minimum:
        raise ValueError(f"must be at least {minimum} (got {number})")
    if maximum is not None and number > maximum:
        raise ValueError(f"must be at most {maximum} (got {number})")
    return int(number) if whole else number


def _number_of(raw: object, what: str) -> Decimal:
    if isinstance(raw, bool):
        raise ValueError(f"must be {what}, not {str(raw).lower()}")
    if isinstance(raw, str):
        text = raw.strip()
        if len(text) > 30 or _NUMBER.fullmatch(text) is None:
            raise ValueError(f"must be {what}, written with the digits 0 to 9 (got {quoted(raw)})")
        return Decimal(text)
    if isinstance(raw, int):
        if abs(raw) > 10**12:
            raise ValueError(f"must be {what} of at most 12 digits")
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw))
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            raise ValueError(f"must be a finite {what.removeprefix('a ')}")
        return raw
    raise ValueError(f"must be {what} (got {_kind_of(raw)})")


_LENGTH = re.compile(
    r"(?P<n>[0-9]{1,4}(?:\.[0-9]{1,4})?)\s*(?P<unit>years?|yrs?|months?)?", re.IGNORECASE
)
_SHORTEST = Fraction(1, 10_000)
LENGTH_HINT = "such as 3, 0.5, 6 months or 2 years"


def read_years(raw: object) -> Fraction | None:
    """A length in years, exactly: 3, 0.5, "6 months" (a half) or "13 months".

    Kept as a fraction so that amounts derived from it are exact: £36,000 a year
    for 13 months is £39,000, not a hair under it.
    """
    if is_blank(raw):
        return None
    if isinstance(raw, str):
        match = _LENGTH.fullmatch(raw.strip())
        if match is None and _LENGTH.fullmatch(raw.strip().removeprefix("-")):
            raise ValueError(f"must be greater than 0 (got {quoted(raw.strip())})")
        if match is None:
            raise ValueError(f"is not a length in years ({LENGTH_HINT}; got {quoted(raw)})")
        whole, _, part = match.group("n").partition(".")
        numerator, denominator = int(whole + part), 10 ** len(part)
        if (match.group("unit") or "").lower().startswith("month"):
            denominator *= 12
        years = Fraction(numerator, denominator)
    elif isinstance(raw, Fraction):
        years = raw
    else:
        number = _number_of(raw, "a number of years")
        if number == number.quantize(Decimal("0.0001")):
            years = Fraction(number)
        elif isinstance(raw, float) and (near := _length_near(raw)) is not None:
            years = near  # JSON's float for a length such as 13 months, read back exactly
        else:
            raise ValueError("is given more precisely than a ten-thousandth of a year")
    if years.numerator <= 0:
        raise ValueError(f"must be greater than 0 (got {_years_text(years)})")
    if years.numerator * _SHORTEST.denominator < years.denominator:
        raise ValueError("must be at least 0.0001 years")
    if years.numerator > MAX_YEARS * years.denominator:
        raise ValueError(f"must be at most {MAX_YEARS} (got {_years_text(years)})")
    return years


_FINEST = 12 * 10_000  # a length is written in ten-thousandths of a year or of a month


def _length_near(number: float) -> Fraction | None:
    """The length a purchase file can write whose nearest float is this one, if any
    (JSON writes 13 months as 1.0833333333333333)."""
    near = Fraction(number).limit_denominator(_FINEST)
    return near if float(near) == number and _FINEST % near.denominator == 0 else None


def _years_text(years: Fraction) -> str:
    return str(years.numerator) if years.denominator == 1 else f"{float(years):.10g}"


def years_to_json(years: Fraction) -> int | float:
    return years.numerator if years.denominator == 1 else float(years)


def years_as_written(years: Fraction) -> str | int:
    """A length as a purchase file can say it and be read back to the same value."""
    if years.denominator == 1:
        return years.numerator
    months = years * 12
    if months.denominator == 1:
        return f"{months.numerator} months"
    try:
        return format(Decimal(years.numerator) / Decimal(years.denominator), "f")
    except InvalidOperation:  # pragma: no cover - a length read here always fits
        return str(float(years))


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def read_date(raw: object) -> date | None:
    if is_blank(raw):
        return None
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str) and _DATE.fullmatch(raw.strip()):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            raise ValueError(f"is not a day of the calendar (got {quoted(raw.strip())})") from None
    got = quoted(raw) if isinstance(raw, str) else _kind_of(raw)
    raise ValueError(f"must be a date written YYYY-MM-DD (got {got})")


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    if value is None:
        return "nothing"
    return type(value).__name__
