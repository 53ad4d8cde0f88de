"""A rule pack's glossary: the definitions its documents give, and a forgiving look-up.

The glossary is a file the pack names (``glossary: glossary.yaml``), found beside
the pack or among the files that ship with the tool. Each entry gives the term as
its document prints it, the document and section, and the definition in the
document's own words. A contract type of the pack links to its entry by term
(``glossary: Block Contract``), so the route output can point at the definition
it quotes.

A person looking a term up types what they remember, so matching forgives:

* case and punctuation (``in house`` finds "In-house Services");
* plurals and other forms of a word (``pooled budget`` finds "Pooled budgets",
  ``spot purchases`` finds "Spot Purchasing");
* partial words (``pool`` finds both pooled entries; ``procure`` finds procurement);
* spaces and hyphens inside a word (``e-procurement`` finds "eProcurement").

Every word typed must begin a word of the term (or of one of its aliases), in
any order. An entry that sends the reader elsewhere ("Integrated Commissioning:
See 'Joint Commissioning'") brings the entries it names along. When nothing
matches, :meth:`Glossary.suggest` offers the nearest terms.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from ..errors import InputError, Problem
from ..io.documents import PACK_LIMITS, Document, PathKey, decode_text, parse
from .compiled import Rules
from .load import named_file


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


@dataclass(frozen=True)
class Match:
    """An entry found for a query; ``via`` is the entry that referred to it, if any."""

    entry: Entry
    via: Entry | None = None


@dataclass(frozen=True)
class Glossary:
    """The glossary's entries and the documents they come from."""

    source: str  # where it was read from, as messages name it
    documents: tuple[SourceDocument, ...]
    entries: tuple[Entry, ...]

    def document(self, entry: Entry) -> SourceDocument:
        return next(d for d in self.documents if d.id == entry.document)

    def cite(self, entry: Entry) -> str:
        """Where an entry comes from: "Bromley ... glossary, Definitions" (and its paragraph)."""
        where = f"{self.document(entry).title}, {entry.section}"
        return f"{where}, paragraph {entry.paragraph}" if entry.paragraph else where

    def groups(self) -> list[tuple[SourceDocument, str, list[Entry]]]:
        """The entries grouped by document and section, in the order of the file."""
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
        """The entries a person typing ``query`` is after, best first, then those they
        refer to."""
        if not _words(query):
            return []
        scored = [(rank, i, e) for i, e in enumerate(self.entries) if (rank := _rank(e, query))]
        found = [Match(e) for _, _, e in sorted(scored, key=lambda t: (t[0], t[1]))]
        return _follow(self, found)

    def suggest(self, query: str, limit: int = 5) -> list[str]:
        """The terms nearest to a query that found nothing (spelling slips, mostly)."""
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


# -- reading --------------------------------------------------------------------------------


def load_glossary(rules: Rules) -> Glossary | None:
    """The glossary the pack names, checked as it is read; None if it names none.

    Raises :class:`InputError` when the file named cannot be found or read, with a
    problem (at its line) for everything wrong in it.
    """
    name = rules.pack.glossary
    if name is None:
        return None
    found = named_file(rules, name)
    if found is None:
        where = "beside the pack or among the files shipped with commission"
        raise InputError(
            [
                Problem(
                    f"no glossary file called {name!r} {where}", field="glossary", source=rules.path
                )
            ]
        )
    data, source = found
    return read_glossary(decode_text(data, source), source)


def read_glossary(text: str, source: str) -> Glossary:
    """A glossary from the text of its file; every problem at once, each at its line."""
    document = parse(text, source, limits=PACK_LIMITS)
    problems: list[Problem] = []
    if not isinstance(document.data, dict):
        raise InputError([document.problem("a glossary is a mapping of documents: and entries:")])
    for key in document.data:
        if key not in ("documents", "entries"):
            problems.append(document.problem("is not a known section", (key,), key=True))
    docs = _rows(document, "documents", _DOCUMENT_FIELDS, problems)
    rows = _rows(document, "entries", _ENTRY_FIELDS, problems)
    known = {d.get("id") for d in docs}
    seen: dict[Any, int] = {}
    for i, row in enumerate(rows):
        if "document" in row and row["document"] not in known:
            problems.append(
                document.problem(
                    f"no document with id {row['document']!r}", ("entries", i, "document")
                )
            )
        if "id" in row and row["id"] in seen:
            problems.append(
                document.problem(
                    f"the id is used twice (also entry {seen[row['id']] + 1})", ("entries", i, "id")
                )
            )
        seen.setdefault(row.get("id"), i)
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
    return Glossary(source, documents, entries)


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
}


def _rows(
    document: Document, section: str, shape: dict[str, str], problems: list[Problem]
) -> list[dict[str, Any]]:
    """The mappings of one list of the file that fit ``shape``; a problem for each misfit."""
    data = document.data.get(section)
    if not isinstance(data, list):
        problems.append(document.problem("must be a list", (section,)))
        return []
    rows = []
    for i, item in enumerate(data):
        path: PathKey = (section, i)
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
            if kind == "text" and item.get(key) is None:
                problems.append(document.problem(f"{key} is required but missing", path))
        rows.append(item)
    return rows


def _fits(value: Any, kind: str) -> bool:
    if kind == "list":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, str) or (kind == "text?" and value is None)


# -- the glossary beside the pack -----------------------------------------------------------


def contract_type_terms(rules: Rules) -> dict[str, str]:
    """The pack's contract types that link to a glossary entry: term -> contract type id."""
    return {c.glossary: c.id for c, _ in rules.contract_types if c.glossary is not None}


def contract_type_of(glossary: Glossary, rules: Rules, entry: Entry) -> str | None:
    """The id of the pack's contract type that this entry defines, or None."""
    for term, contract_type in contract_type_terms(rules).items():
        if entry in glossary.with_term(term):
            return contract_type
    return None


def unlinked_terms(glossary: Glossary, rules: Rules) -> list[tuple[int, str]]:
    """(index, term) of each contract type whose glossary term has no entry."""
    return [
        (i, c.glossary)
        for i, (c, _) in enumerate(rules.contract_types)
        if c.glossary is not None and not glossary.with_term(c.glossary)
    ]


def entry_to_dict(glossary: Glossary, entry: Entry, contract_type: str | None) -> dict[str, Any]:
    doc = glossary.document(entry)
    return {
        "id": entry.id,
        "term": entry.term,
        "definition": entry.text,
        "example": entry.example,
        "see": list(entry.see),
        "aliases": list(entry.aliases),
        "contract_type": contract_type,
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
    "contract_type_of",
    "contract_type_terms",
    "entry_to_dict",
    "load_glossary",
    "read_glossary",
    "unlinked_terms",
]
