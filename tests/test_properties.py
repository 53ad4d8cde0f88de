"""Invariants over generated purchases (PRODUCT.md and issue 6):

every valid purchase gets a decision or a stated no-route; purchasing always has
a route under the default pack; the chosen method is eligible and no eligible
method scores higher; the result columns are the chosen method's own; the same
input gives the same output; the JSON validates against the published schema and
round-trips; flags and a file give the same decision; a batch of N rows gives
the same decisions as N routes.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import jsonschema
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commission_cli import Purchase, load_rules, route
from commission_cli.batch import route_many
from commission_cli.engine import decide, route_values
from commission_cli.loading import describe_purchase
from commission_cli.purchase import field_names
from commission_cli.schemas import decision_schema

from .test_oracle import purchases

RULES = load_rules()
SCHEMA = decision_schema()
SETTINGS = settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@SETTINGS
@given(purchases())
def test_every_valid_purchase_gets_a_decision_or_a_stated_no_route(p):
    d = route(Purchase(**p), RULES)
    if d.method is None:
        assert d.reasons[-1].startswith("No route")
        assert all(not c.eligible and c.reason.startswith("Not eligible") for c in d.candidates)
        assert d.agreement is d.full_cost_recovery is d.guiding_document is None
    else:
        assert d.method.id in {c.id for c in d.candidates}


@SETTINGS
@given(purchases())
def test_purchasing_always_has_a_route(p):
    p = {**p, "outcomes": "certain"}
    p.pop("core_costs", None)
    assert route(Purchase(**p), RULES).method is not None


@SETTINGS
@given(purchases())
def test_the_chosen_method_is_eligible_and_none_scores_higher(p):
    d = route(Purchase(**p), RULES)
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


@SETTINGS
@given(purchases())
def test_the_results_are_the_chosen_methods_own(p):
    d = route(Purchase(**p), RULES)
    if d.method is None:
        return
    spec = RULES.method(d.method.id).spec
    assert (d.agreement, d.full_cost_recovery, d.guiding_document) == (
        spec.agreement.text,
        spec.full_cost_recovery.text,
        spec.guiding_document.text,
    )
    expected_steps = tuple(RULES.step_lists[spec.steps].steps) if spec.steps else ()
    assert d.steps == expected_steps


@SETTINGS
@given(purchases())
def test_the_same_input_gives_the_same_output(p):
    purchase = Purchase(**p)
    first = route(purchase, RULES).to_json()
    assert route(Purchase(**p), RULES).to_json() == first
    assert decide(purchase, RULES) == route(purchase, RULES).verdict


@SETTINGS
@given(purchases())
def test_json_output_validates_against_the_schema_and_round_trips(p):
    d = route(Purchase(**p), RULES)
    data = json.loads(d.to_json())
    jsonschema.validate(data, SCHEMA)
    assert data == d.to_dict()
    again = {k: v for k, v in data["purchase"].items() if v is not None}
    assert Purchase(**again).echo() == data["purchase"]


def _as_text(p: dict[str, Any]) -> dict[str, str]:
    out = {}
    for name, value in p.items():
        if isinstance(value, bool):
            out[name] = "true" if value else "false"
        else:
            out[name] = str(value)
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(purchases())
def test_flags_and_a_file_give_the_same_decision(p):
    import tempfile

    from typer.testing import CliRunner

    from commission_cli.cli import app_for

    runner = CliRunner()
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        yaml.safe_dump(_as_text(p), handle)
    from_file_args = ["route", handle.name, "-f", "json", "--no-input"]
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
    # ...and what the command prints is what the library says of the model's purchase.
    expected = route(Purchase.model_validate(_as_text(p)), RULES).to_dict()
    assert json.loads(from_file.stdout) == json.loads(json.dumps(expected))


@SETTINGS
@given(purchases())
def test_routing_from_values_gives_what_routing_the_purchase_gives(p):
    purchase = Purchase.model_validate(p)
    described = describe_purchase(None, {name: (value, "--" + name) for name, value in p.items()})
    assert described == (purchase.__dict__, frozenset(purchase.model_fields_set))
    decision = route_values(*described, RULES)
    assert decision.to_dict() == route(purchase, RULES).to_dict()
    assert decision.purchase == purchase


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(purchases(), min_size=1, max_size=30))
def test_a_batch_of_n_rows_gives_the_same_decisions_as_n_routes(ps):
    fields = list(field_names())
    cells = [[_as_text(p).get(f, "") for f in fields] for p in ps]
    batch = list(route_many(cells, RULES, fields=fields))
    assert len(batch) == len(ps)
    for p, d in zip(ps, batch, strict=True):
        alone = route(Purchase(**p), RULES)
        assert d.verdict == alone.verdict
        assert d.purchase.echo() == alone.purchase.echo()


def _as_json(p: dict[str, Any]) -> dict[str, Any]:
    """A purchase as a JSON Lines row holds it: numbers as numbers, flags as booleans."""
    return {k: int(v) if isinstance(v, Decimal) and v == int(v) else v for k, v in p.items()}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(purchases(), min_size=1, max_size=30))
def test_a_batch_of_json_rows_gives_the_same_decisions_as_n_routes(ps):
    rows = [_as_json(p) for p in ps] * 2  # twice: the second time from memory
    batch = list(route_many(rows, RULES))
    assert len(batch) == len(rows)
    for p, d in zip(ps * 2, batch, strict=True):
        alone = route(Purchase(**p), RULES)
        assert d.verdict == alone.verdict
        assert d.purchase.echo() == alone.purchase.echo()
        assert d.purchase.stated == alone.purchase.stated


def test_decimal_strings_from_a_register_match_decimal_values():
    (d,) = route_many(
        [["x", "29999.99", "certain"]], RULES, fields=["title", "annual_value", "outcomes"]
    )
    assert d.purchase.annual_value == Decimal("29999.99")
