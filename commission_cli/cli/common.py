"""What every command shares: the rule pack option, error reporting, safe output."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, NoReturn, TextIO

import typer

from ..errors import InputError, Problem

EXIT_OK = 0
EXIT_NO = 1  # no route, the check disagreed, or a batch had bad rows
EXIT_INPUT = 2  # bad input or usage
EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 70  # a fault in the tool itself (never bad input)

RULES_HELP = (
    "Rule pack: a YAML file, or the name of a shipped pack. Default: "
    "$COMMISSION_RULES, else the Wolverhampton pack."
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
    print(message, file=sys.stderr)


def report(problems: list[Problem]) -> None:
    for problem in problems:
        say(f"error: {problem}")


def fail(problems: list[Problem], code: int = EXIT_INPUT) -> NoReturn:
    report(problems)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a user can cause into clean messages and exit codes.

    Bad input: one line per problem, exit 2. A closed pipe (``| head``): quiet.
    Ctrl-C: one line, exit 130. Anything else is a fault of the tool: one line
    that says so (set COMMISSION_DEBUG=1 for the traceback), exit 70.
    """
    try:
        yield
    except InputError as exc:
        fail(exc.problems)
    except typer.Exit:
        raise
    except BrokenPipeError:
        _silence_stdout()
        raise typer.Exit(EXIT_OK) from None
    except KeyboardInterrupt:
        say("interrupted: nothing was written")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except OSError as exc:
        # A full disk, a read-only place, a device that refuses: the machine's trouble,
        # not a fault of the tool (reading failures are InputErrors by now).
        if os.environ.get("COMMISSION_DEBUG"):
            raise
        _silence_stdout()
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


def _silence_stdout() -> None:
    # After a closed pipe, Python would complain again when it flushes stdout at exit.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def write_output(text: str, output: Path | None) -> None:
    """Print to stdout, or write a file whole or not at all."""
    if output is None or str(output) == "-":
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
        return
    write_file(output, text, replace=True)


@contextmanager
def binary_output(path: Path | None) -> Iterator[BinaryIO]:
    """Like :func:`output_stream`, for writers that write bytes (UTF-8)."""
    if path is None or str(path) == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    with output_stream(path) as handle:
        yield handle.buffer


@contextmanager
def output_stream(path: Path | None) -> Iterator[TextIO]:
    """stdout, or a file that appears whole when the block ends and not at all if it fails.

    The text goes to a hidden temporary file beside the target and is renamed
    into place at the end, so an interrupted or failed run leaves no half file.
    """
    if path is None or str(path) == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    if path.exists() and not path.is_file() and not path.is_dir():
        # A device or a pipe (/dev/null, a FIFO): nothing to replace, so write straight in.
        with path.open("w", encoding="utf-8", newline="", buffering=1 << 20) as handle:
            yield handle
        return
    directory = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise InputError([Problem("is a directory; give a file name to write", source=str(path))])
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise InputError(
            [Problem(f"cannot write here: {exc.strerror or exc}", source=str(path))]
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="", buffering=1 << 20) as handle:
            yield handle
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except OSError as exc:
        raise InputError(
            [Problem(f"cannot write: {exc.strerror or exc}; nothing was written", source=str(path))]
        ) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_file(
    path: Path,
    text: str,
    *,
    replace: bool = False,
    exists: str = "already exists; choose another name, or add --force to replace it",
) -> None:
    """Write a file whole or not at all; without ``replace``, never over a file that is
    there (``exists`` says what to do instead).

    The text goes to a hidden temporary file beside the target first. It is then
    renamed over the target (``replace``) or linked into place, which fails if the
    name exists, so that a file that appears meanwhile is not overwritten either.
    """
    if path.is_dir():
        raise InputError([Problem("is a directory; give a file name to write", source=str(path))])
    if not replace and (path.exists() or path.is_symlink()):
        raise InputError([Problem(exists, source=str(path))])
    directory = path.parent if str(path.parent) else Path(".")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".part")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text if text.endswith("\n") else text + "\n")
        os.chmod(tmp, _mode_for(path))
        if replace:
            os.replace(tmp, path)
        else:
            _link_into_place(tmp, path)
    except FileExistsError:
        raise InputError([Problem(exists, source=str(path))]) from None
    except OSError as exc:
        raise InputError(
            [Problem(f"cannot write: {exc.strerror or exc}; nothing was written", source=str(path))]
        ) from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def _mode_for(path: Path) -> int:
    """The permissions a written file should have: those of the file it replaces, or
    the usual ones for a new file (temporary files are made private to their owner)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def refuse_same_file(input_path: str | None, output: Path | None) -> None:
    """An output that is the input would replace what is being read: refuse it."""
    if input_path is None or input_path == "-" or output is None or str(output) == "-":
        return
    try:
        same = os.path.samefile(input_path, output)
    except OSError:
        return  # the output does not exist yet
    if same:
        raise InputError(
            [
                Problem(
                    "is the file being read; write the output to another file", source=str(output)
                )
            ]
        )


def _link_into_place(tmp: str, path: Path) -> None:
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:
        # A file system without hard links: check, then rename (a tiny window remains).
        if path.exists():
            raise FileExistsError(str(path)) from None
        os.replace(tmp, path)
