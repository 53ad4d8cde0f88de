"""``commission batch``: route a whole register, one output row per input row, in order.

Open the register, route each row as it is read, write its row out, then say
how it went. A bad row becomes an error row and the batch goes on.
"""

from __future__ import annotations

import os
import signal
import stat
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any

import typer

from .common import EXIT_INTERRUPTED, EXIT_NO, EXIT_OK, Stopped, rules_option, say, user_errors

if TYPE_CHECKING:  # imported where used: `route` builds this module too, and needs none
    from ..engine.route import RowError
    from ..io.registers import Register, RegisterRow
    from ..model.decision import Decision
    from ..rules.compiled import Rules

_HELP = """Route every purchase in a register: one decision per row, in input order.

FILE is CSV (a header row of purchase field names; an empty cell is "not
stated"; flags as true/false/yes/no/1/0; separated by commas, semicolons or
tabs, as the header shows) or JSON Lines (one object per line), told apart by
its extension or --input-format; - reads stdin. A bad row becomes an error row
and the batch goes on: rows in = rows out. A summary goes to stderr. Exit 0
when every row was valid, 1 when any was not, 2 when the input cannot be read
at all.
"""


class OutFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"


class InFormat(str, Enum):
    csv = "csv"
    jsonl = "jsonl"


def register(app: typer.Typer, args: Sequence[str] = ()) -> None:
    app.command("batch", help=_HELP)(batch_command)


def batch_command(
    file: str = typer.Argument(..., metavar="FILE|-", help="The register: CSV or JSON Lines."),
    format: OutFormat | None = typer.Option(
        None,
        "--format",
        "-f",
        help="jsonl: the whole decision object per line; csv: one flat row per purchase. "
        "Default: csv for an --output ending .csv, else jsonl.",
    ),
    input_format: InFormat | None = typer.Option(
        None, "--input-format", help="Read FILE as this format whatever its name."
    ),
    output: str | None = typer.Option(
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
) -> None:
    with user_errors():
        from ..io.registers import open_register
        from ..rules.load import load_rules

        pack = load_rules(rules)
        with open_register(
            file,
            pack,
            input_format.value if input_format else None,
            ignore_columns=ignore_column,
            ignore_unknown=ignore_unknown_columns,
        ) as register:
            chosen = format or (
                OutFormat.csv if (output or "").lower().endswith(".csv") else OutFormat.jsonl
            )
            tally = _write(register, pack, file, output, chosen, quiet)
        if not quiet:
            tally.summary(pack)
    raise typer.Exit(EXIT_NO if tally.errors else EXIT_OK)


def routed(
    register: Register, rules: Rules
) -> Iterator[tuple[int, RegisterRow, Decision | RowError]]:
    """Each row of the register as it is read: its number (from 1), the row, and its
    decision or error."""
    from ..engine.route import RowError, route_row
    from ..io.registers import Unreadable

    for number, row in enumerate(register.rows(), 1):
        if isinstance(row.data, Unreadable):
            data = {"(line)": row.data.text} if row.data.text else {}
            yield number, row, RowError(number, row.data.problems, data)
        else:
            yield (
                number,
                row,
                route_row(
                    row.data,
                    rules,
                    number,
                    fields=register.fields,
                    source=register.source,
                    line=row.line,
                ),
            )


class Tally:
    """What the batch has written so far: rows, errors, and rows by method."""

    def __init__(self) -> None:
        self.rows = 0
        self.errors = 0
        self.methods: Counter[str] = Counter()  # "" for no route

    def summary(self, rules: Rules) -> None:
        from ..safe import shown

        counts = dict(self.methods)
        no_route = counts.pop("", 0)
        routed = sum(counts.values())
        errors = f"{self.errors:,} error{'s' if self.errors != 1 else ''}"
        say(
            f"{self.rows:,} rows: {routed:,} routed, {no_route:,} no route, {errors} "
            f"({shown(rules.name)}, version {shown(rules.version)})"
        )
        lines = [(m.id, counts.get(m.id, 0)) for m in rules.methods]
        lines += [("no route", no_route), ("errors", self.errors)]
        width = max(len(name) for name, _ in lines)
        for name, count in lines:
            if count:
                say(f"  {shown(name):<{width}}  {count:>10,}")


def _write(
    register: Register,
    rules: Rules,
    file: str,
    output: str | None,
    chosen: OutFormat,
    quiet: bool,
) -> Tally:
    from ..engine.route import RowError
    from ..io.files import open_output
    from ..render.rows import CsvRows, JsonRows, RowWriter
    from ..rules.load import files_read

    tally = Tally()
    progress = _Progress(register) if not quiet and sys.stderr.isatty() else None
    try:
        with open_output(output, inputs=[file, *files_read(rules)]) as out:
            writer: RowWriter = CsvRows(out, rules) if chosen is OutFormat.csv else JsonRows(out)
            for number, _, item in routed(register, rules):
                if isinstance(item, RowError):
                    tally.errors += 1
                    writer.error(item)
                else:
                    tally.methods[item.method.id if item.method else ""] += 1
                    writer.decision(number, item)
                tally.rows = number
                if progress is not None and not number % 1024:
                    progress.update(number)
    except (KeyboardInterrupt, Stopped) as exc:
        if progress is not None:
            progress.stop()  # before the message, which the bar would overwrite
        _stopped(exc, output, tally.rows)
    finally:
        if progress is not None:
            progress.stop()
    return tally


def _stopped(exc: BaseException, output: str | None, rows: int) -> None:
    """Ctrl-C, TERM or HUP: say what became of the output, and exit as the signal asks."""
    if isinstance(exc, Stopped):
        what, code = f"stopped by {signal.Signals(exc.signum).name}", 128 + exc.signum
    else:
        what, code = "interrupted", EXIT_INTERRUPTED
    where = f"{output} was not written" if _replaced(output) else f"after {rows:,} rows"
    say(f"{what}: {where}")
    raise typer.Exit(code) from None


def _replaced(output: str | None) -> bool:
    """Is the output a file written whole at the end (so not written at all if stopped)?"""
    if output is None or output == "-":
        return False
    try:
        return stat.S_ISREG(os.stat(output).st_mode)
    except OSError:
        return True  # a new file


class _Progress:
    """A progress bar on stderr, for a person watching a long batch at a terminal."""

    def __init__(self, register: Register) -> None:
        self.register = register
        self.started = time.monotonic()
        self.bar: Any = None
        self.task: Any = None

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
        self.bar.update(self.task, completed=self.register.position() or 0, rows=rows)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
