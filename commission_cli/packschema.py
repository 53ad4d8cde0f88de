"""The shape of a rule pack: what an authority's YAML file must say.

Written as standard-library dataclasses (made so on first use: see ``part``) and
validated by pydantic (through a ``TypeAdapter``), so that a pack validated once
can be cached and loaded again without rebuilding pydantic's validators: start-up
stays quick, and the schema is still the one place the pack's shape is defined.

Every rule carries the source's own words (``text``, or ``source.text``) and,
where the encoding reads something into them, a ``note`` saying how.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from threading import Lock
from typing import TYPE_CHECKING, Any, Literal

# A plain dict (not pydantic.ConfigDict) so that this module imports nothing heavy.
_FORBID: Any = {"extra": "forbid"}

Basis = Literal["per_annum", "whole_life"]
Condition = dict[str, Any]
"""A test on the purchase, e.g. ``{outcomes: certain}``; see ``conditions.py``."""


# -- parts made dataclasses on first use ------------------------------------------------
#
# Making 21 classes dataclasses took about 5 ms of every start, yet a plain
# `commission route` only unpickles a cached pack, which needs none of it. So each
# part is declared with `part(...)` (mypy reads it as `dataclass`), and becomes a
# dataclass the first time anything asks whether it is one (pydantic, `fields`,
# `is_dataclass` all read `__dataclass_fields__`) or builds one in code.

_PENDING: list[tuple[type, dict[str, Any]]] = []
_MAKING = Lock()


def make_dataclasses() -> None:
    """Make every part declared so far a dataclass (once; later calls do nothing).

    A part leaves the list only once it is made, and under a lock, so that a thread
    finding the list empty finds every part made.
    """
    if not _PENDING:
        return
    with _MAKING:
        while _PENDING:
            cls, options = _PENDING[0]
            if cls.__dict__.get("__init__") is _init_on_first_use:
                del cls.__init__  # type: ignore[misc]  # so that dataclass writes its own
            dataclass(**options)(cls)
            _PENDING.pop(0)


def _init_on_first_use(self: Any, *args: Any, **kwargs: Any) -> None:
    make_dataclasses()
    type(self).__init__(self, *args, **kwargs)


class _OnFirstUse:
    """A part's ``__dataclass_fields__`` or ``__dataclass_params__`` until it is a
    dataclass: reading it makes every part one, and gives the real value."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: object, owner: type) -> Any:
        if owner is _Schema:  # the base is no dataclass (dataclass itself asks)
            raise AttributeError(self.name)
        make_dataclasses()
        if self.name not in owner.__dict__:
            raise AttributeError(self.name)
        return owner.__dict__[self.name]


if TYPE_CHECKING:
    from dataclasses import dataclass as part
else:

    def part(**options: Any) -> Any:
        def declare(cls: type) -> type:
            if options.get("init", True):
                cls.__init__ = _init_on_first_use
            _PENDING.append((cls, options))
            return cls

        return declare


class _Schema:
    """What every part of a pack shares: equal when of one class with equal fields.

    Dataclasses' ``eq=True`` would write that ``__eq__`` afresh for each class.
    pydantic and unpickling set every field of a part, so its fields are its
    ``__dict__``.
    """

    __dataclass_fields__ = _OnFirstUse("__dataclass_fields__")
    __dataclass_params__ = _OnFirstUse("__dataclass_params__")
    __hash__ = None  # type: ignore[assignment]  # mutable, as dataclasses leave them

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self.__dict__ == other.__dict__


@part(repr=False, eq=False)
class SourceRef(_Schema):
    """Where a rule comes from: a document of the pack, a section of it, its own words."""

    __pydantic_config__ = _FORBID
    document: str
    section: str
    text: str


@part(repr=False, eq=False)
class Quoted(_Schema):
    """A value taken word for word from the source, with a note where it is interpreted."""

    __pydantic_config__ = _FORBID
    text: str
    note: str | None = None


@part(repr=False, eq=False)
class DocumentInfo(_Schema):
    """A source document of the pack."""

    __pydantic_config__ = _FORBID
    id: str
    title: str
    file: str | None = None
    note: str | None = None


@part(repr=False, eq=False)
class PackInfo(_Schema):
    """What the pack is, whose it is, and the date it holds from."""

    __pydantic_config__ = _FORBID
    id: str
    name: str
    version: str
    valid_from: date
    authority: str
    currency: Literal["GBP"]
    description: str | None = None
    note: str | None = None


@part(repr=False, eq=False)
class Family(_Schema):
    """Purchasing (contracts) or funding (grants): the first whose ``when`` holds applies."""

    __pydantic_config__ = _FORBID
    id: str
    name: str
    description: str
    source: SourceRef
    when: Condition | None = None  # None: applies when no earlier family does
    note: str | None = None


@part(repr=False, eq=False)
class Bound(_Schema):
    """One end of a range: an amount, and whether the range includes it."""

    __pydantic_config__ = _FORBID
    amount: Decimal
    inclusive: bool


@part(repr=False, eq=False)
class Range(_Schema):
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


@part(repr=False, eq=False)
class Band(_Schema):
    """The values a method applies to, in the source's words and as ranges."""

    __pydantic_config__ = _FORBID
    text: str  # the guide's "Guide amount", word for word
    ranges: list[Range]
    note: str | None = None


@part(repr=False, eq=False)
class Indicator(_Schema):
    """One of "most applicable when any of the following apply"."""

    __pydantic_config__ = _FORBID
    text: str
    when: Condition
    note: str | None = None


@part(repr=False, eq=False)
class ExceptionRule(_Schema):
    """Opens a method outside its band, on one side only ("for lower amounts")."""

    __pydantic_config__ = _FORBID
    id: str
    text: str
    opens: Literal["below", "above"]
    when: Condition
    label: str  # what would open it, in plain words
    note: str | None = None


@part(repr=False, eq=False)
class Requirement(_Schema):
    """A gate that must hold whatever the value (grant-in-aid: core costs of a strategic body)."""

    __pydantic_config__ = _FORBID
    text: str
    when: Condition
    label: str
    note: str | None = None


@part(repr=False, eq=False)
class Method(_Schema):
    """A commissioning method: its band, what it results in, and when it applies."""

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


@part(repr=False, eq=False)
class ContractType(_Schema):
    """A type of contract, and when a purchase is one."""

    __pydantic_config__ = _FORBID
    id: str
    name: str
    definition: str
    when: Condition
    source: SourceRef
    note: str | None = None


@part(repr=False, eq=False)
class Conflict(_Schema):
    """Two contract types a purchase cannot be at once, and why."""

    __pydantic_config__ = _FORBID
    between: list[str]
    reason: str
    note: str | None = None


@part(repr=False, eq=False)
class StepList(_Schema):
    """The steps that follow a route, word for word."""

    __pydantic_config__ = _FORBID
    id: str
    source: SourceRef
    steps: list[str]
    note: str | None = None


@part(repr=False, eq=False)
class Obligation(_Schema):
    """Something the officer must do on every route, or where ``when`` holds."""

    __pydantic_config__ = _FORBID
    id: str
    text: str  # what the officer must do, in plain words
    source: SourceRef
    when: Condition | None = None  # None: every route
    note: str | None = None


@part(repr=False, eq=False)
class NearThreshold(_Schema):
    """Advice given when a value lies within ``margin`` of a threshold."""

    __pydantic_config__ = _FORBID
    margin: Decimal
    advice: str
    source: SourceRef
    note: str | None = None


@part(repr=False, eq=False)
class NotStated(_Schema):
    """Said when a field was not stated (and, with ``when``, only where that holds)."""

    __pydantic_config__ = _FORBID
    field: str
    text: str
    when: Condition | None = None
    note: str | None = None


@part(repr=False, eq=False)
class Warnings(_Schema):
    """The warnings the pack gives beside a decision."""

    __pydantic_config__ = _FORBID
    near_threshold: NearThreshold | None = None
    not_stated: list[NotStated] = field(default_factory=list)


@part(repr=False, eq=False)
class Choice(_Schema):
    """How the engine picks among eligible methods; stated so a reader need not guess."""

    __pydantic_config__ = _FORBID
    rule: Literal["highest_score_then_listed_order"]
    note: str | None = None


@part(repr=False, eq=False)
class RulePack(_Schema):
    """An authority's rules: its families, methods, contract types and warnings."""

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
