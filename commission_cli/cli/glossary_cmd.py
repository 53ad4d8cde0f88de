"""``commission glossary [TERM]``: the source documents' definitions, looked up forgivingly."""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from collections.abc import Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any

import typer

from .common import EXIT_NO, EXIT_OK, rules_option, say, user_errors

if TYPE_CHECKING:
    from ..glossary import Entry, Glossary, Match
    from ..rules import Rules


class GlossaryFormat(str, Enum):
    text = "text"
    json = "json"


_HELP = """Definitions from the source documents' glossaries, with where each comes from.

TERM is matched forgivingly: any case, singular or plural, the start of a word
("pooled" finds both pooled entries; "procure" finds procurement), and an entry
that points elsewhere brings its target along ("integrated commissioning" leads
to joint commissioning). With no TERM, every definition, grouped by document
and section. A type of contracting that the rule pack (--rules) names as a
contract type says so. Exit 0 when something is found, 1 when nothing matches
(the nearest terms are suggested).
"""


def register(app: typer.Typer, args: Sequence[str] | None = None) -> None:
    app.command("glossary", help=_HELP)(glossary_command)


def glossary_command(
    term: list[str] | None = typer.Argument(
        None,
        metavar="TERM",
        help="What to look up; several words need no quotes.",
        show_default=False,
    ),
    format: GlossaryFormat = typer.Option(
        GlossaryFormat.text, "--format", "-f", help="text for people, json for programs."
    ),
    rules: str | None = rules_option(),
) -> None:
    with user_errors():
        from ..glossary import load_glossary
        from ..rules import load_rules

        glossary = load_glossary()
        view = _View(glossary, load_rules(rules))
        query = " ".join(term or []).strip()
        code = _look_up(view, query, format) if query else _list_all(view, format)
    raise typer.Exit(code)


class _View:
    """The glossary as seen with a rule pack: which entries the pack names as contract types."""

    def __init__(self, glossary: Glossary, rules: Rules) -> None:
        self.glossary = glossary
        self.rules = rules
        self.contract_types = {c.id for c, _ in rules.contract_types}

    def named_by_pack(self, entry: Entry) -> bool:
        return entry.contract_type is not None and entry.contract_type in self.contract_types

    def entry(self, entry: Entry) -> dict[str, Any]:
        from ..glossary import entry_to_dict

        return {**entry_to_dict(self.glossary, entry), "in_rules": self.named_by_pack(entry)}

    def rules_ref(self) -> dict[str, str]:
        return {"name": self.rules.name, "version": self.rules.version, "sha256": self.rules.sha256}


def _list_all(view: _View, format: GlossaryFormat) -> int:
    groups = view.glossary.groups()
    if format is GlossaryFormat.json:
        _print_json(
            {
                "query": None,
                "rules": view.rules_ref(),
                "groups": [
                    {
                        "document": {"id": doc.id, "title": doc.title, "file": doc.file},
                        "section": section,
                        "entries": [view.entry(e) for e in entries],
                    }
                    for doc, section, entries in groups
                ],
            }
        )
        return EXIT_OK
    blocks = []
    for doc, section, entries in groups:
        lines = [f"{doc.title} — {section}", ""]
        for entry in entries:
            lines += _entry_lines(view, entry, cite=False)
        blocks.append("\n".join(lines))
    _print_text("\n".join(blocks))
    return EXIT_OK


def _look_up(view: _View, query: str, format: GlossaryFormat) -> int:
    matches = view.glossary.find(query)
    suggestions = [] if matches else view.glossary.suggest(query)
    if format is GlossaryFormat.json:
        _print_json(
            {
                "query": query,
                "rules": view.rules_ref(),
                "matches": [{**view.entry(m.entry), "referred_from": _via(m)} for m in matches],
                "suggestions": suggestions,
            }
        )
    elif matches:
        _print_text("\n".join(line for m in matches for line in _match_lines(view, m)))
    if not matches:
        hint = f" Nearest terms: {', '.join(suggestions)}." if suggestions else ""
        say(f"no glossary entry matches {query!r}.{hint} `commission glossary` lists them all.")
        return EXIT_NO
    return EXIT_OK


def _via(match: Match) -> str | None:
    return match.via.id if match.via is not None else None


def _match_lines(view: _View, match: Match) -> list[str]:
    lines = _entry_lines(view, match.entry, cite=True)
    if match.via is not None:
        lines[0] += f" (from “{match.via.term}”)"
    return lines


def _entry_lines(view: _View, entry: Entry, *, cite: bool) -> list[str]:
    """A term, its definition indented under it, and where it comes from."""
    width = min(shutil.get_terminal_size((100, 24)).columns, 100)
    body = textwrap.TextWrapper(width=width, initial_indent="    ", subsequent_indent="    ")
    # Listed under its section, an entry shows the paragraph number the document gives it.
    heading = (
        f"  {entry.term} ({entry.paragraph})" if entry.paragraph and not cite else f"  {entry.term}"
    )
    lines = [heading, *body.wrap(entry.text)]
    if entry.example:
        lines += body.wrap(f"Example: {entry.example}")
    if view.named_by_pack(entry):
        lines += body.wrap(
            f"A contract type the route can name ({entry.contract_type}) under the rules "
            f"{view.rules.name}, version {view.rules.version}."
        )
    if cite:
        lines += body.wrap(f"Source: {view.glossary.cite(entry)}")
    return [*lines, ""]


def _print_text(text: str) -> None:
    sys.stdout.write(text.rstrip("\n") + "\n")
    sys.stdout.flush()


def _print_json(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()
