"""The shape of a rule pack: what an authority's YAML file must say.

pydantic models, one per part, every key known (a misspelt key is an error).
Every rule carries the source's own words (``text``, or ``source.text``) and,
where the encoding reads something into them, a ``note`` saying how. Values in
a pack are read as they are written, by the same readers as purchases: an
amount written ``050000`` is fifty thousand pounds, never an octal number.

What the pack reads and what it answers are its own: ``fields`` declares the
purchase fields beyond the built-in ones, and ``results`` what each method
answers beyond its name (Wolverhampton's agreement, full cost recovery and
guiding document; another authority's number of quotes or notices).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, PlainValidator

from ..model.fields import FieldDecl, SourceRef, Strict
from ..model.money import parse_money

Basis = Literal["per_annum", "whole_life"]
Condition = dict[str, Any]
"""A test on the purchase, e.g. ``{outcomes: certain}``; see ``conditions.py``."""


def _amount(raw: object) -> Decimal:
    return parse_money(raw, allow_zero=True)


Amount = Annotated[Decimal, PlainValidator(_amount)]


class DocumentInfo(Strict):
    """A source document of the pack."""

    id: str
    title: str
    file: str | None = None
    note: str | None = None


class PackInfo(Strict):
    """What the pack is, whose it is, and the dates it holds between."""

    id: str
    name: str
    version: str
    valid_from: date
    valid_until: date | None = None
    authority: str
    currency: Literal["GBP"]
    description: str | None = None
    note: str | None = None


class ResultDecl(Strict):
    """Something each method answers beyond its name (the resulting agreement, say)."""

    id: str
    name: str  # how a person reads it: "Resulting agreement"
    kind: Literal["text", "number", "yes_no", "list"] = "text"
    description: str | None = None
    source: SourceRef | None = None
    note: str | None = None


class Family(Strict):
    """Purchasing (contracts) or funding (grants): the first whose ``when`` holds applies."""

    id: str
    name: str
    description: str
    source: SourceRef
    when: Condition | None = None  # None: applies when no earlier family does
    note: str | None = None


class Bound(Strict):
    """One end of a range: an amount, and whether the range includes it."""

    amount: Amount
    inclusive: bool


class Range(Strict):
    """One value range of a band, on one basis; a band holds a value when any range does."""

    basis: Basis
    unit: Literal["GBP"]
    includes_vat: bool
    lower: Bound | None = None
    upper: Bound | None = None
    # Said when the choice rests on this range alone (e.g. the £39,000 whole-life figure).
    warn_if_decisive: str | None = None
    note: str | None = None

    def side(self, value: Decimal) -> Literal["below", "within", "above"]:
        """Where ``value`` falls against this range's bounds (the engine and the gap
        analysis read a band the same way through this)."""
        lo, hi = self.lower, self.upper
        if lo is not None and (value < lo.amount or (value == lo.amount and not lo.inclusive)):
            return "below"
        if hi is not None and (value > hi.amount or (value == hi.amount and not hi.inclusive)):
            return "above"
        return "within"


class Band(Strict):
    """The values a method applies to, in the source's words and as ranges."""

    text: str  # the guide's "Guide amount", word for word
    ranges: list[Range]
    note: str | None = None


class Indicator(Strict):
    """One of "most applicable when any of the following apply"."""

    text: str
    when: Condition
    note: str | None = None


class ExceptionRule(Strict):
    """Opens a method outside its band, on one side only ("for lower amounts")."""

    id: str
    text: str
    opens: Literal["below", "above"]
    when: Condition
    label: str  # what would open it, in plain words
    note: str | None = None


class Requirement(Strict):
    """A gate that must hold whatever the value (grant-in-aid: core costs of a strategic body)."""

    text: str
    when: Condition
    label: str
    note: str | None = None


class Method(Strict):
    """A commissioning method: its band, what it answers, and when it applies."""

    id: str
    name: str
    family: str
    source: SourceRef
    band: Band
    # Each declared result's value: as it is, or {value: ..., note: ...}.
    results: dict[str, Any] = Field(default_factory=dict)
    indicators: list[Indicator] = Field(default_factory=list)
    exceptions: list[ExceptionRule] = Field(default_factory=list)
    requires: Requirement | None = None
    steps: str | None = None  # the id of a step list
    note: str | None = None


class ContractType(Strict):
    """A type of contract, and when a purchase is one."""

    id: str
    name: str
    definition: str
    when: Condition
    source: SourceRef
    glossary: str | None = None  # the term of its entry in the pack's glossary
    note: str | None = None


class Conflict(Strict):
    """Two contract types a purchase cannot be at once, and why."""

    between: list[str]
    reason: str
    note: str | None = None


class StepList(Strict):
    """The steps that follow a route, word for word."""

    id: str
    source: SourceRef
    steps: list[str]
    note: str | None = None


class Obligation(Strict):
    """Something the officer must do on every route, or where ``when`` holds."""

    id: str
    text: str  # what the officer must do, in plain words
    source: SourceRef
    when: Condition | None = None  # None: every route
    note: str | None = None


class NearThreshold(Strict):
    """Advice given when a value lies within ``margin`` below a threshold."""

    margin: Decimal
    advice: str
    source: SourceRef
    note: str | None = None


class NotStated(Strict):
    """Said when a field was not stated (and, with ``when``, only where that holds)."""

    field: str
    text: str
    when: Condition | None = None
    note: str | None = None


class Warnings(Strict):
    """The warnings the pack gives beside a decision."""

    near_threshold: NearThreshold | None = None
    not_stated: list[NotStated] = Field(default_factory=list)


class Choice(Strict):
    """How the engine picks among eligible methods: the table's hit policy, stated."""

    rule: Literal["highest_score_then_listed_order"]
    note: str | None = None


class RulePack(Strict):
    """An authority's rules: what it reads, its families and methods, what it answers."""

    pack: PackInfo
    documents: list[DocumentInfo]
    fields: list[FieldDecl]
    families: list[Family]
    methods: list[Method]
    choice: Choice
    results: list[ResultDecl] = Field(default_factory=list)
    contract_types: list[ContractType] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)
    step_lists: list[StepList] = Field(default_factory=list)
    obligations: list[Obligation] = Field(default_factory=list)
    warnings: Warnings = Field(default_factory=Warnings)
    # Files beside the pack (or shipped with the tool) that the pack names.
    glossary: str | None = None
    specification: str | None = None


__all__ = [
    "Band",
    "Basis",
    "Bound",
    "Choice",
    "Condition",
    "Conflict",
    "ContractType",
    "DocumentInfo",
    "ExceptionRule",
    "Family",
    "FieldDecl",
    "Indicator",
    "Method",
    "NearThreshold",
    "NotStated",
    "Obligation",
    "PackInfo",
    "Range",
    "Requirement",
    "ResultDecl",
    "RulePack",
    "SourceRef",
    "StepList",
    "Warnings",
]
