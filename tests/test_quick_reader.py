"""The quick reader (purchase.quick_purchase) and the Purchase model agree.

`route` reads plain purchases without building the pydantic model, so that it
starts fast. That is only safe if the quick reader never accepts what the model
would refuse, and never reads a value differently: these tests hold it to that
over generated input, odd values included.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from commission_cli.purchase import Purchase, field_kind, field_names, quick_purchase

from .conftest import EXAMPLES

SETTINGS = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_WORDS = [
    "certain", "Less certain", "less-certain", " LESS_CERTAIN ", "many", "few", "Few ",
    "statutory", "required", "discretionary", "general", "specific", "VCS", "vcs",
    "normal", "restricted", "unknown", "in house", "In-House", "third_sector", "private",
    "sure", "", "  ", "true", "False", "YES", "no", "y", "N", "t", "f", "on", "OFF", "1",
    "0", "2", "01", "+1", "1.0", "1_000", " 3 ", "45k", "£45,000", "45,000.50", "1.2m",
    "0.001", "45000.00", "-5", "1e3", "nan", "inf", "£", "k", "3.5", "100", "100.01",
    "Day care", "x" * 501, "x" * 500, "٣",
]  # fmt: skip
_VALUES = st.one_of(
    st.sampled_from(_WORDS),
    st.text(max_size=12),
    st.integers(min_value=-3, max_value=2_000_000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, max_value=10**7),
    st.booleans(),
    st.none(),
    st.just([1]),
)
_KEYS = st.sampled_from([*field_names(), "colour", "annualvalue"])


def _near_valid() -> st.SearchStrategy[dict[str, Any]]:
    """Mostly valid purchases with a few fields set to anything: the borderline cases."""
    base = st.fixed_dictionaries(
        {
            "title": st.sampled_from(["Day care", " padded ", "2024"]),
            "annual_value": st.sampled_from(["45k", 30000, 29999.99, "£1,000", None]),
            "outcomes": st.sampled_from(["certain", "less_certain", "Less certain"]),
        }
    )
    return st.builds(lambda b, extra: {**b, **extra}, base, st.dictionaries(_KEYS, _VALUES))


def _model(data: dict[str, Any]) -> Purchase | None:
    try:
        return Purchase.model_validate(data)
    except ValidationError:
        return None


def _same(a: Purchase, b: Purchase) -> None:
    assert list(a.__dict__) == list(b.__dict__)
    for name in a.__dict__:
        x, y = a.__dict__[name], b.__dict__[name]
        assert (type(x), x) == (type(y), y), name
    assert a.model_fields_set == b.model_fields_set


@SETTINGS
@given(st.one_of(_near_valid(), st.dictionaries(_KEYS, _VALUES)))
def test_the_quick_reader_accepts_only_what_the_model_accepts_and_reads_it_alike(data):
    quick = quick_purchase(data)
    if quick is None:
        return  # the model reads it (and words any message)
    model = _model(data)
    assert model is not None, f"quick reader accepted what the model refuses: {data!r}"
    _same(quick, model)
    assert quick.echo() == model.model_dump(mode="json")


@SETTINGS
@given(_near_valid())
def test_echo_is_the_models_own_json_dump(data):
    model = _model(data)
    if model is not None:
        assert model.echo() == model.model_dump(mode="json")


@pytest.mark.parametrize(
    "name", [n for n in field_names() if field_kind(n)[0] in ("choice", "flag")]
)
def test_every_word_a_choice_or_flag_takes_is_read_quickly(name):
    kind, allowed = field_kind(name)
    words = allowed if kind == "choice" else ("true", "false", "yes", "no")
    for word in words:
        data = {"title": "t", "annual_value": "5k", "outcomes": "certain", name: word}
        quick = quick_purchase(data)
        assert quick is not None, (name, word)
        _same(quick, Purchase.model_validate(data))


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_example_takes_the_quick_path(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    quick = quick_purchase(data)
    assert quick is not None
    _same(quick, Purchase.model_validate(data))


def test_values_that_disagree_are_left_to_the_model_to_explain():
    data = {"title": "t", "annual_value": 10_000, "total_value": 35_000, "years": 3}
    assert quick_purchase({**data, "outcomes": "certain"}) is None
    assert quick_purchase({"title": "t", "annual_value": Decimal(5)}) is None  # no outcomes
