"""Comments on a story over GraphQL: anchors, threads, resolve, own edits, @mentions."""

from __future__ import annotations

import httpx

from hub.audit.log import entries
from hub.domain.permissions import Grant
from hub.editing.documents import NotificationDoc
from hub.identity.directory import UserRepository
from hub.ids import new_id
from tests.e2e.identity_helpers import make_tenant, system
from tests.editing.helpers import story, user

ADD = """mutation($i: AddCommentInput!) { addComment(input: $i) {
  id threadId parentId author text mentions unknownMentions resolved anchor { field start end quote revision } } }"""
LIST = """query($id: ID!, $all: Boolean!) { comments(storyId: $id, includeResolved: $all) {
  id text resolved deleted replies { id text parentId } } }"""
EDIT = (
    "mutation($id: ID!, $t: String!) { editComment(id: $id, text: $t) { text mentions editedAt } }"
)
DELETE = "mutation($id: ID!) { deleteComment(id: $id) { text deleted } }"
RESOLVE = "mutation($id: ID!, $r: Boolean!) { resolveComment(id: $id, resolved: $r) { id resolved resolvedBy } }"
NOTES = "{ myNotifications { id kind text storyId commentId actor read } }"


async def test_comments_threads_anchors_and_mentions(http: httpx.AsyncClient) -> None:
    tenant = await make_tenant()
    a = await user(http, tenant, "editor")
    b = await user(http, tenant, "reporter")
    c = await user(http, tenant, "reviewer:first")
    outsider = await user(http, await make_tenant(), "editor")
    sid = await story(a, body="今年秋收,岚溪镇稻谷亩产再创新高。")

    text = f"「亩产」数据请 @{b.username} 核实来源,@{outsider.username} 和 @nobody-here 也看看。"
    anchor = {"field": "body", "start": 8, "end": 10, "quote": "稻谷"}
    root = (await a.client(ADD, {"i": {"storyId": sid, "text": text, "anchor": anchor}}))[
        "addComment"
    ]
    assert root["mentions"] == [b.username]
    assert root["unknownMentions"] == [
        outsider.username,
        "nobody-here",
    ]  # other centers' users are unknown here
    assert root["threadId"] == root["id"] and root["anchor"] == {**anchor, "revision": 1}

    notes = (await b.client(NOTES))["myNotifications"]
    assert [(n["kind"], n["commentId"], n["actor"]) for n in notes] == [
        ("mention", root["id"], a.id)
    ]
    assert "核实来源" in notes[0]["text"]
    assert (await outsider.client(NOTES))["myNotifications"] == []

    reply = (
        await b.client(
            ADD,
            {"i": {"storyId": sid, "text": "已核实,数据来自县农业农村局。", "replyTo": root["id"]}},
        )
    )["addComment"]
    assert (
        reply["threadId"] == root["id"]
        and reply["parentId"] == root["id"]
        and reply["anchor"] is None
    )
    listed = (await c.client(LIST, {"id": sid, "all": True}))["comments"]
    assert [(x["id"], [r["id"] for r in x["replies"]]) for x in listed] == [
        (root["id"], [reply["id"]])
    ]

    # only the author edits or deletes; a new mention on edit notifies only the newcomer
    assert (await b.client.errors(EDIT, {"id": root["id"], "t": "改别人的"}))[0]["extensions"][
        "code"
    ] == "COMMENT_NOT_AUTHOR"
    edited = (
        await a.client(EDIT, {"id": root["id"], "t": f"@{b.username} @{c.username} 请再看一遍"})
    )["editComment"]
    assert edited["mentions"] == sorted([b.username, c.username]) and edited["editedAt"]
    assert len((await b.client(NOTES))["myNotifications"]) == 1
    assert len((await c.client(NOTES))["myNotifications"]) == 1

    resolved = (await c.client(RESOLVE, {"id": reply["id"], "r": True}))[
        "resolveComment"
    ]  # resolves the thread
    assert resolved == {"id": root["id"], "resolved": True, "resolvedBy": c.id}
    assert (await a.client(LIST, {"id": sid, "all": False}))["comments"] == []
    await a.client(RESOLVE, {"id": root["id"], "r": False})

    deleted = (await b.client(DELETE, {"id": reply["id"]}))["deleteComment"]
    assert deleted == {"text": "", "deleted": True}
    assert (await b.client.errors(EDIT, {"id": reply["id"], "t": "复活"}))[0]["extensions"][
        "code"
    ] == "COMMENT_DELETED"

    actions = [e.action for e in await entries(tenant, 100)]
    for action in (
        "story.comment.created",
        "story.comment.replied",
        "story.comment.edited",
        "story.comment.resolved",
        "story.comment.deleted",
    ):
        assert action in actions


async def test_comment_refusals_are_clear(http: httpx.AsyncClient) -> None:
    tenant = await make_tenant()
    a = await user(http, tenant, "editor")
    outsider = await user(http, await make_tenant(), "admin")
    sid = await story(a, title="标题", body="正文一段")
    cases = [
        ({"storyId": sid, "text": "  \u0000 "}, "COMMENT_EMPTY"),
        ({"storyId": sid, "text": "长" * 2001}, "COMMENT_TOO_LONG"),
        (
            {"storyId": sid, "text": "x", "anchor": {"field": "title", "start": 1, "end": 9}},
            "COMMENT_BAD_ANCHOR",
        ),
        (
            {
                "storyId": sid,
                "text": "x",
                "anchor": {"field": "title", "start": 0, "end": 1, "quote": "正"},
            },
            "COMMENT_BAD_ANCHOR",
        ),
        (
            {"storyId": sid, "text": "x", "anchor": {"field": "body", "quote": "不存在的话"}},
            "COMMENT_BAD_ANCHOR",
        ),
        ({"storyId": sid, "text": "x", "anchor": {"field": "tags"}}, "COMMENT_BAD_ANCHOR"),
    ]
    for given, code in cases:
        errors = await a.client.errors(ADD, {"i": given})
        assert errors[0]["extensions"]["code"] == code, (given, errors)
    ok = (await a.client(ADD, {"i": {"storyId": sid, "text": "<b>加粗</b> 原样保存为文本"}}))[
        "addComment"
    ]
    assert ok["text"] == "<b>加粗</b> 原样保存为文本"
    assert (await outsider.client.errors(ADD, {"i": {"storyId": sid, "text": "跨中心"}}))[0][
        "extensions"
    ]["code"] == "NOT_FOUND"
    assert (await outsider.client.errors(LIST, {"id": sid, "all": True}))[0]["extensions"][
        "code"
    ] == "NOT_FOUND"
    assert (await outsider.client.errors(RESOLVE, {"id": ok["id"], "r": True}))[0]["extensions"][
        "code"
    ] == "NOT_FOUND"


async def test_a_username_with_dots_is_mentioned_and_notified(http: httpx.AsyncClient) -> None:
    tenant = await make_tenant()
    a = await user(http, tenant, "editor")
    dotted = f"li.ming.{new_id()[-8:]}"
    mentioned = await UserRepository(system(tenant)).create(
        dotted, "李明", None, [Grant.parse("editor")]
    )
    sid = await story(a)
    made = (await a.client(ADD, {"i": {"storyId": sid, "text": f"请 @{dotted}。核对"}}))[
        "addComment"
    ]
    assert made["mentions"] == [dotted] and made["unknownMentions"] == []
    edited = (await a.client(EDIT, {"id": made["id"], "t": f"@{dotted} 再核对"}))["editComment"]
    assert edited["mentions"] == [dotted]
    notes = await NotificationDoc.find({"tenant": tenant, "user_id": mentioned.id}).to_list()
    assert [(n.kind, n.comment_id) for n in notes] == [
        ("mention", made["id"])
    ]  # an edit does not notify twice
