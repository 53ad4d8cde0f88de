"""The guided interview's reasoning: what to ask, what an answer means, when to stop.

No terminal here (:mod:`.terminal` does the talking), so every rule can be
tested directly. Everything comes from the rule pack's fields: the question,
its help, the answers a choice allows (with their labels and synonyms), the
answer Enter gives (``suggested``) and the source's own words behind it.

* :func:`questions` gives each field's :class:`Question`, in the pack's order;
* :func:`read_answer` turns what an officer types into a field's value, through
  the same readers as a purchase file, or explains why it cannot;
* :func:`fields_that_matter` works out, from the pack alone, which of the fields
  not yet answered could still change the answer (the family, the method, its
  exception, the contract types, the obligations or the warnings), so that
  nothing is asked that cannot matter;
* :class:`Interview` holds the answers and says what to ask next.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import product
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..model.fields import BUILT_IN_IDS, VALUE_FIELDS, FieldDecl, FieldKind, SourceRef, choice_words
from ..model.purchase import Purchase, reader_for, validate
from ..model.values import choice_word, is_blank
from ..rules.conditions import PSEUDO_FIELDS, Compiled, atoms, fields_of, holds
from ..safe import quoted

if TYPE_CHECKING:
    from ..rules.compiled import Rules

# Beyond this many routings, "could it matter?" is answered from which fields the
# conditions read instead of by trying every combination (never for the shipped pack).
ROUTING_LIMIT = 5000
_SKIP_WORDS = frozenset({"skip", "not sure", "don't know", "dont know", "do not know"})


# -- the questions -----------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """How the interview asks for one purchase field."""

    field: str
    kind: FieldKind
    ask: str
    explain: str
    choices: tuple[tuple[str, str], ...]  # (answer, what it means), in the pack's order
    default: str | None  # the answer Enter gives
    quotes: tuple[SourceRef, ...]
    required: bool
    decl: FieldDecl


def all_questions(rules: Rules) -> dict[str, Question]:
    """Every purchase field's question, in the order the interview asks them."""
    return {name: question_for(decl) for name, decl in rules.fields.items()}


def question_for(decl: FieldDecl) -> Question:
    assert decl.kind is not None, "a pack's fields all have a kind once merged"
    return Question(
        field=decl.id,
        kind=decl.kind,
        ask=_one_line(decl.question) or _ask_from(decl),
        explain=_one_line(decl.help) or _one_line(decl.description),
        choices=tuple((v.id, _one_line(v.label)) for v in decl.values),
        default=decl.suggested,
        quotes=tuple(decl.quotes),
        required=decl.required or decl.id in VALUE_FIELDS,
        decl=decl,
    )


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def _ask_from(decl: FieldDecl) -> str:
    """A question for a field the pack gives none: its description, asked."""
    text = _one_line(decl.description) or decl.id.replace("_", " ")
    text = text[:1].upper() + text[1:]
    return text if text.endswith("?") else f"{text}?"


# -- reading an answer -------------------------------------------------------------------


class AnswerError(ValueError):
    """An answer that cannot be used; the message says why, in plain words."""


def read_answer(question: Question, text: str) -> dict[str, Any]:
    """What the officer typed, as ``{field: value}``, read as a purchase file's value is.

    An empty answer takes the question's default; ``skip`` (or an empty answer
    with no default) leaves an optional field not stated, which gives ``{}``.
    The value question may answer ``total_value`` instead (``135k total``).
    """
    text = " ".join(text.split())
    if not text and question.default is not None:
        text = question.default
    if not text or text.lower() in _SKIP_WORDS:
        if question.required:
            raise AnswerError("this one needs an answer")
        return {}
    if question.kind == "choice":
        return {question.field: _choice(question, text)}
    name, raw = _value(text) if question.field in VALUE_FIELDS else (question.field, text)
    try:
        value = reader_for(question.decl)(raw)
    except ValueError as exc:
        if question.kind == "yes_no":
            raise AnswerError(f"{quoted(text)} is not yes or no") from None
        raise AnswerError(str(exc)) from None
    return {} if value is None else {name: value}


_TOTAL = re.compile(r"\s*(?:in\s+total|total|over\s+the\s+whole\s+life|whole\s+life)$", re.I)
_A_YEAR = re.compile(r"\s*(?:a|per|each)\s+(?:year|annum)$|\s*p\.?a\.?$", re.I)


def _value(text: str) -> tuple[str, str]:
    """45k, £45,000 a year -> annual value; 135k total -> total value."""
    if _TOTAL.search(text):
        return "total_value", _TOTAL.sub("", text)
    return "annual_value", _A_YEAR.sub("", text)


def _choice(question: Question, text: str) -> str:
    """A choice by its number in the list, its id or a synonym, or the start of one."""
    allowed = [value for value, _ in question.choices]
    if text.isdigit() and 1 <= int(text) <= len(allowed):
        return allowed[int(text) - 1]
    words = choice_words(question.decl)
    word = choice_word(text)
    if word in words:
        return words[word]
    starts = sorted({value for w, value in words.items() if w.startswith(word)}, key=allowed.index)
    if len(starts) == 1:
        return starts[0]
    if len(starts) > 1:
        raise AnswerError(f"{quoted(text)} could be {' or '.join(starts)}; type more of the word")
    listed = ", ".join(allowed)
    raise AnswerError(
        f"{quoted(text)} is not one of the answers ({listed}, or 1 to {len(allowed)})"
    )


# -- what can still change the answer ----------------------------------------------------


@dataclass(frozen=True)
class Vocabulary:
    """What a rule pack's conditions can tell apart, worked out once per interview."""

    classes: dict[str, tuple[Any, ...]]  # field -> one value per distinct outcome; None first
    family_fields: tuple[str, ...]  # fields the family tests read
    method_fields: dict[str, tuple[str, ...]]  # family id -> fields its methods read
    later: tuple[Compiled, ...]  # contract type and obligation conditions
    warned: frozenset[str]  # fields the pack warns about when they are not stated


def vocabulary(rules: Rules) -> Vocabulary:
    families = [c for _, c in rules.families if c is not None]
    conditions = list(families)
    for cm in rules.methods:
        conditions += [*cm.indicators, *cm.exceptions]
        if cm.requires is not None:
            conditions.append(cm.requires)
    later = tuple(
        [c for _, c in rules.contract_types] + [c for _, c in rules.obligations if c is not None]
    )
    found: dict[str, list[Compiled]] = {}
    for cond in [*conditions, *later]:
        for atom in atoms(cond):
            if atom[1] not in PSEUDO_FIELDS and atom[1] in rules.fields:
                found.setdefault(atom[1], []).append(atom)
    read_by_families = {f for c in families for f in fields_of(c)} - set(PSEUDO_FIELDS)
    return Vocabulary(
        classes={name: _classes(rules.fields[name], seen) for name, seen in found.items()},
        family_fields=tuple(f for f in rules.fields if f in read_by_families),
        method_fields={
            family: tuple(sorted({f for cm in methods for f in cm.fields}))
            for family, methods in rules.by_family.items()
        },
        later=later,
        warned=frozenset(n.field for n in rules.pack.warnings.not_stated),
    )


def _classes(decl: FieldDecl, tests: Sequence[Compiled]) -> tuple[Any, ...]:
    """One value for each different way the pack's tests can see this field.

    Not stated comes first. Two values every test treats alike (``false`` and
    not stated, when the pack only ever tests ``true``) are one class: trying
    both could never show a difference.
    """
    candidates: list[Any]
    if decl.kind == "choice":
        candidates = [v.id for v in decl.values]
    elif decl.kind == "yes_no":
        candidates = [True, False]
    elif decl.kind in ("number", "length", "date"):
        candidates = _around(decl, tests)
    else:
        return (None,)

    def seen_as(value: Any) -> tuple[bool, ...]:
        return tuple(holds(test, {decl.id: value}) for test in tests)

    out: list[Any] = [None]
    signatures = {seen_as(None)}
    for value in candidates:
        signature = seen_as(value)
        if signature not in signatures:
            signatures.add(signature)
            out.append(value)
    return tuple(out)


def _around(decl: FieldDecl, tests: Sequence[Compiled]) -> list[Any]:
    """Values on each side of, and at, every value the tests compare this field with."""
    step: Any
    low: Any
    high: Any
    if decl.kind == "date":
        step, low, high = timedelta(days=1), date.min + timedelta(days=1), date.max
    elif decl.kind == "length":
        step, low, high = Fraction(1, 10_000), Fraction(1, 10_000), Fraction(100)
    else:
        step = 1 if decl.whole else Decimal("0.0001")
        low = decl.minimum if decl.minimum is not None else None
        high = decl.maximum if decl.maximum is not None else None
    points: set[Any] = set()
    for test in tests:
        limits = test[2] if test[0] == "in" else (test[2],)
        for limit in limits:
            if limit is None or isinstance(limit, bool):
                continue
            points.add(limit)
            for side in (-step, step):
                with contextlib.suppress(OverflowError):  # a date at the end of the calendar
                    points.add(limit + side)
    return sorted(p for p in points if (low is None or p >= low) and (high is None or p <= high))


def fields_that_matter(
    purchase: Purchase,
    open_fields: Collection[str],
    rules: Rules,
    words: Vocabulary | None = None,
) -> set[str]:
    """The open fields whose answer could still change the decision.

    A field matters when two answers to it (not stating it is one) can give a
    different family, method, exception, contract types, obligations or warnings,
    for some answers to the other open fields. Worked out from the pack: the
    purchase is routed with every combination of values the pack's tests can
    tell apart, for the fields the family and its methods read; the contract
    type and obligation conditions are then tried against every route that can
    still come out. A field the pack warns about when it is not stated always
    matters.
    """
    vocab = words if words is not None else vocabulary(rules)
    askable = {f for f in open_fields if f in vocab.classes}
    matter = {f for f in open_fields if f in vocab.warned}
    routes, decided = _method_stage(purchase, askable, rules, vocab)
    matter |= decided
    base = _facts(purchase, rules)
    for cond in vocab.later:
        matter |= _condition_stage(cond, base, askable, routes, vocab)
    return matter


def years_matter(data: Mapping[str, Any], rules: Rules) -> bool:
    """Can the length in years change the answer, when it has not been given?

    It can when the pack warns that it was not stated, when a condition reads
    it, or when a band is on the other basis than the value given (a band over
    the whole life of a contract, and a value given a year).
    """
    if "years" in {n.field for n in rules.pack.warnings.not_stated}:
        return True
    if "years" in rules.condition_fields:
        return True
    given = {
        "per_annum" if name == "annual_value" else "whole_life"
        for name in VALUE_FIELDS
        if not is_blank(data.get(name))
    }
    bases = {r.basis for cm in rules.methods for r in cm.spec.band.ranges}
    return bool(bases - given)


def _facts(purchase: Purchase, rules: Rules) -> dict[str, Any]:
    """The facts the engine reads: each field's value, None where it was not stated."""
    stated = purchase.stated
    return {f: getattr(purchase, f, None) if f in stated else None for f in rules.fact_fields}


Route = tuple[str, "str | None"]


def _method_stage(
    purchase: Purchase, askable: set[str], rules: Rules, vocab: Vocabulary
) -> tuple[set[Route], set[str]]:
    """Which (family, method) routes can still come out, and which fields decide between them.

    The family is worked out from its own conditions for each combination of the
    open fields they read; then the purchase is routed for each combination of
    the open fields that family's methods read.
    """
    family_open = [f for f in vocab.family_fields if f in askable]
    base = _facts(purchase, rules)
    settings = []  # (family combination, family id, method fields open for that family)
    for combo in product(*(vocab.classes[f] for f in family_open)):
        facts = {**base, **dict(zip(family_open, combo, strict=True))}
        family = _family_of(rules, facts)
        later = [
            f for f in vocab.method_fields.get(family, ()) if f in askable and f not in family_open
        ]
        settings.append((combo, family, later))
    cost = sum(_count(vocab, later) for _, _, later in settings)
    if cost > ROUTING_LIMIT:
        return _method_stage_by_reading(rules, askable, vocab)

    amounts = {"per_annum": purchase.per_annum, "whole_life": purchase.total_value}
    routes: set[Route] = set()
    decided: set[str] = set()
    by_family_combo: dict[tuple[Any, ...], Hashable] = {}
    for combo, family, later in settings:
        outcomes: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        for values in product(*(vocab.classes[f] for f in later)):
            facts = {
                **base,
                **dict(zip(family_open, combo, strict=True)),
                **dict(zip(later, values, strict=True)),
            }
            outcome = _outcome(rules, facts, amounts, purchase.years)
            routes.add((outcome[0], outcome[1]))
            outcomes[values] = outcome
        decided |= {later[i] for i in range(len(later)) if _varies(outcomes, i)}
        by_family_combo[combo] = (family, tuple(outcomes.values()))
    decided |= {family_open[i] for i in range(len(family_open)) if _varies(by_family_combo, i)}
    return routes, decided


def _method_stage_by_reading(
    rules: Rules, askable: set[str], vocab: Vocabulary
) -> tuple[set[Route], set[str]]:
    """Too many combinations to try: every open field a family or method test reads
    counts, and every route of the pack can come out (never too few questions)."""
    read = set(vocab.family_fields)
    for fields_read in vocab.method_fields.values():
        read |= set(fields_read)
    routes: set[Route] = set()
    for family, methods in rules.by_family.items():
        routes.add((family, None))
        routes |= {(family, cm.spec.id) for cm in methods}
    return routes, read & askable


def _count(vocab: Vocabulary, names: Iterable[str]) -> int:
    total = 1
    for name in names:
        total *= len(vocab.classes[name])
    return total


def _condition_stage(
    cond: Compiled,
    base: Mapping[str, Any],
    askable: set[str],
    routes: set[Route],
    vocab: Vocabulary,
) -> set[str]:
    """The open fields that can turn a contract type or obligation on or off."""
    open_read = sorted((fields_of(cond) - set(PSEUDO_FIELDS)) & askable)
    if not open_read:
        return set()
    found: set[str] = set()
    for family, method in sorted(routes, key=str):
        table: dict[tuple[Any, ...], bool] = {}
        for values in product(*(vocab.classes[f] for f in open_read)):
            facts = {**base, **dict(zip(open_read, values, strict=True))}
            facts["family"], facts["method"] = family, method
            table[values] = holds(cond, facts)
        found |= {open_read[i] for i in range(len(open_read)) if _varies(table, i)}
    return found


def _varies(table: Mapping[tuple[Any, ...], Hashable], index: int) -> bool:
    """Does changing only the value at ``index`` ever change the result?"""
    seen: dict[tuple[Any, ...], Hashable] = {}
    for key, result in table.items():
        rest = key[:index] + key[index + 1 :]
        if rest in seen and seen[rest] != result:
            return True
        seen.setdefault(rest, result)
    return False


def _family_of(rules: Rules, facts: Mapping[str, Any]) -> str:
    for family, cond in rules.families:
        if cond is None or holds(cond, facts):
            return family.id
    raise AssertionError("a checked pack always ends with a family that has no 'when'")


def _outcome(
    rules: Rules, facts: Mapping[str, Any], amounts: Mapping[str, Any], years: Fraction
) -> tuple[Any, ...]:
    """Everything an answer to a question could change, in one comparable value."""
    from ..engine.decide import decide

    o = decide(rules, facts, amounts, years)
    return (
        o.family.id,
        o.chosen.method.id if o.chosen else None,
        o.chosen.exception[0].id if o.chosen and o.chosen.exception else None,
        tuple(ct.id for ct in o.contract_types),
        tuple(ob.id for ob in o.obligations),
        o.near,
        o.decisive,
        o.not_stated,
        tuple(tuple(c.between) for c in o.conflicts),
        # Left out: the note listing the fields eligible methods read but were not
        # given, which changes whenever any of them is answered, whether or not the
        # answer could change the decision.
    )


# -- the interview -----------------------------------------------------------------------


def missing_fields(data: Mapping[str, Any], rules: Rules) -> list[str]:
    """Required fields absent or blank in ``data`` (annual_value stands for either value)."""
    missing = [
        name
        for name, decl in rules.fields.items()
        if decl.required and name not in VALUE_FIELDS and is_blank(data.get(name))
    ]
    if all(is_blank(data.get(name)) for name in VALUE_FIELDS):
        missing.append("annual_value")
    return missing


@dataclass
class Interview:
    """The answers so far, and what to ask next.

    Starts from what a file and flags already said (``given``); asks first for
    what is required (the title, the value, the pack's required fields, and the
    length when it can matter), then for each optional field that can still
    change the answer, in the pack's order, until none can.
    """

    rules: Rules
    given: Mapping[str, Any] = field(default_factory=dict)
    answers: dict[str, Any] = field(init=False)
    asked: list[str] = field(init=False, default_factory=list)
    closed: set[str] = field(init=False, default_factory=set)
    questions: dict[str, Question] = field(init=False)
    words: Vocabulary = field(init=False)

    def __post_init__(self) -> None:
        self.answers = {k: v for k, v in self.given.items() if not is_blank(v)}
        self.questions = all_questions(self.rules)
        self.words = vocabulary(self.rules)

    @property
    def missing(self) -> list[str]:
        return missing_fields(self.answers, self.rules)

    def next_question(self) -> Question | None:
        missing = self.missing
        for name, question in self.questions.items():
            if name in self.closed or name in self.answers:
                continue
            if name in missing or (name == "years" and self._years_open()):
                return question
        if missing:
            return None  # only reached when a value was skipped, which read_answer forbids
        try:
            purchase = self.purchase()
        except InputError:
            return None  # the answers together break a rule: the caller asks them again
        matter = fields_that_matter(purchase, self.open_fields(), self.rules, self.words)
        # What decides the family first: its answer rules out a whole family's questions.
        first = matter & set(self.words.family_fields) or matter
        return next((q for name, q in self.questions.items() if name in first), None)

    def _years_open(self) -> bool:
        # Asked once a value is known, and only if the pack can use it.
        return not self.missing_value() and years_matter(self.answers, self.rules)

    def missing_value(self) -> bool:
        return all(is_blank(self.answers.get(name)) for name in VALUE_FIELDS)

    def open_fields(self) -> set[str]:
        """Optional fields neither given nor asked yet."""
        return {
            name
            for name in self.rules.fields
            if name not in self.answers and name not in self.closed and name not in BUILT_IN_IDS
        }

    def answer(self, question: Question, text: str) -> dict[str, Any]:
        """Take an answer (raises AnswerError, and changes nothing, if it cannot be used)."""
        value = read_answer(question, text)
        self.answers.update(value)
        self.closed.add(question.field)
        self.asked.append(question.field)
        return value

    def reopen(self, names: Iterable[str]) -> None:
        """Ask these again (after the answers together broke a rule, such as a limit)."""
        for name in names:
            self.answers.pop(name, None)
            self.closed.discard(name)

    def purchase(self, source: str | None = None) -> Purchase:
        return validate(self.rules.purchase_model, self.answers, source=source)

    def not_asked(self) -> list[str]:
        """Optional fields left unstated because no answer could change the decision."""
        open_now = self.open_fields()
        return [name for name in self.rules.fields if name in open_now]


def can_interview(data: Mapping[str, Any], rules: Rules) -> bool:
    """Is everything given valid, so that asking for what is missing can complete it?

    A misspelt key or a bad value is for the officer to correct in the file or
    flag: questions cannot fix those.
    """
    filled = {k: v for k, v in data.items() if not is_blank(v)}
    for name in missing_fields(filled, rules):
        filled[name] = _placeholder(rules.fields[name])
    try:
        validate(rules.purchase_model, filled)
    except InputError:
        return False
    return True


def _placeholder(decl: FieldDecl) -> Any:
    """Some valid value of a field, standing in for an answer still to come."""
    if decl.kind == "choice":
        return decl.values[0].id
    if decl.kind == "yes_no":
        return False
    if decl.kind in ("money", "length"):
        return "1"
    if decl.kind == "number":
        return str(decl.minimum if decl.minimum is not None else 1)
    if decl.kind == "date":
        return date.today().isoformat()
    return "placeholder"


def purchase_file_text(
    purchase: Purchase, not_asked: Sequence[str], rules: Rules, name: str = "THIS-FILE"
) -> str:
    """The answers as a purchase description file: what was stated, nothing derived.

    Routing the file again gives the same decision, because it holds exactly the
    fields the officer stated (a derived total or an assumed length stays derived).
    """
    import textwrap

    import yaml

    from .._version import __version__
    from ..render.text import today
    from ..safe import shown

    data = {n: as_written(getattr(purchase, n)) for n in rules.fields if n in purchase.stated}
    lines = [
        f"# Purchase description saved by commission {__version__} on {today()},",
        "# from the answers to `commission route`. Route it again with:",
        f"#   commission route {shown(name)}",
    ]
    if not_asked:
        note = (
            "Not asked, because no answer could change the decision under "
            f"{shown(rules.name)} {shown(rules.version)}: {', '.join(not_asked)}."
        )
        lines += textwrap.wrap(note, 88, initial_indent="# ", subsequent_indent="# ")
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)
    return "\n".join(lines) + "\n" + str(body)


def as_written(value: Any) -> Any:
    """A value as a purchase file can say it and be read back to the same value."""
    from ..model.values import years_as_written

    if isinstance(value, Fraction):
        return years_as_written(value)
    if isinstance(value, Decimal):
        whole = value.to_integral_value()
        if value == whole:
            return int(whole)
        # A float reads back to the same amount only if it prints as the same digits.
        return float(value) if Decimal(repr(float(value))) == value else format(value, "f")
    return value
