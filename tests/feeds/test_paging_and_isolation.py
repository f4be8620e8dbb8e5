"""Cursor paging while items arrive, embargo, and who may read what."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from hub.clock import SteppedClock
from hub.feeds import log
from hub.feeds.content import ItemContent
from hub.ids import now_ms
from hub.settings import Settings
from hub.store.documents import TenantDoc
from tests.e2e.identity_helpers import make_tenant
from tests.feeds.helpers import client_token, gql, make_partner, publish, subscribe

UPDATE = """mutation($id: ID!, $v: Int!, $sel: FeedSelectionInput, $formats: [String!], $enabled: Boolean) {
  updateFeedSubscription(id: $id, expectedVersion: $v, selection: $sel, formats: $formats, enabled: $enabled) {
    id version enabled formats selection { tenants tags } } }"""


def content(title: str, tags: list[str] | None = None) -> ItemContent:
    return ItemContent(title=title, body_html=f"<p>{title}</p>", tags=tags or [])


async def read_all(
    http: httpx.AsyncClient, url: str, headers: dict[str, str], after: int = 0, limit: int = 3
) -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    while True:
        r = await http.get(url, params={"after": after, "limit": limit}, headers=headers)
        assert r.status_code == 200, r.text
        doc = r.json()
        items += doc["items"]
        assert int(r.headers["ronghub-cursor"]) == doc["_ronghub"]["cursor"] >= after
        after = doc["_ronghub"]["cursor"]
        if "next_url" not in doc:
            return items, after


async def test_no_item_missed_or_repeated_while_items_arrive(http: httpx.AsyncClient) -> None:
    partner = await make_partner(http)
    sub = await subscribe(http, partner)
    other = await make_tenant("noise")
    url = f"/feeds/{sub['id']}/feed.json"
    written: list[int] = []

    async def writer(n: int) -> None:
        for i in range(10):
            entry = await log.put(partner.tenant, "app", f"w{n}-{i}", content(f"{n}-{i}"))
            assert entry is not None
            written.append(entry.seq)
            await log.put(other, "app", f"x{n}-{i}", content("其他中心"))  # not selected: skipped
            await asyncio.sleep(0)

    seen: list[dict[str, Any]] = []
    cursor = 0
    done = asyncio.Event()

    async def reader() -> None:
        nonlocal cursor
        while True:
            items, cursor = await read_all(http, url, partner.headers, cursor)
            seen.extend(items)
            if done.is_set() and not items:
                return
            await asyncio.sleep(0.01)

    task = asyncio.create_task(reader())
    await asyncio.gather(*(writer(n) for n in range(4)))
    done.set()
    await task
    seqs = [i["_ronghub"]["seq"] for i in seen]
    assert seqs == sorted(written)  # each once, in order, none missed
    assert {i["_ronghub"]["tenant"] for i in seen} == {partner.tenant}


async def test_an_embargoed_item_appears_after_its_embargo_behind_the_cursor(
    http: httpx.AsyncClient, drain: Any, clock: SteppedClock
) -> None:
    partner = await make_partner(http)
    sub = await subscribe(http, partner)
    url = f"/feeds/{sub['id']}/feed.json"
    until = now_ms() + 3_600_000
    await log.put(partner.tenant, "app", "early", content("先发"))
    assert (
        await log.put(partner.tenant, "app", "held", content("禁发至稍后"), embargo_until=until)
        is None
    )
    await log.put(partner.tenant, "app", "late", content("后发"))
    items, cursor = await read_all(http, url, partner.headers)
    assert [i["title"] for i in items] == ["先发", "后发"]  # the embargoed one is not visible
    await drain()
    assert (await read_all(http, url, partner.headers, cursor))[0] == []  # not before its time
    clock.advance_to(until)
    await drain()  # the durable job lifts the embargo
    items, _ = await read_all(http, url, partner.headers, cursor)
    assert [i["title"] for i in items] == ["禁发至稍后"]  # a cursor taken before still gets it
    assert items[0]["_ronghub"]["embargo_until"]
    ninjs = (
        await http.get(
            f"/feeds/{sub['id']}/feed.ninjs.json", params={"after": cursor}, headers=partner.headers
        )
    ).json()
    assert ninjs["items"][0]["embargoed"].endswith("Z")


async def test_partners_read_only_their_own_subscriptions_and_tenants(
    http: httpx.AsyncClient, hub_settings: Settings, drain: Any
) -> None:
    a = await make_partner(http, prefix="fa")
    b = await make_partner(http, prefix="fb")
    sub_a = await subscribe(http, a, formats=["json_feed", "rss"])
    await publish(http, a, "甲中心稿件")
    await publish(http, b, "乙中心稿件")
    await drain()
    url = f"/feeds/{sub_a['id']}/feed.json"

    def code(r: httpx.Response) -> str:
        return str(r.json()["errors"][0]["extensions"]["code"])

    r = await http.get(url, headers=b.headers)  # another client: as if it did not exist
    assert r.status_code == 404 and code(r) == "FEED_SUBSCRIPTION_NOT_FOUND"
    r = await http.get(url, headers=a.admin)  # a user, even the center's admin, is not a partner
    assert r.status_code == 403 and code(r) == "FEED_PARTNER_ONLY"
    r = await http.get(url)
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    r = await http.get(url, headers={"authorization": "Bearer not.a.token"})
    assert r.status_code == 401
    r = await http.get(f"/feeds/{sub_a['id']}/atom.xml", headers=a.headers)
    assert r.status_code == 404 and code(r) == "FEED_FORMAT_NOT_SUBSCRIBED"
    for bad in ("-1", "x", "1.5", "99999999999999999999"):
        r = await http.get(url, params={"after": bad}, headers=a.headers)
        assert r.status_code == 400 and code(r) == "FEED_BAD_CURSOR", bad
    r = await http.get(url, params={"limit": "0"}, headers=a.headers)
    assert r.status_code == 400

    doc = (await http.get(url, headers=a.headers)).json()
    assert [i["title"] for i in doc["items"]] == ["甲中心稿件"]

    # a center's client cannot select another center
    body = await gql(
        http,
        a.headers,
        'mutation($t: String!) { createFeedSubscription(name: "x", selection: {tenants: [$t]}) { id } }',
        {"t": b.tenant},
    )
    assert body["errors"][0]["extensions"]["code"] == "FEED_TENANT_NOT_ALLOWED"
    body = await gql(
        http,
        a.headers,
        UPDATE,
        {"id": sub_a["id"], "v": sub_a["version"], "sel": {"tenants": [a.tenant, b.tenant]}},
    )
    assert body["errors"][0]["extensions"]["code"] == "FEED_TENANT_NOT_ALLOWED"
    # nor see or change another client's subscription
    listed = await gql(http, b.headers, "{ feedSubscriptions { id } }")
    assert sub_a["id"] not in [s["id"] for s in listed["data"]["feedSubscriptions"]]
    body = await gql(http, b.headers, UPDATE, {"id": sub_a["id"], "v": 1, "enabled": False})
    assert body["errors"][0]["extensions"]["code"] == "FEED_SUBSCRIPTION_NOT_FOUND"
    # the center's admin sees its clients' subscriptions
    listed = await gql(http, a.admin, "{ feedSubscriptions { id clientId } }")
    assert [s["id"] for s in listed["data"]["feedSubscriptions"]] == [sub_a["id"]]

    # compare-and-set; disabling answers 410 until enabled again
    body = await gql(http, a.headers, UPDATE, {"id": sub_a["id"], "v": 99, "enabled": False})
    assert body["errors"][0]["extensions"]["code"] == "FEED_SUBSCRIPTION_CHANGED"
    body = await gql(
        http,
        a.headers,
        "mutation($id: ID!, $v: Int!) { disableFeedSubscription(id: $id, expectedVersion: $v) { enabled version } }",
        {"id": sub_a["id"], "v": sub_a["version"]},
    )
    assert body["data"]["disableFeedSubscription"]["enabled"] is False
    r = await http.get(url, headers=a.headers)
    assert r.status_code == 410 and code(r) == "FEED_SUBSCRIPTION_DISABLED"
    body = await gql(
        http,
        a.headers,
        UPDATE,
        {
            "id": sub_a["id"],
            "v": sub_a["version"] + 1,
            "enabled": True,
            "sel": {"tags": ["无此标签"]},
        },
    )
    assert body["data"]["updateFeedSubscription"]["enabled"] is True
    assert (await http.get(url, headers=a.headers)).json()["items"] == []  # narrowed by tag


async def test_a_platform_client_reads_several_centers_with_one_cursor(
    http: httpx.AsyncClient, hub_settings: Settings, drain: Any
) -> None:
    a = await make_partner(http, prefix="pa")
    b = await make_partner(http, prefix="pb")
    c = await make_partner(http, prefix="pc")
    from hub.identity import directory
    from tests.e2e.identity_helpers import system

    platform = hub_settings.platform_tenant
    if await TenantDoc.find_one({"_id": platform}) is None:
        await directory.create_tenant(platform, "省级平台", actor="test")
    doc, secret = await directory.ClientRepository(system(platform)).create(
        "省平台合作方", ["stories:read"]
    )
    headers = await client_token(http, doc.id, secret)
    body = await gql(
        http,
        headers,
        """mutation($t: [String!]) { createFeedSubscription(name: "全省", selection: {tenants: $t})
                                     { id selection { tenants } } }""",
        {"t": [a.tenant, b.tenant]},
    )
    assert "errors" not in body, body
    sub = body["data"]["createFeedSubscription"]
    # drained one by one: the feed is in delivery order, and the workers may deliver
    # two approved stories in either order
    await publish(http, a, "甲稿")
    await drain()
    await publish(http, c, "丙稿")  # not selected
    await drain()
    await publish(http, b, "乙稿")
    await drain()
    items, _ = await read_all(http, f"/feeds/{sub['id']}/feed.json", headers)
    assert [(i["title"], i["_ronghub"]["tenant"]) for i in items] == [
        ("甲稿", a.tenant),
        ("乙稿", b.tenant),
    ]
    body = await gql(
        http,
        headers,
        'mutation { createFeedSubscription(name: "x", selection: {tenants: ["no-such-center"]}) { id } }',
    )
    assert body["errors"][0]["extensions"]["code"] == "FEED_TENANT_NOT_ALLOWED"


async def test_only_the_platform_admin_lists_another_centers_subscriptions(
    http: httpx.AsyncClient, hub_settings: Settings
) -> None:
    from hub.identity import directory
    from tests.e2e.identity_helpers import make_user, sign_in

    a = await make_partner(http, prefix="la")
    b = await make_partner(http, prefix="lb")
    sub = await subscribe(http, a)
    query = "query($t: String) { feedSubscriptions(tenant: $t) { id clientId } }"
    refused = await gql(http, b.admin, query, {"t": a.tenant})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    platform = hub_settings.platform_tenant
    if await TenantDoc.find_one({"_id": platform}) is None:
        await directory.create_tenant(platform, "省级平台", actor="test")
    boss = {
        "authorization": f"Bearer {(await sign_in(http, await make_user(platform, 'platform_admin')))['access_token']}"
    }
    listed = await gql(http, boss, query, {"t": a.tenant})
    assert [s["id"] for s in listed["data"]["feedSubscriptions"]] == [sub["id"]]
    own = await gql(http, a.headers, query, {"t": b.tenant})  # a client always gets its own only
    assert [s["id"] for s in own["data"]["feedSubscriptions"]] == [sub["id"]]


async def test_a_feed_item_links_the_center_s_site_page_when_the_center_has_a_pattern(
    http: httpx.AsyncClient, drain: Any
) -> None:
    partner = await make_partner(http, prefix="fu")
    sub = await subscribe(http, partner, formats=["json_feed", "ninjs"])
    pattern = "https://news.example.cn/{yyyy}/{mm}{dd}/{id}.html"
    body = await gql(
        http,
        partner.admin,
        "mutation($p: String) { setSiteUrlPattern(pattern: $p) }",
        {"p": pattern},
    )
    assert "errors" not in body, body
    story_id = await publish(http, partner, "有站点地址的稿件")
    await drain()
    url = (
        await gql(
            http, partner.admin, "query($id: ID!) { story(id: $id) { url } }", {"id": story_id}
        )
    )["data"]["story"]["url"]
    assert url and url.startswith("https://news.example.cn/") and url.endswith(f"/{story_id}.html")
    items, _ = await read_all(http, f"/feeds/{sub['id']}/feed.json", partner.headers)
    assert [i["url"] for i in items] == [url]  # the same address as Story.url
    ninjs = (await http.get(f"/feeds/{sub['id']}/feed.ninjs.json", headers=partner.headers)).json()
    assert {"role": "canonical-url", "value": url} in ninjs["items"][0]["altids"]
