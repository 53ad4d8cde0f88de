from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# Hypothesis profiles: "ci" (the default) bounds the examples each property and fuzz
# test tries, so the whole suite runs in well under a minute and a half on two cores;
# "long" tries many more, for a developer hunting a rare case:
#   python -m pytest --hypothesis-profile=long
# Tests give no max_examples of their own (except where a count is itself what is
# checked), so the profile decides.
settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "long", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

os.environ.pop("COMMISSION_RULES", None)

# A test run started in the background by a script (`.ci/run &`, nohup) inherits
# Ctrl-C ignored, and so would every `commission` the tests start: the tests of
# what Ctrl-C does would then see a batch or an interview carry on regardless, as
# a program told to ignore it rightly does. Those tests are about the tool, not
# about how the suite was started: Python's own handler here means each child
# starts with Ctrl-C at its default (a handler, unlike "ignore", is reset by exec).
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

from commission_cli import Decision, load_rules, route  # noqa: E402
from commission_cli.model.purchase import PackPurchase  # noqa: E402
from commission_cli.rules import Rules  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PACKS = Path(__file__).resolve().parent / "packs"
SOURCES = ROOT / "sources"


@pytest.fixture(scope="session")
def rules() -> Rules:
    return _default_rules()


def purchase(**fields: Any) -> PackPurchase:
    """A purchase under the shipped pack, with sensible defaults for the fields a test
    does not care about."""
    fields.setdefault("title", "Test purchase")
    fields.setdefault("outcomes", "certain")
    if "annual_value" not in fields and "total_value" not in fields:
        fields["annual_value"] = 10000
    return _default_rules().purchase(fields)


_RULES: list[Rules] = []


def _default_rules() -> Rules:
    if not _RULES:
        _RULES.append(load_rules())
    return _RULES[0]


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
