"""Invariants over generated purchases (PRODUCT.md):

every valid purchase gets a decision or a stated no-route; purchasing always has
a route under the default pack; the chosen method is eligible and no eligible
method scores higher; the results are the chosen method's own; the same input
gives the same output; the memo's verdict is the one worked out afresh from the
exact amounts; the JSON validates against the published schema and round-trips;
flags and a file give the same decision; a batch of N rows gives the same
decisions as N routes.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import jsonschema
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from commission_cli import load_rules, route, route_many
from commission_cli.engine.decide import decide
from commission_cli.engine.explain import explain
from commission_cli.model.schemas import decision_schema

from .test_oracle import purchases

RULES = load_rules()
SCHEMA = decision_schema(RULES)


@given(purchases)
def test_every_valid_purchase_gets_a_decision_or_a_stated_no_route(p):
    d = route(RULES.purchase(p), RULES)
    if d.method is None:
        assert d.reasons[-1].startswith("No route")
        assert all(not c.eligible and c.reason.startswith("Not eligible") for c in d.candidates)
        assert d.agreement is d.full_cost_recovery is d.guiding_document is None
    else:
        assert d.method.id in {c.id for c in d.candidates}


@given(purchases)
def test_purchasing_always_has_a_route(p):
    p = {**p, "outcomes": "certain"}
    p.pop("core_costs", None)
    assert route(RULES.purchase(p), RULES).method is not None


@given(purchases)
def test_the_chosen_method_is_eligible_and_none_scores_higher(p):
    d = route(RULES.purchase(p), RULES)
    if d.method is None:
        return
    chosen = next(c for c in d.candidates if c.id == d.method.id)
    assert chosen.eligible
    order = [c.id for c in d.candidates]
    for c in d.candidates:
        if c.eligible:
            assert c.score <= chosen.score
            if c.score == chosen.score:
                assert order.index(chosen.id) <= order.index(c.id)


@given(purchases)
def test_the_results_are_the_chosen_methods_own(p):
    d = route(RULES.purchase(p), RULES)
    if d.method is None:
        assert set(d.results.values()) == {None}
        return
    method = RULES.method(d.method.id)
    assert d.results == method.results
    spec = method.spec
    expected_steps = tuple(RULES.step_lists[spec.steps].steps) if spec.steps else ()
    assert d.steps == expected_steps


@given(purchases)
def test_the_same_input_gives_the_same_output(p):
    first = route(RULES.purchase(p), RULES).to_json()
    assert route(RULES.purchase(p), RULES).to_json() == first


@given(purchases)
def test_the_remembered_verdict_is_the_one_worked_out_afresh_from_the_exact_amounts(p):
    # The memo keys amounts by their place among the pack's thresholds: this holds that
    # every amount in a place gets the verdict its own exact value would.
    purchase = RULES.purchase(p)
    facts = {f: getattr(purchase, f) if f in purchase.stated else None for f in RULES.fact_fields}
    values = {"per_annum": purchase.per_annum, "whole_life": purchase.total_value}
    fresh = explain(decide(RULES, facts, values, purchase.years), RULES)
    assert route(purchase, RULES).verdict == fresh


@given(purchases)
def test_json_output_validates_against_the_schema_and_round_trips(p):
    d = route(RULES.purchase(p), RULES)
    data = json.loads(d.to_json())
    jsonschema.validate(data, SCHEMA)
    assert data == d.to_dict()
    again = {k: v for k, v in data["purchase"].items() if k in d.purchase.stated}
    assert RULES.purchase(again).echo() == data["purchase"]


@settings(max_examples=10)
@given(
    st.fixed_dictionaries(
        {
            "title": st.sampled_from(["t", "x" * 500]),
            "outcomes": st.sampled_from(["certain", "less_certain"]),
            "annual_value": st.sampled_from(["0.01", "1000000000000", "49999.99", "50000"]),
            "years": st.sampled_from(["0.0001", "100", "0.5", "1"]),
            "partners": st.sampled_from(["1", "1000"]),
        }
    )
)
def test_decisions_at_the_edges_of_every_range_validate_against_the_schema(p):
    if Fraction(p["annual_value"]) * Fraction(p["years"]) > 1_000_000_000_000:
        return  # over the limit in total: refused, as it should be
    jsonschema.validate(json.loads(route(RULES.purchase(p), RULES).to_json()), SCHEMA)


def _as_text(p: dict[str, Any]) -> dict[str, str]:
    return {
        name: ("true" if value else "false") if isinstance(value, bool) else str(value)
        for name, value in p.items()
    }


@settings(max_examples=20)
@given(p=purchases)  # by name: a positional strategy would fill the fixture's argument
def test_flags_and_a_file_give_the_same_decision(tmp_path_factory, p):
    from typer.testing import CliRunner

    from commission_cli.cli import app_for

    runner = CliRunner()
    path = tmp_path_factory.mktemp("p") / "p.yaml"
    path.write_text(yaml.safe_dump(_as_text(p)), encoding="utf-8")
    from_file_args = ["route", str(path), "-f", "json", "--no-input"]
    from_file = runner.invoke(app_for(from_file_args), from_file_args)
    flags = ["route", "-f", "json", "--no-input"]
    for name, value in p.items():
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            flags.append(flag if value else "--no-" + flag[2:])
        else:
            flags += [flag, str(value)]
    from_flags = runner.invoke(app_for(flags), flags)
    assert from_file.exit_code == from_flags.exit_code
    assert json.loads(from_file.stdout) == json.loads(from_flags.stdout)
    # ...and what the command prints is what the library says of the same purchase.
    expected = route(RULES.purchase(_as_text(p)), RULES).to_dict()
    assert json.loads(from_file.stdout) == json.loads(json.dumps(expected))


@settings(max_examples=20)
@given(st.lists(purchases, min_size=1, max_size=30))
def test_a_batch_of_n_rows_gives_the_same_decisions_as_n_routes(ps):
    fields = list(RULES.fields)
    cells = [[_as_text(p).get(f, "") for f in fields] for p in ps]
    batch = list(route_many(cells, RULES, fields=fields))
    assert len(batch) == len(ps)
    for p, d in zip(ps, batch, strict=True):
        alone = route(RULES.purchase(p), RULES)
        assert d.verdict == alone.verdict
        assert d.purchase.echo() == alone.purchase.echo()


@settings(max_examples=20)
@given(st.lists(purchases, min_size=1, max_size=30))
def test_a_batch_of_json_rows_gives_the_same_decisions_as_n_routes(ps):
    rows = [json.loads(json.dumps(p, default=str)) for p in ps] * 2
    batch = list(route_many(rows, RULES))
    assert len(batch) == len(rows)
    for p, d in zip(ps * 2, batch, strict=True):
        alone = route(RULES.purchase(p), RULES)
        assert d.verdict == alone.verdict
        assert d.purchase.echo() == alone.purchase.echo()
        assert d.purchase.stated == alone.purchase.stated


def test_decimal_strings_from_a_register_match_decimal_values():
    (d,) = route_many(
        [["x", "29999.99", "certain"]], RULES, fields=["title", "annual_value", "outcomes"]
    )
    assert d.purchase.annual_value == Decimal("29999.99")
