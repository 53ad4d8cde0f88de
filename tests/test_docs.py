"""The README stays true: its example outputs are what the tool prints today."""

from __future__ import annotations

import importlib.util

from .conftest import ROOT


def _docs_module():
    spec = importlib.util.spec_from_file_location(
        "update_docs", ROOT / "scripts" / "update_docs.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_example_outputs_are_current():
    docs = _docs_module()
    text = docs.README.read_text(encoding="utf-8")
    assert docs.BLOCK.search(text), "the README shows no example output"
    assert docs.render(text) == text, "README outputs are stale: run python scripts/update_docs.py"


def _test_command(text: str) -> str:
    block = text.split("<!-- test-command -->", 1)[1].split("<!-- /test-command -->", 1)[0]
    (line,) = [x for x in block.splitlines() if x.startswith("python3 ")]
    return line


def test_readme_quick_start_has_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install . && .venv/bin/commission route examples/" in text
    command = _test_command(text)
    # The tests run with the locked versions, and the package itself from the tree.
    assert "pip install -r requirements/test.txt" in command
    assert command.endswith(".venv/bin/python -m pytest")


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "<!-- test-command -->" in ci and 'bash -euo pipefail -c "$test_command"' in ci


def test_readme_python_examples_run(capsys):
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert out.startswith("restricted\nContract\n")


def test_cli_reference_is_current_and_every_command_has_help():
    docs = _docs_module()
    reference = docs.cli_reference()
    assert docs.CLI_REFERENCE.read_text(encoding="utf-8") == reference, (
        "docs/cli.md is stale: run python scripts/update_docs.py"
    )
    for command in docs.commands():
        section = reference.split(f"## commission {command}\n", 1)[1].split("\n## ", 1)[0]
        assert "Usage:" in section
        # A first line of help beyond the usage line: a command a person can understand.
        words = [w for w in section.split("Usage:", 1)[1].splitlines()[2:6] if w.strip(" │╭─")]
        assert words, f"commission {command} has no help text"
