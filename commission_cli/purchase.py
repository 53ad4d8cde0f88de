"""The purchase an officer describes: every field of PRODUCT.md, validated.

The model is the single source of truth for the field vocabulary: rule packs
are checked against it (a condition on ``outcomes: sure`` is refused because
this model does not allow ``sure``), and the templates and the interview take
their allowed values and explanations from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .money import MAX_MONEY, decimal_from_number, money_to_json, parse_money

MAX_YEARS = Decimal(100)
MAX_PARTNERS = 1000
MAX_TITLE = 500

_MONEY_SCHEMA = {
    "anyOf": [
        {"type": "number", "exclusiveMinimum": 0, "maximum": int(MAX_MONEY)},
        {"type": "string", "examples": ["45000", "£45,000", "45k", "1.2m"]},
    ],
    "description": "pounds sterling: a number, or text such as £45,000, 45k or 1.2m",
}


def _money_or_none(value: object) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_money(value)


def _years(value: object) -> object:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None  # "not stated": the model's default of 1 year applies
    return decimal_from_number(value, "years")


def _choice(value: object) -> object:
    # Forgive case, spaces and hyphens: "Less certain" and "less-certain" mean less_certain.
    if isinstance(value, str):
        cleaned = value.strip().lower().replace("-", "_").replace(" ", "_")
        return cleaned or None
    return value


def _text(value: object) -> object:
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value)  # a title such as 2024 is still a title
    return value


def _whole_number(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError(f"expected a whole number, not {str(value).lower()}")
    if isinstance(value, str) and not value.strip():
        return None
    return value


Money = Annotated[
    Decimal | None,
    BeforeValidator(_money_or_none),
    PlainSerializer(lambda v: None if v is None else money_to_json(v), when_used="json"),
    WithJsonSchema({"anyOf": [_MONEY_SCHEMA, {"type": "null"}]}, mode="validation"),
    WithJsonSchema(
        {"type": "number", "exclusiveMinimum": 0, "description": "pounds sterling"},
        mode="serialization",
    ),
]
Years = Annotated[
    Decimal,
    BeforeValidator(_years),
    Field(gt=0, le=MAX_YEARS),
    PlainSerializer(money_to_json, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
                {"type": "string"},
            ],
            "default": 1,
        },
        mode="validation",
    ),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "maximum": 100}, mode="serialization"),
]
Flag = bool | None  # blanks are dropped by _defaults_for_blanks before fields are read


Choice = BeforeValidator(_choice)


class Purchase(BaseModel):
    """A proposed purchase, as an officer describes it.

    ``annual_value`` and ``total_value`` are both filled in after validation
    (whichever was not given is derived); :attr:`stated` says which fields the
    officer actually gave, so that a derived or defaulted value is never
    mistaken for a stated one.
    """

    # defer_build: the validator is built the first time the model itself is asked
    # to validate, not at import. Plain purchases never ask (see quick_purchase), so
    # `route --format json` starts without building it or loading pydantic's plugins.
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        title="Purchase description",
        defer_build=True,
    )

    title: Annotated[str, BeforeValidator(_text)] = Field(
        min_length=1, max_length=MAX_TITLE, description="what is being bought or funded"
    )
    annual_value: Money = Field(None, description="value per year, in pounds")
    total_value: Money = Field(
        None, description="value over the whole life of the contract or grant, in pounds"
    )
    years: Years = Field(Decimal(1), description="length in years (default 1)")
    outcomes: Annotated[Literal["certain", "less_certain"], Choice] = Field(
        description="are the outcomes to be bought clear and specified?"
    )
    providers: Annotated[Literal["many", "few"] | None, Choice] = Field(
        None, description="many = a contestable market, many potential providers"
    )
    service: Annotated[Literal["statutory", "required", "discretionary"] | None, Choice] = Field(
        None, description="the basis of the service"
    )
    sector: Annotated[Literal["general", "specific", "vcs"] | None, Choice] = Field(
        None,
        description="non-sector specific; sector specific; voluntary and community sector specific",
    )
    eu_exempt: Flag = Field(None, description="exempt from the EU procurement rules")
    external_guidance: Flag = Field(None, description="external guidance applies to this service")
    timescale: Annotated[Literal["normal", "restricted"] | None, Choice] = Field(
        None, description="does time allow a full process? normal = yes"
    )
    overlaps_vcs_activity: Flag = Field(
        None,
        description="significant overlap with existing voluntary and community sector activity",
    )
    core_costs: Flag = Field(None, description="the money is for an organisation's core costs")
    strategic_organisation: Flag = Field(
        None,
        description="the organisation is strategically important, adds value to the "
        "locality and/or supports others",
    )
    resources_panel_approved: Flag = Field(
        None, description="the Resources Panel approved a grant above the usual amount"
    )
    redevelopment_costs: Flag = Field(None, description="the grant is for redevelopment costs")
    for_individual: Flag = Field(None, description="bought as required for one particular person")
    guaranteed_volume: Flag = Field(
        None, description="the authority guarantees a volume of business"
    )
    call_off: Flag = Field(
        None, description="services called off under agreed terms, no obligation to buy"
    )
    provider: Annotated[
        Literal["unknown", "in_house", "third_sector", "private", "statutory"] | None, Choice
    ] = Field(None, description="who is expected to provide it")
    partners: Annotated[int, BeforeValidator(_whole_number)] = Field(
        1, ge=1, le=MAX_PARTNERS, description="partners commissioning together (default 1)"
    )
    direct_payment: Flag = Field(
        None, description="the individual receives payments to buy their own care"
    )
    gp_led: Flag = Field(
        None, description="GPs purchase by managing funds from the primary care trust"
    )

    @model_validator(mode="before")
    @classmethod
    def _defaults_for_blanks(cls, data: Any) -> Any:
        # An empty CSV cell or a YAML `years:` with nothing after it is "not
        # stated": drop it so the field's default applies and it is not counted
        # as stated. Spaces around text (common in spreadsheet exports) are dropped.
        if isinstance(data, Mapping):
            out = {}
            for k, v in data.items():
                if isinstance(v, str):
                    v = v.strip()
                    if not v:
                        continue
                elif v is None:
                    continue
                out[k] = v
            return out
        return data

    @model_validator(mode="after")
    def _derive_values(self) -> Purchase:
        annual, total = derive_values(self.annual_value, self.total_value, self.years)
        # Written past the frozen guard on purpose: derived values must not count
        # as stated (model_fields_set stays what the officer gave).
        self.__dict__["annual_value"] = annual
        self.__dict__["total_value"] = total
        return self

    @classmethod
    def from_validated(cls, values: dict[str, Any], stated: frozenset[str] | set[str]) -> Purchase:
        """A Purchase from values that already passed this model's rules, without
        checking them again (the batch's fast path: see batch.RowReader).

        ``values`` holds every field, with annual and total values derived.
        """
        purchase = cls.__new__(cls)
        object.__setattr__(purchase, "__dict__", values)
        object.__setattr__(purchase, "__pydantic_fields_set__", set(stated))
        object.__setattr__(purchase, "__pydantic_extra__", None)
        object.__setattr__(purchase, "__pydantic_private__", None)
        return purchase

    @property
    def stated(self) -> frozenset[str]:
        """The fields the officer gave (derived and default values excluded)."""
        return frozenset(self.model_fields_set)

    def echo(self) -> dict[str, Any]:
        """The validated purchase as JSON-ready data, every field present.

        The same as ``model_dump(mode="json")`` (a test holds them equal), without
        building the model's serializer: the money fields and years are the only
        values that are not JSON already.
        """
        return {
            name: money_to_json(value) if type(value) is Decimal else value
            for name, value in self.__dict__.items()
        }


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
        raise PydanticCustomError(
            "value_missing", "give annual_value or total_value (or both)", {"field": "annual_value"}
        )
    if annual is None:
        assert total is not None
        return total / factor, total
    if total is None:
        total = annual * factor
        if total > MAX_MONEY:
            raise PydanticCustomError(
                "value_too_large",
                "annual_value × years comes to more than the limit of £1,000,000,000,000",
                {"field": "annual_value"},
            )
        return annual, total
    if not _agree_to_the_penny(annual, total, factor):
        raise PydanticCustomError(
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


_ONE = Decimal(1)


def _agree_to_the_penny(annual: Decimal, total: Decimal, factor: Decimal) -> bool:
    """total = annual × max(years, 1), both rounded to the penny (PRODUCT.md). Nothing
    looser: a total a penny short of a threshold must not pass as the same purchase."""
    return (annual * factor).quantize(_PENNY, ROUND_HALF_UP) == total.quantize(
        _PENNY, ROUND_HALF_UP
    )


_PENNY = Decimal("0.01")


# -- the quick reader: plain purchases without building the model --------------------

_NO: Any = object()  # a value the quick reader does not vouch for


def quick_purchase(data: Mapping[Any, Any]) -> Purchase | None:
    """The Purchase that ``Purchase.model_validate(data)`` would make, or None.

    Reads only the plain shapes a purchase file or a register holds (text,
    money as :func:`parse_money` reads it, the words a choice or a flag takes);
    None for anything else, and for anything wrong, which the model then reads
    and words the message for. It never rejects what the model accepts with a
    different value: a property test holds the two to the same results.
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
    if not required_fields() <= stated:
        return None
    try:
        values["annual_value"], values["total_value"] = derive_values(
            values["annual_value"], values["total_value"], values["years"]
        )
    except ValueError:  # PydanticCustomError is one: the model words it
        return None
    return Purchase.from_validated(values, stated)


@cache
def _readers() -> dict[str, Any]:
    """Each field's quick reader, by the kind of value the model gives it."""
    readers = {}
    for name in Purchase.model_fields:
        kind, allowed = field_kind(name)
        choice = kind == "choice"
        readers[name] = _read_choice(frozenset(allowed)) if choice else _KIND_READERS[kind]
    return readers


@cache
def field_defaults() -> dict[str, Any]:
    """Each field's value when it is not stated (None for a required field)."""
    return {
        name: None if info.is_required() else info.default
        for name, info in Purchase.model_fields.items()
    }


@cache
def required_fields() -> frozenset[str]:
    return frozenset(name for name, info in Purchase.model_fields.items() if info.is_required())


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
        cleaned = _choice(raw)
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


# -- the vocabulary, read from the model ----------------------------------------

FieldKind = Literal["text", "money", "number", "integer", "flag", "choice"]


def field_kind(name: str) -> tuple[FieldKind, tuple[str, ...]]:
    """What kind of value a purchase field holds, and its allowed values for a choice."""
    if name == "title":
        return "text", ()
    if name in ("annual_value", "total_value"):
        return "money", ()
    if name == "years":
        return "number", ()
    if name == "partners":
        return "integer", ()
    annotation = Purchase.model_fields[name].annotation
    values = _literal_values(annotation)
    if values:
        return "choice", values
    return "flag", ()


def _literal_values(annotation: Any) -> tuple[str, ...]:
    if get_origin(annotation) is Literal:
        return tuple(str(a) for a in get_args(annotation))
    out: list[str] = []
    for arg in get_args(annotation):
        out.extend(_literal_values(arg))
    return tuple(out)


def field_names() -> tuple[str, ...]:
    return tuple(Purchase.model_fields)


def field_description(name: str) -> str:
    return Purchase.model_fields[name].description or ""


__all__ = [
    "Purchase",
    "ValidationError",
    "field_defaults",
    "field_description",
    "field_kind",
    "field_names",
    "quick_purchase",
    "read_years",
    "required_fields",
]
