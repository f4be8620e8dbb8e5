"""Changes to an open topic over GraphQL: accepted leads linked and unlinked (both sides
in step), edits of title, summary, planned channels and column with compare-and-set on
`version`, who may make them, and every refusal with its code and Chinese text."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from hub.audit.log import entries
from tests.e2e.identity_helpers import make_tenant
from tests.planning.flow import errors, gql, person

TOPIC = "id status title summary channels columnId leadIds version"
LINK = f"mutation($t: ID!, $l: [ID!]!, $v: Int) {{ linkLeadsToTopic(topicId: $t, leadIds: $l, expectedVersion: $v) {{ {TOPIC} }} }}"
UNLINK = f"mutation($t: ID!, $l: ID!, $v: Int) {{ unlinkLeadFromTopic(topicId: $t, leadId: $l, expectedVersion: $v) {{ {TOPIC} }} }}"
UPDATE = f"mutation($id: ID!, $i: UpdateTopicInput!, $v: Int!) {{ updateTopic(id: $id, input: $i, expectedVersion: $v) {{ {TOPIC} }} }}"
LEAD = "query($id: ID!) { lead(id: $id) { id status topicIds topics { id } } }"
GET_TOPIC = f"query($id: ID!) {{ topic(id: $id) {{ {TOPIC} leads {{ id topicIds }} }} }}"


async def new_lead(http: httpx.AsyncClient, who: dict[str, str], title: str) -> str:
    q = "mutation($t: String!) { createLead(input: {title: $t, source: CITIZEN}) { id } }"
    return str((await gql(http, who, q, {"t": title}))["createLead"]["id"])


async def accepted_lead(http: httpx.AsyncClient, editor: dict[str, str], title: str) -> str:
    lead = await new_lead(http, editor, title)
    await gql(http, editor, "mutation($id: ID!) { acceptLead(id: $id) { id } }", {"id": lead})
    return lead


async def propose(http: httpx.AsyncClient, who: dict[str, str], **fields: Any) -> dict[str, Any]:
    q = f"mutation($i: ProposeTopicInput!) {{ proposeTopic(input: $i) {{ {TOPIC} }} }}"
    return dict((await gql(http, who, q, {"i": {"title": "选题", **fields}}))["proposeTopic"])


async def topic_of_leads(
    http: httpx.AsyncClient, who: dict[str, str], topic_id: str
) -> dict[str, Any]:
    return dict((await gql(http, who, GET_TOPIC, {"id": topic_id}))["topic"])


async def test_accepted_leads_join_an_open_topic_and_leave_it_with_both_sides_in_step(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant("plan")
    editor, editor_id = await person(http, tenant, "editor")
    alice, alice_id = await person(http, tenant, "reporter")
    a, b = (
        await accepted_lead(http, editor, "河堤渗水"),
        await accepted_lead(http, editor, "村民报料:河堤"),
    )
    c = await new_lead(http, alice, "水位上涨")
    topic = await propose(http, alice, leadIds=[a])
    assert topic["leadIds"] == [a] and topic["version"] == 1

    # the proposer adds leads to their proposal; repeats and already-linked ones collapse
    linked = (await gql(http, alice, LINK, {"t": topic["id"], "l": [b, a, b], "v": 1}))[
        "linkLeadsToTopic"
    ]
    assert linked["leadIds"] == [a, b] and linked["version"] == 2
    assert (await gql(http, alice, LEAD, {"id": b}))["lead"] == {
        "id": b,
        "status": "ACCEPTED",
        "topicIds": [topic["id"]],
        "topics": [{"id": topic["id"]}],
    }
    again = (await gql(http, alice, LINK, {"t": topic["id"], "l": [a, b]}))["linkLeadsToTopic"]
    assert again == linked  # idempotent: no new version

    await gql(
        http, editor, "mutation($id: ID!) { approveTopic(id: $id) { id } }", {"id": topic["id"]}
    )
    waiting = await errors(http, editor, LINK, {"t": topic["id"], "l": [c]})
    assert waiting["code"] == "LEAD_NOT_ACCEPTED" and "待处理" in waiting["message_zh"]
    assert "请先采纳该线索" in waiting["message_zh"]
    await gql(http, editor, "mutation($id: ID!) { acceptLead(id: $id) { id } }", {"id": c})
    stale = await errors(http, editor, LINK, {"t": topic["id"], "l": [c], "v": 2})
    assert stale["code"] == "PLANNING_CONFLICT" and "选题刚刚被他人修改" in stale["message_zh"]
    linked = (await gql(http, editor, LINK, {"t": topic["id"], "l": [c], "v": 3}))[
        "linkLeadsToTopic"
    ]
    assert (
        linked["leadIds"] == [a, b, c] and linked["status"] == "APPROVED" and linked["version"] == 4
    )

    # an editor takes one out of the approved topic; the lead forgets the topic too
    unlinked = (await gql(http, editor, UNLINK, {"t": topic["id"], "l": b, "v": 4}))[
        "unlinkLeadFromTopic"
    ]
    assert unlinked["leadIds"] == [a, c] and unlinked["version"] == 5
    assert (await gql(http, editor, LEAD, {"id": b}))["lead"]["topicIds"] == []
    assert (await gql(http, editor, UNLINK, {"t": topic["id"], "l": b}))[
        "unlinkLeadFromTopic"
    ] == unlinked
    seen = await topic_of_leads(http, editor, topic["id"])
    assert [(lead["id"], lead["topicIds"]) for lead in seen["leads"]] == [
        (a, [topic["id"]]),
        (c, [topic["id"]]),
    ]

    log = [
        (e.action, e.actor, e.details)
        for e in await entries(tenant, 100)
        if e.action.startswith("topic.")
    ]
    linked_log = [
        (actor, d["lead_ids"]) for action, actor, d in log if action == "topic.leads_linked"
    ]
    assert sorted(linked_log) == sorted(
        [(alice_id, [b]), (editor_id, [c])]
    )  # repeats wrote nothing
    unlinked_log = [
        (actor, d["lead_id"], d["linked"])
        for action, actor, d in log
        if action == "topic.lead_unlinked"
    ]
    assert unlinked_log == [(editor_id, b, [a, c])]


async def test_links_are_refused_for_leads_not_accepted_other_centers_closed_topics_and_strangers(
    http: httpx.AsyncClient,
) -> None:
    home, away = await make_tenant("plan"), await make_tenant("plan")
    editor, _ = await person(http, home, "editor")
    alice, _ = await person(http, home, "reporter")
    bob, _ = await person(http, home, "reporter")
    correspondent, _ = await person(http, home, "correspondent")
    outsider, _ = await person(http, away, "admin")
    keep = await accepted_lead(http, editor, "保留线索")
    topic = await propose(http, alice, leadIds=[keep])

    rejected = await new_lead(http, alice, "重复报料")
    await gql(
        http,
        editor,
        'mutation($id: ID!) { rejectLead(id: $id, reason: "重复") { id } }',
        {"id": rejected},
    )
    refused = await errors(http, alice, LINK, {"t": topic["id"], "l": [rejected]})
    assert refused["code"] == "LEAD_NOT_ACCEPTED" and "未采用" in refused["message_zh"]
    assert "另选已采纳的线索" in refused["message_zh"]

    merged = await new_lead(http, alice, "同一件事")
    await gql(
        http,
        editor,
        "mutation($a: ID!, $b: ID!) { mergeLead(id: $a, intoId: $b) { id } }",
        {"a": merged, "b": keep},
    )
    into = await errors(http, alice, LINK, {"t": topic["id"], "l": [merged]})
    assert into["code"] == "LEAD_NOT_ACCEPTED" and f"已合并到线索 {keep}" in into["message_zh"]

    # another center's accepted lead is as unknown as a made-up id, and stays untouched
    theirs = await accepted_lead(http, outsider, "外中心线索")
    for lead in (theirs, "no-such-lead"):
        missing = await errors(http, editor, LINK, {"t": topic["id"], "l": [keep, lead]})
        assert missing["code"] == "NOT_FOUND" and f"找不到线索({lead})" in missing["message_zh"]
        gone = await errors(http, editor, UNLINK, {"t": topic["id"], "l": lead})
        assert gone["code"] == "NOT_FOUND" and "找不到线索" in gone["message_zh"]
    assert (await gql(http, outsider, LEAD, {"id": theirs}))["lead"]["topicIds"] == []
    # … and this center's topic is unknown over there
    for q, v in (
        (LINK, {"t": topic["id"], "l": [theirs]}),
        (UNLINK, {"t": topic["id"], "l": keep}),
        (UPDATE, {"id": topic["id"], "i": {"title": "改"}, "v": 1}),
    ):
        elsewhere = await errors(http, outsider, q, v)
        assert elsewhere["code"] == "NOT_FOUND" and "找不到选题" in elsewhere["message_zh"]

    empty = await errors(http, alice, LINK, {"t": topic["id"], "l": []})
    assert empty["code"] == "INVALID_INPUT" and "至少选择一条线索" in empty["message_zh"]
    stranger = await errors(http, bob, LINK, {"t": topic["id"], "l": [keep]})
    assert stranger["code"] == "TOPIC_EDIT_FORBIDDEN" and "提出人" in stranger["message_zh"]
    not_staff = await errors(http, correspondent, UNLINK, {"t": topic["id"], "l": keep})
    assert not_staff["code"] == "FORBIDDEN" and "topic.propose" in not_staff["message_en"]

    await gql(
        http, editor, "mutation($id: ID!) { approveTopic(id: $id) { id } }", {"id": topic["id"]}
    )
    approved = await errors(http, alice, UNLINK, {"t": topic["id"], "l": keep})
    assert approved["code"] == "TOPIC_EDIT_FORBIDDEN" and "已通过" in approved["message_zh"]
    await gql(
        http,
        editor,
        'mutation($id: ID!) { cancelTopic(id: $id, reason: "活动取消") { id } }',
        {"id": topic["id"]},
    )
    for q, v in ((LINK, {"t": topic["id"], "l": [keep]}), (UNLINK, {"t": topic["id"], "l": keep})):
        closed = await errors(http, editor, q, v)
        assert closed["code"] == "PLANNING_WRONG_STATE" and "已撤销" in closed["message_zh"]
        assert "无(已结束)" in closed["message_zh"]
    # nothing of the refused calls was written, on either side
    seen = await topic_of_leads(http, editor, topic["id"])
    assert seen["leadIds"] == [keep] and [lead["topicIds"] for lead in seen["leads"]] == [
        [topic["id"]]
    ]
    for lead in (rejected, merged):
        assert (await gql(http, editor, LEAD, {"id": lead}))["lead"]["topicIds"] == []


async def test_an_open_topic_is_edited_with_checked_channels_and_column_and_a_fresh_version(
    http: httpx.AsyncClient,
) -> None:
    from hub.store.catalog import ColumnRepository
    from hub.store.documents import ColumnDoc
    from tests.e2e.identity_helpers import system

    tenant = await make_tenant("plan")
    column = await ColumnRepository(system(tenant)).add(
        ColumnDoc(tenant=tenant, name="民生", slug="minsheng")
    )
    editor, editor_id = await person(http, tenant, "editor")
    alice, alice_id = await person(http, tenant, "reporter")
    bob, _ = await person(http, tenant, "reporter")
    correspondent, _ = await person(http, tenant, "correspondent")
    topic = await propose(http, alice, title="防汛", summary="初稿", channels=["app"])
    tid = topic["id"]

    edited = (
        await gql(
            http,
            alice,
            UPDATE,
            {
                "id": tid,
                "v": 1,
                "i": {
                    "title": " 防汛一线 ",
                    "summary": "记者驻点",
                    "channels": ["wechat", "app", "app"],
                    "columnId": column.id,
                },
            },
        )
    )["updateTopic"]
    assert edited == {
        **topic,
        "title": "防汛一线",
        "summary": "记者驻点",
        "channels": ["wechat", "app"],
        "columnId": column.id,
        "version": 2,
    }
    stale = await errors(http, alice, UPDATE, {"id": tid, "v": 1, "i": {"title": "又改"}})
    assert stale["code"] == "PLANNING_CONFLICT" and "请刷新后重试" in stale["message_zh"]
    same = await gql(
        http,
        alice,
        UPDATE,
        {"id": tid, "v": 2, "i": {"title": "防汛一线", "channels": ["wechat", "app"]}},
    )
    assert same["updateTopic"] == edited  # nothing changed: no new version

    for i, code, zh in (
        ({"channels": ["app", "tiktok"]}, "TOPIC_UNKNOWN_CHANNEL", "tiktok"),
        ({"columnId": "no-such-column"}, "TOPIC_UNKNOWN_COLUMN", "栏目"),
        ({"title": "  "}, "INVALID_INPUT", "不能为空"),
        ({"title": None}, "INVALID_INPUT", "不能为空"),
    ):
        bad = await errors(http, alice, UPDATE, {"id": tid, "v": 2, "i": i})
        assert bad["code"] == code and zh in bad["message_zh"], bad
    stranger = await errors(http, bob, UPDATE, {"id": tid, "v": 2, "i": {"title": "我的"}})
    assert stranger["code"] == "TOPIC_EDIT_FORBIDDEN" and "防汛一线" in stranger["message_zh"]
    not_staff = await errors(http, correspondent, UPDATE, {"id": tid, "v": 2, "i": {"title": "改"}})
    assert not_staff["code"] == "FORBIDDEN"
    assert (await topic_of_leads(http, editor, tid))["version"] == 2  # refusals wrote nothing

    await gql(http, editor, "mutation($id: ID!) { approveTopic(id: $id) { id } }", {"id": tid})
    late = await errors(http, alice, UPDATE, {"id": tid, "v": 3, "i": {"summary": "补充"}})
    assert (
        late["code"] == "TOPIC_EDIT_FORBIDDEN"
        and "已通过" in late["message_zh"]
        and "修改" in late["message_zh"]
    )
    cleared = await gql(
        http,
        editor,
        UPDATE,
        {"id": tid, "v": 3, "i": {"summary": None, "columnId": None, "channels": []}},
    )
    assert cleared["updateTopic"] == {
        **edited,
        "status": "APPROVED",
        "summary": "",
        "columnId": None,
        "channels": [],
        "version": 4,
    }

    await gql(http, editor, "mutation($id: ID!) { completeTopic(id: $id) { id } }", {"id": tid})
    done = await errors(http, editor, UPDATE, {"id": tid, "v": 5, "i": {"title": "事后"}})
    assert (
        done["code"] == "PLANNING_WRONG_STATE"
        and "已完成" in done["message_zh"]
        and "不能修改" in done["message_zh"]
    )

    updates = [
        (e.actor, e.details) for e in await entries(tenant, 100) if e.action == "topic.update"
    ]
    assert [
        (actor, d["version"], sorted(d["changes"]))
        for actor, d in sorted(updates, key=lambda u: u[1]["version"])
    ] == [
        (alice_id, 2, ["channels", "column_id", "summary", "title"]),
        (editor_id, 4, ["channels", "column_id", "summary"]),
    ]
    first = next(d for _, d in updates if d["version"] == 2)
    assert (
        first["changes"]["title"] == {"from": "防汛", "to": "防汛一线"}
        and first["status"] == "proposed"
    )


async def test_two_edits_of_the_same_version_one_wins_the_other_is_told_to_reload(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant("plan")
    editor, _ = await person(http, tenant, "editor")
    chief, _ = await person(http, tenant, "chief_editor")
    topic = await propose(http, editor, title="两会")

    async def edit(who: dict[str, str], title: str) -> dict[str, Any]:
        response = await http.post(
            "/graphql",
            headers=who,
            json={"query": UPDATE, "variables": {"id": topic["id"], "v": 1, "i": {"title": title}}},
        )
        return dict(response.json())

    bodies = await asyncio.gather(edit(editor, "两会:编辑版"), edit(chief, "两会:总编版"))
    won = [
        b["data"]["updateTopic"]["title"]
        for b in bodies
        if b.get("data") and b["data"].get("updateTopic")
    ]
    lost = [b["errors"][0]["extensions"] for b in bodies if b.get("errors")]
    assert len(won) == 1 and len(lost) == 1
    assert lost[0]["code"] == "PLANNING_CONFLICT" and "选题刚刚被他人修改" in lost[0]["message_zh"]
    now = await topic_of_leads(http, editor, topic["id"])
    assert now["title"] == won[0] and now["version"] == 2
