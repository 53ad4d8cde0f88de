"""Which method the default rules choose: each method, each band edge, each exception,
the tie rule, the family and the no-route answer (PRODUCT.md, "How the default rules decide")."""

from __future__ import annotations

from decimal import Decimal

import pytest

from .conftest import candidate

# -- each method on a purchase built for it -----------------------------------------------


def test_large_statutory_contract_in_a_contestable_market_is_full_competitive(decide):
    d = decide(
        annual_value="£120,000",
        years=3,
        outcomes="certain",
        providers="many",
        service="statutory",
        sector="general",
    )
    assert d.method.id == "full_competitive"
    assert d.agreement == "Contract"
    assert d.full_cost_recovery == "Yes"
    assert d.guiding_document == "EU procurement directives and internal procurement procedures"
    assert len(d.steps) == 11


def test_specialist_service_with_few_providers_at_45k_is_restricted(decide):
    d = decide(
        annual_value=45000,
        years=1,
        outcomes="certain",
        providers="few",
        service="statutory",
        sector="specific",
        eu_exempt=True,
    )
    assert d.method.id == "restricted"
    assert d.agreement == "Contract"
    assert d.guiding_document == "Internal procurement procedures (and Commissioning Framework)"
    assert d.steps[0] == "Prepare Service Specification"
    assert d.steps[-1] == "Contract monitoring"


def test_small_contract_under_30k_a_year_is_class_i_ii(decide):
    d = decide(
        annual_value=12000, years=1, outcomes="certain", providers="many", service="required"
    )
    assert d.method.id == "class_i_ii"
    assert d.agreement == "Contract Green Decision"
    assert d.guiding_document == "Internal procurement procedures"
    assert d.steps == ()


def test_core_costs_of_a_strategic_organisation_is_grant_in_aid_whatever_the_amount(decide):
    d = decide(
        annual_value="2m", outcomes="less_certain", core_costs=True, strategic_organisation=True
    )
    assert d.family == "funding"
    assert d.method.id == "grant_in_aid"
    assert d.agreement == "Funding agreement with SLA"
    assert d.full_cost_recovery == "No – except perhaps where there is related staff recruitment"
    assert d.guiding_document == "Community initiatives"


def test_less_certain_outcomes_many_vcs_providers_with_time_is_competitive_grants(decide):
    d = decide(
        annual_value=20000,
        outcomes="less_certain",
        providers="many",
        sector="vcs",
        timescale="normal",
    )
    assert d.method.id == "competitive_grants"
    assert d.agreement == "Funding agreement with SLA"
    assert d.full_cost_recovery == "Maybe for some project funding"


def test_few_providers_overlapping_vcs_activity_in_a_hurry_is_selective_grants(decide):
    d = decide(
        annual_value=30000,
        outcomes="less_certain",
        providers="few",
        overlaps_vcs_activity=True,
        sector="vcs",
        timescale="restricted",
    )
    assert d.method.id == "selective_grants"


def test_grant_under_5k_is_a_small_grant(decide):
    d = decide(annual_value=3500, outcomes="less_certain")
    assert d.method.id == "small_grants"
    assert d.agreement == "Funding agreement"


# -- band edges ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("annual", "eligible"),
    [
        ("4999.99", {"small_grants"}),
        ("5000", {"competitive_grants", "selective_grants"}),
        ("49999.99", {"competitive_grants", "selective_grants"}),
        ("50000", {"competitive_grants", "selective_grants"}),
        ("50000.01", set()),
    ],
)
def test_grant_band_edges(decide, annual, eligible):
    d = decide(annual_value=annual, outcomes="less_certain")
    assert {c.id for c in d.candidates if c.eligible} == eligible


@pytest.mark.parametrize(
    ("annual", "eligible"),
    [
        ("29999.99", {"class_i_ii"}),
        ("30000", {"restricted"}),
        ("38999.99", {"restricted"}),
        ("49999.99", {"restricted", "full_competitive"}),  # 1 year: whole life ≥ £39,000 too
        ("50000", {"full_competitive"}),
        ("50000.01", {"full_competitive"}),
    ],
)
def test_purchasing_band_edges_over_one_year(decide, annual, eligible):
    d = decide(annual_value=annual, years=1)
    expected = set(eligible)
    if Decimal(annual) >= 39000:
        expected.add("full_competitive")
    assert {c.id for c in d.candidates if c.eligible} == expected


def test_whole_life_of_38999_99_does_not_open_the_full_process(decide):
    d = decide(total_value="38999.99", years=3)  # £12,999.997 a year
    eligible = {c.id for c in d.candidates if c.eligible}
    assert eligible == {"class_i_ii"}


def test_whole_life_of_39000_opens_the_full_process(decide):
    d = decide(total_value=39000, years=3)  # £13,000 a year
    assert {c.id for c in d.candidates if c.eligible} == {"full_competitive", "class_i_ii"}


def test_whole_life_is_annual_times_years(decide):
    d = decide(annual_value=13000, years=3)
    assert d.purchase.total_value == 39000
    assert candidate(d, "full_competitive").eligible


def test_a_contract_shorter_than_a_year_spends_its_whole_value_in_that_year(decide):
    d = decide(total_value=35000, years="0.5")
    assert d.purchase.annual_value == 70000  # the rate a year
    assert d.amounts() == {"per_annum": 35000, "whole_life": 35000}
    assert d.method.id == "restricted"


def test_40k_a_year_for_six_months_is_20k_in_total_and_20k_in_its_year(decide):
    # PRODUCT.md, "Derived values": the per-annum band tests what is spent in any one year.
    d = decide(annual_value=40000, years="6 months", providers="many", service="required")
    assert d.purchase.total_value == 20000
    assert d.amounts() == {"per_annum": 20000, "whole_life": 20000}
    assert d.method.id == "class_i_ii"


def test_36k_a_year_for_13_months_is_exactly_39k_and_opens_the_full_process(decide):
    d = decide(annual_value=36000, years="13 months")
    assert d.purchase.total_value == 39000
    assert candidate(d, "full_competitive").eligible


# -- exceptions ----------------------------------------------------------------------------


def test_external_guidance_opens_the_full_process_for_lower_amounts(decide):
    d = decide(
        annual_value=20000,
        years=1,
        providers="many",
        service="statutory",
        sector="general",
        external_guidance=True,
    )
    assert d.method.id == "full_competitive"
    assert d.exception.id == "external_guidance"
    assert d.exception.text == "May be used for lower amounts where external guidance applies"


def test_external_guidance_opens_the_restricted_process_for_lower_amounts(decide):
    d = decide(
        annual_value=10000,
        years=1,
        providers="few",
        sector="specific",
        service="statutory",
        eu_exempt=True,
        external_guidance=True,
    )
    assert d.method.id == "restricted"
    assert d.exception.id == "external_guidance"


def test_external_guidance_never_opens_the_restricted_process_above_its_band(decide):
    d = decide(
        annual_value=80000,
        providers="few",
        sector="specific",
        eu_exempt=True,
        external_guidance=True,
    )
    assert not candidate(d, "restricted").eligible
    assert d.method.id == "full_competitive"
    assert d.exception is None


def test_resources_panel_approval_opens_grants_above_50k(decide):
    d = decide(
        annual_value=75000,
        outcomes="less_certain",
        providers="many",
        sector="vcs",
        timescale="normal",
        resources_panel_approved=True,
    )
    assert d.method.id == "competitive_grants"
    assert d.exception.id == "resources_panel_approved"


def test_resources_panel_approval_does_not_open_grants_below_5k(decide):
    d = decide(annual_value=3000, outcomes="less_certain", resources_panel_approved=True)
    assert not candidate(d, "competitive_grants").eligible
    assert d.method.id == "small_grants"


def test_redevelopment_costs_open_small_grants_above_5k(decide):
    d = decide(annual_value=60000, outcomes="less_certain", redevelopment_costs=True)
    assert d.method.id == "small_grants"
    assert d.exception.id == "redevelopment_costs"


def test_an_exception_that_holds_is_not_reported_when_the_value_is_in_the_band(decide):
    d = decide(annual_value=45000, providers="few", external_guidance=True)
    assert d.method.id == "restricted"
    assert d.exception is None


# -- fit, ties and family ------------------------------------------------------------------


def test_score_is_the_share_of_indicators_matched(decide):
    d = decide(annual_value=45000, outcomes="certain", providers="few", sector="specific")
    restricted = candidate(d, "restricted")
    assert restricted.score == pytest.approx(3 / 5)
    assert restricted.matched == (
        "Outcomes certain",
        "Few potential providers",
        "May in effect be sector specific",
    )
    assert "EU rules exempt" in restricted.unmatched


def test_tie_goes_to_the_method_listed_first(decide):
    # £15,000 a year for 3 years: Class I & II by the annual value, the full process by
    # the whole-life value; both match every indicator.
    d = decide(annual_value=15000, years=3, providers="many", service="statutory", sector="general")
    assert candidate(d, "full_competitive").score == candidate(d, "class_i_ii").score == 1
    assert d.method.id == "full_competitive"
    assert "comes before it in the rule pack's order" in candidate(d, "class_i_ii").reason


def test_higher_score_beats_the_order(decide):
    d = decide(annual_value=15000, years=3, providers="many", service="required", sector="specific")
    assert candidate(d, "full_competitive").score == pytest.approx(3 / 4)
    assert candidate(d, "class_i_ii").score == 1
    assert d.method.id == "class_i_ii"


def test_small_grants_lists_no_indicators_and_scores_zero(decide):
    d = decide(annual_value=3000, outcomes="less_certain")
    small = candidate(d, "small_grants")
    assert small.score == 0 and small.matched == () and small.unmatched == ()


def test_core_costs_make_it_funding_even_with_certain_outcomes(decide):
    assert decide(annual_value=20000, outcomes="certain", core_costs=True).family == "funding"


def test_less_certain_outcomes_make_it_funding(decide):
    assert decide(annual_value=20000, outcomes="less_certain").family == "funding"


def test_certain_outcomes_without_core_costs_make_it_purchasing(decide):
    d = decide(annual_value=20000, outcomes="certain", core_costs=False)
    assert d.family == "purchasing"
    assert [c.id for c in d.candidates] == ["full_competitive", "restricted", "class_i_ii"]


def test_candidates_are_every_method_of_the_family_in_table_order(decide):
    d = decide(annual_value=20000, outcomes="less_certain")
    assert [c.id for c in d.candidates] == [
        "grant_in_aid",
        "competitive_grants",
        "selective_grants",
        "small_grants",
    ]


def test_a_field_not_stated_matches_no_indicator(decide):
    d = decide(annual_value=45000)
    restricted = candidate(d, "restricted")
    assert restricted.matched == ("Outcomes certain",)
    assert "not stated, so not matched" in restricted.reason
    assert "providers" in restricted.reason


# -- no route ------------------------------------------------------------------------------


def test_grant_above_50k_without_panel_approval_has_no_route(decide):
    d = decide(annual_value=75000, outcomes="less_certain", providers="many", sector="vcs")
    assert d.method is None and not d.routed
    assert d.agreement is d.full_cost_recovery is d.guiding_document is None
    assert d.steps == () and d.obligations == ()
    competitive = candidate(d, "competitive_grants")
    assert "above its band" in competitive.reason
    assert "Resources Panel approves the grant" in competitive.reason
    assert "resources_panel_approved is true" in competitive.reason
    assert "redevelopment costs" in candidate(d, "small_grants").reason
    assert (
        "core_costs is true and strategic_organisation is true"
        in candidate(d, "grant_in_aid").reason
    )
    assert d.reasons[-1].startswith("No route")


def test_core_costs_of_an_organisation_not_strategic_above_50k_has_no_route(decide):
    d = decide(
        annual_value=60000, outcomes="certain", core_costs=True, strategic_organisation=False
    )
    assert d.family == "funding"
    assert d.method is None
    assert "strategically important organisation" in candidate(d, "grant_in_aid").reason


def test_purchasing_always_has_a_route(decide):
    for value in ("1", "4999.99", "29999.99", "30000", "49999.99", "50000", "1000000"):
        assert decide(annual_value=value).method is not None


# -- results -------------------------------------------------------------------------------


def test_obligations_quote_their_source(decide):
    d = decide(annual_value=120000, providers="many")
    texts = [o.text for o in d.obligations]
    assert any("full cost" in t for t in texts)
    assert any("3 months" in t for t in texts)
    assert any("paper-based" in t for t in texts)
    assert all("“" in o.source and "Wolverhampton" in o.source for o in d.obligations)


def test_grants_carry_no_full_cost_obligation_or_tender_support(decide):
    d = decide(annual_value=20000, outcomes="less_certain")
    texts = " ".join(o.text for o in d.obligations)
    assert "full cost" not in texts and "paper-based" not in texts
    assert "3 months" in texts


def test_decision_names_the_pack_it_used(decide, rules):
    d = decide(annual_value=20000)
    assert d.rules.name == "Wolverhampton Contract Procurement Guide"
    assert d.rules.version == rules.version
    assert len(d.rules.sha256) == 64
