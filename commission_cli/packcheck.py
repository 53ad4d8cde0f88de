"""Checking and compiling a rule pack: every problem at once, then the engine's form.

The checks run in stages: the YAML, the schema (pydantic), then the meaning
(references, bands, conditions, rules that can never apply). Only a pack that is
not in the cache comes here (see :func:`rules.load_rules`), so a plain
``commission route`` never loads this module.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .conditions import Compiled, ConditionError, compile_condition, fields_of
from .documents import PACK_LIMITS, Document, PathKey, decode_text, dotted, parse
from .errors import InputError, Problem, RulePackError
from .packschema import (
    Choice,
    Conflict,
    ContractType,
    DocumentInfo,
    Family,
    Method,
    Obligation,
    PackInfo,
    RulePack,
    SourceRef,
    StepList,
    Warnings,
)
from .rules import CompiledMethod, Rules, amount_in_place

if TYPE_CHECKING:
    from pydantic import ValidationError


def compile_pack(data: bytes, name: str, digest: str | None = None) -> Rules:
    """Validate and compile the bytes of a pack; every problem is reported at once.

    The checks run in stages: the YAML, the schema, then the meaning (references,
    bands, conditions, rules that can never apply). A stage that finds problems
    does not silence the later ones where they can still say something true: a
    repeated key keeps its first value, and the items of a section that fail the
    schema are set aside while the rest of the pack is checked for meaning. So a
    person editing a pack sees everything wrong with it in one run.
    """
    try:
        text = decode_text(data, name)
    except InputError as exc:
        raise RulePackError(exc.problems) from None
    digest = digest or hashlib.sha256(data).hexdigest()
    document, problems = _parse_pack(text, name)
    if document is None:
        raise RulePackError(problems)
    try:
        pack = validate_pack(document)
    except RulePackError as exc:
        problems += exc.problems
        salvaged = _salvage(document)
        if salvaged is not None:
            problems += _meaning_problems(
                salvaged.pack, salvaged.document, digest, name, salvaged.aside
            )
        raise RulePackError(_in_order(problems)) from None
    if problems:  # repeated keys: the first values were checked for meaning too
        problems += _meaning_problems(pack, document, digest, name, None)
        raise RulePackError(_in_order(problems))
    return _compile(pack, document, digest, name)


def validate_pack(document: Document) -> RulePack:
    """The schema check: right shape, right types, no unknown keys."""
    from pydantic import TypeAdapter, ValidationError

    try:
        pack: RulePack = TypeAdapter(RulePack).validate_python(document.data)
    except ValidationError as exc:
        raise RulePackError(_schema_problems(exc, document, RulePack)) from None
    return pack


# -- reporting every problem at once -----------------------------------------------------


def _in_order(problems: list[Problem]) -> list[Problem]:
    """Problems in the order of the file, each once."""
    seen: set[str] = set()
    unique = []
    for p in problems:
        if str(p) not in seen:
            seen.add(str(p))
            unique.append(p)
    return sorted(unique, key=lambda p: (p.line or 0, p.column or 0))


def _parse_pack(text: str, name: str) -> tuple[Document | None, list[Problem]]:
    """The pack's document, and the problems of its YAML.

    When the only problems are repeated keys, the document is still given (each key
    keeps its first value) so the rest of the pack can be checked; any other YAML
    problem means there is no document to check.
    """
    try:
        return parse(text, name, limits=PACK_LIMITS), []
    except InputError as exc:
        problems = list(exc.problems)
    if not all(p.message.startswith("duplicate key") for p in problems):
        return None, problems
    from .yaml_positions import read_yaml

    document, _ = read_yaml(text, name, limits=PACK_LIMITS)  # each key keeps its first value
    return document, problems


_UNKNOWN_KEY = ("unexpected_keyword_argument", "extra_forbidden")


def _schema_problems(exc: ValidationError, document: Document, root: type) -> list[Problem]:
    """One plain sentence per schema error, at its file:line:column.

    Like ``validation.problems_from``, with one thing more for packs: an unknown
    key names the keys allowed at that place, and the closest one.
    """
    from .validation import clean_loc, describe_error

    problems: list[Problem] = []
    for error in exc.errors(include_url=False):
        loc = clean_loc(tuple(error["loc"]))
        field_name = dotted(loc) or None
        if error["type"] in _UNKNOWN_KEY and loc:
            message = _unknown_key_message(str(loc[-1]), _allowed_keys(root, loc[:-1]))
            problems.append(document.problem(message, loc, key=True, field_name=field_name))
        elif error["type"] == "missing" and loc:
            # A missing key has no line of its own: point at the mapping that lacks it.
            message = describe_error(error)
            problems.append(document.problem(message, loc[:-1], field_name=field_name))
        else:
            problems.append(document.problem(describe_error(error), loc, field_name=field_name))
    return _in_order(problems)


def _unknown_key_message(key: str, allowed: list[str]) -> str:
    import difflib

    if not allowed:
        return "is not a known field"
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"is not a known field here{hint} (allowed here: {', '.join(allowed)})"


def _allowed_keys(root: type, path: PathKey) -> list[str]:
    """The keys the schema allows in the mapping at ``path`` (empty if it cannot tell)."""
    import typing

    current: Any = root
    for part in path:
        current = _unwrap(current)
        if isinstance(part, int):
            args = typing.get_args(current)
            if typing.get_origin(current) is not list or not args:
                return []
            current = args[0]
        elif is_dataclass(current):
            hints = typing.get_type_hints(current)
            if part not in hints:
                return []
            current = hints[part]
        else:
            return []
    current = _unwrap(current)
    return [f.name for f in fields(current)] if is_dataclass(current) else []


def _unwrap(hint: Any) -> Any:
    """``X | None`` -> ``X``."""
    import types
    import typing

    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return options[0] if len(options) == 1 else hint
    return hint


@dataclass(eq=False, repr=False)
class _SetAside:
    """What the schema check set aside, so the meaning check neither misses nor invents:
    the ids of items that failed the schema still count as defined."""

    ids: dict[str, set[str]]  # section -> ids of its items set aside
    sections: set[str]  # sections that lost an item
    method_families: set[str]  # families named by methods set aside


@dataclass(eq=False, repr=False)
class _Salvage:
    """What the meaning check can still read of a pack that fails the schema."""

    pack: RulePack  # the items that pass the schema
    document: Document  # positions in the file for the items kept
    aside: _SetAside


@dataclass(eq=False, repr=False)
class _SalvagedDocument(Document):
    """Positions for a pack whose broken items were set aside: item ``i`` of a section in
    the checked pack is item ``index[section][i]`` of the file."""

    index: dict[str, list[int]] = field(default_factory=dict)

    def problem(
        self, message: str, path: PathKey = (), *, key: bool = False, field_name: str | None = None
    ) -> Problem:
        if len(path) >= 2 and isinstance(path[0], str) and isinstance(path[1], int):
            rows = self.index.get(path[0])
            if rows is not None and path[1] < len(rows):
                path = (path[0], rows[path[1]], *path[2:])
        return super().problem(message, path, key=key, field_name=field_name)


_LIST_SECTIONS: tuple[tuple[str, type], ...] = (
    ("documents", DocumentInfo),
    ("families", Family),
    ("methods", Method),
    ("contract_types", ContractType),
    ("conflicts", Conflict),
    ("step_lists", StepList),
    ("obligations", Obligation),
)


_REQUIRED_SECTIONS = ("documents", "families", "methods")


def _salvage(document: Document) -> _Salvage | None:
    """The items of the pack that pass the schema, as a pack, for the meaning check.

    Unknown keys (a misspelt key, mostly) are left out first, since nothing reads
    them; an item that still fails the schema is set aside.
    """
    from pydantic import TypeAdapter, ValidationError

    raw = _without_unknown_keys(document.data, RulePack)
    if not isinstance(raw, dict):
        return None
    everything = _SetAside(ids={}, sections=set(), method_families=set())
    try:
        whole = TypeAdapter(RulePack).validate_python(raw)
        return _Salvage(whole, document, everything)  # only unknown keys were wrong
    except ValidationError:
        pass
    kept: dict[str, list[Any]] = {}
    index: dict[str, list[int]] = {}
    aside = _SetAside(ids={}, sections=set(), method_families=set())
    for section, item_type in _LIST_SECTIONS:
        adapter: Any = TypeAdapter(item_type)
        items = raw.get(section, None if section in _REQUIRED_SECTIONS else [])
        if not isinstance(items, list):
            # Without the list, the ids it defines are unknown: checking references to
            # them would only report problems that are not there.
            return None
        kept[section], index[section] = [], []
        for i, item in enumerate(items):
            try:
                kept[section].append(adapter.validate_python(item))
                index[section].append(i)
            except ValidationError:
                aside.sections.add(section)
                if isinstance(item, dict):
                    if isinstance(item.get("id"), str):
                        aside.ids.setdefault(section, set()).add(item["id"])
                    if section == "methods" and isinstance(item.get("family"), str):
                        aside.method_families.add(item["family"])
    try:
        warnings = TypeAdapter(Warnings).validate_python(raw.get("warnings", {}))
    except ValidationError:
        warnings = Warnings()
    pack = RulePack(
        pack=PackInfo("?", "?", "?", date.min, "?", "GBP"),  # not read by the meaning check
        documents=kept["documents"],
        families=kept["families"],
        methods=kept["methods"],
        choice=Choice("highest_score_then_listed_order"),
        contract_types=kept["contract_types"],
        conflicts=kept["conflicts"],
        step_lists=kept["step_lists"],
        obligations=kept["obligations"],
        warnings=warnings,
    )
    positions = _SalvagedDocument(
        document.data, document.source, document.values, document.keys, index
    )
    return _Salvage(pack, positions, aside)


def _without_unknown_keys(data: Any, root: type) -> Any:
    """A copy of the data without the keys the schema does not know (positions unchanged:
    every key left keeps its path)."""
    from pydantic import TypeAdapter, ValidationError

    try:
        TypeAdapter(root).validate_python(data)
        return data
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    from copy import deepcopy

    from .validation import clean_loc

    out = deepcopy(data)
    for error in errors:
        loc = clean_loc(tuple(error["loc"]))
        if error["type"] in _UNKNOWN_KEY and loc:
            parent: Any = out
            for part in loc[:-1]:
                try:
                    parent = parent[part]
                except (KeyError, IndexError, TypeError):
                    parent = None
                    break
            if isinstance(parent, dict):
                parent.pop(loc[-1], None)
    return out


def _meaning_problems(
    pack: RulePack, document: Document, digest: str, name: str, aside: _SetAside | None
) -> list[Problem]:
    try:
        _compile(pack, document, digest, name, aside=aside)
    except RulePackError as exc:
        return exc.problems
    return []


def _compile(
    pack: RulePack, doc: Document, digest: str, name: str, *, aside: _SetAside | None = None
) -> Rules:
    """Check the pack's meaning and compile it. ``aside``: what the schema check set
    aside (only when the pack is being checked for problems, never compiled for use)."""
    from .vocabulary import field_kind, field_names

    names = set(field_names())

    def kind_of(f: str) -> tuple[str, tuple[str, ...]] | None:
        return field_kind(f) if f in names else None

    problems: list[Problem] = []
    cond_errors: list[ConditionError] = []

    def problem(message: str, path: PathKey, *, key: bool = False) -> None:
        problems.append(doc.problem(message, path, key=key))

    _check_unique(pack, problem)
    also = aside.ids if aside is not None else {}
    family_ids = {f.id for f in pack.families} | also.get("families", set())
    method_ids = {m.id for m in pack.methods} | also.get("methods", set())
    known = {"family": family_ids, "method": method_ids}

    def cond(raw: Any, path: PathKey, allow: tuple[str, ...]) -> Compiled:
        return compile_condition(
            raw, path, kind_of=kind_of, known=known, allow=allow, errors=cond_errors
        )

    # With a family set aside, which family is last is not known: skip the order checks.
    check_order = aside is None or "families" not in aside.sections
    families: list[tuple[Family, Compiled | None]] = []
    for i, fam in enumerate(pack.families):
        path = ("families", i)
        if check_order and fam.when is None and i != len(pack.families) - 1:
            problem(
                f"family {fam.id!r} has no 'when', so the families after it can never "
                "apply; only the last family may leave 'when' out",
                path,
            )
        if check_order and fam.when is not None and i == len(pack.families) - 1:
            problem(
                f"the last family ({fam.id!r}) must leave 'when' out, so that every "
                "purchase has a family",
                (*path, "when"),
                key=True,
            )
        families.append((fam, None if fam.when is None else cond(fam.when, (*path, "when"), ())))

    step_ids = {s.id for s in pack.step_lists} | also.get("step_lists", set())
    methods: list[CompiledMethod] = []
    band_ok: list[bool] = []
    for i, m in enumerate(pack.methods):
        path = ("methods", i)
        if m.family not in family_ids:
            problem(
                f"no family with id {m.family!r} (known: {', '.join(sorted(family_ids))})",
                (*path, "family"),
            )
        if m.steps is not None and m.steps not in step_ids:
            problem(
                f"no step list with id {m.steps!r} "
                f"(known: {', '.join(sorted(step_ids)) or 'none'})",
                (*path, "steps"),
            )
        before = len(problems)
        _check_band(m, path, problem)
        band_ok.append(len(problems) == before)
        methods.append(
            CompiledMethod(
                spec=m,
                index=i,
                requires=None
                if m.requires is None
                else cond(m.requires.when, (*path, "requires", "when"), ("family",)),
                indicators=tuple(
                    cond(ind.when, (*path, "indicators", j, "when"), ("family",))
                    for j, ind in enumerate(m.indicators)
                ),
                exceptions=tuple(
                    cond(exc.when, (*path, "exceptions", j, "when"), ("family",))
                    for j, exc in enumerate(m.exceptions)
                ),
            )
        )
    named_aside = aside.method_families if aside is not None else set()
    for fam in pack.families:
        if fam.id not in named_aside and not any(m.family == fam.id for m in pack.methods):
            problem(
                f"family {fam.id!r} has no methods, so it could never give a route",
                ("families", pack.families.index(fam)),
            )

    ct_ids = {c.id for c in pack.contract_types} | also.get("contract_types", set())
    contract_types = [
        (c, cond(c.when, ("contract_types", i, "when"), ("family", "method")))
        for i, c in enumerate(pack.contract_types)
    ]
    for i, conflict in enumerate(pack.conflicts):
        if len(conflict.between) != 2:
            problem("a conflict is between exactly two contract types", ("conflicts", i, "between"))
        for j, cid in enumerate(conflict.between):
            if cid not in ct_ids:
                problem(f"no contract type with id {cid!r}", ("conflicts", i, "between", j))
    obligations = [
        (
            o,
            None
            if o.when is None
            else cond(o.when, ("obligations", i, "when"), ("family", "method")),
        )
        for i, o in enumerate(pack.obligations)
    ]
    for i, ns in enumerate(pack.warnings.not_stated):
        if ns.field not in names:
            problem(
                f"no purchase field called {ns.field!r}", ("warnings", "not_stated", i, "field")
            )
    not_stated = [
        (
            ns,
            None
            if ns.when is None
            else cond(ns.when, ("warnings", "not_stated", i, "when"), ("family", "method")),
        )
        for i, ns in enumerate(pack.warnings.not_stated)
    ]
    near = pack.warnings.near_threshold
    if near is not None and not Decimal(0) < near.margin < Decimal(1):
        problem(
            "the margin is a share between 0 and 1, such as 0.10 for 10%",
            ("warnings", "near_threshold", "margin"),
        )
    _check_sources(pack, problem, also.get("documents", set()))

    for err in cond_errors:
        problems.append(doc.problem(err.message, err.path))
    if not cond_errors and check_order:
        # Only once every condition compiled: a condition with an error never holds,
        # and would make a sound method look as if it could never be chosen.
        _check_reachable(
            families, [cm for cm, ok in zip(methods, band_ok, strict=True) if ok], problem
        )
    if problems:
        problems.sort(key=lambda p: (p.line or 0, p.column or 0))
        raise RulePackError(problems)

    condition_fields: set[str] = set()
    all_conds = [c for _, c in families if c is not None]
    for cm in methods:
        all_conds += [*cm.indicators, *cm.exceptions]
        if cm.requires is not None:
            all_conds.append(cm.requires)
    all_conds += [c for _, c in contract_types] + [c for _, c in obligations if c is not None]
    all_conds += [c for _, c in not_stated if c is not None]
    for c in all_conds:
        condition_fields |= fields_of(c)
    condition_fields -= {"family", "method"}

    def read_by(conds: list[Compiled | None]) -> tuple[str, ...]:
        out: set[str] = set()
        for c in conds:
            if c is not None:
                out |= fields_of(c)
        return tuple(sorted(out - {"family", "method"}))

    for cm in methods:
        cm.fields = read_by([cm.requires, *cm.indicators, *cm.exceptions])

    return Rules(
        pack=pack,
        sha256=digest,
        path=name,
        families=tuple(families),
        methods=tuple(methods),
        contract_types=tuple(contract_types),
        obligations=tuple(obligations),
        step_lists={s.id: s for s in pack.step_lists},
        documents={d.id: d for d in pack.documents},
        condition_fields=tuple(sorted(condition_fields)),
        # The fields whose values can change a verdict. The amounts are not among them
        # (where they fall among cut_points is what counts), and nor is the length unless
        # a condition tests it: whether it was stated is kept apart (see decision_key).
        watched_fields=tuple(
            sorted(
                (condition_fields | {n.field for n in pack.warnings.not_stated})
                - {"title", "annual_value", "total_value"}
                - ({"years"} - condition_fields)
            )
        ),
        cut_points=_cut_points(pack),
        window_places=_window_places(pack, _cut_points(pack)),
        family_fields=read_by([c for _, c in families]),
        contract_fields=read_by([c for _, c in contract_types]),
        obligation_fields=read_by([c for _, c in obligations]),
        not_stated=tuple(not_stated),
        not_stated_fields=read_by([c for _, c in not_stated]),
        by_family={
            fam.id: tuple(cm for cm in methods if cm.spec.family == fam.id) for fam, _ in families
        },
        gate_fields={
            fam.id: read_by(
                [
                    c
                    for cm in methods
                    if cm.spec.family == fam.id
                    for c in (cm.requires, *cm.exceptions)
                ]
            )
            for fam, _ in families
        },
    )


def _cut_points(pack: RulePack) -> tuple[Decimal, ...]:
    margin = pack.warnings.near_threshold.margin if pack.warnings.near_threshold else None
    points: set[Decimal] = set()
    for m in pack.methods:
        for r in m.band.ranges:
            for bound in (r.lower, r.upper):
                if bound is not None:
                    points.add(bound.amount)
                    if margin is not None:
                        points.add(bound.amount * (1 - margin))
    return tuple(sorted(points))


def _window_places(
    pack: RulePack, cuts: tuple[Decimal, ...]
) -> dict[str, frozenset[tuple[int, int]]]:
    near = pack.warnings.near_threshold
    out: dict[str, set[tuple[int, int]]] = {"per_annum": set(), "whole_life": set()}
    if near is None:
        return {k: frozenset(v) for k, v in out.items()}
    # Every window's edges are cut points, so one value per place decides for all of it;
    # a place is named here by (bisect_left, bisect_right), which sum to amount_in_place's.
    places = [((p // 2, (p + 1) // 2), amount_in_place(cuts, p)) for p in range(2 * len(cuts) + 1)]
    for m in pack.methods:
        for r in m.band.ranges:
            for bound in (r.lower, r.upper):
                if bound is None:
                    continue
                low = bound.amount * (1 - near.margin)
                for place, value in places:
                    if low <= value <= bound.amount:
                        out[r.basis].add(place)
    return {k: frozenset(v) for k, v in out.items()}


def _check_unique(pack: RulePack, problem: Any) -> None:
    for section in (
        "documents",
        "families",
        "methods",
        "contract_types",
        "step_lists",
        "obligations",
    ):
        seen: dict[str, int] = {}
        for i, item in enumerate(getattr(pack, section)):
            if item.id in seen:
                problem(
                    f"the id {item.id!r} is used twice in {section} "
                    f"(also item {seen[item.id] + 1})",
                    (section, i, "id"),
                )
            seen.setdefault(item.id, i)
    for i, m in enumerate(pack.methods):
        ids = [e.id for e in m.exceptions]
        for j, e in enumerate(m.exceptions):
            if ids.index(e.id) != j:
                problem(
                    f"the exception id {e.id!r} is used twice in this method",
                    ("methods", i, "exceptions", j, "id"),
                )


def _check_band(m: Method, path: PathKey, problem: Any) -> None:
    if not m.band.ranges:
        problem(
            "a band needs at least one range (a range with no bounds means no limit)",
            (*path, "band", "ranges"),
        )
    for j, r in enumerate(m.band.ranges):
        rpath = (*path, "band", "ranges", j)
        for side in ("lower", "upper"):
            bound = getattr(r, side)
            if bound is not None and bound.amount < 0:
                problem("an amount cannot be negative", (*rpath, side, "amount"))
        if r.lower is not None and r.upper is not None:
            lo, hi = r.lower.amount, r.upper.amount
            if lo > hi:
                problem(
                    f"the lower bound (£{lo:,}) is above the upper bound (£{hi:,}), "
                    "so no value fits this range",
                    (*rpath, "lower", "amount"),
                )
            elif lo == hi and not (r.lower.inclusive and r.upper.inclusive):
                problem(
                    f"the range holds no value: it starts and ends at £{lo:,} "
                    "and leaves that amount out",
                    (*rpath, "lower", "amount"),
                )


def _check_reachable(
    families: list[tuple[Family, Compiled | None]], methods: list[CompiledMethod], problem: Any
) -> None:
    """A family that earlier families always take first; a method no purchase can make
    eligible (its band holds no possible value and no exception opens it, or its
    requirement never holds in its family)."""
    from .analysis import never_apply

    for path, message in never_apply(families, methods):
        problem(message, path)


def _check_sources(pack: RulePack, problem: Any, aside_ids: set[str]) -> None:
    doc_ids = {d.id for d in pack.documents} | aside_ids
    for path, ref in _walk_sources(pack, ()):
        if ref.document not in doc_ids:
            problem(
                f"no document with id {ref.document!r} (known: {', '.join(sorted(doc_ids))})",
                (*path, "document"),
            )


def _walk_sources(obj: Any, path: PathKey) -> Iterator[tuple[PathKey, SourceRef]]:
    if isinstance(obj, SourceRef):
        yield path, obj
    elif is_dataclass(obj):
        for f in fields(obj):
            yield from _walk_sources(getattr(obj, f.name), (*path, f.name))
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from _walk_sources(item, (*path, i))
