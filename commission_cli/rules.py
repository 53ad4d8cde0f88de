"""Loading a rule pack: find, read, and cache what :mod:`packcheck` compiles.

``load_rules()`` gives the engine a :class:`Rules`: the validated pack plus the
compiled form of its conditions. A pack is validated by pydantic and checked
for meaning (unknown fields, dangling references, impossible bands) once; the
compiled result is cached by the sha256 of the pack's bytes, so the next run
of ``commission route`` does not pay for validation again, nor load the code
that does it. An edited pack has a new sha256 and is validated afresh.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

from ._version import __version__
from .conditions import Compiled
from .documents import PACK_LIMITS, read_bytes
from .errors import InputError, Problem, RulePackError
from .packschema import (
    ContractType,
    DocumentInfo,
    Family,
    Method,
    NotStated,
    Obligation,
    RulePack,
    SourceRef,
    StepList,
)

DEFAULT_PACK = "wolverhampton"
_PACK_SUFFIXES = (".yaml", ".yml")


# CompiledMethod writes its own __init__, and Rules its own __eq__ and __repr__: a
# generated method is compiled at every start, and a plain route only unpickles
# these (see README, Speed).


@dataclass(init=False, eq=False, repr=False)
class CompiledMethod:
    """A method of the pack with its conditions compiled, as the engine reads it."""

    spec: Method
    index: int  # position in the pack: breaks ties, first listed wins
    requires: Compiled | None
    indicators: tuple[Compiled, ...]
    exceptions: tuple[Compiled, ...]
    fields: tuple[str, ...] = ()  # the purchase fields its tests read

    def __init__(
        self,
        spec: Method,
        index: int,
        requires: Compiled | None,
        indicators: tuple[Compiled, ...],
        exceptions: tuple[Compiled, ...],
        fields: tuple[str, ...] = (),
    ) -> None:
        self.spec = spec
        self.index = index
        self.requires = requires
        self.indicators = indicators
        self.exceptions = exceptions
        self.fields = fields


@dataclass(eq=False, repr=False)
class Rules:
    """A validated, compiled rule pack, ready for :func:`commission_cli.route`.

    Two are equal when compiled from the same bytes (the same ``sha256``).
    """

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
    not_stated: tuple[tuple[NotStated, Compiled | None], ...] = ()
    not_stated_fields: tuple[str, ...] = ()  # what the not-stated warnings' conditions read
    # Where a value sits among cut_points, as (bisect_left, bisect_right), for the places
    # inside some near-threshold warning window, by basis: only there can the length in
    # years change a verdict (it scales the other value at the threshold).
    window_places: dict[str, frozenset[tuple[int, int]]] = field(default_factory=dict)
    memo: dict[Any, Any] = field(default_factory=dict)  # the engine's, never pickled

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

    def cite(self, source: SourceRef) -> str:
        """A citation a reader can check: document, section and the words quoted."""
        doc = self.documents.get(source.document)
        title = doc.title if doc else source.document
        return f"{title}, {source.section}: “{source.text}”"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Rules):
            return NotImplemented
        return self.sha256 == other.sha256

    __hash__ = None  # type: ignore[assignment]  # its path and memo change

    def __repr__(self) -> str:
        return f"Rules(name={self.name!r}, version={self.version!r}, sha256={self.sha256!r})"

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["memo"] = {}  # answers are cheap to recompute; never cached on disk
        return state


def amount_in_place(cuts: tuple[Decimal, ...], place: int) -> Decimal:
    """An amount in a place among a pack's ``cuts`` (its cut_points): place ``2i+1`` is
    cut i itself, place ``2i`` the gap below it (``2n`` above the last). Every band
    bound is a cut point, so one amount decides a band test for its whole place."""
    i, on = divmod(place, 2)
    if on:
        return cuts[i]
    if not cuts:
        return Decimal(1)
    if i == 0:
        return cuts[0] / 2
    if i == len(cuts):
        return cuts[-1] * 2
    return (cuts[i - 1] + cuts[i]) / 2


# -- finding a pack ----------------------------------------------------------------


@cache  # the same for the whole run; looked for once, not at every pack named
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
        # Named without listing the directory: the default pack is always there, and
        # a missing one is reported when it is read.
        return str(shipped_packs_dir() / f"{DEFAULT_PACK}.yaml")
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
    """Validate and compile the bytes of a pack; every problem is reported at once
    (see :mod:`packcheck`), as a :class:`RulePackError` with one problem per defect."""
    from .packcheck import compile_pack as check_and_compile

    return check_and_compile(data, name, digest)


# -- the cache -------------------------------------------------------------------------


def _cache_dir() -> Path | None:
    if os.environ.get("COMMISSION_NO_CACHE"):
        return None
    configured = os.environ.get("COMMISSION_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "commission"


@cache  # the code does not change during a run
def _code_stamp() -> str:
    # The cached form is only good for the code that wrote it: a change to any
    # module that reads, checks or compiles a pack (or to the words conditions are
    # checked against) invalidates it.
    here = Path(__file__).resolve().parent
    parts = [__version__, f"{sys.version_info[0]}.{sys.version_info[1]}"]
    for module in (
        "packschema.py",
        "conditions.py",
        "rules.py",
        "packcheck.py",
        "documents.py",
        "yaml_positions.py",
        "analysis.py",
        "vocabulary.py",
        "money.py",
    ):
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
            rules = _unpickle(handle)
    except FileNotFoundError:
        return None
    except Exception:
        return None  # a damaged or foreign cache entry: validate afresh
    return rules if isinstance(rules, Rules) and rules.sha256 == digest else None


def _unpickle(handle: BinaryIO) -> Any:
    """pickle.load, from the C unpickler where there is one: pickle.py itself, which
    only writing needs, costs about 0.7% of a plain route's start-up."""
    try:
        from _pickle import load
    except ImportError:  # pragma: no cover - a Python without the C accelerator
        from pickle import load
    return load(handle)


def _write_cache(digest: str, rules: Rules) -> None:
    import pickle

    path = _cache_file(digest)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".pack-", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(rules, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        _prune_cache(path.parent)
    except OSError:
        pass  # a read-only home is no reason to fail: the pack is simply validated each run


_CACHE_KEEP = 32  # entries: every edit of a pack and every upgrade of the tool writes one


def _prune_cache(directory: Path) -> None:
    """Keep the most recently written entries only, so the cache cannot grow without
    end; an entry pruned while still in use is simply written again when next needed."""
    entries = []
    for entry in directory.glob("pack-*.pickle"):
        try:
            entries.append((entry.stat().st_mtime_ns, entry))
        except OSError:
            continue
    entries.sort(reverse=True)
    for _, entry in entries[_CACHE_KEEP:]:
        entry.unlink(missing_ok=True)


__all__ = ["Rules", "load_rules", "resolve_pack", "shipped_packs"]
