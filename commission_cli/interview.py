"""The guided interview's reasoning: what to ask, what an answer means, when to stop.

No terminal here (``cli/interview_io.py`` does the talking), so every rule can
be tested directly:

* :func:`questions` reads the plain-words questions from ``data/questions.yaml``;
* :func:`read_answer` turns what an officer types into a field's value, through
  the Purchase model's own validators, or explains why it cannot;
* :func:`fields_that_matter` works out, from the rule pack alone, which of the
  fields not yet answered could still change the answer (the method, the
  contract types, the obligations or the warnings), so that nothing is asked
  that cannot matter;
* :class:`Interview` holds the answers and says what to ask next.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from itertools import product
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .conditions import PSEUDO_FIELDS, Compiled, fields_of, holds
from .errors import Problem
from .loading import missing_fields, validate_purchase
from .purchase import Purchase
from .vocabulary import MAX_PARTNERS, MAX_YEARS, FieldKind, field_kind

if TYPE_CHECKING:
    from .documents import Document
    from .rules import Rules

QUESTIONS_FILE = Path(__file__).resolve().parent / "data" / "questions.yaml"

# Answered as part of the value question, never asked on its own.
_VALUE_FIELDS = ("annual_value", "total_value")
# Beyond this many routings, "could it matter?" is answered from which fields the
# conditions read instead of by trying every combination (never for the shipped pack).
ROUTING_LIMIT = 5000
_SKIP_WORDS = frozenset({"skip", "not sure", "don't know", "dont know", "do not know"})
_YES = frozenset({"y", "yes", "true", "t", "1"})
_NO = frozenset({"n", "no", "false", "f", "0"})


# -- the questions -----------------------------------------------------------------------


@dataclass(frozen=True)
class Quote:
    """The source's own words behind a question."""

    text: str
    document: str
    section: str


@dataclass(frozen=True)
class Question:
    """How the interview asks for one purchase field."""

    field: str
    kind: FieldKind
    ask: str
    explain: str
    template: str
    choices: tuple[tuple[str, str], ...]  # (answer, what it means), in the model's order
    default: str | None
    quotes: tuple[Quote, ...]
    required: bool


@cache
def questions() -> dict[str, Question]:
    """Every purchase field's question, in the order the interview asks them."""
    import yaml

    raw = yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))
    out: dict[str, Question] = {}
    for name, entry in raw.items():
        out[name] = _question(name, entry)
    missing = [n for n in Purchase.model_fields if n not in out]
    if missing:
        raise RuntimeError(f"{QUESTIONS_FILE} has no question for: {', '.join(missing)}")
    return out


def _question(name: str, entry: Mapping[str, Any]) -> Question:
    if name not in Purchase.model_fields:
        raise RuntimeError(f"{QUESTIONS_FILE}: {name!r} is not a purchase field")
    kind, allowed = field_kind(name)
    meanings = entry.get("choices") or {}
    if kind == "choice" and set(meanings) != set(allowed):
        raise RuntimeError(f"{QUESTIONS_FILE}: {name}: choices must be exactly {allowed}")
    explain = " ".join(str(entry["explain"]).split())
    required = Purchase.model_fields[name].is_required() or name in _VALUE_FIELDS
    return Question(
        field=name,
        kind=kind,
        ask=str(entry["ask"]),
        explain=explain,
        template=" ".join(str(entry.get("template") or explain).split()),
        choices=tuple((value, str(meanings[value])) for value in allowed) if meanings else (),
        default=None if entry.get("default") is None else str(entry["default"]),
        quotes=tuple(
            Quote(" ".join(str(q["text"]).split()), str(q["document"]), str(q["section"]))
            for q in entry.get("quotes") or ()
        ),
        required=required,
    )


# -- reading an answer -------------------------------------------------------------------


class AnswerError(ValueError):
    """An answer that cannot be used; the message says why, in plain words."""


def read_answer(question: Question, text: str) -> dict[str, Any]:
    """What the officer typed, as ``{field: value}`` validated by the Purchase model.

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
    name, value = _interpret(question, text)
    return {name: validate_field(name, value)}


def _interpret(question: Question, text: str) -> tuple[str, Any]:
    """The field an answer is for and the raw value, before the model validates it."""
    if question.kind == "choice":
        return question.field, _choice(question, text)
    if question.kind == "flag":
        word = text.lower()
        if word in _YES:
            return question.field, True
        if word in _NO:
            return question.field, False
        raise AnswerError(f"{text!r} is not yes or no")
    if question.kind == "money" and question.field in _VALUE_FIELDS:
        return _value(text)
    if question.kind == "number":
        return question.field, re.sub(r"\s*years?$", "", text, flags=re.IGNORECASE)
    return question.field, text


_TOTAL = re.compile(r"\s*(?:in\s+total|total|over\s+the\s+whole\s+life|whole\s+life)$", re.I)
_A_YEAR = re.compile(r"\s*(?:a|per|each)\s+(?:year|annum)$|\s*p\.?a\.?$", re.I)


def _value(text: str) -> tuple[str, str]:
    """45k, £45,000 a year -> annual value; 135k total -> total value."""
    if _TOTAL.search(text):
        return "total_value", _TOTAL.sub("", text)
    return "annual_value", _A_YEAR.sub("", text)


def _choice(question: Question, text: str) -> str:
    """A choice by its number in the list, its name, or the start of its name."""
    allowed = [value for value, _ in question.choices]
    if text.isdigit() and 1 <= int(text) <= len(allowed):
        return allowed[int(text) - 1]
    word = text.lower().replace("-", "_").replace(" ", "_")
    if word in allowed:
        return word
    starts = [value for value in allowed if value.startswith(word)]
    if len(starts) == 1:
        return starts[0]
    listed = ", ".join(allowed)
    if len(starts) > 1:
        raise AnswerError(f"{text!r} could be {' or '.join(starts)}; type more of the word")
    raise AnswerError(f"{text!r} is not one of the answers ({listed}, or 1 to {len(allowed)})")


def validate_field(name: str, value: Any) -> Any:
    """One field's value checked by the same validators as a whole Purchase."""
    from pydantic import ValidationError

    from .validation import describe_error

    try:
        return _adapter(name).validate_python(value)
    except ValidationError as exc:
        messages = "; ".join(describe_error(e) for e in exc.errors(include_url=False))
        raise AnswerError(messages) from None


@cache
def _adapter(name: str) -> Any:
    from typing import Annotated

    from pydantic import TypeAdapter

    info = Purchase.model_fields[name]
    # The field's type with its validators and limits, exactly as the model checks it.
    annotated: Any = (
        Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
    )
    return TypeAdapter(annotated)


# -- what can still change the answer ----------------------------------------------------


@dataclass(frozen=True)
class _Vocabulary:
    """What a rule pack's conditions can tell apart, worked out once per pack."""

    classes: dict[str, tuple[Any, ...]]  # field -> one value per distinct outcome; None first
    method_fields: dict[str, tuple[str, ...]]  # family id -> fields its methods read
    later: tuple[Compiled, ...]  # contract type and obligation conditions
    warned: frozenset[str]  # fields the pack warns about when they are not stated


def _vocabulary(rules: Rules) -> _Vocabulary:
    found = rules.memo.get("interview")
    if isinstance(found, _Vocabulary):
        return found
    conditions = [c for _, c in rules.families if c is not None]
    for cm in rules.methods:
        conditions += [*cm.indicators, *cm.exceptions]
        if cm.requires is not None:
            conditions.append(cm.requires)
    later = tuple(
        [c for _, c in rules.contract_types] + [c for _, c in rules.obligations if c is not None]
    )
    atoms: dict[str, list[Compiled]] = {}
    for cond in [*conditions, *later]:
        for atom in _atoms(cond):
            if atom[1] not in PSEUDO_FIELDS:
                atoms.setdefault(atom[1], []).append(atom)
    vocabulary = _Vocabulary(
        classes={name: _classes(name, found_atoms) for name, found_atoms in atoms.items()},
        method_fields={
            family: tuple(sorted({f for cm in methods for f in cm.fields}))
            for family, methods in rules.by_family.items()
        },
        later=later,
        warned=frozenset(n.field for n in rules.pack.warnings.not_stated),
    )
    rules.memo["interview"] = vocabulary
    return vocabulary


def _atoms(cond: Compiled) -> Iterable[Compiled]:
    if cond[0] in ("all", "any"):
        for part in cond[1]:
            yield from _atoms(part)
    else:
        yield cond


def _classes(name: str, atoms: Sequence[Compiled]) -> tuple[Any, ...]:
    """One value for each different way the pack's tests can see this field.

    Not stated comes first. Two values every test treats alike (``false`` and
    not stated, when the pack only ever tests ``true``) are one class: trying
    both could never show a difference.
    """
    kind, allowed = field_kind(name)
    candidates: list[Any]
    if kind == "choice":
        candidates = list(allowed)
    elif kind == "flag":
        candidates = [True, False]
    elif kind in ("integer", "number"):
        candidates = _numbers_around(kind, atoms)
    else:
        return (None,)

    def seen_as(value: Any) -> tuple[bool, ...]:
        return tuple(holds(atom, {name: value}) for atom in atoms)

    out: list[Any] = [None]
    signatures = {seen_as(None)}
    for value in candidates:
        signature = seen_as(value)
        if signature not in signatures:
            signatures.add(signature)
            out.append(value)
    return tuple(out)


def _numbers_around(kind: str, atoms: Sequence[Compiled]) -> list[Any]:
    """Numbers on each side of every amount the tests compare with."""
    step = Decimal(1) if kind == "integer" else Decimal("0.5")
    low, high = (Decimal(1), Decimal(MAX_PARTNERS)) if kind == "integer" else (step, MAX_YEARS)
    points: set[Decimal] = {low}
    for atom in atoms:
        limits = atom[2] if atom[0] == "in" else (atom[2],)
        for limit in limits:
            if isinstance(limit, (int, Decimal)) and not isinstance(limit, bool):
                points |= {Decimal(limit) - step, Decimal(limit), Decimal(limit) + step}
    usable = sorted(p for p in points if low <= p <= high)
    return [int(p) for p in usable] if kind == "integer" else usable


def fields_that_matter(purchase: Purchase, open_fields: Collection[str], rules: Rules) -> set[str]:
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
    vocabulary = _vocabulary(rules)
    base = _facts(purchase)
    askable = {f for f in open_fields if f in vocabulary.classes}
    matter = {f for f in open_fields if f in vocabulary.warned}
    routes, decided = _method_stage(purchase, askable, rules, vocabulary)
    matter |= decided
    for cond in vocabulary.later:
        matter |= _condition_stage(cond, base, askable, routes, vocabulary)
    return matter


def years_matter(purchase_data: Mapping[str, Any], rules: Rules) -> bool:
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
        for name in _VALUE_FIELDS
        if not _blank(purchase_data.get(name))
    }
    bases = {r.basis for cm in rules.methods for r in cm.spec.band.ranges}
    return bool(bases - given)


def _facts(purchase: Purchase) -> dict[str, Any]:
    stated = purchase.stated
    return {name: (value if name in stated else None) for name, value in purchase.__dict__.items()}


def _method_stage(
    purchase: Purchase, askable: set[str], rules: Rules, vocabulary: _Vocabulary
) -> tuple[set[tuple[str, str | None]], set[str]]:
    """Which (family, method) routes can still come out, and which fields decide between them.

    The family is worked out from its own conditions for each combination of the
    open fields they read; then the purchase is routed for each combination of
    the open fields that family's methods read.
    """
    family_open = [f for f in rules.family_fields if f in askable]
    base = _facts(purchase)
    settings = []  # (family combination, family id, method fields open for that family)
    for combo in product(*(vocabulary.classes[f] for f in family_open)):
        facts = {**base, **dict(zip(family_open, combo, strict=True))}
        family = _family_of(rules, facts)
        later = [
            f
            for f in vocabulary.method_fields.get(family, ())
            if f in askable and f not in family_open
        ]
        settings.append((combo, family, later))
    cost = sum(_count(vocabulary, later) for _, _, later in settings)
    if cost > ROUTING_LIMIT:
        return _method_stage_by_reading(rules, askable, vocabulary)

    routes: set[tuple[str, str | None]] = set()
    decided: set[str] = set()
    by_family_combo: dict[tuple[Any, ...], Hashable] = {}
    for combo, family, later in settings:
        outcomes: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        for values in product(*(vocabulary.classes[f] for f in later)):
            changes = {
                **dict(zip(family_open, combo, strict=True)),
                **dict(zip(later, values, strict=True)),
            }
            outcome = _outcome(_changed(purchase, changes), rules)
            routes.add((outcome[0], outcome[1]))
            outcomes[values] = outcome
        decided |= {later[i] for i in range(len(later)) if _varies(outcomes, i)}
        by_family_combo[combo] = (family, tuple(outcomes.values()))
    decided |= {family_open[i] for i in range(len(family_open)) if _varies(by_family_combo, i)}
    return routes, decided


def _method_stage_by_reading(
    rules: Rules, askable: set[str], vocabulary: _Vocabulary
) -> tuple[set[tuple[str, str | None]], set[str]]:
    """Too many combinations to try: every open field a family or method test reads
    counts, and every route of the pack can come out (never too few questions)."""
    read = set(rules.family_fields)
    for fields_read in vocabulary.method_fields.values():
        read |= set(fields_read)
    routes: set[tuple[str, str | None]] = set()
    for family, methods in rules.by_family.items():
        routes.add((family, None))
        routes |= {(family, cm.spec.id) for cm in methods}
    return routes, read & askable


def _count(vocabulary: _Vocabulary, names: Iterable[str]) -> int:
    total = 1
    for name in names:
        total *= len(vocabulary.classes[name])
    return total


def _condition_stage(
    cond: Compiled,
    base: Mapping[str, Any],
    askable: set[str],
    routes: set[tuple[str, str | None]],
    vocabulary: _Vocabulary,
) -> set[str]:
    """The open fields that can turn a contract type or obligation on or off."""
    open_read = sorted((fields_of(cond) - set(PSEUDO_FIELDS)) & askable)
    if not open_read:
        return set()
    found: set[str] = set()
    for family, method in sorted(routes, key=str):
        table: dict[tuple[Any, ...], bool] = {}
        for values in product(*(vocabulary.classes[f] for f in open_read)):
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


def _changed(purchase: Purchase, changes: Mapping[str, Any]) -> Purchase:
    """The purchase with some fields set (or, for None, not stated), without revalidating:
    every value tried is one the model allows."""
    values = dict(purchase.__dict__)
    stated = set(purchase.stated)
    for name, value in changes.items():
        if value is None:
            values[name] = Purchase.model_fields[name].default
            stated.discard(name)
        else:
            values[name] = value
            stated.add(name)
    return Purchase.from_validated(values, frozenset(stated))


def _outcome(purchase: Purchase, rules: Rules) -> tuple[Any, ...]:
    """Everything an answer to a question could change, in one comparable value."""
    from .engine import UNSTATED_NOTE, route

    d = route(purchase, rules)
    return (
        d.family,
        d.method.id if d.method else None,
        d.exception.id if d.exception else None,
        tuple(c.id for c in d.contract_types),
        tuple(o.text for o in d.obligations),
        # The engine's note listing unstated fields changes whenever any field is
        # stated, whether or not it could change the answer: no reason to ask.
        tuple(w for w in d.warnings if not w.startswith(UNSTATED_NOTE)),
    )


# -- the interview -----------------------------------------------------------------------


@dataclass
class Interview:
    """The answers so far, and what to ask next.

    Starts from what a file and flags already said (``given``); asks first for
    what is required (the title, the value, the outcomes, and the length when
    it can matter), then for each optional field that can still change the
    answer, in the order of ``questions()``, until none can.
    """

    rules: Rules
    given: Mapping[str, Any] = field(default_factory=dict)
    answers: dict[str, Any] = field(init=False)
    asked: list[str] = field(init=False, default_factory=list)
    closed: set[str] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        self.answers = {k: v for k, v in self.given.items() if not _blank(v)}

    @property
    def missing(self) -> list[str]:
        """Required fields with no answer yet (annual_value stands for either value)."""
        return missing_fields(self.answers)

    def next_question(self) -> Question | None:
        for name, question in questions().items():
            if name in self.closed or name in self.answers:
                continue
            if name in self.missing or (name == "years" and self._years_open()):
                return question
        if self.missing:
            return None  # only reached when a value was skipped, which read_answer forbids
        matter = fields_that_matter(self.purchase(), self.open_fields(), self.rules)
        return next((q for name, q in questions().items() if name in matter), None)

    def _years_open(self) -> bool:
        # Asked once a value is known, and only if the pack can use it.
        return not self.missing_value() and years_matter(self.answers, self.rules)

    def missing_value(self) -> bool:
        return all(_blank(self.answers.get(name)) for name in _VALUE_FIELDS)

    def open_fields(self) -> set[str]:
        """Optional fields neither given nor asked yet."""
        return {
            name
            for name in Purchase.model_fields
            if name not in self.answers
            and name not in self.closed
            and name not in _VALUE_FIELDS
            and name not in ("title", "years")
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
        return validate_purchase(self.answers, source=source)

    def not_asked(self) -> list[str]:
        """Optional fields left unstated because no answer could change the decision."""
        return [name for name in questions() if name in self.open_fields()]


def can_interview(data: Mapping[str, Any]) -> bool:
    """Is everything given valid, so that asking for what is missing can complete it?

    A misspelt key or a bad value is for the officer to correct in the file or
    flag: questions cannot fix those.
    """
    from pydantic import ValidationError

    filled = {k: v for k, v in data.items() if not _blank(v)}
    placeholders: dict[str, Callable[[], Any]] = {
        "title": lambda: "placeholder",
        "outcomes": lambda: field_kind("outcomes")[1][0],
        "annual_value": lambda: 1,
    }
    for name in missing_fields(filled):
        filled[name] = placeholders[name]()
    try:
        Purchase.model_validate(filled)
    except ValidationError:
        return False
    return True


def explain_blanks(problems: list[Problem], document: Document | None) -> list[Problem]:
    """Say "is blank" where a required field's key is there with nothing after it.

    A template filled in halfway should point at the very line to fill in, not
    at the top of the file with "is required but missing".
    """
    if document is None or not isinstance(document.data, Mapping):
        return problems
    out: list[Problem] = []
    for problem in problems:
        name = problem.field or ""
        blank_keys = [
            k
            for k in ((name,) if name not in _VALUE_FIELDS else _VALUE_FIELDS)
            if k in document.data and _blank(document.data[k])
        ]
        if problem.source == document.source and blank_keys and _is_missing(problem):
            out.append(document.problem(_fill_in(name), (blank_keys[0],), key=True))
        else:
            out.append(problem)
    out.sort(key=lambda p: (p.line or 0, p.column or 0))
    return out


def _is_missing(problem: Problem) -> bool:
    return problem.message in (
        "is required but missing",
        "give annual_value or total_value (or both)",
    )


def _fill_in(name: str) -> str:
    if name in _VALUE_FIELDS:
        return (
            "is blank; fill in annual_value or total_value, in pounds "
            "(such as 45000, £45,000 or 45k)"
        )
    kind, allowed = field_kind(name)
    if kind == "choice":
        return f"is blank; fill in {' or '.join(allowed)}"
    return f"is blank; fill in {Purchase.model_fields[name].description}"


def purchase_file_text(
    purchase: Purchase, not_asked: Sequence[str], rules: Rules, name: str = "THIS-FILE"
) -> str:
    """The answers as a purchase description file: what was stated, nothing derived.

    Routing the file again gives the same decision, because it holds exactly the
    fields the officer stated (a derived total or an assumed length stays derived).
    """
    import yaml

    from ._version import __version__
    from .money import money_to_json
    from .render.text import today

    data: dict[str, Any] = {}
    for name in Purchase.model_fields:
        if name in purchase.stated:
            value = getattr(purchase, name)
            data[name] = money_to_json(value) if isinstance(value, Decimal) else value
    lines = [
        f"# Purchase description saved by commission {__version__} on {today()},",
        "# from the answers to `commission route`. Route it again with:",
        f"#   commission route {name}",
    ]
    if not_asked:
        lines += textwrap_comment(
            f"Not asked, because no answer could change the decision under "
            f"{rules.name} {rules.version}: {', '.join(not_asked)}."
        )
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)
    return "\n".join(lines) + "\n" + str(body)


def textwrap_comment(text: str, width: int = 88) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width, initial_indent="# ", subsequent_indent="# ")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


__all__ = [
    "AnswerError",
    "Interview",
    "Question",
    "can_interview",
    "explain_blanks",
    "fields_that_matter",
    "purchase_file_text",
    "questions",
    "read_answer",
    "years_matter",
]
