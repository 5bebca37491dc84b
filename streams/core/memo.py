"""A bounded memo for the small sets of values that recur event after event (dates, code spellings, regex
answers, words): a dict that computes a missing value on first use and empties itself when full.

A dict subclass because a hit is then a plain dict lookup (`memo[key]`: no Python call), which is what
makes these worth caching on the hot path; only a miss calls `compute`. An exception from `compute`
propagates and nothing is stored. Emptied rather than evicted entry by entry: in a real stream each set
is small (a few thousand dates, a few hundred code spellings), so the limit only stops hostile input from
growing one without bound, and refilling after a clear costs one miss per value.

Keys must not mix types that compare equal (1, 1.0, True): one would answer for the other. Callers key
by strings, or guard the type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Memo(dict[K, V]):
    def __init__(self, compute: Callable[[K], V], limit: int = 65536) -> None:
        super().__init__()
        self.compute = compute
        self.limit = limit

    def __missing__(self, key: K) -> V:
        value = self.compute(key)
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value
