"""Fuzzing the front door: whatever a user or a script throws at route, batch, check
and rules check ends cleanly (exit 0, 1 or 2, or an error row), never with a
traceback (exit 70 would be a fault of the tool), never hangs, in bounded memory."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from commission_cli import load_rules
from commission_cli.cli import build_app

from .conftest import ROOT, installed_script

RUNNER = CliRunner()
APP = build_app()
FIELDS = list(load_rules().fields)
FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def run(*args: str, input: str | bytes | None = None) -> Any:
    result = RUNNER.invoke(APP, list(args), input=input, catch_exceptions=False)
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, result.stderr[-2000:])
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    return result


# -- values and documents -------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**30, max_value=10**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        [
            "45k",
            "£45,000",
            "1.2m",
            "certain",
            "less_certain",
            "many",
            "vcs",
            "yes",
            "1e400",
            "-5",
            "0",
            "NaN",
            "∞",
            "£",
            "\u202e45000",
            "ＡＢ",
            "\x00",
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
keys = st.one_of(st.sampled_from(FIELDS), st.text(max_size=15))
mappings = st.dictionaries(keys, values, max_size=12)


@FUZZ
@given(mappings, st.sampled_from(["yaml", "json"]))
def test_route_ends_cleanly_on_any_mapping(tmp_path, data, kind):
    path = tmp_path / f"p.{kind}"
    try:
        text = (
            yaml.safe_dump(data, allow_unicode=True)
            if kind == "yaml"
            else json.dumps(data, ensure_ascii=False)
        )
    except (ValueError, yaml.YAMLError):
        assume(False)
    path.write_text(text, encoding="utf-8")
    result = run("route", str(path), "-f", "json", "--no-input")
    if result.exit_code == 2:
        assert result.stdout == ""
        assert all(line.startswith("error: ") for line in result.stderr.strip().splitlines())
    else:
        json.loads(result.stdout)


@FUZZ
@given(st.binary(max_size=300))
def test_route_ends_cleanly_on_any_bytes(tmp_path, data):
    path = tmp_path / "p.yaml"
    path.write_bytes(data)
    run("route", str(path), "-f", "json", "--no-input")


@FUZZ
@given(mappings, st.sampled_from([b"\xef\xbb\xbf", b"", b"\xff\xfe"]), st.booleans())
def test_byte_order_marks_and_crlf(tmp_path, data, bom, crlf):
    try:
        text = yaml.safe_dump(data, allow_unicode=True)
    except (ValueError, yaml.YAMLError):
        assume(False)
    if crlf:
        text = text.replace("\n", "\r\n")
    encoded = bom + (text.encode("utf-16-le") if bom == b"\xff\xfe" else text.encode())
    path = tmp_path / "p.yaml"
    path.write_bytes(encoded)
    run("route", str(path), "-f", "json", "--no-input")


def test_a_good_purchase_with_a_bom_and_crlf_routes(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_bytes(
        b"\xef\xbb\xbftitle: x\r\nannual_value: 45k\r\nouttcomes: certain\r\n".replace(
            b"outt", b"out"
        )
    )
    assert run("route", str(path), "-f", "json").exit_code == 0


# -- registers -----------------------------------------------------------------------------

cells = st.one_of(
    st.sampled_from(
        [
            "",
            "45000",
            "£45,000",
            "45kk",
            "certain",
            "less_certain",
            "many",
            "few",
            "yes",
            "no",
            "true",
            "vcs",
            "3",
            "0.5",
            "x" * 200,
            'a "quoted" cell',
            "line\nbreak",
            "é",
            "\x00",
        ]
    ),
    st.text(max_size=12),
)


@FUZZ
@given(
    st.lists(st.lists(cells, min_size=0, max_size=8), max_size=25),
    st.lists(st.sampled_from(FIELDS), min_size=1, max_size=8, unique=True),
)
def test_batch_gives_one_row_out_per_row_in(tmp_path, rows, header):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / "register.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    expected = [r for r in csv.reader(io.StringIO(buffer.getvalue()))][1:]
    # Blank lines are not rows: an empty line, and a line of spaces (one cell of
    # spaces, which csv.writer leaves unquoted unless it holds a line break).
    expected = [r for r in expected if r and not (len(r) == 1 and _blank_line(r[0]))]
    result = run("batch", str(path), "-f", "jsonl", "-q")
    if result.exit_code == 2:  # e.g. NUL in the header: unreadable, nothing written
        assert result.stdout == ""
        return
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["row"] for o in out] == list(range(1, len(expected) + 1))


@FUZZ
@given(st.lists(mappings, max_size=15))
def test_batch_jsonl_gives_one_row_out_per_row_in(tmp_path, rows):
    lines = []
    for row in rows:
        try:
            lines.append(json.dumps(row, ensure_ascii=False))
        except ValueError:
            lines.append("{not json")
    path = tmp_path / "register.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("batch", str(path), "-f", "csv", "-q")
    out = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(out) == len(rows)


@FUZZ
@given(st.lists(st.lists(cells, min_size=4, max_size=4), max_size=15))
def test_check_ends_cleanly_on_any_register(tmp_path, rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["title", "annual_value", "outcomes", "method_used"], *rows])
    path = tmp_path / "register.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    run("check", str(path), "-q")


@FUZZ
@given(st.binary(max_size=400))
def test_batch_ends_cleanly_on_any_bytes(tmp_path, data):
    path = tmp_path / "register.csv"
    path.write_bytes(b"title,annual_value,outcomes\n" + data)
    run("batch", str(path), "-q")


# -- rule packs ----------------------------------------------------------------------------

PACK_LINES = (ROOT / "rules" / "wolverhampton.yaml").read_text(encoding="utf-8").splitlines()


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.integers(0, len(PACK_LINES) - 1),
    st.sampled_from(["delete", "duplicate", "number", "text", "indent", "tag"]),
)
def test_rules_check_ends_cleanly_on_a_damaged_pack(tmp_path, line, damage):
    lines = list(PACK_LINES)
    if damage == "delete":
        del lines[line]
    elif damage == "duplicate":
        lines.insert(line, lines[line])
    elif damage == "number":
        lines[line] = lines[line].replace("0", "x", 1)
    elif damage == "text":
        lines[line] = lines[line] + ": [1, 2"
    elif damage == "indent":
        lines[line] = "   " + lines[line]
    else:
        lines[line] = lines[line].replace(": ", ": !!python/object:os.system ", 1)
    path = tmp_path / "pack.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("rules", "check", str(path))
    routed = run(
        "route",
        "--rules",
        str(path),
        "--title",
        "t",
        "--annual-value",
        "5k",
        "--outcomes",
        "certain",
        "-f",
        "json",
    )
    if result.exit_code != 0:  # a pack rules check refuses, every command refuses
        assert routed.exit_code == 2


# -- hostile inputs, in a real process: no hang, bounded memory ------------------------------


# Run under a few lines that read the process's own high-water mark: wait4's
# ru_maxrss would include pytest's own size (see benchmarks/peak_rss.py).
_PEAK_RSS = ROOT / "benchmarks" / "peak_rss.py"


def _measured(args: list[str], timeout: float = 60) -> tuple[int, str, int]:
    """Exit code, stderr and peak RSS (KiB) of the installed script, for that run alone."""
    if not Path("/proc/self/status").exists():
        pytest.skip("needs Linux /proc to measure one process's peak memory")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "peak"
        try:
            proc = subprocess.run(
                [sys.executable, str(_PEAK_RSS), str(out), installed_script(), *args],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"{args} did not finish within {timeout} s")
        return proc.returncode, proc.stderr.decode(errors="replace"), int(out.read_text())


def _alias_bomb(levels: int = 12) -> str:
    rows = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        rows.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("alias bomb", _alias_bomb(), "once its aliases are expanded"),
        ("deep nesting", "[" * 200_000, "nested more than 50 levels"),
        ("deep mapping", "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 300)), "nested more"),
        ("huge file", "title: " + "x" * 3_000_000 + "\n", "larger than the limit"),
        (
            "huge number",
            "title: t\nannual_value: " + "9" * 5000 + "\noutcomes: certain\n",
            "annual_value",
        ),
        (
            "long line",
            "title: " + "y" * 900_000 + "\nannual_value: 5k\noutcomes: certain\n",
            "title: is longer than 500 characters",
        ),
    ],
)
def test_hostile_purchase_files_end_cleanly_in_bounded_memory(tmp_path, name, content, message):
    path = tmp_path / "p.yaml"
    path.write_text(content, encoding="utf-8")
    code, err, peak_kib = _measured(["route", str(path), "-f", "json"])
    assert code == 2, (name, err[-500:])
    assert message in err
    assert "Traceback" not in err
    assert peak_kib < 300 * 1024  # the limits keep any of these well under 300 MiB


def test_alias_bomb_pack_is_refused_quickly(tmp_path):
    path = tmp_path / "pack.yaml"
    path.write_text(_alias_bomb(14), encoding="utf-8")
    proc = subprocess.run(
        [installed_script(), "rules", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1 and "aliases are expanded" in proc.stderr


def test_a_register_line_of_two_million_characters_is_an_error_row(tmp_path):
    path = tmp_path / "register.jsonl"
    path.write_text(
        '{"title": "' + "z" * 2_000_000 + '"}\n'
        '{"title": "ok", "annual_value": 5000, "outcomes": "certain"}\n'
    )
    proc = subprocess.run(
        [installed_script(), "batch", str(path), "-f", "csv", "-q"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert len(rows) == 2
    assert "longer than 1,000,000 characters" in rows[0]["error"]
    assert rows[1]["method_id"] == "class_i_ii"


def test_binary_on_stdin(tmp_path):
    proc = subprocess.run(
        [installed_script(), "route", "-", "-f", "json"],
        input=os.urandom(5000),
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr


if sys.platform == "win32":  # pragma: no cover
    pytestmark = pytest.mark.skip("POSIX only")


def _blank_line(cell: str) -> bool:
    """A lone cell csv.writer writes as a line of spaces (it quotes "" and line breaks)."""
    return cell != "" and not cell.strip() and "\r" not in cell and "\n" not in cell
