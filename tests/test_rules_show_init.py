"""`commission rules show` prints a pack for a person; `commission rules init` writes a
commented copy that checks clean and routes exactly as the pack it copies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from commission_cli import load_rules, route
from commission_cli.engine.route import load_purchase

from .conftest import EXAMPLES, PACKS, run_installed

NORTHSHIRE = PACKS / "northshire.yaml"
SEVERAL = PACKS / "broken" / "several_problems.yaml"


# -- show --------------------------------------------------------------------------------


def test_show_as_a_table_names_the_pack_and_every_rule(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    result = cli("rules", "show")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    rules = load_rules()
    for text in (
        "Rule pack: Wolverhampton Contract Procurement Guide",
        "1.0.0",
        "2009-01-16",
        rules.sha256,
        "£50,000 or more a year, or £39,000 or more over the whole life",
        "(the source: “£39,000 over the life of the contract or £50,000+ per annum”)",
        "• Few potential providers (providers is few)",
        "May be used for higher amounts where Resources Panel approved — opens it above its band "
        "if the Resources Panel approves the grant (resources_panel_approved is true)",
        "Contract Green Decision",
        "Prepare Service Specification",
        "Spot Purchasing",
        "Give at least 3 months' notice of any intention to reduce or withdraw the funding.",
        "amounts exclude VAT",
    ):
        assert text in out, text
    for m in rules.pack.methods:
        assert f"{m.name} ({m.id})" in out
    # The source words every method quotes.
    assert 'Appendix 2 – Contract Procurement Guide, row "Class I & II": “Class I & II”' in out


def test_show_as_json(cli):
    result = cli("rules", "show", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["pack"]["valid_from"] == "2009-01-16"
    assert data["pack"]["sha256"] == load_rules().sha256
    methods = {m["id"]: m for m in data["methods"]}
    assert len(methods) == 7
    assert methods["restricted"]["band"]["words"] == "from £30,000 to under £50,000 a year"
    assert methods["restricted"]["band"]["ranges"][0]["lower"] == {
        "amount": 30000,
        "inclusive": True,
    }
    assert methods["grant_in_aid"]["requires"]["when"] == (
        "core_costs is true and strategic_organisation is true"
    )
    assert methods["small_grants"]["exceptions"][0]["opens"] == "above"
    assert methods["full_competitive"]["source"]["text"] == "Full competitive procurement process"
    assert data["contract_types"][0]["id"] == "block_contract"
    assert data["families"][1]["when"] is None
    assert len(data["step_lists"][0]["steps"]) == 11
    assert len(data["obligations"]) == 8


def test_show_as_markdown_to_a_file(cli, tmp_path):
    target = tmp_path / "pack.md"
    result = cli("rules", "show", "--format", "markdown", "--output", str(target))
    assert result.exit_code == 0
    assert result.stdout == ""
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Rule pack: Wolverhampton Contract Procurement Guide\n")
    assert "### Class I & II (`class_i_ii`)" in text
    assert "- **Band:** under £30,000 a year (the source: “Less than £30,000 per annum”)" in text
    assert "| Block Contract | guaranteed_volume is true |" in text


def test_show_another_authority_by_rules_or_environment(cli, monkeypatch):
    result = cli("rules", "show", "--rules", str(NORTHSHIRE), "--format", "json")
    assert json.loads(result.stdout)["pack"]["name"] == (
        "Northshire County Council Contract Procedure Rules"
    )
    monkeypatch.setenv("COMMISSION_RULES", str(NORTHSHIRE))
    result = cli("rules", "show", "--format", "markdown")
    assert "Call-off from a framework (`framework_call_off`)" in result.stdout
    assert "- **Only for:** services called off from an existing framework" in result.stdout


def test_show_refuses_a_broken_pack_as_every_command_does(cli):
    result = cli("rules", "show", str(SEVERAL))
    assert result.exit_code == 2
    assert f"error: {SEVERAL}:59:27: methods[1].band.ranges[0].lower.amount" in result.stderr
    assert result.stdout == ""


# -- init --------------------------------------------------------------------------------


@pytest.fixture
def initialised(cli, tmp_path) -> Path:
    target = tmp_path / "our-rules.yaml"
    result = cli("rules", "init", str(target))
    assert result.exit_code == 0, result.stderr
    assert f"wrote {target}" in result.stderr
    return target


def test_init_writes_a_commented_copy_that_passes_check(cli, initialised):
    text = initialised.read_text(encoding="utf-8")
    assert text.startswith("# ======")
    assert "commission rules check our-rules.yaml" in text
    assert "# METHODS: the commissioning methods" in text
    assert "inclusive: true   the amount itself is in the range" in text
    result = cli("rules", "check", str(initialised))
    assert result.exit_code == 0, result.stderr
    assert "The rule pack is valid" in result.stdout


def test_the_copy_holds_the_same_rules_and_routes_identically(initialised):
    original = load_rules()
    copy = load_rules(initialised)
    assert copy.pack == original.pack
    assert copy.sha256 != original.sha256  # the comments differ, so the file does
    for example in sorted(EXAMPLES.glob("*.yaml")):
        purchase = load_purchase(str(example))
        a = route(purchase, original).to_dict()
        b = route(purchase, copy).to_dict()
        a.pop("rules")
        b.pop("rules")
        assert a == b, example.name


def test_init_never_overwrites(cli, initialised):
    before = initialised.read_bytes()
    result = cli("rules", "init", str(initialised))
    assert result.exit_code == 2
    assert "already exists; rules init never overwrites a file" in result.stderr
    assert initialised.read_bytes() == before


def test_init_into_a_missing_directory_is_an_input_error(cli, tmp_path):
    result = cli("rules", "init", str(tmp_path / "no" / "such" / "dir" / "pack.yaml"))
    assert result.exit_code == 2
    assert "cannot write: No such file or directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_init_copies_another_pack_with_rules(cli, tmp_path):
    target = tmp_path / "copy.yaml"
    assert cli("rules", "init", str(target), "--rules", str(NORTHSHIRE)).exit_code == 0
    assert load_rules(target).pack == load_rules(NORTHSHIRE).pack
    assert "# METHODS:" in target.read_text(encoding="utf-8")


def test_a_copy_of_another_pack_gives_examples_of_its_own_tests(cli, tmp_path):
    target = tmp_path / "copy.yaml"
    cli("rules", "init", str(target), "--rules", str(NORTHSHIRE))
    text = target.read_text(encoding="utf-8")
    assert "# e.g. when: {outcomes: certain}." in text  # Northshire declares outcomes too
    assert "{family: grants} or {method: framework_call_off}" in text
    assert "{method: restricted}" not in text


def test_init_refuses_to_copy_a_broken_pack(cli, tmp_path):
    target = tmp_path / "copy.yaml"
    result = cli("rules", "init", str(target), "--rules", str(SEVERAL))
    assert result.exit_code == 2
    assert not target.exists()


def test_an_edited_copy_changes_routes_with_no_code_change(tmp_path):
    """The point of init: an authority edits a threshold and the routes follow."""
    target = tmp_path / "edited.yaml"
    assert run_installed("rules", "init", str(target)).returncode == 0
    text = target.read_text(encoding="utf-8")
    text = text.replace(
        "          upper: {amount: 30000, inclusive: false}\n",
        "          upper: {amount: 40000, inclusive: false}\n",
    ).replace("lower: {amount: 30000, inclusive: true}", "lower: {amount: 40000, inclusive: true}")
    target.write_text(text, encoding="utf-8")
    checked = run_installed("rules", "check", str(target), "--format", "json")
    assert checked.returncode == 0, checked.stderr
    purchase = ["--title", "Cleaning", "--annual-value", "35000", "--years", "1"]
    purchase += ["--outcomes", "certain", "--format", "json"]
    edited = run_installed("route", "--rules", str(target), *purchase)
    assert json.loads(edited.stdout)["method"]["id"] == "class_i_ii"
    assert json.loads(edited.stdout)["rules"]["sha256"] == load_rules(target).sha256
    shipped = run_installed("route", *purchase)
    assert json.loads(shipped.stdout)["method"]["id"] == "restricted"


def test_init_to_stdout_prints_the_copy(cli):
    result = cli("rules", "init", "-")
    assert result.exit_code == 0
    assert "commission rules check my-rules.yaml" in result.stdout
    checked = cli("rules", "check", "-", "--format", "json", input=result.stdout)
    assert checked.exit_code == 0
    assert json.loads(checked.stdout)["pack"]["id"] == "wolverhampton"
