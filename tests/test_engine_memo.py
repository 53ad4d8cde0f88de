"""The engine memoises verdicts on what can change them; a memoised answer must always
equal one worked out from scratch, whatever the purchase."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commission_cli import Purchase, load_rules
from commission_cli.engine import decide, verdict

RULES = load_rules()

# Values clustered around the pack's amounts, where a wrong memo key would show.
EDGES = [Decimal(x) for x in ("4500", "5000", "27000", "30000", "35100", "39000", "45000", "50000")]
money = st.one_of(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("2000000"), places=2),
    st.sampled_from(EDGES).flatmap(
        lambda e: st.sampled_from([e - Decimal("0.01"), e, e + Decimal("0.01")])
    ),
)
maybe = st.none() | st.booleans()
purchases = st.builds(
    lambda **kw: Purchase(**{k: v for k, v in kw.items() if v is not None}),
    title=st.just("p"),
    annual_value=money,
    years=st.none()
    | st.sampled_from([Decimal("0.5"), Decimal(1), Decimal(2), Decimal(3), Decimal("4.5")]),
    outcomes=st.sampled_from(["certain", "less_certain"]),
    providers=st.none() | st.sampled_from(["many", "few"]),
    service=st.none() | st.sampled_from(["statutory", "required", "discretionary"]),
    sector=st.none() | st.sampled_from(["general", "specific", "vcs"]),
    timescale=st.none() | st.sampled_from(["normal", "restricted"]),
    provider=st.none() | st.sampled_from(["unknown", "in_house", "third_sector"]),
    partners=st.none() | st.integers(1, 3),
    eu_exempt=maybe,
    external_guidance=maybe,
    overlaps_vcs_activity=maybe,
    core_costs=maybe,
    strategic_organisation=maybe,
    resources_panel_approved=maybe,
    redevelopment_costs=maybe,
    for_individual=maybe,
    guaranteed_volume=maybe,
    call_off=maybe,
    direct_payment=maybe,
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(purchases, min_size=2, max_size=6))
def test_memoised_verdict_equals_a_fresh_one(batch):
    for p in batch:
        assert verdict(p, RULES) == decide(p, RULES)
