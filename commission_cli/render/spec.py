"""A service specification skeleton: the headings of the framework's Appendix 1.

Filled from the purchase where the purchase says something (the service's name,
its cost a year and in total, its length, the route the rules recommend and the
obligations that come with it); elsewhere a prompt in [square brackets] says
what to write, with the framework's own words beside it. The equality impact
assessment and equality monitoring items of sections 3.1 and 3.2 close it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._version import __version__
from ..decision import Decision
from ..money import format_money
from .markdown import wrap
from .text import show_value, today

FRAMEWORK = "Wolverhampton Commissioning Framework"


@dataclass(frozen=True)
class Quote:
    """The framework's words, and where they are."""

    text: str
    section: str


@dataclass(frozen=True)
class Heading:
    """One heading of Appendix 1 (Service specification), with what to write under it."""

    title: str
    prompt: str
    quote: Quote | None = None


_STRATEGY = "3.1 Step 1 – Strategy"
_PLAN = "3.2 Step 2 – Commissioning Plan"
_MONITOR = "3.4 Step 4 – Monitor, Review and Evaluation"

STATEMENT_OF_PURPOSE = Heading(
    "STATEMENT OF PURPOSE",
    "Why the service is commissioned, in a sentence or two: the need it meets and the "
    "outcomes it supports.",
    Quote(
        "Individual service specifications need to be developed that clearly set out the "
        "outcomes that need to be achieved by the service as well as the performance "
        "management framework that will be used by the Commissioner to monitor and "
        "evaluate progress.",
        _PLAN,
    ),
)

# The headings under the statement of purpose, in Appendix 1's order. Cost and the
# outline terms are filled from the purchase as well as prompted.
SECTIONS = (
    Heading(
        "Overview",
        "The needs the service addresses and the evidence for them (the needs "
        "assessment), who it is for, and how it fits the commissioning strategy.",
        Quote(
            "Services need to be clear about the needs being addressed, how they are "
            "impacting and have clarity in relation to the outcomes they are supporting.",
            _STRATEGY,
        ),
    ),
    Heading(
        "Service Objectives",
        "What the service must achieve, written so that progress can be measured.",
        Quote(
            "Contracts agreed should be priority outcome focused and subject to robust "
            "monitoring arrangements.",
            "3.3 Step 3 – Procurement Process",
        ),
    ),
    Heading(
        "Description of service",
        "What the service is, who can use it and how they are referred, and the level of "
        "service required.",
        Quote(
            "The level of service required will be defined and performance monitoring "
            "arrangements clearly specified.",
            _PLAN,
        ),
    ),
    Heading(
        "Service activities",
        "What the provider will do: the activities, how often, for whom, and with which partners.",
    ),
    Heading(
        "Service outcomes",
        "The outcomes for the people who use the service, each linked to the needs assessment.",
        Quote(
            "Services should be mapped to outcomes and resources to give a clear "
            "correlation between services overlaps and gaps.",
            _PLAN,
        ),
    ),
    Heading(
        "Location",
        "Where the service is delivered, and how people reach it (accessible services).",
    ),
    Heading(
        "Cost",
        "How the cost breaks down (staff, running costs, overheads), and when payments are made.",
        Quote(
            "Making payments on time and within agreed time periods (in advance, 15th "
            "working day of the month, in arrears).",
            "5 Standards of working practice to be adopted by all Statutory Sector Organisations",
        ),
    ),
    Heading(
        "Performance measures",
        "The milestones and measurable indicators the service will be judged by, "
        "including equality indicators linked to the needs assessment.",
        Quote(
            "Service contracts will contain milestones and indicators which are measurable "
            "to enable the monitoring of the impact of services and progress towards "
            "achieving the outcomes against which they have been commissioned.",
            _MONITOR,
        ),
    ),
    Heading(
        "Performance monitoring",
        "How and how often performance will be reported and reviewed, and by whom. Ask "
        "only for the information needed.",
        Quote(
            "Limiting monitoring requirements to capture only that information which is "
            "necessary to assess performance and financial propriety.",
            "5 Standards of working practice to be adopted by all Statutory Sector Organisations",
        ),
    ),
    Heading(
        "Outline terms and conditions and length of contract",
        "The start date, review and break points, notice, and any other terms.",
        Quote(
            "Providing a minimum of 3 months notice of an intention to reduce or withdraw funding.",
            "5 Standards of working practice to be adopted by all Statutory Sector Organisations",
        ),
    ),
)

EIA_QUOTE = Quote(
    "An equality impact assessment (EIA) should be carried out for each commissioning "
    "strategy / service specification. The extent of the EIA needs to be proportional to "
    "the size of service area / impact.",
    _STRATEGY,
)
EQUALITY_CONSIDERATIONS = (
    Quote(
        "The inclusion of equality indicators with direct linkage to the needs assessment "
        "and equality impact.",
        _PLAN,
    ),
    Quote("The legal requirement to carry out equality monitoring.", _PLAN),
)
# Section 3.2: "Equality and diversity specifications should encourage:"
EQUALITY_ITEMS = (
    "Equality monitoring systems",
    "Equality impact assessment",
    "Workforce representation",
    "Accessible services",
    "Equality & Diversity Policy",
    "Staff training and development",
    "Consultation and Involvement of under-representative groups/users",
    "Dealing with complaints",
)
ENCOURAGE = ("Sustainability", "Innovation", "Partnership working", "Equality and diversity")


def spec_markdown(decision: Decision, source: str | None = None) -> str:
    """The specification skeleton for a routed (or unrouted) purchase."""
    p = decision.purchase
    lines = ["# SERVICE SPECIFICATION", ""]
    lines += _paragraph(
        f"A draft for {p.title}, with the headings of Appendix 1 (Service specification) "
        f"of the {FRAMEWORK}. Replace each prompt in [square brackets]. Written by "
        f"commission {__version__} on {today()}"
        + (f" from {source}" if source else "")
        + f"; the route is from {decision.rules.name}, version {decision.rules.version}."
    )
    lines += [f"## SERVICE NAME: {p.title}", ""]
    lines += [f"## {STATEMENT_OF_PURPOSE.title}", ""]
    lines += _prompted(STATEMENT_OF_PURPOSE)
    lines += _paragraph(f"Service specifications should encourage ({_PLAN}):")
    lines += [f"- {item}" for item in ENCOURAGE] + [""]
    for heading in SECTIONS:
        lines += [f"### {heading.title}", ""]
        if heading.title == "Cost":
            lines += _cost(decision)
        elif heading.title.startswith("Outline terms"):
            lines += _terms(decision)
        lines += _prompted(heading)
    lines += _equality()
    return "\n".join(lines)


def _paragraph(text: str) -> list[str]:
    return [*wrap(text), ""]


def _prompted(heading: Heading) -> list[str]:
    lines = _paragraph(f"[{heading.prompt}]")
    if heading.quote is not None:
        lines += _quoted(heading.quote)
    return lines


def _quoted(quote: Quote) -> list[str]:
    return [*wrap(f"“{quote.text}” ({FRAMEWORK}, {quote.section})", "> ", "> "), ""]


def _item(text: str, marker: str = "- ") -> list[str]:
    return wrap(text, marker, " " * len(marker))


def _years(decision: Decision) -> str:
    p = decision.purchase
    text = f"{show_value('years', p.years)} year{'' if p.years == 1 else 's'}"
    if "years" not in p.stated:
        text += " (not stated, so taken as 1 year: state the length)"
    return text


def _cost(decision: Decision) -> list[str]:
    p = decision.purchase
    assert p.annual_value is not None and p.total_value is not None
    lines = _item(f"Cost a year: {format_money(p.annual_value)}")
    lines += _item(f"Length: {_years(decision)}")
    lines += _item(f"Total cost over the whole life: {format_money(p.total_value)}")
    if decision.full_cost_recovery is not None:
        lines += _item(
            f"Full cost recovery: {decision.full_cost_recovery} (the guide, for the "
            "recommended route)"
        )
    return [*lines, ""]


def _terms(decision: Decision) -> list[str]:
    d = decision
    lines = _item(f"Length of contract: {_years(d)}")
    if d.method is None:
        lines += _item(
            "Recommended route: none. The rules find no route for this purchase as "
            "described; `commission route` says what would open one."
        )
    else:
        lines += _item(f"Recommended route: {d.method.name}")
        lines += _item(f"Resulting agreement: {d.agreement or 'not given by the rules'}")
        lines += _item(f"Key guiding document: {d.guiding_document or 'not given by the rules'}")
    types = ", ".join(c.name for c in d.contract_types) or "none indicated"
    lines += [*_item(f"Types of contract: {types}"), ""]
    if d.obligations:
        lines += ["The route comes with these obligations:", ""]
        for o in d.obligations:
            lines += _item(o.text, "- [ ] ")
        lines.append("")
    return lines


def _equality() -> list[str]:
    lines = ["## Equality impact assessment and equality monitoring", ""]
    lines += _quoted(EIA_QUOTE)
    lines += _item(
        "Equality impact assessment carried out for this specification, in proportion "
        "to the size of the service and its impact: [date, by whom, findings]",
        "- [ ] ",
    )
    for quote in EQUALITY_CONSIDERATIONS:
        text = f"“{quote.text}” ({quote.section}): [how this specification does it]"
        lines += _item(text, "- [ ] ")
    lines += ["", *_paragraph(f"Equality and diversity specifications should encourage ({_PLAN}):")]
    for item in EQUALITY_ITEMS:
        lines += _item(f"{item}: [what the provider must do]", "- [ ] ")
    return [*lines, ""]
