"""Bounded caches: what a batch remembers must not grow with the register."""

from __future__ import annotations

from itertools import islice
from typing import Any


def make_room(cache: dict[Any, Any], limit: int) -> None:
    """Keep a cache under ``limit`` entries by forgetting its older half when it is full.

    Dicts keep insertion order, so the entries dropped are the ones made longest
    ago, and whatever a register keeps using comes straight back. Emptying the
    whole cache instead makes a register with a few more kinds of row than the
    limit miss on nearly every row.
    """
    if len(cache) >= limit:
        for key in list(islice(cache, len(cache) // 2)):
            del cache[key]
