"""Quotations checked against the documents they quote.

A pack's ``documents`` may name each document's ``file``: a text file beside the
pack. ``commission rules check`` then reads it and looks for every ``source:``
quotation of that document in it, word for word (spaces, line breaks and
Markdown's ``**`` aside), so that a rule's words are the source's words. A
document with no file beside the pack is listed as not checked, never passed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..errors import InputError
from ..io.documents import PACK_LIMITS, PathKey, decode_text, read_bytes
from ..safe import quoted
from .check import walk_sources
from .compiled import Rules


@dataclass(frozen=True)
class Quotations:
    """What checking a pack's quotations found."""

    checked: tuple[str, ...]  # the documents whose quotations were looked for
    not_checked: tuple[tuple[str, str], ...]  # (document, why it could not be)
    misquoted: tuple[tuple[PathKey, str], ...]  # (where in the pack, what is wrong)


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
        ((*path, "text"), f"{quoted(ref.text, 60)} is not, word for word, in {files[ref.document]}")
        for path, ref in walk_sources(rules.pack, ())
        if ref.document in texts and _words(ref.text) not in texts[ref.document]
    ]
    return Quotations(tuple(texts), tuple(not_checked), tuple(misquoted))


def _document_text(rules: Rules, file: str | None) -> tuple[str | None, str]:
    """The document's words, or None and why they cannot be read."""
    if file is None:
        return None, "the pack names no file for it"
    if rules.shipped:
        return None, "commission's own tests check those of a shipped pack"
    if rules.directory is None:
        return None, f"read from stdin, the pack has no folder to find {file} in"
    if os.sep in file or file.startswith("."):
        return None, f"{file!r} is a path; a document's file is a name, beside the pack"
    path = rules.directory / file
    if not path.is_file():
        return None, f"no file {file} beside the pack"
    try:
        data, name = read_bytes(str(path), limits=PACK_LIMITS, what="document")
        return _words(decode_text(data, name)), ""
    except InputError as exc:
        return None, "; ".join(p.message for p in exc.problems)


def _words(text: str) -> str:
    return " ".join(text.replace("**", "").split())
