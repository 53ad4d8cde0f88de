"""What every command shares: the rule pack option, reporting problems, exit codes."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, NoReturn

import typer

from ..errors import InputError, Problem

EXIT_OK = 0
EXIT_NO = 1  # no route, the check disagreed, or a batch had bad rows
EXIT_INPUT = 2  # bad input or usage, or the machine's trouble (a full disk)
EXIT_INTERNAL = 70  # a fault in the tool itself (never bad input)
EXIT_INTERRUPTED = 130

RULES_HELP = (
    "Rule pack: a YAML file, or the name of a shipped pack. Default: "
    "$COMMISSION_RULES, else the shipped pack (commission rules show names it)."
)


def rules_option() -> Any:
    return typer.Option(
        None,
        "--rules",
        envvar="COMMISSION_RULES",
        metavar="PACK",
        help=RULES_HELP,
        show_envvar=True,
    )


def say(message: str) -> None:
    """A line on stderr (stdout is for the answer alone)."""
    if sys.stderr is not None:
        with contextlib.suppress(OSError, ValueError):  # nowhere left to say it
            print(message, file=sys.stderr)


# Enough to fix a file by; a header of 50,000 bad columns would otherwise print 50,000.
MAX_PROBLEMS_SHOWN = 100


def fail(problems: list[Problem], code: int = EXIT_INPUT) -> NoReturn:
    for problem in problems[:MAX_PROBLEMS_SHOWN]:
        say(f"error: {problem}")
    if len(problems) > MAX_PROBLEMS_SHOWN:
        say(f"error: and {len(problems) - MAX_PROBLEMS_SHOWN:,} more problems like these")
    raise typer.Exit(code)


class Stopped(BaseException):
    """SIGTERM or SIGHUP: stop as Ctrl-C does, removing what was half written."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signum)


def catch_stop_signals() -> None:
    """TERM and HUP end a run the way Ctrl-C does, so that every ``finally`` runs and no
    temporary file is left (SIGKILL cannot be caught: see io.files.remove_stale)."""
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) is signal.SIG_DFL:
            signal.signal(number, _stop)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a user can cause into clean messages and exit codes.

    Bad input: one line per problem, exit 2. A closed pipe (``| head``): quiet.
    Ctrl-C, TERM, HUP: one line, exit 130, 143, 129. Running out of memory: one
    line, exit 2. Anything else is a fault of the tool: one line that says so
    (set COMMISSION_DEBUG=1 for the traceback), exit 70.
    """
    try:
        yield
    except InputError as exc:
        fail(exc.problems)
    except typer.Exit:
        raise
    except BrokenPipeError:
        silence_stdout()
        raise typer.Exit(EXIT_OK) from None
    except KeyboardInterrupt:
        say("interrupted: nothing was left half-written")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except Stopped as exc:
        name = signal.Signals(exc.signum).name
        say(f"stopped by {name}: nothing was left half-written")
        raise typer.Exit(128 + exc.signum) from None
    except MemoryError:
        say(
            "error: ran out of memory; close other programs, raise the memory limit "
            "(ulimit -v), or split the input"
        )
        raise typer.Exit(EXIT_INPUT) from None
    except OSError as exc:
        # A full disk, a read-only place, a device that refuses: the machine's trouble,
        # not a fault of the tool (reading failures are InputErrors by now).
        if os.environ.get("COMMISSION_DEBUG"):
            raise
        silence_stdout()
        where = f"{exc.filename}: " if exc.filename else ""
        say(f"error: {where}cannot write: {exc.strerror or exc}; the output is incomplete")
        raise typer.Exit(EXIT_INPUT) from None
    except Exception as exc:
        if os.environ.get("COMMISSION_DEBUG"):
            raise
        say(
            f"internal error: {type(exc).__name__}: {exc} "
            "(this is a fault in commission, not in your input; "
            "set COMMISSION_DEBUG=1 to see where)"
        )
        raise typer.Exit(EXIT_INTERNAL) from None


def silence_stdout() -> None:
    """After a closed pipe, Python would complain again when it flushes stdout at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
