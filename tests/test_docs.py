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


def test_readme_quick_start_has_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install . && .venv/bin/commission route examples/" in text
    assert "pip install -e '.[test]' && .venv/bin/python -m pytest" in text


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -q -e '.[test]' && python -m pytest" in ci


def test_readme_python_examples_run(capsys):
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert out.startswith("restricted\nContract\n")
