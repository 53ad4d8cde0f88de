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

from commission_cli import Purchase, load_purchase, load_rules, route
from commission_cli.engine.route import RowError, route_many
from commission_cli.render.rows import CsvRows, JsonRows, csv_cell, csv_columns

from .conftest import EXAMPLES, PACKS, installed_script, run_installed

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
OLD_CSV_COLUMNS = (
    "row,title,family,method_id,method,agreement,full_cost_recovery,guiding_document,"
    "contract_types,warnings,error"
)


@pytest.fixture
def register(tmp_path):
    path = tmp_path / "register.csv"
    path.write_text(REGISTER, encoding="utf-8")
    return path


def _jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_every_row_gets_exactly_one_output_row_in_order(cli, register):
    result = cli("batch", str(register), "--format", "jsonl")
    rows = _jsonl(result.stdout)
    assert [r["row"] for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    assert rows[0]["method"]["id"] == "full_competitive"
    assert rows[1]["method"]["id"] == "restricted"
    assert "45kk" in rows[2]["error"] and rows[2]["input"]["annual_value"] == "45kk"
    assert rows[2]["problems"] == [
        {"field": "annual_value", "message": rows[2]["problems"][0]["message"], "line": 4}
    ]
    assert rows[4]["problems"][0]["field"] == "outcomes"
    assert rows[5]["method"] is None  # no route is an answer, not an error
    assert "has 2 cells where the header has 9" in rows[6]["error"]


def test_exit_1_when_any_row_is_invalid_and_a_summary_counts_them(cli, register):
    result = cli("batch", str(register), "--format", "csv")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == (
        "7 rows: 3 routed, 1 no route, 3 errors "
        "(Wolverhampton Contract Procurement Guide, version 1.0.0)"
    )
    assert [line.split() for line in lines[1:]] == [
        ["full_competitive", "1"],
        ["restricted", "1"],
        ["class_i_ii", "1"],
        ["no", "route", "1"],
        ["errors", "3"],
    ]


def test_exit_0_when_every_row_is_valid_and_quiet_says_nothing(cli, tmp_path):
    path = tmp_path / "good.csv"
    path.write_text(f"{HEADER}\nA,5000,,1,less_certain,,,,\nB,60000,,1,certain,,,,\n")
    result = cli("batch", str(path), "-q")
    assert result.exit_code == 0 and result.stderr == ""


def test_csv_output_has_the_documented_columns(cli, register):
    result = cli("batch", str(register), "--format", "csv", "-q")
    assert result.stdout.splitlines()[0] == OLD_CSV_COLUMNS
    rows = _csv(result.stdout)
    assert len(rows) == 7
    assert rows[1]["method_id"] == "restricted"
    assert rows[1]["agreement"] == "Contract"
    assert rows[2]["error"].startswith("annual_value: '45kk' is not a sum of money")
    assert rows[2]["error"].endswith("(line 4)")
    assert rows[5]["method_id"] == "" and rows[5]["family"] == "funding"


def test_csv_columns_follow_the_results_the_pack_declares(cli, tmp_path):
    pack = str(PACKS / "northshire.yaml")
    path = tmp_path / "register.csv"
    path.write_text(
        "title,annual_value,outcomes,category,bidders\n"
        "A,5000,certain,works,4\nB,50000,certain,goods,2\nC,oops,certain,,\n"
    )
    result = cli("batch", str(path), "--rules", pack, "-f", "csv", "-q")
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "row,title,family,method_id,method,order_type,quotes_required,advertise,notices,"
        "contract_types,warnings,error"
    )
    rows = _csv(result.stdout)
    assert rows[0]["method_id"] == "open_tender" and rows[0]["advertise"] == "yes"
    assert rows[0]["notices"] == "Contracts Finder notice; Find a Tender notice"
    assert rows[1]["quotes_required"] == "3" and rows[1]["advertise"] == "no"
    assert rows[2]["error"].startswith("annual_value:")
    assert len(lines[3].split(",")) >= len(lines[0].split(","))  # an error row has every cell
    jsonl = _jsonl(cli("batch", str(path), "--rules", pack, "-q").stdout)
    assert jsonl[0]["results"]["notices"] == ["Contracts Finder notice", "Find a Tender notice"]


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_kept_text(cli, tmp_path):
    path = tmp_path / "register.csv"
    titles = ["=HYPERLINK(1)", "+1", "-1", "@SUM(A1)", "Plain"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["title", "annual_value", "outcomes"])
        writer.writerows([t, "5000", "certain"] for t in titles)
        writer.writerow(["=bad", "zz", "certain"])
    result = cli("batch", str(path), "-f", "csv", "-q")
    rows = _csv(result.stdout)
    assert [r["title"] for r in rows] == [*("'" + t for t in titles[:-1]), "Plain", "'=bad"]
    assert all(not r["warnings"].startswith(("=", "+", "-", "@")) for r in rows)
    # JSON Lines is data for programs: the title as it was written.
    assert _jsonl(cli("batch", str(path), "-q").stdout)[0]["purchase"]["title"] == titles[0]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_csv_cell_that_starts_like_a_formula_is_prefixed(start):
    assert csv_cell(f"{start}1+1") == f"'{start}1+1"
    assert csv_cell(f"a{start}") == f"a{start}"


def test_batch_gives_the_same_decisions_as_route(cli, register, rules):
    rows = _jsonl(cli("batch", str(register), "-f", "jsonl", "-q").stdout)
    decided = [row for row in rows if "error" not in row]
    assert len(decided) == 4
    for row in decided:
        fields = {k: v for k, v in row["purchase"].items() if v is not None}
        alone = route(Purchase(**fields), rules).to_dict()
        assert {k: v for k, v in row.items() if k not in ("row", "purchase")} == {
            k: v for k, v in alone.items() if k != "purchase"
        }


def _examples() -> list:
    return sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".yaml", ".json"))


def test_jsonl_lines_are_what_to_dict_gives_with_the_row_first(rules):
    decisions = [route(load_purchase(str(p)), rules) for p in _examples()]
    out = io.BytesIO()
    writer = JsonRows(out)
    for i, d in enumerate(decisions, 1):
        writer.decision(i, d)
    lines = out.getvalue().decode().splitlines()
    for i, (line, d) in enumerate(zip(lines, decisions, strict=True), 1):
        assert line == json.dumps({"row": i, **d.to_dict()}, ensure_ascii=False)


def test_csv_lines_are_what_csv_reader_reads_back(rules):
    decisions = [route(load_purchase(str(p)), rules) for p in _examples()]
    out = io.BytesIO()
    writer = CsvRows(out, rules)
    for i, d in enumerate(decisions, 1):
        writer.decision(i, d)
    rows = list(csv.reader(io.StringIO(out.getvalue().decode())))
    assert rows[0] == csv_columns(rules)
    for row, d in zip(rows[1:], decisions, strict=True):
        assert row[1] == d.purchase.title
        assert row[3] == (d.method.id if d.method else "")
        assert row[5:8] == [d.agreement or "", d.full_cost_recovery or "", d.guiding_document or ""]
        assert row[9] == " | ".join(d.warnings)


def test_jsonl_input_with_typed_values(cli, tmp_path):
    path = tmp_path / "register.jsonl"
    path.write_text(
        '{"title": "A", "annual_value": 45000.5, "years": 1, "outcomes": "certain"}\n'
        "\n"
        '{"title": "B", "annual_value": "3k", "outcomes": "less_certain", "eu_exempt": true}\n'
        '{"title": "D", "anual_value": 5000, "outcomes": "certain"}\n'
    )
    rows = _jsonl(cli("batch", str(path), "-q").stdout)
    assert [r["row"] for r in rows] == [1, 2, 3]
    assert rows[0]["purchase"]["annual_value"] == 45000.5
    assert rows[1]["method"]["id"] == "small_grants"
    assert "did you mean 'annual_value'" in rows[2]["error"]
    assert rows[2]["problems"][0]["line"] == 4


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
    assert "leave it out with --ignore-column 'department', or" in result.stderr


def test_a_column_with_no_name_is_told_the_option_that_can_leave_it_out(cli, tmp_path):
    path = tmp_path / "register.csv"
    path.write_text("title,annual_value,outcomes,\nA,5000,certain,x\n")
    refused = cli("batch", str(path))
    assert refused.exit_code == 2
    assert "column 4 has no name (leave it out with --ignore-unknown-columns)" in refused.stderr
    assert "--ignore-column" not in refused.stderr.replace("--ignore-unknown-columns", "")
    assert cli("batch", str(path), "--ignore-unknown-columns").exit_code == 0


def test_a_header_of_thousands_of_bad_columns_gives_a_bounded_message(cli, tmp_path):
    path = tmp_path / "register.csv"
    header = ",".join(["title", "x" * 200_000, *(f"c{i}" for i in range(5000))])
    path.write_text(header + "\nA\n")
    result = cli("batch", str(path))
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 101
    assert lines[-1] == "error: and 4,901 more problems like these"
    assert "column 2 ('xxxxxxxxxx" in lines[0] and "...')" in lines[0]
    assert len(result.stderr) < 30_000


def test_ignore_column_leaves_a_register_column_out(cli, tmp_path):
    path = tmp_path / "register.csv"
    path.write_text("title,annual_value,outcomes,department\nA,5000,certain,Adults\n")
    result = cli("batch", str(path), "--ignore-column", "department", "-q", "-f", "csv")
    assert result.exit_code == 0
    assert _csv(result.stdout)[0]["method_id"] == "class_i_ii"
    assert cli("batch", str(path), "--ignore-unknown-columns", "-q").exit_code == 0


def test_method_used_is_left_alone_by_batch(cli, tmp_path):
    path = tmp_path / "register.jsonl"
    path.write_text(
        '{"title": "A", "annual_value": 5000, "outcomes": "certain", "method_used": "restricted"}\n'
    )
    assert _jsonl(cli("batch", str(path), "-q").stdout)[0]["method"]["id"] == "class_i_ii"
    table = tmp_path / "register.csv"
    table.write_text("title,annual_value,outcomes,method_used\nA,5000,certain,restricted\n")
    assert _jsonl(cli("batch", str(table), "-q").stdout)[0]["method"]["id"] == "class_i_ii"


def test_headers_typed_by_people_are_forgiven(cli, tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes("\ufeffTitle, Annual value ,Outcomes\r\nA,5000,certain\r\n".encode())
    result = cli("batch", str(path), "-q", "-f", "csv")
    assert result.exit_code == 0 and _csv(result.stdout)[0]["method_id"] == "class_i_ii"


def test_tab_and_semicolon_separated_registers(cli, tmp_path):
    tsv = tmp_path / "register.tsv"
    tsv.write_text("title\tannual_value\toutcomes\nA, with comma\t5000\tcertain\n")
    semi = tmp_path / "register.csv"
    semi.write_text("title;annual_value;outcomes\nA;5000;certain\n")
    for path in (tsv, semi):
        result = cli("batch", str(path), "-q")
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["method"]["id"] == "class_i_ii"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("\n\n", "is empty"),
        ("title,title\n", "repeats column 1"),
        ("title,,outcomes\n", "column 2 has no name"),
    ],
)
def test_unreadable_registers_exit_2(cli, tmp_path, text, message):
    path = tmp_path / "register.csv"
    path.write_text(text)
    result = cli("batch", str(path))
    assert result.exit_code == 2 and message in result.stderr
    assert result.stdout == ""


def test_missing_register_exits_2(cli, tmp_path):
    result = cli("batch", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2 and "no such register file" in result.stderr
    result = cli("batch", str(tmp_path), "--input-format", "csv")
    assert result.exit_code == 2 and "is a directory" in result.stderr


def test_unknown_extension_asks_for_the_format(cli, tmp_path):
    path = tmp_path / "register.xls"
    path.write_text("x")
    result = cli("batch", str(path))
    assert result.exit_code == 2 and "--input-format" in result.stderr


def test_there_is_no_jobs_option_any_more(cli, register):
    result = cli("batch", str(register), "--jobs", "2")
    assert result.exit_code == 2


def test_output_file_is_written_whole_in_the_format_its_name_says(cli, register, tmp_path):
    target = tmp_path / "decisions.csv"
    result = cli("batch", str(register), "-o", str(target), "-q")
    assert result.stdout == ""
    assert target.read_text().startswith("row,title,family")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_an_unwritable_output_is_a_clean_error(cli, register, tmp_path):
    result = cli("batch", str(register), "-o", str(tmp_path / "missing" / "out.csv"))
    assert result.exit_code == 2 and "cannot write" in result.stderr


def test_the_input_is_never_the_output(cli, register):
    before = register.read_bytes()
    result = cli("batch", str(register), "-o", str(register))
    assert result.exit_code == 2 and "is the file being read" in result.stderr
    assert register.read_bytes() == before


def test_stdin_redirected_from_the_output_file_is_refused(register):
    with register.open("rb") as stdin:
        result = subprocess.run(
            [installed_script(), "batch", "-", "-o", str(register)],
            stdin=stdin,
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 2 and "is stdin; write the output to another file" in result.stderr
    assert register.read_text() == REGISTER


def test_reading_stdin(cli):
    result = cli("batch", "-", "-q", input=f"{HEADER}\nA,5000,,1,certain,,,,\n")
    assert _jsonl(result.stdout)[0]["method"]["id"] == "class_i_ii"


def test_a_pack_name_with_markup_or_escapes_is_shown_plainly_in_the_summary(cli, tmp_path):
    text = (PACKS / "northshire.yaml").read_text()
    pack = tmp_path / "pack.yaml"
    name = "name: Northshire County Council Contract Procedure Rules"
    pack.write_text(text.replace(name, 'name: "[bold]\\e[31mNorthshire"'))
    path = tmp_path / "register.csv"
    path.write_text("title,annual_value,outcomes\nA,5000,certain\n")
    result = cli("batch", str(path), "--rules", str(pack), "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert "([bold]\\x1b[31mNorthshire, version" in result.stderr and "\x1b" not in result.stderr


# -- the installed script: pipes, signals, no progress bar off a terminal ----------------------


def _big_register(path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("title,annual_value,years,outcomes\n")
        for i in range(rows):
            handle.write(f"Purchase {i},{1000 + i % 90000},{1 + i % 5},certain\n")


def test_piping_into_head_ends_quietly(tmp_path):
    path = tmp_path / "register.csv"
    _big_register(path, 5000)
    script = installed_script()
    result = subprocess.run(
        f"'{script}' batch '{path}' | head -3",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert len(result.stdout.splitlines()) == 3
    assert "Traceback" not in result.stderr and "Broken pipe" not in result.stderr
    assert "error" not in result.stderr


@pytest.mark.parametrize(
    ("signum", "code", "words"),
    [
        (signal.SIGTERM, 143, "stopped by SIGTERM"),
        (signal.SIGHUP, 129, "stopped by SIGHUP"),
        (signal.SIGINT, 130, "interrupted"),
    ],
)
def test_a_signal_during_a_batch_to_a_file_leaves_nothing(tmp_path, signum, code, words):
    path = tmp_path / "register.csv"
    _big_register(path, 100_000)
    target = tmp_path / "out.csv"
    # The signal's default action in the child, whatever this runner inherited (a suite
    # started under nohup ignores SIGHUP, and so, rightly, does the tool: see below).
    proc = subprocess.Popen(
        [installed_script(), "batch", str(path), "-o", str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signum, signal.SIG_DFL),
    )
    try:
        _wait_for_part(tmp_path, proc)
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == code
    assert err.strip() == f"{words}: {target} was not written"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["register.csv"]


def test_a_batch_started_under_nohup_is_not_stopped_by_sighup(tmp_path):
    path = tmp_path / "register.csv"
    _big_register(path, 100_000)
    target = tmp_path / "out.csv"
    proc = subprocess.Popen(
        [installed_script(), "batch", str(path), "-o", str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN),
    )
    try:
        _wait_for_part(tmp_path, proc)
        proc.send_signal(signal.SIGHUP)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "register.csv"]


def test_sigterm_before_the_command_begins_is_a_clean_stop(monkeypatch, capsys):
    from commission_cli import cli
    from commission_cli.cli.common import Stopped

    def stopped_while_starting(args):
        raise Stopped(signal.SIGTERM)

    monkeypatch.setattr(cli, "build_app", stopped_while_starting)
    assert cli.run(["batch", "register.csv", "-o", "out.csv"]) == 143
    assert capsys.readouterr().err.strip() == "stopped by SIGTERM: nothing was left half-written"


@pytest.mark.parametrize("delay", [0.05, 0.1, 0.15, 0.2, 0.3, 0.45])
def test_sigterm_at_any_moment_of_start_up_never_shows_a_traceback(tmp_path, delay):
    path = tmp_path / "register.csv"
    _big_register(path, 2000)
    proc = subprocess.Popen(
        [installed_script(), "batch", str(path), "-o", str(tmp_path / "out.csv")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL),
    )
    try:
        time.sleep(delay)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    # Before Python has set the tool's handler up, the signal's own default ends it (-15).
    assert proc.returncode in (143, -signal.SIGTERM, 0), err
    assert "Traceback" not in err
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]


def _wait_for_part(folder, proc):
    """Until the batch is writing (its temporary file is there), and a little after."""
    deadline = time.monotonic() + 30
    while not any(p.name.endswith(".part") for p in folder.iterdir()):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.02)
    time.sleep(0.2)


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
    (first,) = route_many([data], rules)
    (again,) = route_many([data], rules)
    alone = route(Purchase(**data), rules)
    assert first.verdict == alone.verdict == again.verdict
    assert first.purchase == alone.purchase
    assert first.purchase.annual_value == Decimal("29999.99")


def test_a_row_of_the_wrong_length_keeps_its_cells_under_their_column_names(rules):
    fields = ["title", "annual_value", "outcomes"]
    short, long = route_many(
        [["A", "5000"], ["B", "5000", "certain", "extra"]], rules, fields=fields
    )
    assert short.data == {"title": "A", "annual_value": "5000"}
    assert long.data == {
        "title": "B",
        "annual_value": "5000",
        "outcomes": "certain",
        "column 4": "extra",
    }


def test_routing_valid_rows_runs_no_import_statement(rules, monkeypatch):
    # An import inside a function runs importlib's machinery on every call: on the path
    # of each row it cost a batch about a seventh of its time.
    fields = ["title", "annual_value", "years", "outcomes", "providers", "eu_exempt"]
    rows = [
        [
            f"Purchase {i}",
            f"£{1000 + 37 * i:,}.{i % 100:02d}",
            f"{1 + i % 5}.5",
            "certain",
            "many",
            "yes",
        ]
        for i in range(300)
    ]
    list(route_many(rows[:1], rules, fields=fields))  # anything imported once is imported
    imports = []
    real_import = __import__

    def counting(name, *args, **kwargs):
        imports.append(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr("builtins.__import__", counting)
    out = list(route_many(rows, rules, fields=fields))
    buffer = io.BytesIO()
    writer = CsvRows(buffer, rules)
    for number, decision in enumerate(out, 1):
        writer.decision(number, decision)
    monkeypatch.undo()
    assert not any(isinstance(d, RowError) for d in out)
    assert imports == []


def test_another_packs_register_routes_with_no_code_change(tmp_path):
    northshire = load_rules(str(PACKS / "northshire.yaml"))
    fields = ["title", "annual_value", "outcomes", "category"]
    rows = [["A", "5000", "certain", "works"], ["B", "500", "certain", "goods"]]
    out = list(route_many(rows, northshire, fields=fields))
    alone = [
        route(northshire.purchase(dict(zip(fields, row, strict=True))), northshire) for row in rows
    ]
    assert [d.method.id for d in out] == ["open_tender", "single_quote"]
    assert [d.verdict for d in out] == [d.verdict for d in alone]


if sys.platform == "win32":  # pragma: no cover
    pytestmark = pytest.mark.skip("POSIX signals")


def test_sigterm_just_after_the_output_was_written_never_says_nothing_was(
    monkeypatch, capsys, tmp_path
):
    from commission_cli import cli
    from commission_cli.cli.common import Stopped

    out = tmp_path / "out.csv"

    def wrote_then_stopped(args):
        out.write_text("title\n")
        raise Stopped(signal.SIGTERM)

    monkeypatch.setattr(cli, "run", wrote_then_stopped)
    monkeypatch.setattr(cli, "catch_stop_signals", lambda: None)  # keep pytest's own TERM
    with pytest.raises(SystemExit) as exit_:
        cli.main(["batch", "register.csv", "-o", str(out)])
    assert exit_.value.code == 143 and out.exists()
    assert capsys.readouterr().err.strip() == "stopped by SIGTERM: nothing was left half-written"


def test_an_error_rows_title_keeps_its_line_break_as_a_routed_rows_does(cli, tmp_path):
    register = tmp_path / "r.csv"
    register.write_text(
        'title,annual_value,outcomes\n"Day\ncare",5000,certain\n"Lunch\nclub",abc,certain\n'
        '"Hall\x00hire",abc,certain\n'
    )
    result = cli("batch", str(register), "-q", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["title"] for r in rows] == ["Day\ncare", "Lunch\nclub", "Hall\\x00hire"]
    assert rows[1]["error"] and rows[2]["error"]  # the NUL is the title's own problem
