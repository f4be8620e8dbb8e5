"""Story links over real HTTP: Story.url from the center's site pattern, and shareable,
expiring, revocable preview links of drafts."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from hub.app import create_app
from hub.editing import preview_links
from hub.graphql.links import preview_key
from hub.ids import new_id
from hub.settings import Settings
from tests.conftest import GraphQLClient
from tests.e2e.identity_helpers import make_tenant
from tests.e2e.test_read_cache import published
from tests.e2e.test_roles import client_for

SET = "mutation($p: String) { setSiteUrlPattern(pattern: $p) }"
URL = "query($id: ID!) { story(id: $id) { url column { slug } publishedAt } }"
CREATE = 'mutation($t: String!) { createStory(input: {title: $t, bodyText: "草稿正文<script>x</script>"}) { id version } }'
LINK = "mutation($id: ID!, $ttl: Int) { createPreviewLink(storyId: $id, ttlSeconds: $ttl) { url token expiresAt } }"
PREVIEW = "query($t: String!) { storyPreview(token: $t) { id title bodyText } }"


async def test_a_published_story_has_the_url_of_its_centers_pattern_and_a_draft_none(
    http: httpx.AsyncClient, drain: Any
) -> None:
    tenant = await make_tenant()
    admin = await client_for(http, tenant, "admin")
    assert (await admin(URL, {"id": "x"}))["story"] is None
    assert (await admin(SET, {"p": "https://news.example.cn/{yyyy}/{mm}{dd}/{id}.html"}))[
        "setSiteUrlPattern"
    ]
    story = (await admin(CREATE, {"t": "有链接"}))["createStory"]
    assert (await admin(URL, {"id": story["id"]}))["story"]["url"] is None  # not published yet
    await admin(
        "mutation($id: ID!, $v: Int!) { approveStory(id: $id, expectedVersion: $v) { id } }",
        {"id": story["id"], "v": story["version"]},
    )
    await drain()
    got = (await admin(URL, {"id": story["id"]}))["story"]
    assert got["url"].startswith("https://news.example.cn/20") and got["url"].endswith(
        f"/{story['id']}.html"
    )

    errors = await admin.errors(SET, {"p": "https://news.example.cn/{slug}.html"})
    assert errors[0]["extensions"]["code"] == "INVALID_INPUT"
    assert (await admin(SET, {"p": None}))["setSiteUrlPattern"] is None
    assert (await admin(URL, {"id": story["id"]}))["story"]["url"] is None


async def test_a_reader_gets_the_url_from_the_hubs_default_pattern(
    editor: GraphQLClient, hub_settings: Settings, drain: Any
) -> None:
    story = await published(editor, "读者看到的链接", "link-" + new_id()[-8:], drain)
    app = create_app(
        hub_settings.model_copy(update={"site_url_pattern": "https://www.example.cn/{column}/{id}"})
    )
    query = {
        "query": "query($id: ID!) { story(id: $id) { url } }",
        "variables": {"id": story["id"]},
    }
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hub"
    ) as reader:
        got = (await reader.post("/graphql", json=query)).json()
    assert got == {"data": {"story": {"url": f"https://www.example.cn/news/{story['id']}"}}}
    # a center without its own record keeps the hub's pattern: it cannot set one
    assert (await editor.errors(SET, {"p": "https://x.cn/{id}"}))[0]["extensions"][
        "code"
    ] == "NOT_FOUND"


async def test_a_preview_link_shows_the_draft_to_anyone_until_revoked(
    editor: GraphQLClient, public: GraphQLClient, http: httpx.AsyncClient
) -> None:
    draft = (await editor(CREATE, {"t": "预览中的草稿"}))["createStory"]
    link = (await editor(LINK, {"id": draft["id"], "ttl": 600}))["createPreviewLink"]
    assert (await public(PREVIEW, {"t": link["token"]}))["storyPreview"]["title"] == "预览中的草稿"
    assert (await public("query($id: ID!) { story(id: $id) { id } }", {"id": draft["id"]}))[
        "story"
    ] is None

    assert link["url"].endswith(f"/preview/{link['token']}")
    page = await http.get(f"/preview/{link['token']}")
    assert page.status_code == 200 and "预览中的草稿" in page.text
    assert (
        page.headers["cache-control"] == "private, no-store"
        and "noindex" in page.headers["x-robots-tag"]
    )
    assert "<script" not in page.text

    tampered = link["token"][:-2] + ("AA" if not link["token"].endswith("AA") else "BB")
    assert (await public.errors(PREVIEW, {"t": tampered}))[0]["extensions"][
        "code"
    ] == "PREVIEW_LINK_INVALID"

    assert (
        await editor("mutation($id: ID!) { revokePreviewLinks(storyId: $id) }", {"id": draft["id"]})
    )["revokePreviewLinks"]
    assert (await public.errors(PREVIEW, {"t": link["token"]}))[0]["extensions"][
        "code"
    ] == "PREVIEW_LINK_EXPIRED"
    assert (await http.get(f"/preview/{link['token']}")).status_code == 410
    fresh = (await editor(LINK, {"id": draft["id"]}))[
        "createPreviewLink"
    ]  # made after the revocation
    assert (await public(PREVIEW, {"t": fresh["token"]}))["storyPreview"]["id"] == draft["id"]


def test_a_preview_token_expires_and_cannot_be_forged(hub_settings: Settings) -> None:
    key = preview_key(hub_settings)
    now = time.time()
    token = preview_links.sign(
        key, preview_links.PreviewClaim("c", "s1", int(now * 1000), int(now) + 60)
    )
    assert preview_links.verify(key, token, now).story_id == "s1"
    for later, code in ((now + 60, "PREVIEW_LINK_EXPIRED"),):
        try:
            preview_links.verify(key, token, later)
        except Exception as exc:
            assert getattr(exc, "code", None) == code
        else:
            raise AssertionError("an expired token was accepted")
    other = preview_links.sign(
        b"another key", preview_links.PreviewClaim("c", "s1", 0, int(now) + 60)
    )
    try:
        preview_links.verify(key, other, now)
    except Exception as exc:
        assert getattr(exc, "code", None) == "PREVIEW_LINK_INVALID"
    else:
        raise AssertionError("a token of another key was accepted")


async def test_only_someone_who_sees_the_draft_can_make_its_preview_link(
    editor: GraphQLClient, http: httpx.AsyncClient
) -> None:
    draft = (await editor(CREATE, {"t": "别人的草稿"}))["createStory"]
    stranger = await client_for(http, await make_tenant(), "admin")
    assert (await stranger.errors(LINK, {"id": draft["id"]}))[0]["extensions"][
        "code"
    ] == "NOT_FOUND"
    errors = await editor.errors(LINK, {"id": draft["id"], "ttl": 10**9})
    assert errors[0]["extensions"]["code"] == "INVALID_INPUT"


async def test_a_preview_answer_is_never_cached_nor_cacheable(
    editor: GraphQLClient, http: httpx.AsyncClient
) -> None:
    draft = (await editor(CREATE, {"t": "不缓存的预览"}))["createStory"]
    token = (await editor(LINK, {"id": draft["id"]}))["createPreviewLink"]["token"]
    params = {"query": PREVIEW, "variables": json.dumps({"t": token})}
    first = await http.get("/graphql", params=params)
    assert first.json()["data"]["storyPreview"]["title"] == "不缓存的预览"
    assert first.headers["cache-control"] == "private, no-store"
    await editor(
        "mutation($i: UpdateStoryInput!) { updateStory(input: $i) { id } }",
        {"i": {"id": draft["id"], "expectedVersion": draft["version"], "title": "改过的预览"}},
    )
    assert (await http.get("/graphql", params=params)).json()["data"]["storyPreview"][
        "title"
    ] == "改过的预览"
