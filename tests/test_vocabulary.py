"""The plain vocabulary and the Purchase model say the same about every field: names
in order, kinds, allowed words, defaults, which are required, and descriptions."""

from __future__ import annotations

from typing import Any, Literal, get_args, get_origin

from commission_cli import vocabulary
from commission_cli.purchase import Purchase
from commission_cli.vocabulary import (
    field_defaults,
    field_description,
    field_kind,
    field_names,
    required_fields,
)


def _literal_values(annotation: Any) -> tuple[str, ...]:
    if get_origin(annotation) is Literal:
        return tuple(str(a) for a in get_args(annotation))
    return tuple(v for arg in get_args(annotation) for v in _literal_values(arg))


def test_the_fields_are_the_models_in_its_order():
    assert field_names() == tuple(Purchase.model_fields)


def test_each_choice_allows_the_words_the_model_allows_and_nothing_else_is_a_choice():
    for name, info in Purchase.model_fields.items():
        kind, allowed = field_kind(name)
        assert allowed == _literal_values(info.annotation), name
        assert (kind == "choice") == bool(allowed), name


def test_each_other_kind_is_the_models_type():
    types = {"text": str, "money": Any, "number": Any, "integer": int, "flag": bool | None}
    for name, info in Purchase.model_fields.items():
        kind, _ = field_kind(name)
        if kind in ("text", "integer", "flag"):
            assert info.annotation == types[kind], name
    assert {n for n in field_names() if field_kind(n)[0] == "money"} == {
        "annual_value",
        "total_value",
    }
    assert field_kind("years")[0] == "number"


def test_defaults_required_fields_and_descriptions_are_the_models():
    for name, info in Purchase.model_fields.items():
        assert (name in required_fields()) == info.is_required(), name
        expected = None if info.is_required() else info.default
        assert field_defaults()[name] == expected, name
        assert field_description(name) == info.description, name


def test_the_model_takes_its_limits_from_the_vocabulary():
    schema = Purchase.model_json_schema()["properties"]
    assert schema["title"]["maxLength"] == vocabulary.MAX_TITLE
    assert schema["partners"]["maximum"] == vocabulary.MAX_PARTNERS
