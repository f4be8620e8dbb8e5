"""Pull feeds over HTTP: formats, signatures, paging, 304, withdrawals, isolation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import feedparser
import httpx
import jsonschema

from tests.feeds.helpers import TAKEDOWN, gql, make_partner, publish, subscribe, verify_ed25519

SCHEMAS = Path(__file__).parent / "schemas"


def schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / name).read_text())  # type: ignore[no-any-return]


async def jwks(http: httpx.AsyncClient) -> dict[str, Any]:
    r = await http.get("/feeds/jwks.json")
    assert r.status_code == 200
    return r.json()  # type: ignore[no-any-return]


async def test_every_format_parses_validates_and_is_signed(
    http: httpx.AsyncClient, drain: Any
) -> None:
    partner = await make_partner(http)
    sub = await subscribe(http, partner)
    assert sub["selection"]["tenants"] == [partner.tenant] and sub["selection"]["channels"] == [
        "app"
    ]
    first = await publish(http, partner, "县里的春耕", ["农业"])
    second = await publish(http, partner, "县里的秋收")
    await drain()
    keys = await jwks(http)
    base = f"/feeds/{sub['id']}"

    r = await http.get(f"{base}/feed.json", headers=partner.headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/feed+json")
    params = verify_ed25519(r, keys)
    assert (
        params["alg"] == "ed25519"
        and params["tag"] == "ronghub-feed"
        and params["expires"] == params["created"] + 300
    )
    doc = r.json()
    jsonschema.validate(
        doc, schema("jsonfeed-1.1.schema.json"), format_checker=jsonschema.FormatChecker()
    )
    ids = [i["_ronghub"]["story_id"] for i in doc["items"]]
    assert ids == [first, second]
    item = doc["items"][0]
    assert (
        item["title"] == "县里的春耕"
        and item["tags"] == ["农业"]
        and item["authors"] == [{"name": "张三"}, {"name": "李四"}]
    )
    assert (
        item["_ronghub"]["pubstatus"] == "usable" and item["_ronghub"]["tenant"] == partner.tenant
    )

    r = await http.get(f"{base}/feed.ninjs.json", headers=partner.headers)
    assert r.status_code == 200, r.text
    verify_ed25519(r, keys)
    ninjs_schema = schema("ninjs-2.1.schema.json")
    for obj in r.json()["items"]:
        jsonschema.Draft202012Validator(
            ninjs_schema, format_checker=jsonschema.FormatChecker()
        ).validate(obj)
    assert [o["pubstatus"] for o in r.json()["items"]] == ["usable", "usable"]

    for path, version in (("rss.xml", "rss20"), ("atom.xml", "atom10")):
        r = await http.get(f"{base}/{path}", headers=partner.headers)
        assert r.status_code == 200, r.text
        verify_ed25519(r, keys)
        parsed = feedparser.parse(r.content)
        assert not parsed.bozo, parsed.bozo_exception
        assert parsed.version == version
        assert [e.title for e in parsed.entries] == ["县里的春耕", "县里的秋收"]
        assert parsed.entries[0].id == f"urn:ronghub:{partner.tenant}:app:{first}"


async def test_withdrawals_in_every_format(http: httpx.AsyncClient, drain: Any) -> None:
    partner = await make_partner(http)
    sub = await subscribe(http, partner)
    story = await publish(http, partner, "将被撤回的稿件")
    await drain()
    body = await gql(
        http, partner.admin, "query($id: ID!) { story(id: $id) { version } }", {"id": story}
    )
    out = await gql(
        http, partner.admin, TAKEDOWN, {"id": story, "v": body["data"]["story"]["version"]}
    )
    assert "errors" not in out, out
    await drain()
    base = f"/feeds/{sub['id']}"
    doc = (await http.get(f"{base}/feed.json", headers=partner.headers)).json()
    jsonschema.validate(doc, schema("jsonfeed-1.1.schema.json"))
    [item] = doc["items"]  # one entry per item in a page: the newest
    assert item["_ronghub"]["pubstatus"] == "canceled" and item["content_text"] == ""
    assert item["_ronghub"]["reason"]
    # a reader that had the first version sees the withdrawal after its cursor
    before = item["_ronghub"]["seq"] - 1
    doc = (await http.get(f"{base}/feed.json?after={before}", headers=partner.headers)).json()
    assert [i["_ronghub"]["pubstatus"] for i in doc["items"]] == ["canceled"]
    ninjs = (await http.get(f"{base}/feed.ninjs.json", headers=partner.headers)).json()
    assert ninjs["items"][0]["pubstatus"] == "canceled"
    rss = (await http.get(f"{base}/rss.xml", headers=partner.headers)).text
    assert "<ronghub:pubstatus>canceled</ronghub:pubstatus>" in rss
    atom = (await http.get(f"{base}/atom.xml", headers=partner.headers)).text
    assert "at:deleted-entry" in atom and f"urn:ronghub:{partner.tenant}:app:{story}" in atom


async def test_etag_gives_a_signed_304(http: httpx.AsyncClient, drain: Any) -> None:
    partner = await make_partner(http)
    sub = await subscribe(http, partner)
    await publish(http, partner, "不变的页面")
    await drain()
    url = f"/feeds/{sub['id']}/feed.json"
    r = await http.get(url, headers=partner.headers)
    tag = r.headers["etag"]
    again = await http.get(url, headers={**partner.headers, "if-none-match": tag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == tag
    verify_ed25519(again, await jwks(http))
    other = await http.get(url, headers={**partner.headers, "if-none-match": 'W/"nope"'})
    assert other.status_code == 200


async def test_a_correction_is_a_new_entry_of_the_same_item(
    http: httpx.AsyncClient, drain: Any
) -> None:
    partner = await make_partner(http)
    sub = await subscribe(http, partner)
    story = await publish(http, partner, "初版标题")
    await drain()
    url = f"/feeds/{sub['id']}/feed.json"
    first = (await http.get(url, headers=partner.headers)).json()
    cursor = first["_ronghub"]["cursor"]
    version = (
        await gql(
            http, partner.admin, "query($id: ID!) { story(id: $id) { version } }", {"id": story}
        )
    )["data"]["story"]["version"]
    edited = await gql(
        http,
        partner.admin,
        'mutation($id: ID!, $v: Int!) { updateStory(input: {id: $id, expectedVersion: $v, title: "更正后的标题"}) { version } }',
        {"id": story, "v": version},
    )
    assert "errors" not in edited, edited
    approved = await gql(
        http,
        partner.admin,
        "mutation($id: ID!, $v: Int!) { approveStory(id: $id, expectedVersion: $v) { id } }",
        {"id": story, "v": edited["data"]["updateStory"]["version"]},
    )
    assert "errors" not in approved, approved
    await drain()
    later = (await http.get(url, params={"after": cursor}, headers=partner.headers)).json()
    [item] = later["items"]
    assert item["id"] == first["items"][0]["id"] and item["title"] == "更正后的标题"
    assert item["_ronghub"]["revision"] > first["items"][0]["_ronghub"]["revision"]


async def test_a_subscription_to_the_xuexi_channel_reads_its_pull_feed(
    http: httpx.AsyncClient, drain: Any
) -> None:
    partner = await make_partner(http)
    sub = await subscribe(http, partner, selection={"channels": ["xuexi"]})
    body = "学习强国稿件正文。" * 10
    created = await gql(
        http,
        partner.admin,
        """mutation($b: String!) { createStory(input: {title: "强国号供稿", bodyText: $b,
        channels: ["app", "xuexi"], source: {sourceName: "县融媒体中心"}}) { id version } }""",
        {"b": body},
    )
    assert "errors" not in created, created
    story = created["data"]["createStory"]
    approved = await gql(
        http,
        partner.admin,
        "mutation($id: ID!, $v: Int!) { approveStory(id: $id, expectedVersion: $v) { id } }",
        {"id": story["id"], "v": story["version"]},
    )
    assert "errors" not in approved, approved
    await drain()
    doc = (await http.get(f"/feeds/{sub['id']}/feed.json", headers=partner.headers)).json()
    assert [(i["_ronghub"]["feed"], i["title"]) for i in doc["items"]] == [("xuexi", "强国号供稿")]
    assert doc["items"][0]["_ronghub"]["source"]["source_name"] == "县融媒体中心"
