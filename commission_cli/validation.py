"""Turning pydantic's validation errors into one plain sentence per problem.

Pydantic's own messages ("Input should be a valid boolean, unable to interpret
input") are written for programmers. Officers and finance staff get the field,
where it is, what was wrong and what would be right.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from .documents import Document, PathKey, dotted
from .errors import Problem


def describe_error(error: Mapping[str, Any], known_fields: Iterable[str] = ()) -> str:
    """A plain sentence for one pydantic error."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        name = str(error["loc"][-1]) if error["loc"] else ""
        close = difflib.get_close_matches(name, list(known_fields), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"is not a known field{hint}"
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        return f"must be one of {expected} (got {_short(value)})"
    if kind in ("bool_parsing", "bool_type"):
        return f"must be true or false (got {_short(value)})"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"must be a whole number (got {_short(value)})"
    if kind in ("greater_than", "greater_than_equal"):
        limit = _number(ctx.get("gt", ctx.get("ge")))
        word = "greater than" if kind == "greater_than" else "at least"
        return f"must be {word} {limit} (got {_short(value)})"
    if kind in ("less_than", "less_than_equal"):
        limit = _number(ctx.get("lt", ctx.get("le")))
        word = "less than" if kind == "less_than" else "at most"
        return f"must be {word} {limit} (got {_short(value)})"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"is longer than {ctx.get('max_length')} characters"
    if kind in ("string_type",):
        return f"must be text (got {_short(value)})"
    if kind in ("dict_type", "model_type", "dataclass_type", "model_attributes_type"):
        return f"must be a mapping of name: value (got {_type_word(value)})"
    if kind in ("list_type", "tuple_type"):
        return f"must be a list (got {_type_word(value)})"
    if kind in ("float_parsing", "float_type", "decimal_parsing", "decimal_type"):
        return f"must be a number (got {_short(value)})"
    if kind in ("date_type", "date_parsing", "date_from_datetime_parsing"):
        return f"must be a date written YYYY-MM-DD (got {_short(value)})"
    if kind == "value_error":
        err = ctx.get("error")
        return str(err) if err is not None else error["msg"]
    if kind == "assertion_error":
        return str(error["msg"]).removeprefix("Assertion failed, ")
    # Our own PydanticCustomErrors carry a message written for people already.
    return str(error["msg"])


def _number(limit: Any) -> str:
    """A limit as a person writes it: 100, not Decimal('100')."""
    text = str(limit)
    match = re.fullmatch(r"Decimal\('(.*)'\)", text)
    return match.group(1) if match else text


def _short(value: Any) -> str:
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return repr(text)
    if isinstance(value, bool) or value is None:
        return str(value).lower() if value is not None else "nothing"
    if isinstance(value, (int, float)):
        return str(value)
    return _type_word(value)


def _type_word(value: Any) -> str:
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


def clean_loc(loc: tuple[Any, ...]) -> PathKey:
    """Drop pydantic's internal steps (union branches, function-before...) from a location."""
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, int) or (
            isinstance(part, str)
            and not (
                part.startswith(("function-", "literal[", "union[", "nullable[", "constrained-"))
                or part
                in (
                    "decimal",
                    "int",
                    "str",
                    "bool",
                    "float",
                    "list[",
                    "date",
                    "tagged-union",
                    "function-after",
                    "function-before",
                )
                or ("[" in part and part.endswith("]"))
            )
        ):
            out.append(part)
    return tuple(out)


def problems_from(
    exc: ValidationError,
    *,
    document: Document | None = None,
    source: str | None = None,
    known_fields: Iterable[str] = (),
    prefix: PathKey = (),
    locate_field: Callable[[str], PathKey] | None = None,
) -> list[Problem]:
    """One :class:`Problem` per pydantic error, placed at its file:line when known."""
    known = list(known_fields)
    problems: list[Problem] = []
    seen: set[str] = set()
    for error in exc.errors(include_url=False):
        loc = clean_loc(tuple(error["loc"]))
        ctx = error.get("ctx") or {}
        if not loc and "field" in ctx:  # a whole-record rule about one field
            loc = (str(ctx["field"]),)
        path = (*prefix, *loc)
        message = describe_error(error, known)
        is_key = error["type"] in ("extra_forbidden", "missing")
        if document is not None:
            problem = document.problem(message, path, key=is_key, field_name=dotted(loc) or None)
            if error["type"] == "missing" and loc:
                # A missing key has no line of its own: point at the mapping that lacks it.
                problem = document.problem(message, path[:-1], field_name=dotted(loc))
        else:
            problem = Problem(message, field=dotted(loc) or None, source=source)
        text = str(problem)
        if text not in seen:  # union branches can repeat the same complaint
            seen.add(text)
            problems.append(problem)
    return problems
