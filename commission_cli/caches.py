"""Bounded caches: what a batch remembers must not grow with the register."""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice
from typing import Any, TypeVar

T = TypeVar("T")


def make_room(cache: dict[Any, Any], limit: int) -> None:
    """Keep a cache under ``limit`` entries by forgetting its older half when it is full.

    Dicts keep insertion order, so the entries dropped are the ones made longest
    ago, and whatever a register keeps using comes straight back. Emptying the
    whole cache instead makes a register with a few more kinds of row than the
    limit miss on nearly every row.
    """
    if len(cache) >= limit:
        for key in list(islice(cache, max(1, len(cache) // 2))):
            del cache[key]


def make_room_for_used(
    cache: dict[Any, T], limit: int, take_used: Callable[[T], bool] | None = None
) -> None:
    """Like :func:`make_room`, for a cache whose entries say whether they were used:
    of the older half, entries used since the cache was last thinned are kept (moved
    to the young end, their flag cleared) and the rest dropped; if that would free
    less than a quarter of the cache, the oldest of the used go too.

    ``take_used(entry)`` returns the entry's flag and clears it; by default an entry
    is a list whose last item is the flag. On a register whose rows are mostly a few
    kinds with a long tail of one-offs, this keeps the kinds that recur and lets the
    one-offs go first (about a quarter fewer misses than :func:`make_room` on the
    benchmark's register).
    """
    if len(cache) < limit:
        return
    take = take_used or _take_last
    older = list(islice(cache, max(1, len(cache) // 2)))
    flags = [take(cache[key]) for key in older]
    used = [key for key, flag in zip(older, flags, strict=True) if flag]
    unused = [key for key, flag in zip(older, flags, strict=True) if not flag]
    # At least a quarter of the cache is freed, so that the next entry does not start
    # this pass again: the unused first, then as many of the oldest used as it takes.
    short = max(1, len(cache) // 4) - len(unused)
    for key in unused + used[: max(0, short)]:
        del cache[key]
    for key in used[max(0, short) :]:
        cache[key] = cache.pop(key)  # to the young end


def _take_last(entry: Any) -> bool:
    used = bool(entry[-1])
    entry[-1] = False
    return used
