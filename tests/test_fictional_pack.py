"""Another authority's pack, with other bands, families, methods and exceptions, routes
without any change to the code."""

from __future__ import annotations

import pytest

from commission_cli import InputError, Purchase, load_rules, route

from .conftest import PACKS, as_json, candidate, run_installed

NORTHSHIRE = PACKS / "northshire.yaml"


@pytest.fixture(scope="module")
def northshire():
    return load_rules(NORTHSHIRE)


def _route(pack, **fields):
    fields.setdefault("title", "Northshire purchase")
    fields.setdefault("outcomes", "certain")
    return route(Purchase(**fields), pack)


def test_the_pack_names_itself(northshire):
    assert northshire.name == "Northshire County Council Contract Procedure Rules"
    assert northshire.version == "2.3.0"


@pytest.mark.parametrize(
    ("annual", "method"),
    [
        (150000, "open_tender"),
        (100000, "open_tender"),
        ("99999.99", "three_quotes"),
        (10000, "three_quotes"),
        ("9999.99", "single_quote"),
        (50, "single_quote"),
    ],
)
def test_contract_bands_are_northshires(northshire, annual, method):
    assert _route(northshire, annual_value=annual, years=1).method.id == method


def test_whole_life_band_of_another_authority(northshire):
    d = _route(northshire, annual_value=60000, years=5)  # £300,000 in all
    assert d.method.id == "open_tender"


def test_requirement_gate_of_another_authority(northshire):
    d = _route(northshire, annual_value=60000, years=1, call_off=True)
    assert d.method.id == "framework_call_off"
    assert [c.id for c in d.contract_types] == ["call_off_order"]
    assert not candidate(
        _route(northshire, annual_value=60000, years=1), "framework_call_off"
    ).eligible


def test_exception_that_opens_above_its_band(northshire):
    # Open tender matches 0 of 1 indicators (providers not stated); quotations 1 of 2.
    d = _route(northshire, annual_value=150000, years=1, timescale="normal", external_guidance=True)
    assert candidate(d, "three_quotes").eligible
    assert d.method.id == "three_quotes"
    assert d.exception.id == "urgent_guidance"
    # Without the guidance the exception does not open it.
    assert not candidate(_route(northshire, annual_value=150000, years=1), "three_quotes").eligible


def test_grants_family_decided_by_another_test(northshire):
    d = _route(northshire, total_value=1500, years=1, core_costs=True, sector="vcs")
    assert d.family == "grants" and d.method.id == "community_chest"
    assert [c.id for c in d.contract_types] == ["grant_letter"]
    assert d.obligations == ()


def test_grant_band_read_on_the_whole_life_value(northshire):
    d = _route(northshire, annual_value=1000, years=3, core_costs=True)  # £3,000 in all
    assert d.method.id == "core_grant"


def test_no_route_under_another_authority_names_its_panel(northshire):
    d = _route(northshire, annual_value=30000, years=1, core_costs=True)
    assert d.method is None
    assert "Grants Panel approves the grant" in candidate(d, "core_grant").reason
    d = _route(
        northshire, annual_value=30000, years=1, core_costs=True, resources_panel_approved=True
    )
    assert d.method.id == "core_grant"


def test_its_own_not_stated_warning_and_no_near_threshold_warning(northshire):
    d = _route(northshire, annual_value=99000, years=1)
    assert any("Northshire assumes the council alone" in w for w in d.warnings)
    assert not any("within" in w and "below" in w for w in d.warnings)


def test_installed_cli_routes_with_another_pack(tmp_path):
    result = run_installed(
        "route",
        "--rules",
        str(NORTHSHIRE),
        "--title",
        "Road gritting",
        "--annual-value",
        "150k",
        "--years",
        "1",
        "--outcomes",
        "certain",
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    decision = as_json(result.stdout)
    assert decision["method"]["id"] == "open_tender"
    assert decision["steps"] == ["Advertise", "Evaluate", "Award"]
    assert decision["rules"]["name"] == "Northshire County Council Contract Procedure Rules"


def test_pack_from_the_environment_variable(tmp_path):
    result = run_installed(
        "route",
        "--title",
        "Gritting",
        "--annual-value",
        "5k",
        "--years",
        "1",
        "--outcomes",
        "certain",
        "-f",
        "json",
        cwd=tmp_path,
        env={"COMMISSION_RULES": str(NORTHSHIRE)},
    )
    assert as_json(result.stdout)["method"]["id"] == "single_quote"


def _problems(pack, **fields):
    fields.setdefault("title", "Northshire purchase")
    fields.setdefault("annual_value", 5000)
    with pytest.raises(InputError) as caught:
        _route(pack, **fields)
    return {p.field: p.message for p in caught.value.problems}


def test_a_negative_count_is_told_the_least_it_may_be(northshire):
    assert _problems(northshire, outcomes="certain", bidders="-2") == {
        "bidders": "must be at least 0 (got '-2')"
    }


def test_a_blank_required_choice_lists_its_answers(northshire):
    assert _problems(northshire, outcomes="") == {
        "outcomes": "is blank; fill in certain or less_certain"
    }
