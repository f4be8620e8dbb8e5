"""The partner item log: every item partners can read, across every tenant, in one
global sequence, so one cursor covers a subscription that spans several centers.

Each put or withdrawal of an item appends an entry (`FeedItemDoc`) whose `seq` is the
next number of the global sequence. The number is claimed by inserting the entry with
`_id = seq` (zero-padded): a writer reads the highest number, tries the next one and
moves on if another writer took it. So an entry is visible from the moment its number
exists and number n+1 can only be taken once n exists: the log has no holes that fill
later, and a reader that remembers the last number it saw misses nothing and sees
nothing twice, however many writers append meanwhile. (A counter would hand out
numbers before the entries were written, and a reader could pass a number whose entry
arrived later.) `items_after` still stops at the first hole it meets, as a guard; a
range it counted complete once is remembered (hub/feeds/complete.py) and not counted
again, since entries are never edited or removed (a withdrawal is a new entry); so are
the numbers of each tenant set's pages read (hub/feeds/runs.py): a page of the log's
history is answered without asking the store.

Embargo: an item whose embargo lies in the future is held as pending (`FeedPendingDoc`)
and a durable job (`feeds.embargo`, ready at the embargo time) appends it when it
lifts; it gets its number then, so cursors that moved on meanwhile still see it.

Items come from the channels' pull feeds (`StoredFeed`, e.g. 学习强国) and from the
app channel (`put_story`/`withdraw`, called when a story reaches or leaves the public
read model: publish, correction, takedown). Feed name = the channel's name.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from beanie.odm.enums import SortDirection
from pydantic import BaseModel, Field
from pymongo import IndexModel
from pymongo.errors import DuplicateKeyError

from hub.domain.retry import RetryPolicy
from hub.domain.story import StoryContent
from hub.feeds import complete, entries, runs
from hub.feeds.content import ItemContent, snapshot
from hub.ids import now_ms
from hub.jobs import queue
from hub.jobs.consumers import Consumer, RetryLater
from hub.jobs.documents import JobDoc
from hub.store.cursor import eq
from hub.store.documents import RevisionDoc, TenantDocument
from hub.store.tenanted import Tenanted, across_tenants, store_identity

APP_FEED = "app"
READ_AHEAD = 200  # numbers read beyond a page that needs the store (hub/feeds/runs.py)
EMBARGO_CONSUMER = "feeds.embargo"
_APPEND_ATTEMPTS = 1_000


class PubStatus(StrEnum):
    USABLE = "usable"
    CANCELED = "canceled"


class FeedItemDoc(TenantDocument):
    """One entry of the partner item log (`_id` = the zero-padded global `seq`)."""

    seq: int
    feed: str  # the channel: app, xuexi, …
    item_id: str  # the channel's id of the item (the story id for every built-in channel)
    story_id: str
    pubstatus: PubStatus = PubStatus.USABLE
    content: ItemContent
    item: dict[str, Any] = Field(
        default_factory=dict
    )  # the channel's own item (e.g. xuexi's JSON Feed item)
    reason: str | None = None  # why it was withdrawn
    embargo_until: int | None = None  # ms; the entry was appended when it lifted
    appended_at: int = Field(default_factory=now_ms)

    class Settings:
        name = "feed_items"
        indexes: ClassVar[list[Any]] = [
            IndexModel([("seq", 1)], unique=True),
            IndexModel([("tenant", 1), ("seq", 1)]),
            IndexModel([("tenant", 1), ("feed", 1), ("item_id", 1), ("seq", 1)]),
        ]

    @property
    def withdrawn(self) -> bool:
        return self.pubstatus == PubStatus.CANCELED

    @property
    def key(self) -> str:
        """The item's identity across its versions: tenant, feed and item id."""
        return f"{self.tenant}:{self.feed}:{self.item_id}"

    @staticmethod
    def make_id(seq: int) -> str:
        return f"{seq:012d}"


class FeedPendingDoc(TenantDocument):
    """An item waiting for its embargo (`_id` = `{tenant}:{feed}:{item_id}`)."""

    feed: str
    item_id: str
    story_id: str
    content: ItemContent
    item: dict[str, Any] = Field(default_factory=dict)
    embargo_until: int
    created_at: int = Field(default_factory=now_ms)

    class Settings:
        name = "feed_pending"


def pending_id(tenant: str, feed: str, item_id: str) -> str:
    return f"{tenant}:{feed}:{item_id}"


async def latest(tenant: str, feed: str, item_id: str) -> FeedItemDoc | None:
    """The newest entry of one item, if partners have seen it."""
    return await FeedItemDoc.find_one(
        {"tenant": eq(tenant), "feed": eq(feed), "item_id": eq(item_id)},
        sort=[("seq", SortDirection.DESCENDING)],
    )


async def head_seq() -> int:
    """The highest number of the global sequence (0 if the log is empty)."""
    # the one query without a tenant: the sequence is global (only the number is read)
    raw = await across_tenants(
        FeedItemDoc,
        reason="the feed's sequence number is global: its head is read over every tenant",
    ).find_one({}, sort=[("seq", -1)], projection={"seq": 1})
    return int(raw["seq"]) if raw else 0


async def _append(fields: dict[str, Any]) -> FeedItemDoc:
    for _ in range(_APPEND_ATTEMPTS):
        seq = await head_seq() + 1
        doc = FeedItemDoc(id=FeedItemDoc.make_id(seq), seq=seq, appended_at=now_ms(), **fields)
        try:
            await doc.insert()
        except DuplicateKeyError:
            continue  # another writer took this number: try the next
        return doc
    raise RuntimeError("could not claim a partner log number")


def _essence(content: ItemContent) -> dict[str, Any]:
    """What makes a new version: not the times of a re-delivery, not renditions made since."""
    data = content.model_dump(exclude={"updated_at", "published_at"})
    for m in data["media"]:
        m.pop("renditions", None)
    return data


def _same(entry: FeedItemDoc | None, content: ItemContent, item: Mapping[str, Any]) -> bool:
    return (
        entry is not None
        and entry.pubstatus == PubStatus.USABLE
        and _essence(entry.content) == _essence(content)
        and entry.item == dict(item)
    )


async def put(
    tenant: str,
    feed: str,
    item_id: str,
    content: ItemContent,
    *,
    story_id: str | None = None,
    item: Mapping[str, Any] | None = None,
    embargo_until: int | None = None,
) -> FeedItemDoc | None:
    """Add or update an item. Appends an entry now (returned), or holds it until
    `embargo_until` (None returned). Putting the same content again appends nothing."""
    item = dict(item or {})
    story_id = story_id or item_id
    pid = pending_id(tenant, feed, item_id)
    if embargo_until is not None and embargo_until > now_ms():
        pending = FeedPendingDoc(
            id=pid,
            tenant=tenant,
            feed=feed,
            item_id=item_id,
            story_id=story_id,
            content=content,
            item=item,
            embargo_until=embargo_until,
        )
        await pending.save()
        await queue.enqueue(
            tenant,
            EMBARGO_CONSUMER,
            "feeds.embargo",
            f"{pid}:{embargo_until}",
            {"pending_id": pid, "embargo_until": embargo_until},
            ready_at=embargo_until,
        )
        return None
    await Tenanted(FeedPendingDoc, tenant).delete_one({"_id": pid})
    last = await latest(tenant, feed, item_id)
    if _same(last, content, item):
        return last
    return await _append(
        {
            "tenant": tenant,
            "feed": feed,
            "item_id": item_id,
            "story_id": story_id,
            "pubstatus": PubStatus.USABLE,
            "content": content,
            "item": item,
            "embargo_until": embargo_until,
        }
    )


async def withdraw(tenant: str, feed: str, item_id: str, reason: str) -> FeedItemDoc | None:
    """Withdraw an item: a `canceled` entry (with the last content) if partners saw it;
    a pending (embargoed) version is dropped. Withdrawing twice appends once."""
    await Tenanted(FeedPendingDoc, tenant).delete_one({"_id": pending_id(tenant, feed, item_id)})
    last = await latest(tenant, feed, item_id)
    if last is None or last.pubstatus == PubStatus.CANCELED:
        return last
    return await _append(
        {
            "tenant": tenant,
            "feed": feed,
            "item_id": item_id,
            "story_id": last.story_id,
            "pubstatus": PubStatus.CANCELED,
            "content": last.content,
            "item": last.item,
            "reason": reason,
        }
    )


async def items_after(seq: int, *, tenants: Collection[str], limit: int) -> list[FeedItemDoc]:
    """Entries numbered above `seq` of the given tenants, ascending, at most `limit`.

    One indexed query on (tenant, seq) for the numbers only; the entries this process
    does not remember yet are read by `_id` (entries never change once written, so a
    remembered one is the stored one: hub/feeds/entries.py). Then a guard: the numbers
    between `seq` and the last one returned must all exist (counted across tenants, once
    per range: hub/feeds/complete.py), otherwise the page stops before the first hole (a
    number claimed but not readable yet), so a cursor never passes an entry it has not seen.
    What was read so, with the numbers of the next page (read ahead), is remembered as a
    run of the tenants' numbers (hub/feeds/runs.py): a later page within it needs no query
    at all, only the page at the live end does.
    """
    wanted = sorted(set(tenants))
    if not wanted or limit <= 0:
        return []
    # one tenant (every center's own partner): an `$eq` the embedded store reads from the
    # (tenant, seq) index (hub/store/cursor.py); several: `$in`
    tenant = {"$eq": wanted[0]} if len(wanted) == 1 else {"$in": wanted}
    store = _store_key()
    known_runs = runs.runs((store, *wanted))
    numbers = known_runs.after(seq, limit)
    if numbers is not None:  # a page of the log's history, read before: no store query
        return await _entries(store, tenant, numbers)
    # the numbers of the next page too (at most READ_AHEAD more): a reader going on from
    # this page's end finds it in the run (50 numbers cost the embedded store 2.3 ms of
    # CPU, 100 cost 3.8: the second page's query and round trip are saved)
    numbers = [
        n.seq
        for n in await FeedItemDoc.find(
            {"tenant": tenant, "seq": {"$gt": seq}}, projection_model=_Number
        )
        .sort([("seq", SortDirection.ASCENDING)])
        .limit(limit + min(limit, READ_AHEAD))
        .to_list()
    ]
    if not numbers:
        return []
    last = numbers[-1]
    confirmed = complete.ranges(store)
    if not confirmed.covers(seq, last):  # counted complete before (by this process): no count
        if await _present(seq, last) == last - seq:
            confirmed.add(seq, last)
        else:
            hole = await _first_hole(seq, last)
            numbers = [n for n in numbers if n < hole]
            if not numbers:
                return []
            last = numbers[-1]
    # every number up to `last` exists: the tenants' numbers in (seq, last] are these
    known_runs.add(seq, last, numbers)
    return await _entries(store, tenant, numbers[:limit])


async def _entries(
    store: tuple[int, str], tenant: dict[str, Any], numbers: list[int]
) -> list[FeedItemDoc]:
    """The entries of `numbers` (ascending), remembered or read by `_id`; the list stops
    before a number whose entry was not found."""
    known = entries.remembered(store)
    found = {n: e for n in numbers if (e := known.get(n)) is not None}
    missing = [FeedItemDoc.make_id(n) for n in numbers if n not in found]
    if missing:
        for doc in await FeedItemDoc.find({"tenant": tenant, "_id": {"$in": missing}}).to_list():
            found[doc.seq] = doc
            known.put(doc.seq, doc)
    rows: list[FeedItemDoc] = []
    for n in numbers:  # (an entry is never removed: if one were, the page stops before it)
        if n not in found:
            break
        rows.append(found[n])
    return rows


class _Number(BaseModel):
    """An entry's number only (what the page query asks the store for)."""

    seq: int


def _store_key() -> tuple[int, str]:
    """Which store's log (a process may be pointed at another database, e.g. in tests)."""
    return store_identity(FeedItemDoc)


async def _present(after: int, upto: int) -> int:
    """How many numbers in (after, upto] exist (every tenant)."""
    pipeline: list[dict[str, Any]] = [
        {"$match": {"seq": {"$gt": after, "$lte": upto}}},
        {"$count": "n"},
    ]
    found = await across_tenants(
        FeedItemDoc,
        reason="the feed's sequence number is global: holes are counted over every tenant",
    ).aggregate(pipeline)
    rows = await found.to_list()
    return int(rows[0]["n"]) if rows else 0


async def _first_hole(after: int, upto: int) -> int:
    expected = after + 1
    cursor = across_tenants(
        FeedItemDoc,
        reason="the feed's sequence number is global: holes are found over every tenant",
    ).find({"seq": {"$gt": after, "$lte": upto}}, projection={"seq": 1}, sort=[("seq", 1)])
    async for raw in cursor:
        if int(raw["seq"]) != expected:
            return expected
        expected += 1
    return expected


# -- the app channel: stories as they reach or leave the public read model -----------------


def parse_time_ms(value: Any) -> int | None:
    """An embargo time as stored: ms since epoch (int) or ISO 8601 text."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    try:
        return int(datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return None


async def embargo_of(
    tenant: str, story_id: str, revision: int, metadata: Mapping[str, Any] | None = None
) -> int | None:
    """The embargo of a story's revision: `embargo_until` from its approval/publication
    data (set by the review workflow) or from the content's metadata."""
    from hub.distribution.documents import PublicationDoc

    found: list[int] = []
    for pub in await PublicationDoc.find(
        {"tenant": eq(tenant), "story_id": eq(story_id), "revision": eq(revision)}
    ).to_list():
        for source in (pub.approval, pub.variant, pub.delivery):
            value = parse_time_ms((source or {}).get("embargo_until"))
            if value is not None:
                found.append(value)
    value = parse_time_ms((metadata or {}).get("embargo_until"))
    if value is not None:
        found.append(value)
    return max(found) if found else None


async def put_story(
    tenant: str,
    feed: str,
    story_id: str,
    content: StoryContent,
    *,
    revision: int,
    content_hash: str,
    published_at: int | None,
    updated_at: int | None,
    canonical_url: str | None,
    item: Mapping[str, Any] | None = None,
) -> FeedItemDoc | None:
    """Put a story's revision into the log (embargo read from its approval data)."""
    snap = await snapshot(
        tenant,
        content,
        revision=revision,
        content_hash=content_hash,
        published_at=published_at,
        updated_at=updated_at,
        canonical_url=canonical_url,
    )
    embargo = await embargo_of(tenant, story_id, revision, content.metadata)
    return await put(
        tenant, feed, story_id, snap, story_id=story_id, item=item, embargo_until=embargo
    )


async def revision_content(tenant: str, revision_id: str) -> RevisionDoc | None:
    return await RevisionDoc.find_one({"tenant": tenant, "_id": revision_id})


# -- the embargo job -------------------------------------------------------------------------


async def move_embargo(tenant: str, story_id: str, until: int | None) -> int:
    """The story's held items now wait for `until` (None or past: released at once by
    their job); the job due at the old time finds the change and does nothing. Returns
    how many held items moved."""
    moved = 0
    for pending in await FeedPendingDoc.find({"tenant": tenant, "story_id": story_id}).to_list():
        due = until if until is not None else now_ms()
        await Tenanted(FeedPendingDoc, tenant).update_one(
            {"_id": pending.id}, {"$set": {"embargo_until": due}}
        )
        await queue.enqueue(
            tenant,
            EMBARGO_CONSUMER,
            "feeds.embargo",
            f"{pending.id}:{due}",
            {"pending_id": pending.id, "embargo_until": due},
            ready_at=due,
        )
        moved += 1
    return moved


async def release_pending(tenant: str, pid: str, embargo_until: int) -> FeedItemDoc | None:
    """Append a pending item whose embargo has lifted (no-op if it changed meanwhile)."""
    pending = await FeedPendingDoc.find_one({"tenant": tenant, "_id": pid})
    if pending is None or pending.embargo_until != embargo_until:
        return None  # withdrawn, released already, or re-embargoed (its own job handles it)
    wait_ms = pending.embargo_until - now_ms()
    if wait_ms > 0:
        raise RetryLater("embargo not lifted yet", after_seconds=wait_ms / 1000)
    last = await latest(tenant, pending.feed, pending.item_id)
    entry = last
    if not _same(last, pending.content, pending.item):
        entry = await _append(
            {
                "tenant": tenant,
                "feed": pending.feed,
                "item_id": pending.item_id,
                "story_id": pending.story_id,
                "pubstatus": PubStatus.USABLE,
                "content": pending.content,
                "item": pending.item,
                "embargo_until": pending.embargo_until,
            }
        )
    await Tenanted(FeedPendingDoc, tenant).delete_one({"_id": pid, "embargo_until": embargo_until})
    return entry


def embargo_consumer() -> Consumer:
    """The durable job that appends an embargoed item when its embargo lifts."""

    async def handle(job: JobDoc) -> dict[str, object]:
        entry = await release_pending(
            job.tenant, str(job.payload["pending_id"]), int(job.payload["embargo_until"])
        )
        return {"seq": entry.seq if entry else None}

    return Consumer(
        EMBARGO_CONSUMER, (), handle, RetryPolicy(max_attempts=50, base_seconds=1, cap_seconds=60)
    )
