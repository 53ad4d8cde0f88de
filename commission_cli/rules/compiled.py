"""A rule pack ready for the engine: the validated pack with its conditions compiled."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from ..model.decision import ContractTypeRef, MethodRef, ObligationRef, ResultRef, RulesRef
from ..model.fields import FieldDecl
from ..model.purchase import PackPurchase, Purchase, validate
from .conditions import PSEUDO_FIELDS, Compiled, fields_of
from .schema import (
    ContractType,
    DocumentInfo,
    Family,
    Method,
    NotStated,
    Obligation,
    ResultDecl,
    RulePack,
    SourceRef,
    StepList,
)
from .words import band_words, describe, range_words


@dataclass(eq=False)
class CompiledMethod:
    """A method of the pack with its conditions compiled, as the engine reads it."""

    spec: Method
    index: int  # its place in the pack: a tie goes to the method listed first
    requires: Compiled | None
    indicators: tuple[Compiled, ...]
    exceptions: tuple[Compiled, ...]
    results: dict[str, Any]  # each declared result's value (None where it gives none)
    fields: tuple[str, ...] = ()  # the purchase fields its tests read
    # Worked out once with the pack, since every decision that assesses it reads them:
    # the purchase fields each indicator, the requirement and each exception read, and
    # the method's band and tests in words.
    indicator_fields: tuple[frozenset[str], ...] = field(init=False)
    requires_fields: frozenset[str] = field(init=False)
    exception_fields: tuple[frozenset[str], ...] = field(init=False)
    band_words: str = field(init=False)
    range_words: tuple[str, ...] = field(init=False)
    requires_words: str = field(init=False)
    exception_words: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        def read(cond: Compiled | None) -> frozenset[str]:
            return frozenset() if cond is None else frozenset(fields_of(cond) - set(PSEUDO_FIELDS))

        self.indicator_fields = tuple(read(c) for c in self.indicators)
        self.requires_fields = read(self.requires)
        self.exception_fields = tuple(read(c) for c in self.exceptions)
        self.band_words = band_words(self.spec.band)
        self.range_words = tuple(range_words(r) for r in self.spec.band.ranges)
        self.requires_words = "" if self.requires is None else describe(self.requires)
        self.exception_words = tuple(describe(c) for c in self.exceptions)

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(eq=False)  # one pack, one object: the engine's memo knows a pack by identity
class Rules:
    """A validated, compiled rule pack, ready for :func:`commission_cli.route`."""

    pack: RulePack
    sha256: str
    path: str  # where it was read from, as messages name it
    fields: dict[str, FieldDecl]  # every purchase field, built-in ones first
    purchase_model: type[PackPurchase]
    results: tuple[ResultDecl, ...]
    families: tuple[tuple[Family, Compiled | None], ...]
    methods: tuple[CompiledMethod, ...]
    contract_types: tuple[tuple[ContractType, Compiled], ...]
    obligations: tuple[tuple[Obligation, Compiled | None], ...]
    not_stated: tuple[tuple[NotStated, Compiled | None], ...]
    step_lists: dict[str, StepList]
    documents: dict[str, DocumentInfo]
    condition_fields: tuple[str, ...]  # purchase fields any condition reads
    fact_fields: tuple[str, ...]  # every field but the title and the amounts: the facts
    by_family: dict[str, tuple[CompiledMethod, ...]] = field(default_factory=dict)
    directory: Path | None = None  # where files the pack names are looked for first
    shipped: bool = False
    # The day the pack was loaded: its decisions are for that day (is the pack in force?).
    loaded_on: date = field(default_factory=date.today)
    # The parts of a decision that come from the pack alone, made once: every verdict
    # the engine keeps points at these rather than holding copies of its own.
    method_refs: dict[str, MethodRef] = field(init=False)
    result_refs: dict[str | None, tuple[ResultRef, ...]] = field(init=False)  # None: no route
    obligation_refs: dict[str, ObligationRef] = field(init=False)
    contract_type_refs: dict[str, ContractTypeRef] = field(init=False)
    # Where an amount can change a verdict, by basis (see engine.memo): every bound of
    # the pack's bands, and where each near-threshold window below a bound begins, in
    # order; and, for each place among them, whether it lies in such a window.
    thresholds: dict[str, tuple[Decimal, ...]] = field(init=False)
    in_window: dict[str, tuple[bool, ...]] = field(init=False)
    # The families whose ranges disagree on includes_vat. With no VAT rate to convert
    # between the bases yet, a purchase's amounts are compared as given with every range,
    # and every decision of such a family says so (engine.explain).
    mixed_vat: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self._make_refs()
        bases: dict[str, set[bool]] = {}
        for cm in self.methods:
            for r in cm.spec.band.ranges:
                bases.setdefault(cm.spec.family, set()).add(r.includes_vat)
        self.mixed_vat = frozenset(f for f, seen in bases.items() if len(seen) > 1)
        near = self.pack.warnings.near_threshold
        self.thresholds, self.in_window = {}, {}
        for basis in ("per_annum", "whole_life"):
            bounds = {
                bound.amount
                for cm in self.methods
                for r in cm.spec.band.ranges
                if r.basis == basis
                for bound in (r.lower, r.upper)
                if bound is not None
            }
            starts = {b * (1 - near.margin) for b in bounds} if near is not None else set()
            cuts = tuple(sorted(bounds | starts))
            self.thresholds[basis] = cuts
            margin = near.margin if near is not None else None
            self.in_window[basis] = _window_places(cuts, bounds, margin)

    def _make_refs(self) -> None:
        self.method_refs = {cm.id: MethodRef(cm.id, cm.spec.name) for cm in self.methods}
        self.result_refs = {
            cm.id: tuple(ResultRef(r.id, r.name, cm.results.get(r.id)) for r in self.results)
            for cm in self.methods
        }
        self.result_refs[None] = tuple(ResultRef(r.id, r.name, None) for r in self.results)
        self.obligation_refs = {
            o.id: ObligationRef(o.text, self.cite(o.source)) for o, _ in self.obligations
        }
        self.contract_type_refs = {
            ct.id: ContractTypeRef(
                ct.id,
                ct.name,
                ct.definition,
                self.section_title(ct.source.document, ct.source.section),
                ct.glossary,
            )
            for ct, _ in self.contract_types
        }

    @cached_property
    def ref(self) -> RulesRef:
        """The pack as a decision names it (asked for when deciding: ``rules check``
        compiles what it can of a pack that may lack its ``pack:`` header)."""
        return RulesRef(self.name, self.version, self.sha256, self.valid_from, self.valid_until)

    @property
    def name(self) -> str:
        return self.pack.pack.name

    @property
    def version(self) -> str:
        return self.pack.pack.version

    @property
    def valid_from(self) -> date:
        return self.pack.pack.valid_from

    @property
    def valid_until(self) -> date | None:
        return self.pack.pack.valid_until

    def place(self, basis: str, amount: Decimal) -> int:
        """Where an amount falls among the thresholds of a basis: place 2i+1 is the i-th
        threshold itself, place 2i the stretch below it (2n: above the last)."""
        cuts = self.thresholds[basis]
        i = bisect_left(cuts, amount)
        return 2 * i + 1 if i < len(cuts) and cuts[i] == amount else 2 * i

    def amount_at(self, basis: str, place: int) -> Decimal:
        """An amount in a place (see :meth:`place`): the threshold, or a value between."""
        cuts = self.thresholds[basis]
        i, on = divmod(place, 2)
        if on:
            return cuts[i]
        if not cuts:
            return Decimal(1)
        if i == 0:
            return cuts[0] / 2
        if i == len(cuts):
            return cuts[-1] * 2
        return (cuts[i - 1] + cuts[i]) / 2

    def method(self, method_id: str) -> CompiledMethod:
        for m in self.methods:
            if m.spec.id == method_id:
                return m
        raise KeyError(method_id)

    def section_title(self, document: str, section: str) -> str:
        """A document's title (its id when the pack gives none) and a section of it."""
        doc = self.documents.get(document)
        return f"{doc.title if doc else document}, {section}"

    def cite(self, source: SourceRef) -> str:
        """A citation a reader can check: document, section and the words quoted."""
        doc = self.documents.get(source.document)
        title = doc.title if doc else source.document
        return f"{title}, {source.section}: “{source.text}”"

    def purchase(self, data: dict[str, Any] | None = None, /, **fields: Any) -> PackPurchase:
        """A purchase checked against this pack's fields (raises InputError)."""
        found = validate(self.purchase_model, {**(data or {}), **fields})
        assert isinstance(found, PackPurchase)
        return found

    def own(self, purchase: Purchase) -> PackPurchase:
        """The purchase as this pack reads it: checked against the pack's fields if it
        was made otherwise (``Purchase(...)`` directly, or by another pack)."""
        if type(purchase) is self.purchase_model:
            assert isinstance(purchase, PackPurchase)
            return purchase
        return self.purchase(purchase.data())

    def __repr__(self) -> str:
        return f"Rules(name={self.name!r}, version={self.version!r}, sha256={self.sha256!r})"


def _window_places(
    cuts: tuple[Decimal, ...], bounds: set[Decimal], margin: Decimal | None
) -> tuple[bool, ...]:
    """For each place among ``cuts``: does it lie in a window from a bound less the margin
    up to the bound itself? Marked by one sweep: each window opens at the place of its
    start and closes after the place of its bound (both are cuts)."""
    places = 2 * len(cuts) + 1
    if margin is None:
        return (False,) * places
    index = {c: i for i, c in enumerate(cuts)}
    change = [0] * (places + 1)
    for bound in bounds:
        change[2 * index[bound * (1 - margin)] + 1] += 1
        change[2 * index[bound] + 2] -= 1
    out, depth = [], 0
    for place in range(places):
        depth += change[place]
        out.append(depth > 0)
    return tuple(out)
