"""The purchase's fields as plain data, and the quick reader built on them.

Everything that needs the fields' names, kinds, allowed words and defaults, but
not pydantic's validation, reads them here: the quick reader, the flags of
``commission route``, the conditions of rule packs, the interview. A plain
``commission route`` then never defines the :class:`~commission_cli.purchase.Purchase`
model, about 9 ms of its start-up (see README, Speed).

The model stays what validates a purchase and words every message; it takes its
descriptions from this table, and ``tests/test_vocabulary.py`` holds its types,
allowed values, defaults and field order to the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any, Literal, NoReturn

from .money import MAX_MONEY, decimal_from_number, money_to_json, parse_money

MAX_YEARS = Decimal(100)
MAX_PARTNERS = 1000
MAX_TITLE = 500

FieldKind = Literal["text", "money", "number", "integer", "flag", "choice"]

# Every field in PRODUCT.md's order: (kind, the words a choice allows, the value when
# not stated, what it means). The value when not stated is None for the required ones.
_FIELDS: dict[str, tuple[FieldKind, tuple[str, ...], Any, str]] = {
    "title": ("text", (), None, "what is being bought or funded"),
    "annual_value": ("money", (), None, "value per year, in pounds"),
    "total_value": (
        "money",
        (),
        None,
        "value over the whole life of the contract or grant, in pounds",
    ),
    "years": ("number", (), Decimal(1), "length in years (default 1)"),
    "outcomes": (
        "choice",
        ("certain", "less_certain"),
        None,
        "are the outcomes to be bought clear and specified?",
    ),
    "providers": (
        "choice",
        ("many", "few"),
        None,
        "many = a contestable market, many potential providers",
    ),
    "service": (
        "choice",
        ("statutory", "required", "discretionary"),
        None,
        "the basis of the service",
    ),
    "sector": (
        "choice",
        ("general", "specific", "vcs"),
        None,
        "non-sector specific; sector specific; voluntary and community sector specific",
    ),
    "eu_exempt": ("flag", (), None, "exempt from the EU procurement rules"),
    "external_guidance": ("flag", (), None, "external guidance applies to this service"),
    "timescale": (
        "choice",
        ("normal", "restricted"),
        None,
        "does time allow a full process? normal = yes",
    ),
    "overlaps_vcs_activity": (
        "flag",
        (),
        None,
        "significant overlap with existing voluntary and community sector activity",
    ),
    "core_costs": ("flag", (), None, "the money is for an organisation's core costs"),
    "strategic_organisation": (
        "flag",
        (),
        None,
        "the organisation is strategically important, adds value to the locality "
        "and/or supports others",
    ),
    "resources_panel_approved": (
        "flag",
        (),
        None,
        "the Resources Panel approved a grant above the usual amount",
    ),
    "redevelopment_costs": ("flag", (), None, "the grant is for redevelopment costs"),
    "for_individual": ("flag", (), None, "bought as required for one particular person"),
    "guaranteed_volume": ("flag", (), None, "the authority guarantees a volume of business"),
    "call_off": (
        "flag",
        (),
        None,
        "services called off under agreed terms, no obligation to buy",
    ),
    "provider": (
        "choice",
        ("unknown", "in_house", "third_sector", "private", "statutory"),
        None,
        "who is expected to provide it",
    ),
    "partners": ("integer", (), 1, "partners commissioning together (default 1)"),
    "direct_payment": (
        "flag",
        (),
        None,
        "the individual receives payments to buy their own care",
    ),
    "gp_led": ("flag", (), None, "GPs purchase by managing funds from the primary care trust"),
}
_REQUIRED = frozenset({"title", "outcomes"})


def field_names() -> tuple[str, ...]:
    return tuple(_FIELDS)


def field_kind(name: str) -> tuple[FieldKind, tuple[str, ...]]:
    """What kind of value a purchase field holds, and its allowed values for a choice."""
    kind, allowed, _, _ = _FIELDS[name]
    return kind, allowed


def field_description(name: str) -> str:
    return _FIELDS[name][3]


@cache
def field_defaults() -> dict[str, Any]:
    """Each field's value when it is not stated (None for a required field)."""
    return {name: default for name, (_, _, default, _) in _FIELDS.items()}


def required_fields() -> frozenset[str]:
    return _REQUIRED


def clean_choice(value: object) -> object:
    """Forgive case, spaces and hyphens: "Less certain" and "less-certain" mean less_certain."""
    if isinstance(value, str):
        cleaned = value.strip().lower().replace("-", "_").replace(" ", "_")
        return cleaned or None
    return value


def json_ready(values: Mapping[str, Any]) -> dict[str, Any]:
    """A purchase's validated values as JSON-ready data: money and years are the only
    values that are not JSON already."""
    return {
        name: money_to_json(value) if type(value) is Decimal else value
        for name, value in values.items()
    }


# -- deriving the amounts ------------------------------------------------------------


def derive_values(
    annual: Decimal | None, total: Decimal | None, years: Decimal
) -> tuple[Decimal, Decimal]:
    """The annual and whole-life values, whichever was not given derived from the other.

    total = annual × max(years, 1): a contract shorter than a year spends its
    whole value in that year. Raises PydanticCustomError (naming the field) when
    neither is given, when they disagree by a penny or more, or when the total
    would pass the limit.
    """
    factor = max(years, _ONE)
    if annual is None and total is None:
        _refuse(
            "value_missing", "give annual_value or total_value (or both)", {"field": "annual_value"}
        )
    if annual is None:
        assert total is not None
        return total / factor, total
    if total is None:
        total = annual * factor
        if total > MAX_MONEY:
            _refuse(
                "value_too_large",
                "annual_value × years comes to more than the limit of £1,000,000,000,000",
                {"field": "annual_value"},
            )
        return annual, total
    if not _agree_to_the_penny(annual, total, factor):
        _refuse(
            "values_disagree",
            "total_value {total} does not equal annual_value {annual} × {years} year(s) "
            "(= {expected}); correct one of them or give only one",
            {
                "field": "total_value",
                "total": f"£{total:,}",
                "annual": f"£{annual:,}",
                "years": f"{years}",
                "expected": f"£{annual * factor:,.2f}",
            },
        )
    return annual, total


def _refuse(kind: str, message: str, context: dict[str, Any]) -> NoReturn:
    # Imported here, when a purchase is refused: pydantic_core takes longer to import
    # than this whole module, and the records that use json_ready must stay light.
    from pydantic_core import PydanticCustomError

    raise PydanticCustomError(kind, message, context)


_ONE = Decimal(1)


def _agree_to_the_penny(annual: Decimal, total: Decimal, factor: Decimal) -> bool:
    """total = annual × max(years, 1), both rounded to the penny (PRODUCT.md). Nothing
    looser: a total a penny short of a threshold must not pass as the same purchase."""
    return (annual * factor).quantize(_PENNY, ROUND_HALF_UP) == total.quantize(
        _PENNY, ROUND_HALF_UP
    )


_PENNY = Decimal("0.01")


# -- the quick reader: plain purchases without the model ----------------------------

_NO: Any = object()  # a value the quick reader does not vouch for


def quick_values(data: Mapping[Any, Any]) -> tuple[dict[str, Any], frozenset[str]] | None:
    """The values and stated fields ``Purchase.model_validate(data)`` would give, or None.

    Reads only the plain shapes a purchase file or a register holds (text,
    money as :func:`parse_money` reads it, the words a choice or a flag takes);
    None for anything else, and for anything wrong, which the model then reads
    and words the message for. It never accepts what the model refuses, nor
    gives a different value: a property test holds the two to the same results.
    The values hold every field, in the model's order, with both amounts derived.
    """
    readers = _readers()
    values = dict(field_defaults())
    stated: set[str] = set()
    for name, raw in data.items():
        reader = readers.get(name)
        if reader is None:
            return None  # an unknown field: the model names it
        if type(raw) is str:
            raw = raw.strip()
            if not raw:
                continue
        elif raw is None:
            continue
        value = reader(raw)
        if value is _NO:
            return None
        values[name] = value
        stated.add(name)
    if not stated >= _REQUIRED:
        return None
    try:
        values["annual_value"], values["total_value"] = derive_values(
            values["annual_value"], values["total_value"], values["years"]
        )
    except ValueError:  # PydanticCustomError is one: the model words it
        return None
    return values, frozenset(stated)


@cache
def _readers() -> dict[str, Any]:
    """Each field's quick reader, by the kind of value the model gives it."""
    return {
        name: _read_choice(frozenset(allowed)) if kind == "choice" else _KIND_READERS[kind]
        for name, (kind, allowed, _, _) in _FIELDS.items()
    }


def _read_text(raw: Any) -> Any:
    return raw if type(raw) is str and len(raw) <= MAX_TITLE else _NO


def _read_money(raw: Any) -> Any:
    try:
        return parse_money(raw)
    except ValueError:
        return _NO


def read_years(raw: Any) -> Decimal:
    """A length in years as the model reads it; ValueError for what it would refuse."""
    years = decimal_from_number(raw, "years")
    if not 0 < years <= MAX_YEARS:
        raise ValueError(f"years must be more than 0 and at most {MAX_YEARS}")
    return years


def _read_years(raw: Any) -> Any:
    try:
        return read_years(raw)
    except ValueError:
        return _NO


def _read_choice(allowed: frozenset[str]) -> Any:
    def read(raw: Any) -> Any:
        if type(raw) is not str:
            return _NO
        cleaned = clean_choice(raw)
        return cleaned if cleaned in allowed else _NO

    return read


# The words pydantic reads as booleans, whatever their case.
_FLAG_WORDS = {
    **dict.fromkeys(("true", "yes", "y", "t", "on", "1"), True),
    **dict.fromkeys(("false", "no", "n", "f", "off", "0"), False),
}


def _read_flag(raw: Any) -> Any:
    if type(raw) is bool:
        return raw
    if type(raw) is str:
        return _FLAG_WORDS.get(raw.lower(), _NO)
    if type(raw) is int and raw in (0, 1):
        return raw == 1
    return _NO


def _read_whole_number(raw: Any) -> Any:
    if type(raw) is str and raw.isascii() and raw.isdigit():
        raw = int(raw)
    if type(raw) is int and 1 <= raw <= MAX_PARTNERS:
        return raw
    return _NO


_KIND_READERS = {
    "text": _read_text,
    "money": _read_money,
    "number": _read_years,
    "integer": _read_whole_number,
    "flag": _read_flag,
}
