"""Words and numbers shared by every human-readable view of a decision.

Field labels, values and result values are written from what the rule pack
declares, so another authority's pack reads as naturally as the shipped one.
These functions return plain text; each view passes what came from a user or a
pack through :func:`commission_cli.safe.shown` before it reaches a person.
"""

from __future__ import annotations

import os
import re
import shlex
import time
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..model.fields import BUILT_IN, VALUE_FIELDS, FieldDecl
from ..model.money import format_money
from ..safe import shell_word

if TYPE_CHECKING:
    from ..model.decision import ContractTypeRef
    from ..model.purchase import Purchase
    from ..rules.compiled import Rules

NOT_GIVEN = "not given by the rules"
_BUILT_IN = {d.id: d for d in BUILT_IN}


def label(decl: FieldDecl) -> str:
    """A field's name as a person reads it: annual_value -> Annual value.

    A word the pack itself writes in capitals when it describes the field stays in
    capitals (eu_exempt -> EU exempt, where the pack speaks of "the EU procurement
    rules"), so abbreviations come from the pack rather than from a list here.
    """
    own = " ".join(
        t for t in (decl.description, decl.question, decl.help, decl.template) if t is not None
    )
    own += " " + " ".join(v.label for v in decl.values)
    words = [_as_written(word, own) for word in decl.id.split("_") if word]
    if not words:
        return decl.id
    first = words[0] if words[0].isupper() else words[0].capitalize()
    return " ".join([first, *words[1:]])


def _as_written(word: str, text: str) -> str:
    if len(word) >= 2 and word.isalpha():
        capitals = re.escape(word.upper())
        if re.search(rf"\b{capitals}(?:s|'s|’s)?\b", text):
            return word.upper()
    return word


def field_label(rules: Rules | None, name: str) -> str:
    decl = _decl(rules, name)
    return label(decl) if decl is not None else name.replace("_", " ").capitalize()


def _decl(rules: Rules | None, name: str) -> FieldDecl | None:
    if rules is not None and name in rules.fields:
        return rules.fields[name]
    return _BUILT_IN.get(name)


def years_words(years: Fraction) -> str:
    """A length in words: 1 year, 3 years, 0.5 years, 13 months."""
    if years == 1:
        return "1 year"
    return f"{years_number(years)} years" if _exact_decimal(years) else _months(years)


def years_number(years: Fraction) -> str:
    """A length as a number of years: 3, 0.5, or 1.0833 where it has no exact decimal."""
    if years.denominator == 1:
        return str(years.numerator)
    if _exact_decimal(years):
        return format(Decimal(years.numerator) / Decimal(years.denominator), "f")
    return f"{float(years):.4g}"


def _exact_decimal(years: Fraction) -> bool:
    den = years.denominator
    for prime in (2, 5):
        while den % prime == 0:
            den //= prime
    return den == 1


def _months(years: Fraction) -> str:
    months = years * 12
    if months.denominator == 1:
        return f"{months.numerator} months"
    return f"about {float(years):.4g} years"


def show_value(decl: FieldDecl | None, value: Any) -> str:
    """A field's value for a person: yes/no, £45,000, 3 years, less certain."""
    if value is None:
        return "not stated"
    if isinstance(value, bool):
        return "yes" if value else "no"
    kind = decl.kind if decl is not None else None
    if kind == "money" and isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, Fraction):
        return years_words(value)  # "4 months", not 0.3333
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    if kind == "choice" and isinstance(value, str):
        return value.replace("_", " ")
    return str(value)


def purchase_rows(purchase: Purchase, rules: Rules | None = None) -> list[tuple[str, str, str]]:
    """(field id, label, value) for every field of the pack, saying which values were
    worked out or assumed rather than stated."""
    names = list(rules.fields) if rules is not None else list(type(purchase).model_fields)
    rows = []
    for name in names:
        decl = _decl(rules, name)
        text = show_value(decl, getattr(purchase, name, None))
        if name not in purchase.stated:
            if name in VALUE_FIELDS:
                text += " (derived)"
            elif decl is not None and decl.default is not None:
                text += " (not stated; assumed)"
        rows.append((name, field_label(rules, name), text))
    return rows


def value_summary(purchase: Purchase) -> str:
    """£45,000 a year, 3 years, £135,000 in total."""
    annual, total = purchase.annual_value, purchase.total_value
    assert isinstance(annual, Decimal) and isinstance(total, Decimal)
    return (
        f"{format_money(annual)} a year, {years_words(purchase.years)}, "
        f"{format_money(total)} in total"
    )


def result_text(value: Any) -> str:
    """A result's value as a person reads it, whatever its kind."""
    if value is None:
        return NOT_GIVEN
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value) if value else "none"
    if isinstance(value, Mapping) and set(value) == {"min", "max"}:
        low, high = value["min"], value["max"]
        return str(low) if low == high else f"{low} to {high}"
    return str(value)


def today() -> str:
    """Today's date, or SOURCE_DATE_EPOCH's when set (for reproducible records)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    stamp = float(epoch) if epoch and epoch.isdigit() else time.time()
    return time.strftime("%Y-%m-%d", time.gmtime(stamp))


def glossary_note(contract_type: ContractTypeRef, rules: Rules | None = None) -> str:
    """Where a contract type's definition comes from, and how to look it up."""
    if contract_type.glossary is None:
        return contract_type.source
    term = contract_type.glossary
    quoted = f'"{term}"' if re.fullmatch(r"[^\"$`\\!]*", term) else shlex.quote(term)
    command = f"commission glossary {quoted}{_rules_flag(rules)}"
    return f"{contract_type.source}; see `{command}`"


def _rules_flag(rules: Rules | None) -> str:
    """The --rules option that finds the same pack again (none for the default one)."""
    from ..rules.load import DEFAULT_PACK

    if rules is None or (rules.shipped and rules.path == DEFAULT_PACK):
        return ""
    return f" --rules {shell_word(rules.path)}"
