"""``commission batch``: route a whole register, one output row per input row."""

from __future__ import annotations

import gc
import sys
import time
from collections import Counter
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import Any

import typer

from .common import (
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_NO,
    EXIT_OK,
    binary_output,
    refuse_same_file,
    rules_option,
    say,
    user_errors,
)


class OutFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"


class InFormat(str, Enum):
    csv = "csv"
    jsonl = "jsonl"


_HELP = """Route every purchase in a register: one decision per row, in input order.

FILE is CSV (a header row of purchase field names; an empty cell is "not
stated"; flags as true/false/yes/no/1/0) or JSON Lines (one object per line),
told apart by its extension or --input-format; - reads stdin. A bad row
becomes an error row and the batch goes on: rows in = rows out. A summary goes
to stderr. Exit 0 when every row was valid, 1 when any was not, 2 when the
input cannot be read at all.
"""


def batch_command(
    file: str = typer.Argument(..., metavar="FILE|-", help="The register: CSV or JSON Lines."),
    format: OutFormat | None = typer.Option(
        None,
        "--format",
        "-f",
        help="jsonl: the full decision object per line; csv: one flat row per purchase. "
        "Default: from --output's extension, else jsonl.",
    ),
    input_format: InFormat | None = typer.Option(
        None, "--input-format", help="Read FILE as this format whatever its name."
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        metavar="FILE",
        help="Write to FILE (whole or not at all) instead of stdout.",
    ),
    rules: str | None = rules_option(),
    ignore_column: list[str] = typer.Option(
        [],
        "--ignore-column",
        metavar="NAME",
        help="A CSV column that is not a purchase field, to leave out (repeatable).",
    ),
    ignore_unknown_columns: bool = typer.Option(
        False,
        "--ignore-unknown-columns",
        help="Leave out every CSV column that is not a purchase field.",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary and no progress bar."),
    jobs: int = typer.Option(
        0,
        "--jobs",
        "-j",
        min=0,
        metavar="N",
        help="Processes to route with: 0 (the default) for one per core, 1 for one. "
        "A register file of more than half a megabyte is shared out among them "
        "(on Linux); the output is the same.",
    ),
) -> None:
    with user_errors():
        from ..parallel import WorkerLost
        from ..registers import batch_rows, open_register
        from ..render.rows import CsvWriter, JsonlWriter
        from ..replay import Replay, Tally
        from ..rules import load_rules

        pack = load_rules(rules)
        refuse_same_file(file, output)
        register = open_register(
            file,
            input_format.value if input_format else None,
            ignore_columns=tuple(ignore_column),
            ignore_unknown=ignore_unknown_columns,
        )
        chosen = format or (
            OutFormat.csv if output and output.suffix.lower() == ".csv" else OutFormat.jsonl
        )
        progress = _Progress(register) if not quiet and sys.stderr.isatty() else None
        tally = Tally()
        try:
            with binary_output(output) as out:
                writer = CsvWriter(out) if chosen is OutFormat.csv else JsonlWriter(out)
                replay = Replay(
                    pack, register.fields, register.source, writer, lambda: register.line
                )
                tally = replay.tally
                split = _split(replay, register, file, out, jobs)
                if split is not None:
                    tally = split.tally
                    if progress is not None:
                        progress.position = lambda: split.done_bytes
                    split.run(lambda done: _tick(done, progress))
                else:
                    replay.run(batch_rows(register), lambda done: _tick(done, progress))
        except (KeyboardInterrupt, WorkerLost) as exc:
            if progress is not None:
                progress.stop()  # before the message, which the bar would overwrite
            lost = isinstance(exc, WorkerLost)
            if output:
                where = f"{output} was not written"
            elif lost:  # the lost worker may have written part of its rows after these
                where = f"the output is whole only to row {tally.rows:,}"
            else:
                where = f"after {tally.rows:,} rows"
            say(f"error: {exc}; {where}" if lost else f"interrupted: {where}")
            # A lost worker is the machine's trouble, as a full disk is (see user_errors).
            raise typer.Exit(EXIT_INPUT if lost else EXIT_INTERRUPTED) from None
        finally:
            register.close()
            if progress is not None:
                progress.stop()
        if not quiet:
            _summary(tally.rows, tally.methods, tally.errors, pack)
    raise typer.Exit(EXIT_NO if tally.errors else EXIT_OK)


def _split(replay: Any, register: Any, file: str, out: Any, jobs: int) -> Any:
    """The batch shared out among worker processes, or None to route in this one."""
    from ..parallel import Split, can_split, default_jobs

    jobs = jobs or default_jobs()
    if not can_split(register, file, out, jobs):
        return None
    split = Split(replay, register, file, out, jobs)
    return split if split.possible else None


def _tick(rows: int, progress: _Progress | None) -> None:
    if not rows & 0xFFFF:
        # The caches hold many small long-lived objects; without this each full
        # collection walks them all again (a third of the run).
        gc.freeze()
    if progress is not None:
        progress.update(rows)


def _summary(rows: int, counts: Counter[str], errors: int, pack: Any) -> None:
    no_route = counts.pop("", 0)
    routed = sum(counts.values())
    say(
        f"{rows:,} rows: {routed:,} routed, {no_route:,} no route, {errors:,} "
        f"error{'s' if errors != 1 else ''} ({pack.name}, version {pack.version})"
    )
    width = max((len(m.spec.id) for m in pack.methods), default=10)
    for m in pack.methods:
        if counts.get(m.spec.id):
            say(f"  {m.spec.id:<{width}}  {counts[m.spec.id]:>10,}")
    if no_route:
        say(f"  {'no route':<{width}}  {no_route:>10,}")
    if errors:
        say(f"  {'errors':<{width}}  {errors:>10,}")


class _Progress:
    """A rich progress bar on stderr, for a person watching a long batch."""

    def __init__(self, register: Any) -> None:
        self.register = register
        self.started = time.monotonic()
        self.bar: Any = None
        self.task: Any = None
        self.position = register.position  # bytes read so far

    def update(self, rows: int) -> None:
        if self.bar is None:
            if time.monotonic() - self.started < 1.0:
                return  # a short batch needs no bar
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(
                TextColumn("routing"),
                BarColumn(),
                TextColumn("{task.fields[rows]:>12,} rows"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task("batch", total=self.register.size, rows=rows)
        self.bar.update(self.task, completed=self.position() or 0, rows=rows)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def register(app: typer.Typer, args: Sequence[str] | None = None) -> None:
    app.command("batch", help=_HELP)(batch_command)


__all__ = ["EXIT_INPUT", "register"]
