"""The small test language a rule pack uses for indicators, exceptions and the like.

A condition is a YAML mapping, read like a row of a decision table::

    {outcomes: certain}                       # equals
    {service: [statutory, required]}          # one of
    {partners: {at_least: 2}}                 # numbers: at_least / at_most
    {core_costs: true, strategic_organisation: true}   # several keys: all must hold
    {any: [{core_costs: true}, {outcomes: less_certain}]}
    {family: purchasing, provider: third_sector}       # family/method: the route so far

A purchase field that was not stated never satisfies a test: "an optional field
left out matches no indicator". Conditions compile to plain tuples so that a
compiled pack can be cached and evaluated without any parsing.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from .documents import PathKey

# Compiled forms: ("all", (c, ...)), ("any", (c, ...)), ("eq", field, value),
# ("in", field, values), ("ge", field, number), ("le", field, number)
Compiled = tuple[Any, ...]
PSEUDO_FIELDS = ("family", "method")
_NUMBER_TESTS = {"at_least": "ge", "at_most": "le"}


class ConditionError(Exception):
    def __init__(self, message: str, path: PathKey) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


def compile_condition(
    raw: Any,
    path: PathKey,
    *,
    kind_of: Callable[[str], tuple[str, tuple[str, ...]] | None],
    known: Mapping[str, set[str]],
    allow: tuple[str, ...] = (),
    errors: list[ConditionError],
) -> Compiled:
    """Check and compile one condition; problems are appended to ``errors``.

    ``kind_of(field)`` gives a purchase field's kind and allowed values (None if
    no such field); ``known`` holds the ids of families and methods; ``allow``
    says which of ``family`` and ``method`` may be tested here.
    """
    if not isinstance(raw, Mapping) or not raw:
        errors.append(
            ConditionError("a condition must be a mapping such as {outcomes: certain}", path)
        )
        return ("all", ())
    parts: list[Compiled] = []
    for key, expected in raw.items():
        here = (*path, key)
        if key in ("all", "any"):
            if not isinstance(expected, list) or not expected:
                errors.append(ConditionError(f"'{key}' takes a list of conditions", here))
                continue
            subs = tuple(
                compile_condition(
                    item, (*here, i), kind_of=kind_of, known=known, allow=allow, errors=errors
                )
                for i, item in enumerate(expected)
            )
            parts.append((key, subs))
        elif key in PSEUDO_FIELDS:
            parts.append(_compile_pseudo(key, expected, here, known, allow, errors))
        else:
            parts.append(_compile_field(key, expected, here, kind_of, errors))
    return parts[0] if len(parts) == 1 else ("all", tuple(parts))


def _compile_pseudo(
    key: str,
    expected: Any,
    here: PathKey,
    known: Mapping[str, set[str]],
    allow: tuple[str, ...],
    errors: list[ConditionError],
) -> Compiled:
    if key not in allow:
        where = "the chosen method" if key == "method" else "the family"
        errors.append(
            ConditionError(
                f"{where} is not known yet where this condition is "
                f"tested; '{key}' cannot be used here",
                here,
            )
        )
    values = expected if isinstance(expected, list) else [expected]
    for value in values:
        if not isinstance(value, str) or value not in known.get(key, set()):
            choices = ", ".join(sorted(known.get(key, set())))
            errors.append(ConditionError(f"no {key} with id {value!r} (known: {choices})", here))
    return ("in", key, tuple(values)) if len(values) != 1 else ("eq", key, values[0])


def _compile_field(
    key: str,
    expected: Any,
    here: PathKey,
    kind_of: Callable[[str], tuple[str, tuple[str, ...]] | None],
    errors: list[ConditionError],
) -> Compiled:
    info = kind_of(key)
    if info is None:
        errors.append(
            ConditionError(f"no purchase field called {key!r}{_suggest(key, kind_of)}", here)
        )
        return ("eq", key, None)
    kind, allowed = info
    if kind in ("money", "text"):
        errors.append(
            ConditionError(
                f"{key!r} cannot be tested in a condition; value limits belong in a method's band",
                here,
            )
        )
        return ("eq", key, None)
    if isinstance(expected, Mapping):
        if kind not in ("number", "integer"):
            errors.append(
                ConditionError(
                    f"at_least/at_most only apply to numbers, and {key} is a {kind}", here
                )
            )
            return ("eq", key, None)
        tests: list[Compiled] = []
        for word, value in expected.items():
            if word not in _NUMBER_TESTS:
                errors.append(
                    ConditionError(f"unknown test {word!r}; use at_least or at_most", (*here, word))
                )
            elif isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
                errors.append(ConditionError(f"{word} needs a number", (*here, word)))
            else:
                tests.append((_NUMBER_TESTS[word], key, Decimal(str(value))))
        return tests[0] if len(tests) == 1 else ("all", tuple(tests))
    values = expected if isinstance(expected, list) else [expected]
    for value in values:
        problem = _check_value(key, kind, allowed, value)
        if problem:
            errors.append(ConditionError(problem, here))
    if kind in ("number", "integer"):
        values = [
            Decimal(str(v)) if not isinstance(v, bool) and isinstance(v, (int, float)) else v
            for v in values
        ]
    return ("in", key, tuple(values)) if len(values) != 1 else ("eq", key, values[0])


def _check_value(key: str, kind: str, allowed: tuple[str, ...], value: Any) -> str | None:
    if kind == "choice":
        if value not in allowed:
            return f"{key} is never {value!r}; it is one of {', '.join(allowed)}"
    elif kind == "flag":
        if not isinstance(value, bool):
            return f"{key} is true or false, never {value!r}"
    elif kind in ("number", "integer") and (
        isinstance(value, bool) or not isinstance(value, (int, float, Decimal))
    ):
        return f"{key} is a number, never {value!r}"
    return None


def _suggest(key: str, kind_of: Callable[[str], Any]) -> str:
    from .vocabulary import field_names

    close = difflib.get_close_matches(key, [*field_names(), *PSEUDO_FIELDS], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def holds(cond: Compiled, facts: Mapping[str, Any]) -> bool:
    """Does the condition hold for these facts? A fact that is None (not stated) never matches."""
    op = cond[0]
    if op == "eq":
        value = facts.get(cond[1])
        return value is not None and value == cond[2]
    if op == "in":
        value = facts.get(cond[1])
        return value is not None and value in cond[2]
    if op == "all":
        return all(holds(c, facts) for c in cond[1])
    if op == "any":
        return any(holds(c, facts) for c in cond[1])
    value = facts.get(cond[1])
    if value is None:
        return False
    return bool(value >= cond[2]) if op == "ge" else bool(value <= cond[2])


def fields_of(cond: Compiled) -> set[str]:
    """The facts a condition reads."""
    if cond[0] in ("all", "any"):
        out: set[str] = set()
        for c in cond[1]:
            out |= fields_of(c)
        return out
    return {cond[1]}


def describe(cond: Compiled) -> str:
    """A condition in words: "service is statutory or required and eu_exempt is true"."""
    op = cond[0]
    if op in ("all", "any"):
        joiner = " and " if op == "all" else " or "
        parts = [describe(c) if c[0] not in ("all", "any") else f"({describe(c)})" for c in cond[1]]
        return joiner.join(parts)
    name = cond[1]
    if op == "eq":
        return f"{name} is {_word(cond[2])}"
    if op == "in":
        return f"{name} is " + " or ".join(_word(v) for v in cond[2])
    return f"{name} is {'at least' if op == 'ge' else 'at most'} {_word(cond[2])}"


def _word(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
