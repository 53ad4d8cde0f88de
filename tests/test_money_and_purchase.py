"""Money as officers write it, and the purchase model's rules (PRODUCT.md, input)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from commission_cli import InputError, Purchase
from commission_cli.model.money import format_money, parse_money
from commission_cli.model.values import read_years


def make(rules, **fields):
    fields.setdefault("title", "t")
    fields.setdefault("outcomes", "certain")
    return rules.purchase(fields)


@pytest.mark.parametrize(
    ("text", "pounds"),
    [
        (45000, "45000"),
        (45000.50, "45000.5"),
        ("45000", "45000"),
        ("045000", "45000"),  # a leading nought is decimal, never octal
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
        "1e5",
        "0x10000",
        "0b1010",
        "1:30",
        "12:30:00",
        True,
        None,
        [1],
        "1,2,3",
        "9" * 5000,
    ],
)
def test_money_rejects_what_is_not_a_sum_of_pounds(text):
    with pytest.raises(ValueError):
        parse_money(text)


@pytest.mark.parametrize("text", ["50.000", "£50.000", "29999.990", "1.234567k", "45000.500"])
def test_money_with_three_places_written_is_refused_even_when_they_are_noughts(text):
    """ "50.000" is most likely fifty thousand written with a full stop between the
    thousands: read as £50 it would go to the wrong method without a word."""
    with pytest.raises(ValueError, match="more than two decimal places"):
        parse_money(text)


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("50.000", "write 50,000 or 50000"),
        ("£1.500", "write 1,500 or 1500"),
        ("1,234.567", None),  # the comma already separates the thousands
        ("0.125", None),
        ("45000.500", None),
        ("29999.9999", None),
    ],
)
def test_the_thousands_hint_appears_only_where_a_full_stop_could_separate_them(text, hint):
    with pytest.raises(ValueError) as refused:
        parse_money(text)
    message = str(refused.value)
    if hint is None:
        assert "separates thousands" not in message
    else:
        assert f"(if the . separates thousands, {hint})" in message


@pytest.mark.parametrize(("text", "pounds"), [("1.2345k", "1234.50"), ("0.0000005m", "0.50")])
def test_a_suffix_moves_the_places_of_pence(text, pounds):
    assert parse_money(text) == Decimal(pounds)


@pytest.mark.parametrize("text", ["29999.9999999999999", "49999.99999999999999", "45000.001"])
def test_money_with_more_than_two_decimal_places_is_refused_not_rounded_across_a_band(text):
    with pytest.raises(ValueError, match="more than two decimal places"):
        parse_money(text)


@pytest.mark.parametrize(
    ("text", "quoted"),
    [(" £45,000.555 ", "'£45,000.555' has more than"), ("£0", "(got '£0')"), ("0k", "(got '0k')")],
)
def test_a_refused_amount_is_quoted_as_it_was_typed(text, quoted):
    with pytest.raises(ValueError) as refused:
        parse_money(text)
    assert quoted in str(refused.value)


@pytest.mark.parametrize("text", ["٤٥٠٠٠", "４５０００", "4٥000"])
def test_money_in_digits_of_other_scripts_is_refused_naming_the_character(text):
    with pytest.raises(ValueError, match="U\\+"):
        parse_money(text)


def test_money_above_a_trillion_is_refused():
    with pytest.raises(ValueError, match="limit"):
        parse_money("2000000m")


def test_money_prints_whole_pounds_without_pence():
    assert format_money(Decimal(45000)) == "£45,000"
    assert format_money(Decimal("45000.5")) == "£45,000.50"


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("3", Fraction(3)),
        ("0.5", Fraction(1, 2)),
        ("6 months", Fraction(1, 2)),
        ("13 months", Fraction(13, 12)),
        ("2 years", Fraction(2)),
        ("1 year", Fraction(1)),
        ("0.0001", Fraction(1, 10000)),
        ("100", Fraction(100)),
    ],
)
def test_lengths_are_read_exactly(text, years):
    assert read_years(text) == years


@pytest.mark.parametrize(
    "text", ["0", "-1", "three", "100.5", "1e-999999999", "0.00001", "1:30", "0x2", "٣"]
)
def test_lengths_outside_the_documented_range_or_grammar_are_refused(text):
    with pytest.raises(ValueError):
        read_years(text)


def test_total_is_derived_from_annual_times_years(rules):
    p = make(rules, annual_value="20k", years=3)
    assert p.total_value == 60000
    assert "total_value" not in p.stated


def test_annual_is_derived_from_total_over_years(rules):
    p = make(rules, total_value=90000, years=3)
    assert p.annual_value == 30000


def test_values_that_agree_to_the_penny_are_accepted(rules):
    p = make(rules, annual_value="33333.33", total_value="99999.99", years=3)
    assert p.total_value == Decimal("99999.99")


def test_a_total_a_penny_off_annual_times_years_is_refused(rules):
    # 13,000 × 3 is 39,000: a total of 38,999.99 would change the route, so it is refused.
    with pytest.raises(InputError, match="does not equal"):
        make(rules, annual_value=13000, total_value="38999.99", years=3)
    with pytest.raises(InputError, match="does not equal"):
        make(rules, annual_value="33333.33", total_value=100000, years=3)


def test_values_that_disagree_are_refused_naming_total_value(rules):
    with pytest.raises(InputError) as info:
        make(rules, annual_value=45000, total_value=100000, years=3)
    assert info.value.problems[0].field == "total_value"


def test_neither_value_is_refused(rules):
    with pytest.raises(InputError, match="annual_value or total_value"):
        make(rules)


def test_unknown_keys_are_refused_naming_the_nearest_field(rules):
    with pytest.raises(InputError, match="did you mean 'annual_value'"):
        make(rules, anual_value=5)


def test_an_unknown_key_with_a_blank_value_is_still_refused(rules):
    with pytest.raises(InputError, match="contract_kind: is not a known field"):
        make(rules, annual_value=5000, contract_kind=None)


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
        ("partners", "1e9999999999"),
        ("partners", "9" * 5000),
        ("outcomes", "sure"),
        ("providers", "lots"),
        ("eu_exempt", "maybe"),
        ("eu_exempt", 2),
        ("title", "x" * 501),
        ("title", "a\x00b"),
        ("title", "lone \ud800 surrogate"),
    ],
)
def test_bad_field_values_are_refused(rules, field, value):
    with pytest.raises(InputError) as info:
        make(rules, annual_value=5000, **{field: value})
    assert info.value.problems[0].field == field


def test_a_blank_title_is_named_as_blank(rules):
    with pytest.raises(InputError, match="title: is blank"):
        make(rules, annual_value=5000, title="")


def test_choices_forgive_case_spaces_hyphens_and_take_synonyms(rules):
    p = make(rules, annual_value=5000, outcomes="Less certain", provider="In-house", sector="VCS")
    assert (p.outcomes, p.provider, p.sector) == ("less_certain", "in_house", "vcs")
    p = make(rules, annual_value=5000, providers="contestable market")
    assert p.providers == "many"


def test_flags_accept_yes_and_no(rules):
    p = make(rules, annual_value=5000, eu_exempt="yes", call_off="No")
    assert p.eu_exempt is True and p.call_off is False


def test_blank_values_are_not_stated(rules):
    p = make(rules, annual_value=5000, years="", providers="")
    assert p.years == 1 and "years" not in p.stated and p.providers is None
    assert "providers" not in p.stated


def test_titles_keep_what_was_written(rules):
    for title in ("010", "1:30", ".inf", "+1", "it\u0092s", "House 🏠"):
        assert make(rules, annual_value=5000, title=title).title == title


def test_echo_gives_every_field_with_money_as_numbers(rules):
    p = make(rules, annual_value="45,000.50")
    echo = p.echo()
    assert echo["annual_value"] == 45000.5 and echo["total_value"] == 45000.5
    assert echo["years"] == 1
    assert list(echo) == list(rules.fields)


def test_a_purchase_made_directly_is_checked_against_the_pack_when_routed(rules):
    from commission_cli import route

    p = Purchase(title="t", annual_value=5000, outcomes="certain", providers="few")
    assert route(p, rules).family == "purchasing"
    with pytest.raises(InputError, match="providers"):
        route(Purchase(title="t", annual_value=5000, outcomes="certain", providers="lots"), rules)


def test_a_date_written_right_that_is_no_day_of_the_calendar_says_so():
    from commission_cli.model.values import read_date

    with pytest.raises(ValueError, match=r"is not a day of the calendar \(got '2026-02-30'\)"):
        read_date("2026-02-30")
    with pytest.raises(ValueError, match="must be a date written YYYY-MM-DD"):
        read_date("30/02/2026")


def test_a_blank_required_yes_or_no_asks_for_yes_or_no():
    from commission_cli.model.fields import FieldDecl
    from commission_cli.model.purchase import blank_message

    decl = FieldDecl(id="grant", kind="yes_no", required=True, description="a grant to a group")
    assert blank_message(decl) == "is blank; fill in yes or no"
