from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# Every test run gets its own pack cache, so a stale cache can never hide a bug
# and tests never write into the user's home.
os.environ["COMMISSION_CACHE_DIR"] = tempfile.mkdtemp(prefix="commission-test-cache-")
os.environ.pop("COMMISSION_RULES", None)

# A test run started in the background by a script (`.ci/run &`, nohup) inherits
# Ctrl-C ignored, and so would every `commission` the tests start: the tests of
# what Ctrl-C does would then see a batch or an interview carry on regardless, as
# a program told to ignore it rightly does. Those tests are about the tool, not
# about how the suite was started: Python's own handler here means each child
# starts with Ctrl-C at its default (a handler, unlike "ignore", is reset by exec).
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

from commission_cli import Decision, Purchase, load_rules, route
from commission_cli.rules import Rules

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PACKS = Path(__file__).resolve().parent / "packs"
SOURCES = ROOT / "sources"


@pytest.fixture(scope="session")
def rules() -> Rules:
    return load_rules()


def purchase(**fields: Any) -> Purchase:
    """A purchase with sensible defaults for the fields a test does not care about."""
    fields.setdefault("title", "Test purchase")
    fields.setdefault("outcomes", "certain")
    if "annual_value" not in fields and "total_value" not in fields:
        fields["annual_value"] = 10000
    return Purchase(**fields)


@pytest.fixture
def decide(rules: Rules) -> Callable[..., Decision]:
    def _decide(**fields: Any) -> Decision:
        return route(purchase(**fields), rules)

    return _decide


def candidate(decision: Decision, method_id: str) -> Any:
    return next(c for c in decision.candidates if c.id == method_id)


@pytest.fixture
def cli() -> Callable[..., Any]:
    """Run the CLI in-process (typer's CliRunner) through the same entry point as the script."""
    from typer.testing import CliRunner

    from commission_cli.cli import app_for

    runner = CliRunner()

    def _run(*args: str, input: str | None = None) -> Any:
        return runner.invoke(app_for(args), list(args), input=input, catch_exceptions=False)

    return _run


def installed_script() -> str:
    """The `commission` console script of the environment running the tests."""
    candidate = Path(sys.executable).with_name("commission")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("commission")
    if found is None:
        pytest.skip("the commission script is not installed in this environment")
    return found


def run_installed(
    *args: str,
    input: str | None = None,
    cwd: Path | str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run the installed script as a user would, from another directory by default."""
    return subprocess.run(
        [installed_script(), *args],
        input=input,
        capture_output=True,
        text=True,
        cwd=cwd or tempfile.gettempdir(),
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def as_json(text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text)
    return data


def batch_with_a_worker_killed(tmp: Path) -> tuple[int, str]:
    """Runs the installed batch on a register of 300,000 rows to ``tmp/out.jsonl`` and
    kills one of its worker processes (as the system does when memory runs out) while
    it works; its exit code and stderr."""
    path = tmp / "register.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("title,annual_value,years,outcomes\n")
        for i in range(300000):
            handle.write(f"Purchase {i},{1000 + i % 90000},{1 + i % 5},certain\n")
    proc = subprocess.Popen(
        [installed_script(), "batch", str(path), "-o", str(tmp / "out.jsonl"), "--jobs", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (workers := _children(proc.pid)):
            assert time.monotonic() < deadline and proc.poll() is None, "no worker was seen"
            time.sleep(0.01)
        # At once: any worker's death breaks the pool, whether it had begun or not.
        os.kill(workers[0], signal.SIGKILL)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()  # a batch that hung must not outlive the test
    return proc.returncode, err


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
