"""What the partner log remembers per process: the ranges counted complete
(hub/feeds/complete.py), the entries by number (hub/feeds/entries.py) and each tenant
set's runs of numbers (hub/feeds/runs.py). Plain code."""

from __future__ import annotations

from hub.feeds import complete, entries, runs
from hub.feeds.complete import Ranges
from hub.feeds.entries import Entries
from hub.feeds.runs import Runs


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


def test_a_run_answers_a_page_whose_numbers_it_holds_all() -> None:
    r = Runs()
    assert r.after(0, 2) is None  # nothing read yet
    r.add(10, 60, [12, 20, 33, 41, 60])  # the tenants' numbers in (10, 60]
    assert r.after(10, 2) == [12, 20] and r.after(12, 3) == [20, 33, 41]
    assert r.after(15, 1) == [20]  # any cursor inside the run, not only the one read
    assert r.after(33, 2) == [41, 60]
    assert r.after(41, 2) is None  # past 60 nothing is known: the store is asked
    assert r.after(60, 1) is None and r.after(9, 1) is None
    assert r.after(10, 0) == []


def test_a_run_that_extends_the_last_one_joins_it() -> None:
    r = Runs()
    r.add(0, 50, [5, 50])
    r.add(50, 80, [61, 80])  # the next page (its cursor was 50)
    assert [(s.low, s.high, s.numbers) for s in r.spans] == [(0, 80, [5, 50, 61, 80])]
    r.add(70, 100, [80, 99])  # overlapping: what lies in (70, 100] is the newer read's
    assert [(s.low, s.high, s.numbers) for s in r.spans] == [(0, 100, [5, 50, 61, 80, 99])]
    assert r.after(20, 3) == [50, 61, 80]


def test_runs_apart_stay_apart_until_a_read_bridges_them() -> None:
    r = Runs()
    r.add(100, 150, [120, 150])
    r.add(0, 40, [10, 40])
    assert [(s.low, s.high) for s in r.spans] == [(0, 40), (100, 150)]
    assert r.after(30, 2) is None  # 40 is known, what follows up to 100 is not
    r.add(30, 110, [40, 70, 105])  # overlaps both
    assert [(s.low, s.high, s.numbers) for s in r.spans] == [(0, 150, [10, 40, 70, 105, 120, 150])]
    assert r.after(30, 4) == [40, 70, 105, 120]
    r.add(150, 150, [])  # an empty range adds nothing
    assert len(r.spans) == 1


def test_past_the_bound_the_least_recently_used_run_goes_then_the_oldest_numbers() -> None:
    r = Runs(limit=6)
    r.add(0, 30, [10, 20, 30])
    r.add(100, 130, [110, 120, 130])
    assert r.after(0, 1) == [10]  # the first run is now the more recently used
    r.add(200, 220, [210, 220])
    assert [(s.low, s.high) for s in r.spans] == [(0, 30), (200, 220)]
    r.add(220, 260, [230, 240, 250, 260])  # one run of 6 beside one of 3: the older goes
    assert [(s.low, s.high, s.numbers) for s in r.spans] == [
        (200, 260, [210, 220, 230, 240, 250, 260])
    ]
    r.add(260, 270, [270])  # one run above the bound keeps its newest numbers, exactly
    assert [(s.low, s.high, s.numbers) for s in r.spans] == [
        (210, 270, [220, 230, 240, 250, 260, 270])
    ]
    assert r.after(209, 1) is None and r.after(210, 2) == [220, 230]


def test_each_store_and_tenant_set_has_its_own_runs() -> None:
    runs.forget()
    runs.runs(("a", "t1")).add(0, 10, [10])
    assert runs.runs(("a", "t1")).after(0, 1) == [10]
    assert runs.runs(("b", "t1")).after(0, 1) is None
    assert runs.runs(("a", "t1", "t2")).after(0, 1) is None
    runs.forget()
    assert runs.runs(("a", "t1")).after(0, 1) is None
