"""The glossary: every definition in the source documents, and a forgiving look-up.

The definitions live in ``data/glossary.yaml`` (shipped inside the package), each
with the document, section and words it comes from. A person looking a term up
types what they remember, so matching forgives:

* case and punctuation (``in house`` finds "In-house Services");
* plurals and other forms of a word (``pooled budget`` finds "Pooled budgets",
  ``spot purchases`` finds "Spot Purchasing");
* partial words (``pool`` finds both pooled entries; ``procure`` finds procurement);
* spaces and hyphens inside a word (``e-procurement`` finds "eProcurement").

Every word typed must begin a word of the term (or of one of its aliases), in
any order. An entry that sends the reader elsewhere ("Integrated Commissioning:
See 'Joint Commissioning'") brings the entries it names along, so
``integrated commissioning`` leads to joint commissioning. When nothing
matches, :func:`suggest` offers the nearest terms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .documents import Document
    from .errors import Problem

DATA = Path(__file__).resolve().parent / "data" / "glossary.yaml"


@dataclass(frozen=True)
class SourceDocument:
    """A document the glossary quotes."""

    id: str
    title: str
    file: str


@dataclass(frozen=True)
class Entry:
    """One definition, as the document prints it."""

    id: str
    term: str
    document: str
    section: str
    text: str
    paragraph: str | None = None
    example: str | None = None
    see: tuple[str, ...] = ()  # terms the entry refers the reader to
    aliases: tuple[str, ...] = ()  # other names the document gives the term
    contract_type: str | None = None  # the id of the contract type it defines in a rule pack


@dataclass(frozen=True)
class Match:
    """An entry found for a query; ``via`` is the entry that referred to it, if any."""

    entry: Entry
    via: Entry | None = None


@dataclass(frozen=True)
class Glossary:
    """The glossary's entries and the documents they come from."""

    documents: tuple[SourceDocument, ...]
    entries: tuple[Entry, ...]
    _by_document: dict[str, SourceDocument] = field(default_factory=dict, compare=False)

    def document(self, entry: Entry) -> SourceDocument:
        return self._by_document[entry.document]

    def cite(self, entry: Entry) -> str:
        """Where an entry comes from: "Bromley ... glossary, Definitions" (and its paragraph)."""
        where = f"{self.document(entry).title}, {entry.section}"
        return f"{where}, paragraph {entry.paragraph}" if entry.paragraph else where

    def groups(self) -> list[tuple[SourceDocument, str, list[Entry]]]:
        """The entries grouped by document and section, in the order of the data."""
        out: list[tuple[SourceDocument, str, list[Entry]]] = []
        for entry in self.entries:
            doc = self.document(entry)
            if out and out[-1][0] == doc and out[-1][1] == entry.section:
                out[-1][2].append(entry)
            else:
                out.append((doc, entry.section, [entry]))
        return out

    def with_term(self, term: str) -> list[Entry]:
        """Every entry whose term (or alias) is this term, whatever the case or plural."""
        wanted = _words(term)
        return [e for e in self.entries if any(_words(t) == wanted for t in _names(e))]

    def find(self, query: str) -> list[Match]:
        """The entries a person typing ``query`` is after, best first, then those they refer to."""
        if not _words(query):
            return []
        scored = [(rank, i, e) for i, e in enumerate(self.entries) if (rank := _rank(e, query))]
        found = [Match(e) for _, _, e in sorted(scored, key=lambda t: (t[0], t[1]))]
        return _follow(self, found)

    def suggest(self, query: str, limit: int = 5) -> list[str]:
        """The terms nearest to a query that found nothing (spelling slips, mostly)."""
        import difflib

        terms = list(dict.fromkeys(e.term for e in self.entries))
        by_key = {" ".join(_words(t)): t for t in terms}
        key = " ".join(_words(query))
        close = difflib.get_close_matches(key, list(by_key), n=limit, cutoff=0.6)
        out = [by_key[c] for c in close]
        # A slip in one word of several ("pooled budgts"): terms sharing a close word.
        vocabulary = sorted({w for t in terms for w in _words(t)})
        for word in _words(query):
            for near in difflib.get_close_matches(word, vocabulary, n=3, cutoff=0.75):
                out += [t for t in terms if near in _words(t)]
        return list(dict.fromkeys(out))[:limit]

    def entry_for_contract_type(self, contract_type_id: str) -> Entry | None:
        """The glossary entry that defines a rule pack's contract type (by its id)."""
        for entry in self.entries:
            if entry.contract_type == contract_type_id:
                return entry
        return None


def _follow(glossary: Glossary, found: list[Match]) -> list[Match]:
    """The matches, each followed by the entries it refers to that were not found anyway.

    An entry found both ways keeps its own place: it matched what was typed.
    """
    out: list[Match] = []
    seen = {m.entry.id for m in found}
    for match in found:
        out.append(match)
        for term in match.entry.see:
            for target in glossary.with_term(term):
                if target.id not in seen:
                    seen.add(target.id)
                    out.append(Match(target, via=match.entry))
    return out


# -- matching -------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+")


def _singular(word: str) -> str:
    """A word without its plural ending: budgets -> budget, agencies -> agency."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _stem(word: str) -> str:
    """A word's stem, enough to match its forms: purchases, purchasing -> purchas."""
    word = _singular(word)
    if len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def _plain(text: str) -> tuple[str, ...]:
    """The words of a term or query, lower case, without punctuation.

    An apostrophe joins rather than splits ("Initiative's" is one word), and "(LAA)"
    gives the word "laa".
    """
    text = text.lower().replace("’", "").replace("'", "").replace("‘", "")
    return tuple(_WORD.findall(text))


def _words(text: str) -> tuple[str, ...]:
    """The stems of the words of a term or query."""
    return tuple(_stem(w) for w in _plain(text))


def _names(entry: Entry) -> tuple[str, ...]:
    return (entry.term, *entry.aliases)


def _rank(entry: Entry, query: str) -> int:
    """How well an entry's term matches what was typed: 1 word for word, 2 in another form
    of the same words, 3 as whole words of it, 4 as the start of words, 5 with words run
    together or split; 0 not at all."""
    best = 0
    words = _words(query)
    joined = "".join(words)
    for name in _names(entry):
        have = _words(name)
        if _plain(name) == _plain(query):
            rank = 1
        elif have == words:
            rank = 2
        elif all(w in have for w in words):
            rank = 3
        elif all(any(h.startswith(w) for h in have) for w in words):
            rank = 4
        elif any("".join(have[k:]).startswith(joined) for k in range(len(have))):
            rank = 5  # words run together or split: "e-procurement", "inhouse"
        else:
            continue
        best = rank if not best else min(best, rank)
    return best


# -- loading ---------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def load_glossary(path: str | None = None) -> Glossary:
    """The glossary shipped with the tool (or one at ``path``), checked as it is read.

    The file is small and ours, so it is checked by hand rather than by pydantic:
    the route's table and Markdown views may link to it, and should not pay for
    building a validator.
    """
    from .documents import load
    from .errors import InputError

    document = load(str(path or DATA), what="glossary")
    problems: list[Problem] = []
    docs = _rows(document, "documents", _DOCUMENT_FIELDS, problems)
    rows = _rows(document, "entries", _ENTRY_FIELDS, problems)
    if problems:
        raise InputError(problems)
    documents = tuple(SourceDocument(d["id"], d["title"], d["file"]) for d in docs)
    entries = tuple(
        Entry(
            **{k: v for k, v in row.items() if k not in ("see", "aliases")},
            see=tuple(row.get("see", ())),
            aliases=tuple(row.get("aliases", ())),
        )
        for row in rows
    )
    return Glossary(documents, entries, {d.id: d for d in documents})


# The file's shape: each field, and whether it is required ("text"), optional
# ("text?") or an optional list of text ("list").
_DOCUMENT_FIELDS = {"id": "text", "title": "text", "file": "text"}
_ENTRY_FIELDS = {
    "id": "text",
    "term": "text",
    "document": "text",
    "section": "text",
    "text": "text",
    "paragraph": "text?",
    "example": "text?",
    "see": "list",
    "aliases": "list",
    "contract_type": "text?",
}


def _rows(
    document: Document, section: str, shape: dict[str, str], problems: list[Problem]
) -> list[dict[str, Any]]:
    """The mappings of one list of the file, each checked against ``shape``."""
    data = document.data.get(section) if isinstance(document.data, dict) else None
    if not isinstance(data, list):
        problems.append(document.problem("must be a list", (section,)))
        return []
    rows = []
    for i, item in enumerate(data):
        path = (section, i)
        if not isinstance(item, dict):
            problems.append(document.problem("must be a mapping of name: value", path))
            continue
        for key, value in item.items():
            kind = shape.get(key)
            if kind is None:
                problems.append(document.problem("is not a known field", (*path, key), key=True))
            elif not _fits(value, kind):
                wanted = "a list of text" if kind == "list" else "text"
                problems.append(document.problem(f"must be {wanted}", (*path, key)))
        for key, kind in shape.items():
            if kind == "text" and key not in item:
                problems.append(document.problem(f"{key} is required but missing", path))
        rows.append(item)
    return rows


def _fits(value: Any, kind: str) -> bool:
    if kind == "list":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, str) or (kind == "text?" and value is None)


def entry_for_contract_type(contract_type_id: str) -> Entry | None:
    """The shipped glossary's definition of a rule pack's contract type, or None.

    For the route output: each contract type it names can link to the glossary
    entry it quotes (``commission glossary "<term>"``).
    """
    return load_glossary().entry_for_contract_type(contract_type_id)


def entry_to_dict(glossary: Glossary, entry: Entry) -> dict[str, Any]:
    doc = glossary.document(entry)
    return {
        "id": entry.id,
        "term": entry.term,
        "definition": entry.text,
        "example": entry.example,
        "see": list(entry.see),
        "contract_type": entry.contract_type,
        "source": {
            "document": doc.id,
            "title": doc.title,
            "file": doc.file,
            "section": entry.section,
            "paragraph": entry.paragraph,
        },
    }


__all__ = [
    "Entry",
    "Glossary",
    "Match",
    "SourceDocument",
    "entry_for_contract_type",
    "entry_to_dict",
    "load_glossary",
]
