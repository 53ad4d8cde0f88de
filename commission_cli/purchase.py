"""The purchase an officer describes: every field of PRODUCT.md, validated.

The model validates a purchase and words every message about one. The field
vocabulary it validates against (names, kinds, allowed words, defaults and
descriptions) is :mod:`vocabulary`'s plain table, which rule packs, templates,
flags and the interview read without defining the model; tests hold the model's
types to that table.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal

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

from .money import MAX_MONEY, decimal_from_number, money_to_json, parse_money
from .vocabulary import (
    MAX_PARTNERS,
    MAX_TITLE,
    MAX_YEARS,
    clean_choice,
    derive_values,
    field_description,
    field_kind,
    field_names,
    json_ready,
    quick_values,
)

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


Choice = BeforeValidator(clean_choice)


class Purchase(BaseModel):
    """A proposed purchase, as an officer describes it.

    ``annual_value`` and ``total_value`` are both filled in after validation
    (whichever was not given is derived); :attr:`stated` says which fields the
    officer actually gave, so that a derived or defaulted value is never
    mistaken for a stated one.
    """

    # defer_build: the validator is built the first time the model itself is asked
    # to validate, not at import. Plain purchases never ask (vocabulary.quick_values
    # reads them), so a batch of plain rows never builds it or loads pydantic's plugins.
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        title="Purchase description",
        defer_build=True,
        # pydantic-core otherwise keeps up to 16,384 of the strings it has read (about
        # a megabyte): a long batch's error rows filled it, and memory grew with them.
        cache_strings=False,
    )

    title: Annotated[str, BeforeValidator(_text)] = Field(
        min_length=1, max_length=MAX_TITLE, description=field_description("title")
    )
    annual_value: Money = Field(None, description=field_description("annual_value"))
    total_value: Money = Field(None, description=field_description("total_value"))
    years: Years = Field(Decimal(1), description=field_description("years"))
    outcomes: Annotated[Literal["certain", "less_certain"], Choice] = Field(
        description=field_description("outcomes")
    )
    providers: Annotated[Literal["many", "few"] | None, Choice] = Field(
        None, description=field_description("providers")
    )
    service: Annotated[Literal["statutory", "required", "discretionary"] | None, Choice] = Field(
        None, description=field_description("service")
    )
    sector: Annotated[Literal["general", "specific", "vcs"] | None, Choice] = Field(
        None, description=field_description("sector")
    )
    eu_exempt: Flag = Field(None, description=field_description("eu_exempt"))
    external_guidance: Flag = Field(None, description=field_description("external_guidance"))
    timescale: Annotated[Literal["normal", "restricted"] | None, Choice] = Field(
        None, description=field_description("timescale")
    )
    overlaps_vcs_activity: Flag = Field(
        None, description=field_description("overlaps_vcs_activity")
    )
    core_costs: Flag = Field(None, description=field_description("core_costs"))
    strategic_organisation: Flag = Field(
        None, description=field_description("strategic_organisation")
    )
    resources_panel_approved: Flag = Field(
        None, description=field_description("resources_panel_approved")
    )
    redevelopment_costs: Flag = Field(None, description=field_description("redevelopment_costs"))
    for_individual: Flag = Field(None, description=field_description("for_individual"))
    guaranteed_volume: Flag = Field(None, description=field_description("guaranteed_volume"))
    call_off: Flag = Field(None, description=field_description("call_off"))
    provider: Annotated[
        Literal["unknown", "in_house", "third_sector", "private", "statutory"] | None, Choice
    ] = Field(None, description=field_description("provider"))
    partners: Annotated[int, BeforeValidator(_whole_number)] = Field(
        1, ge=1, le=MAX_PARTNERS, description=field_description("partners")
    )
    direct_payment: Flag = Field(None, description=field_description("direct_payment"))
    gp_led: Flag = Field(None, description=field_description("gp_led"))

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
        return json_ready(self.__dict__)


def quick_purchase(data: Mapping[Any, Any]) -> Purchase | None:
    """The Purchase that ``Purchase.model_validate(data)`` would make, or None for
    anything the quick reader does not vouch for (see vocabulary.quick_values)."""
    read = quick_values(data)
    return None if read is None else Purchase.from_validated(*read)


__all__ = [
    "Purchase",
    "ValidationError",
    "field_description",
    "field_kind",
    "field_names",
    "quick_purchase",
]
