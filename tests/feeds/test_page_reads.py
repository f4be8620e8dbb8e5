"""How a feed page reads the item log: just the page first, then in scan batches."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import pytest

from hub.feeds import pages


@dataclass(frozen=True)
class Entry:
    seq: int
    wanted: bool = True


class Selects:
    def selects(self, row: Any) -> bool:
        return bool(row.wanted)


def _log(entries: list[Entry], asked: list[int]) -> Any:
    async def items_after(seq: int, *, tenants: Collection[str], limit: int) -> list[Entry]:
        asked.append(limit)
        return [e for e in entries if e.seq > seq][:limit]

    return items_after


async def test_a_page_of_fifty_reads_fifty_entries_when_all_are_selected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[int] = []
    monkeypatch.setattr(pages, "items_after", _log([Entry(n) for n in range(1, 301)], asked))
    found = await pages.read(Selects(), ["t"], 10, 50)  # type: ignore[arg-type]
    assert [e.seq for e in found.items] == list(range(11, 61)) and found.cursor == 60 and found.more
    assert asked == [50]  # was one batch of SCAN_BATCH (200) entries


async def test_passed_over_entries_are_read_on_in_scan_batches_to_the_same_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[int] = []
    entries = [Entry(n, wanted=n % 3 == 0) for n in range(1, 1001)]
    monkeypatch.setattr(pages, "items_after", _log(entries, asked))
    found = await pages.read(Selects(), ["t"], 0, 50)  # type: ignore[arg-type]
    assert (
        [e.seq for e in found.items] == [n for n in range(3, 151, 3)]
        and found.cursor == 150
        and found.more
    )
    assert asked == [50, pages.SCAN_BATCH]


async def test_the_end_of_the_log_ends_the_page_without_more(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[int] = []
    monkeypatch.setattr(pages, "items_after", _log([Entry(n) for n in range(1, 31)], asked))
    found = await pages.read(Selects(), ["t"], 0, 50)  # type: ignore[arg-type]
    assert (
        [e.seq for e in found.items] == list(range(1, 31)) and found.cursor == 30 and not found.more
    )
