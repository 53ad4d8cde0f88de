"""Loading a rule pack: read, validate, check, compile, cache.

``load_rules()`` gives the engine a :class:`Rules`: the validated pack plus the
compiled form of its conditions. A pack is validated by pydantic and checked
for meaning (unknown fields, dangling references, impossible bands) once; the
compiled result is cached by the sha256 of the pack's bytes, so the next run
of ``commission route`` does not pay for validation again. An edited pack has a
new sha256 and is validated afresh.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ._version import __version__
from .conditions import Compiled, ConditionError, compile_condition, fields_of
from .documents import PACK_LIMITS, Document, PathKey, decode_text, parse, read_bytes
from .errors import InputError, Problem, RulePackError
from .packschema import (
    ContractType,
    DocumentInfo,
    Family,
    Method,
    Obligation,
    RulePack,
    SourceRef,
    StepList,
)

DEFAULT_PACK = "wolverhampton"
_PACK_SUFFIXES = (".yaml", ".yml")
_MEMO_LIMIT = 1024


@dataclass
class CompiledMethod:
    spec: Method
    index: int  # position in the pack: breaks ties, first listed wins
    requires: Compiled | None
    indicators: tuple[Compiled, ...]
    exceptions: tuple[Compiled, ...]
    fields: tuple[str, ...] = ()  # the purchase fields its tests read


@dataclass
class Rules:
    """A validated, compiled rule pack, ready for :func:`commission_cli.route`."""

    pack: RulePack
    sha256: str
    path: str
    families: tuple[tuple[Family, Compiled | None], ...]
    methods: tuple[CompiledMethod, ...]
    contract_types: tuple[tuple[ContractType, Compiled], ...]
    obligations: tuple[tuple[Obligation, Compiled | None], ...]
    step_lists: dict[str, StepList]
    documents: dict[str, DocumentInfo]
    # Purchase fields any condition reads, and every amount a value is compared
    # with: together they decide every answer (see engine.decision_key).
    condition_fields: tuple[str, ...]
    watched_fields: tuple[str, ...]  # condition fields and those warned of when not stated
    cut_points: tuple[Decimal, ...]
    # Which fields each part of a verdict reads (the engine caches each part on them).
    family_fields: tuple[str, ...] = ()
    contract_fields: tuple[str, ...] = ()
    obligation_fields: tuple[str, ...] = ()
    by_family: dict[str, tuple[CompiledMethod, ...]] = field(default_factory=dict)
    gate_fields: dict[str, tuple[str, ...]] = field(default_factory=dict)  # requires/exceptions
    # Where a value sits among cut_points, as (bisect_left, bisect_right), for the places
    # inside some near-threshold warning window, by basis: only there can the length in
    # years change a verdict (it scales the other value at the threshold).
    window_places: dict[str, frozenset[tuple[int, int]]] = field(default_factory=dict)
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.pack.pack.name

    @property
    def version(self) -> str:
        return self.pack.pack.version

    def method(self, method_id: str) -> CompiledMethod:
        for m in self.methods:
            if m.spec.id == method_id:
                return m
        raise KeyError(method_id)

    def methods_of(self, family_id: str) -> list[CompiledMethod]:
        return [m for m in self.methods if m.spec.family == family_id]

    def cite(self, source: SourceRef) -> str:
        """A citation a reader can check: document, section and the words quoted."""
        doc = self.documents.get(source.document)
        title = doc.title if doc else source.document
        return f"{title}, {source.section}: “{source.text}”"

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["memo"] = {}  # answers are cheap to recompute; never cached on disk
        return state


# -- finding a pack ----------------------------------------------------------------


def shipped_packs_dir() -> Path:
    """Where the packs that ship with the tool are: inside the package once
    installed from a wheel, ``rules/`` beside the package in a source checkout."""
    here = Path(__file__).resolve().parent
    installed = here / "rules"
    if any(installed.glob("*.yaml")):
        return installed
    return here.parent / "rules"


def shipped_packs() -> dict[str, Path]:
    return {p.stem: p for p in sorted(shipped_packs_dir().glob("*.yaml"))}


def resolve_pack(path: str | os.PathLike[str] | None) -> str:
    """A pack's file path from a path, a shipped pack's name, or None for the default."""
    if path is None:
        return (
            str(shipped_packs()[DEFAULT_PACK])
            if DEFAULT_PACK in shipped_packs()
            else str(shipped_packs_dir() / f"{DEFAULT_PACK}.yaml")
        )
    text = os.fspath(path)
    if (
        text != "-"
        and not os.path.exists(text)
        and os.sep not in text
        and not text.endswith(_PACK_SUFFIXES)
    ):
        packs = shipped_packs()
        if text in packs:
            return str(packs[text])
        known = ", ".join(packs) or "none"
        raise RulePackError(
            [
                Problem(
                    f"no such rule pack file, and no shipped pack of that name (shipped: {known})",
                    source=text,
                )
            ]
        )
    return text


# -- loading -------------------------------------------------------------------------


def load_rules(path: str | os.PathLike[str] | None = None, *, cache: bool = True) -> Rules:
    """Load, validate and compile a rule pack (the shipped Wolverhampton pack by default).

    ``path`` is a pack file, ``-`` for stdin, or the name of a shipped pack.
    Raises :class:`RulePackError` with one problem per defect, each with file:line.
    """
    where = resolve_pack(path)
    try:
        data, name = read_bytes(where, limits=PACK_LIMITS, what="rule pack")
    except InputError as exc:
        raise RulePackError(exc.problems) from None
    digest = hashlib.sha256(data).hexdigest()
    cached = _read_cache(digest) if cache else None
    if cached is not None:
        cached.path = name
        return cached
    rules = compile_pack(data, name, digest)
    if cache:
        _write_cache(digest, rules)
    return rules


def compile_pack(data: bytes, name: str, digest: str | None = None) -> Rules:
    """Validate and compile the bytes of a pack; every problem is reported at once."""
    try:
        document = parse(decode_text(data, name), name, limits=PACK_LIMITS)
    except InputError as exc:
        raise RulePackError(exc.problems) from None
    pack = validate_pack(document)
    return _compile(pack, document, digest or hashlib.sha256(data).hexdigest(), name)


def validate_pack(document: Document) -> RulePack:
    """The schema check: right shape, right types, no unknown keys."""
    from pydantic import TypeAdapter, ValidationError

    from .validation import problems_from

    try:
        pack: RulePack = TypeAdapter(RulePack).validate_python(document.data)
    except ValidationError as exc:
        raise RulePackError(problems_from(exc, document=document)) from None
    return pack


def _compile(pack: RulePack, doc: Document, digest: str, name: str) -> Rules:
    from .purchase import field_kind, field_names

    names = set(field_names())

    def kind_of(f: str) -> tuple[str, tuple[str, ...]] | None:
        return field_kind(f) if f in names else None

    problems: list[Problem] = []
    cond_errors: list[ConditionError] = []

    def problem(message: str, path: PathKey, *, key: bool = False) -> None:
        problems.append(doc.problem(message, path, key=key))

    _check_unique(pack, problem)
    family_ids = {f.id for f in pack.families}
    method_ids = {m.id for m in pack.methods}
    known = {"family": family_ids, "method": method_ids}

    def cond(raw: Any, path: PathKey, allow: tuple[str, ...]) -> Compiled:
        return compile_condition(
            raw, path, kind_of=kind_of, known=known, allow=allow, errors=cond_errors
        )

    families: list[tuple[Family, Compiled | None]] = []
    for i, fam in enumerate(pack.families):
        path = ("families", i)
        if fam.when is None and i != len(pack.families) - 1:
            problem(
                f"family {fam.id!r} has no 'when', so the families after it can never "
                "apply; only the last family may leave 'when' out",
                path,
            )
        if fam.when is not None and i == len(pack.families) - 1:
            problem(
                f"the last family ({fam.id!r}) must leave 'when' out, so that every "
                "purchase has a family",
                (*path, "when"),
                key=True,
            )
        families.append((fam, None if fam.when is None else cond(fam.when, (*path, "when"), ())))

    step_ids = {s.id for s in pack.step_lists}
    methods: list[CompiledMethod] = []
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
        _check_band(m, path, problem)
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
    for fam in pack.families:
        if not any(m.family == fam.id for m in pack.methods):
            problem(
                f"family {fam.id!r} has no methods, so it could never give a route",
                ("families", pack.families.index(fam)),
            )

    ct_ids = {c.id for c in pack.contract_types}
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
    near = pack.warnings.near_threshold
    if near is not None and not Decimal(0) < near.margin < Decimal(1):
        problem(
            "the margin is a share between 0 and 1, such as 0.10 for 10%",
            ("warnings", "near_threshold", "margin"),
        )
    _check_sources(pack, doc, problem)

    for err in cond_errors:
        problems.append(doc.problem(err.message, err.path))
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
        watched_fields=tuple(
            sorted(
                (condition_fields | {n.field for n in pack.warnings.not_stated})
                - {"title", "annual_value", "total_value", "years"}
            )
        ),
        cut_points=_cut_points(pack),
        window_places=_window_places(pack, _cut_points(pack)),
        family_fields=read_by([c for _, c in families]),
        contract_fields=read_by([c for _, c in contract_types]),
        obligation_fields=read_by([c for _, c in obligations]),
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
    # Every window's edges are cut points, so one value per place decides for all of it:
    # the cut point itself, or the middle of the gap between two cut points.
    places: list[tuple[tuple[int, int], Decimal]] = []
    for i, cut in enumerate(cuts):
        places.append(((i, i + 1), cut))
        lower = cuts[i - 1] if i else cut / 2
        places.append(((i, i), (lower + cut) / 2))
    places.append(((len(cuts), len(cuts)), cuts[-1] * 2 if cuts else Decimal(1)))
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


def _check_sources(pack: RulePack, doc: Document, problem: Any) -> None:
    doc_ids = {d.id for d in pack.documents}
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


# -- the cache -------------------------------------------------------------------------


def _cache_dir() -> Path | None:
    if os.environ.get("COMMISSION_NO_CACHE"):
        return None
    configured = os.environ.get("COMMISSION_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "commission"


def _code_stamp() -> str:
    # The cached form is only good for the code that wrote it: a change to the
    # schema, the condition compiler or this module invalidates it.
    here = Path(__file__).resolve().parent
    parts = [__version__, f"{sys.version_info[0]}.{sys.version_info[1]}"]
    for module in ("packschema.py", "conditions.py", "rules.py"):
        try:
            st = (here / module).stat()
            parts.append(f"{st.st_size}-{st.st_mtime_ns}")
        except OSError:
            parts.append("?")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _cache_file(digest: str) -> Path | None:
    directory = _cache_dir()
    return None if directory is None else directory / f"pack-{digest}-{_code_stamp()}.pickle"


def _read_cache(digest: str) -> Rules | None:
    path = _cache_file(digest)
    if path is None:
        return None
    try:
        with path.open("rb") as handle:
            rules = pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception:
        return None  # a damaged or foreign cache entry: validate afresh
    return rules if isinstance(rules, Rules) and rules.sha256 == digest else None


def _write_cache(digest: str, rules: Rules) -> None:
    path = _cache_file(digest)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".pack-", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(rules, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home is no reason to fail: the pack is simply validated each run


__all__ = ["Rules", "load_rules", "resolve_pack", "shipped_packs"]
