"""Sums of money: parsing what officers type, and printing pounds the way they read them.

Money is kept as :class:`~decimal.Decimal` so that band edges such as £29,999.99
and the "agree to the penny" rule are exact, not subject to binary rounding.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import cache

# A generous ceiling: no single public contract comes near it, and it keeps
# absurd inputs ("1e400") from reaching the arithmetic as huge or infinite values.
MAX_MONEY = Decimal("1000000000000")

MONEY_HINT = "use pounds, e.g. 45000, 45000.50, £45,000, 45k or 1.2m"

_SUFFIX = {"": 1, "k": 1_000, "m": 1_000_000}


@cache
def _money_pattern() -> re.Pattern[str]:
    """Every shape of money text (compiled on first use: most amounts are read by
    _quick_number, and a start-up that never needs this does not pay for it)."""
    return re.compile(
        r"""^\s*
        (?:£|gbp\s*)?\s*                      # an optional pound sign or GBP
        (?P<num>
            \d{1,3}(?:,\d{3})+(?:\.\d+)?      # 45,000 or 1,234,567.89
          | \d+(?:\.\d+)?                     # 45000 or 45000.50
          | \.\d+                             # .5 (with a suffix, .5m)
        )
        \s*(?P<suffix>k|m)?                   # thousands or millions
        \s*$""",
        re.IGNORECASE | re.VERBOSE,
    )


@cache
def _foreign_pattern() -> re.Pattern[str]:
    return re.compile(r"[$€¥]|\b(?:eur|usd)\b", re.IGNORECASE)


def parse_money(value: object) -> Decimal:
    """Read a sum of money in pounds from a number or a string.

    Accepts ``45000``, ``45000.50``, ``"£45,000"``, ``"45k"`` and ``"1.2m"``;
    raises :class:`ValueError` with a message fit for an officer otherwise.
    """
    if type(value) is str:  # the commonest by far (every CSV cell)
        quick = _quick_number(value)  # the common shapes, without the pattern
        amount = quick if quick is not None else _parse_money_text(value)
    elif isinstance(value, bool):
        # YAML's `yes` is a bool and bool is an int: never a sum of money.
        raise ValueError(f"expected a sum of money, not {str(value).lower()}; {MONEY_HINT}")
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        # repr keeps what was written (0.1 stays 0.1, not 0.1000000000000000055...)
        amount = Decimal(repr(value))
    elif isinstance(value, str):
        amount = _parse_money_text(str(value))
    else:
        raise ValueError(f"expected a sum of money; {MONEY_HINT}")
    return _check_amount(amount, value)


def _parse_money_text(text: str) -> Decimal:
    match = _money_pattern().match(text)
    if match is None:
        if _foreign_pattern().search(text):
            raise ValueError(f"{text!r} is not in pounds sterling; amounts are in pounds only")
        raise ValueError(f"{text!r} is not a sum of money; {MONEY_HINT}")
    number = match.group("num").replace(",", "")
    multiplier = _SUFFIX[(match.group("suffix") or "").lower()]
    return Decimal(number) * multiplier


def _quick_number(text: str) -> Decimal | None:
    """The common shapes (45000, £45,000, 45000.50, 45k) without the regular expression;
    None for anything else, which the full pattern then reads. Same results either way."""
    body = text[1:] if text[:1] == "£" else text
    multiplier = 1
    if body[-1:] in ("k", "K"):
        body, multiplier = body[:-1], 1_000
    elif body[-1:] in ("m", "M"):
        body, multiplier = body[:-1], 1_000_000
    if "," in body:
        whole, dot, pence = body.partition(".")
        groups = whole.split(",")
        if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
            return None
        body = "".join(groups) + dot + pence
    if not body.isascii():
        return None
    whole, dot, pence = body.partition(".")
    if not (whole.isdigit() or (dot and not whole)) or (dot and not pence.isdigit()):
        return None
    return Decimal(body) * multiplier if multiplier != 1 else Decimal(body)


def _check_amount(amount: Decimal, original: object) -> Decimal:
    if not amount.is_finite():
        raise ValueError(f"{original!r} is not a finite sum of money")
    if amount <= 0:
        raise ValueError(f"must be greater than zero (got {format_money(amount)})")
    if amount > MAX_MONEY:
        raise ValueError(f"is more than the limit of {format_money(MAX_MONEY)}")
    # Whole pounds written with pence or a suffix (45000.00, 1.2m) are kept as whole
    # pounds, so that they print alike.
    whole = amount.to_integral_value()
    return whole if whole == amount else amount


def format_money(amount: Decimal | float | int) -> str:
    """£45,000 for whole pounds, £45,000.50 otherwise (rounded to the penny)."""
    value = Decimal(str(amount)) if not isinstance(amount, Decimal) else amount
    if value == value.to_integral_value():
        return f"£{value:,.0f}"
    return f"£{value:,.2f}"


def money_to_json(amount: Decimal) -> int | float:
    """A number of pounds for JSON: an int for whole pounds, else a float."""
    if amount == amount.to_integral_value():
        return int(amount)
    return float(amount)


def decimal_from_number(value: object, what: str) -> Decimal:
    """Read a plain number (not money) such as a length in years."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number of {what}, not {str(value).lower()}")
    try:
        if isinstance(value, float):
            number = Decimal(repr(value))
        elif isinstance(value, (int, Decimal)):
            number = Decimal(value)
        elif isinstance(value, str):
            number = Decimal(value.strip())
        else:
            raise InvalidOperation
    except InvalidOperation:
        raise ValueError(f"expected a number of {what} (got {_shown(value)})") from None
    if not number.is_finite():
        raise ValueError(f"expected a finite number of {what} (got {_shown(value)})")
    return number


def _shown(value: object) -> str:
    """A value as a person wrote it: text quoted, anything else (a date, a list) plainly."""
    return repr(value) if isinstance(value, str) else str(value)
