"""The guided interview at a terminal: one question at a time, in plain words.

The reasoning (what to ask, what an answer means) is in :mod:`.questions`; this
module only talks. The conversation goes to stderr, so stdout still carries the
decision alone (``--format json`` on a terminal stays valid JSON). Everything it
shows from the pack or the officer is shown with control characters escaped.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from ..errors import InputError
from ..safe import shell_word, shown
from .questions import AnswerError, Interview, Question

if TYPE_CHECKING:
    from ..model.purchase import Purchase
    from ..rules.compiled import Rules

_INDENT = "    "


def _conversation_stream() -> TextIO:
    """stderr, so that stdout carries the decision alone; but if stderr goes to a file,
    the officer would see no questions, so then stdout (a terminal whenever we ask)."""
    return sys.stderr if sys.stderr.isatty() else sys.stdout


def _read_stdin() -> str:
    return sys.stdin.readline()


def _width() -> int:
    return min(shutil.get_terminal_size().columns, 100)


@dataclass
class Terminal:
    """Where questions go and answers come from (a real terminal, or a test's script)."""

    read_line: Callable[[], str] = _read_stdin
    out: TextIO = field(default_factory=_conversation_stream)
    width: int = field(default_factory=_width)

    def say(self, text: str = "", indent: str = "") -> None:
        if not text:
            print(file=self.out)
            return
        # File names and commands must stay whole: never break at a hyphen or inside a word.
        for line in textwrap.wrap(
            shown(text),
            max(self.width - 1, 40),
            initial_indent=indent,
            subsequent_indent=indent,
            break_on_hyphens=False,
            break_long_words=False,
        ):
            print(line, file=self.out)

    def ask(self, prompt: str) -> str:
        """One line from the officer; end of input (Ctrl-D) stops the interview like Ctrl-C."""
        self.out.write(shown(prompt))
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
    missing = interview.missing
    names = [_words(interview.rules, n) for n in interview.rules.fields if n in missing]
    where = f" from {source}" if source else ""
    term.say(
        f"Some details the rules need are missing{where}: {', '.join(names)}. "
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
    if question.explain:
        term.say(question.explain, _INDENT)
    if question.choices:
        width = max(len(value) for value, _ in question.choices)
        for i, (value, meaning) in enumerate(question.choices, 1):
            term.say(f"{i}  {value.ljust(width)}  {meaning}", _INDENT + "  ")
    prompt = f"{_INDENT}{how_to_answer(question)}: "
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


def how_to_answer(question: Question) -> str:
    """The prompt's words: how to answer this kind of question."""
    decl = question.decl
    if question.kind == "money":
        how = "Answer in pounds, such as 45k or £45,000"
        if question.field == "annual_value":
            how = "Answer in pounds, such as 45k, £45,000 or 135k total"
    elif question.kind == "number":
        how = "Answer with a whole number" if decl.whole else "Answer with a number"
    elif question.kind == "choice":
        how = f"Answer 1-{len(question.choices)} or the word"
    else:
        how = {
            "text": "Answer",
            "length": "Answer in years, such as 3 or 0.5",
            "yes_no": "Answer yes or no",
            "date": "Answer with a date, such as 2026-04-01",
        }[question.kind]
    if question.default is not None:
        how += f" [{question.default}]"
    elif not question.required:
        how += " (skip if not sure)"
    return how


def _show_sources(question: Question, rules: Rules, term: Terminal) -> None:
    quotes = list(question.quotes)
    if question.decl.source is not None and question.decl.source not in quotes:
        quotes.insert(0, question.decl.source)
    if not quotes:
        term.say("The sources say nothing more about this question.", _INDENT)
        return
    for quote in quotes:
        term.say(rules.cite(quote), _INDENT)


def _reopen_after(exc: InputError, interview: Interview, term: Terminal) -> None:
    """The answers together break a rule (such as a limit): say so and ask those again."""
    names = {(p.field or "").split(".")[0] for p in exc.problems} - {""}
    for problem in exc.problems:
        term.say(f"Those answers cannot be used together: {problem}.", _INDENT)
    if names & {"annual_value", "total_value", "years"} or not names:
        names |= {"annual_value", "total_value", "years"}
    interview.reopen(names)


def _conclude(interview: Interview, term: Terminal) -> None:
    term.say()
    skipped = interview.not_asked()
    if skipped:
        term.say(
            "That is enough to decide. Not asked, because no answer could change the "
            f"decision: {', '.join(_words(interview.rules, n) for n in skipped)}."
        )
    else:
        term.say("That is enough to decide.")
    term.say()


def _words(rules: Rules, name: str) -> str:
    """A field in words inside a sentence: eu_exempt -> EU exempt, core_costs -> core costs."""
    from ..render.text import field_label

    if name == "annual_value":
        return "value"
    words = field_label(rules, name)
    first = words.split(" ")[0]
    return words if first.isupper() else words[0].lower() + words[1:]


# -- saving the answers ------------------------------------------------------------------


def offer_to_save(
    interview: Interview,
    purchase: Purchase,
    term: Terminal,
    *,
    inputs: tuple[str, ...] = (),
) -> str | None:
    """Offer to write the answers as a purchase file; never replace a file unasked, and
    never one the run is reading: ``inputs``, and the files the pack was read from."""
    from ..io.files import refuse_input_as_output, write_new
    from ..rules.load import files_read
    from .questions import purchase_file_text

    inputs = (*inputs, *files_read(interview.rules))

    term.say()
    if not term.confirm("Save these answers as a purchase file, to route it again later?", True):
        return None
    suggestion = suggested_name(purchase.title)
    while True:
        reply = term.ask(f"File name [{suggestion}]: ").strip()
        path = os.path.expanduser(reply or suggestion)
        if not os.path.splitext(os.path.basename(path))[1] and not path.endswith(os.sep):
            path += ".yaml"
        try:
            refuse_input_as_output(path, inputs)  # said before asking whether to replace it
        except InputError as exc:
            if _try_another_name(term, exc):
                continue
            return None
        force = False
        if os.path.lexists(path) and not os.path.isdir(path):
            force = term.confirm(f"{path} already exists. Replace it?", False)
            if not force:
                continue
        text = purchase_file_text(
            purchase, interview.not_asked(), interview.rules, shell_word(os.path.basename(path))
        )
        try:
            write_new(path, text, force=force, inputs=inputs)
        except InputError as exc:
            if _try_another_name(term, exc):
                continue
            return None
        term.say(f"Saved {shown(path)}. Route it again with: commission route {shell_word(path)}")
        return path


def suggested_name(title: str) -> str:
    """A file name from the title: "Day care (older people)" -> day-care-older-people.yaml."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].rstrip("-")
    return f"{slug or 'purchase'}.yaml"


def _try_another_name(term: Terminal, refused: InputError) -> bool:
    """Say why the answers were not saved there; whether the officer will name another."""
    for problem in refused.problems:
        term.say(f"Not saved: {problem}.", _INDENT)
    return term.confirm("Try another name?", True)


@dataclass
class Session:
    """A finished interview at the terminal: the purchase it described, and the
    offer to save it (made after the decision is shown)."""

    interview: Interview
    purchase: Purchase
    term: Terminal
    inputs: tuple[str, ...] = ()

    def offer_to_save(self) -> str | None:
        # The decision is already out by now: Ctrl-C here only declines the offer.
        try:
            return offer_to_save(self.interview, self.purchase, self.term, inputs=self.inputs)
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
    inputs = (source,) if source else ()
    return Session(interview, run_interview(interview, term, source=source), term, inputs)
