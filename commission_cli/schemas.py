"""JSON Schemas of the input (a purchase description) and the output (a decision).

Both are derived from the types the program itself uses, through pydantic, so
they cannot drift from what the tool accepts and prints: the purchase schema
from :class:`Purchase`, the decision schema from :class:`Verdict` with the
purchase (as printed, money as numbers) added.
"""

from __future__ import annotations

from typing import Any

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def purchase_schema() -> dict[str, Any]:
    from .purchase import Purchase

    schema = Purchase.model_json_schema(mode="validation")
    schema["$schema"] = SCHEMA_DIALECT
    schema["description"] = (
        "A proposed purchase, as an officer describes it for `commission route`. Unknown "
        "keys are refused. An optional field left out is 'not stated'."
    )
    return schema


def decision_schema() -> dict[str, Any]:
    from pydantic import TypeAdapter

    from .decision import Verdict
    from .purchase import Purchase

    ref = "#/$defs/{model}"
    verdict = TypeAdapter(Verdict).json_schema(mode="serialization", ref_template=ref)
    purchase = Purchase.model_json_schema(mode="serialization", ref_template=ref)
    defs: dict[str, Any] = {**verdict.pop("$defs", {}), **purchase.pop("$defs", {})}
    purchase["description"] = (
        "The validated purchase, with the derived annual_value, "
        "total_value and years; money as numbers of pounds."
    )
    defs["Purchase"] = purchase
    properties = {"purchase": {"$ref": "#/$defs/Purchase"}, **verdict["properties"]}
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "Decision",
        "description": (
            "What `commission route --format json` prints, and each line of `commission batch "
            "--format jsonl` (which adds the row number as `row`). `method` is null when no "
            "method is eligible (no route)."
        ),
        "type": "object",
        "properties": properties,
        "required": ["purchase", *verdict.get("required", [])],
        "$defs": defs,
    }


SCHEMAS = {"purchase": purchase_schema, "decision": decision_schema}
