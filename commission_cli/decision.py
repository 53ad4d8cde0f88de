"""The answer: a :class:`Decision` and the JSON contract it is printed as.

Plain frozen dataclasses rather than pydantic models: the engine builds one per
purchase (thousands a second in a batch), and nothing here needs validating.
``commission schema decision`` still derives the JSON Schema from these types
through pydantic, so the schema cannot drift from the output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .purchase import Purchase


@dataclass(frozen=True, slots=True)
class MethodRef:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class ExceptionRef:
    """The exception that opened the chosen method outside its band."""

    id: str
    text: str


@dataclass(frozen=True, slots=True)
class ContractTypeRef:
    id: str
    name: str
    definition: str


@dataclass(frozen=True, slots=True)
class Candidate:
    """One method of the family, and why it was or was not chosen."""

    id: str
    name: str
    eligible: bool
    score: float
    matched: tuple[str, ...]
    unmatched: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class ObligationRef:
    text: str
    source: str


@dataclass(frozen=True, slots=True)
class RulesRef:
    """The pack a decision was made with; its sha256 lets the decision be reproduced."""

    name: str
    version: str
    sha256: str


@dataclass(frozen=True, slots=True)
class Decision:
    """What the rules say about one purchase.

    ``method`` is None when no method is eligible ("no route"); the candidates'
    reasons then say which gate each method failed and what would open it.
    """

    purchase: Purchase
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

    @property
    def routed(self) -> bool:
        return self.method is not None

    def to_dict(self) -> dict[str, Any]:
        """The PRODUCT.md decision object, ready for ``json.dumps``."""
        out: dict[str, Any] = {"purchase": self.purchase.echo()}
        out.update(verdict_dict(self))
        return out

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)


def verdict_dict(d: Decision | Any) -> dict[str, Any]:
    """Everything in the decision object but the purchase (shared by equal verdicts)."""
    return {
        "family": d.family,
        "method": None if d.method is None else {"id": d.method.id, "name": d.method.name},
        "agreement": d.agreement,
        "full_cost_recovery": d.full_cost_recovery,
        "guiding_document": d.guiding_document,
        "exception": None
        if d.exception is None
        else {"id": d.exception.id, "text": d.exception.text},
        "contract_types": [
            {"id": c.id, "name": c.name, "definition": c.definition} for c in d.contract_types
        ],
        "candidates": [
            {
                "id": c.id,
                "name": c.name,
                "eligible": c.eligible,
                "score": c.score,
                "matched": list(c.matched),
                "unmatched": list(c.unmatched),
                "reason": c.reason,
            }
            for c in d.candidates
        ],
        "steps": list(d.steps),
        "obligations": [{"text": o.text, "source": o.source} for o in d.obligations],
        "warnings": list(d.warnings),
        "reasons": list(d.reasons),
        "rules": {"name": d.rules.name, "version": d.rules.version, "sha256": d.rules.sha256},
    }
