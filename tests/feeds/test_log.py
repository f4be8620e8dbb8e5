"""The partner item log and the partner signing keys, against the real store."""

from __future__ import annotations

import asyncio

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hub.clock import SteppedClock
from hub.feeds import log
from hub.feeds.content import ItemContent
from hub.feeds.log import FeedItemDoc, FeedPendingDoc, PubStatus
from hub.feeds.pull_feed import StoredFeed
from hub.ids import new_id, now_ms
from hub.jobs import queue
from hub.jobs.documents import JobDoc
from hub.settings import Settings
from hub.signing import keys
from tests.conftest import drain_hub

pytestmark = pytest.mark.usefixtures("hub_url")  # Beanie is initialised by the hub


def content(title: str = "标题") -> ItemContent:
    return ItemContent(title=title, body_html="<p>正文</p>", tags=["农业"])


async def test_put_update_withdraw_in_one_global_sequence() -> None:
    a, b = "fa-" + new_id(), "fb-" + new_id()
    first = await log.put(a, "app", "s1", content("一"))
    second = await log.put(b, "app", "s2", content("二"))
    assert first is not None and second is not None and second.seq > first.seq
    again = await log.put(a, "app", "s1", content("一"))  # same content: nothing new
    assert again is not None and again.seq == first.seq
    updated = await log.put(a, "app", "s1", content("一(更正)"))
    gone = await log.withdraw(a, "app", "s1", "撤稿")
    assert updated is not None and gone is not None and gone.pubstatus == PubStatus.CANCELED
    assert gone.content.title == "一(更正)" and gone.reason == "撤稿"
    assert (await log.withdraw(a, "app", "s1", "撤稿")).seq == gone.seq  # type: ignore[union-attr]
    rows = await log.items_after(first.seq - 1, tenants=[a, b], limit=100)
    assert [(r.tenant, r.item_id, r.pubstatus) for r in rows] == [
        (a, "s1", PubStatus.USABLE),
        (b, "s2", PubStatus.USABLE),
        (a, "s1", PubStatus.USABLE),
        (a, "s1", PubStatus.CANCELED),
    ]
    only_b = await log.items_after(first.seq - 1, tenants=[b], limit=100)
    assert [r.item_id for r in only_b] == ["s2"]
    assert await log.items_after(0, tenants=[], limit=10) == []


async def test_concurrent_appends_are_gap_free_and_readers_never_skip() -> None:
    tenant = "fc-" + new_id()
    start = await log.head_seq()
    seen: list[int] = []
    stop = asyncio.Event()

    async def writer(n: int) -> None:
        for i in range(8):
            await log.put(tenant, "app", f"w{n}-{i}", content(f"{n}-{i}"))

    async def reader() -> None:
        cursor = start
        while True:
            rows = await log.items_after(cursor, tenants=[tenant], limit=3)
            seen.extend(r.seq for r in rows)
            if rows:
                cursor = rows[-1].seq
            elif stop.is_set():
                return
            await asyncio.sleep(0)

    task = asyncio.create_task(reader())
    await asyncio.gather(*(writer(n) for n in range(5)))
    stop.set()
    await task
    mine = [d.seq for d in await FeedItemDoc.find({"tenant": tenant}).to_list()]
    assert len(mine) == 40
    assert seen == sorted(mine)  # every entry once, in order


async def test_embargo_holds_the_item_until_the_job_appends_it(
    hub_app: object, clock: SteppedClock
) -> None:
    tenant = "fe-" + new_id()
    before = await log.head_seq()
    until = now_ms() + 3_600_000
    held = await log.put(tenant, "app", "s1", content(), embargo_until=until)
    assert held is None
    assert await log.items_after(before, tenants=[tenant], limit=10) == []
    assert await FeedPendingDoc.find_one(
        {"tenant": tenant, "_id": log.pending_id(tenant, "app", "s1")}
    )
    job = await JobDoc.find_one({"tenant": tenant, "consumer": log.EMBARGO_CONSUMER})
    assert (
        job is not None and job.ready_at == until
    )  # due when the embargo ends (not "now or later": a slow machine may be past it already)
    other = await log.put(tenant, "app", "s2", content("其他"))  # appended meanwhile
    assert other is not None
    await drain_hub(hub_app)  # type: ignore[arg-type]
    assert [r.item_id for r in await log.items_after(before, tenants=[tenant], limit=10)] == [
        "s2"
    ]  # not yet
    clock.advance_to(until)

    await drain_hub(hub_app)  # type: ignore[arg-type]
    rows = await log.items_after(before, tenants=[tenant], limit=10)
    assert [r.item_id for r in rows] == ["s2", "s1"]  # numbered when the embargo lifted
    assert rows[1].seq > other.seq and rows[1].embargo_until is not None


async def test_withdrawing_an_embargoed_item_drops_it(clock: SteppedClock) -> None:
    tenant = "fw-" + new_id()
    before = await log.head_seq()
    until = now_ms() + 3_600_000
    await log.put(tenant, "app", "s1", content(), embargo_until=until)
    assert await log.withdraw(tenant, "app", "s1", "撤稿") is None
    clock.advance_to(until)
    assert await log.release_pending(tenant, log.pending_id(tenant, "app", "s1"), until) is None
    assert await log.items_after(before, tenants=[tenant], limit=10) == []
    assert await queue.enqueue(tenant, "x", "x", new_id()) is True  # the queue still works


async def test_stored_feed_keeps_the_pull_feed_contract() -> None:
    tenant = "fx-" + new_id()
    feed = StoredFeed(tenant, "xuexi", "https://example.org")
    item = {
        "id": "s1",
        "title": "学习",
        "content_html": "<p>x</p>",
        "authors": [{"name": "张三"}],
        "date_published": "2026-01-01T00:00:00+00:00",
        "_ronghub": {"source_name": "县融媒"},
    }
    url = await feed.put_item("s1", item)
    assert url.startswith("https://example.org/")
    await feed.put_item("s2", {**item, "id": "s2"})
    await feed.withdraw_item("s1", "撤稿")
    rows = await feed.since(0)
    assert [(r.item_id, r.withdrawn) for r in rows] == [("s2", False), ("s1", True)]
    assert rows[0].content.authors == ["张三"] and rows[0].content.source.source_name == "县融媒"
    assert rows[0].item["title"] == "学习"


async def test_partner_keys_rotate_with_overlap_and_publish_jwks(hub_settings: Settings) -> None:
    first = await keys.signing_keys(hub_settings)
    assert len(first) >= 1
    key = first[0]
    jwk = key.public_jwk
    assert (
        jwk["kty"] == "OKP"
        and jwk["crv"] == "Ed25519"
        and jwk["alg"] == "EdDSA"
        and jwk["use"] == "sig"
    )
    assert jwk["kid"] == key.kid == keys.thumbprint({m: jwk[m] for m in ("crv", "kty", "x")})
    # RFC 7638 §3.1 style: the thumbprint of the canonical members only
    pub = Ed25519PublicKey.from_public_bytes(
        __import__("base64").urlsafe_b64decode(jwk["x"] + "==")
    )
    pub.verify(key.sign(b"x"), b"x")

    later = await keys.rotate(hub_settings)  # activates after key_activation_seconds
    now_signing = await keys.signing_keys(hub_settings)
    assert later.kid not in [k.kid for k in now_signing]
    assert later.kid in [k["kid"] for k in (await keys.jwks(hub_settings))["keys"]]

    newest = await keys.rotate(hub_settings, immediate=True)
    signing = await keys.signing_keys(hub_settings)
    assert (
        signing[0].kid == newest.kid and len(signing) >= 2
    )  # old keys keep signing for the overlap
    published = [k["kid"] for k in (await keys.jwks(hub_settings))["keys"]]
    assert newest.kid == published[0] and key.kid in published
    stored = await keys.FeedKeyDoc.find_one({"_id": newest.kid})
    assert stored is not None and "PRIVATE" not in stored.private_enc  # encrypted at rest


async def test_jwks_endpoint(http: object, hub_url: str) -> None:
    import httpx

    assert isinstance(http, httpx.AsyncClient)
    r = await http.get(f"{hub_url}/feeds/jwks.json")
    assert r.status_code == 200 and "max-age" in r.headers["cache-control"]
    assert r.json()["keys"][0]["kty"] == "OKP"


async def test_a_reader_stops_before_a_hole_until_it_fills() -> None:
    """The guard of items_after: a number claimed but not readable yet is never passed."""
    tenant = "fh-" + new_id()
    first = await log.put(tenant, "app", "a", content("一"))
    assert first is not None
    # simulate a writer that took first.seq+1 but whose entry is not visible yet: the
    # next entry lands at first.seq+2
    late = FeedItemDoc(
        id=FeedItemDoc.make_id(first.seq + 2),
        seq=first.seq + 2,
        tenant=tenant,
        feed="app",
        item_id="c",
        story_id="c",
        content=content("三"),
    )
    await late.insert()
    rows = await log.items_after(first.seq - 1, tenants=[tenant], limit=10)
    assert [r.item_id for r in rows] == ["a"]
    middle = FeedItemDoc(
        id=FeedItemDoc.make_id(first.seq + 1),
        seq=first.seq + 1,
        tenant="fh-other-" + new_id(),
        feed="app",
        item_id="b",
        story_id="b",
        content=content("二"),
    )
    await middle.insert()
    rows = await log.items_after(first.seq - 1, tenants=[tenant], limit=10)
    assert [r.item_id for r in rows] == ["a", "c"]


async def test_delivering_the_same_revision_again_appends_nothing() -> None:
    tenant = "fr-" + new_id()
    first = await log.put(
        tenant, "app", "s", ItemContent(title="一", revision=1, content_hash="h1", updated_at=1)
    )
    again = await log.put(
        tenant, "app", "s", ItemContent(title="一", revision=1, content_hash="h1", updated_at=2)
    )
    assert first is not None and again is not None and again.seq == first.seq
    changed = await log.put(
        tenant, "app", "s", ItemContent(title="一", revision=2, content_hash="h2", updated_at=3)
    )
    assert changed is not None and changed.seq > first.seq
