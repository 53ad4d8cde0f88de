"""The shipped examples between them reach every method and a no-route case."""

from __future__ import annotations

import pytest

from commission_cli import load_purchase, route

from .conftest import EXAMPLES

EXPECTED = {
    "home-care-full-competitive.yaml": ("full_competitive", None),
    "day-care-restricted.yaml": ("restricted", None),
    "befriending-class-i-ii.yaml": ("class_i_ii", None),
    "advice-centre-grant-in-aid.yaml": ("grant_in_aid", None),
    "youth-clubs-competitive-grants.yaml": ("competitive_grants", None),
    "carers-support-selective-grants.yaml": ("selective_grants", None),
    "community-garden-small-grant.yaml": ("small_grants", None),
    "lunch-club-no-route.yaml": (None, None),
    "interpreting-external-guidance.yaml": ("full_competitive", "external_guidance"),
    "hall-redevelopment-small-grant.yaml": ("small_grants", "redevelopment_costs"),
    "respite-care-joint.json": ("full_competitive", None),
}


def test_every_example_is_listed_here():
    shipped = {p.name for p in EXAMPLES.iterdir() if p.suffix in (".yaml", ".json")}
    assert shipped == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_routes_as_its_comment_says(rules, name):
    method, exception = EXPECTED[name]
    d = route(load_purchase(str(EXAMPLES / name)), rules)
    assert (d.method.id if d.method else None) == method
    assert (d.exception.id if d.exception else None) == exception


def test_examples_reach_every_method_and_no_route(rules):
    reached = {m for m, _ in EXPECTED.values()}
    assert reached == {m.spec.id for m in rules.methods} | {None}
