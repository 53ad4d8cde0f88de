"""`commission batch` and route_many: one output row per input row, always, in order."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal

import pytest

from commission_cli import Purchase, load_purchase, route
from commission_cli.batch import RowError, route_many
from commission_cli.render.rows import CSV_COLUMNS, CsvWriter, JsonlWriter

from .conftest import EXAMPLES, batch_with_a_worker_killed, installed_script, run_installed

HEADER = "title,annual_value,total_value,years,outcomes,providers,service,sector,eu_exempt"
REGISTER = f"""{HEADER}
Home care,£120k,,3,certain,many,statutory,general,
Day care,45000,,3,certain,few,statutory,specific,yes
Bad money,45kk,,3,certain,,,,
Befriending,12000,,1,certain,many,required,general,
Wrong choice,20000,,1,sure,,,,

Lunch clubs,75000,,2,less_certain,many,,vcs,
Short row,1
"""


@pytest.fixture
def register(tmp_path):
    path = tmp_path / "register.csv"
    path.write_text(REGISTER, encoding="utf-8")
    return path


def _jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_every_row_gets_exactly_one_output_row_in_order(cli, register):
    result = cli("batch", str(register), "--format", "jsonl")
    rows = _jsonl(result.stdout)
    assert [r["row"] for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    assert rows[0]["method"]["id"] == "full_competitive"
    assert rows[1]["method"]["id"] == "restricted"
    assert "45kk" in rows[2]["error"] and rows[2]["input"]["annual_value"] == "45kk"
    assert rows[4]["problems"][0]["field"] == "outcomes"
    assert rows[5]["method"] is None  # no route is an answer, not an error
    assert "has 2 cells where the header has 9" in rows[6]["error"]


def test_exit_1_when_any_row_is_invalid_and_a_summary_counts_them(cli, register):
    result = cli("batch", str(register), "--format", "csv")
    assert result.exit_code == 1
    assert "7 rows: 4 routed, 1 no route, 2 errors" not in result.stderr  # 3 errors here
    assert "7 rows: 3 routed, 1 no route, 3 errors" in result.stderr
    assert "full_competitive" in result.stderr and "restricted" in result.stderr


def test_exit_0_when_every_row_is_valid(cli, tmp_path):
    path = tmp_path / "good.csv"
    path.write_text(f"{HEADER}\nA,5000,,1,less_certain,,,,\nB,60000,,1,certain,,,,\n")
    assert cli("batch", str(path), "-q").exit_code == 0


def test_csv_output_is_flat_with_the_documented_columns(cli, register):
    result = cli("batch", str(register), "--format", "csv", "-q")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 7
    assert rows[1]["method_id"] == "restricted"
    assert rows[1]["agreement"] == "Contract"
    assert rows[2]["error"].startswith("annual_value: '45kk' is not a sum of money")
    assert rows[5]["method_id"] == "" and rows[5]["family"] == "funding"


def test_batch_gives_the_same_decisions_as_route(cli, register, rules):
    rows = _jsonl(cli("batch", str(register), "-f", "jsonl", "-q").stdout)
    for row in rows:
        if "error" in row:
            continue
        fields = {k: v for k, v in row["purchase"].items() if v is not None}
        alone = route(Purchase(**fields), rules).to_dict()
        assert {k: v for k, v in row.items() if k not in ("row", "purchase")} == {
            k: v for k, v in alone.items() if k != "purchase"
        }


def _examples() -> list:
    return sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".yaml", ".json"))


def test_jsonl_lines_are_what_to_json_writes(rules):
    decisions = [route(load_purchase(str(p)), rules) for p in _examples()]
    out = io.BytesIO()
    writer = JsonlWriter(out)
    for i, d in enumerate(decisions * 2, 1):  # twice: the second time from memory
        writer.decision(i, d)
    lines = out.getvalue().decode().splitlines()
    for i, (line, d) in enumerate(zip(lines, decisions * 2, strict=True), 1):
        assert json.loads(line) == {"row": i, **d.to_dict()}
        assert line == json.dumps({"row": i, **d.to_dict()}, ensure_ascii=False)


def test_jsonl_lines_of_register_rows_are_what_to_json_writes(rules):
    reader = csv.reader(io.StringIO(REGISTER))
    fields = next(reader)
    rows = [row for row in reader if row] * 2  # twice: the second time from memory
    decisions = [d for d in route_many(rows, rules, fields=fields) if not isinstance(d, RowError)]
    out = io.BytesIO()
    writer = JsonlWriter(out)
    for i, d in enumerate(decisions, 1):
        writer.decision(i, d)
    lines = out.getvalue().decode().splitlines()
    for i, (line, d) in enumerate(zip(lines, decisions, strict=True), 1):
        assert line == json.dumps({"row": i, **d.to_dict()}, ensure_ascii=False)
        # The purchase's fields come in the model's order, as route prints them.
        assert list(d.values) == list(Purchase.model_fields)
        assert d.title == d.purchase.title


def test_csv_lines_are_what_csv_writer_writes(rules):
    decisions = [route(load_purchase(str(p)), rules) for p in _examples()]
    out = io.BytesIO()
    writer = CsvWriter(out)
    for i, d in enumerate(decisions, 1):
        writer.decision(i, d)
    rows = list(csv.reader(io.StringIO(out.getvalue().decode())))
    assert rows[0] == list(CSV_COLUMNS)
    for row, d in zip(rows[1:], decisions, strict=True):
        assert row[1] == d.purchase.title
        assert row[3] == (d.method.id if d.method else "")
        assert row[9] == " | ".join(d.warnings)


def test_jsonl_input_with_typed_values(cli, tmp_path):
    path = tmp_path / "register.jsonl"
    path.write_text(
        '{"title": "A", "annual_value": 45000.5, "years": 1, "outcomes": "certain"}\n'
        "\n"
        '{"title": "B", "annual_value": "3k", "outcomes": "less_certain", "eu_exempt": true}\n'
        "not json\n"
        "[1, 2]\n"
        '{"title": "C", "annual_value": 1, "annual_value": 2, "outcomes": "certain"}\n'
        '{"title": "D", "anual_value": 5000, "outcomes": "certain"}\n'
    )
    rows = _jsonl(cli("batch", str(path), "-q").stdout)
    assert [r["row"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[0]["purchase"]["annual_value"] == 45000.5
    assert rows[1]["method"]["id"] == "small_grants"
    assert "not valid JSON" in rows[2]["error"]
    assert "not a JSON object" in rows[3]["error"]
    assert "given twice" in rows[4]["error"]
    assert "did you mean 'annual_value'" in rows[5]["error"]


def test_input_format_overrides_the_extension(cli, tmp_path):
    path = tmp_path / "register.txt"
    path.write_text('{"title": "A", "annual_value": 5000, "outcomes": "certain"}\n')
    result = cli("batch", str(path), "--input-format", "jsonl", "-q")
    assert _jsonl(result.stdout)[0]["method"]["id"] == "class_i_ii"


def test_unknown_column_stops_before_any_row_with_a_suggestion(cli, tmp_path):
    path = tmp_path / "register.csv"
    path.write_text("title,anual_value,outcomes,department\nA,5000,certain,Adults\n")
    result = cli("batch", str(path))
    assert result.exit_code == 2 and result.stdout == ""
    assert "'anual_value') is not a purchase field; did you mean 'annual_value'?" in result.stderr
    assert "department" in result.stderr


def test_ignore_column_leaves_a_register_column_out(cli, tmp_path):
    path = tmp_path / "register.csv"
    path.write_text("title,annual_value,outcomes,department\nA,5000,certain,Adults\n")
    result = cli("batch", str(path), "--ignore-column", "department", "-q", "-f", "csv")
    assert result.exit_code == 0
    assert "class_i_ii" in result.stdout
    assert cli("batch", str(path), "--ignore-unknown-columns", "-q").exit_code == 0


def test_method_used_column_is_left_alone_by_batch(cli, tmp_path):
    path = tmp_path / "register.jsonl"
    path.write_text(
        '{"title": "A", "annual_value": 5000, "outcomes": "certain", "method_used": "class_i_ii"}\n'
    )
    assert _jsonl(cli("batch", str(path), "-q").stdout)[0]["method"]["id"] == "class_i_ii"


def test_headers_typed_by_people_are_forgiven(cli, tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes("\ufeffTitle, Annual value ,Outcomes\r\nA,5000,certain\r\n".encode())
    result = cli("batch", str(path), "-q", "-f", "csv")
    assert result.exit_code == 0 and "class_i_ii" in result.stdout


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("title,title\n", "repeats column 1"),
    ],
)
def test_unreadable_registers_exit_2(cli, tmp_path, text, message):
    path = tmp_path / "register.csv"
    path.write_text(text)
    result = cli("batch", str(path))
    assert result.exit_code == 2 and message in result.stderr


def test_missing_register_exits_2(cli, tmp_path):
    result = cli("batch", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2 and "no such register file" in result.stderr


def test_unknown_extension_asks_for_the_format(cli, tmp_path):
    path = tmp_path / "register.xls"
    path.write_text("x")
    result = cli("batch", str(path))
    assert result.exit_code == 2 and "--input-format" in result.stderr


def test_output_file_is_written_whole(cli, register, tmp_path):
    target = tmp_path / "decisions.csv"
    result = cli("batch", str(register), "-o", str(target), "-q")
    assert result.stdout == ""
    assert target.read_text().startswith("row,title,family")  # format from the extension
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_an_unwritable_output_is_a_clean_error(cli, register, tmp_path):
    result = cli("batch", str(register), "-o", str(tmp_path / "missing" / "out.csv"))
    assert result.exit_code == 2 and "cannot write" in result.stderr


def test_reading_stdin(cli):
    result = cli("batch", "-", "-q", input=f"{HEADER}\nA,5000,,1,certain,,,,\n")
    assert _jsonl(result.stdout)[0]["method"]["id"] == "class_i_ii"


# -- the installed script: pipes, interrupts, no progress bar off a terminal -----------------


def _big_register(path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("title,annual_value,years,outcomes\n")
        for i in range(rows):
            handle.write(f"Purchase {i},{1000 + i % 90000},{1 + i % 5},certain\n")


def test_piping_into_head_ends_quietly(tmp_path):
    path = tmp_path / "register.csv"
    _big_register(path, 20000)
    script = installed_script()
    result = subprocess.run(
        f"'{script}' batch '{path}' | head -3",
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert len(result.stdout.splitlines()) == 3
    assert "Traceback" not in result.stderr and "Broken pipe" not in result.stderr


def test_an_interrupted_run_leaves_no_output_file(tmp_path):
    path = tmp_path / "register.csv"
    _big_register(path, 300000)
    target = tmp_path / "out.jsonl"
    proc = subprocess.Popen(
        [installed_script(), "batch", str(path), "-o", str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not any(p.name.endswith(".part") for p in tmp_path.iterdir()):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.strip() == f"interrupted: {target} was not written"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["register.csv"]


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_a_worker_killed_from_outside_is_named_and_no_output_file_is_left(tmp_path):
    code, err = batch_with_a_worker_killed(tmp_path)
    assert code == 2
    assert err.strip() == (
        "error: a worker process ended abruptly (killed, or out of memory?); "
        f"{tmp_path / 'out.jsonl'} was not written"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["register.csv"]


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path):
    path = tmp_path / "register.csv"
    _big_register(path, 2000)
    result = run_installed("batch", str(path), "-f", "csv", "-o", os.devnull)
    assert result.returncode == 0
    assert result.stderr.startswith("2,000 rows: 2,000 routed")
    assert "\x1b[" not in result.stderr


# -- the Python API ------------------------------------------------------------------------


def test_route_many_yields_decisions_and_row_errors(rules):
    rows = [
        {"title": "A", "annual_value": "45k", "years": 3, "outcomes": "certain"},
        {"title": "B", "annual_value": "zz", "outcomes": "certain"},
        Purchase(title="C", annual_value=3000, outcomes="less_certain"),
    ]
    out = list(route_many(rows, rules))
    assert out[0].method.id == "full_competitive"  # £135,000 over the whole life
    assert isinstance(out[1], RowError) and out[1].row == 2
    assert out[1].problems[0].field == "annual_value"
    assert out[2].method.id == "small_grants"


def test_route_many_reads_csv_cells_with_a_header(rules):
    fields = ["title", "annual_value", "outcomes"]
    out = list(route_many([["A", "5000", "certain"], ["B", "", "certain"]], rules, fields=fields))
    assert out[0].method.id == "class_i_ii"
    assert isinstance(out[1], RowError)


def test_route_many_streams_without_reading_ahead(rules):
    seen = []

    def rows():
        for i in range(3):
            seen.append(i)
            yield {"title": f"P{i}", "annual_value": 5000, "outcomes": "certain"}

    stream = route_many(rows(), rules)
    next(stream)
    assert seen == [0]


def test_route_many_decisions_equal_route(rules):
    data = {
        "title": "A",
        "annual_value": "29,999.99",
        "years": "2",
        "outcomes": "certain",
        "providers": "many",
        "service": "required",
    }
    (fast,) = route_many(
        [
            data,
        ],
        rules,
    )
    (again,) = route_many([data], rules)
    alone = route(Purchase(**data), rules)
    assert fast.verdict == alone.verdict == again.verdict
    assert fast.purchase == alone.purchase
    assert fast.purchase.annual_value == Decimal("29999.99")


if sys.platform == "win32":  # pragma: no cover
    pytestmark = pytest.mark.skip("POSIX signals")
