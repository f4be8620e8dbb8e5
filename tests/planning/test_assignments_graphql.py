"""派单 and 指挥调度 over GraphQL: the assignee's moves, teams, 改派 with history,
concurrent moves, filing, and the dispatch board in a constant number of reads."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from hub.clock import SteppedClock
from hub.planning.documents import AssignmentDoc
from tests.conftest import CommandCounter
from tests.e2e.identity_helpers import make_tenant
from tests.planning.flow import ASSIGNMENT, errors, gql, person, soon


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
    team = (
        await gql(
            http,
            editor,
            dispatch,
            {
                "i": {
                    "topicId": topic,
                    "assignees": [alice_id, bob_id],
                    "kind": "VIDEO",
                    "deadline": soon(hours=3),
                }
            },
        )
    )["dispatchAssignment"]
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
    assert change == {
        "kind": "reassign",
        "actor": editor_id,
        "fromStatus": "DECLINED",
        "toStatus": "DISPATCHED",
        "fromAssignees": [alice_id, bob_id],
        "toAssignees": [carol_id],
        "reason": "原小组设备检修",
    }
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
    http: httpx.AsyncClient, command_counter: CommandCounter, clock: SteppedClock
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
        {"i": {"topicId": topics[0], "assignees": [people[2][1]], "deadline": soon(minutes=30)}},
    )
    for n in range(2):
        await gql(
            http,
            editor,
            "mutation($t: String!) { createLead(input: {title: $t, source: DEPARTMENT}) { id } }",
            {"t": f"待处理{n}"},
        )
    due = (await AssignmentDoc.get(late["dispatchAssignment"]["id"])).deadline  # type: ignore[union-attr]
    clock.advance_to(due + 1)  # until it is late
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
    of_topic = await gql(
        http,
        editor,
        "query($t: ID!) { assignments(filter: {topicId: $t, status: DISPATCHED}) { edges { node { id } } } }",
        {"t": topic},
    )
    assert len(of_topic["assignments"]["edges"]) == 2
    on_topic = await gql(
        http,
        editor,
        "query($id: ID!) { topic(id: $id) { assignments { assigneeIds } } }",
        {"id": topic},
    )
    assert [a["assigneeIds"] for a in on_topic["topic"]["assignments"]] == [[alice_id], [bob_id]]
