"""策、采 over GraphQL with real users and roles: a seed article from tip to filed draft,
triage of leads, topics and their approval, tenant isolation, and the refusals with
their codes and texts."""

from __future__ import annotations

import httpx

from hub.audit.log import entries
from tests.e2e.identity_helpers import make_tenant
from tests.planning.flow import ASSIGNMENT, errors, gql, person, plan_and_file, seed, soon

STORY = "query($id: ID!) { story(id: $id) { id status title assignment { id status topic { id title leads { id status } } } } }"


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
    assert {
        ("lead.create", tipster_id),
        ("lead.accept", editor_id),
        ("topic.propose", reporter_id),
        ("topic.approve", editor_id),
        ("assignment.dispatch", editor_id),
        ("assignment.accept", reporter_id),
        ("assignment.start", reporter_id),
        ("assignment.file", reporter_id),
    } <= log
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
    ids = [
        (await gql(http, reporter, create, {"t": f"线索{i}", "s": s}))["createLead"]["id"]
        for i, s in enumerate(["CITIZEN", "DEPARTMENT", "MONITORING", "CORRESPONDENT"])
    ]
    await gql(http, editor, "mutation($id: ID!) { acceptLead(id: $id) { id } }", {"id": ids[0]})
    merged = (
        await gql(
            http,
            editor,
            "mutation($a: ID!, $b: ID!) { mergeLead(id: $a, intoId: $b) { status mergedIntoId } }",
            {"a": ids[1], "b": ids[0]},
        )
    )["mergeLead"]
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
    rejected = (
        await gql(
            http,
            editor,
            'mutation($id: ID!) { rejectLead(id: $id, reason: "与已报道内容重复") { status rejectReason } }',
            {"id": ids[2]},
        )
    )["rejectLead"]
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
    page2 = (
        await gql(
            http,
            editor,
            "query($a: String) { leads(first: 2, after: $a) { edges { node { id } } pageInfo { hasNextPage } } }",
            {"a": page1["pageInfo"]["endCursor"]},
        )
    )["leads"]
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


async def test_another_center_sees_and_moves_nothing_of_this_centers_planning(
    http: httpx.AsyncClient,
) -> None:
    home, away = await make_tenant("plan"), await make_tenant("plan")
    editor, _ = await person(http, home, "editor")
    reporter, _ = await person(http, home, "reporter")
    outsider, _ = await person(http, away, "admin")
    title, body = seed("002")
    ids = await plan_and_file(http, {"editor": editor, "reporter": reporter}, title, body)
    for q, key in (
        ("query($id: ID!) { lead(id: $id) { id } }", "lead_id"),
        ("query($id: ID!) { topic(id: $id) { id } }", "topic_id"),
        ("query($id: ID!) { assignment(id: $id) { id } }", "assignment_id"),
    ):
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
