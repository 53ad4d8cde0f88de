"""Writing output files safely: whole or not at all, and never over what should stay.

Every command that writes a file comes here, so the rules hold everywhere:

* **Whole or not at all.** Text goes to a temporary file beside the target and is
  renamed over it at the end; a run that fails, is interrupted or is killed
  leaves the target as it was.
* **Only regular files are replaced.** A device (``/dev/null``), a FIFO, a
  symlink to one, or one of the process's own descriptors (``/dev/stdout``,
  ``/dev/fd/1``) is written to as a stream; a symlink to a regular file is
  itself replaced, never followed (a link planted in a shared folder must not
  lead a root run to replace the file it names); a directory, or a name ending
  in ``/``, is refused.
* **Never the input.** An output that is one of the command's inputs (the same
  file, by device and inode, stdin included) is refused before anything is read.
* **Nothing left behind.** A temporary file is named for the process that made
  it (``.out.csv.commission-1234.part``); one left by a process that no longer
  exists (killed with SIGKILL, say) is removed by the next run that writes there.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from ..errors import InputError, Problem

STDIO = "-"
# The standard descriptors the caller closed (``>&-``, ``2>&-``): with 1 among them the
# answer has nowhere to go. Their numbers may be reused by files this process opens
# (the stand-in for a closed stderr takes 1 or 2), so /dev/fd/1 then names one of
# those, not the caller's stdout.
closed_at_start: set[int] = set()
_CLOSED = "names a closed descriptor; give a file name to write"
_STALE = re.compile(r"\.(?P<name>.+)\.commission-(?P<pid>\d+)\.[^.]+\.part")


def is_stdout(path: str | os.PathLike[str] | None) -> bool:
    return path is None or os.fspath(path) == STDIO


def _problem(path: str, message: str) -> InputError:
    return InputError([Problem(message, source=path)])


def refuse_input_as_output(output: str | os.PathLike[str] | None, inputs: Sequence[str]) -> None:
    """An output that is one of the inputs would replace what is being read: refuse it."""
    if is_stdout(output):
        return
    target = os.fspath(output)  # type: ignore[arg-type]
    try:
        out = os.stat(target)
    except OSError:
        return  # not there yet: it cannot be an input
    if not stat.S_ISREG(out.st_mode):
        return  # a device or a pipe is written as a stream, never replaced
    for name in inputs:
        try:
            seen = os.fstat(0) if name == STDIO else os.stat(name)
        except (OSError, ValueError):
            continue
        if (seen.st_dev, seen.st_ino) == (out.st_dev, out.st_ino):
            what = "stdin" if name == STDIO else "the file being read"
            raise _problem(target, f"is {what}; write the output to another file")


def _kind(path: str) -> str:
    """'stream' for a device or pipe, 'file' for a regular file or a new name (a symlink
    to a regular file is replaced itself: following it would let a planted link choose
    what is replaced). A descriptor of the process is :func:`_descriptor`'s."""
    if path.endswith(os.sep) or (os.altsep and path.endswith(os.altsep)):
        raise _problem(path, "ends with a slash, so it names a folder; give a file name to write")
    try:
        found = os.stat(path)  # through a symlink: what it names decides
    except FileNotFoundError:
        if os.path.islink(path):
            raise _problem(path, "is a symlink to nothing; give a file name to write") from None
        return "file"
    except OSError as exc:
        raise _problem(path, f"cannot write here: {exc.strerror or exc}") from None
    if stat.S_ISDIR(found.st_mode):
        raise _problem(path, "is a directory; give a file name to write")
    if stat.S_ISREG(found.st_mode):
        return "file"
    return "stream"


def _descriptor(path: str) -> int | None:
    """The descriptor ``path`` names, when it is one of this process's own (``/dev/fd/1``,
    ``/proc/self/fd/1``, or a symlink to one, as ``/dev/stdout`` is). Opening such a
    name would reopen the file behind the descriptor and truncate it; replacing it
    would replace the link: the descriptor itself is written to instead."""
    own = re.compile(rf"/(?:dev/fd|proc/(?:self|thread-self|{os.getpid()})/fd)/(\d+)")
    # The folder resolved, so //proc/self/fd/1 or a link to /proc/self is seen for what
    # it is; the last part's links are followed one by one below.
    absolute = os.path.abspath(path)
    name = os.path.join(os.path.realpath(os.path.dirname(absolute)), os.path.basename(absolute))
    for _ in range(40):  # as many links as the system itself follows
        match = own.fullmatch(name)
        if match is not None:
            return int(match.group(1))
        try:
            link = os.readlink(name)
        except OSError:
            return None  # not a symlink (or not there): a name like any other
        target = os.path.join(os.path.dirname(name), link)
        name = os.path.join(os.path.realpath(os.path.dirname(target)), os.path.basename(target))
    return None


def remove_stale(path: str) -> list[str]:
    """Remove temporary files beside ``path`` left by runs that no longer exist; their
    names, for the caller to say so."""
    directory = os.path.dirname(path) or "."
    base = os.path.basename(path)
    removed: list[str] = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        match = _STALE.fullmatch(name)
        if match is None or match.group("name") != base or _alive(int(match.group("pid"))):
            continue
        full = os.path.join(directory, name)
        with contextlib.suppress(OSError):
            if stat.S_ISREG(os.lstat(full).st_mode):
                os.unlink(full)
                removed.append(full)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process, still there
    return True


def _mode_for(path: str) -> int:
    """The permissions a written file should have: those of the file it replaces, or
    the usual ones for a new file (temporary files are made private to their owner)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def open_output(
    path: str | os.PathLike[str] | None, *, inputs: Sequence[str] = ()
) -> Iterator[IO[bytes]]:
    """stdout, a stream (a device or a pipe), or a regular file that appears whole when
    the block ends and not at all if it fails. Yields a binary handle: text is written
    as UTF-8 by the caller."""
    if is_stdout(path):
        if sys.stdout is None or 1 in closed_at_start:
            raise InputError([Problem("stdout is closed; give -o FILE to write to a file")])
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    target = os.fspath(path)  # type: ignore[arg-type]
    fd = _descriptor(target)
    if fd in closed_at_start:  # before the inputs: a file read may have taken its number
        raise _problem(target, _CLOSED)
    refuse_input_as_output(target, inputs)
    if fd is not None:
        try:
            stream = os.fdopen(os.dup(fd), "wb")
        except OSError:
            raise _problem(target, _CLOSED) from None
        with stream:
            yield stream
        return
    if _kind(target) == "stream":
        with open(target, "wb") as stream:
            yield stream
        return
    for stale in remove_stale(target):
        print(f"note: removed {stale}, left by an earlier run that was stopped", file=sys.stderr)
    directory = os.path.dirname(target) or "."
    try:
        fd, tmp = tempfile.mkstemp(
            dir=directory,
            prefix=f".{os.path.basename(target)}.commission-{os.getpid()}.",
            suffix=".part",
        )
    except OSError as exc:
        raise _problem(target, f"cannot write here: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except OSError as exc:
        raise _problem(
            target, f"cannot write: {exc.strerror or exc}; nothing was written"
        ) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def write_output(
    text: str, path: str | os.PathLike[str] | None, *, inputs: Sequence[str] = ()
) -> None:
    """Print to stdout, or write a file whole or not at all (replacing a regular file)."""
    data = (text if text.endswith("\n") else text + "\n").encode("utf-8", "backslashreplace")
    with open_output(path, inputs=inputs) as handle:
        handle.write(data)


def write_new(
    path: str | os.PathLike[str],
    text: str,
    *,
    force: bool = False,
    inputs: Sequence[str] = (),
    exists: str = "already exists; choose another name, or add --force to replace it",
) -> None:
    """Write a file whole; never over a file that is there unless ``force`` (and then only
    over a regular file: a device or a pipe is written to as a stream)."""
    target = os.fspath(path)
    _kind(target)  # a folder or a trailing slash is refused, --force or not
    if not force and (os.path.lexists(target)):
        raise _problem(target, exists)
    if force:
        write_output(text, target, inputs=inputs)
        return
    data = (text if text.endswith("\n") else text + "\n").encode("utf-8", "backslashreplace")
    directory = os.path.dirname(target) or "."
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(
            dir=directory,
            prefix=f".{os.path.basename(target)}.commission-{os.getpid()}.",
            suffix=".part",
        )
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, _mode_for(target))
        os.link(tmp, target)  # fails if the name appeared meanwhile: nothing is replaced
    except FileExistsError:
        raise _problem(target, exists) from None
    except OSError as exc:
        raise _problem(
            target, f"cannot write: {exc.strerror or exc}; nothing was written"
        ) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def same_path(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).resolve() == Path(b).resolve()
