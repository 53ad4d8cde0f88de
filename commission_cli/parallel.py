"""Routing a register file on several cores: the batch's rows shared out in parts.

The file is cut into parts of whole lines (a quarter of a megabyte each), each
routed by a worker process, a fork of this one with the rules and the replay
already loaded. A worker writes its part's rows straight to the output, when
every part before it has been written, so the output is in input order and
nothing passes between the processes but a few numbers. What comes out is what
one process writes (tests/test_parallel.py holds this, byte for byte), because
every doubt sends the rest of the file to one process:

* Row numbers. A worker numbers its part from a guess (the lines before it, less
  the blank ones), and routes it again if, when its turn comes to write, the
  rows before it turn out to be fewer or more (a quoted line break, say).
* Where rows end. A part is cut where the quotes before it pair up, and the
  worker reads one line more, its own, that comes back as a row by itself only
  if the part ended where a row does. If not, that part and the rest of the
  file are read by this process, from where the last good part ended.
* Line ends. A lone carriage return (a line end to the reader, not to the cut)
  also sends the rest of the file to this process.

It needs a file (not stdin), an output that is a file descriptor, and fork
(Linux); elsewhere the batch runs in one process, as it always could.
"""

from __future__ import annotations

import gc
import io
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, BinaryIO, NamedTuple

from .registers import Register, batch_rows, read_part
from .replay import Replay, Tally

PART = 1 << 18  # bytes: a few thousand rows, tens of milliseconds of work
_LONGEST_PART = 64 * PART  # a part the quotes never let end: the rest goes to one process
_FREEZE_EVERY = 1 << 16  # rows: see cli.batch._tick
_IOV_MAX = 1024  # pieces per writev: the least POSIX allows systems to take


class WorkerLost(Exception):
    """A worker process ended before its part was written: killed from outside (by a
    person, or by the system when memory ran out). Not a fault of the tool's."""

    def __init__(self) -> None:
        super().__init__("a worker process ended abruptly (killed, or out of memory?)")


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_split(register: Register, path: str, out: BinaryIO, jobs: int) -> bool:
    """Whether this batch can be shared out: a file big enough, a real output, fork."""
    if jobs < 2 or path == "-" or sys.platform != "linux":
        return False
    if register.size is None or register.size < 2 * PART:
        return False
    try:
        out.fileno()
    except (OSError, ValueError, io.UnsupportedOperation):
        return False
    return "fork" in multiprocessing.get_all_start_methods()


class _Part(NamedTuple):
    number: int  # its place among the parts, from 0
    offset: int  # in the file, in bytes
    size: int  # bytes; 0 for "the rest of the file, in this process"
    line: int  # lines of the file before the part's first
    lines: int  # lines in the part
    guess: int  # the number its first row is likely to have

    @property
    def where(self) -> tuple[int, int, bool]:
        """read_part's line, lines and at_start for this part."""
        return self.line, self.lines, self.offset == 0


@dataclass
class _Shared:
    """What the workers share: whose turn it is to write, and the next row number."""

    turn: Any
    next_row: Any
    stop: Any
    changed: Any  # a Condition, on which the three above change


# The worker's world, set in this process before the fork.
_WORK: _Work | None = None


class _Work:
    def __init__(self, replay: Replay, register: Register, path: str, out: int, shared: _Shared):
        self.replay = replay
        self.register = register
        self.path = path
        self.out = out
        self.shared = shared
        self.since_freeze = 0
        self.source: int | None = None
        # Each part is read into this one buffer, and given to the reader in this one
        # stream: a fresh quarter-megabyte object per part lands in the C heap between
        # the caches' long-lived objects, and the heap grows by half a megabyte over a
        # million rows.
        self.buffer = bytearray()  # made in the worker, at its first part
        self.stream = io.BytesIO()

    def route(self, part: _Part, first: int) -> tuple[list[bytes], Tally, bool]:
        """The part in the stream, its output numbered from ``first``; its tally;
        whether it ended where a row does."""
        stream = self.stream
        stream.seek(0)
        read = _start(self.replay, read_part(self.register, stream, *part.where))
        replay = self.replay
        made: list[bytes] = []
        try:
            replay.run(batch_rows(read), first=first, drain=made.extend)
        finally:
            assert isinstance(read.handle, io.TextIOWrapper)
            read.handle.detach()  # else its end would close the stream the next part needs
        self.since_freeze += replay.tally.rows
        if self.since_freeze >= _FREEZE_EVERY:
            self.since_freeze = 0
            gc.freeze()
        return made, replay.tally, read.clean

    def take(self, part: _Part) -> tuple[str, Any]:
        if self.source is None:
            self.source = os.open(self.path, os.O_RDONLY)
        if len(self.buffer) < part.size:
            self.buffer = bytearray(max(part.size, PART))
        data = memoryview(self.buffer)[: part.size]
        got = os.preadv(self.source, [data], part.offset)
        stream = self.stream
        stream.seek(0)
        stream.write(data[:got])
        stream.truncate()
        written, tally, clean = self.route(part, part.guess)
        shared = self.shared
        with shared.changed:
            shared.changed.wait_for(lambda: shared.turn.value == part.number or shared.stop.value)
            if shared.stop.value:
                return "dropped", None
            first = shared.next_row.value
        # This part's turn: nothing else writes until it passes the turn on.
        if not clean:
            self._stop()
            return "uncut", None
        if first != part.guess:
            written, tally, clean = self.route(part, first)
        try:
            _write_all(self.out, written)
        except OSError as exc:
            self._stop()
            return "failed", exc
        with shared.changed:
            shared.next_row.value = first + tally.rows
            shared.turn.value = part.number + 1
            shared.changed.notify_all()
        return "written", (tally.rows, dict(tally.methods), tally.errors)

    def _stop(self) -> None:
        with self.shared.changed:
            self.shared.stop.value = 1
            self.shared.changed.notify_all()


def _start(replay: Replay, read: Register) -> Register:
    """Points the replay at a part about to be read: its error rows' lines, a new tally."""
    replay.line = lambda: read.line
    replay.tally = Tally()
    return read


def _take(part: _Part) -> tuple[str, Any]:
    assert _WORK is not None
    return _WORK.take(part)


def _worker_start() -> None:
    # Ctrl-C reaches every process of the group: this one stops the batch, the
    # workers finish their part and see that it has stopped.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked for the fork


def _write_all(fd: int, pieces: list[bytes]) -> None:
    """Every piece, in order, without joining them (a line's shared pieces stay shared)."""
    for start in range(0, len(pieces), _IOV_MAX):
        batch = pieces[start : start + _IOV_MAX]
        done = os.writev(fd, batch)
        if done < sum(map(len, batch)):  # a pipe took part of it
            rest = memoryview(b"".join(batch))[done:]
            while rest:
                rest = rest[os.write(fd, rest) :]


class Split:
    """Routes a register file with ``jobs`` worker processes, writing to ``out``."""

    def __init__(
        self, replay: Replay, register: Register, path: str, out: BinaryIO, jobs: int
    ) -> None:
        self.replay = replay
        self.register = register
        self.path = path
        self.out = out
        self.jobs = jobs
        self.tally = Tally()
        self.done_bytes = 0  # for a progress bar
        with open(path, "rb") as source:
            self.body = self._body(source)

    @property
    def possible(self) -> bool:
        """False when the header's lines cannot be told by their line ends (a lone
        carriage return): the batch is then one process's."""
        return self.body[0] >= 0

    def run(self, tick: Callable[[int], None] | None = None) -> Tally:
        global _WORK
        context = multiprocessing.get_context("fork")
        shared = _Shared(
            context.Value("q", 0, lock=False),
            context.Value("q", 1, lock=False),
            context.Value("b", 0, lock=False),
            context.Condition(),
        )
        self.out.flush()  # the CSV header, before the workers write after it
        gc.freeze()  # what is loaded now stays shared with the workers, unwritten
        _WORK = _Work(self.replay, self.register, self.path, self.out.fileno(), shared)
        rest: _Part | None = None
        pending: deque[tuple[_Part, Future[tuple[str, Any]]]] = deque()
        parts = self._parts()
        executor = ProcessPoolExecutor(self.jobs, mp_context=context, initializer=_worker_start)
        started = False
        broken = False
        try:
            while True:
                while rest is None and len(pending) < 4 * self.jobs:
                    part = next(parts, None)
                    if part is None:
                        break
                    if not part.size:
                        rest = part
                        break
                    if not started:
                        # The workers are forked at the first submit: a Ctrl-C in the
                        # middle of a fork is lost (Python's fork hooks swallow it), so
                        # it waits until the fork is over, and then stops the batch.
                        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
                        try:
                            future = executor.submit(_take, part)
                        finally:
                            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
                        started = True
                    else:
                        future = executor.submit(_take, part)
                    pending.append((part, future))
                if not pending:
                    break
                part, future = pending.popleft()
                outcome, value = future.result()
                if outcome == "failed":
                    raise value
                if outcome == "uncut":  # this part and the rest, in one process
                    rest = part
                    break
                # "dropped" only follows an "uncut" or "failed" part, which ends the loop.
                rows, methods, errors = value
                self.tally.rows += rows
                self.tally.methods.update(methods)
                self.tally.errors += errors
                self.done_bytes = part.offset + part.size
                if tick is not None:
                    tick(self.tally.rows)
        except BaseException as exc:
            # Parts written but not yet counted here count too (the summary is not shown).
            self.tally.rows = shared.next_row.value - 1
            if isinstance(exc, BrokenProcessPool):
                broken = True
                raise WorkerLost() from exc
            raise
        finally:
            # A pool broken by a worker's death has stopped the others itself; the
            # condition is no longer to be touched: a worker killed while it waited
            # would be waited for by notify_all for ever, and one stopped while it held
            # the lock would hold it for ever.
            if not broken:
                with shared.changed:
                    shared.stop.value = 1
                    shared.changed.notify_all()
            executor.shutdown(wait=True, cancel_futures=True)
            _WORK = None
        if rest is not None:
            self._route_rest(rest, shared.next_row.value, tick)
        return self.tally

    def _route_rest(self, part: _Part, first: int, tick: Callable[[int], None] | None) -> None:
        """From ``part`` to the end of the file, in this process."""
        with open(self.path, "rb") as data:
            data.seek(part.offset)
            line, _, at_start = part.where
            read = _start(self.replay, read_part(self.register, data, line, -1, at_start))
            replay = self.replay
            try:
                # run numbers its rows from `first`, so tick already hears the row count.
                replay.run(batch_rows(read), tick, first)
            finally:
                self.tally.rows += replay.tally.rows
                self.tally.methods.update(replay.tally.methods)
                self.tally.errors += replay.tally.errors

    def _parts(self) -> Iterator[_Part]:
        """The file's parts, in order; the last one has size 0 if the rest of the file
        is to be read by this process."""
        jsonl = self.register.kind == "jsonl"
        offset, line = self.body
        # One buffer, read into again and again: the parts' bytes are only counted
        # here (each worker reads its own), and a fresh quarter-megabyte object per
        # read would be as many page faults in this process, on a core the workers need.
        buf = bytearray(2 * PART)
        have = 0  # bytes at the front of buf carried over from the last read
        with open(self.path, "rb") as source:
            source.seek(offset)
            guess = 1
            index = 0
            while True:
                if len(buf) - have < PART:  # a long carry (a quoted cell): room for more
                    buf.extend(bytes(len(buf)))
                got = source.readinto(memoryview(buf)[have : have + PART])
                end = have + got
                if not end:
                    return
                cut = end if not got else _cut(buf, jsonl, end)
                if cut <= 0:
                    if end > _LONGEST_PART:
                        yield _Part(index, offset, 0, line, 0, guess)
                        return
                    have = end
                    continue
                if buf.count(b"\r", 0, cut) != buf.count(b"\r\n", 0, cut):
                    yield _Part(index, offset, 0, line, 0, guess)  # a lone \r ends lines
                    return
                lines = buf.count(b"\n", 0, cut) + (not buf.endswith(b"\n", 0, cut))
                yield _Part(index, offset, cut, line, lines, guess)
                index += 1
                offset += cut
                line += lines
                guess += lines - buf.count(b"\n\n", 0, cut) - buf.count(b"\n\r\n", 0, cut)
                have = end - cut
                buf[:have] = buf[cut:end]

    def _body(self, source: BinaryIO) -> tuple[int, int]:
        """Where the rows start: (offset, lines before), after a CSV file's header; -1
        if the header's lines cannot be found by their line ends."""
        lines = self.register.header_lines if self.register.kind == "csv" else 0
        head = source.read(PART)
        at = 0
        for _ in range(lines):
            found = head.find(b"\n", at)
            if found < 0:
                return -1, 0
            at = found + 1
        if head[:at].count(b"\r") != head[:at].count(b"\r\n"):
            return -1, 0
        return at, lines


def _cut(data: bytearray, jsonl: bool, size: int) -> int:
    """Where to end a part of the first ``size`` bytes of ``data``: after the last line
    end (for CSV, the last at which the quotes before it pair up); 0 if there is none."""
    end = data.rfind(b"\n", 0, size)
    if jsonl or end < 0:
        return end + 1
    quotes = data.count(b'"', 0, size)
    counted_to = size
    while end >= 0:
        quotes -= data.count(b'"', end, counted_to)
        counted_to = end
        if not quotes % 2:
            return end + 1
        end = data.rfind(b"\n", 0, end)
    return 0


__all__ = ["PART", "Split", "WorkerLost", "can_split", "default_jobs"]
