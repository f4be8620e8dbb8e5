"""Rendered feed pages kept per process (hub/feeds/rendered.py): a page read again is the
same body with a new signature, a changed subscription renders anew, and a page with
signed media URLs is kept only until the margin before its first URL expires."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from hub.feeds import rendered
from hub.feeds.rendered import Rendered, RenderedPages
from hub.settings import Settings
from tests.feeds.helpers import APPROVE, gql, make_partner, publish, subscribe, verify_ed25519
from tests.media.helpers import image_bytes

RENAME = """mutation($id: ID!, $v: Int!, $name: String!) {
  updateFeedSubscription(id: $id, expectedVersion: $v, name: $name) { version } }"""
WITH_COVER = (
    'mutation($t: String!, $c: ID!) { createStory(input: {title: $t, bodyText: "正文", '
    "coverAssetId: $c}) { id version } }"
)


async def test_a_page_read_again_is_the_kept_body_signed_anew_until_the_subscription_changes(
    http: httpx.AsyncClient, drain: Any, hub_settings: Settings
) -> None:
    partner = await make_partner(http)
    sub = await subscribe(http, partner)
    await publish(http, partner, "留存页面一")
    await publish(http, partner, "留存页面二")
    await drain()
    keys = (await http.get("/feeds/jwks.json")).json()
    rendered.forget()
    kept = rendered.pages(hub_settings.feed_page_cache_bytes)
    url = f"/feeds/{sub['id']}/feed.json?limit=2"

    first = await http.get(url, headers=partner.headers)
    again = await http.get(url, headers=partner.headers)
    assert first.status_code == again.status_code == 200, again.text
    assert (kept.misses, kept.hits) == (1, 1)
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    verify_ed25519(first, keys)
    verify_ed25519(again, keys)  # the kept body's digest and a signature of this response
    other = await http.get(url.replace("feed.json", "rss.xml"), headers=partner.headers)
    assert other.status_code == 200 and (kept.misses, kept.hits) == (2, 1)  # a format of its own

    renamed = await gql(
        http, partner.headers, RENAME, {"id": sub["id"], "v": sub["version"], "name": "改名订阅"}
    )
    assert "errors" not in renamed, renamed
    after = await http.get(url, headers=partner.headers)
    assert after.status_code == 200 and after.json()["title"] == "改名订阅"
    assert after.headers["etag"] != first.headers["etag"] and (kept.misses, kept.hits) == (3, 1)
    verify_ed25519(after, keys)


async def test_a_page_with_media_is_kept_until_the_margin_before_its_urls_expire(
    http: httpx.AsyncClient, drain: Any, hub_settings: Settings
) -> None:
    partner = await make_partner(http)
    sub = await subscribe(http, partner)
    up = await http.post(
        "/media/uploads",
        content=image_bytes("JPEG", (640, 480)),
        params={"filename": "cover.jpg"},
        headers=partner.admin,
    )
    assert up.status_code == 201, up.text
    story = (
        await gql(http, partner.admin, WITH_COVER, {"t": "有封面的稿件", "c": up.json()["id"]})
    )["data"]["createStory"]
    approved = await gql(http, partner.admin, APPROVE, {"id": story["id"], "v": story["version"]})
    assert "errors" not in approved, approved
    await drain()
    rendered.forget()

    r = await http.get(f"/feeds/{sub['id']}/feed.json", headers=partner.headers)
    assert r.status_code == 200, r.text
    image = r.json()["items"][0]["image"]
    expires = int(parse_qs(urlsplit(image).query)["exp"][0])
    [page] = rendered.pages(hub_settings.feed_page_cache_bytes).kept()
    assert page.body == r.content
    assert page.until == expires - hub_settings.read_cache_url_margin_seconds


def _page(size: int, until: float | None = None) -> Rendered:
    return Rendered(b"x" * size, f"sha-256=:{size}:", until)


def test_rendered_pages_are_bounded_by_their_bytes_least_recently_used_first_out() -> None:
    kept = RenderedPages(max_bytes=100)
    kept.put("a", _page(40), now=0)
    kept.put("b", _page(40), now=0)
    assert kept.get("a", now=0) == _page(40)  # now the most recently used
    kept.put("c", _page(40), now=0)  # 120 bytes: b goes
    assert kept.get("b", now=0) is None and kept.bytes == 80 and len(kept) == 2
    kept.put("c", _page(10), now=0)  # replaced, not counted twice
    assert kept.bytes == 50 and kept.get("c", now=0) == _page(10)
    kept.put("big", _page(101), now=0)  # larger than the bound: not kept, nothing dropped
    assert kept.get("big", now=0) is None and kept.bytes == 50
    assert (kept.hits, kept.misses) == (2, 2)
    assert len(RenderedPages(max_bytes=0).kept()) == 0


def test_a_rendered_page_with_signed_urls_is_not_served_from_its_deadline_on() -> None:
    kept = RenderedPages(max_bytes=1_000)
    kept.put("urls", _page(10, until=100.0), now=50.0)
    kept.put("late", _page(10, until=100.0), now=100.0)  # already too late: not kept
    assert kept.get("urls", now=99.9) == _page(10, until=100.0)
    assert kept.get("late", now=50.0) is None
    assert kept.get("urls", now=100.0) is None and kept.bytes == 0  # dropped at its deadline


def test_one_cache_of_rendered_pages_per_process_and_bound() -> None:
    rendered.forget()
    rendered.pages(1_000).put("a", _page(10), now=0)
    assert rendered.pages(1_000).get("a", now=0) is not None
    assert rendered.pages(2_000).get("a", now=0) is None  # another bound: made anew
    rendered.forget()
    assert rendered.pages(2_000).get("a", now=0) is None
