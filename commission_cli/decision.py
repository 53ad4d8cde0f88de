"""The answer: a :class:`Decision` and the JSON contract it is printed as.

Plain frozen records rather than pydantic models: the engine builds one per
purchase (thousands a second in a batch), and nothing here needs validating.
``commission schema decision`` still derives the JSON Schema from these types
through pydantic, so the schema cannot drift from the output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .records import Record, set_field
from .vocabulary import json_ready

if TYPE_CHECKING:
    from .purchase import Purchase


@dataclass(init=False, repr=False, eq=False, slots=True)
class MethodRef(Record):
    """The method a decision chose: its id in the pack and its name."""

    id: str
    name: str

    def __init__(self, id: str, name: str) -> None:
        set_field(self, "id", id)
        set_field(self, "name", name)


@dataclass(init=False, repr=False, eq=False, slots=True)
class ExceptionRef(Record):
    """The exception that opened the chosen method outside its band."""

    id: str
    text: str

    def __init__(self, id: str, text: str) -> None:
        set_field(self, "id", id)
        set_field(self, "text", text)


@dataclass(init=False, repr=False, eq=False, slots=True)
class ContractTypeRef(Record):
    """A type of contract the purchase fits, with the glossary's definition."""

    id: str
    name: str
    definition: str

    def __init__(self, id: str, name: str, definition: str) -> None:
        set_field(self, "id", id)
        set_field(self, "name", name)
        set_field(self, "definition", definition)


@dataclass(init=False, repr=False, eq=False, slots=True)
class Candidate(Record):
    """One method of the family, and why it was or was not chosen."""

    id: str
    name: str
    eligible: bool
    score: float
    matched: tuple[str, ...]
    unmatched: tuple[str, ...]
    reason: str

    def __init__(
        self,
        id: str,
        name: str,
        eligible: bool,
        score: float,
        matched: tuple[str, ...],
        unmatched: tuple[str, ...],
        reason: str,
    ) -> None:
        set_field(self, "id", id)
        set_field(self, "name", name)
        set_field(self, "eligible", eligible)
        set_field(self, "score", score)
        set_field(self, "matched", matched)
        set_field(self, "unmatched", unmatched)
        set_field(self, "reason", reason)


@dataclass(init=False, repr=False, eq=False, slots=True)
class ObligationRef(Record):
    """Something the officer must do on this route, and the text it comes from."""

    text: str
    source: str

    def __init__(self, text: str, source: str) -> None:
        set_field(self, "text", text)
        set_field(self, "source", source)


@dataclass(init=False, repr=False, eq=False, slots=True)
class RulesRef(Record):
    """The pack a decision was made with; its sha256 lets the decision be reproduced."""

    name: str
    version: str
    sha256: str

    def __init__(self, name: str, version: str, sha256: str) -> None:
        set_field(self, "name", name)
        set_field(self, "version", version)
        set_field(self, "sha256", sha256)


@dataclass(init=False, repr=False, eq=False, slots=True)
class Verdict(Record):
    """Everything a decision says, but the purchase: shared by every purchase that
    gets the same answer (the engine memoises it), so it is worked out and
    written out once, not once per row."""

    family: str
    method: MethodRef | None
    agreement: str | None
    full_cost_recovery: str | None
    guiding_document: str | None
    exception: ExceptionRef | None
    contract_types: tuple[ContractTypeRef, ...]
    candidates: tuple[Candidate, ...]
    steps: tuple[str, ...]
    obligations: tuple[ObligationRef, ...]
    warnings: tuple[str, ...]
    reasons: tuple[str, ...]
    rules: RulesRef

    def __init__(
        self,
        family: str,
        method: MethodRef | None,
        agreement: str | None,
        full_cost_recovery: str | None,
        guiding_document: str | None,
        exception: ExceptionRef | None,
        contract_types: tuple[ContractTypeRef, ...],
        candidates: tuple[Candidate, ...],
        steps: tuple[str, ...],
        obligations: tuple[ObligationRef, ...],
        warnings: tuple[str, ...],
        reasons: tuple[str, ...],
        rules: RulesRef,
    ) -> None:
        set_field(self, "family", family)
        set_field(self, "method", method)
        set_field(self, "agreement", agreement)
        set_field(self, "full_cost_recovery", full_cost_recovery)
        set_field(self, "guiding_document", guiding_document)
        set_field(self, "exception", exception)
        set_field(self, "contract_types", contract_types)
        set_field(self, "candidates", candidates)
        set_field(self, "steps", steps)
        set_field(self, "obligations", obligations)
        set_field(self, "warnings", warnings)
        set_field(self, "reasons", reasons)
        set_field(self, "rules", rules)

    def as_dict(self) -> dict[str, Any]:
        """Every key of the decision object but ``purchase``, ready for ``json.dumps``."""
        return {
            "family": self.family,
            "method": None
            if self.method is None
            else {"id": self.method.id, "name": self.method.name},
            "agreement": self.agreement,
            "full_cost_recovery": self.full_cost_recovery,
            "guiding_document": self.guiding_document,
            "exception": None
            if self.exception is None
            else {"id": self.exception.id, "text": self.exception.text},
            "contract_types": [contract_type_dict(c) for c in self.contract_types],
            "candidates": [candidate_dict(c) for c in self.candidates],
            "steps": list(self.steps),
            "obligations": [obligation_dict(o) for o in self.obligations],
            "warnings": list(self.warnings),
            "reasons": list(self.reasons),
            "rules": {
                "name": self.rules.name,
                "version": self.rules.version,
                "sha256": self.rules.sha256,
            },
        }


_OWN = ("title", "annual_value", "total_value", "years")


class Decision:
    """What the rules say about one purchase: the purchase and its verdict.

    ``method`` is None when no method is eligible ("no route"); the candidates'
    reasons then say which gate each method failed and what would open it.

    A batch makes a million of these, and most are written out and forgotten, so
    one can hold the purchase's validated values and build the :class:`Purchase`
    only when it is asked for (:meth:`of_row`).
    """

    __slots__ = ("_own", "_own_stated", "_purchase", "_shared", "_stated", "_values", "verdict")

    def __init__(self, purchase: Purchase, verdict: Verdict) -> None:
        """A decision for a purchase (see :meth:`of_row` for one held as its values)."""
        self._purchase: Purchase | None = purchase
        self._values: dict[str, Any] | None = None
        self._stated: frozenset[str] = frozenset()
        self._shared: dict[str, Any] | None = None
        self._own: tuple[Any, Any, Any, Any] | None = None
        self._own_stated: tuple[str, ...] = ()
        self.verdict = verdict

    @classmethod
    def of_row(
        cls,
        verdict: Verdict,
        own: tuple[str, Any, Any, Any],
        own_stated: tuple[str, ...],
        shared: dict[str, Any],
        stated: frozenset[str],
    ) -> Decision:
        """A decision for a purchase that already passed Purchase's rules, given as its
        title, annual and total values and length (``own``, of which ``own_stated``
        were stated rather than derived) and its other fields (``shared``, of which
        ``stated`` were stated: both shared by many rows and never changed, so
        writers may remember things by them)."""
        decision = cls.__new__(cls)
        decision._purchase = None
        decision._values = None
        decision._stated = stated
        decision._own_stated = own_stated
        decision._shared = shared
        decision._own = own
        decision.verdict = verdict
        return decision

    @classmethod
    def of_values(
        cls, values: dict[str, Any], stated: frozenset[str], verdict: Verdict
    ) -> Decision:
        """A decision for a purchase held as its validated values (every field, in the
        model's order, both amounts derived) and the fields that were stated."""
        decision = cls.__new__(cls)
        decision._purchase = None
        decision._values = values
        decision._stated = stated
        decision._own_stated = ()
        decision._shared = None
        decision._own = None
        decision.verdict = verdict
        return decision

    @property
    def purchase(self) -> Purchase:
        if self._purchase is None:
            from .purchase import Purchase

            stated = self._stated.union(self._own_stated) if self._own_stated else self._stated
            self._purchase = Purchase.from_validated(self.values, stated)
        return self._purchase

    @property
    def values(self) -> dict[str, Any]:
        """The purchase's validated values by field, without building the Purchase."""
        if self._values is None:
            if self._own is None:
                return self.purchase.__dict__
            title, annual, total, years = self._own
            self._values = {
                "title": title,
                "annual_value": annual,
                "total_value": total,
                "years": years,
                **(self._shared or {}),
            }
        return self._values

    @property
    def title(self) -> str:
        return str(self._own[0] if self._own is not None else self.values["title"])

    @property
    def shares_fields(self) -> bool:
        """Made by :meth:`of_row`: the second of :meth:`parts` is one dict for many rows."""
        return self._shared is not None

    def parts(self) -> tuple[tuple[Any, Any, Any, Any], dict[str, Any]]:
        """(title, annual value, total value, years) and the other fields by name. The
        second is shared by the rows of a batch that agree on every other field
        (:attr:`shares_fields`), and new for any other decision."""
        if self._own is not None and self._shared is not None:
            return self._own, self._shared
        values = self.values
        own = (values["title"], values["annual_value"], values["total_value"], values["years"])
        return own, {k: v for k, v in values.items() if k not in _OWN}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Decision):
            return NotImplemented
        return self.values == other.values and self.verdict == other.verdict

    def __hash__(self) -> int:
        return hash(self.verdict)

    def __repr__(self) -> str:
        return f"Decision(purchase={self.purchase!r}, verdict={self.verdict!r})"

    @property
    def routed(self) -> bool:
        return self.verdict.method is not None

    @property
    def family(self) -> str:
        return self.verdict.family

    @property
    def method(self) -> MethodRef | None:
        return self.verdict.method

    @property
    def agreement(self) -> str | None:
        return self.verdict.agreement

    @property
    def full_cost_recovery(self) -> str | None:
        return self.verdict.full_cost_recovery

    @property
    def guiding_document(self) -> str | None:
        return self.verdict.guiding_document

    @property
    def exception(self) -> ExceptionRef | None:
        return self.verdict.exception

    @property
    def contract_types(self) -> tuple[ContractTypeRef, ...]:
        return self.verdict.contract_types

    @property
    def candidates(self) -> tuple[Candidate, ...]:
        return self.verdict.candidates

    @property
    def steps(self) -> tuple[str, ...]:
        return self.verdict.steps

    @property
    def obligations(self) -> tuple[ObligationRef, ...]:
        return self.verdict.obligations

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.verdict.warnings

    @property
    def reasons(self) -> tuple[str, ...]:
        return self.verdict.reasons

    @property
    def rules(self) -> RulesRef:
        return self.verdict.rules

    def to_dict(self) -> dict[str, Any]:
        """The PRODUCT.md decision object, ready for ``json.dumps``."""
        # The values as the Purchase would echo them (a test holds the two equal),
        # without defining the model where nothing else needs it.
        out: dict[str, Any] = {"purchase": json_ready(self.values)}
        out.update(self.verdict.as_dict())
        return out

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)


def contract_type_dict(c: ContractTypeRef) -> dict[str, Any]:
    return {"id": c.id, "name": c.name, "definition": c.definition}


def candidate_dict(c: Candidate) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "eligible": c.eligible,
        "score": c.score,
        "matched": list(c.matched),
        "unmatched": list(c.unmatched),
        "reason": c.reason,
    }


def obligation_dict(o: ObligationRef) -> dict[str, Any]:
    return {"text": o.text, "source": o.source}
