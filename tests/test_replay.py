"""The batch's replay: a row answered from the bytes written for an earlier row alike
must read exactly as route_many and the writers would have written it."""

from __future__ import annotations

import csv
import io
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commission_cli import load_rules
from commission_cli import replay as replay_module
from commission_cli.batch import RowError, route_many
from commission_cli.money import parse_money
from commission_cli.purchase import field_names
from commission_cli.registers import open_register
from commission_cli.render.rows import CsvWriter, JsonlWriter, number_text
from commission_cli.replay import _MAX_PENCE, Replay, _annual_of, _pence

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
import register as benchmark_register

RULES = load_rules()
PACKS = Path(__file__).parent / "packs"
WRITERS = {"csv": CsvWriter, "jsonl": JsonlWriter}


def _through_route_many(path: Path, rules: Any, kind: str) -> bytes:
    """What the batch wrote before the replay: every row through route_many."""
    out = io.BytesIO()
    writer = WRITERS[kind](out)
    register = open_register(str(path))
    for number, item in enumerate(
        route_many(register.rows, rules, fields=register.fields, source=register.source), 1
    ):
        if isinstance(item, RowError):
            writer.error(item.at_line(register.line) if register.line else item)
        else:
            writer.decision(number, item)
    return out.getvalue()


def _through_replay(
    path: Path, rules: Any, kind: str, window_cap: int | None = None
) -> tuple[bytes, Replay]:
    out = io.BytesIO()
    register = open_register(str(path))
    replay = Replay(
        rules, register.fields, register.source, WRITERS[kind](out), lambda: register.line
    )
    if window_cap is not None:
        replay.window_cap = window_cap
    replay.run(register.rows)
    return out.getvalue(), replay


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    fields = list(field_names())
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(fields)
        writer.writerows([row.get(f, "") for f in fields] for row in rows)
    return path


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_a_register_written_by_the_replay_reads_as_route_many_writes_it(tmp_path, kind):
    path = benchmark_register.write(tmp_path / "register.csv", 4000, seed=7)
    replayed, replay = _through_replay(path, RULES, kind)
    assert replayed == _through_route_many(path, RULES, kind)
    assert replay.tally.rows == 4000
    assert len(replay.answers) > 100  # most rows were replayed, not merely routed


def _amount_shapes(amount: Decimal) -> list[str]:
    """One amount in pence written the ways officers write it."""
    pounds = amount.quantize(Decimal("0.01"))
    whole = int(pounds)
    shapes = [f"{pounds}", f"£{pounds:,}", f"{pounds / 1000}k", f"{pounds / 1_000_000}m"]
    if pounds == whole:
        shapes += [str(whole), f"£{whole:,}", f"{whole}.00", f"{whole:,}"]
    return shapes


def _rows_at_every_place(rules: Any) -> list[dict[str, str]]:
    """Rows of two kinds with an amount at, just below and just above every one of the
    pack's amounts, in every shape, as an annual or a total value, for several lengths
    (a length the replay cannot keep in whole pence among them), each twice over."""
    kinds = [
        {"outcomes": "certain", "providers": "many", "service": "statutory"},
        {"outcomes": "less_certain", "sector": "vcs", "timescale": "restricted"},
    ]
    penny = Decimal("0.01")
    amounts = sorted({c + d for c in rules.cut_points for d in (-penny, 0, penny)} | {penny})
    rows = []
    for kind in kinds:
        for amount in amounts:
            for text in _amount_shapes(amount):
                for years in ("", "0.5", "1", "2.5", "3", "7"):
                    for column in ("annual_value", "total_value"):
                        row = {"title": f"{text} over {years}", column: text, "years": years}
                        rows += [{**row, **kind}, {**row, **kind}]
    return rows


@pytest.mark.parametrize("pack", ["default", "northshire"])
@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_rows_at_every_place_in_every_shape_are_replayed_as_route_many_writes_them(
    tmp_path, pack, kind
):
    rules = RULES if pack == "default" else load_rules(PACKS / "northshire.yaml")
    path = _write(tmp_path / "places.csv", _rows_at_every_place(rules))
    replayed, replay = _through_replay(path, rules, kind)
    assert replayed == _through_route_many(path, rules, kind)
    codes = {key % replay.stride for key in replay.answers}
    assert any(code < 8 * replay.reader.class_count for code in codes)
    if pack == "default":  # its near-threshold windows were replayed too
        assert any(code >= 8 * replay.reader.class_count for code in codes)


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_answers_forgotten_when_the_table_of_made_answers_fills_still_replay_alike(
    tmp_path, monkeypatch, kind
):
    path = benchmark_register.write(tmp_path / "register.csv", 2000, seed=11)
    monkeypatch.setattr(replay_module, "_MADE_LIMIT", 3)
    replayed, replay = _through_replay(path, RULES, kind)
    assert replayed == _through_route_many(path, RULES, kind)
    assert len(replay.made) <= 3


def test_window_codes_numbered_afresh_when_full_still_replay_as_route_many_writes(tmp_path):
    path = _write(tmp_path / "places.csv", _rows_at_every_place(RULES))
    plenty, _ = _through_replay(path, RULES, "csv")
    # Room for one length's windows at a time: each new length starts the numbering again.
    cramped, replay = _through_replay(path, RULES, "csv", window_cap=0)
    assert cramped == plenty == _through_route_many(path, RULES, "csv")
    assert len(replay.windows) <= replay.windows_per_length


def test_titles_needing_quotes_and_bad_rows_between_replayed_rows_keep_their_place(tmp_path):
    alike = {"outcomes": "certain", "providers": "many", "annual_value": "45000"}
    rows = [
        {"title": "Plain", **alike},
        {"title": 'Quoted, "with" commas', **alike},
        {"title": " padded ", **alike},
        {"title": "", **alike},
        {"title": "Bad money", **alike, "annual_value": "45kk"},
        {"title": "Line\nbreak", **alike},
        {"title": "Plain again", **alike},
    ]
    path = _write(tmp_path / "titles.csv", rows * 3)
    for kind in ("csv", "jsonl"):
        replayed, replay = _through_replay(path, RULES, kind)
        assert replayed == _through_route_many(path, RULES, kind)
        assert replay.tally.errors == 6
        assert replay.tally.rows == 21


@given(st.text(alphabet="0123456789£,.kKmM -٣", max_size=12))
def test_pence_are_the_model_s_amount_or_nothing(text):
    pence = _pence(text)
    if pence:
        assert Decimal(pence) == parse_money(text) * 100


@given(st.integers(1, _MAX_PENCE), st.integers(2, 100))
def test_annual_of_a_total_is_written_as_the_reader_s_decimal_is(pence, years):
    # The reader divides in Decimal; the replay in ints and one float division.
    assert str(_annual_of(pence, years)) == number_text(Decimal(pence) / 100 / years)


def test_annual_of_a_total_is_whole_pounds_or_the_nearest_float():
    assert _annual_of(3_000_000, 3) == 10_000
    assert type(_annual_of(3_000_000, 3)) is int
    assert _annual_of(1_000_000, 3) == 10_000 / 3


def test_pence_read_the_shapes_registers_use():
    assert _pence("45000") == 4_500_000
    assert _pence("£45,000") == 4_500_000
    assert _pence("45.5k") == 4_550_000
    assert _pence("1.2m") == 120_000_000
    assert _pence("45000.50") == 4_500_050
    assert _pence("45000.005") == 0  # part of a penny: the reader's to judge
    assert _pence("45,00") == 0
    assert _pence(" 45000") == 0  # the reader reads it; the replay leaves it
