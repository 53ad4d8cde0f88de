"""``commission glossary [TERM]``: the definitions of the glossary a rule pack names,
looked up forgivingly."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence
from enum import Enum
from typing import Any

import typer

from ..errors import Problem
from ..io.files import write_output
from ..render.pack import to_json
from ..rules.compiled import Rules
from ..rules.glossary import Entry, Glossary, Match, contract_type_of, entry_to_dict, load_glossary
from ..rules.load import load_rules
from ..safe import quoted, shown
from .common import EXIT_NO, EXIT_OK, fail, rules_option, say, user_errors


class GlossaryFormat(str, Enum):
    text = "text"
    json = "json"


_HELP = """Definitions from the glossary the rule pack names, with where each comes from.

TERM is matched forgivingly: any case, singular or plural, the start of a word
("pooled" finds both pooled entries; "procure" finds procurement), and an entry
that points elsewhere brings its target along ("integrated commissioning" leads
to joint commissioning). With no TERM, every definition, grouped by document
and section. An entry that defines one of the pack's contract types says so.
Exit 0 when something is found, 1 when nothing matches (the nearest terms are
suggested), 2 when the pack names no glossary or it cannot be read.
"""


def register(app: typer.Typer, args: Sequence[str] = ()) -> None:
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
        loaded = load_rules(rules)
        glossary = load_glossary(loaded)
        if glossary is None:
            fail(
                [
                    Problem(
                        f"the rule pack {loaded.name} names no glossary; a pack names its "
                        "glossary file with glossary: FILE",
                        source=loaded.path,
                    )
                ]
            )
        view = _View(glossary, loaded)
        query = " ".join(term or []).strip()
        code = _look_up(view, query, format) if query else _list_all(view, format)
    raise typer.Exit(code)


class _View:
    """The glossary as seen with a rule pack: which entries define its contract types."""

    def __init__(self, glossary: Glossary, rules: Rules) -> None:
        self.glossary = glossary
        self.rules = rules

    def contract_type(self, entry: Entry) -> str | None:
        return contract_type_of(self.glossary, self.rules, entry)

    def entry(self, entry: Entry) -> dict[str, Any]:
        contract_type = self.contract_type(entry)
        return {
            **entry_to_dict(self.glossary, entry, contract_type),
            "in_rules": contract_type is not None,
        }

    def rules_ref(self) -> dict[str, str]:
        return {"name": self.rules.name, "version": self.rules.version, "sha256": self.rules.sha256}


def _list_all(view: _View, format: GlossaryFormat) -> int:
    groups = view.glossary.groups()
    if format is GlossaryFormat.json:
        data = {
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
        write_output(to_json(data), None)
        return EXIT_OK
    blocks = []
    for doc, section, entries in groups:
        lines = [shown(f"{doc.title} — {section}"), ""]
        for entry in entries:
            lines += _entry_lines(view, entry, cite=False)
        blocks.append("\n".join(lines))
    _print_text("\n".join(blocks))
    return EXIT_OK


def _look_up(view: _View, query: str, format: GlossaryFormat) -> int:
    matches = view.glossary.find(query)
    suggestions = [] if matches else view.glossary.suggest(query)
    if format is GlossaryFormat.json:
        data = {
            "query": query,
            "rules": view.rules_ref(),
            "matches": [{**view.entry(m.entry), "referred_from": _via(m)} for m in matches],
            "suggestions": suggestions,
        }
        write_output(to_json(data), None)
    elif matches:
        _print_text("\n".join(line for m in matches for line in _match_lines(view, m)))
    if not matches:
        hint = f" Nearest terms: {', '.join(suggestions)}." if suggestions else ""
        say(
            shown(
                f"no glossary entry matches {quoted(query, 80)}.{hint} "
                "`commission glossary` lists them all."
            )
        )
        return EXIT_NO
    return EXIT_OK


def _via(match: Match) -> str | None:
    return match.via.id if match.via is not None else None


def _match_lines(view: _View, match: Match) -> list[str]:
    lines = _entry_lines(view, match.entry, cite=True)
    if match.via is not None:
        lines[0] += shown(f" (from “{match.via.term}”)")
    return lines


def _entry_lines(view: _View, entry: Entry, *, cite: bool) -> list[str]:
    """A term, its definition indented under it, and where it comes from."""
    width = min(shutil.get_terminal_size((100, 24)).columns, 100)
    body = textwrap.TextWrapper(width=width, initial_indent="    ", subsequent_indent="    ")
    # Listed under its section, an entry shows the paragraph number the document gives it.
    heading = f"{entry.term} ({entry.paragraph})" if entry.paragraph and not cite else entry.term
    lines = [f"  {shown(heading)}", *body.wrap(shown(entry.text))]
    if entry.example:
        lines += body.wrap(shown(f"Example: {entry.example}"))
    contract_type = view.contract_type(entry)
    if contract_type is not None:
        lines += body.wrap(
            shown(
                f"A contract type the route can name ({contract_type}) under the rules "
                f"{view.rules.name}, version {view.rules.version}."
            )
        )
    if cite:
        lines += body.wrap(shown(f"Source: {view.glossary.cite(entry)}"))
    return [*lines, ""]


def _print_text(text: str) -> None:
    write_output(text.rstrip("\n") + "\n", None)
