"""Plain-text fields over real HTTP: script markup in a byline, tag, source field, name or
note is refused with the field named; a value stored before the rule reaches anonymous
readers, partner feeds (JSON Feed, ninjs, RSS, Atom) and channels without its markup."""

from __future__ import annotations

from typing import Any

import feedparser
import httpx
import pytest

from hub.feeds.log import FeedItemDoc
from hub.settings import Settings
from hub.store.documents import PublishedStoryDoc, RevisionDoc, StoryDoc
from tests.conftest import GraphQLClient
from tests.feeds.helpers import make_partner, publish, subscribe

XSS = "<img src=x onerror=alert(1)>"
CREATE = "mutation($i: CreateStoryInput!) { createStory(input: $i) { id version } }"


@pytest.mark.parametrize(
    ("query", "variables", "field"),
    [
        (CREATE, {"i": {"title": "标题", "byline": f"记者{XSS}"}}, "input.byline"),
        (CREATE, {"i": {"title": "标题", "tags": [XSS]}}, "input.tags.0"),
        (
            CREATE,
            {"i": {"title": "标题", "source": {"originalAuthor": XSS}}},
            "input.source.originalAuthor",
        ),
        (CREATE, {"i": {"title": "标题", "location": {"name": XSS}}}, "input.location.name"),
        (
            CREATE,
            {"i": {"title": "标题", "metadata": {"发文机关": XSS}}},
            "input.metadata.发文机关",
        ),
        (
            CREATE,
            {"i": {"title": "标题", "channelOverrides": {"wechat": {"digest": XSS}}}},
            "input.channelOverrides.wechat.digest",
        ),
        ("mutation($n: String!) { createAccount(name: $n) { id } }", {"n": f"镇{XSS}"}, "name"),
        (
            "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }",
            {"i": {"title": "线索", "description": XSS, "source": "DEPARTMENT"}},
            "input.description",
        ),
        (
            "mutation($w: [SensitiveWordInput!]!) { setSensitiveWords(words: $w) }",
            {"w": [{"text": "词", "suggestion": XSS}]},
            "words.0.suggestion",
        ),
    ],
)
async def test_script_markup_in_a_plain_text_input_is_refused_with_the_field_named(
    editor: GraphQLClient, query: str, variables: dict[str, Any], field: str
) -> None:
    errors = await editor.errors(query, variables)
    ext = errors[0]["extensions"]
    assert ext["code"] == "INVALID_INPUT" and field in ext["message_en"], ext


async def test_an_anonymous_caller_is_refused_for_who_it_is_before_what_it_sent(
    public: GraphQLClient,
) -> None:
    errors = await public.errors(CREATE, {"i": {"title": "标题", "byline": XSS}})
    assert errors[0]["extensions"]["code"] in ("UNAUTHENTICATED", "FORBIDDEN")


async def test_a_byline_stored_before_the_rule_is_served_without_its_markup(
    http: httpx.AsyncClient, drain: Any, hub_settings: Settings
) -> None:
    partner = await make_partner(
        http, tenant=hub_settings.default_tenant
    )  # anonymous readers read it
    sub = await subscribe(http, partner)
    story_id = await publish(http, partner, "县里的春耕")
    await drain()
    # as data written before the rule: a byline with script markup, a body with a control character
    legacy = {"byline": f"记者{XSS}张三", "source.source_name": "<svg onload=alert(1)>日报"}
    for model in (StoryDoc, PublishedStoryDoc):  # the newsroom head and the public read model
        await model.get_pymongo_collection().update_one({"_id": story_id}, {"$set": legacy})
    await RevisionDoc.get_pymongo_collection().update_many(
        {"story_id": story_id}, {"$set": {f"content.{k}": v for k, v in legacy.items()}}
    )
    await FeedItemDoc.get_pymongo_collection().update_many(
        {"story_id": story_id},
        {
            "$set": {
                "content.byline": f"记者{XSS}张三",
                "content.authors": [f"{XSS}张三"],
                "content.source.source_name": "<svg onload=alert(1)>日报",
                "content.body_html": "<p>正文\x0b内容</p>",
            }
        },
    )

    anonymous = await http.post(
        "/graphql",
        json={
            "query": "query($id: ID!) { story(id: $id) { byline source { sourceName } } }",
            "variables": {"id": story_id},
        },
    )
    assert anonymous.json()["data"]["story"] == {
        "byline": "记者张三",
        "source": {"sourceName": "日报"},
    }

    base = f"/feeds/{sub['id']}"
    for path in ("feed.json", "feed.ninjs.json", "rss.xml", "atom.xml"):
        r = await http.get(f"{base}/{path}", headers=partner.headers)
        assert r.status_code == 200, r.text
        assert "onerror" not in r.text and "onload" not in r.text, path
    items = (await http.get(f"{base}/feed.json", headers=partner.headers)).json()["items"]
    item = next(i for i in items if i["_ronghub"]["story_id"] == story_id)
    assert item["authors"] == [{"name": "张三"}]
    for path in ("rss.xml", "atom.xml"):
        parsed = feedparser.parse(
            (await http.get(f"{base}/{path}", headers=partner.headers)).content
        )
        assert not parsed.bozo, (path, parsed.bozo_exception)
