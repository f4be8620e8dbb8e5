"""The partner log's entries this process remembers, by number.

An entry is never edited or removed once written (hub/feeds/log.py: a withdrawal or a
correction appends a new entry with a new number), so a remembered entry is the stored
one, in every API process and on any store. A feed page then asks the store only for
the numbers of its entries and reads by `_id` those not remembered yet: the store sends
numbers instead of whole items and the hub does not parse them again.

Bounded (least recently used first out): at ~10 KB an item, MAX_ENTRIES costs ~40 MB.
The entries handed out are shared between requests: read them, never change them.
Plain code, no I/O.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

MAX_ENTRIES = 4_096


class Entries:
    """Entries of one store's log by number, least recently used first out."""

    def __init__(self, limit: int = MAX_ENTRIES) -> None:
        self.limit = limit
        self._by_seq: OrderedDict[int, Any] = OrderedDict()

    def __contains__(self, seq: object) -> bool:
        return seq in self._by_seq

    def __len__(self) -> int:
        return len(self._by_seq)

    def get(self, seq: int) -> Any | None:
        found = self._by_seq.get(seq)
        if found is not None:
            self._by_seq.move_to_end(seq)
        return found

    def put(self, seq: int, entry: Any) -> None:
        self._by_seq[seq] = entry
        self._by_seq.move_to_end(seq)
        while len(self._by_seq) > self.limit:
            self._by_seq.popitem(last=False)


_known: dict[Hashable, Entries] = {}


def remembered(key: Hashable) -> Entries:
    """The entries remembered of one store's log (created empty)."""
    found = _known.get(key)
    if found is None:
        found = _known[key] = Entries()
    return found


def forget() -> None:
    """Forget every remembered entry (as after a restart)."""
    _known.clear()
