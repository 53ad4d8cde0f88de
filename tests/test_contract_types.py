"""The glossary's nine types of contracting, each under the condition that applies it."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("fields", "contract_type"),
    [
        ({"guaranteed_volume": True}, "block_contract"),
        ({"direct_payment": True}, "direct_payment"),
        ({"call_off": True}, "framework_contract"),
        ({"outcomes": "less_certain"}, "grant_agreement"),
        ({"partners": 2}, "joint_purchasing"),
        ({"gp_led": True}, "practice_based_commissioning"),
        ({"provider": "third_sector"}, "service_agreement"),
        ({"provider": "in_house"}, "service_level_agreement"),
        ({"for_individual": True}, "spot_purchasing"),
    ],
)
def test_each_contract_type_applies_under_its_condition(decide, fields, contract_type):
    d = decide(annual_value=20000, **fields)
    assert contract_type in [c.id for c in d.contract_types]


def test_contract_types_carry_the_glossary_definition(decide):
    d = decide(annual_value=20000, guaranteed_volume=True)
    (block,) = d.contract_types
    assert block.name == "Block Contract"
    assert block.definition == (
        "A contract which guarantees a given volume of business to the "
        "service provider. This can often lead to a lower unit cost "
        "being agreed."
    )


def test_third_sector_grant_is_a_grant_agreement_not_a_service_agreement(decide):
    d = decide(annual_value=20000, outcomes="less_certain", provider="third_sector")
    assert [c.id for c in d.contract_types] == ["grant_agreement"]


def test_one_partner_is_not_joint_purchasing(decide):
    assert decide(annual_value=20000, partners=1).contract_types == ()


def test_all_that_apply_are_listed_in_glossary_order(decide):
    d = decide(
        annual_value=20000, for_individual=True, partners=3, call_off=True, provider="in_house"
    )
    assert [c.id for c in d.contract_types] == [
        "framework_contract",
        "joint_purchasing",
        "service_level_agreement",
        "spot_purchasing",
    ]


def test_a_flag_stated_false_applies_no_contract_type(decide):
    assert decide(annual_value=20000, guaranteed_volume=False, call_off=False).contract_types == ()
