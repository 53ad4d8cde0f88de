"""Bounded caches: a long register must neither grow memory nor, once a cache is
full, lose what it keeps using or answer from a stale entry."""

from __future__ import annotations

import random
from decimal import Decimal

from commission_cli import Purchase, load_rules, route
from commission_cli import batch as batch_module
from commission_cli.batch import RowError, route_many
from commission_cli.caches import make_room, make_room_for_used
from commission_cli.engine import _parts, verdict
from commission_cli.purchase import field_names

RULES = load_rules()


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
