"""Faults a real run meets: a rule pack that changes between runs, a full disk, a
cache that has gone bad. Each ends cleanly, and nothing is silently wrong."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import EXAMPLES, ROOT, as_json, installed_script, run_installed

DAY_CARE = str(EXAMPLES / "day-care-restricted.yaml")
PACK = (ROOT / "rules" / "wolverhampton.yaml").read_text(encoding="utf-8")


def test_a_rule_pack_that_changes_between_runs_is_reported_by_its_sha256(tmp_path):
    pack = tmp_path / "ours.yaml"
    pack.write_text(PACK, encoding="utf-8")
    first = as_json(run_installed("route", DAY_CARE, "-f", "json", "--rules", str(pack)).stdout)
    # The authority raises the restricted band's floor: the same purchase changes route.
    pack.write_text(
        PACK.replace(
            "lower: {amount: 30000, inclusive: true}", "lower: {amount: 46000, inclusive: true}", 1
        ),
        encoding="utf-8",
    )
    second = as_json(run_installed("route", DAY_CARE, "-f", "json", "--rules", str(pack)).stdout)
    assert first["rules"]["sha256"] != second["rules"]["sha256"]
    assert first["method"]["id"] == "restricted"
    assert second["method"]["id"] != "restricted"  # the edit took effect: no stale cache


def test_an_unwritable_cache_directory_does_not_stop_routing(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = run_installed(
        "route", DAY_CARE, "-f", "json", env={"COMMISSION_CACHE_DIR": str(blocker / "cache")}
    )
    assert result.returncode == 0 and result.stderr == ""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
def test_a_full_disk_on_stdout_is_one_line_and_exit_2():
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [installed_script(), "route", DAY_CARE, "-f", "json"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "error: cannot write: No space left on device; the output is incomplete"
    )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
def test_a_full_disk_during_a_batch_is_one_line_and_exit_2():
    proc = subprocess.run(
        [installed_script(), "batch", str(EXAMPLES / "register.csv"), "-q", "-o", "/dev/full"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and "No space left on device" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_a_record_written_to_a_missing_directory_leaves_nothing(tmp_path):
    target = tmp_path / "missing" / "record.md"
    result = run_installed("route", DAY_CARE, "-f", "markdown", "-o", str(target))
    assert result.returncode == 2 and "cannot write" in result.stderr
    assert not target.parent.exists()


def test_json_output_is_unchanged_by_the_cache(tmp_path):
    cold = run_installed("route", DAY_CARE, "-f", "json", env={"COMMISSION_NO_CACHE": "1"}).stdout
    warm = run_installed("route", DAY_CARE, "-f", "json").stdout
    assert json.loads(cold) == json.loads(warm)


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        ["route", "--help"],
        ["route", str(EXAMPLES / "day-care-restricted.yaml")],
    ],
)
def test_help_version_and_a_decision_to_a_closed_pipe_end_quietly_with_0(args):
    """As ``commission --help | head -1`` meets it, made certain: the reader is gone first."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [str(installed_script()), *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([], "stdout is closed, so nothing was printed"),
        (["--help"], "stdout is closed, so nothing was printed"),
        (["--version"], "stdout is closed, so nothing was printed"),
        (["route", "--help"], "stdout is closed, so nothing was printed"),
        (["route", str(EXAMPLES / "day-care-restricted.yaml")], "stdout is closed; give -o FILE"),
        (["batch", str(EXAMPLES / "register.csv")], "stdout is closed; give -o FILE"),
    ],
)
def test_with_stdout_closed_nothing_is_lost_without_a_word(args, words):
    result = subprocess.run(
        [str(installed_script()), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.close(1),  # as `>&-` leaves it
    )
    assert result.returncode == 2
    assert f"error: {words}" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("name", ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"])
def test_with_stdout_and_stderr_closed_writing_to_stdout_by_name_fails(name):
    # The stand-in for the closed stderr takes descriptor 1: a decision written there
    # would be lost while the run said it had succeeded.
    def close_both() -> None:
        os.close(1)
        os.close(2)

    result = subprocess.run(
        [str(installed_script()), "route", str(EXAMPLES / "day-care-restricted.yaml"), "-o", name],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=60,
        preexec_fn=close_both,
    )
    assert result.returncode == 2


@pytest.mark.parametrize(
    "command",
    [
        ["route", str(EXAMPLES / "day-care-restricted.yaml")],
        ["batch", str(EXAMPLES / "register.csv")],  # the register read may take descriptor 1
    ],
)
def test_with_stdout_closed_writing_to_dev_stdout_names_a_closed_descriptor(command):
    result = subprocess.run(
        [str(installed_script()), *command, "-o", "/dev/stdout"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.close(1),
    )
    assert result.returncode == 2
    assert "/dev/stdout: names a closed descriptor" in result.stderr


def test_with_stdout_closed_an_answer_written_to_a_file_is_written(tmp_path):
    target = tmp_path / "decision.json"
    result = subprocess.run(
        [
            str(installed_script()),
            "route",
            str(EXAMPLES / "day-care-restricted.yaml"),
            "-o",
            str(target),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.close(1),
    )
    assert result.returncode == 0, result.stderr
    assert as_json(target.read_text())["method"]["id"] == "restricted"


def test_ctrl_c_while_the_command_line_is_still_being_imported_is_a_clean_stop(monkeypatch, capsys):
    """A Ctrl-C in the first tens of milliseconds lands in typer's imports, before the
    command's own handlers: the script's entry point stops there cleanly (130)."""
    import types

    from commission_cli import script

    starting = types.ModuleType("commission_cli.cli")

    def still_importing() -> None:
        raise KeyboardInterrupt

    starting.main = still_importing  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "commission_cli.cli", starting)
    with pytest.raises(SystemExit) as stopped:
        script.main()
    assert stopped.value.code == 130
    assert capsys.readouterr().err == "interrupted: nothing was written\n"


def test_the_installed_script_enters_through_the_light_entry_point():
    text = Path(installed_script()).read_text(encoding="utf-8")
    assert "from commission_cli.script import main" in text
