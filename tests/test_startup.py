"""A start-up budget held by tests (as typer's own test_rich_import does): a plain
`route --format json` imports nothing it does not need."""

from __future__ import annotations

import subprocess
import sys

from .conftest import EXAMPLES

PROBE = """
import sys
from commission_cli.cli import main
try:
    main({args!r})
except SystemExit:
    pass
heavy = sorted(m for m in {modules!r} if m in sys.modules)
print("IMPORTED:" + ",".join(heavy))
"""


def _imported(args: list[str], modules: list[str]) -> list[str]:
    code = PROBE.format(args=args, modules=modules)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("IMPORTED:")]
    return [m for m in line.removeprefix("IMPORTED:").split(",") if m]


def test_route_as_json_imports_neither_rich_nor_the_other_commands():
    args = ["route", str(EXAMPLES / "day-care-restricted.yaml"), "--format", "json"]
    assert (
        _imported(
            args,
            [
                "rich",
                "commission_cli.cli.batch",
                "commission_cli.cli.check",
                "commission_cli.render.table",
                "commission_cli.batch",
                "jsonschema",
                "hypothesis",
            ],
        )
        == []
    )


def test_a_route_with_flags_imports_neither_rich_nor_the_other_commands():
    args = ["route", str(EXAMPLES / "day-care-restricted.yaml"), "--years", "2", "-f", "json"]
    found = _imported(
        args,
        [
            "rich",
            "commission_cli.cli.batch",
            "commission_cli.cli.check",
            "commission_cli.rules.analysis",
        ],
    )
    assert found == []


def test_a_value_the_model_refuses_gets_the_models_message(tmp_path):
    path = tmp_path / "odd.yaml"
    path.write_text("title: X\nannual_value: 45k\noutcomes: sure\n")
    result = subprocess.run(
        [sys.executable, "-m", "commission_cli", "route", str(path), "-f", "json"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert f"{path}:3:11: outcomes:" in result.stderr


def test_batch_to_csv_does_not_import_rich_or_yaml(tmp_path):
    path = tmp_path / "register.csv"
    path.write_text("title,annual_value,outcomes\nA,5000,certain\n")
    args = ["batch", str(path), "--format", "csv", "--quiet"]
    assert _imported(args, ["rich", "commission_cli.render.table"]) == []


def test_importing_the_package_is_nearly_free():
    code = "import sys, commission_cli; print('pydantic' in sys.modules, 'yaml' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["False", "False"]
