"""A service specification skeleton, with the headings the rule pack's specification file gives.

The pack names the file (``specification: specification.yaml``): its headings in
order, a prompt in [square brackets] under each saying what to write, and the
source's own words beside it. Where the purchase says something (the service's
name, its cost a year and in total, its length, the route the rules recommend,
the pack's results and the obligations that come with the route), the skeleton
is filled from it. No authority's wording lives here: it is all in the file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, ValidationError

from .._version import __version__
from ..errors import InputError, Problem
from ..model.fields import Strict
from ..model.money import format_money
from ..safe import shown
from .markdown import item, literal, paragraph, wrap
from .text import result_text, today, years_words

if TYPE_CHECKING:
    from ..io.documents import Document
    from ..model.decision import Decision
    from ..rules.compiled import Rules


class Quote(Strict):
    """The source's words, and the section they are in."""

    text: str
    section: str


class Check(Strict):
    """A box to tick; with a quote, the words it answers to come first."""

    text: str
    quote: Quote | None = None


class ItemList(Strict):
    """A list under a lead-in sentence; ``each`` is added after every item (a prompt)."""

    lead: str | None = None
    items: list[str]
    checklist: bool = False
    each: str | None = None


class Section(Strict):
    """One heading of the specification, and what goes under it."""

    heading: str
    level: int = Field(3, ge=2, le=3)
    fill: Literal["cost", "route"] | None = None  # the purchase's facts that go here
    results: list[str] = Field(default_factory=list)  # ids of the pack's results shown here
    prompt: str | None = None
    quote: Quote | None = None
    checklist: list[Check] = Field(default_factory=list)
    lists: list[ItemList] = Field(default_factory=list)


class Specification(Strict):
    """A pack's specification file."""

    title: str
    about: str  # what the headings are: "the headings of Appendix 1 of ..."
    document: str | None = None  # the pack's document the quotes come from
    cite_as: str | None = None  # how a quote names that document (else its title)
    name_heading: str = "SERVICE NAME"
    sections: list[Section]


def load_specification(rules: Rules) -> Specification:
    """The specification file the pack names, read and checked (raises InputError)."""
    from ..io.documents import PACK_LIMITS, decode_text, parse
    from ..rules.load import named_file

    name = rules.pack.specification
    if name is None:
        raise InputError(
            [
                Problem(
                    "names no specification file, so `commission spec` has no headings to "
                    "write; add `specification: FILE` to the pack",
                    source=rules.path,
                )
            ]
        )
    found = named_file(rules, name)
    if found is None:
        raise InputError(
            [
                Problem(
                    f"names the specification file {name!r}, which is neither beside the "
                    "pack nor shipped with the tool",
                    source=rules.path,
                )
            ]
        )
    data, source = found
    document = parse(decode_text(data, source), source, limits=PACK_LIMITS)
    try:
        spec = Specification.model_validate(document.data)
    except ValidationError as exc:
        raise InputError(_problems(exc, document)) from None
    _check_results(spec, rules, document)
    return spec


def _problems(exc: ValidationError, document: Document) -> list[Problem]:
    from ..io.documents import dotted

    problems = []
    for error in exc.errors(include_url=False):
        path = tuple(error["loc"])
        if error["type"] == "missing":
            message, at, key = "is required but missing", path[:-1], False
        elif error["type"] == "extra_forbidden":
            message, at, key = "is not a key of a specification file", path, True
        else:
            message, at, key = str(error["msg"]), path, False
        problems.append(document.problem(message, at, key=key, field_name=dotted(path)))
    return problems


def _check_results(spec: Specification, rules: Rules, document: Document) -> None:
    declared = [r.id for r in rules.results]  # in the pack's order, for the message
    problems = [
        document.problem(
            f"the pack declares no result {result!r} (declared: {', '.join(declared) or 'none'})",
            ("sections", i, "results", j),
        )
        for i, section in enumerate(spec.sections)
        for j, result in enumerate(section.results)
        if result not in declared
    ]
    if problems:
        raise InputError(problems)


def spec_markdown(
    decision: Decision, rules: Rules, spec: Specification, source: str | None = None
) -> str:
    """The specification skeleton for a routed (or unrouted) purchase."""
    title = literal(decision.purchase.title)
    lines = [f"# {shown(spec.title)}", ""]
    lines += paragraph(
        f"A draft for {title}, with {shown(spec.about)}. Replace each prompt in "
        f"[square brackets]. Written by commission {__version__} on {today()}"
        + (f" from {shown(source)}" if source else "")
        + f"; the route is from {shown(decision.rules.name)}, version "
        f"{shown(decision.rules.version)}."
    )
    lines += [f"## {shown(spec.name_heading)}: {title}", ""]
    cite = _citation(spec, rules)
    for section in spec.sections:
        lines += [f"{'#' * section.level} {shown(section.heading)}", ""]
        lines += _section(section, decision, rules, cite)
    return "\n".join(shown(line) for line in lines)


def _citation(spec: Specification, rules: Rules) -> str | None:
    if spec.cite_as is not None:
        return spec.cite_as
    if spec.document is None:
        return None
    found = rules.documents.get(spec.document)
    return found.title if found is not None else spec.document


def _section(section: Section, d: Decision, rules: Rules, cite: str | None) -> list[str]:
    lines: list[str] = []
    if section.fill == "cost":
        lines += _cost(d, section.results)
    elif section.fill == "route":
        lines += _route(d, section.results)
    if section.prompt:
        lines += paragraph(f"[{shown(section.prompt)}]")
    if section.quote is not None:
        lines += _quoted(section.quote, cite)
    for check in section.checklist:
        text = shown(check.text)
        if check.quote is not None:
            text = f"“{shown(check.quote.text)}” ({shown(check.quote.section)}): {text}"
        lines += item(text, "- [ ] ")
    if section.checklist:
        lines.append("")
    for listed in section.lists:
        lines += _list(listed)
    return lines


def _quoted(quote: Quote, cite: str | None) -> list[str]:
    where = f"{shown(cite)}, {shown(quote.section)}" if cite else shown(quote.section)
    return [*wrap(f"“{shown(quote.text)}” ({where})", "> ", "> "), ""]


def _list(listed: ItemList) -> list[str]:
    lines = paragraph(shown(listed.lead)) if listed.lead else []
    marker = "- [ ] " if listed.checklist else "- "
    for entry in listed.items:
        text = shown(entry) + (f": {shown(listed.each)}" if listed.each else "")
        lines += item(text, marker)
    return [*lines, ""]


def _years(d: Decision) -> str:
    p = d.purchase
    text = years_words(p.years)
    if "years" not in p.stated:
        text += " (not stated, so taken as 1 year: state the length)"
    return text


def _results(d: Decision, ids: list[str]) -> list[str]:
    lines: list[str] = []
    for result in d.verdict.results:
        if result.id in ids:
            lines += item(f"{shown(result.name)}: {shown(result_text(result.value))}")
    return lines


def _cost(d: Decision, results: list[str]) -> list[str]:
    p = d.purchase
    assert p.annual_value is not None and p.total_value is not None
    lines = item(f"Cost a year: {format_money(p.annual_value)}")
    lines += item(f"Length: {_years(d)}")
    lines += item(f"Total cost over the whole life: {format_money(p.total_value)}")
    if d.method is not None:
        lines += _results(d, results)
    return [*lines, ""]


def _route(d: Decision, results: list[str]) -> list[str]:
    lines = item(f"Length of contract: {_years(d)}")
    if d.method is None:
        lines += item(
            "Recommended route: none. The rules find no route for this purchase as "
            "described; `commission route` says what would open one."
        )
    else:
        lines += item(f"Recommended route: {shown(d.method.name)}")
        lines += _results(d, results)
    types = ", ".join(shown(c.name) for c in d.contract_types) or "none indicated"
    lines += [*item(f"Types of contract: {types}"), ""]
    if d.obligations:
        lines += ["The route comes with these obligations:", ""]
        for o in d.obligations:
            lines += item(shown(o.text), "- [ ] ")
        lines.append("")
    return lines
