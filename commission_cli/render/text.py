"""Words and numbers shared by every human-readable view."""

from __future__ import annotations

import os
import time
from decimal import Decimal
from typing import Any

from ..money import format_money
from ..purchase import Purchase

_WORDS = {"eu": "EU", "vcs": "VCS", "gp": "GP"}


def label(field: str) -> str:
    """annual_value -> Annual value; eu_exempt -> EU exempt."""
    words = [_WORDS.get(w, w) for w in field.split("_")]
    first = words[0] if words[0].isupper() else words[0].capitalize()
    return " ".join([first, *words[1:]])


def show_value(field: str, value: Any) -> str:
    if value is None:
        return "not stated"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field in ("annual_value", "total_value"):
        return format_money(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return (
        str(value).replace("_", " ") if isinstance(value, str) and field != "title" else str(value)
    )


def purchase_rows(purchase: Purchase) -> list[tuple[str, str]]:
    """(label, value) for every field, saying which values were derived or assumed."""
    stated = purchase.stated
    rows = []
    for field in Purchase.model_fields:
        value = getattr(purchase, field)
        text = show_value(field, value)
        if field in ("annual_value", "total_value") and field not in stated:
            text += " (derived)"
        elif field in ("years", "partners") and field not in stated:
            text += " (not stated; assumed)"
        rows.append((label(field), text))
    return rows


def value_summary(purchase: Purchase) -> str:
    years = show_value("years", purchase.years)
    assert purchase.annual_value is not None and purchase.total_value is not None
    return (
        f"{format_money(purchase.annual_value)} a year, {years} year"
        f"{'' if purchase.years == 1 else 's'}, {format_money(purchase.total_value)} in total"
    )


def today() -> str:
    """Today's date, or SOURCE_DATE_EPOCH's when set (for reproducible records)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    stamp = float(epoch) if epoch and epoch.isdigit() else time.time()
    return time.strftime("%Y-%m-%d", time.gmtime(stamp))


def glossary_note(contract_type_id: str) -> str | None:
    """Where a contract type's definition comes from, and how to look it up."""
    from ..glossary import entry_for_contract_type, load_glossary

    entry = entry_for_contract_type(contract_type_id)
    if entry is None:
        return None
    return f'{load_glossary().cite(entry)}; see `commission glossary "{entry.term}"`'
