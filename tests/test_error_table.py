"""Error messages are an interface: every row of the README's table of errors is produced
here, and the message and exit code must be the ones the table shows (and every
scenario here must have its row there)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import EXAMPLES, PACKS, ROOT, installed_script

DAY_CARE = str(EXAMPLES / "day-care-restricted.yaml")
ROUTE = ["route", "-f", "json", "--no-input"]
GOOD = "title: t\nannual_value: 5000\noutcomes: certain\n"


def _table() -> dict[str, int]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Errors, and what to do", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(.+?)` \| (\d+) \|", section, re.M)
    return {message: int(code) for message, code in rows}


Scenario = Callable[[Any, Path], tuple[int, str]]


def _file(text: str | bytes, name: str = "p.yaml", *extra: str) -> Scenario:
    def run(cli: Any, tmp: Path) -> tuple[int, str]:
        path = tmp / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        result = cli(*ROUTE, str(path), *extra)
        return result.exit_code, result.stderr

    return run


def _args(*args: str, files: dict[str, str] | None = None) -> Scenario:
    def run(cli: Any, tmp: Path) -> tuple[int, str]:
        for name, content in (files or {}).items():
            (tmp / name).write_text(content, encoding="utf-8")
        result = cli(*[a.replace("{tmp}", str(tmp)) for a in args])
        return result.exit_code, result.stderr + result.stdout

    return run


def _batch(text: str, name: str = "register.csv") -> Scenario:
    def run(cli: Any, tmp: Path) -> tuple[int, str]:
        (tmp / name).write_text(text, encoding="utf-8")
        result = cli("batch", str(tmp / name), "-f", "csv", "-q")
        return result.exit_code, result.stderr + result.stdout

    return run


def _interrupted(cli: Any, tmp: Path) -> tuple[int, str]:
    path = tmp / "register.csv"
    with path.open("w") as handle:
        handle.write("title,annual_value,outcomes\n")
        for i in range(300_000):
            handle.write(f"P{i},{1000 + i},certain\n")
    proc = subprocess.Popen(
        [installed_script(), "batch", str(path), "-o", str(tmp / "o.jsonl")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not any(p.suffix == ".part" for p in tmp.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


def _internal(cli: Any, tmp: Path) -> tuple[int, str]:
    from commission_cli.engine import memo

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    original = memo.decide
    memo.decide = boom  # type: ignore[assignment]
    memo.verdict.cache_clear()  # so the decision is worked out, not remembered
    try:
        result = cli(*ROUTE, DAY_CARE)
    finally:
        memo.decide = original
        memo.verdict.cache_clear()
    return result.exit_code, result.stderr


def _script(*args: str) -> Scenario:
    """The installed script: usage errors are worded by its entry point."""

    def run(cli: Any, tmp: Path) -> tuple[int, str]:
        proc = subprocess.run(
            [installed_script(), *args], capture_output=True, text=True, timeout=60
        )
        return proc.returncode, proc.stderr

    return run


def _closed_stdout(*args: str) -> Scenario:
    """The installed script with stdout closed, as `>&-` leaves it."""

    def run(cli: Any, tmp: Path) -> tuple[int, str]:
        proc = subprocess.run(
            [installed_script(), *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            preexec_fn=lambda: os.close(1),
        )
        return proc.returncode, proc.stderr

    return run


def _blank_template(cli: Any, tmp: Path) -> tuple[int, str]:
    cli("new", str(tmp / "template.yaml"))
    result = cli(*ROUTE, str(tmp / "template.yaml"))
    return result.exit_code, result.stderr


def _cannot_write(cli: Any, tmp: Path) -> tuple[int, str]:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    proc = subprocess.run(
        [installed_script(), "batch", str(EXAMPLES / "register.csv"), "-q", "-o", "/dev/full"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return proc.returncode, proc.stderr


REGISTER_HEADER = "title,annual_value,outcomes\n"
PACK = (ROOT / "rules" / "wolverhampton.yaml").read_text(encoding="utf-8")
ALIASES = "a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 7)
)

SCENARIOS: dict[str, Scenario] = {
    "is not a known field; did you mean 'annual_value'?": _file(
        "title: t\nanual_value: 5000\noutcomes: certain\n"
    ),
    "is required but missing": _file("annual_value: 5000\n"),
    "give annual_value or total_value (or both)": _file("title: t\noutcomes: certain\n"),
    "is not a sum of money; use pounds": _file("title: t\nannual_value: 45kk\noutcomes: certain\n"),
    "is not in pounds sterling": _file("title: t\nannual_value: $5000\noutcomes: certain\n"),
    "must be greater than zero": _file("title: t\nannual_value: -5\noutcomes: certain\n"),
    "is more than the limit of £1,000,000,000,000": _file(
        "title: t\nannual_value: 2000000m\noutcomes: certain\n"
    ),
    "does not equal annual_value": _file(
        "title: t\nannual_value: 5000\ntotal_value: 9000\nyears: 3\noutcomes: certain\n"
    ),
    "must be one of 'certain' or 'less_certain'": _file(
        "title: t\nannual_value: 5000\noutcomes: sure\n"
    ),
    "must be true or false": _file(GOOD + "eu_exempt: maybe\n"),
    "must be at most 100": _file(GOOD + "years: 150\n"),
    "is longer than 500 characters": _file(
        f"title: {'x' * 501}\nannual_value: 5000\noutcomes: certain\n"
    ),
    "duplicate key (first given on line 2)": _file(GOOD + "annual_value: 6000\n"),
    "is not allowed; only plain text": _file("title: !!python/name:os.system x\n"),
    "merge keys (<<) are not supported": _file("base: &b {title: t}\n<<: *b\n"),
    "not valid YAML or JSON": _file("title: [t\n"),
    "the escape \\U00110000 names no character": _file('title: "\\U00110000"\n'),
    "comes to more than the limit of £1,000,000,000,000": _file(
        "title: t\ntotal_value: 1000000000000\nyears: 0.0001\noutcomes: certain\n"
    ),
    "is a mapping of field: value, not a list": _file("- a\n- b\n"),
    "holds more than one YAML document": _file(GOOD + "---\n" + GOOD),
    "is empty": _file(""),
    "is a binary file, not YAML or JSON text": _file(b"\x00\x01binary"),
    "is not UTF-8 text": _file(b"title: caf\xe9\n"),
    "is larger than the limit of 1,000,000 bytes": _file("title: " + "x" * 1_100_000 + "\n"),
    "is nested more than 50 levels deep": _file("[" * 100),
    "once its aliases are expanded": _file(ALIASES),
    "no such purchase description": _args(*ROUTE, "{tmp}/missing.yaml"),
    "no such purchase description; a yes/no flag takes no value": _args(
        *ROUTE,
        "--title",
        "t",
        "--annual-value",
        "5000",
        "--outcomes",
        "certain",
        "--core-costs",
        "no",
    ),
    "is blank; fill in": _blank_template,
    "is not a purchase field; did you mean": _batch("title,anual_value,outcomes\nA,5,certain\n"),
    "has no name (leave it out with --ignore-unknown-columns)": _batch(
        "title,annual_value,outcomes,\nA,5,certain,x\n"
    ),
    "a key '' with no name is not a field": _file(GOOD + '"": 5\n'),
    "repeats column": _batch("title,title\nA,B\n"),
    "cells where the header has": _batch(REGISTER_HEADER + "A,5000,certain\nB\n"),
    "opens a quote that is never closed": _batch(
        REGISTER_HEADER + '"A,5000,certain\nB,5,certain\n'
    ),
    "opens a quote that is never closed, and runs past 1,000,000 characters": _batch(
        REGISTER_HEADER + '"A' + "z,\n" * 400_000
    ),
    "the header row opens a quote that is never closed": _batch(
        'title,"annual_value,outcomes\nA,5000,certain\n'
    ),
    "the header row runs on over lines": _batch(
        'title,"annual_value,outcomes\nA,5000,certain\n"B",6000,certain\n'
    ),
    "is not valid JSON": _batch('{"title": \n', "register.jsonl"),
    "is not a JSON object of field: value": _batch("[1, 2]\n", "register.jsonl"),
    "cannot tell whether this is CSV or JSON Lines": _batch("x", "register.xls"),
    "no method 'restrictd' in the rule pack; did you mean 'restricted'?": _args(
        "check", DAY_CARE, "--method", "restrictd"
    ),
    "has no method_used column": _args(
        "check", "{tmp}/r.csv", files={"r.csv": REGISTER_HEADER + "A,5000,certain\n"}
    ),
    "give the method actually used": _args("check", DAY_CARE),
    "no such rule pack file, and no shipped pack of that name": _args(
        *ROUTE, DAY_CARE, "--rules", "nosuchpack"
    ),
    "no purchase field called 'provider_count'": _args(
        *ROUTE,
        DAY_CARE,
        "--rules",
        "{tmp}/pack.yaml",
        files={
            "pack.yaml": PACK.replace("when: {providers: many}", "when: {provider_count: many}", 1)
        },
    ),
    "already exists; choose another name": _args(
        "new", "{tmp}/exists.yaml", files={"exists.yaml": ""}
    ),
    "is the file being read; write the output to another file": _args(
        "batch",
        "{tmp}/r.csv",
        "-o",
        "{tmp}/r.csv",
        files={"r.csv": REGISTER_HEADER + "A,5000,certain\n"},
    ),
    "cannot write": _cannot_write,
    "has more than two decimal places": _file("title: t\nannual_value: 29999.9999\noutcomes: c\n"),
    "write amounts with the digits 0 to 9": _file("title: t\nannual_value: 4\u0665000\n"),
    "ends with a slash, so it names a folder": _args(*ROUTE, DAY_CARE, "-o", "{tmp}/out/"),
    "is empty; give it a value, or leave the flag out": _args(*ROUTE, DAY_CARE, "--years", ""),
    "names a closed descriptor": _args(*ROUTE, DAY_CARE, "-o", "/dev/fd/97"),
    "stdout is closed": _closed_stdout(*ROUTE, DAY_CARE),
    "no command 'rout'; did you mean 'route'?": _script("rout", DAY_CARE),
    "no command 'chek' of rules; did you mean 'check'?": _script("rules", "chek"),
    "unexpected extra argument 'extra'": _script(*ROUTE, DAY_CARE, "extra"),
    "--format: 'cvs' is not one of jsonl, csv": _script(
        "batch", str(EXAMPLES / "register.csv"), "--format", "cvs"
    ),
    "no such option; did you mean --years?": _script(*ROUTE, DAY_CARE, "--yeers", "3"),
    "interrupted": _interrupted,
    "internal error": _internal,
}


def test_every_row_of_the_table_has_a_scenario_and_every_scenario_a_row():
    assert set(_table()) == set(SCENARIOS)


@pytest.mark.parametrize("message", sorted(SCENARIOS))
def test_each_error_reads_as_the_table_says(cli, tmp_path, message):
    code, output = SCENARIOS[message](cli, tmp_path)
    assert message in " ".join(output.split()), output[-600:]
    assert code == _table()[message]
    assert "Traceback" not in output
    if code == 2:
        lines = [line for line in output.splitlines() if line.startswith("error: ")]
        assert lines, output


def test_pack_paths_exist():
    assert (PACKS / "northshire.yaml").exists()
