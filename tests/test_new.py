"""`commission new FILE`: a commented template, never written over an existing file,
that fails clearly when routed before it is filled in."""

from __future__ import annotations

import json
import os
import subprocess

import yaml

from commission_cli import load_rules
from commission_cli.safe import shell_word

from .conftest import installed_script, run_installed


def test_the_template_has_every_field_with_its_answers_and_a_note(cli, tmp_path):
    target = tmp_path / "purchase.yaml"
    result = cli("new", str(target))
    assert result.exit_code == 0, result.stderr
    assert f"commission route {target}" in result.stderr
    text = target.read_text()
    lines = text.splitlines()
    assert (
        "# Fill in the values after the colons, then run:  commission route purchase.yaml" in lines
    )
    for name, decl in load_rules().fields.items():
        at = lines.index(f"{name}:")
        start = max(i for i in range(at) if not lines[i]) + 1  # the blank line before it
        note, *answers = lines[start:at]
        # One line of explanation, then the allowed answers, one a line.
        assert note.startswith("# Required. " if decl.required else "# "), name
        assert len(note) > len("# Required. "), name
        assert all(line.startswith("#   ") for line in answers), name
        if decl.kind == "choice":
            assert [line.split()[1] for line in answers] == [v.id for v in decl.values], name
    assert max(len(line) for line in lines) <= 100
    # Every value is blank: the template describes no purchase until it is filled in.
    assert all(value is None for value in yaml.safe_load(text).values())


def test_new_refuses_to_overwrite(cli, tmp_path):
    target = tmp_path / "purchase.yaml"
    target.write_text("title: mine\n")
    result = cli("new", str(target))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {target}: already exists; choose another name, or add --force to replace it\n"
    )
    assert target.read_text() == "title: mine\n"
    assert cli("new", str(target), "--force").exit_code == 0
    assert target.read_text().startswith("# A purchase description")


def test_new_dash_prints_the_template(cli):
    result = cli("new", "-")
    assert result.exit_code == 0
    assert result.stdout.startswith("# A purchase description for `commission route`.")


def test_routing_the_unedited_template_fails_naming_what_to_fill_in(tmp_path):
    assert run_installed("new", "p.yaml", cwd=tmp_path).returncode == 0
    lines = (tmp_path / "p.yaml").read_text().splitlines()
    result = run_installed("route", "p.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    line = {name: lines.index(f"{name}:") + 1 for name in ("title", "annual_value", "outcomes")}
    assert result.stderr.splitlines() == [
        f"error: p.yaml:{line['title']}:1: title: is blank; fill in what is being bought or funded",
        f"error: p.yaml:{line['annual_value']}:1: annual_value: is blank; fill in annual_value "
        "or total_value, in pounds (such as 45000, £45,000 or 45k)",
        f"error: p.yaml:{line['outcomes']}:1: outcomes: is blank; fill in certain or less_certain",
    ]


def test_the_filled_in_template_routes(tmp_path):
    run_installed("new", "p.yaml", cwd=tmp_path)
    path = tmp_path / "p.yaml"
    text = path.read_text()
    for name, value in {
        "title": "Befriending",
        "annual_value": "12k",
        "outcomes": "certain",
        "providers": "many",
    }.items():
        text = text.replace(f"\n{name}:\n", f"\n{name}: {value}\n")
    path.write_text(text)
    result = run_installed("route", "p.yaml", "-f", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["method"]["id"] == "class_i_ii"


def test_a_file_name_that_is_not_utf8_is_suggested_in_words_the_shell_reads_back(tmp_path):
    name = os.fsdecode(b"\xff care.yaml")  # a Latin-1 name, as a Windows share may give
    result = subprocess.run(
        [installed_script(), "new", name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        errors="backslashreplace",
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "then run: commission route $'\\xff care.yaml'" in result.stderr
    suggested = result.stderr.split("commission route ", 1)[1].strip()
    again = subprocess.run(["bash", "-c", f"printf '%s' {suggested}"], capture_output=True)
    assert os.fsencode(name) == again.stdout  # the shell reads the suggestion as the name


def test_shell_words_are_quoted_as_usual_unless_they_hold_control_characters():
    assert shell_word("day care.yaml") == "'day care.yaml'"
    assert shell_word("plain.yaml") == "plain.yaml"
    assert shell_word("it's\x1b[2J.yaml") == "$'it\\'s\\x1b[2J.yaml'"
