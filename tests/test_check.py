"""`commission check`: does the method used agree with the rules?"""

from __future__ import annotations

import csv
import io
import json

from commission_cli import load_purchase, route
from commission_cli.engine.check import NO_ROUTE as NONE
from commission_cli.engine.check import check, known_method
from commission_cli.errors import InputError

from .conftest import EXAMPLES, PACKS, run_installed

DAY_CARE = str(EXAMPLES / "day-care-restricted.yaml")
NO_ROUTE = str(EXAMPLES / "lunch-club-no-route.yaml")


def test_agreeing_method_exits_0_and_says_why(cli):
    result = cli("check", DAY_CARE, "--method", "restricted")
    assert result.exit_code == 0
    assert result.stdout.startswith("agrees: the rules choose Restricted procurement process")


def test_disagreeing_method_exits_1_naming_the_choice_and_why_the_used_one_lost(cli):
    result = cli("check", DAY_CARE, "--method", "class_i_ii")
    assert result.exit_code == 1
    assert result.stdout.startswith(
        "disagrees: the rules choose Restricted procurement process (restricted), not class_i_ii."
    )
    assert "Class I & II: Not eligible: the value is above its band" in result.stdout


def test_a_method_of_the_other_family_is_explained(cli):
    result = cli("check", DAY_CARE, "--method", "small_grants")
    assert result.exit_code == 1
    assert "small_grants is not a method of the purchasing family" in result.stdout


def test_none_means_no_route_expected(cli):
    assert cli("check", NO_ROUTE, "--method", "none").exit_code == 0
    result = cli("check", DAY_CARE, "--method", "none")
    assert result.exit_code == 1 and "so there is a route" in result.stdout


def test_unknown_method_is_an_error_naming_the_known_ids(cli):
    result = cli("check", DAY_CARE, "--method", "restrictd")
    assert result.exit_code == 2
    assert "did you mean 'restricted'?" in result.stderr
    assert "full_competitive, restricted, class_i_ii, grant_in_aid" in result.stderr


def test_a_single_purchase_needs_the_method(cli):
    result = cli("check", DAY_CARE)
    assert result.exit_code == 2 and "--method" in result.stderr


def test_json_answer_for_scripts(cli):
    result = cli("check", DAY_CARE, "--method", "class_i_ii", "--format", "jsonl")
    answer = json.loads(result.stdout)
    assert answer["agrees"] is False
    assert answer["used"] == "class_i_ii" and answer["recommended"] == "restricted"


REGISTER = """title,annual_value,years,outcomes,providers,service,sector,method_used
Day care,45000,3,certain,few,statutory,specific,restricted
Home care,120000,3,certain,many,statutory,general,restricted
Grant,75000,2,less_certain,many,,vcs,competitive_grants
Small,3000,1,less_certain,,,,small_grants
Unknown,12000,1,certain,many,required,general,class_one
Blank,12000,1,certain,many,required,general,
Broken,zz,1,certain,,,,class_i_ii
"""


def test_register_prints_only_the_rows_that_disagree_or_cannot_be_checked(cli, tmp_path):
    path = tmp_path / "register.csv"
    path.write_text(REGISTER)
    result = cli("check", str(path))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "row 2: Home care: used restricted, the rules recommend full_competitive:"
    )
    assert lines[1].startswith("row 3: Grant: used competitive_grants, the rules recommend none:")
    assert "row 5: Unknown: used class_one" in lines[2] and "known:" in lines[2]
    assert "row 6: Blank" in lines[3] and "method_used is not stated" in lines[3]
    assert "row 7: Broken" in lines[4] and "not a sum of money" in lines[4]
    assert len(lines) == 5
    assert "7 rows checked: 2 agree, 2 disagree, 3 errors" in result.stderr


def test_register_csv_output(cli, tmp_path):
    path = tmp_path / "register.csv"
    path.write_text(REGISTER)
    rows = list(csv.DictReader(io.StringIO(cli("check", str(path), "-f", "csv").stdout)))
    assert list(rows[0]) == ["row", "title", "used", "recommended", "reason"]
    assert rows[0]["recommended"] == "full_competitive"


def test_register_that_all_agrees_exits_0(cli, tmp_path):
    path = tmp_path / "register.csv"
    path.write_text(
        "title,annual_value,years,outcomes,method_used\n"
        "A,5000,1,certain,class_i_ii\nB,3000,1,less_certain,small_grants\n"
    )
    result = cli("check", str(path))
    assert result.exit_code == 0 and result.stdout == ""
    assert "2 rows checked: 2 agree, 0 disagree, 0 errors" in result.stderr


def test_register_without_method_used_needs_method(cli, tmp_path):
    path = tmp_path / "register.csv"
    path.write_text("title,annual_value,outcomes\nA,5000,certain\n")
    result = cli("check", str(path))
    assert result.exit_code == 2 and "method_used" in result.stderr
    assert cli("check", str(path), "--method", "class_i_ii").exit_code == 0


def test_jsonl_register(cli, tmp_path):
    path = tmp_path / "register.jsonl"
    path.write_text(
        '{"title": "A", "annual_value": 5000, "outcomes": "certain", "method_used": "restricted"}\n'
    )
    result = cli("check", str(path), "-f", "jsonl")
    row = json.loads(result.stdout)
    assert row["used"] == "restricted" and row["recommended"] == "class_i_ii"


def test_check_is_a_function_over_a_decision(rules):
    decision = route(load_purchase(DAY_CARE), rules)
    agreed = check(decision, "restricted")
    assert agreed.agrees and agreed.recommended == "restricted"
    lost = check(decision, "class_i_ii")
    assert not lost.agrees and lost.used == "class_i_ii"
    assert "Class I & II: Not eligible" in lost.reason
    nothing = check(route(load_purchase(NO_ROUTE), rules), NONE)
    assert nothing.agrees and nothing.recommended == "none"


def test_method_ids_are_forgiven_for_case_spaces_and_hyphens(rules):
    assert known_method(" Class-I ii ", rules, "--method") == "class_i_ii"
    assert known_method("NONE", rules, "--method") == NONE
    try:
        known_method("restrictd", rules, "--method")
    except InputError as exc:
        assert str(exc.problems[0]).startswith("--method: no method 'restrictd' in the rule pack")
    else:  # pragma: no cover
        raise AssertionError("an unknown method must be refused")


def test_a_register_with_other_columns_ignores_them_and_says_so_once(cli, tmp_path):
    path = tmp_path / "register.csv"
    path.write_text(
        "Department,title,annual_value,outcomes,method_used,Cost centre,anual_value\n"
        "Adults,A,5000,certain,class_i_ii,C1,\nChildren,B,3000,less_certain,small_grants,C2,\n"
    )
    result = cli("check", str(path))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [
        "note: ignoring columns the rule pack does not read: Department, Cost centre, anual_value",
        "2 rows checked: 2 agree, 0 disagree, 0 errors "
        "(Wolverhampton Contract Procurement Guide, version 1.0.0)",
    ]
    assert "--ignore" not in result.stderr


def test_a_register_quoted_cell_of_megabytes_is_one_checked_row(cli, tmp_path):
    path = tmp_path / "register.csv"
    cell = "x\n" * 1_000_000
    path.write_text(
        "title,annual_value,outcomes,method_used\n"
        f'A,5000,certain,class_i_ii\n"{cell}",5000,certain,class_i_ii\nC,5000,certain,class_i_ii\n'
    )
    result = cli("check", str(path), "-f", "jsonl")
    assert "3 rows checked: 2 agree, 0 disagree, 1 error" in result.stderr
    (row,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["row"] == 2 and "longer than 1,000,000 characters" in row["reason"]


def test_another_packs_methods_are_checked(cli, tmp_path):
    path = tmp_path / "register.csv"
    path.write_text(
        "title,annual_value,outcomes,category,method_used\n"
        "A,5000,certain,works,open_tender\nB,5000,certain,goods,open_tender\n"
    )
    result = cli("check", str(path), "--rules", str(PACKS / "northshire.yaml"), "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert result.exit_code == 1
    assert [(r["row"], r["used"], r["recommended"]) for r in rows] == [
        ("2", "open_tender", "single_quote")
    ]
    result = cli("check", str(path), "--rules", str(PACKS / "northshire.yaml"), "-m", "restricted")
    assert result.exit_code == 2 and "known: framework_call_off, open_tender," in result.stderr


def test_csv_answers_keep_formulas_as_text(cli, tmp_path):
    path = tmp_path / "register.csv"
    path.write_text("title,annual_value,outcomes,method_used\n=SUM(1),5000,certain,restricted\n")
    rows = list(csv.DictReader(io.StringIO(cli("check", str(path), "-f", "csv").stdout)))
    assert rows[0]["title"] == "'=SUM(1)"


def test_titles_are_shown_escaped_in_the_table(cli, tmp_path):
    path = tmp_path / "register.jsonl"
    path.write_text(
        '{"title": "A\\u001b[31m", "annual_value": 5000, "outcomes": "certain", '
        '"method_used": "restricted"}\n'
    )
    result = cli("check", str(path))
    assert "\x1b" not in result.stdout and "A\\x1b[31m" in result.stdout


def test_installed_check(tmp_path):
    assert run_installed("check", DAY_CARE, "-m", "restricted").returncode == 0
    assert run_installed("check", DAY_CARE, "-m", "class_i_ii").returncode == 1
