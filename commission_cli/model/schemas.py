"""JSON Schemas of the input (a purchase description) and the output (a decision), for a pack.

Both follow the rule pack: the purchase schema is the pack's own purchase model
(its fields, the answers they allow, no other key); the decision schema
describes exactly what :meth:`~commission_cli.model.decision.Decision.to_dict`
writes for that pack: the pack's results, each typed by its declared kind, the
families, methods and contract types it can name, and the three results that
scripts read at the top level only when the pack declares them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .decision import TOP_LEVEL_RESULTS
from .money import MAX_MONEY

if TYPE_CHECKING:
    from ..rules.compiled import Rules
    from ..rules.schema import ResultDecl

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def purchase_schema(rules: Rules) -> dict[str, Any]:
    """What ``commission route`` accepts as a purchase description under this pack."""
    schema = rules.purchase_model.model_json_schema(mode="validation")
    schema["$schema"] = SCHEMA_DIALECT
    schema["title"] = "Purchase description"
    schema["description"] = (
        f"A proposed purchase, as an officer describes it for `commission route` under "
        f"{rules.name} {rules.version}. Unknown keys are refused. An optional field left "
        "out is 'not stated'."
    )
    return schema


def decision_schema(rules: Rules) -> dict[str, Any]:
    """What ``route --format json`` prints under this pack, and each ``batch`` JSON line."""
    results = {r.id: _nullable(_result(r)) for r in rules.results}
    properties: dict[str, Any] = {
        "purchase": _echo(rules),
        "amounts": _object(
            {
                basis: {"type": "number", "exclusiveMinimum": 0, "maximum": int(MAX_MONEY)}
                for basis in ("per_annum", "whole_life")
            },
            description="The value each kind of band was tested on: in any one year, and "
            "over the whole life.",
        ),
        "family": {"enum": [family.id for family, _ in rules.families]},
        "method": _nullable(
            _object({"id": {"enum": [m.id for m in rules.methods]}, "name": {"type": "string"}})
        ),
        "results": _object(results, description="The chosen method's results, by id."),
    }
    properties.update({key: results[key] for key in TOP_LEVEL_RESULTS if key in results})
    properties.update(
        {
            "exception": _nullable(_object({"id": {"type": "string"}, "text": {"type": "string"}})),
            "contract_types": _list(
                _object(
                    {
                        "id": {"enum": [ct.id for ct, _ in rules.contract_types]},
                        "name": {"type": "string"},
                        "definition": {"type": "string"},
                    }
                )
            ),
            "candidates": _list(
                _object(
                    {
                        "id": {"enum": [m.id for m in rules.methods]},
                        "name": {"type": "string"},
                        "eligible": {"type": "boolean"},
                        "score": {"type": "number", "minimum": 0, "maximum": 1},
                        "matched": _list({"type": "string"}),
                        "unmatched": _list({"type": "string"}),
                        "reason": {"type": "string"},
                    }
                )
            ),
            "steps": _list({"type": "string"}),
            "obligations": _list(
                _object({"text": {"type": "string"}, "source": {"type": "string"}})
            ),
            "warnings": _list({"type": "string"}),
            "reasons": _list({"type": "string"}),
            "rules": _object(
                {
                    "name": {"type": "string"},
                    "version": {"type": "string"},
                    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    "valid_from": {"type": "string", "format": "date"},
                    "valid_until": _nullable({"type": "string", "format": "date"}),
                },
                description="The pack the decision was made with, and the dates it holds "
                "between; its sha256 lets the decision be reproduced.",
            ),
        }
    )
    schema = _object(properties)
    # A batch's JSON Lines put the row number first; nothing else is ever added.
    schema["properties"] = {"row": {"type": "integer", "minimum": 1}, **properties}
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "Decision",
        "description": (
            f"What `commission route --format json` prints under {rules.name} "
            f"{rules.version}, and each line of `commission batch --format jsonl` (which "
            "adds the row number as `row`). `method` is null when no method is eligible "
            "(no route)."
        ),
        **schema,
    }


def _echo(rules: Rules) -> dict[str, Any]:
    """The purchase as a decision shows it: every field, the amounts worked out."""
    schema = rules.purchase_model.model_json_schema(mode="serialization")
    schema.pop("title", None)
    schema["description"] = (
        "The validated purchase, with the derived annual_value, total_value and years; "
        "money as numbers of pounds."
    )
    schema["required"] = list(schema["properties"])
    # An annual value worked out from a total over less than a year is the rate a
    # year, which may pass the limit on what is given (£1,000,000 for a month is
    # £12,000,000 a year): the limit holds for what was stated, not for the rate.
    schema["properties"]["annual_value"].pop("maximum", None)
    return schema


def _result(decl: ResultDecl) -> dict[str, Any]:
    description = {"description": decl.description} if decl.description else {}
    if decl.kind == "yes_no":
        return {"type": "boolean", **description}
    if decl.kind == "list":
        return {"type": "array", "items": {"type": "string"}, **description}
    if decl.kind == "number":
        span = _object({"min": {"type": "number"}, "max": {"type": "number"}})
        return {"anyOf": [{"type": "number"}, span], **description}
    return {"type": "string", **description}


def _object(properties: dict[str, Any], *, description: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    if description:
        out["description"] = description
    return out


def _list(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


SCHEMAS = {"purchase": purchase_schema, "decision": decision_schema}
