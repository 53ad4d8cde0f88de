"""Money as officers write it, and the purchase model's rules (PRODUCT.md, input)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from commission_cli import Purchase
from commission_cli.money import format_money, parse_money


@pytest.mark.parametrize(
    ("text", "pounds"),
    [
        (45000, "45000"),
        (45000.50, "45000.5"),
        ("45000", "45000"),
        ("£45,000", "45000"),
        ("45k", "45000"),
        ("45K", "45000"),
        ("1.2m", "1200000"),
        ("£1.2M", "1200000"),
        (" £ 45,000.50 ", "45000.5"),
        ("£1,234,567.89", "1234567.89"),
        (".5m", "500000"),
        ("GBP 300", "300"),
        (Decimal("29999.99"), "29999.99"),
    ],
)
def test_money_accepts_what_officers_write(text, pounds):
    assert parse_money(text) == Decimal(pounds)


@pytest.mark.parametrize(
    "text",
    [
        "45kk",
        "forty",
        "4,5000",
        "$45,000",
        "€45,000",
        "45 EUR",
        "",
        "-5",
        "0",
        "£0",
        "nan",
        "inf",
        "1e400",
        True,
        None,
        [1],
        "1,2,3",
    ],
)
def test_money_rejects_what_is_not_a_sum_of_pounds(text):
    with pytest.raises(ValueError):
        parse_money(text)


def test_money_above_a_trillion_is_refused():
    with pytest.raises(ValueError, match="limit"):
        parse_money("2000000m")


def test_money_prints_whole_pounds_without_pence():
    assert format_money(Decimal(45000)) == "£45,000"
    assert format_money(Decimal("45000.5")) == "£45,000.50"


def test_total_is_derived_from_annual_times_years():
    p = Purchase(title="t", annual_value="20k", years=3, outcomes="certain")
    assert p.total_value == 60000
    assert "total_value" not in p.stated


def test_annual_is_derived_from_total_over_years():
    p = Purchase(title="t", total_value=90000, years=3, outcomes="certain")
    assert p.annual_value == 30000


def test_values_that_agree_to_the_penny_are_accepted():
    p = Purchase(
        title="t", annual_value="13000.004", total_value="39000.01", years=3, outcomes="certain"
    )
    assert p.total_value == Decimal("39000.01")


def test_a_total_a_penny_off_annual_times_years_is_refused():
    # 13,000 × 3 is 39,000: a total of 38,999.99 would change the route, so it is refused.
    with pytest.raises(ValidationError, match="does not equal"):
        Purchase(title="t", annual_value=13000, total_value="38999.99", years=3, outcomes="certain")
    with pytest.raises(ValidationError, match="does not equal"):
        Purchase(
            title="t", annual_value="33333.33", total_value=100000, years=3, outcomes="certain"
        )


def test_values_that_disagree_are_refused_naming_total_value():
    with pytest.raises(ValidationError) as info:
        Purchase(title="t", annual_value=45000, total_value=100000, years=3, outcomes="certain")
    assert "does not equal" in str(info.value)


def test_neither_value_is_refused():
    with pytest.raises(ValidationError, match="annual_value or total_value"):
        Purchase(title="t", outcomes="certain")


def test_unknown_keys_are_refused():
    with pytest.raises(ValidationError, match="anual_value"):
        Purchase(title="t", anual_value=5, outcomes="certain")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("years", 0),
        ("years", -1),
        ("years", "three"),
        ("years", True),
        ("years", 101),
        ("partners", 0),
        ("partners", 1.5),
        ("partners", True),
        ("outcomes", "sure"),
        ("providers", "lots"),
        ("eu_exempt", "maybe"),
        ("eu_exempt", 2),
        ("title", ""),
        ("title", "x" * 501),
    ],
)
def test_bad_field_values_are_refused(field, value):
    fields = {"title": "t", "annual_value": 5000, "outcomes": "certain", field: value}
    with pytest.raises(ValidationError):
        Purchase(**fields)


def test_choices_forgive_case_spaces_and_hyphens():
    p = Purchase(title="t", annual_value=5000, outcomes="Less certain", provider="In-house")
    assert p.outcomes == "less_certain" and p.provider == "in_house"


def test_flags_accept_yes_and_no():
    p = Purchase(title="t", annual_value=5000, outcomes="certain", eu_exempt="yes", call_off="no")
    assert p.eu_exempt is True and p.call_off is False


def test_blank_values_are_not_stated():
    p = Purchase(title="t", annual_value=5000, outcomes="certain", years="", providers="")
    assert p.years == 1 and "years" not in p.stated and p.providers is None


def test_echo_gives_every_field_with_money_as_numbers():
    p = Purchase(title="t", annual_value="45,000.50", outcomes="certain")
    echo = p.echo()
    assert echo["annual_value"] == 45000.5 and echo["total_value"] == 45000.5
    assert echo["years"] == 1
    assert set(echo) == set(Purchase.model_fields)


# The quick reading of common shapes must give exactly what the full pattern gives.
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from commission_cli.money import _money_pattern, _quick_number  # noqa: E402


@given(st.text(alphabet="0123456789,.£kKmM ", min_size=1, max_size=10))
def test_quick_money_reading_agrees_with_the_pattern(text):
    quick = _quick_number(text)
    if quick is None:
        return
    match = _money_pattern().match(text)
    assert match is not None
    number = match.group("num").replace(",", "")
    multiplier = {"": 1, "k": 1000, "m": 1_000_000}[(match.group("suffix") or "").lower()]
    assert Decimal(number) * multiplier == quick
