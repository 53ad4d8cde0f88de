"""Behaviour pinned after an independent review: each test reads as the finding it fixes."""

from __future__ import annotations

import csv
import io
import json
import os
import stat

from commission_cli import Purchase, load_rules, route
from commission_cli.engine.memo import verdict, verdict_key
from commission_cli.engine.route import route_many

from .conftest import EXAMPLES, ROOT, as_json, run_installed

DAY_CARE = str(EXAMPLES / "day-care-restricted.yaml")
PACK = (ROOT / "rules" / "wolverhampton.yaml").read_text(encoding="utf-8")


def _pack_testing_years(tmp_path):
    text = PACK.replace(
        "      - text: Statutory or required service\n"
        "        when: {service: [statutory, required]}\n"
        "    exceptions:\n"
        "      - id: external_guidance",
        "      - text: Statutory or required service\n"
        "        when: {service: [statutory, required]}\n"
        "      - text: A long contract\n"
        "        when: {years: {at_least: 3}}\n"
        "    exceptions:\n"
        "      - id: external_guidance",
        1,
    )
    assert "A long contract" in text
    path = tmp_path / "years.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_pack_whose_conditions_test_years_routes_and_batches(tmp_path):
    rules = load_rules(_pack_testing_years(tmp_path))
    long = route(Purchase(title="t", annual_value="60k", years=5, outcomes="certain"), rules)
    short = route(Purchase(title="t", annual_value="60k", years=1, outcomes="certain"), rules)
    unstated = route(Purchase(title="t", annual_value="60k", outcomes="certain"), rules)
    assert "A long contract" in long.candidates[0].matched
    assert "A long contract" not in short.candidates[0].matched
    assert "A long contract" not in unstated.candidates[0].matched
    rows = [
        ["a", "60000", "5", "certain"],
        ["b", "60000", "1", "certain"],
        ["c", "60000", "", "certain"],
    ]
    batch = list(route_many(rows, rules, fields=["title", "annual_value", "years", "outcomes"]))
    assert [d.verdict for d in batch] == [long.verdict, short.verdict, unstated.verdict]
    assert verdict(rules, verdict_key(long.purchase, rules)) == long.verdict


def test_a_windows_1252_register_keeps_every_row_and_names_the_bad_byte(cli, tmp_path):
    rows = ["title,annual_value,outcomes"] + [f"Row {i},{1000 + i},certain" for i in range(1, 3001)]
    rows[1500] = "Café 1500,6000,certain"
    path = tmp_path / "excel.csv"
    path.write_bytes(("\n".join(rows) + "\n").encode("cp1252"))
    result = cli("batch", str(path), "-f", "csv", "-q")
    out = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(out) == 3000
    assert out[1499]["error"] == (
        "is not UTF-8 text (byte 0xe9 in column 1); save the register "
        "as UTF-8 (CSV UTF-8 in Excel) (line 1501)"
    )
    assert out[1500]["method_id"] == "class_i_ii"


def test_a_header_that_is_not_utf8_is_refused_plainly(cli, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("titl\xe9,annual_value\n".encode("latin-1"))
    result = cli("batch", str(path))
    assert result.exit_code == 2 and "the header row is not UTF-8 text" in result.stderr


def test_files_are_written_readable_like_any_other_and_keep_the_mode_they_had(tmp_path):
    old = os.umask(0o022)
    try:
        fresh = tmp_path / "decisions.csv"
        run_installed("batch", str(EXAMPLES / "register.csv"), "-q", "-o", str(fresh))
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
        fresh.chmod(0o640)
        run_installed("batch", str(EXAMPLES / "register.csv"), "-q", "-o", str(fresh))
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o640
        record = tmp_path / "record.md"
        run_installed("route", DAY_CARE, "-o", str(record))
        assert stat.S_IMODE(record.stat().st_mode) == 0o644
    finally:
        os.umask(old)


def test_output_that_is_the_input_is_refused(cli, tmp_path):
    register = tmp_path / "register.csv"
    register.write_bytes((EXAMPLES / "register.csv").read_bytes())
    before = register.read_bytes()
    result = cli("batch", str(register), "-o", str(register))
    assert result.exit_code == 2 and "is the file being read" in result.stderr
    assert register.read_bytes() == before
    purchase = tmp_path / "p.yaml"
    purchase.write_text((EXAMPLES / "day-care-restricted.yaml").read_text())
    assert cli("route", str(purchase), "-o", str(purchase)).exit_code == 2


def test_spaces_around_flags_are_forgiven_like_everything_else(cli, tmp_path):
    path = tmp_path / "register.csv"
    path.write_text("title,annual_value,outcomes,eu_exempt\nA,5000, certain ,Yes \n")
    out = json.loads(cli("batch", str(path), "-q").stdout)
    assert out["purchase"]["eu_exempt"] is True


def test_tab_and_semicolon_separated_registers(cli, tmp_path):
    tsv = tmp_path / "register.tsv"
    tsv.write_text("title\tannual_value\toutcomes\nA, with comma\t5000\tcertain\n")
    semi = tmp_path / "register.csv"
    semi.write_text("title;annual_value;outcomes\nA;5000;certain\n")
    for path in (tsv, semi):
        result = cli("batch", str(path), "-q")
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["method"]["id"] == "class_i_ii"


def test_years_not_stated_is_said_for_contracts_only(rules):
    grant = route(
        Purchase(title="t", annual_value="100k", outcomes="certain", core_costs=True), rules
    )
    contract = route(Purchase(title="t", annual_value="10k", outcomes="certain"), rules)
    assert not any("length in years" in w for w in grant.warnings)
    assert any("length in years" in w for w in contract.warnings)


def test_a_no_route_reason_says_which_gate_fields_were_not_stated(rules):
    d = route(Purchase(title="t", annual_value="100k", outcomes="certain", core_costs=True), rules)
    (grant_in_aid,) = [c for c in d.candidates if c.id == "grant_in_aid"]
    assert grant_in_aid.reason.endswith(
        "Not stated, so taken as not holding: strategic_organisation."
    )


def test_route_output_format_follows_the_file_name(cli, tmp_path):
    cli("route", DAY_CARE, "-o", str(tmp_path / "record.md"))
    cli("route", DAY_CARE, "-o", str(tmp_path / "decision.json"))
    assert (tmp_path / "record.md").read_text().startswith("# Procurement route decision")
    assert json.loads((tmp_path / "decision.json").read_text())["method"]["id"] == "restricted"


def test_a_date_given_as_years_is_shown_as_written(cli, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("title: t\nannual_value: 5000\nyears: 2024-01-01\noutcomes: certain\n")
    result = cli("route", str(path), "-f", "json")
    assert result.exit_code == 2
    assert "got '2024-01-01'" in result.stderr and "datetime" not in result.stderr


def test_the_edited_pack_is_never_served_from_a_stale_cache(tmp_path):
    path = _pack_testing_years(tmp_path)
    first = as_json(run_installed("route", DAY_CARE, "-f", "json", "--rules", str(path)).stdout)
    path.write_text(PACK, encoding="utf-8")
    second = as_json(run_installed("route", DAY_CARE, "-f", "json", "--rules", str(path)).stdout)
    assert (
        "A long contract" in first["candidates"][0]["unmatched"] + first["candidates"][0]["matched"]
    )
    assert (
        "A long contract"
        not in second["candidates"][0]["unmatched"] + second["candidates"][0]["matched"]
    )
