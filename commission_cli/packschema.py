"""The shape of a rule pack: what an authority's YAML file must say.

Written as standard-library dataclasses and validated by pydantic (through a
``TypeAdapter``), so that a pack validated once can be cached and loaded again
without rebuilding pydantic's validators: start-up stays quick, and the schema
is still the one place the pack's shape is defined.

Every rule carries the source's own words (``text``, or ``source.text``) and,
where the encoding reads something into them, a ``note`` saying how.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

# A plain dict (not pydantic.ConfigDict) so that this module imports nothing heavy.
_FORBID: Any = {"extra": "forbid"}

Basis = Literal["per_annum", "whole_life"]
Condition = dict[str, Any]
"""A test on the purchase, e.g. ``{outcomes: certain}``; see ``conditions.py``."""


@dataclass(repr=False)
class SourceRef:
    """Where a rule comes from: a document of the pack, a section of it, its own words."""

    __pydantic_config__ = _FORBID
    document: str
    section: str
    text: str


@dataclass(repr=False)
class Quoted:
    """A value taken word for word from the source, with a note where it is interpreted."""

    __pydantic_config__ = _FORBID
    text: str
    note: str | None = None


@dataclass(repr=False)
class DocumentInfo:
    __pydantic_config__ = _FORBID
    id: str
    title: str
    file: str | None = None
    note: str | None = None


@dataclass(repr=False)
class PackInfo:
    __pydantic_config__ = _FORBID
    id: str
    name: str
    version: str
    valid_from: date
    authority: str
    currency: Literal["GBP"]
    description: str | None = None
    note: str | None = None


@dataclass(repr=False)
class Family:
    """Purchasing (contracts) or funding (grants): the first whose ``when`` holds applies."""

    __pydantic_config__ = _FORBID
    id: str
    name: str
    description: str
    source: SourceRef
    when: Condition | None = None  # None: applies when no earlier family does
    note: str | None = None


@dataclass(repr=False)
class Bound:
    __pydantic_config__ = _FORBID
    amount: Decimal
    inclusive: bool


@dataclass(repr=False)
class Range:
    """One value range of a band, on one basis; a band holds a value when any range does."""

    __pydantic_config__ = _FORBID
    basis: Basis
    unit: Literal["GBP"]
    includes_vat: bool
    lower: Bound | None = None
    upper: Bound | None = None
    # Said when the choice rests on this range alone (e.g. the £39,000 whole-life figure).
    warn_if_decisive: str | None = None
    note: str | None = None


@dataclass(repr=False)
class Band:
    __pydantic_config__ = _FORBID
    text: str  # the guide's "Guide amount", word for word
    ranges: list[Range]
    note: str | None = None


@dataclass(repr=False)
class Indicator:
    """One of "most applicable when any of the following apply"."""

    __pydantic_config__ = _FORBID
    text: str
    when: Condition
    note: str | None = None


@dataclass(repr=False)
class ExceptionRule:
    """Opens a method outside its band, on one side only ("for lower amounts")."""

    __pydantic_config__ = _FORBID
    id: str
    text: str
    opens: Literal["below", "above"]
    when: Condition
    label: str  # what would open it, in plain words
    note: str | None = None


@dataclass(repr=False)
class Requirement:
    """A gate that must hold whatever the value (grant-in-aid: core costs of a strategic body)."""

    __pydantic_config__ = _FORBID
    text: str
    when: Condition
    label: str
    note: str | None = None


@dataclass(repr=False)
class Method:
    __pydantic_config__ = _FORBID
    id: str
    name: str
    family: str
    source: SourceRef
    band: Band
    agreement: Quoted
    full_cost_recovery: Quoted
    guiding_document: Quoted
    indicators: list[Indicator] = field(default_factory=list)
    exceptions: list[ExceptionRule] = field(default_factory=list)
    requires: Requirement | None = None
    steps: str | None = None  # the id of a step list
    note: str | None = None


@dataclass(repr=False)
class ContractType:
    __pydantic_config__ = _FORBID
    id: str
    name: str
    definition: str
    when: Condition
    source: SourceRef
    note: str | None = None


@dataclass(repr=False)
class Conflict:
    __pydantic_config__ = _FORBID
    between: list[str]
    reason: str
    note: str | None = None


@dataclass(repr=False)
class StepList:
    __pydantic_config__ = _FORBID
    id: str
    source: SourceRef
    steps: list[str]
    note: str | None = None


@dataclass(repr=False)
class Obligation:
    __pydantic_config__ = _FORBID
    id: str
    text: str  # what the officer must do, in plain words
    source: SourceRef
    when: Condition | None = None  # None: every route
    note: str | None = None


@dataclass(repr=False)
class NearThreshold:
    __pydantic_config__ = _FORBID
    margin: Decimal
    advice: str
    source: SourceRef
    note: str | None = None


@dataclass(repr=False)
class NotStated:
    """Said when a field was not stated (and, with ``when``, only where that holds)."""

    __pydantic_config__ = _FORBID
    field: str
    text: str
    when: Condition | None = None
    note: str | None = None


@dataclass(repr=False)
class Warnings:
    __pydantic_config__ = _FORBID
    near_threshold: NearThreshold | None = None
    not_stated: list[NotStated] = field(default_factory=list)


@dataclass(repr=False)
class Choice:
    """How the engine picks among eligible methods; stated so a reader need not guess."""

    __pydantic_config__ = _FORBID
    rule: Literal["highest_score_then_listed_order"]
    note: str | None = None


@dataclass(repr=False)
class RulePack:
    __pydantic_config__ = _FORBID
    pack: PackInfo
    documents: list[DocumentInfo]
    families: list[Family]
    methods: list[Method]
    choice: Choice
    contract_types: list[ContractType] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    step_lists: list[StepList] = field(default_factory=list)
    obligations: list[Obligation] = field(default_factory=list)
    warnings: Warnings = field(default_factory=Warnings)
