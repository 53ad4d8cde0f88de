"""The answer: a :class:`Decision`, and the JSON object it is printed as.

Frozen records: a :class:`Verdict` is everything a decision says but the
purchase itself, so purchases that get the same answer share one; a
:class:`Decision` is a purchase and its verdict. :meth:`Decision.to_dict` is
the contract scripts rely on (PRODUCT.md, "Decision (output)"), and
``commission schema decision`` describes exactly it (see :mod:`.schemas`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from .money import money_to_json
from .purchase import Purchase

# The results scripts read at the top level of the JSON since before packs declared
# their results; they stay there for a pack that declares them.
TOP_LEVEL_RESULTS = ("agreement", "full_cost_recovery", "guiding_document")
# The flat CSV's own columns, before and after the results the pack declares: no result
# may take one of these names, or a spreadsheet would read its cell for the column's.
FLAT_HEAD = ("row", "title", "family", "method_id", "method")
FLAT_TAIL = ("contract_types", "warnings", "error")


@dataclass(frozen=True, slots=True)
class MethodRef:
    """The method a decision chose: its id in the pack and its name."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class ExceptionRef:
    """The exception that opened the chosen method outside its band."""

    id: str
    text: str


@dataclass(frozen=True, slots=True)
class ResultRef:
    """One of the pack's results for the chosen method: its id, its name and its value."""

    id: str
    name: str
    value: Any  # text, a number, {min, max}, true/false, a list of text, or None


@dataclass(frozen=True, slots=True)
class ContractTypeRef:
    """A type of contract the purchase fits, with the glossary's definition."""

    id: str
    name: str
    definition: str
    source: str  # where the definition comes from, for a person
    glossary: str | None = None  # its term in the pack's glossary


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
    """Something the officer must do on this route, and the text it comes from."""

    text: str
    source: str


@dataclass(frozen=True, slots=True)
class RulesRef:
    """The pack a decision was made with; its sha256 lets the decision be reproduced."""

    name: str
    version: str
    sha256: str
    valid_from: date
    valid_until: date | None


@dataclass(frozen=True, slots=True)
class Verdict:
    """Everything a decision says but the purchase: shared by every purchase with the
    same answer."""

    family: str
    method: MethodRef | None
    results: tuple[ResultRef, ...]
    exception: ExceptionRef | None
    contract_types: tuple[ContractTypeRef, ...]
    candidates: tuple[Candidate, ...]
    steps: tuple[str, ...]
    obligations: tuple[ObligationRef, ...]
    warnings: tuple[str, ...]
    reasons: tuple[str, ...]
    rules: RulesRef


@dataclass(frozen=True, slots=True)
class Decision:
    """What the rules say about one purchase.

    ``method`` is None when no method is eligible ("no route"); the candidates'
    reasons then say which gate each method failed and what would open it.
    """

    purchase: Purchase
    verdict: Verdict

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
    def results(self) -> dict[str, Any]:
        """The chosen method's results by id (every value None when there is no route)."""
        return {r.id: r.value for r in self.verdict.results}

    def result(self, result_id: str) -> Any:
        return self.results.get(result_id)

    @property
    def agreement(self) -> str | None:
        return self.result("agreement")  # type: ignore[no-any-return]

    @property
    def full_cost_recovery(self) -> str | None:
        return self.result("full_cost_recovery")  # type: ignore[no-any-return]

    @property
    def guiding_document(self) -> str | None:
        return self.result("guiding_document")  # type: ignore[no-any-return]

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

    def amounts(self) -> dict[str, Decimal]:
        """The value each kind of band was tested on: in any one year, and over the whole life."""
        return {
            "per_annum": self.purchase.per_annum,
            "whole_life": self.purchase.total_value,
        }

    def to_dict(self) -> dict[str, Any]:
        """The PRODUCT.md decision object, ready for ``json.dumps``."""
        v = self.verdict
        results = self.results
        out: dict[str, Any] = {
            "purchase": self.purchase.echo(),
            "amounts": {k: money_to_json(a) for k, a in self.amounts().items()},
            "family": v.family,
            "method": None if v.method is None else {"id": v.method.id, "name": v.method.name},
            "results": results,
        }
        for key in TOP_LEVEL_RESULTS:
            if key in results:
                out[key] = results[key]
        out.update(
            {
                "exception": None
                if v.exception is None
                else {"id": v.exception.id, "text": v.exception.text},
                "contract_types": [
                    {"id": c.id, "name": c.name, "definition": c.definition}
                    for c in v.contract_types
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
                    for c in v.candidates
                ],
                "steps": list(v.steps),
                "obligations": [{"text": o.text, "source": o.source} for o in v.obligations],
                "warnings": list(v.warnings),
                "reasons": list(v.reasons),
                "rules": {
                    "name": v.rules.name,
                    "version": v.rules.version,
                    "sha256": v.rules.sha256,
                    "valid_from": v.rules.valid_from.isoformat(),
                    "valid_until": None
                    if v.rules.valid_until is None
                    else v.rules.valid_until.isoformat(),
                },
            }
        )
        return out

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)
