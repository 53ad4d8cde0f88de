"""A register shared out among worker processes must come out exactly as one process
writes it: the same bytes, the same counts, whatever the file holds where it is cut."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from commission_cli import load_rules, parallel
from commission_cli.registers import batch_rows, open_register
from commission_cli.render.rows import CsvWriter, JsonlWriter
from commission_cli.replay import Replay

from .conftest import installed_script

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
import register as benchmark_register

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux")

RULES = load_rules()
WRITERS = {"csv": CsvWriter, "jsonl": JsonlWriter}


def _batch(path: Path, kind: str, jobs: int) -> tuple[bytes, tuple[Any, ...], bool]:
    """(what was written, (rows, errors, rows by method), whether the split was used
    to the end rather than handing the rest of the file to one process)."""
    register = open_register(str(path))
    target = path.with_name(f"{path.name}.{jobs}.{kind}")
    went_whole = True
    with open(target, "wb") as out:
        replay = Replay(
            RULES, register.fields, register.source, WRITERS[kind](out), lambda: register.line
        )
        if jobs == 1:
            tally = replay.run(batch_rows(register))
        else:
            split = parallel.Split(replay, register, str(path), out, jobs)
            assert split.possible
            rest = split._route_rest

            def spy(*args: Any) -> None:
                nonlocal went_whole
                went_whole = False
                rest(*args)

            split._route_rest = spy  # type: ignore[method-assign]
            tally = split.run()
    register.close()
    return target.read_bytes(), (tally.rows, tally.errors, dict(tally.methods)), went_whole


def _same_either_way(path: Path, kind: str = "csv") -> bool:
    one, one_tally, _ = _batch(path, kind, 1)
    shared, shared_tally, whole = _batch(path, kind, 2)
    assert shared == one
    assert shared_tally == one_tally
    return whole


@pytest.fixture(autouse=True)
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "PART", 700)  # a few rows each: every cut is tried


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_a_register_in_many_parts_writes_what_one_process_writes(tmp_path, kind):
    path = benchmark_register.write(tmp_path / "register.csv", 600, seed=5)
    assert _same_either_way(path, kind)


def test_a_json_lines_register_with_a_byte_order_mark_and_broken_lines(tmp_path):
    lines = []
    for i in range(300):
        if i % 37 == 5:
            lines.append("{not json")
        elif i % 41 == 7:
            lines.append("   ")
        else:
            lines.append(
                f'{{"title": "Service {i}", "annual_value": {1000 * i + 7}, '
                f'"outcomes": "certain", "providers": "many", "method_used": "restricted"}}'
            )
    path = tmp_path / "register.jsonl"
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    assert _same_either_way(path)


def test_quoted_line_breaks_and_blank_lines_keep_row_and_line_numbers(tmp_path):
    rows = ["title,annual_value,outcomes,providers"]
    for i in range(400):
        title = f'"Day care\n{i}, with ""quotes"""' if i % 9 == 0 else f"Service {i}"
        rows.append(f"{title},{'twelve' if i % 13 == 0 else 40000 + i},certain,many")
        if i % 17 == 0:
            rows.append("")
    path = tmp_path / "register.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert _same_either_way(path)


def test_a_stray_quote_in_a_bare_cell_is_read_as_one_process_reads_it(tmp_path):
    rows = ["title,annual_value,outcomes,providers"]
    for i in range(400):
        title = f'Bob"s club {i}' if i in (150, 260) else f"Service {i}"
        rows.append(f"{title},{40000 + i},certain,many")
    path = tmp_path / "register.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    _same_either_way(path)


def test_a_stray_quote_before_a_quoted_line_break_hands_the_rest_to_one_process(tmp_path):
    # The stray quote is a character of its cell; counted as a quote, it makes the line
    # break inside the next quoted cell look like a place to cut.
    rows = ["title,annual_value,outcomes,providers"]
    for i in range(400):
        rows.append(f"Service {i},{40000 + i},certain,many")
        if i == 150:
            rows.append('Bob"s club,45000,certain,many')
            rows.append('"Day care' + "\n" * 40 + 'in two parts",45000,certain,many')
    path = tmp_path / "register.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert not _same_either_way(path)


def test_a_cut_inside_a_quoted_cell_is_found_and_read_by_one_process(tmp_path):
    # The quotes pair up on either side of the break, so the cut may fall inside it; the
    # part then ends inside a row, which its own last line shows.
    long_title = '"' + "x\n" * 500 + '"'
    rows = ["title,annual_value,outcomes,providers", f"{long_title},45000,certain,many"]
    rows += [f"Service {i},{40000 + i},certain,many" for i in range(300)]
    rows.insert(100, f'"A ""quoted"" title\nover two lines {long_title[1:-1]}",45000,certain,many')
    path = tmp_path / "register.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    _same_either_way(path)


def test_a_quoted_cell_longer_than_several_parts_is_carried_whole(tmp_path):
    # No cut can fall inside the cell's quotes, so what is read is carried into the next
    # read, and the next, until the row ends: the buffer must grow to hold it.
    huge_title = '"' + "word\n" * 2000 + '"'  # 10 kB, fourteen parts of 700 bytes
    rows = ["title,annual_value,outcomes,providers"]
    rows += [f"Service {i},{40000 + i},certain,many" for i in range(100)]
    rows.append(f"{huge_title},45000,certain,many")
    rows += [f"Service {i},{50000 + i},certain,many" for i in range(100)]
    path = tmp_path / "register.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    _same_either_way(path)


def test_lone_carriage_returns_hand_the_rest_to_one_process(tmp_path):
    body = "".join(f"Service {i},{40000 + i},certain,many\r\n" for i in range(200))
    body += "".join(f"Old mac {i},{50000 + i},certain,many\r" for i in range(100))
    path = tmp_path / "register.csv"
    path.write_bytes(("title,annual_value,outcomes,providers\r\n" + body).encode())
    assert not _same_either_way(path)


def test_bytes_that_are_not_utf8_are_error_rows_in_either_way(tmp_path):
    body = b"".join(
        (f"Caf\xe9 {i}" if i % 50 == 3 else f"Service {i}").encode("latin-1")
        + f",{40000 + i},certain,many\n".encode()
        for i in range(300)
    )
    path = tmp_path / "register.csv"
    path.write_bytes(b"title,annual_value,outcomes,providers\n" + body)
    assert _same_either_way(path)


def test_a_last_line_without_its_line_end_is_a_row(tmp_path):
    rows = [f"Service {i},{40000 + i},certain,many" for i in range(300)]
    path = tmp_path / "register.csv"
    path.write_text("title,annual_value,outcomes,providers\n" + "\n".join(rows), encoding="utf-8")
    assert _same_either_way(path)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_the_installed_batch_on_every_core_writes_what_one_process_writes(tmp_path, fmt):
    path = benchmark_register.write(tmp_path / "register.csv", 8000, seed=3)
    assert path.stat().st_size > 2 * (1 << 18)  # big enough to be shared out
    outputs = []
    for jobs in ("1", "2"):
        target = tmp_path / f"out{jobs}.{fmt}"
        done = subprocess.run(
            [installed_script(), "batch", str(path), "-o", str(target), "-j", jobs],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 1, done.stderr  # the register has bad rows
        outputs.append((target.read_bytes(), done.stderr))
    assert outputs[0] == outputs[1]


def test_a_worker_killed_while_it_waits_its_turn_ends_the_batch_and_does_not_hang(
    tmp_path, monkeypatch
):
    # The worker of part 1 is killed while it waits for part 0 to be written (part 0's
    # worker is held back): it dies counted among the condition's sleepers, so notifying
    # them would wait for it for ever, and its fellow may be stopped holding the lock.
    path = benchmark_register.write(tmp_path / "register.csv", 600, seed=5)
    take = parallel._Work.take

    def held_back_or_killed(self: Any, part: Any) -> Any:
        if part.number == 0:
            time.sleep(1.0)
        elif part.number == 1:
            threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGKILL)).start()
        return take(self, part)

    monkeypatch.setattr(parallel._Work, "take", held_back_or_killed)

    def too_long(*_: Any) -> None:
        raise TimeoutError("the batch hung after a worker was killed")

    previous = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(30)
    try:
        with pytest.raises(parallel.WorkerLost):
            _batch(path, "csv", 2)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
