"""Writing several new documents in one round trip.

A fan-out makes a publication and a delivery job per channel; one at a time that was
fourteen inserts for a story planned for seven channels. `insert_new` sends them as one
unordered `insert_many`, in which each document is refused on its own when its `_id` is
taken (an idempotent re-run) and the others go in (tests/contract/test_writes.py).

`insert_joined` does the same for the inserts of concurrent requests (issue 15): a new
story and its first revision, a revision snapshot after each edit. An insert that
arrives while an earlier insert of its model is at the store waits for it, and then all
that waited go as one unordered `insert_many` (as reads by id are joined,
hub/store/coalesce.py). Each caller hears of its own document only: inserted, its `_id`
taken (`DuplicateKeyError`, as from `insert_one`), or the store's error about it; a
failure of the whole command (the connection) reaches every caller, whose insert then
may or may not have been stored, as with an `insert_one` that failed the same way.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from beanie import Document
from pymongo.errors import BulkWriteError, DuplicateKeyError, WriteError

from hub.group_commit import failure_seen

D = TypeVar("D", bound=Document)

#: documents per joined insert
MAX_DOCS = 256
#: joined inserts of one model at the store at once; the next group gathers meanwhile
MAX_IN_FLIGHT = 2


async def insert_new(model: type[D], docs: Sequence[D]) -> set[str]:
    """Insert `docs`, skipping those whose `_id` exists. Returns the ids that went in."""
    if not docs:
        return set()
    ids = [str(d.id) for d in docs]
    try:
        await model.insert_many(list(docs), ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors") or []
        if not errors or any(e.get("code") != 11000 for e in errors):
            raise
        taken = {ids[int(e["index"])] for e in errors}
        return {i for i in ids if i not in taken}
    return set(ids)


@dataclass
class _Group:
    """Documents of one model waiting to go together; `done` gets each id's error (or None)."""

    docs: dict[str, Document] = field(default_factory=dict)
    done: asyncio.Future[dict[str, BaseException | None]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    scheduled: bool = False


class Joiner:
    """Groups of inserts per model (see the module doc); one per event loop (`joiner()`)."""

    def __init__(self, max_docs: int = MAX_DOCS, max_in_flight: int = MAX_IN_FLIGHT) -> None:
        self.max_docs = max_docs
        self.max_in_flight = max_in_flight
        self._pending: dict[type[Document], _Group] = {}
        self._in_flight: dict[type[Document], int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.inserts = 0  # insert commands sent (for tests)

    async def insert(self, doc: Document) -> None:
        """Insert `doc` with the inserts of its model waiting now; raises `DuplicateKeyError`
        when its `_id` is taken (also by a document of the same id in the same group)."""
        model = type(doc)
        doc_id = str(doc.id)
        group = self._pending.get(model)
        if group is not None and (doc_id in group.docs or len(group.docs) >= self.max_docs):
            self._send(model, group)  # full, or it holds this id: off it goes
            group = None
        if group is None:
            group = _Group()
            group.done.add_done_callback(failure_seen)
            self._pending[model] = group
            if self._in_flight.get(model, 0) < self.max_in_flight:
                self._schedule(model, group)
        group.docs[doc_id] = doc
        outcome = (await asyncio.shield(group.done)).get(doc_id)
        if outcome is not None:
            raise outcome

    def _schedule(self, model: type[Document], group: _Group) -> None:
        # after the inserts of this turn of the loop have joined it
        group.scheduled = True
        asyncio.get_running_loop().call_soon(self._send, model, group)

    def _send(self, model: type[Document], group: _Group) -> None:
        if self._pending.get(model) is not group:
            return  # already sent (full)
        del self._pending[model]
        self._in_flight[model] = self._in_flight.get(model, 0) + 1
        self.inserts += 1
        task = asyncio.get_running_loop().create_task(self._insert(model, group))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _insert(self, model: type[Document], group: _Group) -> None:
        ids = list(group.docs)
        try:
            outcome = await _insert_each(model, list(group.docs.values()), ids)
        except asyncio.CancelledError:
            group.done.cancel()
            raise
        except BaseException as exc:  # the command failed as a whole: every caller hears
            group.done.set_exception(exc)
        else:
            group.done.set_result(outcome)
        finally:
            left = self._in_flight[model] - 1
            if left:
                self._in_flight[model] = left
            else:
                del self._in_flight[model]
            waiting = self._pending.get(model)
            if waiting is not None and not waiting.scheduled:
                self._schedule(model, waiting)


def stored(doc: Document) -> dict[str, Any]:
    """The document as Beanie's `insert` stores it, for the models inserted here (stories and
    revisions: ints, strings, lists and maps, no dates or bytes): Beanie's encoder took about
    100 µs of the hub's CPU for a new story's head and as much for its revision, pydantic's
    JSON-mode dump 6 µs, for the same document (tests/contract/test_writes.py). None of these
    models has event hooks, state management or validation on save, which `insert` would run."""
    return doc.model_dump(by_alias=True, mode="json")


async def _insert_each(
    model: type[Document], docs: list[Document], ids: list[str]
) -> dict[str, BaseException | None]:
    """One unordered insert of `docs`: each id's own error, None for those that went in."""
    outcome: dict[str, BaseException | None] = dict.fromkeys(ids)
    collection = model.get_pymongo_collection()
    try:
        if len(docs) == 1:
            await collection.insert_one(stored(docs[0]))
        else:
            await collection.insert_many([stored(d) for d in docs], ordered=False)
    except DuplicateKeyError as exc:  # insert_one
        outcome[ids[0]] = exc
    except BulkWriteError as exc:
        for error in exc.details.get("writeErrors") or []:
            doc_id = ids[int(error["index"])]
            code = error.get("code")
            message = str(error.get("errmsg", "write refused"))
            outcome[doc_id] = (
                DuplicateKeyError(message, code, error)
                if code == 11000
                else WriteError(message, code, error)
            )
        if not exc.details.get("writeErrors"):
            raise
    return outcome


_BY_LOOP: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Joiner] = weakref.WeakKeyDictionary()


def joiner() -> Joiner:
    """The running event loop's joiner of inserts."""
    loop = asyncio.get_running_loop()
    found = _BY_LOOP.get(loop)
    if found is None:
        found = _BY_LOOP[loop] = Joiner()
    return found


async def insert_joined(doc: Document) -> None:
    """Insert `doc` together with concurrent inserts of its model (see the module doc);
    `DuplicateKeyError` when its `_id` is taken."""
    await joiner().insert(doc)
