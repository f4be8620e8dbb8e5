"""策、采 over GraphQL with real users and roles: a seed article from tip to filed draft,
triage, reassignment, the dispatch board, and every refusal with its code and texts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hub.audit.log import entries
from tests.conftest import CommandCounter, seed_files
from tests.e2e.identity_helpers import make_tenant, make_user, sign_in
from tests.planning.flow import gql, plan_and_file

ASSIGNMENT = """query($id: ID!) { assignment(id: $id) { id status overdue storyId reason assigneeIds
  history { kind actor fromStatus toStatus fromAssignees toAssignees reason } topic { id title status } story { id title } } }"""
STORY = "query($id: ID!) { story(id: $id) { id status title assignment { id status topic { id title leads { id status } } } } }"


async def person(http: httpx.AsyncClient, tenant: str, *grants: str) -> tuple[dict[str, str], str]:
    """Request headers of a signed-in user holding `grants`, and the user's id."""
    name = await make_user(tenant, *grants)
    headers = {"authorization": f"Bearer {(await sign_in(http, name))['access_token']}"}
    return headers, (await gql(http, headers, "{ me { subject } }"))["me"]["subject"]


async def errors(
    http: httpx.AsyncClient, headers: dict[str, str], query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    """The one error a refused call gives: its code and both texts."""
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    body = response.json()
    assert body.get("errors"), body
    ext = body["errors"][0]["extensions"]
    assert ext["message_zh"] and ext["message_en"] and ext["message_zh"] != ext["message_en"]
    return ext


def seed(prefix: str) -> tuple[str, str]:
    title, _, body = (
        next(p for p in seed_files() if p.name.startswith(prefix))
        .read_text(encoding="utf-8")
        .lstrip()
        .partition("\n")
    )
    return title.strip(), body.strip()


def soon(**kw: float) -> str:
    return (datetime.now(UTC) + timedelta(**kw)).isoformat()


async def test_a_seed_article_goes_from_lead_to_a_filed_draft_through_graphql(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant("plan")
    editor, editor_id = await person(http, tenant, "editor")
    reporter, reporter_id = await person(http, tenant, "reporter")
    correspondent, tipster_id = await person(http, tenant, "correspondent")
    title, body = seed("003")

    ids = await plan_and_file(
        http, {"editor": editor, "reporter": reporter, "tipster": correspondent}, title, body
    )

    story = (await gql(http, reporter, STORY, {"id": ids["story_id"]}))["story"]
    assert story["status"] == "DRAFT" and story["title"] == title
    assert (
        story["assignment"]["id"] == ids["assignment_id"]
        and story["assignment"]["status"] == "FILED"
    )
    assert story["assignment"]["topic"]["id"] == ids["topic_id"]
    assert story["assignment"]["topic"]["leads"] == [{"id": ids["lead_id"], "status": "ACCEPTED"}]
    a = (await gql(http, editor, ASSIGNMENT, {"id": ids["assignment_id"]}))["assignment"]
    assert (
        a["story"] == {"id": ids["story_id"], "title": title} and a["topic"]["status"] == "APPROVED"
    )
    assert [(h["kind"], h["toStatus"]) for h in a["history"]] == [
        ("dispatch", "DISPATCHED"),
        ("accept", "ACCEPTED"),
        ("start", "IN_PROGRESS"),
        ("file", "FILED"),
    ]
    assert (
        a["history"][0]["actor"] == editor_id
        and a["history"][-1]["actor"] == reporter_id
        and a["overdue"] is False
    )
    lead = (
        await gql(
            http,
            editor,
            "query($id: ID!) { lead(id: $id) { topicIds source contact } }",
            {"id": ids["lead_id"]},
        )
    )["lead"]
    assert lead["topicIds"] == [ids["topic_id"]] and lead["source"] == "CITIZEN"

    # every state change is in the audit log with its actor; filing carries the story's hash
    log = {(e.action, e.actor) for e in await entries(tenant, 100)}
    assert {("lead.create", tipster_id), ("lead.accept", editor_id), ("topic.propose", reporter_id), ("topic.approve", editor_id),
            ("assignment.dispatch", editor_id), ("assignment.accept", reporter_id), ("assignment.start", reporter_id),
            ("assignment.file", reporter_id)} <= log  # fmt: skip
    filed = next(e for e in await entries(tenant, 100) if e.action == "assignment.file")
    assert filed.details["story_id"] == ids["story_id"] and filed.details[
        "content_hash"
    ].startswith("sha256:")
    # the public never sees the newsroom's link
    assert (await gql(http, {}, STORY, {"id": ids["story_id"]}))["story"] is None


async def test_triage_accepts_merges_with_links_on_both_sides_and_rejects_with_a_reason(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant("plan")
    editor, _ = await person(http, tenant, "editor")
    reporter, _ = await person(http, tenant, "reporter")
    create = 'mutation($t: String!, $s: LeadSource!) { createLead(input: {title: $t, source: $s, contact: "13800000000"}) { id } }'
    ids = [(await gql(http, reporter, create, {"t": f"线索{i}", "s": s}))["createLead"]["id"]
           for i, s in enumerate(["CITIZEN", "DEPARTMENT", "MONITORING", "CORRESPONDENT"])]  # fmt: skip
    await gql(http, editor, "mutation($id: ID!) { acceptLead(id: $id) { id } }", {"id": ids[0]})
    merged = (await gql(http, editor, "mutation($a: ID!, $b: ID!) { mergeLead(id: $a, intoId: $b) { status mergedIntoId } }",
                        {"a": ids[1], "b": ids[0]}))["mergeLead"]  # fmt: skip
    assert merged == {"status": "MERGED", "mergedIntoId": ids[0]}
    target = (
        await gql(
            http, editor, "query($id: ID!) { lead(id: $id) { mergedFromIds } }", {"id": ids[0]}
        )
    )["lead"]
    assert target["mergedFromIds"] == [ids[1]]

    blank = await errors(
        http,
        editor,
        'mutation($id: ID!) { rejectLead(id: $id, reason: "  ") { id } }',
        {"id": ids[2]},
    )
    assert blank["code"] == "PLANNING_REASON_REQUIRED" and "理由" in blank["message_zh"]
    rejected = (await gql(http, editor, 'mutation($id: ID!) { rejectLead(id: $id, reason: "与已报道内容重复") { status rejectReason } }',
                          {"id": ids[2]}))["rejectLead"]  # fmt: skip
    assert rejected == {"status": "REJECTED", "rejectReason": "与已报道内容重复"}
    again = await errors(
        http, editor, "mutation($id: ID!) { acceptLead(id: $id) { id } }", {"id": ids[2]}
    )
    assert again["code"] == "PLANNING_WRONG_STATE" and "未采用" in again["message_zh"]
    closed = await errors(
        http,
        editor,
        "mutation($a: ID!, $b: ID!) { mergeLead(id: $a, intoId: $b) { id } }",
        {"a": ids[3], "b": ids[1]},
    )
    assert (
        closed["code"] == "LEAD_MERGE_TARGET_CLOSED" and ids[0] in closed["message_zh"]
    )  # points at where it went
    reporters_try = await errors(
        http, reporter, "mutation($id: ID!) { acceptLead(id: $id) { id } }", {"id": ids[3]}
    )
    assert reporters_try["code"] == "FORBIDDEN" and "lead.triage" in reporters_try["message_en"]

    page1 = (
        await gql(
            http,
            editor,
            "{ leads(first: 2) { edges { node { id } } pageInfo { hasNextPage endCursor } } }",
        )
    )["leads"]
    page2 = (await gql(http, editor, "query($a: String) { leads(first: 2, after: $a) { edges { node { id } } pageInfo { hasNextPage } } }",
                       {"a": page1["pageInfo"]["endCursor"]}))["leads"]  # fmt: skip
    listed = [e["node"]["id"] for e in page1["edges"] + page2["edges"]]
    assert (
        sorted(listed) == sorted(ids)
        and page1["pageInfo"]["hasNextPage"]
        and not page2["pageInfo"]["hasNextPage"]
    )
    new = (await gql(http, editor, "{ leads(filter: {status: NEW}) { edges { node { id } } } }"))[
        "leads"
    ]["edges"]
    dept = (
        await gql(http, editor, "{ leads(filter: {source: MONITORING}) { edges { node { id } } } }")
    )["leads"]["edges"]
    assert [e["node"]["id"] for e in new] == [ids[3]] and [e["node"]["id"] for e in dept] == [
        ids[2]
    ]


async def test_topics_need_known_channels_accepted_leads_and_an_editor_to_approve(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant("plan")
    editor, _ = await person(http, tenant, "editor")
    reporter, _ = await person(http, tenant, "reporter")
    propose = "mutation($i: ProposeTopicInput!) { proposeTopic(input: $i) { id status channels } }"
    unknown = await errors(
        http, reporter, propose, {"i": {"title": "选题", "channels": ["app", "tiktok"]}}
    )
    assert (
        unknown["code"] == "TOPIC_UNKNOWN_CHANNEL"
        and "tiktok" in unknown["message_zh"]
        and "wechat" in unknown["message_zh"]
    )
    lead = (
        await gql(
            http,
            reporter,
            'mutation { createLead(input: {title: "报料", source: CITIZEN}) { id } }',
        )
    )["createLead"]["id"]
    not_accepted = await errors(
        http, reporter, propose, {"i": {"title": "选题", "leadIds": [lead]}}
    )
    assert not_accepted["code"] == "LEAD_NOT_ACCEPTED" and "先采纳" in not_accepted["message_zh"]
    column = await errors(
        http, reporter, propose, {"i": {"title": "选题", "columnId": "no-such-column"}}
    )
    assert column["code"] == "TOPIC_UNKNOWN_COLUMN"
    assert (await gql(http, editor, "{ topics { edges { node { id } } } }"))["topics"][
        "edges"
    ] == []  # nothing half-written

    topic = (
        await gql(
            http, reporter, propose, {"i": {"title": "选题", "channels": ["wechat", "app", "app"]}}
        )
    )["proposeTopic"]
    assert topic["status"] == "PROPOSED" and topic["channels"] == ["wechat", "app"]
    wrong_role = await errors(
        http, reporter, "mutation($id: ID!) { approveTopic(id: $id) { id } }", {"id": topic["id"]}
    )
    assert wrong_role["code"] == "FORBIDDEN" and "topic.approve" in wrong_role["message_zh"]
    dispatch = "mutation($i: DispatchAssignmentInput!) { dispatchAssignment(input: $i) { id } }"
    reporter_id = (await gql(http, reporter, "{ me { subject } }"))["me"]["subject"]
    early = await errors(
        http,
        editor,
        dispatch,
        {"i": {"topicId": topic["id"], "assignees": [reporter_id], "deadline": soon(hours=2)}},
    )
    assert early["code"] == "TOPIC_NOT_APPROVED" and "选题通过后" in early["message_zh"]
    no_reason = await errors(
        http,
        editor,
        'mutation($id: ID!) { rejectTopic(id: $id, reason: "") { id } }',
        {"id": topic["id"]},
    )
    assert no_reason["code"] == "PLANNING_REASON_REQUIRED"
    approved = await gql(
        http,
        editor,
        "mutation($id: ID!) { approveTopic(id: $id) { status decidedBy } }",
        {"id": topic["id"]},
    )
    assert approved["approveTopic"]["status"] == "APPROVED"
    twice = await errors(
        http,
        editor,
        'mutation($id: ID!) { rejectTopic(id: $id, reason: "晚了") { id } }',
        {"id": topic["id"]},
    )
    assert twice["code"] == "PLANNING_WRONG_STATE" and "完成、撤销" in twice["message_zh"]

    a = await gql(
        http,
        editor,
        dispatch,
        {"i": {"topicId": topic["id"], "assignees": [reporter_id], "deadline": soon(hours=2)}},
    )
    busy = await errors(
        http, editor, "mutation($id: ID!) { completeTopic(id: $id) { id } }", {"id": topic["id"]}
    )
    assert busy["code"] == "TOPIC_HAS_OPEN_ASSIGNMENTS" and "1" in busy["message_zh"]
    await gql(
        http,
        editor,
        'mutation($id: ID!) { cancelAssignment(id: $id, reason: "选题调整") { id } }',
        {"id": a["dispatchAssignment"]["id"]},
    )
    done = await gql(
        http,
        editor,
        "mutation($id: ID!) { completeTopic(id: $id) { status closedBy } }",
        {"id": topic["id"]},
    )
    assert done["completeTopic"]["status"] == "DONE"


async def test_only_the_assignee_or_an_editor_moves_an_assignment_and_reassignment_keeps_history(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant("plan")
    editor, editor_id = await person(http, tenant, "editor")
    alice, alice_id = await person(http, tenant, "reporter")
    bob, bob_id = await person(http, tenant, "reporter")
    carol, carol_id = await person(http, tenant, "reporter")
    topic = (
        await gql(http, alice, 'mutation { proposeTopic(input: {title: "防汛一线"}) { id } }')
    )["proposeTopic"]["id"]
    await gql(http, editor, "mutation($id: ID!) { approveTopic(id: $id) { id } }", {"id": topic})
    dispatch = "mutation($i: DispatchAssignmentInput!) { dispatchAssignment(input: $i) { id status assigneeIds } }"
    past = await errors(
        http,
        editor,
        dispatch,
        {"i": {"topicId": topic, "assignees": [alice_id], "deadline": soon(hours=-1)}},
    )
    assert past["code"] == "ASSIGNMENT_DEADLINE_PAST"
    nobody = await errors(
        http,
        editor,
        dispatch,
        {"i": {"topicId": topic, "assignees": [], "deadline": soon(hours=3)}},
    )
    assert nobody["code"] == "ASSIGNMENT_NO_ASSIGNEE"
    stranger = await errors(
        http,
        editor,
        dispatch,
        {"i": {"topicId": topic, "assignees": ["someone-else"], "deadline": soon(hours=3)}},
    )
    assert stranger["code"] == "ASSIGNMENT_UNKNOWN_USER"
    by_reporter = await errors(
        http,
        alice,
        dispatch,
        {"i": {"topicId": topic, "assignees": [alice_id], "deadline": soon(hours=3)}},
    )
    assert by_reporter["code"] == "FORBIDDEN"

    # a team: two reporters share one 摄像 assignment
    team = (await gql(http, editor, dispatch, {"i": {"topicId": topic, "assignees": [alice_id, bob_id], "kind": "VIDEO",
                                                      "deadline": soon(hours=3)}}))["dispatchAssignment"]  # fmt: skip
    assert team["assigneeIds"] == [alice_id, bob_id]
    aid = team["id"]
    mismatch = await errors(
        http, carol, "mutation($id: ID!) { acceptAssignment(id: $id) { id } }", {"id": aid}
    )
    assert mismatch["code"] == "ASSIGNMENT_NOT_ASSIGNEE" and alice_id in mismatch["message_zh"]
    skip = await errors(
        http, bob, "mutation($id: ID!) { startAssignment(id: $id) { id } }", {"id": aid}
    )
    assert skip["code"] == "PLANNING_WRONG_STATE" and "接单" in skip["message_zh"]
    await gql(http, bob, "mutation($id: ID!) { acceptAssignment(id: $id) { id } }", {"id": aid})
    no_reason = await errors(
        http,
        bob,
        'mutation($id: ID!) { declineAssignment(id: $id, reason: "") { id } }',
        {"id": aid},
    )
    assert no_reason["code"] == "PLANNING_REASON_REQUIRED"
    await gql(
        http,
        bob,
        'mutation($id: ID!) { declineAssignment(id: $id, reason: "设备在检修") { id } }',
        {"id": aid},
    )
    reassign = "mutation($id: ID!, $to: [ID!]!, $r: String!) { reassignAssignment(id: $id, assignees: $to, reason: $r) { status assigneeIds } }"
    not_editor = await errors(http, alice, reassign, {"id": aid, "to": [carol_id], "r": "我来安排"})
    assert not_editor["code"] == "FORBIDDEN"
    same = await errors(http, editor, reassign, {"id": aid, "to": [bob_id, alice_id], "r": "再试"})
    assert same["code"] == "ASSIGNMENT_SAME_ASSIGNEES"
    moved = (
        await gql(http, editor, reassign, {"id": aid, "to": [carol_id], "r": "原小组设备检修"})
    )["reassignAssignment"]
    assert moved == {"status": "DISPATCHED", "assigneeIds": [carol_id]}
    old_owner = await errors(
        http, alice, "mutation($id: ID!) { acceptAssignment(id: $id) { id } }", {"id": aid}
    )
    assert old_owner["code"] == "ASSIGNMENT_NOT_ASSIGNEE"
    await gql(
        http, editor, "mutation($id: ID!) { acceptAssignment(id: $id) { id } }", {"id": aid}
    )  # an editor on carol's behalf
    a = (await gql(http, carol, ASSIGNMENT, {"id": aid}))["assignment"]
    change = next(h for h in a["history"] if h["kind"] == "reassign")
    assert change == {"kind": "reassign", "actor": editor_id, "fromStatus": "DECLINED", "toStatus": "DISPATCHED",
                      "fromAssignees": [alice_id, bob_id], "toAssignees": [carol_id], "reason": "原小组设备检修"}  # fmt: skip
    assert [h["kind"] for h in a["history"]] == [
        "dispatch",
        "accept",
        "decline",
        "reassign",
        "accept",
    ]

    # filing: the story must be visible, and one story is filed once
    await gql(http, carol, "mutation($id: ID!) { startAssignment(id: $id) { id } }", {"id": aid})
    no_story = await errors(
        http,
        carol,
        'mutation($id: ID!) { fileAssignment(id: $id, storyId: "nope") { id } }',
        {"id": aid},
    )
    assert no_story["code"] == "NOT_FOUND"
    sid = (
        await gql(
            http,
            carol,
            'mutation { createStory(input: {title: "防汛一线", bodyText: "正文"}) { id } }',
        )
    )["createStory"]["id"]
    await gql(
        http,
        carol,
        "mutation($id: ID!, $s: ID!) { fileAssignment(id: $id, storyId: $s) { id } }",
        {"id": aid, "s": sid},
    )
    other = await gql(
        http,
        editor,
        dispatch,
        {"i": {"topicId": topic, "assignees": [carol_id], "deadline": soon(hours=3)}},
    )
    oid = other["dispatchAssignment"]["id"]
    for step in ("acceptAssignment", "startAssignment"):
        await gql(http, carol, f"mutation($id: ID!) {{ {step}(id: $id) {{ id }} }}", {"id": oid})
    taken = await errors(
        http,
        carol,
        "mutation($id: ID!, $s: ID!) { fileAssignment(id: $id, storyId: $s) { id } }",
        {"id": oid, "s": sid},
    )
    assert taken["code"] == "ASSIGNMENT_STORY_TAKEN"
    final = await errors(
        http,
        editor,
        'mutation($id: ID!) { cancelAssignment(id: $id, reason: "x") { id } }',
        {"id": aid},
    )
    assert final["code"] == "PLANNING_WRONG_STATE" and "无(已结束)" in final["message_zh"]


def planning_reads(counter: CommandCounter) -> int:
    """Reads of planning's collections and users (the hub's own background reads, such as
    its signing-key refresh, are not the board's)."""
    return sum(
        1
        for command, coll in counter.targets
        if command in ("find", "aggregate", "getMore", "count")
        and (coll.startswith("planning_") or coll == "users")
    )


async def test_the_dispatch_board_shows_load_lateness_unstaffed_topics_and_waiting_leads_in_few_reads(
    http: httpx.AsyncClient, command_counter: CommandCounter
) -> None:
    tenant = await make_tenant("plan")
    editor, _ = await person(http, tenant, "chief_editor")
    people = [await person(http, tenant, "reporter") for _ in range(3)]
    dispatch = "mutation($i: DispatchAssignmentInput!) { dispatchAssignment(input: $i) { id } }"
    topics = []
    for n in range(4):
        t = (
            await gql(
                http,
                editor,
                "mutation($t: String!) { proposeTopic(input: {title: $t}) { id } }",
                {"t": f"选题{n}"},
            )
        )["proposeTopic"]["id"]
        await gql(http, editor, "mutation($id: ID!) { approveTopic(id: $id) { id } }", {"id": t})
        topics.append(t)
    for i in range(12):  # 3 topics staffed, 12 assignments over 3 people
        _, uid = people[i % 3]
        await gql(
            http,
            editor,
            dispatch,
            {"i": {"topicId": topics[i % 3], "assignees": [uid], "deadline": soon(hours=1 + i)}},
        )
    late = await gql(
        http,
        editor,
        dispatch,
        {"i": {"topicId": topics[0], "assignees": [people[2][1]], "deadline": soon(seconds=1)}},
    )
    for n in range(2):
        await gql(
            http,
            editor,
            "mutation($t: String!) { createLead(input: {title: $t, source: DEPARTMENT}) { id } }",
            {"t": f"待处理{n}"},
        )
    await asyncio.sleep(1.2)
    board_q = """{ dispatchBoard { people { person { id displayName } open { id topic { title } } late { id } counts { status count } }
      late { id overdue assignees { id } } declined { id } unstaffedTopics { id title } leadsAwaitingTriage { title } leadsAwaitingTriageCount
      counts { status count } } }"""
    command_counter.clear()
    board = (await gql(http, editor, board_q))["dispatchBoard"]
    reads = planning_reads(command_counter)
    first_targets = list(command_counter.targets)
    assert reads <= 8, command_counter.targets
    assert board["people"][0]["person"]["id"] == people[2][1]  # late work first
    assert all(p["person"]["displayName"] for p in board["people"])
    assert sum(len(p["open"]) for p in board["people"]) == 13
    assert [a["id"] for a in board["late"]] == [late["dispatchAssignment"]["id"]] and board["late"][
        0
    ]["overdue"] is True
    assert [t["title"] for t in board["unstaffedTopics"]] == ["选题3"]
    assert board["leadsAwaitingTriageCount"] == 2 and {
        lead["title"] for lead in board["leadsAwaitingTriage"]
    } == {"待处理0", "待处理1"}
    assert {c["status"]: c["count"] for c in board["counts"]}["DISPATCHED"] == 13
    mine = next(p for p in board["people"] if p["person"]["id"] == people[0][1])
    assert {c["status"]: c["count"] for c in mine["counts"]} == {"DISPATCHED": 4}

    # more people, topics and assignments: the same number of reads (batched, no per-item loads)
    for _ in range(3):
        _, uid = await person(http, tenant, "reporter")
        await gql(
            http,
            editor,
            dispatch,
            {
                "i": {
                    "topicId": topics[3],
                    "assignees": [uid, people[0][1]],
                    "deadline": soon(hours=5),
                }
            },
        )
    command_counter.clear()
    bigger = (await gql(http, editor, board_q))["dispatchBoard"]
    assert len(bigger["people"]) == 6 and bigger["unstaffedTopics"] == []
    assert planning_reads(command_counter) == reads, (first_targets, command_counter.targets)


async def test_another_center_sees_and_moves_nothing_of_this_centers_planning(
    http: httpx.AsyncClient,
) -> None:
    home, away = await make_tenant("plan"), await make_tenant("plan")
    editor, _ = await person(http, home, "editor")
    reporter, _ = await person(http, home, "reporter")
    outsider, _ = await person(http, away, "admin")
    title, body = seed("002")
    ids = await plan_and_file(http, {"editor": editor, "reporter": reporter}, title, body)
    for q, key in (("query($id: ID!) { lead(id: $id) { id } }", "lead_id"), ("query($id: ID!) { topic(id: $id) { id } }", "topic_id"),
                   ("query($id: ID!) { assignment(id: $id) { id } }", "assignment_id")):  # fmt: skip
        assert next(iter((await gql(http, outsider, q, {"id": ids[key]})).values())) is None
    refused = await errors(
        http,
        outsider,
        'mutation($id: ID!) { cancelAssignment(id: $id, reason: "x") { id } }',
        {"id": ids["assignment_id"]},
    )
    assert refused["code"] == "NOT_FOUND"
    board = (
        await gql(
            http,
            outsider,
            "{ dispatchBoard { people { person { id } } leadsAwaitingTriageCount } }",
        )
    )["dispatchBoard"]
    assert board == {"people": [], "leadsAwaitingTriageCount": 0}
    assert (await gql(http, outsider, "{ leads { edges { node { id } } } }"))["leads"][
        "edges"
    ] == []


async def test_a_tipsters_contact_is_newsroom_only(http: httpx.AsyncClient) -> None:
    tenant = await make_tenant("plan")
    editor, _ = await person(http, tenant, "editor")
    correspondent, _ = await person(http, tenant, "correspondent")
    create = 'mutation { createLead(input: {title: "村道塌方", source: CORRESPONDENT, contact: "王先生 13900000000"}) { id contact } }'
    lead = (await gql(http, correspondent, create))["createLead"]
    assert lead["contact"] is None  # a correspondent records tips but does not read contacts
    assert (
        await gql(http, editor, "query($id: ID!) { lead(id: $id) { contact } }", {"id": lead["id"]})
    )["lead"]["contact"] == "王先生 13900000000"
    listing = await errors(http, correspondent, "{ leads { edges { node { id } } } }", {})
    assert listing["code"] == "FORBIDDEN"


async def approved_topic(http: httpx.AsyncClient, editor: dict[str, str], **extra: Any) -> str:
    propose = "mutation($i: ProposeTopicInput!) { proposeTopic(input: $i) { id } }"
    topic = (await gql(http, editor, propose, {"i": {"title": "选题", **extra}}))["proposeTopic"][
        "id"
    ]
    await gql(http, editor, "mutation($id: ID!) { approveTopic(id: $id) { id } }", {"id": topic})
    return str(topic)


DISPATCH = "mutation($i: DispatchAssignmentInput!) { dispatchAssignment(input: $i) { id } }"


async def test_two_people_moving_one_assignment_at_once_let_exactly_one_through(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant("plan")
    editor, _ = await person(http, tenant, "editor")
    reporter, reporter_id = await person(http, tenant, "reporter")
    topic = await approved_topic(http, editor)
    aid = (
        await gql(
            http,
            editor,
            DISPATCH,
            {"i": {"topicId": topic, "assignees": [reporter_id], "deadline": soon(hours=2)}},
        )
    )["dispatchAssignment"]["id"]
    accept = {
        "query": "mutation($id: ID!) { acceptAssignment(id: $id) { id } }",
        "variables": {"id": aid},
    }
    results = await asyncio.gather(
        *(http.post("/graphql", json=accept, headers=h) for h in (reporter, editor, reporter))
    )
    bodies = [r.json() for r in results]
    assert sum(1 for b in bodies if not b.get("errors")) == 1, bodies
    codes = {b["errors"][0]["extensions"]["code"] for b in bodies if b.get("errors")}
    assert codes <= {"PLANNING_CONFLICT", "PLANNING_WRONG_STATE"}
    history = (await gql(http, editor, ASSIGNMENT, {"id": aid}))["assignment"]["history"]
    assert [h["kind"] for h in history] == ["dispatch", "accept"]


async def test_a_topic_plans_a_column_and_each_reporter_lists_their_own_assignments(
    http: httpx.AsyncClient,
) -> None:
    from hub.store.catalog import ColumnRepository
    from hub.store.documents import ColumnDoc
    from tests.e2e.identity_helpers import system

    tenant = await make_tenant("plan")
    column = await ColumnRepository(system(tenant)).add(
        ColumnDoc(tenant=tenant, name="民生", slug="minsheng")
    )
    editor, _ = await person(http, tenant, "editor")
    alice, alice_id = await person(http, tenant, "reporter")
    _, bob_id = await person(http, tenant, "reporter")
    topic = await approved_topic(http, editor, columnId=column.id, channels=["app", "xuexi"])
    planned = (
        await gql(
            http,
            alice,
            "query($id: ID!) { topic(id: $id) { columnId channels status } }",
            {"id": topic},
        )
    )["topic"]
    assert planned == {"columnId": column.id, "channels": ["app", "xuexi"], "status": "APPROVED"}
    mine = await gql(
        http,
        editor,
        DISPATCH,
        {
            "i": {
                "topicId": topic,
                "assignees": [alice_id],
                "kind": "PHOTO",
                "deadline": soon(hours=2),
            }
        },
    )
    await gql(
        http,
        editor,
        DISPATCH,
        {"i": {"topicId": topic, "assignees": [bob_id], "deadline": soon(hours=2)}},
    )
    listed = await gql(
        http,
        alice,
        "{ assignments(filter: {mine: true}) { edges { node { id kind assignees { id } } } } }",
    )
    assert [e["node"]["id"] for e in listed["assignments"]["edges"]] == [
        mine["dispatchAssignment"]["id"]
    ]
    assert listed["assignments"]["edges"][0]["node"]["kind"] == "PHOTO"
    of_topic = (await gql(http, editor, "query($t: ID!) { assignments(filter: {topicId: $t, status: DISPATCHED}) { edges { node { id } } } }",
                          {"t": topic}))  # fmt: skip
    assert len(of_topic["assignments"]["edges"]) == 2
    on_topic = await gql(
        http,
        editor,
        "query($id: ID!) { topic(id: $id) { assignments { assigneeIds } } }",
        {"id": topic},
    )
    assert [a["assigneeIds"] for a in on_topic["topic"]["assignments"]] == [[alice_id], [bob_id]]
