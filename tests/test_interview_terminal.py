"""The interview as an officer meets it: the installed `commission` in a real
pseudo-terminal, answers typed one at a time. And the other side of the rule:
with no terminal (a script, a pipe, /dev/null) it never asks and never waits.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import installed_script, run_installed

pexpect = pytest.importorskip("pexpect")

TIMEOUT = 30  # seconds for any one step; a hung interview fails instead of hanging
WHOLE_INTERVIEW = 120  # seconds for a whole conversation, however many questions it asks
MOST_PROMPTS = 60  # an interview that keeps asking (an answer refused for ever) fails
# A prompt waiting for a reply: an answer line, a yes/no question, or the file name.
PROMPT = r"(?m)^ *(?:Answer[^\n]*|File name[^\n]*|[^\n]*\[[Yy]/[Nn]\]): $"
# A numbered question, however the terminal's width wrapped it.
QUESTION = re.compile(r"(?ms)^(\d+)\. (.+?\?)[ \t\r]*$")


def _ctrl_c_as_a_terminal_gives_it() -> None:
    """In the child before exec: SIGINT at its default and not blocked, as a shell
    gives a command it runs. A harness that started the tests with SIGINT ignored or
    masked (a background job, a CI runner) would otherwise pass that on, and Ctrl-C
    would be a character the tool never sees as a signal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def spawn(*args: str, cwd: Path) -> pexpect.spawn:
    """The installed script on a pseudo-terminal; ``child.logfile_read`` keeps all it showed."""
    env = {**os.environ, "NO_COLOR": "1", "TERM": "xterm"}
    # The pseudo-terminal's own size, not one inherited (pytest-xdist sets COLUMNS=80).
    for name in ("COMMISSION_RULES", "COLUMNS", "LINES"):
        env.pop(name, None)
    child = pexpect.spawn(
        installed_script(),
        list(args),
        cwd=str(cwd),
        env=env,
        encoding="utf-8",
        timeout=TIMEOUT,
        dimensions=(50, 100),
        preexec_fn=_ctrl_c_as_a_terminal_gives_it,
    )
    child.logfile_read = io.StringIO()
    return child


def shown(child: pexpect.spawn) -> str:
    """Everything the terminal showed, as one line of text (wrapping undone)."""
    return " ".join(child.logfile_read.getvalue().split())


def converse(child: pexpect.spawn, answers: dict[str, list[str]]) -> list[str]:
    """Answer each question by the words it asks (the first answer that matches).

    An answer list is used up in order, so ["lots", "45k"] types a wrong value
    first and the right one when the question is asked again. A question no
    entry matches gets Enter (its suggested answer). Returns the questions asked.
    """
    asked: list[str] = []
    deadline = time.monotonic() + WHOLE_INTERVIEW
    for _ in range(MOST_PROMPTS):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        which = child.expect(
            [r"Save these answers[^\n]*\]: $", PROMPT, pexpect.EOF], timeout=min(TIMEOUT, left)
        )
        if which != 1:
            return asked
        found = QUESTION.findall(child.before or "")
        if found:
            asked.append(" ".join(found[-1][1].split()))
        question = asked[-1] if asked else ""
        reply = ""
        for words, replies in answers.items():
            if words in question and replies:
                reply = replies.pop(0) if len(replies) > 1 else replies[0]
                break
        child.sendline(reply)
    child.terminate(force=True)
    pytest.fail(f"the interview did not end; questions asked: {asked}\n{shown(child)}")


DAY_CARE_ANSWERS = {
    "What is being bought": ["Day care for older people"],
    "How much": ["lots", "45k"],
    "How many years": ["3"],
    "outcomes to be bought": ["sure", "1"],
    "core costs": ["no"],
    "contestable market": ["few"],
    "specific to one sector": ["specific"],
    "Who is expected to provide": ["third sector"],
}


def test_the_interview_end_to_end_and_the_saved_file_gives_the_same_decision(tmp_path):
    child = spawn("route", "--format", "json", "--output", "decision.json", cwd=tmp_path)
    asked = converse(child, {k: list(v) for k, v in DAY_CARE_ANSWERS.items()})
    assert asked[0] == "What is being bought or funded?"
    assert child.match is not None and "Save these answers" in child.match.group(0)
    child.sendline("")  # yes, save
    child.expect(r"File name \[day-care-for-older-people\.yaml\]: ")
    child.sendline("day-care.yaml")
    child.expect("Saved day-care.yaml")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    # Only what could change the answer was asked: at £45,000 a year and
    # purchasing, the funding family's questions never came up.
    assert not any("Resources Panel" in q or "redevelopment" in q for q in asked)
    decision = json.loads((tmp_path / "decision.json").read_text())
    assert decision["method"]["id"] == "restricted"
    assert decision["purchase"]["annual_value"] == 45000
    again = run_installed("route", "day-care.yaml", "--format", "json", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == decision

    transcript = shown(child)
    assert "'lots' is not a sum of money" in transcript  # each wrong answer explained...
    assert "'sure' is not one of the answers" in transcript
    assert transcript.count("How much is it worth?") == 1  # ...and the question asked again
    assert transcript.count("Answer in pounds") == 2
    assert "Not asked, because no answer could change the decision:" in transcript
    assert "The decision is in decision.json." in transcript
    assert "Traceback" not in transcript


def test_a_wrong_answer_is_explained_and_asked_again_and_ctrl_c_writes_nothing(tmp_path):
    child = spawn("route", cwd=tmp_path)
    child.expect(PROMPT)
    child.sendline("Befriending")
    child.expect(PROMPT)
    child.sendline("lots")
    child.expect("'lots' is not a sum of money")
    child.expect("Please try again")
    child.expect(r"Answer in pounds[^\n]*: $")  # the same question, again
    child.sendline("12k")
    child.expect("How many years will it run")
    child.expect(r"Answer in years[^\n]*: $")  # waiting for the reply
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "interrupted" in (child.before or "")
    assert list(tmp_path.iterdir()) == []


def test_an_incomplete_file_is_completed_and_nothing_is_overwritten_unasked(tmp_path):
    (tmp_path / "befriending.yaml").write_text(
        "title: Telephone befriending service\nannual_value: 12k\nyears: 1\n"
    )
    keep = tmp_path / "befriending-service.yaml"
    keep.write_text("# someone's file\n")
    child = spawn("route", "befriending.yaml", cwd=tmp_path)
    child.expect("missing from befriending.yaml: outcomes")
    asked = converse(child, {"outcomes to be bought": ["certain"], "contestable": ["many"]})
    assert "What is being bought or funded?" not in asked  # the file said it already
    child.sendline("y")
    child.expect(r"File name \[telephone-befriending-service\.yaml\]: ")
    child.sendline("befriending-service.yaml")
    child.expect(r"already exists\. Replace it\? \[y/N\]: ")
    child.sendline("")  # no
    child.expect("File name")
    child.sendline("befriending-complete")
    child.expect("Saved befriending-complete.yaml")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert keep.read_text() == "# someone's file\n"
    again = run_installed("route", "befriending-complete.yaml", "-f", "json", cwd=tmp_path)
    assert json.loads(again.stdout)["method"]["id"] == "class_i_ii"


def test_no_input_forbids_questions_even_on_a_terminal(tmp_path):
    child = spawn("route", "--title", "Befriending", "--no-input", cwd=tmp_path)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    out = child.before or ""
    assert "outcomes: is required but missing" in out
    assert "?" not in out  # not a single question


# -- no terminal: never ask, never wait -------------------------------------------------------


def _no_terminal(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "COMMISSION_RULES"}
    return subprocess.run(
        [installed_script(), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=TIMEOUT,
        env=env,
    )


def test_no_terminal_on_stdin_means_no_questions_and_exit_2_naming_the_fields(tmp_path):
    started = time.monotonic()
    result = _no_terminal("route", cwd=tmp_path)
    assert time.monotonic() - started < TIMEOUT
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: <stdin>: title: is required but missing",
        "error: <stdin>: outcomes: is required but missing",
        "error: <stdin>: annual_value: give annual_value or total_value (or both)",
    ]


def test_a_file_missing_fields_without_a_terminal_names_each_one(tmp_path):
    (tmp_path / "p.yaml").write_text("title: Befriending\nyears: 2\n")
    result = _no_terminal("route", "p.yaml", "-f", "json", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: p.yaml:1:1: outcomes: is required but missing",
        "error: p.yaml:1:1: annual_value: give annual_value or total_value (or both)",
    ]


def test_flags_with_stdin_closed_do_not_wait(tmp_path):
    result = _no_terminal("route", "--title", "t", "--annual-value", "5k", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "error: outcomes: is required but missing\n"
