"""The default pack against PRODUCT.md itself.

An oracle written straight from PRODUCT.md's "How the default rules decide" (its
table of bands, exceptions and indicators, the tie rule and the contract types),
knowing nothing of the rule pack or the engine, routes thousands of generated
purchases; the tool must give the same family, eligible methods, scores, choice,
exception and contract types for every one.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commission_cli import load_rules, route

RULES = load_rules()
ORDER = [
    "full_competitive",
    "restricted",
    "class_i_ii",
    "grant_in_aid",
    "competitive_grants",
    "selective_grants",
    "small_grants",
]
PURCHASING = ORDER[:3]


def length(written: Any) -> Fraction:
    """A length as PRODUCT.md lets it be written: 0.5, "6 months", "2 years"."""
    if isinstance(written, str) and written.endswith("months"):
        return Fraction(int(written.split()[0]), 12)
    return Fraction(written)


def oracle(p: dict[str, Any]) -> dict[str, Any]:
    """PRODUCT.md's rules, as written there."""
    years = length(p.get("years", 1))
    # "total_value = annual_value × years for every length"; "a per-annum band tests what
    # is spent in any one year: the rate, or the whole value for a contract of a year or less"
    rate = p.get("annual_value")
    total = p.get("total_value")
    if rate is None:
        rate = Fraction(total) / years
    if total is None:
        total = Fraction(rate) * years
    annual = Fraction(rate) if years >= 1 else Fraction(total)
    total = Fraction(total)

    def stated(name: str) -> Any:
        return p.get(name)

    family = (
        "funding"
        if stated("core_costs") is True or p["outcomes"] == "less_certain"
        else "purchasing"
    )

    def band(method: str) -> str:
        """within / below / above"""
        if method == "full_competitive":
            if annual >= 50000 or total >= 39000:
                return "within"
            return "below"
        if method == "restricted":
            return "below" if annual < 30000 else ("within" if annual < 50000 else "above")
        if method == "class_i_ii":
            return "within" if annual < 30000 else "above"
        if method == "grant_in_aid":
            return "within"
        if method in ("competitive_grants", "selective_grants"):
            return "below" if annual < 5000 else ("within" if annual <= 50000 else "above")
        return "within" if annual < 5000 else "above"  # small grants

    exceptions = {
        "full_competitive": ("external_guidance", "below"),
        "restricted": ("external_guidance", "below"),
        "competitive_grants": ("resources_panel_approved", "above"),
        "selective_grants": ("resources_panel_approved", "above"),
        "small_grants": ("redevelopment_costs", "above"),
    }

    def is_(field: str, *values: Any) -> bool:
        return stated(field) is not None and stated(field) in values

    indicators = {
        "full_competitive": [
            is_("outcomes", "certain"),
            is_("providers", "many"),
            is_("sector", "general"),
            is_("service", "statutory", "required"),
        ],
        "restricted": [
            is_("outcomes", "certain"),
            is_("providers", "few"),
            is_("sector", "specific", "vcs"),
            is_("service", "statutory", "required"),
            is_("eu_exempt", True),
        ],
        "class_i_ii": [
            is_("outcomes", "certain"),
            is_("providers", "many"),
            is_("service", "statutory", "required"),
        ],
        "grant_in_aid": [is_("core_costs", True), is_("strategic_organisation", True)],
        "competitive_grants": [
            is_("outcomes", "less_certain"),
            is_("providers", "many"),
            is_("sector", "vcs"),
            is_("timescale", "normal"),
        ],
        "selective_grants": [
            is_("outcomes", "less_certain"),
            is_("providers", "few"),
            is_("overlaps_vcs_activity", True),
            is_("sector", "vcs"),
            is_("timescale", "restricted"),
        ],
        "small_grants": [],
    }
    methods = PURCHASING if family == "purchasing" else ORDER[3:]
    eligible: dict[str, str | None] = {}  # id -> exception used (None: in band)
    for m in methods:
        side = band(m)
        if m == "grant_in_aid" and not (
            is_("core_costs", True) and is_("strategic_organisation", True)
        ):
            continue
        if side == "within":
            eligible[m] = None
        elif m in exceptions and exceptions[m][1] == side and is_(exceptions[m][0], True):
            eligible[m] = exceptions[m][0]
    scores = {
        m: (Fraction(sum(indicators[m]), len(indicators[m])) if indicators[m] else Fraction(0))
        for m in methods
    }
    chosen = None
    for m in methods:  # table order, so the first of the best wins the tie
        if m in eligible and (chosen is None or scores[m] > scores[chosen]):
            chosen = m
    contract_types = [
        ct
        for ct, holds in [
            ("block_contract", is_("guaranteed_volume", True)),
            ("direct_payment", is_("direct_payment", True)),
            ("framework_contract", is_("call_off", True)),
            ("grant_agreement", family == "funding"),
            ("joint_purchasing", (stated("partners") or 1) >= 2),
            ("practice_based_commissioning", is_("gp_led", True)),
            ("service_agreement", is_("provider", "third_sector") and family == "purchasing"),
            ("service_level_agreement", is_("provider", "in_house")),
            ("spot_purchasing", is_("for_individual", True)),
        ]
        if holds
    ]
    return {
        "family": family,
        "eligible": set(eligible),
        "scores": scores,
        "method": chosen,
        "exception": eligible.get(chosen) if chosen else None,
        "contract_types": contract_types,
    }


EDGES = [
    "4500",
    "4999.99",
    "5000",
    "5000.01",
    "27000",
    "29999.99",
    "30000",
    "35100",
    "38999.99",
    "39000",
    "45000",
    "49999.99",
    "50000",
    "50000.01",
]
money = st.one_of(
    st.sampled_from([Decimal(e) for e in EDGES]),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500000"), places=2),
    st.integers(min_value=1, max_value=2_000_000).map(Decimal),
)
FLAGS = (
    "eu_exempt",
    "external_guidance",
    "overlaps_vcs_activity",
    "core_costs",
    "strategic_organisation",
    "resources_panel_approved",
    "redevelopment_costs",
    "for_individual",
    "guaranteed_volume",
    "call_off",
    "direct_payment",
    "gp_led",
)
LENGTHS = [Decimal("0.5"), Decimal(1), Decimal(2), Decimal(3), Decimal("2.5"), Decimal(5)]
# Every field but the title, the outcomes and one amount may be left out ("not stated").
OPTIONAL = {
    "years": st.sampled_from([*LENGTHS, "6 months", "13 months"]),
    "providers": st.sampled_from(["many", "few"]),
    "service": st.sampled_from(["statutory", "required", "discretionary"]),
    "sector": st.sampled_from(["general", "specific", "vcs"]),
    "timescale": st.sampled_from(["normal", "restricted"]),
    "provider": st.sampled_from(["unknown", "in_house", "third_sector", "private", "statutory"]),
    "partners": st.integers(1, 4),
    **{f: st.booleans() for f in FLAGS},
}
BASE = {"title": st.just("p"), "outcomes": st.sampled_from(["certain", "less_certain"])}
# Built once (a strategy made inside each draw costs more than the routing it tests).
purchases = st.one_of(
    st.fixed_dictionaries({**BASE, "annual_value": money}, optional=OPTIONAL),
    st.fixed_dictionaries({**BASE, "total_value": money}, optional=OPTIONAL),
)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(purchases)
def test_the_tool_routes_as_product_md_says(p):
    expected = oracle(p)
    d = route(RULES.purchase(p), RULES)
    assert d.family == expected["family"]
    assert {c.id for c in d.candidates if c.eligible} == expected["eligible"]
    assert {c.id: Fraction(c.score).limit_denominator(10) for c in d.candidates} == expected[
        "scores"
    ]
    assert (d.method.id if d.method else None) == expected["method"]
    assert (d.exception.id if d.exception else None) == expected["exception"]
    assert [c.id for c in d.contract_types] == expected["contract_types"]
