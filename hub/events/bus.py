"""The newsroom event bus: subsystems publish, GraphQL subscriptions listen.

`publish` is the one call a subsystem makes after a change has been stored (never
before: a listener must be able to read what the event announces). Events are
per tenant; a listener only ever sees its own center's.

Across processes: `publish` claims the tenant's next sequence number (an atomic
counter) and stores the event (`newsroom_events`). Each process that has listeners
runs one tail task that reads the stored events of the tenants it listens to, in
sequence order, and hands them to its listeners; a publish in the same process
wakes the tail at once, events of other processes (the worker, other API
processes) arrive within `poll_seconds`. A number claimed by a writer that has not
stored its event yet leaves a gap: the tail waits up to `GAP_GRACE_SECONDS` for it
before moving past (a writer that died). Stored events older than the retention
are deleted by the tails now and then. If the store cannot be written, the event
still reaches this process's listeners (live state is best effort; the stored
change it announces is the truth).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from collections.abc import AsyncIterator, Collection, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import structlog
from pymongo import ReturnDocument

from hub.events.documents import NewsroomEventDoc
from hub.group_commit import Turns, failure_seen
from hub.ids import now_ms
from hub.store.cursor import eq
from hub.store.documents import CounterDoc
from hub.store.tenanted import Tenanted, across_tenants

log = structlog.get_logger(__name__)

#: Topics a front-end can subscribe to.
TOPICS = ("story_lock", "assignment", "review_queue", "story", "comment", "wenzheng")

GAP_GRACE_SECONDS = 2.0
QUEUE_LIMIT = 1_000
BATCH = 500
CLEANUP_EVERY = 500


@dataclass(frozen=True)
class NewsroomEvent:
    tenant: str
    topic: str  # one of TOPICS
    kind: str  # e.g. "lock.acquired", "assignment.overdue", "review.signed"
    subject_id: str  # the story, assignment, lead ... the event is about
    actor: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    at: int = field(default_factory=now_ms)
    seq: int = 0  # the tenant's event number (0: delivered without the store)


@dataclass
class BusConfig:
    poll_seconds: float = 0.5
    retention_seconds: int = 86_400
    cleanup_seconds: float = 300.0


config = BusConfig()


def configure(poll_seconds: float, retention_seconds: int) -> None:
    """Set from the hub's settings at start-up (hub/app.py)."""
    config.poll_seconds = poll_seconds
    config.retention_seconds = retention_seconds


def counter_id(tenant: str) -> str:
    return f"{tenant}:newsroom-events"


def event_id(tenant: str, seq: int) -> str:
    return f"{tenant}:{seq:012d}"


async def publish(
    tenant: str,
    topic: str,
    kind: str,
    subject_id: str,
    actor: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> None:
    """Announce a stored change to the tenant's listeners on `topic`, in every process."""
    if topic not in TOPICS:
        raise ValueError(f"unknown topic {topic!r}")
    event = NewsroomEvent(tenant, topic, kind, subject_id, actor, dict(data or {}))
    try:
        seq = await _stored_as(event)
    except Exception:  # the change is stored; its live announcement is best effort
        log.warning("bus.store_failed", tenant=tenant, topic=topic, kind=kind, exc_info=True)
        for tail in list(_tails.values()):
            tail.deliver(event)
        return
    for tail in list(_tails.values()):
        tail.wake()
    if seq % CLEANUP_EVERY == 0:  # retention also where no process subscribes
        with contextlib.suppress(Exception):
            await cleanup(tenant=tenant)


@dataclass
class _Waiting:
    """An event waiting for its tenant's next turn; `done` gets its number (or the error)."""

    event: NewsroomEvent
    done: asyncio.Future[int]


# (database, tenant) -> its publishing, per event loop
_turns: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[tuple[str, str], Turns[_Waiting]]
] = weakref.WeakKeyDictionary()


async def _stored_as(event: NewsroomEvent) -> int:
    """Store `event` with the tenant's next number and return it.

    Group commit, as the audit log's (hub/audit/log.py): the events of one tenant that are
    published while a turn is at the store wait for the next, which claims all their
    numbers with one `$inc` and stores them with one ordered `insert_many` (two round trips
    for a turn, where each event took two). Numbers stay unique across processes (the
    counter), so other processes' events only interleave. One task takes the turns back
    to back while events keep coming, and each publisher waits for its own event only."""
    loop = asyncio.get_running_loop()
    key = (Tenanted(NewsroomEventDoc, event.tenant).database_name, event.tenant)
    mine = _Waiting(event, loop.create_future())
    mine.done.add_done_callback(failure_seen)
    turns = _turns.setdefault(loop, {}).setdefault(key, Turns[_Waiting]())
    turns.join(mine, take=partial(_store_turn, event.tenant), fail=partial(_fail, event.tenant))
    return await asyncio.shield(mine.done)


def _fail(tenant: str, batch: list[_Waiting], exc: BaseException) -> None:
    for w in batch:
        if not w.done.done():
            w.done.set_exception(RuntimeError(f"storing the events of {tenant} failed: {exc!r}"))


async def _store_turn(tenant: str, batch: list[_Waiting]) -> None:
    # the upserted counter gets its tenant by $set (Tenanted): nx-27017 ignores $setOnInsert here
    raw = await Tenanted(CounterDoc, tenant).find_one_and_update(
        {"_id": counter_id(tenant)},
        {"$inc": {"value": len(batch)}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    assert raw is not None
    first = int(raw["value"]) - len(batch) + 1
    docs = [
        {
            "_id": event_id(tenant, seq),
            "tenant": tenant,
            "seq": seq,
            "topic": w.event.topic,
            "kind": w.event.kind,
            "subject_id": w.event.subject_id,
            "actor": w.event.actor,
            "data": dict(w.event.data),
            "at": w.event.at,
        }
        for seq, w in enumerate(batch, start=first)
    ]
    coll = Tenanted(NewsroomEventDoc, tenant)
    if len(docs) == 1:
        await coll.insert_one(docs[0])
    else:
        await coll.insert_many(docs, ordered=True)
    for seq, w in enumerate(batch, start=first):
        w.done.set_result(seq)


async def head(tenant: str) -> int:
    """The tenant's last event number now (-1 if the store is away): pass it as `after`
    to `listen` to miss nothing published after this call, even before listening starts."""
    return await _Tail.head(tenant)


async def listen(
    tenant: str, topics: Collection[str], after: int | None = None
) -> AsyncIterator[NewsroomEvent]:
    """Events of `tenant` on `topics`, published after this call, until the caller stops.

    With `after` (a `seq` the caller saw last, e.g. before a reconnect), the stored events
    after it come first (those still kept: see the retention), then the live ones."""
    tail = _tail()
    listener = _Listener(tenant, frozenset(topics), asyncio.Queue(QUEUE_LIMIT))
    await tail.add(listener)
    try:
        if after is not None:
            cursor = tail.cursors.get(tenant)
            if cursor is not None and cursor.low >= 0:
                # the tail hands this listener every number above `low` not yet in `seen`
                handled = {n for n in cursor.seen if n > after}
                for event in await _stored(tenant, after, cursor.low, topics):
                    yield event
                for event in await _stored(
                    tenant, cursor.low, max(handled, default=cursor.low), topics
                ):
                    if event.seq in handled:
                        yield event
        while True:
            yield await listener.queue.get()
    finally:
        tail.remove(listener)


async def _stored(
    tenant: str, above: int, upto: int, topics: Collection[str]
) -> list[NewsroomEvent]:
    """Stored events of `tenant` with `above < seq <= upto` on `topics`, in order."""
    if upto <= above:
        return []
    q = {"tenant": eq(tenant), "seq": {"$gt": above, "$lte": upto}, "topic": {"$in": list(topics)}}
    docs = await Tenanted(NewsroomEventDoc, tenant).find(q).sort([("seq", 1)]).to_list()
    return [_event(tenant, d) for d in docs]


def _event(tenant: str, doc: Mapping[str, Any]) -> NewsroomEvent:
    return NewsroomEvent(
        tenant=tenant,
        topic=str(doc["topic"]),
        kind=str(doc["kind"]),
        subject_id=str(doc["subject_id"]),
        actor=doc.get("actor"),
        data=dict(doc.get("data") or {}),
        at=int(doc.get("at") or 0),
        seq=int(doc["seq"]),
    )


def listener_count(tenant: str) -> int:
    """How many listeners this process has for `tenant` (for tests and metrics)."""
    return sum(len(t.listeners.get(tenant, ())) for t in _tails.values())


async def cleanup(now: int | None = None, tenant: str | None = None) -> int:
    """Delete stored events older than the retention, of one tenant or all (any process
    may; idempotent). Tails clean all now and then; publishing cleans its tenant every
    `CLEANUP_EVERY` events."""
    cutoff = (now if now is not None else now_ms()) - config.retention_seconds * 1000
    q: dict[str, Any] = {"at": {"$lt": cutoff}}
    if tenant is not None:
        result = await Tenanted(NewsroomEventDoc, tenant).delete_many(q)
    else:
        result = await across_tenants(
            NewsroomEventDoc, reason="the retention sweep deletes old events of every tenant"
        ).delete_many(q)
    return int(result.deleted_count)


# ---- the per-process tail ------------------------------------------------------------


@dataclass(eq=False)
class _Listener:
    tenant: str
    topics: frozenset[str]
    queue: asyncio.Queue[NewsroomEvent]

    def offer(self, event: NewsroomEvent) -> None:
        if event.topic not in self.topics:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:  # a subscriber that does not read: drop, do not block others
            log.warning("bus.listener_full", tenant=self.tenant, kind=event.kind)


@dataclass
class _Cursor:
    low: int  # every event up to here has been handled
    seen: set[int] = field(default_factory=set)  # handled ones above `low` (behind a gap)
    gap_since: float | None = None


class _Tail:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.listeners: dict[str, set[_Listener]] = {}
        self.cursors: dict[str, _Cursor] = {}
        self.woken = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.last_cleanup = time.monotonic()

    async def add(self, listener: _Listener) -> None:
        if listener.tenant not in self.cursors:
            low = await self.head(listener.tenant)
            self.cursors.setdefault(listener.tenant, _Cursor(low))
        self.listeners.setdefault(listener.tenant, set()).add(listener)
        if self.task is None or self.task.done():
            self.task = self.loop.create_task(self.run(), name="newsroom-bus-tail")

    @staticmethod
    async def head(tenant: str) -> int:
        """The tenant's last claimed number (listening starts after it); -1 if the store is away."""
        try:
            raw = await Tenanted(CounterDoc, tenant).find_one({"_id": counter_id(tenant)})
        except Exception:
            log.warning("bus.store_unreachable", tenant=tenant, exc_info=True)
            return -1
        return int(raw["value"]) if raw else 0

    def remove(self, listener: _Listener) -> None:
        group = self.listeners.get(listener.tenant)
        if group is None:
            return
        group.discard(listener)
        if not group:
            del self.listeners[listener.tenant]
            self.cursors.pop(listener.tenant, None)
        if not self.listeners:
            self.woken.set()  # let the task see it has nothing left to do

    def wake(self) -> None:
        if self.loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            self.woken.set()
        else:
            self.loop.call_soon_threadsafe(self.woken.set)

    def deliver(self, event: NewsroomEvent) -> None:
        for listener in list(self.listeners.get(event.tenant, ())):
            listener.offer(event)

    async def run(self) -> None:
        while self.listeners:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.woken.wait(), config.poll_seconds)
            self.woken.clear()
            try:
                for tenant in list(self.cursors):
                    await self.poll(tenant)
                if time.monotonic() - self.last_cleanup > config.cleanup_seconds:
                    self.last_cleanup = time.monotonic()
                    await cleanup()
            except Exception:  # the store was away: try again on the next round
                log.warning("bus.tail_failed", exc_info=True)
                await asyncio.sleep(config.poll_seconds)

    async def poll(self, tenant: str) -> None:
        cursor = self.cursors.get(tenant)
        if cursor is None:
            return
        if cursor.low < 0:  # the store was away when listening began: start from now
            cursor.low = await self.head(tenant)
            return
        raw = (
            await Tenanted(NewsroomEventDoc, tenant)
            .find({"tenant": eq(tenant), "seq": {"$gt": cursor.low}})  # on the (tenant, seq) index
            .sort([("seq", 1)])
            .limit(BATCH)
            .to_list()
        )
        for doc in raw:
            seq = int(doc["seq"])
            if seq in cursor.seen or seq <= cursor.low:
                continue
            cursor.seen.add(seq)
            self.deliver(_event(tenant, doc))
        advance(cursor, time.monotonic())
        if len(raw) == BATCH:
            self.woken.set()  # more to read


def advance(cursor: _Cursor, now: float, grace: float | None = None) -> None:
    """Move `low` over the handled numbers; past a gap once it is older than `grace`."""
    grace = GAP_GRACE_SECONDS if grace is None else grace
    while cursor.low + 1 in cursor.seen:
        cursor.low += 1
        cursor.seen.discard(cursor.low)
    if not cursor.seen:
        cursor.gap_since = None
        return
    if cursor.gap_since is None:
        cursor.gap_since = now
    elif now - cursor.gap_since >= grace:
        cursor.low = min(cursor.seen) - 1  # the missing number's writer died: skip it
        cursor.gap_since = None
        advance(cursor, now, grace)


_tails: dict[int, _Tail] = {}


def _tail() -> _Tail:
    loop = asyncio.get_running_loop()
    for key, old in list(_tails.items()):
        if old.loop.is_closed():
            del _tails[key]
    found = _tails.get(id(loop))
    if found is None or found.loop is not loop:
        found = _tails[id(loop)] = _Tail(loop)
    return found
