"""Bounded caches: a long register must neither grow memory nor, once a cache is
full, lose what it keeps using or answer from a stale entry."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

from commission_cli import Purchase, load_rules, route
from commission_cli import batch as batch_module
from commission_cli.batch import RowError, route_many
from commission_cli.caches import make_room, make_room_for_used
from commission_cli.engine import _parts, amount_classes, decide, verdict
from commission_cli.purchase import field_names

RULES = load_rules()
PACKS = Path(__file__).parent / "packs"


def test_a_full_cache_forgets_its_older_half_and_keeps_the_newest():
    cache = {n: str(n) for n in range(8)}
    make_room(cache, 8)
    assert list(cache) == [4, 5, 6, 7]
    make_room(cache, 8)  # not full: nothing is forgotten
    assert list(cache) == [4, 5, 6, 7]


def test_a_cache_filled_one_entry_at_a_time_never_passes_its_limit():
    cache: dict[int, int] = {}
    for n in range(1000):
        make_room(cache, 64)
        cache[n] = n
        assert len(cache) <= 64
    assert 999 in cache


def test_entries_used_since_the_last_thinning_outlive_those_that_were_not():
    cache = {n: [str(n), n in (0, 2)] for n in range(8)}  # 0 and 2 were used again
    make_room_for_used(cache, 8)
    assert list(cache) == [4, 5, 6, 7, 0, 2]
    assert not cache[0][-1] and not cache[2][-1]  # each must be used again to stay again


def test_when_all_were_used_the_oldest_quarter_goes_and_the_newest_stay():
    cache = {n: [n, True] for n in range(8)}
    make_room_for_used(cache, 8)
    assert list(cache) == [4, 5, 6, 7, 2, 3]


def test_a_cache_thinned_over_and_over_stays_under_its_limit_and_keeps_its_newest():
    cache: dict[int, list] = {}
    for n in range(2000):
        for key in list(cache)[::3]:
            cache[key][-1] = True  # a third of the entries are used again
        make_room_for_used(cache, 64)
        cache[n] = [n, False]
        assert len(cache) <= 64 and n in cache


def test_equal_verdicts_worked_out_apart_are_one_object():
    p = Purchase(title="Home care", annual_value=120_000, outcomes="certain", providers="many")
    first = verdict(p, RULES)
    parts = _parts(RULES)
    parts.whole.clear()
    parts.tables.clear()  # everything remembered on the way is gone; the answer is not
    again = verdict(p, RULES)
    assert again == first and again is first


def _register(rows: int, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    out = []
    for n in range(rows):
        out.append(
            {
                "title": f"Purchase {n}",
                "annual_value": rng.choice(["4500", "29999.99", "£30,000", "45k", "120000"]),
                "years": rng.choice(["", "0.5", "1", "3"]),
                "outcomes": rng.choice(["certain", "less_certain"]),
                "providers": rng.choice(["", "many", "few"]),
                "sector": rng.choice(["", "general", "specific", "vcs"]),
                "eu_exempt": rng.choice(["", "yes", "no"]),
                "timescale": rng.choice(["", "normal", "restricted"]),
            }
        )
    return out


def test_a_batch_with_tiny_caches_still_answers_every_row_as_route_does(monkeypatch):
    # Limits far below the variety of the register, so every cache fills and is
    # thinned many times over while the rows go by.
    monkeypatch.setattr(batch_module, "_ENTRIES_LIMIT", 4)
    monkeypatch.setattr(batch_module, "_VERDICTS_LIMIT", 4)
    monkeypatch.setattr(batch_module, "_CACHE_LIMIT", 4)
    fields = list(field_names())
    register = _register(300, seed=7)
    cells = [[row.get(f, "") for f in fields] for row in register]
    for row, answer in zip(register, route_many(cells, RULES, fields=fields), strict=True):
        assert not isinstance(answer, RowError)
        alone = route(Purchase(**{k: v for k, v in row.items() if v}), RULES)
        assert answer.verdict == alone.verdict
        assert answer.purchase.echo() == alone.purchase.echo()


def test_whole_pounds_read_by_the_quick_path_match_the_model():
    fields = ["title", "annual_value", "outcomes"]
    rows = [["a", "0045000", "certain"], ["b", "45000", "certain"], ["c", "0", "certain"]]
    a, b, c = route_many(rows, RULES, fields=fields)
    assert not isinstance(a, RowError) and not isinstance(b, RowError)
    assert a.purchase.annual_value == b.purchase.annual_value == Decimal(45000)
    assert isinstance(c, RowError) and "greater than zero" in c.message


def test_texts_worked_out_again_are_the_same_strings():
    # A long batch keeps thousands of verdicts; words they share are kept once.
    p = Purchase(title="Day care", annual_value=45_000, outcomes="certain", providers="few")
    first = verdict(p, RULES)
    parts = _parts(RULES)
    parts.whole.clear()
    parts.tables.clear()
    parts.verdicts.clear()  # nothing remembered at all: every text is written afresh
    again = verdict(p, RULES)
    assert again == first and again is not first
    for a, b in zip(first.candidates, again.candidates, strict=True):
        assert a.reason is b.reason
    for a, b in zip(first.warnings, again.warnings, strict=True):
        assert a is b


def _amount_in_place(cuts: tuple[Decimal, ...], place: int) -> Decimal:
    """An amount at ``place`` among ``cuts`` (2i between cut i-1 and cut i, 2i+1 on cut
    i), chosen away from the halfway point amount_classes itself tries."""
    i, on = divmod(place, 2)
    if on:
        return cuts[i]
    if i == 0:
        return cuts[0] / 3
    if i == len(cuts):
        return cuts[-1] * 3
    return cuts[i - 1] + (cuts[i] - cuts[i - 1]) / 3


def _every_place_rows(rules: Any) -> list[dict[str, str]]:
    """Rows of a few kinds with their amount at every place among the pack's amounts,
    as an annual or a total value, for several lengths (or none)."""
    cuts = rules.cut_points
    kinds = [
        {"outcomes": "certain", "providers": "many", "service": "statutory"},
        {"outcomes": "certain", "providers": "few", "sector": "specific", "eu_exempt": "true"},
        {"outcomes": "less_certain", "sector": "vcs", "timescale": "restricted"},
        {"outcomes": "less_certain", "core_costs": "true", "provider": "third_sector"},
    ]
    rows = []
    for kind in kinds:
        for place in range(2 * len(cuts) + 1):
            amount = str(_amount_in_place(cuts, place).quantize(Decimal("0.01")))
            for years in ("", "0.5", "1", "3", "7"):
                for column in ("annual_value", "total_value"):
                    rows.append({"title": f"p{place}", column: amount, "years": years, **kind})
                # Both values, agreeing: total = annual × max(years, 1).
                total = Decimal(amount) * max(Decimal(years or 1), Decimal(1))
                both = {"annual_value": amount, "total_value": str(total)}
                rows.append({"title": f"p{place}", **both, "years": years, **kind})
    return rows


def test_rows_alike_but_for_where_their_amounts_fall_get_the_verdict_route_gives():
    # The batch remembers verdicts by the class of the amounts' places, so a verdict
    # worked out for one place is given for every place of its class: each must be the
    # verdict the purchase gets on its own.
    for rules in (RULES, load_rules(PACKS / "northshire.yaml")):
        fields = list(field_names())
        rows = _every_place_rows(rules)
        cells = [[row.get(f, "") for f in fields] for row in rows]
        alone = [decide(Purchase(**{k: v for k, v in row.items() if v}), rules) for row in rows]
        # As CSV cells, and as JSON Lines rows (mappings) with the blanks left out.
        mappings = [{k: v for k, v in row.items() if v} for row in rows]
        for answers in (
            route_many(cells, rules, fields=fields),
            route_many(mappings, rules),
        ):
            for row, verdict_alone, answer in zip(rows, alone, answers, strict=True):
                assert not isinstance(answer, RowError), answer.message
                assert answer.verdict == verdict_alone, row


def test_amount_classes_are_fewer_than_the_places_and_name_each_pair_of_them():
    cuts = RULES.cut_points
    classes = amount_classes(RULES)
    assert len(classes) == (2 * len(cuts) + 1) ** 2
    assert set(classes) == set(range(max(classes) + 1))
    assert max(classes) + 1 < len(classes) // 10


def test_refusing_thousands_of_distinct_broken_rows_keeps_no_memory_of_them():
    # pydantic-core keeps up to 16,384 strings it has read unless told not to: about a
    # megabyte that a long batch's error rows used to fill, growing memory with them.
    import contextlib
    import gc
    import tracemalloc

    from commission_cli.errors import InputError
    from commission_cli.loading import validate_purchase

    def refuse(start: int) -> None:
        for i in range(start, start + 3000):
            row = {"title": f"Row {i}", "annual_value": f"{i}kk", "outcomes": f"sure {i}"}
            with contextlib.suppress(InputError):
                validate_purchase(row, quick=False)

    refuse(0)  # the model is built, and whatever it keeps once is kept
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        refuse(10_000)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 20_000, grown


def test_cells_spelled_differently_that_mean_the_same_share_one_kind_of_row():
    # yes / Yes / true are one value to the model: what is remembered for the kind of
    # row (its values, what the verdict reads, its fields' JSON) is kept once for all.
    fields = ["title", "annual_value", "outcomes", "eu_exempt", "sector"]
    reader = batch_module.RowReader(RULES, fields, None)
    rows = [
        ["a", "45000", "certain", "yes", "general"],
        ["b", "45000", "certain", "Yes", "general"],
        ["c", "45000", "certain", "true", "general"],
        ["d", "45000", "certain", "no", "general"],
    ]
    for number, row in enumerate(rows, 1):
        reader.read(row, number)
    entries = list(reader.discrete_cache.values())
    assert len(entries) == 4  # one per spelling, as the cells are looked up
    assert entries[0] is entries[1] is entries[2]
    assert entries[3] is not entries[0]


def test_kinds_of_row_shared_after_the_cache_is_thinned_are_only_those_it_still_holds(
    monkeypatch,
):
    monkeypatch.setattr(batch_module, "_ENTRIES_LIMIT", 4)
    fields = ["title", "annual_value", "outcomes", "providers", "eu_exempt"]
    reader = batch_module.RowReader(RULES, fields, None)
    spellings = ["yes", "Yes", "true", "no", "No", "false"]
    for number, (providers, flag) in enumerate(
        ((p, f) for p in ("many", "few", "") for f in spellings), 1
    ):
        reader.read(["t", "45000", "certain", providers, flag], number)
        held = {id(e) for e in reader.discrete_cache.values()}
        assert len(reader.discrete_cache) <= 4
        assert {id(e) for e in reader.alike.values()} <= held


def test_json_lines_candidates_are_kept_once_however_many_lists_they_are_in():
    import io

    from commission_cli.render.rows import JsonlWriter

    writer = JsonlWriter(io.BytesIO())
    # Two answers whose candidate lists differ only in the chosen method's reason.
    a = route(Purchase(title="a", annual_value=45_000, outcomes="certain"), RULES).verdict
    b = route(Purchase(title="b", annual_value=46_000, outcomes="certain"), RULES).verdict
    c = route(Purchase(title="c", annual_value=500, outcomes="less_certain"), RULES).verdict
    pieces = {id(p) for v in (a, b, c) for p in writer.tail_of(v)}
    joined = [b"".join(writer.tail_of(v)) for v in (a, b, c)]
    assert len(pieces) < sum(len(writer.tail_of(v)) for v in (a, b, c))
    for v, line in zip((a, b, c), joined, strict=True):
        # The pieces make the decision object's keys after the purchase, to the line's end.
        assert line.endswith(b"}\n")
        whole = json.loads(b'{"purchase": {"title": "t"' + line)
        assert {k: w for k, w in whole.items() if k != "purchase"} == json.loads(
            json.dumps(v.as_dict())
        )
