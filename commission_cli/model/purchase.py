"""The purchase an officer describes: the built-in fields, and the pack's, validated.

:class:`Purchase` holds the fields every pack has (the title, the amounts, the
length) and works out whichever amount was not given. Each rule pack's own
model (:func:`purchase_model`) adds the fields the pack declares, refusing any
key it does not know. Every value is read by :mod:`.values`, so every message
is the tool's own, whatever pydantic's version.

The amounts (PRODUCT.md, "Derived values"): ``annual_value`` is a rate a year
and ``total_value = annual_value × years`` for every length. A per-annum band
tests what is spent in any one year (:attr:`Purchase.per_annum`): the rate, or
the whole value for a contract of a year or less. £40,000 a year for six months
is £20,000 in total and £20,000 in its year.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
    create_model,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..errors import InputError, Problem
from .fields import BUILT_IN, VALUE_FIELDS, FieldDecl, choice_words
from .money import MAX_MONEY, format_money, money_to_json
from .values import (
    is_blank,
    read_choice,
    read_date,
    read_money,
    read_number,
    read_text,
    read_years,
    read_yes_no,
    years_to_json,
)

if TYPE_CHECKING:
    from ..io.documents import Document

Reader = Callable[[object], Any]


def reader_for(decl: FieldDecl) -> Reader:
    """The function that reads a value of this field (None for "not stated")."""
    kind = decl.kind
    if kind == "text":
        limit = decl.max_length or 500
        return lambda raw: read_text(raw, max_length=limit)
    if kind == "money":
        return read_money
    if kind == "length":
        return read_years
    if kind == "yes_no":
        return read_yes_no
    if kind == "date":
        return read_date
    if kind == "number":
        whole, low, high = decl.whole, decl.minimum, decl.maximum
        return lambda raw: read_number(raw, whole=whole, minimum=low, maximum=high)
    if kind == "choice":
        words = choice_words(decl)
        ids = tuple(v.id for v in decl.values)
        return lambda raw: read_choice(raw, words=words, ids=ids)
    raise ValueError(f"a field of kind {kind!r} cannot be read")  # pragma: no cover


def blank_message(decl: FieldDecl) -> str:
    """What to write in a required field left blank."""
    if decl.id in VALUE_FIELDS:
        return (
            "is blank; fill in annual_value or total_value, in pounds "
            "(such as 45000, £45,000 or 45k)"
        )
    if decl.kind == "choice":
        ids = [v.id for v in decl.values]
        allowed = " or ".join(ids) if len(ids) <= 2 else f"{', '.join(ids[:-1])} or {ids[-1]}"
        return f"is blank; fill in {allowed}"
    if decl.kind == "yes_no":
        return "is blank; fill in yes or no"
    return f"is blank; fill in {decl.description or decl.id}"


def _validator(decl: FieldDecl) -> Callable[[object], Any]:
    read = reader_for(decl)
    required = decl.required

    def validate(raw: object) -> Any:
        try:
            value = read(raw)
        except ValueError as exc:
            raise PydanticCustomError("commission", str(exc)) from None
        if value is None and required:
            raise PydanticCustomError("blank", blank_message(decl))
        return value

    return validate


def _schema(decl: FieldDecl, *, output: bool) -> dict[str, Any]:
    """The field's JSON Schema: what it accepts (``output`` false) or what it shows."""
    kind = decl.kind
    schema: dict[str, Any]
    if kind == "choice":
        schema = {"type": "string", "enum": [v.id for v in decl.values]}
    elif kind == "yes_no":
        schema = {"type": "boolean"} if output else {"type": ["boolean", "string"]}
    elif kind == "money":
        schema = {"type": "number", "exclusiveMinimum": 0, "maximum": int(MAX_MONEY)}
        if not output:
            schema = {"anyOf": [schema, {"type": "string", "examples": ["£45,000", "45k"]}]}
    elif kind == "length":
        schema = {"type": "number", "exclusiveMinimum": 0, "maximum": 100}
        if not output:
            schema = {"anyOf": [schema, {"type": "string", "examples": ["3", "6 months"]}]}
    elif kind == "number":
        schema = {"type": "integer" if decl.whole else "number"}
        if decl.minimum is not None:
            schema["minimum"] = float(decl.minimum) if not decl.whole else int(decl.minimum)
        if decl.maximum is not None:
            schema["maximum"] = float(decl.maximum) if not decl.whole else int(decl.maximum)
        if not output:
            schema = {"anyOf": [schema, {"type": "string"}]}
    elif kind == "date":
        schema = {"type": "string", "format": "date"}
    else:
        schema = {"type": "string", "maxLength": decl.max_length or 500}
    # Shown, the amounts and the length are always there (worked out, or the default).
    always = output and (decl.id in (*VALUE_FIELDS, "years") or decl.default is not None)
    if not decl.required and not always:
        schema = {"anyOf": [schema, {"type": "null"}]}
    if decl.description:
        schema["description"] = decl.description
    return schema


def _serializer(decl: FieldDecl) -> Callable[[Any], Any]:
    if decl.kind == "money":
        return lambda v: None if v is None else money_to_json(v)
    if decl.kind == "length":
        return lambda v: None if v is None else years_to_json(v)
    if decl.kind == "number":
        return lambda v: None if v is None else (v if isinstance(v, int) else money_to_json(v))
    if decl.kind == "date":
        return lambda v: None if v is None else v.isoformat()
    return lambda v: v


def annotation(decl: FieldDecl) -> Any:
    """The field's type for the pydantic model: read by :func:`reader_for`, shown as JSON."""
    return Annotated[
        Any,
        PlainValidator(_validator(decl)),
        PlainSerializer(_serializer(decl), when_used="json"),
        WithJsonSchema(_schema(decl, output=False), mode="validation"),
        WithJsonSchema(_schema(decl, output=True), mode="serialization"),
    ]


_BUILT_IN = {d.id: d for d in BUILT_IN}
_PENNY = Decimal("0.01")


class Purchase(BaseModel):
    """A proposed purchase: the fields every rule pack has, and the amounts worked out.

    Built directly, a purchase takes any other field as given (``outcomes=...``)
    and is checked against a pack's own fields when it is routed; a pack's model
    (``rules.purchase(...)``, :func:`purchase_model`) checks them at once.
    ``annual_value`` and ``total_value`` are both filled in after validation,
    whichever was not given; :attr:`stated` says which fields were given, so that
    a derived or defaulted value is never mistaken for a stated one.
    """

    # Built when first used: a run reads purchases with its pack's model (built when
    # the pack is compiled), so this base is built only when one is made directly.
    model_config = ConfigDict(
        extra="allow", frozen=True, title="Purchase description", defer_build=True
    )
    # The fields a blank value leaves at their default (all but the required ones).
    optional_fields: ClassVar[frozenset[str]] = frozenset({"annual_value", "total_value", "years"})

    title: annotation(_BUILT_IN["title"])  # type: ignore[valid-type]
    annual_value: annotation(_BUILT_IN["annual_value"]) = None  # type: ignore[valid-type]
    total_value: annotation(_BUILT_IN["total_value"]) = None  # type: ignore[valid-type]
    years: annotation(_BUILT_IN["years"]) = Fraction(1)  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _derive(self) -> Purchase:
        values = self.__dict__
        # A blank value was read as None: given, but not stated.
        blank = {n for n in self.__pydantic_fields_set__ if values.get(n) is None}
        self.__pydantic_fields_set__.difference_update(blank)
        # Not stated is not stated however it was said: a blank cell or an empty key
        # gets the field's default, as leaving the key out does.
        # (Most defaults are None, which a blank already is: only the others are set.)
        fields = type(self).model_fields
        for name in blank:
            field = fields.get(name)
            if field is not None and field.default is not None and not field.is_required():
                values[name] = field.default
        annual, total = derive_amounts(values["annual_value"], values["total_value"], self.years)
        # Written past the frozen guard on purpose: derived values are not stated ones.
        values["annual_value"], values["total_value"] = annual, total
        return self

    @property
    def stated(self) -> frozenset[str]:
        """The fields the officer gave (derived, defaulted and blank values excluded)."""
        return frozenset(self.model_fields_set)

    @property
    def per_annum(self) -> Decimal:
        """What is spent in any one year: the rate, or the whole value within a year."""
        value = self.annual_value if self.years >= 1 else self.total_value
        return cast(Decimal, value)

    def data(self) -> dict[str, Any]:
        """The stated fields with their values, as a description would give them."""
        own = {name: getattr(self, name) for name in type(self).model_fields if name in self.stated}
        # A purchase made directly keeps the fields no pack has checked yet as extras.
        extra = {k: v for k, v in (self.__pydantic_extra__ or {}).items() if v is not None}
        return {**own, **extra}

    def echo(self) -> dict[str, Any]:
        """Every field, JSON-ready, as the decision's ``purchase`` shows it.

        Plain Python rather than ``model_dump``: pydantic wraps whatever a serializer
        raises, so Ctrl-C or SIGTERM arriving mid-dump would surface as a
        serialization fault instead of an interruption.
        """
        values = {name: getattr(self, name) for name in type(self).model_fields}
        values.update(self.__pydantic_extra__ or {})
        return {name: _json_value(value) for name, value in values.items()}


def _json_value(value: Any) -> Any:
    """A field's value as JSON shows it (what each kind's serializer gives)."""
    if value is None or type(value) is str:  # most values, looked for first
        return value
    if isinstance(value, Decimal):
        return money_to_json(value)
    if isinstance(value, Fraction):
        return years_to_json(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


class PackPurchase(Purchase):
    """The base of every rule pack's purchase model: no field the pack does not declare."""

    # Not deferred as the base is: each pack's model is built once, when the pack is.
    model_config = ConfigDict(extra="forbid", defer_build=False)


def purchase_model(fields: Sequence[FieldDecl]) -> type[PackPurchase]:
    """The purchase model of a pack: the built-in fields, then the pack's, in its order."""
    own = {
        decl.id: (annotation(decl), ... if decl.required else _default(decl))
        for decl in fields
        if decl.id not in _BUILT_IN
    }
    model = cast(
        type[PackPurchase],
        create_model("Purchase", __base__=PackPurchase, **own),  # type: ignore[call-overload]
    )
    fields_ = model.model_fields
    model.optional_fields = frozenset(n for n, f in fields_.items() if not f.is_required())
    return model


def _default(decl: FieldDecl) -> Any:
    if decl.default is None:
        return Field(None, description=decl.description)
    return Field(reader_for(decl)(decl.default), description=decl.description)


# -- the amounts ---------------------------------------------------------------------------


def derive_amounts(
    annual: Decimal | None, total: Decimal | None, years: Fraction
) -> tuple[Decimal, Decimal]:
    """The annual and whole-life values, whichever was not given worked out from the other:
    ``total = annual × years``. Raises PydanticCustomError (naming the field) when neither
    is given, when they disagree by a penny or more, or when the total passes the limit."""
    if annual is None and total is None:
        raise PydanticCustomError(
            "value_missing", "give annual_value or total_value (or both)", {"field": "annual_value"}
        )
    if total is None:
        assert annual is not None
        total = times(annual, years)
        if total > MAX_MONEY:
            raise PydanticCustomError(
                "value_too_large",
                "annual_value × years comes to more than the limit of {limit}",
                {"field": "annual_value", "limit": format_money(MAX_MONEY)},
            )
        return annual, total
    if annual is None:
        annual = _scaled(total, years.denominator, years.numerator)
        if annual > MAX_MONEY:  # a whole value over a tiny part of a year
            raise PydanticCustomError(
                "value_too_large",
                "total_value ÷ years comes to more than the limit of {limit}",
                {"field": "total_value", "limit": format_money(MAX_MONEY)},
            )
        return annual, total
    expected = times(annual, years)
    if _penny(expected) != _penny(total):
        raise PydanticCustomError(
            "values_disagree",
            "total_value {total} does not equal annual_value {annual} × {years} year(s) "
            "(= {expected}); correct one of them or give only one",
            {
                "field": "total_value",
                "total": format_money(total),
                "annual": format_money(annual),
                "years": f"{float(years):g}",
                "expected": f"£{_penny(expected):,.2f}",
            },
        )
    return annual, total


def times(amount: Decimal, years: Fraction) -> Decimal:
    """amount × years, exactly where the result can be written in 40 digits."""
    return _scaled(amount, years.numerator, years.denominator)


def _scaled(amount: Decimal, numerator: int, denominator: int) -> Decimal:
    """amount × numerator ÷ denominator. For amounts and lengths as the readers give
    them (at most 15 digits and 8) the product is exact, and the quotient is rounded to
    40 digits only when it does not end (a third of a pound)."""
    with localcontext() as context:
        context.prec = 40
        return amount * numerator / denominator


def exact(value: Fraction) -> Decimal:
    """A fraction of pounds as a Decimal: exact where it can be, else to 40 digits."""
    with localcontext() as context:
        context.prec = 40
        return Decimal(value.numerator) / Decimal(value.denominator)


def _penny(amount: Decimal) -> Decimal:
    return amount.quantize(_PENNY, ROUND_HALF_UP)


# -- validating, with every problem placed where it came from --------------------------------


def validate(
    model: type[Purchase],
    data: Mapping[str, Any],
    *,
    document: Document | None = None,
    flag_sources: Mapping[str, str] | None = None,
    source: str | None = None,
    line: int | None = None,
) -> Purchase:
    """Validate one purchase, or raise InputError listing every problem at once.

    Each problem is placed as precisely as its origin allows: a document's line
    and column, the flag that gave the value, or ``source`` and ``line`` (a
    register and the line its row starts on).
    """
    # An empty optional field reads as its default, as leaving it out does. Left out
    # here, it gets that default from pydantic without its reader being run: most
    # cells of a register are empty. (Messages are still made from the data as given.)
    optional = model.optional_fields
    given = {k: v for k, v in data.items() if v != "" or k not in optional}
    try:
        return model.model_validate(given)
    except ValidationError as exc:
        problems = _problems(exc, model, data, document, flag_sources or {}, source, line)
        raise InputError(problems) from None


def _problems(
    exc: ValidationError,
    model: type[Purchase],
    data: Mapping[str, Any],
    document: Document | None,
    flagged: Mapping[str, str],
    source: str | None,
    line: int | None,
) -> list[Problem]:
    from .validation import describe_error

    known = list(model.model_fields)
    problems: list[Problem] = []
    for error in exc.errors(include_url=False):
        if error["type"] == "value_missing":
            continue  # said below, where the amounts were left out or left blank
        loc = [str(p) for p in error["loc"]]
        ctx = error.get("ctx") or {}
        # A key may be named "" (an empty YAML or JSON key): it still has its own line.
        at = (loc[0],) if loc else ((str(ctx["field"]),) if ctx.get("field") else ())
        message = describe_error(error, known)
        problems.append(_placed(message, at, error["type"], document, flagged, source, line))
    # The "one of the two amounts" rule is checked by the model only once every field
    # is valid; it is said here whatever else is wrong, so one run lists every problem.
    said = {p.field for p in problems}
    no_amount = all(is_blank(data.get(n)) for n in VALUE_FIELDS) and not said & set(VALUE_FIELDS)
    if no_amount and not any(_close_to_value(str(k)) for k in data if k not in known):
        given_blank = [n for n in VALUE_FIELDS if n in data]
        if given_blank:
            message = blank_message(_BUILT_IN["annual_value"])
            problems.append(
                _placed(message, (given_blank[0],), "blank", document, flagged, source, line)
            )
        else:
            message = "give annual_value or total_value (or both)"
            problems.append(
                _placed(message, ("annual_value",), "missing", document, flagged, source, line)
            )
    unique: dict[str, Problem] = {}
    for problem in problems:
        unique.setdefault(str(problem), problem)
    return sorted(unique.values(), key=lambda p: (p.line or 0, p.column or 0))


def _placed(
    message: str,
    at: tuple[str, ...],
    kind: str,
    document: Document | None,
    flagged: Mapping[str, str],
    source: str | None,
    line: int | None,
) -> Problem:
    name = at[0] if at else ""
    if name in flagged:
        # The flag names the field already: "--years: must be greater than 0"
        return Problem(message, source=flagged[name])
    if document is not None:
        if kind == "missing":
            # A missing key has no line of its own: point at the mapping that lacks it.
            return document.problem(message, (), field_name=name or None)
        key = kind in ("extra_forbidden", "blank")
        return document.problem(message, at, key=key, field_name=name or None)
    return Problem(message, field=name or None, source=source, line=line)


def _close_to_value(key: str) -> bool:
    """Is an unknown key a misspelling of annual_value or total_value (reported already)?"""
    import difflib

    return bool(difflib.get_close_matches(key, list(VALUE_FIELDS), cutoff=0.6))
