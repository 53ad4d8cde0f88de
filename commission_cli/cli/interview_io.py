"""The guided interview at a terminal: one question at a time, in plain words.

The reasoning (what to ask, what an answer means) is in ``commission_cli.interview``;
this module only talks. The conversation goes to stderr, so stdout still carries
the decision alone (``--format json`` on a terminal stays valid JSON).
"""

from __future__ import annotations

import re
import shlex
import shutil
import sys
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ..errors import InputError
from ..interview import AnswerError, Interview, Question, questions

if TYPE_CHECKING:
    from ..purchase import Purchase
    from ..rules import Rules

_INDENT = "    "


def _conversation_stream() -> TextIO:
    """stderr, so that stdout carries the decision alone; but if stderr goes to a file,
    the officer would see no questions, so then stdout (a terminal whenever we ask)."""
    return sys.stderr if sys.stderr.isatty() else sys.stdout


@dataclass
class Terminal:
    """Where questions go and answers come from (a real terminal, or a test's script)."""

    read_line: Callable[[], str] = field(default=lambda: sys.stdin.readline())
    out: TextIO = field(default_factory=lambda: _conversation_stream())
    width: int = field(default_factory=lambda: min(shutil.get_terminal_size().columns, 100))

    def say(self, text: str = "", indent: str = "") -> None:
        if not text:
            print(file=self.out)
            return
        # File names and commands must stay whole: never break at a hyphen or inside a word.
        for line in textwrap.wrap(
            text,
            max(self.width - 1, 40),
            initial_indent=indent,
            subsequent_indent=indent,
            break_on_hyphens=False,
            break_long_words=False,
        ):
            print(line, file=self.out)

    def ask(self, prompt: str) -> str:
        """One line from the officer; end of input (Ctrl-D) stops the interview like Ctrl-C."""
        self.out.write(prompt)
        self.out.flush()
        line = self.read_line()
        if not line:
            self.out.write("\n")
            raise KeyboardInterrupt
        return line.rstrip("\r\n")

    def confirm(self, prompt: str, default: bool) -> bool:
        hint = "[Y/n]" if default else "[y/N]"
        while True:
            reply = self.ask(f"{prompt} {hint}: ").strip().lower()
            if not reply:
                return default
            if reply in ("y", "yes"):
                return True
            if reply in ("n", "no"):
                return False
            self.say("Please answer yes or no.", _INDENT)


def run_interview(interview: Interview, term: Terminal, *, source: str | None = None) -> Purchase:
    """Ask until the rules have what they need and nothing left could change the answer."""
    _introduce(interview, term, source)
    number = 0
    while True:
        question = interview.next_question()
        if question is None:
            try:
                purchase = interview.purchase()
            except InputError as exc:
                _reopen_after(exc, interview, term)
                continue
            _conclude(interview, term)
            return purchase
        number += 1
        _ask(question, number, interview, term)


def _introduce(interview: Interview, term: Terminal, source: str | None) -> None:
    missing = [_words(n) for n in questions() if n in interview.missing]
    where = f" from {source}" if source else ""
    term.say(
        f"Some details the rules need are missing{where}: {', '.join(missing)}. "
        "These questions fill them in; only questions whose answer can change the "
        "recommendation are asked."
    )
    term.say(
        "Press Enter to take the answer in [brackets], type ? to read the source's "
        "own words, or skip if you do not know (optional questions only). Ctrl-C "
        "stops at any time; nothing is saved unless you ask at the end."
    )


def _ask(question: Question, number: int, interview: Interview, term: Terminal) -> None:
    term.say()
    term.say(f"{number}. {question.ask}")
    term.say(question.explain, _INDENT)
    if question.choices:
        width = max(len(value) for value, _ in question.choices)
        for i, (value, meaning) in enumerate(question.choices, 1):
            term.say(f"{i}  {value.ljust(width)}  {meaning}", _INDENT + "  ")
    prompt = f"{_INDENT}{_how_to_answer(question)}: "
    while True:
        text = term.ask(prompt)
        if text.strip() == "?":
            _show_sources(question, interview.rules, term)
            continue
        try:
            interview.answer(question, text)
        except AnswerError as exc:
            reason = str(exc).rstrip(".")
            term.say(f"That answer cannot be used: {reason}. Please try again.", _INDENT)
            continue
        return


def _how_to_answer(question: Question) -> str:
    how = {
        "text": "Answer",
        "money": "Answer in pounds, such as 45k, £45,000 or 135k total",
        "number": "Answer in years, such as 3 or 0.5",
        "integer": "Answer with a whole number",
        "flag": "Answer yes or no",
        "choice": f"Answer 1-{len(question.choices)} or the word",
    }[question.kind]
    if question.default is not None:
        how += f" [{question.default}]"
    elif not question.required:
        how += " (skip if not sure)"
    return how


def _show_sources(question: Question, rules: Rules, term: Terminal) -> None:
    if not question.quotes:
        term.say("The sources say nothing more about this question.", _INDENT)
        return
    for quote in question.quotes:
        doc = rules.documents.get(quote.document)
        title = doc.title if doc else quote.document
        term.say(f"{title}, {quote.section}: “{quote.text}”", _INDENT)


def _reopen_after(exc: InputError, interview: Interview, term: Terminal) -> None:
    """The answers together break a rule (such as a limit): say so and ask those again."""
    names = {(p.field or "").split(".")[0] for p in exc.problems} - {""}
    for problem in exc.problems:
        term.say(f"Those answers cannot be used together: {problem}.", _INDENT)
    if "annual_value" in names or "total_value" in names:
        names |= {"annual_value", "total_value", "years"}
    interview.reopen(names)


def _conclude(interview: Interview, term: Terminal) -> None:
    term.say()
    skipped = interview.not_asked()
    if skipped:
        term.say(
            "That is enough to decide. Not asked, because no answer could change the "
            f"decision: {', '.join(_words(n) for n in skipped)}."
        )
    else:
        term.say("That is enough to decide.")
    term.say()


def _words(name: str) -> str:
    """A field in words inside a sentence: eu_exempt -> EU exempt, core_costs -> core costs."""
    from ..render.text import label

    if name == "annual_value":
        return "value"
    words = label(name)
    first = words.split(" ")[0]
    return words if first.isupper() else words[0].lower() + words[1:]


# -- saving the answers ------------------------------------------------------------------


def offer_to_save(interview: Interview, purchase: Purchase, term: Terminal) -> Path | None:
    """Offer to write the answers as a purchase file; never replace a file unasked."""
    from ..interview import purchase_file_text
    from .common import write_file

    term.say()
    if not term.confirm("Save these answers as a purchase file, to route it again later?", True):
        return None
    suggestion = suggested_name(purchase.title)
    while True:
        reply = term.ask(f"File name [{suggestion}]: ").strip()
        path = Path(reply or suggestion).expanduser()
        if not path.suffix:
            path = path.with_suffix(".yaml")
        force = False
        if path.exists() and not path.is_dir():
            force = term.confirm(f"{path} already exists. Replace it?", False)
            if not force:
                continue
        text = purchase_file_text(
            purchase, interview.not_asked(), interview.rules, shlex.quote(path.name)
        )
        try:
            write_file(path, text, replace=force)
        except InputError as exc:
            for problem in exc.problems:
                term.say(f"Not saved: {problem}.", _INDENT)
            if not term.confirm("Try another name?", True):
                return None
            continue
        term.say(f"Saved {path}. Route it again with: commission route {shlex.quote(str(path))}")
        return path


def suggested_name(title: str) -> str:
    """A file name from the title: "Day care (older people)" -> day-care-older-people.yaml."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].rstrip("-")
    return f"{slug or 'purchase'}.yaml"


@dataclass
class Session:
    """A finished interview at the terminal: the purchase it described, and the
    offer to save it (made after the decision is shown)."""

    interview: Interview
    purchase: Purchase
    term: Terminal

    def offer_to_save(self) -> Path | None:
        # The decision is already out by now: Ctrl-C here only declines the offer.
        try:
            return offer_to_save(self.interview, self.purchase, self.term)
        except KeyboardInterrupt:
            self.term.say()
            self.term.say("Not saved.")
            return None


def interview_at_terminal(
    given: Mapping[str, Any], rules: Rules, *, source: str | None = None
) -> Session:
    """Run the interview on this process's terminal."""
    interview = Interview(rules, given)
    term = Terminal()
    return Session(interview, run_interview(interview, term, source=source), term)
