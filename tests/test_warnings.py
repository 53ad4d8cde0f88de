"""The warnings of PRODUCT.md: near a threshold, the £39,000 figure, years not stated,
contradictory contract types, and fields not stated."""

from __future__ import annotations

from commission_cli import Purchase, load_rules, route

from .conftest import ROOT


def _near(d):
    return [w for w in d.warnings if "within 10% below" in w]


def test_value_just_below_30k_warns_that_the_eligible_methods_would_change(decide):
    d = decide(annual_value=28000, years=1)
    (warning,) = _near(d)
    assert "£30,000 a year threshold" in warning
    assert "Restricted procurement process" in warning
    assert "must not be split" in warning


def test_value_more_than_10_percent_below_a_threshold_does_not_warn(decide):
    assert _near(decide(annual_value=26999, years=1)) == []


def test_value_exactly_10_percent_below_a_threshold_warns(decide):
    assert _near(decide(annual_value=27000, years=1))


def test_value_at_the_threshold_is_not_below_it(decide):
    d = decide(annual_value=30000, years=1)
    assert not any("£30,000 a year" in w for w in _near(d))


def test_grant_at_the_top_of_its_band_warns_before_it_runs_out(decide):
    d = decide(annual_value=50000, outcomes="less_certain")
    (warning,) = _near(d)
    assert "Above £50,000 no method would be eligible (now: " in warning


def test_whole_life_value_just_below_39k_warns(decide):
    d = decide(annual_value=12000, years=3)  # £36,000 in all
    (warning,) = _near(d)
    assert "whole-life value" in warning and "£39,000" in warning
    assert "Full competitive procurement process" in warning


def test_decision_resting_on_the_39k_whole_life_figure_says_so(decide):
    d = decide(annual_value=15000, years=3, providers="many", service="statutory", sector="general")
    assert d.method.id == "full_competitive"
    (warning,) = [w for w in d.warnings if "£39,000 over the life of the contract" in w]
    assert "€206,000" in warning and "£139,893" in warning


def test_full_process_on_the_annual_value_does_not_rest_on_the_39k_figure(decide):
    d = decide(annual_value=60000, years=3)
    assert not any("€206,000" in w for w in d.warnings)


def test_years_not_stated_warns(decide):
    d = decide(annual_value=20000)
    assert any("length in years was not stated" in w for w in d.warnings)


def test_years_stated_does_not_warn(decide):
    d = decide(annual_value=20000, years=1)
    assert not any("length in years" in w for w in d.warnings)


def test_contradictory_contract_types_warn(decide):
    d = decide(annual_value=20000, guaranteed_volume=True, call_off=True)
    (warning,) = [w for w in d.warnings if "contradict" in w]
    assert "Block Contract and Framework Contract" in warning


def test_unstated_fields_that_indicators_read_are_named(decide):
    d = decide(annual_value=45000, years=1, providers="few", service="statutory")
    (warning,) = [w for w in d.warnings if w.startswith("Not stated")]
    assert "eu_exempt" in warning and "sector" in warning


def test_with_one_method_eligible_unstated_fields_are_not_said_to_change_the_choice(decide):
    # Only the full competitive process takes £60,000 a year: no score can change that.
    d = decide(annual_value=60000, years=1)
    assert [c.id for c in d.candidates if c.eligible] == ["full_competitive"]
    assert not [w for w in d.warnings if w.startswith("Not stated")]


def _pack_in_force(tmp_path, dates: str):
    text = (ROOT / "rules" / "wolverhampton.yaml").read_text(encoding="utf-8")
    path = tmp_path / "dated.yaml"
    path.write_text(text.replace("  valid_from: 2009-01-16\n", dates, 1), encoding="utf-8")
    return load_rules(str(path))


def test_a_decision_under_rules_that_have_lapsed_says_so(tmp_path):
    rules = _pack_in_force(tmp_path, "  valid_from: 2009-01-16\n  valid_until: 2010-12-31\n")
    d = route(Purchase(title="Day care", annual_value=45000, outcomes="certain"), rules)
    assert any(
        w.startswith("These rules were in force until 2010-12-31, before today") for w in d.warnings
    )


def test_a_decision_under_rules_not_yet_in_force_says_so(tmp_path):
    rules = _pack_in_force(tmp_path, "  valid_from: 2999-04-01\n")
    d = route(Purchase(title="Day care", annual_value=45000, outcomes="certain"), rules)
    assert any(w.startswith("These rules come into force on 2999-04-01") for w in d.warnings)


def test_rules_in_force_today_give_no_such_warning(decide):
    d = decide(annual_value=45000)
    assert not any("These rules" in w for w in d.warnings)
