"""Checking and compiling a rule pack: every problem at once, then the engine's form.

The checks run in stages: the YAML, the schema (pydantic), then the meaning
(fields and results, references between parts, bands, conditions, rules that
can never apply). A stage that finds problems does not silence the later ones
where they can still say something true: a repeated key keeps its first value,
and the items of a section that fail the schema are set aside while the rest of
the pack is checked for meaning. So a person editing a pack sees everything
wrong with it in one run, each problem at its file:line:column.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import re
import typing
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import InputError, Problem, RulePackError
from ..io.documents import PACK_LIMITS, Document, PathKey, decode_text, dotted, read_document
from ..model.decision import FLAT_HEAD, FLAT_TAIL
from ..model.fields import (
    BUILT_IN_IDS,
    VALUE_FIELDS,
    WORDING_KEYS,
    FieldDecl,
    SourceRef,
    merged_fields,
)
from ..model.purchase import purchase_model, reader_for
from ..model.validation import clean_loc, describe_error
from ..model.values import choice_word, read_number, read_text, read_yes_no
from .compiled import CompiledMethod, Rules
from .conditions import (
    PSEUDO_FIELDS,
    Compiled,
    ConditionError,
    compile_condition,
    fields_of,
    holds,
)
from .reach import never_apply
from .schema import (
    Conflict,
    ContractType,
    DocumentInfo,
    Family,
    Method,
    Obligation,
    PackInfo,
    ResultDecl,
    RulePack,
    StepList,
    Warnings,
)

_UNKNOWN_KEY = ("unexpected_keyword_argument", "extra_forbidden")
_FIELD_ID = re.compile(r"[a-z][a-z0-9_]*")
# Names a result cannot take: the flat CSV's own columns.
_FLAT_COLUMNS = (*FLAT_HEAD, *FLAT_TAIL)
# Names a purchase field cannot take: the condition language's words, and a
# register's own columns.
_RESERVED = frozenset({*PSEUDO_FIELDS, "all", "any", "method_used", "row"})
# Old pack keys and where they went, so that a pack written for an earlier version says
# what to change rather than only that the key is unknown.
_MOVED = {
    "agreement": "results: {agreement: ...}",
    "full_cost_recovery": "results: {full_cost_recovery: ...}",
    "guiding_document": "results: {guiding_document: ...}",
}

_NOT_A_PACK = (
    "is not a rule pack: it has none of a pack's sections (pack:, documents:, fields:, "
    "families:, methods:, choice:); `commission rules init FILE` writes one to start from"
)
# A key longer than this is cut short where a message names it.
_KEY_LIMIT = 30


def _name(path: PathKey) -> str | None:
    """A path as a message names it, each key no longer than a short excerpt: a file
    given by mistake may hold anything in its keys."""
    short = tuple(
        p if isinstance(p, int) or len(p) <= _KEY_LIMIT else p[: _KEY_LIMIT - 3] + "..."
        for p in path
    )
    return dotted(short) or None


# What a pack written for an earlier version lacks, and where to read how to write it.
_MISSING_HINTS: dict[PathKey, str] = {
    ("fields",): (
        "; a pack declares the purchase fields it reads beyond title, annual_value, "
        "total_value and years (id, kind, values...): see the fields: section that "
        "`commission rules init` writes"
    ),
}


def compile_pack(
    data: bytes, name: str, *, directory: Path | None = None, shipped: bool = False
) -> Rules:
    """Validate and compile the bytes of a pack; every problem is reported at once,
    as a :class:`RulePackError` with one problem per defect."""
    try:
        text = decode_text(data, name)
    except InputError as exc:
        raise RulePackError(exc.problems) from None
    digest = hashlib.sha256(data).hexdigest()
    document, problems = read_document(text, name, limits=PACK_LIMITS)
    if document is None:
        raise RulePackError(problems)
    if not isinstance(document.data, dict):
        raise RulePackError(
            [document.problem("a rule pack is a mapping of sections (pack:, fields:, ...)", ())]
        )
    if not set(document.data) & set(RulePack.model_fields):
        # Not a pack at all (a file given by mistake, which may hold anything): say so
        # once, rather than name every key it holds.
        raise RulePackError([document.problem(_NOT_A_PACK, (), field_name="")])
    try:
        pack = RulePack.model_validate(document.data)
    except ValidationError as exc:
        problems += _schema_problems(exc, document)
        salvaged = _salvage(document)
        if salvaged is not None:
            problems += _meaning_problems(salvaged.pack, salvaged.document, salvaged.aside)
        raise RulePackError(_in_order(problems)) from None
    if problems:  # repeated keys: the first values were checked for meaning too
        problems += _meaning_problems(pack, document, None)
        raise RulePackError(_in_order(problems))
    return _compile(pack, document, digest, name, directory=directory, shipped=shipped)


def _in_order(problems: list[Problem]) -> list[Problem]:
    """Problems in the order of the file, each once."""
    unique: dict[str, Problem] = {}
    for p in problems:
        unique.setdefault(str(p), p)
    return sorted(unique.values(), key=lambda p: (p.line or 0, p.column or 0))


# -- the schema ---------------------------------------------------------------------------


def _schema_problems(exc: ValidationError, document: Document) -> list[Problem]:
    """One plain sentence per schema error, at its file:line:column; an unknown key names
    the keys allowed at that place, and the closest one."""
    problems: list[Problem] = []
    errors = exc.errors(include_url=False)
    # Sections missing from the top of the file: one problem naming them all, not one each
    # (a file given by mistake lacks nearly every one).
    absent = [
        str(loc[0])
        for error in errors
        if error["type"] == "missing" and len(loc := clean_loc(tuple(error["loc"]))) == 1
    ]
    if len(absent) > 1:
        names = [f"{name}:" for name in absent]
        listed = f"{', '.join(names[:-1])} and {names[-1]}"
        problems.append(
            document.problem(
                f"the sections {listed} are required but missing; `commission rules init "
                "FILE` writes a pack to start from",
                (),
                field_name="",
            )
        )
    for error in errors:
        loc = clean_loc(tuple(error["loc"]))
        field_name = _name(loc)
        if len(absent) > 1 and error["type"] == "missing" and len(loc) == 1:
            continue  # named above
        if error["type"] in _UNKNOWN_KEY and loc:
            message = _unknown_key(str(loc[-1]), _allowed_keys(RulePack, loc[:-1]))
            problems.append(document.problem(message, loc, key=True, field_name=field_name))
        elif error["type"] == "missing" and loc:
            # A missing key has no line of its own: point at the mapping that lacks it.
            message = describe_error(error) + _MISSING_HINTS.get(loc, "")
            problems.append(document.problem(message, loc[:-1], field_name=field_name))
        else:
            problems.append(document.problem(describe_error(error), loc, field_name=field_name))
    return _in_order(problems)


def _unknown_key(key: str, allowed: list[str]) -> str:
    if key in _MOVED and "results" in allowed:
        return (
            f"is not a known field here; a method's {key} now goes under {_MOVED[key]}, "
            "with each result declared in the pack's results: section"
        )
    if not allowed:
        return "is not a known field"
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"is not a known field here{hint} (allowed here: {', '.join(allowed)})"


def _allowed_keys(root: type[BaseModel], path: PathKey) -> list[str]:
    """The keys the schema allows in the mapping at ``path`` (empty if it cannot tell)."""
    current: Any = root
    for part in path:
        current = _unwrap(current)
        if isinstance(part, int):
            args = typing.get_args(current)
            if typing.get_origin(current) is not list or not args:
                return []
            current = args[0]
        elif isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(str(part))
            if info is None:
                return []
            current = info.annotation
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _unwrap(hint: Any) -> Any:
    """``X | None`` -> ``X``."""
    import types

    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return options[0] if len(options) == 1 else hint
    return hint


@dataclass(eq=False)
class _SetAside:
    """What the schema check set aside, so the meaning check neither misses nor invents:
    the ids of items that failed the schema still count as defined."""

    ids: dict[str, set[str]] = field(default_factory=dict)  # section -> ids set aside
    sections: set[str] = field(default_factory=set)  # sections that lost an item
    method_families: set[str] = field(default_factory=set)  # families named by those methods
    # Sections missing or not a list: the ids they define are unknown, so references to
    # them are not checked (each would be a problem that is not there).
    unknown: set[str] = field(default_factory=set)

    def lost(self, section: str) -> bool:
        """Did the section lose an item, or is it unknown altogether?"""
        return section in self.sections or section in self.unknown

    def empty(self) -> bool:
        return not (self.ids or self.sections or self.method_families or self.unknown)


@dataclass(eq=False)
class _Salvage:
    pack: RulePack  # the items that pass the schema
    document: Document  # positions in the file for the items kept
    aside: _SetAside


class _SalvagedDocument(Document):
    """Positions for a pack whose broken items were set aside: item ``i`` of a section in
    the checked pack is item ``index[section][i]`` of the file."""

    def __init__(self, document: Document, index: dict[str, list[int]]) -> None:
        super().__init__(document.data, document.source, document.values, document.keys)
        self.index = index

    def problem(
        self, message: str, path: PathKey = (), *, key: bool = False, field_name: str | None = None
    ) -> Problem:
        if len(path) >= 2 and isinstance(path[0], str) and isinstance(path[1], int):
            rows = self.index.get(path[0])
            if rows is not None and path[1] < len(rows):
                path = (path[0], rows[path[1]], *path[2:])
                field_name = _name(path)  # the item's place in the file, not in the salvage
        return super().problem(message, path, key=key, field_name=field_name)


_LIST_SECTIONS: tuple[tuple[str, type[BaseModel]], ...] = (
    ("documents", DocumentInfo),
    ("fields", FieldDecl),
    ("results", ResultDecl),
    ("families", Family),
    ("methods", Method),
    ("contract_types", ContractType),
    ("step_lists", StepList),
    ("obligations", Obligation),
    ("conflicts", Conflict),
)


def _without_unknown_keys(data: Any) -> Any:
    """A copy of the data without the keys the schema does not know (every key left keeps
    its path, so positions still hold)."""
    try:
        RulePack.model_validate(data)
        return data
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
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


def _salvage(document: Document) -> _Salvage | None:
    """The items of the pack that pass the schema, as a pack, for the meaning check."""
    raw = _without_unknown_keys(document.data)
    if not isinstance(raw, dict):
        return None
    try:
        return _Salvage(RulePack.model_validate(raw), document, _SetAside())
    except ValidationError:
        pass
    kept: dict[str, Any] = {}
    index: dict[str, list[int]] = {}
    aside = _SetAside()
    for section, item_type in _LIST_SECTIONS:
        items = raw.get(section)
        kept[section], index[section] = [], []
        if not isinstance(items, list):
            if items is not None or _required(section):
                aside.unknown.add(section)
            continue
        for i, item in enumerate(items):
            try:
                kept[section].append(item_type.model_validate(item))
                index[section].append(i)
            except ValidationError:
                aside.sections.add(section)
                if isinstance(item, dict):
                    if isinstance(item.get("id"), str):
                        aside.ids.setdefault(section, set()).add(item["id"])
                    if section == "methods" and isinstance(item.get("family"), str):
                        aside.method_families.add(item["family"])
    try:
        warnings = Warnings.model_validate(raw.get("warnings", {}))
    except ValidationError:
        warnings = Warnings()
    # Built without validation: the pack's name and choice rule are not read for meaning;
    # its details are kept when they are sound, for the check of its dates.
    with contextlib.suppress(ValidationError):
        kept["pack"] = PackInfo.model_validate(raw.get("pack"))
    pack = RulePack.model_construct(warnings=warnings, **kept)
    return _Salvage(pack, _SalvagedDocument(document, index), aside)


def _required(section: str) -> bool:
    return RulePack.model_fields[section].is_required()


def _meaning_problems(pack: RulePack, document: Document, aside: _SetAside | None) -> list[Problem]:
    try:
        _compile(pack, document, "", document.source, aside=aside)
    except RulePackError as exc:
        return exc.problems
    return []


# -- the meaning --------------------------------------------------------------------------


class ProblemAt:
    """Collects the meaning check's problems, each placed at its path in the document."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[Problem] = []

    def __call__(self, message: str, path: PathKey, *, key: bool = False) -> None:
        self.problems.append(self.doc.problem(message, path, key=key, field_name=_name(path)))


def _compile(
    pack: RulePack,
    doc: Document,
    digest: str,
    name: str,
    *,
    aside: _SetAside | None = None,
    directory: Path | None = None,
    shipped: bool = False,
) -> Rules:
    """Check the pack's meaning and compile it. ``aside``: what the schema check set aside
    (only when the pack is being checked for problems, never compiled for use)."""
    problem = ProblemAt(doc)
    problems = problem.problems
    cond_errors: list[ConditionError] = []

    _check_unique(pack, problem)
    _check_dates(pack, problem)
    fields = {f.id: f for f in merged_fields(_check_fields(pack, problem))}
    results = _check_result_decls(pack, problem)
    aside = aside if aside is not None else _SetAside()
    # A field declared wrongly is reported once, at its declaration: the tests that read
    # it are not reported again as naming no field.
    wrong = {d.id for d in pack.fields} - set(fields)
    if wrong:
        aside.ids.setdefault("fields", set()).update(wrong)
    also = aside.ids
    family_ids = {f.id for f in pack.families} | also.get("families", set())
    method_ids = {m.id for m in pack.methods} | also.get("methods", set())
    known = {"family": family_ids, "method": method_ids}

    compiled_at: list[tuple[PathKey, Compiled]] = []

    def cond(raw: Any, path: PathKey, allow: tuple[str, ...]) -> Compiled:
        compiled = compile_condition(
            raw, path, fields=fields, known=known, allow=allow, errors=cond_errors
        )
        compiled_at.append((path, compiled))
        return compiled

    for section, one in (("families", "family"), ("methods", "method")):
        if not getattr(pack, section, None) and not aside.lost(section):
            problem(f"a pack needs at least one {one}; this one lists none", (section,))
    # With a family set aside, which family is last is not known: skip the order checks.
    check_order = not aside.lost("families")
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
        if m.family not in family_ids and "families" not in aside.unknown:
            problem(
                f"no family with id {m.family!r} (known: {', '.join(sorted(family_ids))})",
                (*path, "family"),
            )
        if m.steps is not None and m.steps not in step_ids and "step_lists" not in aside.unknown:
            problem(
                f"no step list with id {m.steps!r} "
                f"(known: {', '.join(sorted(step_ids)) or 'none'})",
                (*path, "steps"),
            )
        before = len(problems)
        _check_band(m, path, problem)
        band_ok.append(len(problems) == before)
        requires = None
        if m.requires is not None:
            requires = cond(m.requires.when, (*path, "requires", "when"), ("family",))
        indicators = tuple(
            cond(ind.when, (*path, "indicators", j, "when"), ("family",))
            for j, ind in enumerate(m.indicators)
        )
        exceptions = tuple(
            cond(exc.when, (*path, "exceptions", j, "when"), ("family",))
            for j, exc in enumerate(m.exceptions)
        )
        read = set().union(*(fields_of(c) for c in (requires, *indicators, *exceptions) if c))
        methods.append(
            CompiledMethod(
                spec=m,
                index=i,
                requires=requires,
                indicators=indicators,
                exceptions=exceptions,
                results=_method_results(m, path, results, problem, aside),
                fields=tuple(sorted(read - set(PSEUDO_FIELDS))),
            )
        )
    for i, fam in enumerate(pack.families):
        if "methods" in aside.unknown or fam.id in aside.method_families:
            continue
        if not any(m.family == fam.id for m in pack.methods):
            problem(
                f"family {fam.id!r} has no methods, so it could never give a route", ("families", i)
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
            if cid not in ct_ids and "contract_types" not in aside.unknown:
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
        if ns.field not in fields and not _unknowable_field(ns.field, aside):
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
    if "documents" not in aside.unknown:
        _check_sources(pack, problem, also.get("documents", set()))

    for err in cond_errors:
        if not _unknowable(err, aside):
            problems.append(doc.problem(err.message, err.path, field_name=_name(err.path)))
    if not cond_errors and aside.empty():
        # Only once every condition compiled, and nothing was set aside: a condition with
        # an error never holds, and would make a sound method look as if it could never
        # be chosen (and a salvaged pack's tests are not where its file has them).
        _check_defaults(pack, compiled_at, problem)
        sound = [cm for cm, ok in zip(methods, band_ok, strict=True) if ok]
        for where, message in never_apply(families, sound, fields):
            problem(message, where)
    if problems:
        raise RulePackError(_in_order(problems))

    every = [c for _, c in families] + [c for _, c in contract_types]
    every += [c for _, c in obligations] + [c for _, c in not_stated]
    every += [c for cm in methods for c in (cm.requires, *cm.indicators, *cm.exceptions)]
    read_fields = set().union(*(fields_of(c) for c in every if c is not None))
    ordered = tuple(fields.values())
    return Rules(
        pack=pack,
        sha256=digest,
        path=name,
        fields=fields,
        purchase_model=purchase_model(ordered),
        results=results,
        families=tuple(families),
        methods=tuple(methods),
        contract_types=tuple(contract_types),
        obligations=tuple(obligations),
        not_stated=tuple(not_stated),
        step_lists={s.id: s for s in pack.step_lists},
        documents={d.id: d for d in pack.documents},
        condition_fields=tuple(f for f in fields if f in read_fields),
        fact_fields=tuple(f for f in fields if f not in ("title", *VALUE_FIELDS)),
        by_family={
            fam.id: tuple(cm for cm in methods if cm.spec.family == fam.id) for fam, _ in families
        },
        directory=directory,
        shipped=shipped,
    )


# Condition problems that only say a name is not defined, by the words they start with.
_UNDEFINED = {
    "fields": "no purchase field called",
    "families": "no family with id",
    "methods": "no method with id",
}


def _unknowable(err: ConditionError, aside: _SetAside) -> bool:
    """Is this a condition problem the set-aside items make untrue (a name they define)?"""
    for section, words in _UNDEFINED.items():
        if err.message.startswith(words) and section in aside.unknown:
            return True
    # A test on a field whose declaration was set aside cannot be read as it would be.
    names = aside.ids.get("fields", set())
    return any(isinstance(part, str) and part in names for part in err.path)


def _unknowable_field(name: str, aside: _SetAside) -> bool:
    return "fields" in aside.unknown or name in aside.ids.get("fields", set())


def _check_unique(pack: RulePack, problem: ProblemAt) -> None:
    for section in (
        "documents",
        "fields",
        "results",
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


def _check_fields(pack: RulePack, problem: ProblemAt) -> list[FieldDecl]:
    """The pack's field declarations that make sense; a problem for each that does not."""
    good: list[FieldDecl] = []
    for i, decl in enumerate(pack.fields):
        path: PathKey = ("fields", i)
        before = len(problem.problems)
        if decl.id in BUILT_IN_IDS:
            extra = sorted(decl.model_fields_set - WORDING_KEYS - {"id", "description"})
            if extra:
                problem(
                    f"{decl.id} is built in, so its {', '.join(extra)} cannot be changed; "
                    f"a pack may only word it ({', '.join(sorted(WORDING_KEYS))})",
                    (*path, extra[0]),
                    key=True,
                )
            good.append(decl)
            continue
        if not _FIELD_ID.fullmatch(decl.id) or decl.id in _RESERVED:
            problem(
                f"{decl.id!r} cannot name a field: use lower-case letters, digits and _, "
                "and none of family, method, all, any, method_used, row",
                (*path, "id"),
            )
        if decl.kind is None:
            problem(
                "a field needs a kind: choice, yes_no, number, money, length, date or text",
                path,
            )
            continue
        if decl.kind == "choice":
            _check_choice(decl, path, problem)
        elif decl.values:
            problem(f"only a choice has values, and {decl.id} is a {decl.kind}", (*path, "values"))
        if decl.kind != "number" and (
            decl.whole or decl.minimum is not None or decl.maximum is not None
        ):
            problem("whole, minimum and maximum are for a number field", path)
        if decl.minimum is not None and decl.minimum < 0:
            problem(
                "a number is written without a minus sign, so its minimum is 0 or more",
                (*path, "minimum"),
            )
        if decl.minimum is not None and decl.maximum is not None and decl.minimum > decl.maximum:
            problem("the minimum is above the maximum", (*path, "minimum"))
        if decl.max_length is not None and decl.kind != "text":
            problem("max_length is for a text field", (*path, "max_length"))
        read = reader_for(decl)
        for key in ("default", "suggested"):
            raw = getattr(decl, key)
            if raw is None:
                continue
            try:
                read(raw)
            except ValueError as exc:
                problem(f"{decl.id} {exc}", (*path, key))
        if len(problem.problems) == before:
            good.append(decl)
    return good


def _check_choice(decl: FieldDecl, path: PathKey, problem: ProblemAt) -> None:
    if not decl.values:
        problem(f"the choice {decl.id} needs values (the answers it allows)", path)
        return
    seen: dict[str, str] = {}
    for j, value in enumerate(decl.values):
        if choice_word(value.id) != value.id:
            problem(
                f"the value id {value.id!r} must be written in lower case with _ between "
                f"words, as {choice_word(value.id)!r}",
                (*path, "values", j, "id"),
            )
        for word in (value.id, *value.synonyms):
            key = choice_word(word)
            if key in seen and seen[key] != value.id:
                problem(
                    f"{word!r} would mean both {seen[key]!r} and {value.id!r}",
                    (*path, "values", j),
                )
            seen.setdefault(key, value.id)


def _check_result_decls(pack: RulePack, problem: ProblemAt) -> tuple[ResultDecl, ...]:
    for i, decl in enumerate(pack.results):
        if not _FIELD_ID.fullmatch(decl.id):
            problem(
                f"{decl.id!r} cannot name a result: use lower-case letters, digits and _",
                ("results", i, "id"),
            )
        elif decl.id in _FLAT_COLUMNS:
            problem(
                f"{decl.id!r} cannot name a result: it is one of the columns batch's CSV "
                f"has of its own ({', '.join(_FLAT_COLUMNS)})",
                ("results", i, "id"),
            )
    return tuple(pack.results)


def _method_results(
    m: Method,
    path: PathKey,
    results: tuple[ResultDecl, ...],
    problem: ProblemAt,
    aside: _SetAside,
) -> dict[str, Any]:
    """Each declared result's value for this method, JSON-ready (None where it gives none)."""
    declared = {r.id: r for r in results}
    out: dict[str, Any] = dict.fromkeys(declared)
    for key, raw in m.results.items():
        here = (*path, "results", key)
        decl = declared.get(key)
        if decl is None and ("results" in aside.unknown or key in aside.ids.get("results", ())):
            continue  # declared by a declaration that was set aside
        if decl is None:
            close = difflib.get_close_matches(key, list(declared), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            known = ", ".join(declared) or "none: the pack's results section declares them"
            problem(f"no result called {key!r}{hint} (declared: {known})", here, key=True)
            continue
        value = raw
        if isinstance(raw, dict) and "value" in raw:
            unknown = set(raw) - {"value", "note", "source"}
            if unknown:
                extra = ", ".join(sorted(unknown))
                problem(f"a result's value takes value, note and source, not {extra}", here)
            value = raw["value"]
        try:
            out[key] = result_value(decl, value)
        except ValueError as exc:
            problem(f"{key} {exc}", here)
    return out


def result_value(decl: ResultDecl, raw: Any) -> Any:
    """A result's value as its declaration reads it, ready for JSON."""
    if decl.kind == "text":
        text = read_text(raw, max_length=2000)
        if text is None:
            raise ValueError("needs a value (text)")
        return text
    if decl.kind == "yes_no":
        flag = read_yes_no(raw)
        if flag is None:
            raise ValueError("needs a value (true or false)")
        return flag
    if decl.kind == "list":
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            raise ValueError("must be a list of text")
        return list(raw)
    if isinstance(raw, dict):
        if set(raw) != {"min", "max"}:
            raise ValueError("must be a number, or a minimum and maximum: {min: 3, max: 5}")
        low, high = _result_number(raw["min"]), _result_number(raw["max"])
        if low > high:
            raise ValueError("has its minimum above its maximum")
        return {"min": low, "max": high}
    return _result_number(raw)


def _result_number(raw: Any) -> int | float:
    number = read_number(raw, whole=False, minimum=None, maximum=None)
    if number is None:
        raise ValueError("needs a value (a number)")
    assert isinstance(number, Decimal)
    return int(number) if number == number.to_integral_value() else float(number)


def _check_defaults(
    pack: RulePack, compiled_at: list[tuple[PathKey, Compiled]], problem: ProblemAt
) -> None:
    """A field's default is what the record shows when it is not stated; a field not
    stated passes no test. A default some test would pass reads two ways, and is refused."""
    for i, decl in enumerate(pack.fields):
        if decl.default is None or decl.kind is None:
            continue
        try:
            value = reader_for(decl)(decl.default)
        except ValueError:  # reported where the fields are checked
            continue
        for path, compiled in compiled_at:
            if decl.id in fields_of(compiled) and _could_pass(compiled, decl.id, value):
                problem(
                    f"the default of {decl.id} ({decl.default}) would pass the test at "
                    f"{dotted(path)}, but a field left out is not stated and passes no "
                    f"test; leave the default out, or state {decl.id} in each purchase",
                    ("fields", i, "default"),
                )
                break


def _could_pass(cond: Compiled, name: str, value: Any) -> bool:
    """Could the condition hold with the field ``name`` at ``value``, whatever the other
    facts? (The test language has no "not": a test of another fact may hold.)"""
    if cond[0] == "all":
        return all(_could_pass(c, name, value) for c in cond[1])
    if cond[0] == "any":
        return any(_could_pass(c, name, value) for c in cond[1])
    return cond[1] != name or holds(cond, {name: value})


def _check_dates(pack: RulePack, problem: ProblemAt) -> None:
    info = getattr(pack, "pack", None)  # a pack salvaged from schema errors has none
    if info is not None and info.valid_until is not None and info.valid_until < info.valid_from:
        problem(
            f"valid_until ({info.valid_until}) is before valid_from ({info.valid_from}), "
            "so the pack is never in force",
            ("pack", "valid_until"),
        )


def _check_band(m: Method, path: PathKey, problem: ProblemAt) -> None:
    if not m.band.ranges:
        problem(
            "a band needs at least one range (a range with no bounds means no limit)",
            (*path, "band", "ranges"),
        )
    for j, r in enumerate(m.band.ranges):
        rpath = (*path, "band", "ranges", j)
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


def _check_sources(pack: RulePack, problem: ProblemAt, aside_ids: set[str]) -> None:
    doc_ids = {d.id for d in pack.documents} | aside_ids
    for path, ref in walk_sources(pack, ()):
        if ref.document not in doc_ids:
            problem(
                f"no document with id {ref.document!r} (known: {', '.join(sorted(doc_ids))})",
                (*path, "document"),
            )


def walk_sources(obj: Any, path: PathKey) -> Iterator[tuple[PathKey, SourceRef]]:
    """Every ``source:`` in a part of the pack, with where it is."""
    if isinstance(obj, SourceRef):
        yield path, obj
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            # A salvaged pack is built without the parts that failed the schema.
            yield from walk_sources(getattr(obj, name, None), (*path, name))
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from walk_sources(item, (*path, i))
    elif isinstance(obj, dict):
        for key, item in obj.items():
            if isinstance(item, dict) and isinstance(item.get("source"), dict):
                try:
                    ref = SourceRef.model_validate(item["source"])
                except ValidationError:
                    continue
                yield (*path, key, "source"), ref
