"""The decision engine: from a purchase and a rule pack to a :class:`Decision`.

It knows nothing about Wolverhampton. Everything it decides comes from the
pack: families and their tests, methods with bands, indicators, exceptions and
requirements, contract types, obligations and warnings. The steps are those of
PRODUCT.md, "How the default rules decide":

1. family: the first whose ``when`` holds;
2. eligibility: the value lies in the band, or an exception holds and the value
   lies on the side of the band that the exception opens; any requirement holds;
3. fit: the share of indicators matched;
4. choice: the highest score, ties to the method listed first;
5. the chosen method's results, contract types, steps, obligations, warnings.

Speed comes from remembering, never from shortcuts in the rules. A verdict is
built from parts (the family; each method's assessment; the choice; contract
types; obligations; warnings), and each part depends on a few facts only:
an assessment on the fields its method's tests read and where the value falls
in its band, contract types on the fields their tests read and the route, and
so on. Each part is remembered on exactly those facts, and the whole verdict on
:func:`decision_key`, so a register of a million purchases costs a few
thousand decisions. :func:`decide` works the same verdict out afresh, with
nothing remembered; the tests hold the two equal.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from decimal import Decimal
from fractions import Fraction
from itertools import count
from operator import itemgetter
from sys import intern
from typing import TYPE_CHECKING, Any, TypeVar, cast

from .caches import make_room
from .conditions import Compiled, holds
from .decision import (
    Candidate,
    ContractTypeRef,
    Decision,
    ExceptionRef,
    MethodRef,
    ObligationRef,
    RulesRef,
    Verdict,
)
from .explain import (
    BASIS_VALUE,
    BASIS_WORDS,
    Assessment,
    candidate_reason,
    chosen_reason,
    family_reason,
    names_of,
    with_phrases,
)
from .money import format_money
from .packschema import Band, Family, Range
from .rules import CompiledMethod, Rules, amount_in_place

if TYPE_CHECKING:
    from .purchase import Purchase

_ONE = Decimal(1)
_PENNY = Decimal("0.01")
# How the warning listing the fields eligible methods read but were not given
# begins: the interview sets it apart (see interview._outcome).
UNSTATED_NOTE = "Not stated: "
# Bounds on what is remembered per rule pack: whole verdicts, and each kind of part.
# Large enough for the variety of a real register, small enough (a few MB) that a
# million rows take no more memory than ten thousand.
_WHOLE_LIMIT = 1024
_PART_LIMIT = 1024
# Distinct verdicts kept as one object each: more than the parts, so that a verdict
# worked out again after its parts were dropped is still the object a batch holds.
_SAME_LIMIT = 2048
T = TypeVar("T")


def route(purchase: Purchase, rules: Rules) -> Decision:
    """Route one purchase: the method the rules point to, and why."""
    return Decision(purchase, verdict(purchase, rules))


def route_values(values: dict[str, Any], stated: frozenset[str], rules: Rules) -> Decision:
    """:func:`route` for a purchase held as its validated values (every field, both
    amounts derived) and the fields stated, as ``vocabulary.quick_values`` reads
    them: the Purchase is built only if the decision is asked for it."""
    return Decision.of_values(values, stated, verdict_of(values, stated, rules))


def verdict(purchase: Purchase, rules: Rules) -> Verdict:
    return verdict_of(purchase.__dict__, purchase.model_fields_set, rules)


def verdict_of(values: Mapping[str, Any], stated: AbstractSet[str], rules: Rules) -> Verdict:
    watched = tuple(values[f] if f in stated else None for f in rules.watched_fields)
    return verdict_for(values, stated, watched, rules)


def verdict_for(
    values: Mapping[str, Any],
    stated: AbstractSet[str],
    watched: tuple[Any, ...],
    rules: Rules,
    *,
    whole: bool = True,
) -> Verdict:
    """The verdict, remembered, for a purchase's validated values and stated fields;
    ``watched`` holds its values of ``rules.watched_fields`` (None where not stated).

    ``whole=False`` builds it from remembered parts without looking for, or keeping,
    the whole verdict: for a caller that remembers whole verdicts itself (the batch,
    by cheaper keys), for which the second memory would be time and space spent twice.
    """
    parts = _parts(rules)
    if not whole:
        return _build(values, stated, watched, rules, parts)
    key = decision_key(values, stated, watched, rules)
    found = parts.whole.get(key)
    if found is None:
        found = _build(values, stated, watched, rules, parts)
        make_room(parts.whole, _WHOLE_LIMIT)
        parts.whole[key] = found
    return found


def decide(purchase: Purchase, rules: Rules) -> Verdict:
    """Work the verdict out from scratch, remembering nothing (for tests and doubters)."""
    stated = purchase.model_fields_set
    values = purchase.__dict__
    watched = tuple(values[f] if f in stated else None for f in rules.watched_fields)
    return _build(values, stated, watched, rules, _Fresh())


def decision_key(
    values: Mapping[str, Any], stated: AbstractSet[str], watched: tuple[Any, ...], rules: Rules
) -> tuple[Any, ...]:
    """Everything about a purchase that can change its verdict, and nothing else:
    the fields the pack's conditions and warnings read, whether the length and the
    values were stated, the length, and where each value falls among the pack's
    amounts (equal to, or between, which of them)."""
    cuts = rules.cut_points
    annual, total = values["annual_value"], values["total_value"]
    places = (
        bisect_left(cuts, annual),
        bisect_right(cuts, annual),
        bisect_left(cuts, total),
        bisect_right(cuts, total),
    )
    return (
        watched,
        "years" in stated,
        "annual_value" in stated,
        "total_value" in stated,
        values["years"] if in_window(rules, places) else None,
        *places,
    )


def amount_classes(rules: Rules) -> tuple[int, ...]:
    """For each pair of places the annual and total values can take among the pack's
    amounts (see rules.amount_in_place), a number naming where that pair puts the
    value against every band.

    Outside the near-threshold windows a verdict reads the amounts only through the
    bands, so purchases alike in all else and in this number get one verdict: a
    batch remembers verdicts by it rather than by the places, of which there are
    many more (the default pack has 289 pairs of places and 10 classes).
    """
    found = rules.memo.get("amount_classes")
    if found is None:
        cuts = rules.cut_points
        places = range(2 * len(cuts) + 1)
        typical = [amount_in_place(cuts, p) for p in places]
        names: dict[tuple[Any, ...], int] = {}
        found = tuple(
            names.setdefault(
                tuple(
                    band_position(cm.spec.band, {"per_annum": typical[a], "whole_life": typical[t]})
                    for cm in rules.methods
                ),
                len(names),
            )
            for a in places
            for t in places
        )
        rules.memo["amount_classes"] = found
    return cast(tuple[int, ...], found)


def in_window(rules: Rules, places: tuple[int, int, int, int]) -> bool:
    """Is either value inside a near-threshold window (where the length can matter)?"""
    return (places[0], places[1]) in rules.window_places["per_annum"] or (
        places[2],
        places[3],
    ) in rules.window_places["whole_life"]


# -- remembering parts --------------------------------------------------------------------


class _Parts:
    """Bounded tables of verdict parts, one per kind, for one rule pack."""

    def __init__(self) -> None:
        self.whole: dict[tuple[Any, ...], Verdict] = {}
        self.tables: dict[str, dict[Any, Any]] = {}
        self.serials = count(1)
        self.verdicts: dict[Verdict, Verdict] = {}
        self.texts: dict[tuple[Any, ...], _Texts] = {}
        self.ref: RulesRef | None = None

    def same(self, verdict: Verdict) -> Verdict:
        """One object for equal verdicts, however they were reached: what is written
        out per verdict (see render.rows) is then worked out once per answer."""
        found = self.verdicts.get(verdict)
        if found is None:
            make_room(self.verdicts, _SAME_LIMIT)
            found = self.verdicts[verdict] = verdict
        return found

    def rules_ref(self, rules: Rules) -> RulesRef:
        """One reference to the pack for all its verdicts, not one each: a batch keeps
        a thousand verdicts or more, and the JSON Lines writer knows the pack's JSON by
        this object."""
        if self.ref is None:
            self.ref = RulesRef(rules.name, rules.version, rules.sha256)
        return self.ref

    def same_texts(self, part: _Texts) -> _Texts:
        """One part for equal texts: most purchases near no threshold, or near the same
        one, get the same warnings, and a verdict remembered by its parts' serials is
        then found again rather than assembled anew."""
        found = self.texts.get(part.texts)
        if found is None:
            make_room(self.texts, _PART_LIMIT)
            found = self.texts[part.texts] = part
        return found

    def get(self, table: str, key: Any, build: Callable[[int], T]) -> T:
        entries = self.tables.setdefault(table, {})
        found: T | None = entries.get(key)
        if found is None:
            make_room(entries, _PART_LIMIT)
            # A serial, never reused, names the part in the keys of later parts.
            found = entries[key] = build(next(self.serials))
        return found


class _Fresh(_Parts):
    """Remembers nothing: every part is built anew."""

    def get(self, table: str, key: Any, build: Callable[[int], T]) -> T:
        return build(0)

    def same(self, verdict: Verdict) -> Verdict:
        return verdict

    def same_texts(self, part: _Texts) -> _Texts:
        return part


def _parts(rules: Rules) -> _Parts:
    parts = rules.memo.get("parts")
    if parts is None:
        parts = rules.memo["parts"] = _Parts()
    assert isinstance(parts, _Parts)
    return parts


# The parts of a verdict are plain classes: nothing compares or shows them, and a
# dataclass would compile an __init__ for each at every start (see README, Speed).


class _FamilyPart:
    """The family a purchase falls in, and why."""

    __slots__ = ("family", "reason", "serial")

    def __init__(self, family: Family, reason: str, serial: int) -> None:
        self.family = family
        self.reason = reason
        self.serial = serial


class _Choice:
    """The method chosen among the family's assessed methods, with every candidate's reason."""

    __slots__ = (
        "candidates",
        "chosen",
        "decisive",
        "exception",
        "family",
        "method",
        "reasons",
        "serial",
        "steps",
        "unstated",
    )

    def __init__(
        self,
        family: str,
        chosen: Assessment | None,
        method: MethodRef | None,
        exception: ExceptionRef | None,
        steps: tuple[str, ...],
        candidates: tuple[Candidate, ...],
        reasons: tuple[str, ...],
        decisive: tuple[str, ...],
        unstated: tuple[str, ...],
        serial: int,
    ) -> None:
        self.family = family
        self.chosen = chosen
        self.method = method
        self.exception = exception
        self.steps = steps
        self.candidates = candidates
        self.reasons = reasons
        self.decisive = decisive  # the choice rests on one range the pack warns of
        self.unstated = unstated  # fields eligible methods read that were not stated
        self.serial = serial


class _Contracts:
    """The contract types a purchase fits, and warnings about them."""

    __slots__ = ("refs", "serial", "warnings")

    def __init__(
        self, refs: tuple[ContractTypeRef, ...], warnings: tuple[str, ...], serial: int
    ) -> None:
        self.refs = refs
        self.warnings = warnings
        self.serial = serial


class _Texts:
    """A verdict's warnings of one kind (near a threshold, or not stated)."""

    __slots__ = ("serial", "texts")

    def __init__(self, texts: tuple[Any, ...], serial: int) -> None:
        self.texts = texts
        self.serial = serial


# -- building a verdict -----------------------------------------------------------------


def _build(
    described: Mapping[str, Any],
    stated: AbstractSet[str],
    watched: tuple[Any, ...],
    rules: Rules,
    parts: _Parts,
) -> Verdict:
    take = _takers(rules)
    annual, total, years = described["annual_value"], described["total_value"], described["years"]
    values = {"per_annum": annual, "whole_life": total}
    cuts = rules.cut_points
    # Where each value falls among the pack's amounts decides every band test.
    places = (
        bisect_left(cuts, annual),
        bisect_right(cuts, annual),
        bisect_left(cuts, total),
        bisect_right(cuts, total),
    )
    # The facts by name are wanted only when a part has to be worked out afresh;
    # the keys of remembered parts are read straight from the watched values.
    facts = _LazyFacts(rules.watched_fields, watched)
    fam = parts.get("family", take["family"](watched), lambda serial: _family(rules, facts, serial))
    family_id = fam.family.id
    facts.extra["family"] = family_id
    assessed = tuple(
        _assessment(cm, values, places, watched, take, facts, parts)
        for cm in rules.by_family[family_id]
    )
    choice = parts.get(
        "choice",
        (fam.serial, *(a.serial for a in assessed)),
        lambda serial: _choose(fam, assessed, rules, serial),
    )
    method_id = choice.method.id if choice.method else None
    facts.extra["method"] = method_id
    contracts = parts.get(
        "contracts",
        (family_id, method_id, take["contracts"](watched)),
        lambda serial: _contract_types(rules, facts, serial),
    )
    obligations = parts.get(
        "obligations",
        (family_id, method_id, take["obligations"](watched)),
        lambda serial: _obligations(rules, facts, serial),
    )
    # Most values are nowhere near a threshold: one shared, empty part serves them all.
    near_window = in_window(rules, places)
    if near_window:
        # Near-threshold warnings depend on eligibility alone (bands, requirements,
        # exceptions), not on the indicators: remembered on just that.
        gates = tuple(
            (a.cm.index, a.position, a.requires_ok, a.exception is not None) for a in assessed
        )
        near_key: tuple[Any, ...] = (gates, take["gates:" + family_id](watched), years, places)
    else:
        near_key = ()
    near = parts.get(
        "near",
        near_key,
        lambda serial: parts.same_texts(
            _Texts(tuple(_near_threshold(years, rules, assessed, values, facts)), serial)
        ),
    )
    not_stated = parts.get(
        "not_stated",
        (
            family_id,
            method_id,
            take["not_stated"](watched),
            *(n.field in stated for n, _ in rules.not_stated),
        ),
        lambda serial: parts.same_texts(
            _Texts(
                tuple(
                    n.text
                    for n, cond in rules.not_stated
                    if n.field not in stated and (cond is None or holds(cond, facts))
                ),
                serial,
            )
        ),
    )
    return parts.get(
        "verdict",
        (choice.serial, contracts.serial, obligations.serial, near.serial, not_stated.serial),
        lambda serial: parts.same(
            _assemble(
                rules, choice, contracts, obligations, near, not_stated, parts.rules_ref(rules)
            )
        ),
    )


class _LazyFacts(Mapping[str, Any]):
    """The facts by name (watched fields, then family and method), built on first use."""

    def __init__(self, names: tuple[str, ...], watched: tuple[Any, ...]) -> None:
        self.names = names
        self.watched = watched
        self.extra: dict[str, Any] = {}
        self._facts: dict[str, Any] | None = None

    def _all(self) -> dict[str, Any]:
        if self._facts is None:
            self._facts = dict(zip(self.names, self.watched, strict=True))
        self._facts.update(self.extra)
        return self._facts

    def __getitem__(self, key: str) -> Any:
        return self._all()[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self._all().get(key, default)

    def __iter__(self) -> Any:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def _takers(rules: Rules) -> dict[str, Callable[[tuple[Any, ...]], Any]]:
    """For each part, a function that reads the values its key needs from the watched
    values (made once per pack)."""
    found = rules.memo.get("takers")
    if found is None:
        index = {f: i for i, f in enumerate(rules.watched_fields)}

        def taker(fields: tuple[str, ...]) -> Callable[[tuple[Any, ...]], Any]:
            positions = [index[f] for f in fields]
            if len(positions) > 1:
                return itemgetter(*positions)
            if positions:
                i = positions[0]
                return lambda w: w[i]
            return lambda w: ()

        found = {
            "family": taker(rules.family_fields),
            "contracts": taker(rules.contract_fields),
            "obligations": taker(rules.obligation_fields),
            "not_stated": taker(rules.not_stated_fields),
            **{f"method:{cm.index}": taker(cm.fields) for cm in rules.methods},
            **{f"gates:{fam}": taker(fields) for fam, fields in rules.gate_fields.items()},
        }
        rules.memo["takers"] = found
    return found


def _family(rules: Rules, facts: Mapping[str, Any], serial: int) -> _FamilyPart:
    passed: list[tuple[Family, Compiled]] = []
    for fam, cond in rules.families:
        if cond is None or holds(cond, facts):
            return _FamilyPart(fam, intern(family_reason(fam, cond, facts, passed)), serial)
        passed.append((fam, cond))
    raise AssertionError("a checked pack always ends with a family that has no 'when'")


def _assessment(
    cm: CompiledMethod,
    values: Mapping[str, Decimal | None],
    places: tuple[int, ...],
    watched: tuple[Any, ...],
    take: Mapping[str, Callable[[tuple[Any, ...]], Any]],
    facts: Mapping[str, Any],
    parts: _Parts,
) -> Assessment:
    position, containing = parts.get(
        "band", (cm.index, places), lambda serial: band_position(cm.spec.band, values)
    )
    key = (cm.index, position, containing, take[f"method:{cm.index}"](watched))
    return parts.get(
        "assessment", key, lambda serial: _assess(cm, position, containing, facts, serial)
    )


def _assess(
    cm: CompiledMethod,
    position: str,
    containing: tuple[int, ...],
    facts: Mapping[str, Any],
    serial: int,
) -> Assessment:
    spec = cm.spec
    requires_ok = cm.requires is None or holds(cm.requires, facts)
    exception = None
    if position in ("below", "above"):
        for rule, cond in zip(spec.exceptions, cm.exceptions, strict=True):
            if rule.opens == position and holds(cond, facts):
                exception = (rule, cond)
                break
    matched: list[str] = []
    unmatched: list[str] = []
    unstated: set[str] = set()
    for ind, cond in zip(spec.indicators, cm.indicators, strict=True):
        if holds(cond, facts):
            matched.append(ind.text)
        else:
            unmatched.append(ind.text)
            unstated |= {f for f in _fields(cond) if facts.get(f) is None}
    total = len(matched) + len(unmatched)
    # Fields a failed gate reads that were not stated: the reason says so, since stating
    # them might open the method.
    gates: list[Compiled] = []
    if not requires_ok and cm.requires is not None:
        gates.append(cm.requires)
    if exception is None and position in ("below", "above"):
        gates += [
            c for r, c in zip(spec.exceptions, cm.exceptions, strict=True) if r.opens == position
        ]
    gate_unstated = tuple(sorted({f for c in gates for f in _fields(c) if facts.get(f) is None}))
    return with_phrases(
        Assessment(
            cm,
            position,
            tuple(spec.band.ranges[i] for i in containing),
            requires_ok,
            exception,
            tuple(matched),
            tuple(unmatched),
            tuple(sorted(unstated)),
            eligible=requires_ok and (position == "within" or exception is not None),
            score=Fraction(len(matched), total) if total else Fraction(0),
            serial=serial,
            gate_unstated=gate_unstated,
        )
    )


def _fields(cond: Compiled) -> set[str]:
    from .conditions import fields_of

    return fields_of(cond) - {"family", "method"}


def _eligible(
    cm: CompiledMethod, values: Mapping[str, Decimal | None], facts: Mapping[str, Any]
) -> bool:
    position, _ = band_position(cm.spec.band, values)
    if cm.requires is not None and not holds(cm.requires, facts):
        return False
    if position == "within":
        return True
    return any(
        rule.opens == position and holds(cond, facts)
        for rule, cond in zip(cm.spec.exceptions, cm.exceptions, strict=True)
    )


def band_position(band: Band, values: Mapping[str, Decimal | None]) -> tuple[str, tuple[int, ...]]:
    """Where the value lies against a band: within (some range holds it; which ones),
    below or above (every range has it on that side), or outside (below some, above
    others)."""
    sides = [range_side(r, values[r.basis]) for r in band.ranges]
    containing = tuple(i for i, side in enumerate(sides) if side == "within")
    if containing:
        return "within", containing
    if all(s == "below" for s in sides):
        return "below", ()
    if all(s == "above" for s in sides):
        return "above", ()
    return "outside", ()


def range_side(r: Range, value: Decimal | None) -> str:
    assert value is not None
    lo, hi = r.lower, r.upper
    if lo is not None and (value < lo.amount or (value == lo.amount and not lo.inclusive)):
        return "below"
    if hi is not None and (value > hi.amount or (value == hi.amount and not hi.inclusive)):
        return "above"
    return "within"


def _choose(
    fam: _FamilyPart, assessed: tuple[Assessment, ...], rules: Rules, serial: int
) -> _Choice:
    eligible = [a for a in assessed if a.eligible]
    chosen = max(eligible, key=lambda a: (a.score, -a.cm.index)) if eligible else None
    candidates = tuple(
        Candidate(
            a.cm.spec.id,
            a.cm.spec.name,
            a.eligible,
            float(a.score),
            a.matched,
            a.unmatched,
            intern(candidate_reason(a, chosen, eligible)),
        )
        for a in assessed
    )
    decisive: tuple[str, ...] = ()
    unstated = sorted({f for a in eligible for f in a.unstated})
    unstated_warning: tuple[str, ...] = ()
    if unstated:
        them = "it" if len(unstated) == 1 else "them"
        unstated_warning = (
            intern(
                f"{UNSTATED_NOTE}{', '.join(unstated)}. Indicators that depend on {them} count "
                f"as not matched; stating {them} could change the scores and so the "
                "recommendation."
            ),
        )
    if chosen is None:
        decision = (
            f"No route: no {fam.family.name.lower()} method is eligible for this "
            "purchase. Each method's reason says which test it failed and what would "
            "open it."
        )
        return _Choice(
            fam.family.id,
            None,
            None,
            None,
            (),
            candidates,
            (fam.reason, decision),
            decisive,
            unstated_warning,
            serial,
        )
    spec = chosen.cm.spec
    decision = intern(f"{spec.name}: {chosen_reason(chosen, eligible)}")
    # A choice that rests on one range alone, where the pack says that is worth a word
    # (the guide's £39,000 whole-life figure).
    if (
        chosen.exception is None
        and chosen.containing
        and all(r.warn_if_decisive for r in chosen.containing)
    ):
        decisive = tuple(r.warn_if_decisive for r in chosen.containing if r.warn_if_decisive)
    exception = (
        None
        if chosen.exception is None
        else ExceptionRef(chosen.exception[0].id, chosen.exception[0].text)
    )
    steps = tuple(rules.step_lists[spec.steps].steps) if spec.steps else ()
    return _Choice(
        fam.family.id,
        chosen,
        MethodRef(spec.id, spec.name),
        exception,
        steps,
        candidates,
        (fam.reason, decision),
        decisive,
        unstated_warning,
        serial,
    )


def _contract_types(rules: Rules, facts: Mapping[str, Any], serial: int) -> _Contracts:
    refs = tuple(
        ContractTypeRef(ct.id, ct.name, ct.definition)
        for ct, cond in rules.contract_types
        if holds(cond, facts)
    )
    ids = {c.id for c in refs}
    names = {c.id: c.name for c in refs}
    warnings = tuple(
        intern(
            f"Contract types that contradict each other: {names[c.between[0]]} and "
            f"{names[c.between[1]]}. {c.reason}"
        )
        for c in rules.pack.conflicts
        if c.between[0] in ids and c.between[1] in ids
    )
    return _Contracts(refs, warnings, serial)


def _obligations(rules: Rules, facts: Mapping[str, Any], serial: int) -> _Texts:
    if facts.get("method") is None:
        return _Texts((), serial)  # obligations come with a route
    return _Texts(
        tuple(
            ObligationRef(o.text, intern(rules.cite(o.source)))
            for o, cond in rules.obligations
            if cond is None or holds(cond, facts)
        ),
        serial,
    )


def _near_threshold(
    years: Decimal,
    rules: Rules,
    assessed: tuple[Assessment, ...],
    values: Mapping[str, Decimal | None],
    facts: Mapping[str, Any],
) -> list[str]:
    near = rules.pack.warnings.near_threshold
    if near is None:
        return []
    factor = max(years, _ONE)
    now = {a.cm.spec.id for a in assessed if a.eligible}
    names = {a.cm.spec.id: a.cm.spec.name for a in assessed}
    seen: set[tuple[str, Decimal]] = set()
    out: list[str] = []
    for a in assessed:
        for r in a.cm.spec.band.ranges:
            value = values[r.basis]
            assert value is not None
            for bound, is_lower in ((r.lower, True), (r.upper, False)):
                if bound is None:
                    continue
                amount = bound.amount
                # The smallest value at which this bound's test flips: the amount
                # itself, or just above it when the amount is still on this side.
                flips_at_amount = bound.inclusive if is_lower else not bound.inclusive
                probe = amount if flips_at_amount else amount + _PENNY
                below_probe = value < amount if flips_at_amount else value <= amount
                if not below_probe or value < amount * (1 - near.margin):
                    continue
                if (r.basis, probe) in seen:
                    continue
                seen.add((r.basis, probe))
                probe_values = (
                    {"per_annum": probe, "whole_life": probe * factor}
                    if r.basis == "per_annum"
                    else {"per_annum": probe / factor, "whole_life": probe}
                )
                then = {o.cm.spec.id for o in assessed if _eligible(o.cm, probe_values, facts)}
                if then == now:
                    continue
                at = (
                    f"At {format_money(amount)}"
                    if flips_at_amount
                    else f"Above {format_money(amount)}"
                )
                out.append(
                    intern(
                        f"The {BASIS_VALUE[r.basis]} is within {float(near.margin) * 100:g}% "
                        f"below the {format_money(amount)} {BASIS_WORDS[r.basis]} threshold. "
                        f"{at} the eligible methods would be {names_of(then, names)} instead "
                        f"of {names_of(now, names)}. {near.advice}"
                    )
                )
    return out


def _assemble(
    rules: Rules,
    choice: _Choice,
    contracts: _Contracts,
    obligations: _Texts,
    near: _Texts,
    not_stated: _Texts,
    rules_ref: RulesRef,
) -> Verdict:
    warnings = (
        *near.texts,
        *choice.decisive,
        *not_stated.texts,
        *choice.unstated,
        *contracts.warnings,
    )
    spec = choice.chosen.cm.spec if choice.chosen else None
    return Verdict(
        choice.family,
        choice.method,
        spec.agreement.text if spec else None,
        spec.full_cost_recovery.text if spec else None,
        spec.guiding_document.text if spec else None,
        choice.exception,
        contracts.refs,
        choice.candidates,
        choice.steps,
        obligations.texts,
        warnings,
        choice.reasons,
        rules_ref,
    )
