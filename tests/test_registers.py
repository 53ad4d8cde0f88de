"""Registers read as streams: rows in = rows out, bounded memory, nothing misread."""

from __future__ import annotations

import csv
import io
import json
import time
import tracemalloc

import pytest

from commission_cli.errors import InputError
from commission_cli.io.registers import MAX_LINE, Unreadable, normalise_column, open_register

from .conftest import run_installed

HEADER = "title,annual_value,outcomes"


def _rows(rules, path, **options):
    with open_register(str(path), rules, **options) as register:
        return list(register.rows())


def _csv_out(result) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(result.stdout)))


def _jsonl_out(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


# -- the header names the pack's fields ---------------------------------------------------


def test_headers_are_forgiven_for_case_spaces_and_hyphens():
    assert normalise_column("  Annual value ") == "annual_value"
    assert normalise_column("EU-exempt") == "eu_exempt"


def test_a_header_maps_columns_to_pack_fields_and_finds_method_used(rules, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("Title,Annual Value,outcomes,Method used\nA,5000,certain,class_i_ii\n")
    with open_register(str(path), rules) as register:
        assert register.fields == ("title", "annual_value", "outcomes", None)
        assert register.has_method_used
        (row,) = register.rows()
    assert row.line == 2 and row.data == ["A", "5000", "certain", "class_i_ii"]
    assert row.used == "class_i_ii"


def test_columns_the_pack_does_not_name_are_refused_with_a_suggestion(rules, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("title,anual_value,outcomes,department\nA,5000,certain,Adults\n")
    with pytest.raises(InputError) as caught:
        open_register(str(path), rules)
    messages = [str(p) for p in caught.value.problems]
    assert len(messages) == 2
    assert "'anual_value') is not a purchase field; did you mean 'annual_value'?" in messages[0]
    assert "department" in messages[1]


def test_other_columns_can_be_left_out_and_are_listed(rules, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("title,annual_value,outcomes,Department,Cost centre\nA,5000,certain,x,y\n")
    with open_register(str(path), rules, ignore_others=True) as register:
        assert register.ignored == ["Department", "Cost centre"]
        assert register.fields == ("title", "annual_value", "outcomes", None, None)
    with open_register(str(path), rules, ignore_columns=["department", "cost-centre"]) as register:
        assert register.ignored == ["Department", "Cost centre"]


def test_columns_come_from_the_pack_in_use(tmp_path):
    from commission_cli import load_rules

    from .conftest import PACKS

    northshire = load_rules(str(PACKS / "northshire.yaml"))
    path = tmp_path / "r.csv"
    path.write_text("title,annual_value,outcomes,category,bidders\nA,5000,certain,works,4\n")
    with open_register(str(path), northshire) as register:
        assert register.fields == ("title", "annual_value", "outcomes", "category", "bidders")


# -- rows in = rows out ----------------------------------------------------------------


def test_a_quoted_cell_of_two_megabytes_over_many_lines_is_one_error_row(rules, tmp_path, cli):
    path = tmp_path / "r.csv"
    cell = "line\n" * 400_000  # 2 MB, 400,000 lines
    path.write_text(f'{HEADER}\nA,5000,certain\n"{cell}",5000,certain\nC,5000,certain\n')
    rows = _rows(rules, path)
    assert [r.line for r in rows] == [2, 3, 400_004]
    assert isinstance(rows[1].data, Unreadable)
    assert "is longer than 1,000,000 characters" in rows[1].data.problems[0].message
    batch = _csv_out(cli("batch", str(path), "-f", "csv", "-q"))
    assert [r["row"] for r in batch] == ["1", "2", "3"]
    assert batch[0]["method_id"] == batch[2]["method_id"] == "class_i_ii"
    check = cli("check", str(path), "--method", "class_i_ii")
    assert "3 rows checked: 2 agree, 0 disagree, 1 error" in check.stderr


def test_a_quoted_cell_within_the_limit_is_read_whole(rules, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(f'{HEADER}\n"A, with\n""quotes"" and lines",5000,certain\nB,5000,certain\n')
    rows = _rows(rules, path)
    assert rows[0].data == ['A, with\n"quotes" and lines', "5000", "certain"]
    assert [r.line for r in rows] == [2, 4]


def test_a_line_over_the_limit_is_an_error_row_and_reading_goes_on(rules, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(f"{HEADER}\nA,5000,certain\n{'y' * (3 * MAX_LINE)}\nC,5000,certain\n")
    rows = _rows(rules, path)
    assert [r.line for r in rows] == [2, 3, 4]
    assert isinstance(rows[1].data, Unreadable)
    assert rows[2].data == ["C", "5000", "certain"]


def test_a_line_without_line_ends_does_not_fill_memory(rules, tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"title": "' + "a" * (12 * MAX_LINE))
    tracemalloc.start()
    try:
        rows = _rows(rules, path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(rows) == 1 and isinstance(rows[0].data, Unreadable)
    assert peak < 8 * MAX_LINE  # a few copies of one line's limit, not the 12 MB line


def test_an_unclosed_quote_past_the_length_limit_names_the_lines_it_took(rules, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(f'{HEADER}\nA,5000,certain\n"B' + "z,\n" * 600_000 + "C,5000,certain\n")
    rows = _rows(rules, path)
    assert len(rows) == 2 and isinstance(rows[1].data, Unreadable)
    message = rows[1].data.problems[0].message
    assert "opens a quote that is never closed" in message
    assert "lines 3 to 600003 (the rest of the file)" in message and "none of it" in message


def test_a_quote_that_never_closes_is_one_error_row_and_the_lines_after_it_are_rows(cli, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(f'{HEADER}\nA,5000,certain\n"B,5000,certain\nC,5000,certain\nD,6000,certain\n')
    for command in (["batch", str(path), "-q"], ["check", str(path), "--method", "none", "-q"]):
        result = cli(*command)
        lines = result.stdout.splitlines()
        assert len(lines) == 4, command  # rows in = rows out
    out = _jsonl_out(cli("batch", str(path), "-q"))
    assert [row.get("purchase", {}).get("title") for row in out] == ["A", None, "C", "D"]
    assert "opens a quote that is never closed" in out[1]["error"]
    assert out[1]["problems"][0]["line"] == 3


@pytest.mark.parametrize(
    ("register", "words"),
    [
        (
            'title,"annual_value,outcomes\nA,5000,certain\nB,6000,certain\n',
            "r.csv:1: the header row opens a quote that is never closed",
        ),
        (
            'title,"annual_value,outcomes\nA,5000,certain\n"B",6000,certain\n',
            "r.csv:1: the header row runs on over lines 1 to 3 inside a quote, and column 2",
        ),
    ],
)
def test_a_stray_quote_in_the_header_never_takes_the_rows_into_it(cli, tmp_path, register, words):
    path = tmp_path / "r.csv"
    path.write_text(register)
    for extra in ([], ["--ignore-unknown-columns"]):  # which would have dropped the rows unsaid
        result = cli("batch", str(path), "-q", *extra)
        assert result.exit_code == 2, extra
        assert words in result.stderr


def test_a_header_cell_wrapped_over_lines_that_names_a_field_is_read(rules, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text('title,"Annual\nvalue",outcomes\nA,5000,certain\n')  # Alt+Enter in Excel
    rows = _rows(rules, path)
    assert [r.line for r in rows] == [3] and rows[0].data[1] == "5000"


def test_an_unclosed_quote_in_a_long_header_says_so(cli, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text('title,"annual_value,outcomes\n' + "A,5000,certain\n" * 80_000)
    result = cli("batch", str(path), "-q")
    assert result.exit_code == 2
    assert "r.csv:1: the header row opens a quote that is never closed" in result.stderr


def test_the_lines_after_an_unclosed_quote_keep_their_own_line_numbers(rules, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(f'{HEADER}\nA,1,certain\n\n"B,5000\n\nC,5000,certain\nD,6000,certain\n')
    rows = _rows(rules, path)
    assert [r.line for r in rows] == [2, 4, 6, 7]  # blank lines are still not rows
    assert [isinstance(r.data, Unreadable) for r in rows] == [False, True, False, False]


def test_rows_with_the_wrong_number_of_cells_are_error_rows(cli, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(f"{HEADER}\nA,5000\nB,5000,certain,extra\nC,5000,certain\n")
    out = _jsonl_out(cli("batch", str(path), "-q"))
    assert "has 2 cells where the header has 3" in out[0]["error"]
    assert "has 4 cells where the header has 3" in out[1]["error"]
    assert out[2]["method"]["id"] == "class_i_ii"


def test_blank_lines_are_not_rows(rules, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(f"\n\n{HEADER}\n\nA,5000,certain\n   \nB,5000,certain\n")
    assert [r.line for r in _rows(rules, path)] == [5, 7]


def test_a_quoted_cell_of_a_line_break_or_nothing_is_a_row_not_a_blank_line(rules, tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(b'title\n"\r"\n""\n   \n"  "\n')
    assert [r.line for r in _rows(rules, path)] == [2, 4, 6]  # the "\r" row takes two lines


def test_a_cell_of_thousands_of_digits_after_an_ordinary_row_is_an_error_row(cli, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(
        "title,annual_value,outcomes,partners\n"
        f"A,5000,certain,2\nB,{'9' * 5000},certain,{'1' * 4400}\nC,5000,certain,1\n"
    )
    result = cli("batch", str(path), "-f", "csv", "-q")
    out = _csv_out(result)
    assert result.exit_code == 1 and len(out) == 3
    assert "annual_value" in out[1]["error"] and "partners" in out[1]["error"]
    assert out[2]["method_id"] == "class_i_ii"


@pytest.mark.parametrize(
    "cell",
    [
        "1e9999999999",
        "9" * 5000,
        "-1",
        "0x10",
        "1:30",
        "NaN",
        "inf",
        "1e-999999999",
        "4٥000",
        "£-5",
        "[1, 2]",
        "{}",
        '"',
        "\u202e",
        "=cmd|' /C calc'!A0",
        "\x1b[31m",
        "nul\x00",
    ],
)
def test_a_register_of_odd_cell_values_never_faults(cli, tmp_path, cell):
    path = tmp_path / "r.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["title", "annual_value", "years", "outcomes", "partners", "eu_exempt"])
        writer.writerow([cell, cell, cell, cell, cell, cell])
        writer.writerow(["A", cell, "1", "certain", cell, cell])
        writer.writerow(["Ordinary", "5000", "1", "certain", "1", "no"])
    for form in ("csv", "jsonl"):
        result = cli("batch", str(path), "-f", form, "-q")
        assert result.exit_code in (0, 1), result.stderr
        out = _csv_out(result) if form == "csv" else _jsonl_out(result)
        assert len(out) == 3
        assert out[2]["method_id" if form == "csv" else "row"] in ("class_i_ii", 3)


# -- JSON Lines: numbers as written, odd text -------------------------------------------


def test_huge_json_numbers_are_refused_at_once_as_error_rows(cli, tmp_path):
    path = tmp_path / "r.jsonl"
    rows = [
        '{"title": "A", "annual_value": 5000, "outcomes": "certain", "partners": 1e9999999999}',
        '{"title": "B", "annual_value": ' + "9" * 100_000 + ', "outcomes": "certain"}',
        '{"title": "C", "annual_value": 5000, "outcomes": "certain", "years": 1e-99999}',
        '{"title": "D", "annual_value": NaN, "outcomes": "certain"}',
        '{"title": "E", "annual_value": 5000.5, "outcomes": "certain", "partners": 2}',
    ]
    path.write_text("\n".join(rows) + "\n")
    result = run_installed("batch", str(path), "-q", timeout=10)
    out = _jsonl_out(result)
    assert result.returncode == 1 and len(out) == 5
    assert [r["problems"][0]["field"] for r in out[:4]] == [
        "partners",
        "annual_value",
        "years",
        "annual_value",
    ]
    assert out[4]["purchase"]["annual_value"] == 5000.5 and out[4]["purchase"]["partners"] == 2


def test_json_numbers_arrive_as_the_text_written(rules, tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"title": 10, "annual_value": 045, "partners": 2, "eu_exempt": true}\n')
    (row,) = _rows(rules, path)
    assert isinstance(row.data, Unreadable)  # 045 is not JSON
    path.write_text('{"title": 10, "annual_value": 4.50, "partners": 2, "eu_exempt": true}\n')
    (row,) = _rows(rules, path)
    assert row.data == {"title": "10", "annual_value": "4.50", "partners": "2", "eu_exempt": True}


def test_a_lone_surrogate_is_an_error_row_and_jsonl_output_keeps_one_line_per_row(cli, tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(
        '{"title": "\\ud800", "annual_value": 5000, "outcomes": "certain"}\n'
        '{"title": "B", "annual_value": 5000, "outcomes": "\\udfff"}\n'
        '{"title": "C\\u2028D", "annual_value": 5000, "outcomes": "certain"}\n'
    )
    result = cli("batch", str(path), "-q")
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    out = [json.loads(line) for line in lines]
    assert "lone surrogate" in out[0]["error"]
    assert out[0]["input"]["title"] == "\ud800"  # written as its JSON escape
    assert "outcomes" in out[1]["error"]
    assert out[2]["purchase"]["title"] == "C\u2028D"
    csv_rows = _csv_out(cli("batch", str(path), "-q", "-f", "csv"))
    assert len(csv_rows) == 3 and csv_rows[0]["title"] == "\\ud800"


def test_a_nul_in_a_title_is_an_error_row_and_never_written_out(cli, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(f"{HEADER}\nA\x00B,5000,certain\nC,5000,certain\n")
    for form in ("csv", "jsonl"):
        result = cli("batch", str(path), "-q", "-f", form)
        assert result.exit_code == 1
        assert "\x00" not in result.stdout
        assert "holds a NUL character" in result.stdout


def test_broken_json_lines_are_error_rows(cli, tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text(
        '{"title": "A", "annual_value": 5000, "outcomes": "certain"}\n'
        "not json\n"
        "[1, 2]\n"
        '{"title": "C", "annual_value": 1, "annual_value": 2, "outcomes": "certain"}\n'
        + "[" * 100_000
        + "\n"
    )
    out = _jsonl_out(cli("batch", str(path), "-q"))
    assert [r["row"] for r in out] == [1, 2, 3, 4, 5]
    assert "not valid JSON" in out[1]["error"] and out[1]["input"] == {"(line)": "not json"}
    assert "not a JSON object" in out[2]["error"]
    assert "given twice" in out[3]["error"]
    assert "not valid JSON" in out[4]["error"]


# -- bytes that are not UTF-8 text --------------------------------------------------------


def test_bytes_that_are_not_utf8_make_error_rows_naming_the_byte_and_column(cli, tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(
        b"title,annual_value,outcomes\nA,5000,certain\nB,5000,certain caf\xe9\nC,5000,certain\n"
    )
    out = _csv_out(cli("batch", str(path), "-f", "csv", "-q"))
    assert len(out) == 3
    assert out[1]["error"] == (
        "is not UTF-8 text (byte 0xe9 in column 3); save the register "
        "as UTF-8 (CSV UTF-8 in Excel) (line 3)"
    )
    assert out[2]["method_id"] == "class_i_ii"
    jsonl = tmp_path / "r.jsonl"
    jsonl.write_bytes(
        b'{"title": "caf\xe9"}\n{"title": "B", "annual_value": 1, "outcomes": "certain"}\n'
    )
    rows = _jsonl_out(cli("batch", str(jsonl), "-q"))
    assert "byte 0xe9 at character 15" in rows[0]["error"]
    assert rows[0]["input"] == {"(line)": '{"title": "caf\\xe9"}'}


def test_a_header_that_is_not_utf8_is_refused(cli, tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes("titl\xe9,annual_value\n".encode("latin-1"))
    result = cli("batch", str(path))
    assert result.exit_code == 2 and "the header row is not UTF-8 text" in result.stderr


def test_a_binary_file_is_refused_at_once(tmp_path):
    result = run_installed("batch", "/dev/zero", "--input-format", "csv", timeout=10)
    assert result.returncode == 2
    assert result.stderr == (
        "error: /dev/zero: is a binary file, not a register; give a CSV or JSON Lines file "
        "(from a spreadsheet, save as CSV UTF-8)\n"
    )
    assert (
        run_installed("check", "/dev/zero", "--input-format", "jsonl", timeout=10).returncode == 2
    )


def test_utf16_is_named(cli, tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes("title,annual_value\n".encode("utf-16"))
    result = cli("batch", str(path))
    assert result.exit_code == 2 and "is UTF-16 text" in result.stderr


def test_a_nul_after_the_first_line_is_one_bad_row_not_a_binary_file(rules, tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(b"title,annual_value,outcomes\nA\x00,5000,certain\n")
    (row,) = _rows(rules, path)
    assert row.data == ["A\x00", "5000", "certain"]


def test_lines_that_keep_reopening_a_quote_are_read_again_once_not_for_ever(rules, tmp_path):
    """Each line `a","` leaves a quote open wherever it starts: reading every row's lines
    again took time growing with the square of the file (8,000 lines, 7 s)."""
    path = tmp_path / "r.csv"
    path.write_text("title,annual_value\n" + 'a","\n' * 20_000)
    start = time.monotonic()
    rows = _rows(rules, path)
    assert time.monotonic() - start < 5
    assert all(isinstance(r.data, Unreadable) for r in rows)


def test_a_line_read_again_after_an_unclosed_quote_is_still_checked_for_bad_bytes(rules, tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(
        b'title,annual_value,outcomes,notes\nA,1000,certain,ok\n"B,2000,certain,x\n'
        b"C,3000,certain,\xff\n"
    )
    rows = _rows(rules, path, ignore_columns=("notes",))
    assert [r.line for r in rows] == [2, 3, 4]
    assert isinstance(rows[2].data, Unreadable)
    assert "is not UTF-8" in rows[2].data.problems[0].message
