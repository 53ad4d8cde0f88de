"""Quotations checked against the documents they quote.

A pack's ``documents`` may name each document's ``file``: a text file beside the
pack. ``commission rules check`` then reads it and looks in it for the text of
every ``source:`` that cites the document, word for word: spaces, line breaks and
Markdown's ``**`` aside, whole words only. A document with
no file beside the pack is listed as not checked, never passed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..errors import InputError
from ..io.documents import PACK_LIMITS, PathKey, decode_text, read_bytes
from ..safe import quoted
from .check import walk_sources
from .compiled import Rules
from .load import beside


@dataclass(frozen=True)
class Quotations:
    """What checking a pack's quotations found."""

    checked: tuple[str, ...]  # the documents whose quotations were looked for
    not_checked: tuple[tuple[str, str], ...]  # (document, why it could not be)
    misquoted: tuple[tuple[PathKey, str], ...]  # (where in the pack, what is wrong)


def quotations(rules: Rules) -> Iterator[tuple[str, PathKey, str]]:
    """(document, where, text) for every ``source:`` of the pack: the quotations it
    states to be the document's own words."""
    for path, ref in walk_sources(rules.pack, ()):
        yield ref.document, (*path, "text"), ref.text


def check_quotations(rules: Rules) -> Quotations:
    """Look for each quotation in its document's file, where the pack has it beside it."""
    texts: dict[str, str] = {}
    not_checked: list[tuple[str, str]] = []
    for document in rules.pack.documents:
        text, why = _document_text(rules, document.file)
        if text is None:
            not_checked.append((document.id, why))
        else:
            texts[document.id] = text
    files = {d.id: d.file for d in rules.pack.documents}
    misquoted = [
        (where, _misquote(text, files[doc]))
        for doc, where, text in quotations(rules)
        if doc in texts and not found_in(text, texts[doc])
    ]
    return Quotations(tuple(texts), tuple(not_checked), tuple(misquoted))


def found_in(quotation: str, document: str) -> bool:
    """Is the quotation in the document (as :func:`words` gives it), word for word and
    in whole words? An empty quotation is in nothing."""
    said = words(quotation)
    return bool(said) and re.search(rf"(?<!\w){re.escape(said)}(?!\w)", document) is not None


def words(text: str) -> str:
    """The text as quotations are compared: spaces and line breaks as one space, without
    Markdown's bold marks."""
    return " ".join(text.replace("**", "").split())


def _misquote(text: str, file: str | None) -> str:
    if not words(text):
        return "an empty quotation; give the document's words"
    return f"{quoted(text, 60)} is not, word for word, in {file}"


def _document_text(rules: Rules, file: str | None) -> tuple[str | None, str]:
    """The document's words, or None and why they cannot be read."""
    if file is None:
        return None, "the pack names no file for it"
    if rules.shipped:
        return None, "commission's own tests check those of a shipped pack"
    if rules.directory is None:
        return None, f"read from stdin, the pack has no folder to find {file} in"
    path = beside(rules.directory, file)
    if path is None:
        return None, f"{file} is not a file of the pack's folder (a name, not a path or link)"
    try:
        data, name = read_bytes(str(path), limits=PACK_LIMITS, what="document")
        return words(decode_text(data, name)), ""
    except InputError as exc:
        return None, "; ".join(p.message for p in exc.problems)
