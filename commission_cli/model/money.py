"""Sums of money: the one grammar for what officers type, and pounds printed as they read them.

Money is kept as :class:`~decimal.Decimal` so that band edges such as £29,999.99
and the "agree to the penny" rule are exact, not subject to binary rounding. An
amount is pounds and pence: more than two decimal places is refused rather than
rounded, since rounding could carry an amount across a threshold unseen.
"""

from __future__ import annotations

import re
from decimal import Decimal

from ..safe import quoted

# A generous ceiling: no single public contract comes near it, and it keeps absurd
# inputs from reaching the arithmetic.
MAX_MONEY = Decimal("1000000000000")
MONEY_HINT = "use pounds, e.g. 45000, 45000.50, £45,000, 45k or 1.2m"
_LONGEST = 40  # characters: "£1,000,000,000,000.00" is 21; anything far longer is not money

# ASCII digits only ([0-9], never \d, which takes Arabic-Indic and fullwidth digits too).
_MONEY = re.compile(
    r"""\s*(?:£|gbp\s*)?\s*
    (?P<num>
        [0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?   # 45,000 or 1,234,567.89
      | [0-9]+(?:\.[0-9]+)?                     # 45000 or 45000.50
      | \.[0-9]+                                # .5 (with a suffix, .5m)
    )
    \s*(?P<suffix>[km])?\s*""",
    re.IGNORECASE | re.VERBOSE,
)
_FOREIGN = re.compile(r"[$€¥]|\b(?:eur|usd)\b", re.IGNORECASE)
_SUFFIX = {"": 1, "k": 1_000, "m": 1_000_000}
_SUFFIX_PLACES = {"": 0, "k": 3, "m": 6}  # 1.2345k is £1,234.50: places move with the suffix
_PENNY = Decimal("0.01")


def parse_money(value: object, *, allow_zero: bool = False) -> Decimal:
    """Read a sum of money in pounds from text or a number.

    Accepts ``45000``, ``45000.50``, ``"£45,000"``, ``"45k"`` and ``"1.2m"``;
    raises :class:`ValueError` with a message fit for an officer otherwise.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a sum of money, not {str(value).lower()}; {MONEY_HINT}")
    written = None
    if isinstance(value, str):
        amount, written = _parse_text(value), value.strip()
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))  # 0.1 stays 0.1, not 0.1000000000000000055...
    else:
        raise ValueError(f"expected a sum of money; {MONEY_HINT}")
    return _checked(amount, allow_zero, written)


def _parse_text(text: str) -> Decimal:
    if len(text) > _LONGEST:
        raise ValueError(f"{quoted(text)} is not a sum of money (too long); {MONEY_HINT}")
    match = _MONEY.fullmatch(text)
    if match is None:
        if _FOREIGN.search(text):
            raise ValueError(
                f"{quoted(text)} is not in pounds sterling; amounts are in pounds only"
            )
        odd = next((c for c in text if not c.isascii() and c.isdigit()), None)
        if odd is not None:
            raise ValueError(
                f"{quoted(text)} holds the digit {odd!r} (U+{ord(odd):04X}); "
                "write amounts with the digits 0 to 9"
            )
        if _MONEY.fullmatch(text.replace("-", "", 1)):
            raise ValueError(f"must be greater than zero (got {quoted(text.strip())})")
        raise ValueError(f"{quoted(text)} is not a sum of money; {MONEY_HINT}")
    digits = match.group("num").replace(",", "")
    suffix = (match.group("suffix") or "").lower()
    # Places of pence as written, whatever their value: "50.000" is not £50 said oddly
    # but most likely fifty thousand with a full stop between the thousands.
    places = len(digits.partition(".")[2]) - _SUFFIX_PLACES[suffix]
    if places > 2:
        raise ValueError(
            f"{quoted(text.strip())} has more than two decimal places; give pounds and pence, "
            f"such as 29999.99{_thousands_hint(match.group('num'), suffix)}"
        )
    return Decimal(digits) * _SUFFIX[suffix]


def _checked(amount: Decimal, allow_zero: bool, written: str | None) -> Decimal:
    """The amount within its bounds; a message quotes it as written (``written``, the
    text typed) where there was text, so the officer sees what they typed."""
    if not amount.is_finite():
        raise ValueError("is not a finite sum of money")
    if amount < 0 or (amount == 0 and not allow_zero):
        got = quoted(written) if written is not None else format_money(amount)
        raise ValueError(f"must be greater than zero (got {got})")
    if amount > MAX_MONEY:
        raise ValueError(f"is more than the limit of {format_money(MAX_MONEY)}")
    if amount != amount.quantize(_PENNY):
        shown = quoted(written if written is not None else str(amount))
        raise ValueError(
            f"{shown} has more than two decimal places; give pounds and pence, such as 29999.99"
        )
    # Whole pounds written with pence or a suffix (45000.00, 1.2m) stay whole pounds,
    # so that they print alike.
    whole = amount.to_integral_value()
    return whole if whole == amount else amount.quantize(_PENNY)


def _thousands_hint(number: str, suffix: str) -> str:
    """How to write it, when the full stop may be separating thousands (``1.500``): one to
    three digits before it, not starting with 0, three after it, and nothing else."""
    whole, _, places = number.partition(".")
    if suffix or "," in whole or len(places) != 3 or not 1 <= len(whole) <= 3 or whole[0] == "0":
        return ""
    meant = int(whole + places)
    return f" (if the . separates thousands, write {meant:,} or {meant})"


def format_money(amount: Decimal | float | int) -> str:
    """£45,000 for whole pounds, £45,000.50 otherwise (rounded to the penny)."""
    value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    if value == value.to_integral_value():
        return f"£{value:,.0f}"
    return f"£{value:,.2f}"


def money_to_json(amount: Decimal) -> int | float:
    """A number of pounds for JSON: an int for whole pounds, else a float."""
    if amount == amount.to_integral_value():
        return int(amount)
    return float(amount)
