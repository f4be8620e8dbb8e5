"""`ronghub feeds rotate-key`, and the pure rules of feeds (selection, validators)."""

from __future__ import annotations

import asyncio
import re

import httpx

from hub.feeds import pages
from hub.feeds.content import ItemContent
from hub.feeds.log import FeedItemDoc, PubStatus
from hub.feeds.subscriptions import Selection
from tests.e2e.cli_helpers import ronghub


async def _published(http: httpx.AsyncClient, kid: str) -> dict[str, object]:
    for _ in range(50):  # the hub re-reads keys every key_refresh_seconds
        keys = (await http.get("/feeds/jwks.json")).json()["keys"]
        found = [k for k in keys if k["kid"] == kid]
        if found:
            return dict(found[0])
        await asyncio.sleep(0.1)
    raise AssertionError("the rotated key was not published")


async def test_rotate_key_from_the_shell_is_published(
    store_uri: str, db_name: str, http: httpx.AsyncClient
) -> None:
    code, out = await ronghub(store_uri, db_name, "feeds", "rotate-key", "--now")
    assert code == 0, out
    kid = re.search(r"partner signing key (\S+) \(ed25519\),", out)
    assert kid is not None, out
    assert (await _published(http, kid.group(1)))["kty"] == "OKP"

    code, out = await ronghub(store_uri, db_name, "feeds", "rotate-key", "--now", "--alg", "sm2")
    assert code == 0, out
    kid = re.search(r"partner signing key (\S+) \(sm2-sm3\),", out)
    assert kid is not None, out
    assert (await _published(http, kid.group(1)))["crv"] == "SM2"


def entry(tenant: str = "t1", feed: str = "app", **content: object) -> FeedItemDoc:
    return FeedItemDoc(
        id="000000000001",
        tenant=tenant,
        seq=1,
        feed=feed,
        item_id="s",
        story_id="s",
        pubstatus=PubStatus.USABLE,
        content=ItemContent(title="x", **content),
    )  # type: ignore[arg-type]


def test_selection_rules() -> None:
    sel = Selection(tenants=("t1", "t2"))
    assert sel.selects(entry()) and not sel.selects(entry(tenant="t3"))
    assert not sel.selects(entry(feed="xuexi"))  # channels default to the app
    assert Selection(tenants=("t1",), channels=()).selects(entry(feed="xuexi"))
    by_column = Selection(tenants=("t1",), columns=("news",))
    assert by_column.selects(entry(column_slug="news")) and by_column.selects(
        entry(column_id="news")
    )
    assert not by_column.selects(entry(column_id="c2", column_slug="sports"))
    tags = Selection(tenants=("t1",), tags=("农业", "天气"))
    assert tags.selects(entry(tags=["天气"])) and not tags.selects(entry(tags=["体育"]))
    types = Selection(tenants=("t1",), types=("video",))
    assert types.selects(entry(type="video")) and not types.selects(entry(type="article"))
    assert Selection(tenants=()).problems(None)
    assert "unknown story types" in " ".join(
        en for _, en in Selection(tenants=("t1",), types=("podcast",)).problems(None)
    )
    assert Selection(tenants=("t1",), tags=(" ",)).problems(None)


def test_etag_validators() -> None:
    found = pages.Read([entry()], 5, False)
    tag = pages.etag("s", 1, "rss", 0, 50, found)
    assert tag.startswith('W/"')
    assert (
        tag != pages.etag("s", 2, "rss", 0, 50, found) != pages.etag("s", 1, "atom", 0, 50, found)
    )
    assert pages.matches(tag, tag) and pages.matches(tag.removeprefix("W/"), tag)
    assert pages.matches(f'"x", {tag}', tag) and pages.matches("*", tag)
    assert not pages.matches(None, tag) and not pages.matches('"other"', tag)
