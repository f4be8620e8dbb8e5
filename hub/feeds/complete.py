"""The ranges of the partner log's global sequence this process has seen complete.

The log has no holes that fill later, and entries are never removed (hub/feeds/log.py):
once every number in (a, b] was counted present, it stays so. A page whose numbers lie
in a range already confirmed needs no count (one store round trip per feed page less).
Plain code, no I/O: `items_after` asks `covers` and reports what it counted with `add`.

Kept per process and per store (`key`: the database a process talks to), so several
API processes each confirm for themselves; what one confirmed is true for all.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

MAX_RANGES = 1_024  # disjoint ranges kept; past it the smallest is forgotten (counted again)


@dataclass
class Ranges:
    """Disjoint half-open ranges (low, high]: every number in them exists."""

    spans: list[tuple[int, int]] = field(default_factory=list)  # sorted, disjoint, not touching

    def covers(self, low: int, high: int) -> bool:
        """Every number in (low, high] was confirmed present."""
        if high <= low:
            return True
        return any(a <= low and high <= b for a, b in self.spans)

    def add(self, low: int, high: int) -> None:
        """(low, high] was confirmed present: merged with the ranges it overlaps or touches."""
        if high <= low:
            return
        kept: list[tuple[int, int]] = []
        for a, b in self.spans:
            if b < low or high < a:
                kept.append((a, b))
            else:
                low, high = min(a, low), max(b, high)
        kept.append((low, high))
        kept.sort()
        if len(kept) > MAX_RANGES:
            kept.remove(min(kept, key=lambda s: s[1] - s[0]))
        self.spans = kept


_known: dict[Hashable, Ranges] = {}


def ranges(key: Hashable) -> Ranges:
    """The confirmed ranges of one store's log (created empty)."""
    found = _known.get(key)
    if found is None:
        found = _known[key] = Ranges()
    return found


def forget() -> None:
    """Forget every confirmed range (as after a restart)."""
    _known.clear()
