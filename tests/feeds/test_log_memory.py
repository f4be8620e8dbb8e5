"""What the partner log remembers per process: the ranges counted complete
(hub/feeds/complete.py) and the entries by number (hub/feeds/entries.py). Plain code."""

from __future__ import annotations

from hub.feeds import complete, entries
from hub.feeds.complete import Ranges
from hub.feeds.entries import Entries


def test_a_counted_range_covers_what_lies_inside_it_only() -> None:
    r = Ranges()
    assert not r.covers(0, 1)
    r.add(10, 60)
    assert r.covers(10, 60) and r.covers(20, 30) and r.covers(59, 60)
    assert not r.covers(9, 60) and not r.covers(10, 61)
    assert r.covers(70, 70)  # an empty range needs nothing counted


def test_touching_and_overlapping_ranges_merge() -> None:
    r = Ranges()
    r.add(10, 60)
    r.add(100, 150)
    assert r.spans == [(10, 60), (100, 150)] and not r.covers(50, 110)
    r.add(60, 100)  # touches both: one range
    assert r.spans == [(10, 150)] and r.covers(50, 110)
    r.add(0, 20)
    assert r.spans == [(0, 150)]


def test_past_the_limit_the_smallest_range_is_forgotten() -> None:
    r = Ranges()
    for n in range(complete.MAX_RANGES):
        r.add(n * 10, n * 10 + 5)
    r.add(100_000, 100_001)
    assert len(r.spans) == complete.MAX_RANGES
    assert not r.covers(100_000, 100_001) and r.covers(0, 5)


def test_each_store_has_its_own_ranges() -> None:
    complete.forget()
    complete.ranges("a").add(0, 10)
    assert complete.ranges("a").covers(0, 10) and not complete.ranges("b").covers(0, 10)
    complete.forget()
    assert not complete.ranges("a").covers(0, 10)


def test_remembered_entries_are_bounded_least_recently_used_first_out() -> None:
    kept = Entries(limit=3)
    for n in (1, 2, 3):
        kept.put(n, f"entry {n}")
    assert kept.get(1) == "entry 1"  # now the most recently used
    kept.put(4, "entry 4")
    assert 2 not in kept and [n for n in (1, 3, 4) if n in kept] == [1, 3, 4] and len(kept) == 3
    assert kept.get(2) is None


def test_each_store_remembers_its_own_entries() -> None:
    entries.forget()
    entries.remembered("a").put(1, "entry")
    assert 1 in entries.remembered("a") and 1 not in entries.remembered("b")
    entries.forget()
    assert 1 not in entries.remembered("a")
