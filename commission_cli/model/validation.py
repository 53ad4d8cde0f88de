"""pydantic's validation errors as one plain sentence each, in the tool's own words.

The words come from the error's *type* (a stable part of pydantic's API), never
from pydantic's message, so they stay the same whatever pydantic's version. The
readers in :mod:`.values` raise errors of their own whose message is already
written for an officer.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from ..safe import quoted

# Our own errors (PydanticCustomError) carry a message written for people already.
_OWN = frozenset({"commission", "blank", "value_missing", "value_too_large", "values_disagree"})


def describe_error(error: Mapping[str, Any], known_fields: Iterable[str] = ()) -> str:
    """A plain sentence for one pydantic error."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind in _OWN:
        return str(error["msg"])
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        name = str(error["loc"][-1]) if error["loc"] else ""
        if not name.strip():
            return f"a key {name!r} with no name is not a field; remove it or name the field"
        close = difflib.get_close_matches(name, list(known_fields), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"is not a known field{hint}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '')} (got {short(value)})"
    if kind in ("bool_parsing", "bool_type"):
        return f"must be true or false (got {short(value)})"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"must be a whole number (got {short(value)})"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        limit = ctx.get("gt", ctx.get("ge", ctx.get("lt", ctx.get("le"))))
        word = {
            "greater_than": "greater than",
            "greater_than_equal": "at least",
            "less_than": "less than",
            "less_than_equal": "at most",
        }[kind]
        return f"must be {word} {_number(limit)} (got {short(value)})"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"is longer than {ctx.get('max_length')} characters"
    if kind == "string_type":
        return f"must be text (got {short(value)})"
    if kind in ("dict_type", "model_type", "dataclass_type", "model_attributes_type"):
        return f"must be a mapping of name: value (got {type_word(value)})"
    if kind in ("list_type", "tuple_type"):
        return f"must be a list (got {type_word(value)})"
    if kind in ("float_parsing", "float_type", "decimal_parsing", "decimal_type"):
        return f"must be a number (got {short(value)})"
    if kind.startswith(("date_", "datetime_")):
        return f"must be a date written YYYY-MM-DD (got {short(value)})"
    if kind == "value_error":
        err = ctx.get("error")
        return str(err) if err is not None else "is not a value this field takes"
    return f"is not a value this field takes (got {short(value)})"


def _number(limit: Any) -> str:
    if isinstance(limit, Decimal):
        return format(limit.normalize(), "f")
    return str(limit)


def short(value: Any) -> str:
    if isinstance(value, str):
        return quoted(value)
    if isinstance(value, bool) or value is None:
        return str(value).lower() if value is not None else "nothing"
    if isinstance(value, (int, float)):
        return str(value)
    return type_word(value)


def type_word(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "nothing"
    return type(value).__name__


def clean_loc(loc: tuple[Any, ...]) -> tuple[str | int, ...]:
    """Drop pydantic's internal steps (union branches, function wrappers) from a location."""
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, int) or (
            isinstance(part, str)
            and not (
                part.startswith(("function-", "literal[", "union[", "nullable[", "constrained-"))
                or part in ("decimal", "int", "str", "bool", "float", "date", "tagged-union")
                or ("[" in part and part.endswith("]"))
            )
        ):
            out.append(part)
    return tuple(out)
