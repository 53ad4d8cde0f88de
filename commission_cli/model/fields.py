"""The fields a purchase description holds, as a rule pack declares them.

Only the fields every pack needs are built in: the title, the two amounts and the
length. Every other field (the Wolverhampton pack's ``outcomes``, ``providers``,
``sector``, the yes/no flags...) is declared by the pack in its ``fields:``
section: its id, its kind, the values it allows with their labels and the
synonyms people type, whether it is required, the interview's question and
help, and the source it comes from. Validation, the JSON Schema, the command
line's flags, a register's columns, the template, the interview and the
decision record all follow these declarations.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FieldKind = Literal["choice", "yes_no", "number", "money", "length", "date", "text"]


class Strict(BaseModel):
    """A part of a rule pack: every key known, nothing changed once read."""

    # The parts are read as parts of the whole pack: their own validators would be built
    # at import and never used, so each is built only if something reads it on its own.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class SourceRef(Strict):
    """Where a rule comes from: a document of the pack, a section of it, its own words."""

    document: str
    section: str
    text: str


class ChoiceValue(Strict):
    """One answer a choice allows: its id, what it means, and other ways people write it."""

    id: str
    label: str
    synonyms: list[str] = Field(default_factory=list)


class FieldDecl(Strict):
    """One field of a purchase description."""

    id: str
    kind: FieldKind | None = None  # left out only for a built-in field, to word it
    description: str | None = None  # one line: a flag's help, the template, the schema
    required: bool = False
    values: list[ChoiceValue] = Field(default_factory=list)  # a choice's answers, in order
    whole: bool = False  # a number: whole numbers only
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    default: str | None = None  # the value shown when it is not stated (e.g. partners 1)
    max_length: int | None = None  # text
    question: str | None = None  # the interview's question
    help: str | None = None  # what the question means, in a sentence or two
    template: str | None = None  # the note `commission new` writes beside it
    suggested: str | None = None  # the interview's answer when Enter is pressed
    quotes: list[SourceRef] = Field(default_factory=list)  # shown when the officer types ?
    source: SourceRef | None = None
    note: str | None = None


# The built-in fields, worded plainly; a pack may word them its own way (a question,
# help, quotes) by listing them in its fields section with no kind.
BUILT_IN: tuple[FieldDecl, ...] = (
    FieldDecl(
        id="title",
        kind="text",
        required=True,
        max_length=500,
        description="what is being bought or funded",
        question="What is being bought or funded?",
        help="A short name for the service, as it should appear on the decision record.",
        template="What is being bought or funded, in a few words "
        "(put it in quotes if it has a colon).",
    ),
    FieldDecl(
        id="annual_value",
        kind="money",
        description="value per year, in pounds",
        question="How much is it worth?",
        help="The amount a year, in pounds, such as 45k or £45,000. If you only know the "
        "total over its whole life, add the word total, such as 135k total.",
        template="Value per year in pounds (45000, £45,000, 45k or 1.2m). "
        "Give this or total_value, or both.",
    ),
    FieldDecl(
        id="total_value",
        kind="money",
        description="value over the whole life of the contract or grant, in pounds",
        question="What is it worth over its whole life?",
        help="The total over the whole life of the contract or grant, in pounds.",
        template="Value over the whole life of the contract or grant, in pounds. "
        "Give this or annual_value.",
    ),
    FieldDecl(
        id="years",
        kind="length",
        default="1",
        description="length in years (default 1): 3, 0.5, 6 months or 2 years",
        question="How many years will it run?",
        help="The length of the contract or grant in years, such as 3, or 0.5 (or 6 months) "
        "for six months.",
        template="Length in years, such as 3, 0.5 or 6 months "
        "(left blank, it is taken as 1 year, with a warning).",
    ),
)
BUILT_IN_IDS = tuple(f.id for f in BUILT_IN)
VALUE_FIELDS = ("annual_value", "total_value")
WORDING_KEYS = frozenset({"question", "help", "template", "quotes", "source", "note"})


def merged_fields(declared: list[FieldDecl]) -> tuple[FieldDecl, ...]:
    """The built-in fields (worded as the pack words them) then the pack's own, in order."""
    wording = {d.id: d for d in declared if d.id in BUILT_IN_IDS}
    built_in = tuple(
        b.model_copy(update={k: getattr(wording[b.id], k) for k in _given(wording[b.id])})
        if b.id in wording
        else b
        for b in BUILT_IN
    )
    return built_in + tuple(d for d in declared if d.id not in BUILT_IN_IDS)


def _given(decl: FieldDecl) -> set[str]:
    return (decl.model_fields_set & WORDING_KEYS) | (
        {"description"} if decl.description is not None else set()
    )


def choice_words(decl: FieldDecl) -> dict[str, str]:
    """Every way a choice's answers may be written (as values.choice_word writes them)."""
    from .values import choice_word

    words: dict[str, str] = {}
    for value in decl.values:
        words[choice_word(value.id)] = value.id
        for synonym in value.synonyms:
            words.setdefault(choice_word(synonym), value.id)
    return words
