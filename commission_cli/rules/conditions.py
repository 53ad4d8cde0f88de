"""The small test language a rule pack uses for families, indicators, exceptions and the like.

A condition is a YAML mapping, read like a row of a decision table::

    {outcomes: certain}                       # equals
    {service: [statutory, required]}          # one of
    {partners: {at_least: 2}}                 # numbers, lengths, dates: at_least / at_most
    {core_costs: true, strategic_organisation: true}   # several keys: all must hold
    {any: [{core_costs: true}, {outcomes: less_certain}]}
    {family: purchasing, provider: third_sector}       # family/method: the route so far

A value in a condition is read by the same reader as the field's value in a
purchase (``true``, ``yes`` and ``Yes`` alike for a yes/no field), so a pack
and a purchase can never disagree about what a word means. A field that was
not stated never satisfies a test: "an optional field left out matches no
indicator". Conditions compile to plain tuples.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from ..io.documents import PathKey
from ..model.fields import FieldDecl
from ..model.purchase import reader_for

# Compiled forms: ("all", (c, ...)), ("any", (c, ...)), ("eq", field, value),
# ("in", field, values), ("ge", field, limit), ("le", field, limit)
Compiled = tuple[Any, ...]
PSEUDO_FIELDS = ("family", "method")
_LIMIT_TESTS = {"at_least": "ge", "at_most": "le"}
_ORDERED = ("number", "length", "date")


class ConditionError(Exception):
    def __init__(self, message: str, path: PathKey) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


def compile_condition(
    raw: Any,
    path: PathKey,
    *,
    fields: Mapping[str, FieldDecl],
    known: Mapping[str, set[str]],
    allow: tuple[str, ...] = (),
    errors: list[ConditionError],
) -> Compiled:
    """Check and compile one condition; problems are appended to ``errors``.

    ``fields`` are the purchase fields of the pack; ``known`` holds the ids of its
    families and methods; ``allow`` says which of ``family`` and ``method`` may be
    tested here (the method is not known while methods are being assessed).
    """
    if not isinstance(raw, Mapping) or not raw:
        errors.append(
            ConditionError(
                "a condition must be a mapping of fields to the values tested, such as "
                "{field: value}",
                path,
            )
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
                    item, (*here, i), fields=fields, known=known, allow=allow, errors=errors
                )
                for i, item in enumerate(expected)
            )
            parts.append((key, subs))
        elif key in PSEUDO_FIELDS:
            parts.append(_compile_route(key, expected, here, known, allow, errors))
        else:
            parts.append(_compile_field(key, expected, here, fields, errors))
    return parts[0] if len(parts) == 1 else ("all", tuple(parts))


def _compile_route(
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
                f"{where} is not known yet where this condition is tested; "
                f"'{key}' cannot be used here",
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
    fields: Mapping[str, FieldDecl],
    errors: list[ConditionError],
) -> Compiled:
    decl = fields.get(key)
    if decl is None:
        close = difflib.get_close_matches(key, [*fields, *PSEUDO_FIELDS], n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        errors.append(ConditionError(f"no purchase field called {key!r}{hint}", here))
        return ("eq", key, None)
    if decl.kind in ("money", "text"):
        errors.append(
            ConditionError(
                f"{key!r} cannot be tested in a condition; value limits belong in a method's band",
                here,
            )
        )
        return ("eq", key, None)
    read = reader_for(decl)
    if isinstance(expected, Mapping):
        if decl.kind not in _ORDERED:
            errors.append(
                ConditionError(
                    f"at_least/at_most only apply to numbers, lengths and dates, and {key} "
                    f"is a {decl.kind}",
                    here,
                )
            )
            return ("eq", key, None)
        tests: list[Compiled] = []
        for word, value in expected.items():
            if word not in _LIMIT_TESTS:
                errors.append(
                    ConditionError(f"unknown test {word!r}; use at_least or at_most", (*here, word))
                )
                continue
            limit = _read(read, value, key, (*here, word), errors)
            if limit is not None:
                tests.append((_LIMIT_TESTS[word], key, limit))
        return tests[0] if len(tests) == 1 else ("all", tuple(tests))
    raw_values = expected if isinstance(expected, list) else [expected]
    values = [v for v in (_read(read, raw, key, here, errors) for raw in raw_values)]
    if len(values) == 1:
        return ("eq", key, values[0])
    return ("in", key, tuple(values))


def _read(read: Any, raw: Any, key: str, here: PathKey, errors: list[ConditionError]) -> Any:
    """A condition's value, read as the field reads a purchase's."""
    try:
        value = read(raw)
    except ValueError as exc:
        errors.append(ConditionError(f"{key} {exc}", here))
        return None
    if value is None:
        errors.append(ConditionError(f"{key}: a condition needs a value to test", here))
    return value


def holds(cond: Compiled, facts: Mapping[str, Any]) -> bool:
    """Does the condition hold for these facts? A fact that is None (not stated) never matches."""
    op = cond[0]
    if op == "all":
        return all(holds(c, facts) for c in cond[1])
    if op == "any":
        return any(holds(c, facts) for c in cond[1])
    value = facts.get(cond[1])
    if value is None:
        return False
    if op == "eq":
        return bool(value == cond[2])
    if op == "in":
        return value in cond[2]
    return bool(value >= cond[2]) if op == "ge" else bool(value <= cond[2])


def fields_of(cond: Compiled) -> set[str]:
    """The facts a condition reads."""
    if cond[0] in ("all", "any"):
        out: set[str] = set()
        for c in cond[1]:
            out |= fields_of(c)
        return out
    return {cond[1]}


def atoms(cond: Compiled) -> list[Compiled]:
    """The elementary tests of a condition (eq, in, ge, le)."""
    if cond[0] in ("all", "any"):
        return [a for c in cond[1] for a in atoms(c)]
    return [cond]
