"""Which numbers of the partner log belong to a set of tenants, as far as this process
has read them: a feed page after a cursor without a store round trip.

A page query (hub/feeds/log.py `items_after`) returns the first numbers of the tenants'
entries after a cursor `a`, ascending; once the hole guard has confirmed every number up
to the last one returned, `b`, the tenants' numbers in (a, b] are exactly those, for
good: the log has no holes that fill later and entries are never edited or removed, so
an entry appended later gets a number above b. Such a run answers any later page whose
cursor lies in [a, b) and whose `limit` numbers all lie within b, which is every page of
the log's history; only a page that reaches past what was read (the live end) asks the
store. Overlapping or touching runs of one tenant set merge (each is exact within its
range, so their union is exact within theirs).

Kept per process and per store and tenant set (`key`), bounded: past MAX_NUMBERS a
tenant set's least recently used runs are forgotten (read from the store again), and
past MAX_KEYS the least recently used tenant set. Plain code, no I/O.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

MAX_NUMBERS = 100_000  # numbers kept per tenant set (~0.8 MB as ints in lists)
MAX_KEYS = 1_024  # tenant sets (of every store) kept


@dataclass
class Run:
    """The tenants' numbers in (low, high] are exactly `numbers` (ascending)."""

    low: int
    high: int
    numbers: list[int]
    used: int = 0


@dataclass
class Runs:
    """One tenant set's disjoint, non-touching runs, sorted by `low`."""

    limit: int = MAX_NUMBERS
    spans: list[Run] = field(default_factory=list)
    _tick: int = 0

    def after(self, cursor: int, limit: int) -> list[int] | None:
        """The first `limit` numbers above `cursor`, if a run knows them all (else None)."""
        if limit <= 0:
            return []
        at = bisect.bisect_right(self.spans, cursor, key=lambda r: r.low) - 1
        if at < 0:
            return None
        run = self.spans[at]
        if cursor >= run.high:
            return None
        start = bisect.bisect_right(run.numbers, cursor)
        if len(run.numbers) - start < limit:
            return None  # the page reaches past what was read
        self._tick += 1
        run.used = self._tick
        return run.numbers[start : start + limit]

    def add(self, low: int, high: int, numbers: Sequence[int]) -> None:
        """The tenants' numbers in (low, high] were read complete: exactly `numbers`."""
        if high <= low:
            return
        fresh = sorted(n for n in numbers if low < n <= high)
        self._tick += 1
        spans = self.spans
        first = bisect.bisect_left(spans, low, key=lambda r: r.high)  # the first touching
        last = first
        while last < len(spans) and spans[last].low <= high:
            last += 1
        if first == last:
            spans.insert(first, Run(low, high, fresh, self._tick))
        elif last - first == 1 and spans[first].low <= low and spans[first].high <= high:
            # the usual case, a read at the end of what is known: extended in place
            run = spans[first]
            del run.numbers[bisect.bisect_right(run.numbers, low) :]
            run.numbers.extend(fresh)
            run.high, run.used = high, self._tick
        else:
            a, b = spans[first], spans[last - 1]
            head = a.numbers[: bisect.bisect_right(a.numbers, low)] if a.low < low else []
            tail = b.numbers[bisect.bisect_right(b.numbers, high) :] if b.high > high else []
            spans[first:last] = [
                Run(min(low, a.low), max(high, b.high), head + fresh + tail, self._tick)
            ]
        self._bound()

    def __len__(self) -> int:
        return sum(len(r.numbers) for r in self.spans)

    def _bound(self) -> None:
        total = len(self)
        while total > self.limit:
            if len(self.spans) > 1:
                oldest = min(self.spans, key=lambda r: r.used)
                self.spans.remove(oldest)
                total -= len(oldest.numbers)
                continue
            # one run larger than the bound: its newest numbers are kept (its range then
            # starts at the last number dropped, so it stays exact)
            run = self.spans[0]
            cut = total - self.limit
            run.low = run.numbers[cut - 1]
            del run.numbers[:cut]
            total -= cut


_known: OrderedDict[Hashable, Runs] = OrderedDict()


def runs(key: Hashable) -> Runs:
    """The runs of one store's log for one tenant set (created empty)."""
    found = _known.get(key)
    if found is None:
        found = _known[key] = Runs()
        while len(_known) > MAX_KEYS:
            _known.popitem(last=False)
    else:
        _known.move_to_end(key)
    return found


def forget() -> None:
    """Forget every run (as after a restart)."""
    _known.clear()
