"""策、采 through GraphQL only, as a reusable step: lead → topic → approval → assignment →
accepted → in progress → filed as a draft story. Later acceptance tests (三审, 签发)
start from what `plan_and_file` returns."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hub.ids import now_ms
from tests.conftest import seed_files
from tests.e2e.identity_helpers import make_user, sign_in

CREATE_LEAD = "mutation($i: CreateLeadInput!) { createLead(input: $i) { id status } }"
ACCEPT_LEAD = "mutation($id: ID!) { acceptLead(id: $id) { id status } }"
PROPOSE = "mutation($i: ProposeTopicInput!) { proposeTopic(input: $i) { id status } }"
APPROVE = "mutation($id: ID!) { approveTopic(id: $id) { id status } }"
DISPATCH = "mutation($i: DispatchAssignmentInput!) { dispatchAssignment(input: $i) { id status } }"
ACCEPT = "mutation($id: ID!) { acceptAssignment(id: $id) { id status } }"
START = "mutation($id: ID!) { startAssignment(id: $id) { id status } }"
FILE = "mutation($id: ID!, $s: ID!) { fileAssignment(id: $id, storyId: $s) { id status storyId } }"
CREATE_STORY = "mutation($i: CreateStoryInput!) { createStory(input: $i) { id version status } }"


def as_headers(who: Any) -> dict[str, str]:
    """Request headers from a headers mapping, or from a client holding a `token`
    (`tests.conftest.GraphQLClient`)."""
    token = getattr(who, "token", None)
    if token is not None:
        return {"authorization": f"Bearer {token}"}
    return dict(who)


#: An assignment with its history, topic and story (for the tests).
ASSIGNMENT = """query($id: ID!) { assignment(id: $id) { id status overdue storyId reason assigneeIds
  history { kind actor fromStatus toStatus fromAssignees toAssignees reason } topic { id title status } story { id title } } }"""


async def gql(
    http: httpx.AsyncClient, headers: Any, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One GraphQL call that must succeed; the errors are in the assertion message otherwise."""
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=as_headers(headers)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body["errors"]
    return body["data"]


async def plan_and_file(
    http: httpx.AsyncClient,
    headers_by_role: Mapping[str, Any],
    title: str,
    body: str,
    *,
    channels: tuple[str, ...] = ("app",),
    deadline: datetime | None = None,
) -> dict[str, Any]:
    """Take a story from a citizen's tip to a filed draft, driven only through GraphQL.

    `headers_by_role` holds request headers (e.g. `{"authorization": "Bearer …"}`, or a
    `GraphQLClient`) for
    "editor" (triages, approves, dispatches: an editor-level role) and "reporter" (proposes
    the topic, takes the assignment, writes and files the story); "tipster" (who records
    the lead) defaults to the reporter. Returns the ids: lead_id, topic_id, assignment_id,
    story_id, story_version, reporter_id.
    """
    editor, reporter = headers_by_role["editor"], headers_by_role["reporter"]
    tipster = headers_by_role.get("tipster", reporter)
    lead = (
        await gql(
            http,
            tipster,
            CREATE_LEAD,
            {"i": {"title": title, "source": "CITIZEN", "description": body[:500]}},
        )
    )["createLead"]
    await gql(http, editor, ACCEPT_LEAD, {"id": lead["id"]})
    topic = (
        await gql(
            http,
            reporter,
            PROPOSE,
            {
                "i": {
                    "title": title,
                    "summary": body[:200],
                    "channels": list(channels),
                    "leadIds": [lead["id"]],
                }
            },
        )
    )["proposeTopic"]
    await gql(http, editor, APPROVE, {"id": topic["id"]})
    reporter_id = (await gql(http, reporter, "{ me { subject } }"))["me"]["subject"]
    due = deadline or datetime.now(UTC) + timedelta(days=1)
    assignment = (
        await gql(
            http,
            editor,
            DISPATCH,
            {
                "i": {
                    "topicId": topic["id"],
                    "assignees": [reporter_id],
                    "kind": "TEXT",
                    "deadline": due.isoformat(),
                    "note": "请今日完稿",
                }
            },
        )
    )["dispatchAssignment"]
    await gql(http, reporter, ACCEPT, {"id": assignment["id"]})
    await gql(http, reporter, START, {"id": assignment["id"]})
    story = (
        await gql(
            http,
            reporter,
            CREATE_STORY,
            {"i": {"title": title, "bodyText": body, "channels": list(channels)}},
        )
    )["createStory"]
    filed = (await gql(http, reporter, FILE, {"id": assignment["id"], "s": story["id"]}))[
        "fileAssignment"
    ]
    assert filed == {"id": assignment["id"], "status": "FILED", "storyId": story["id"]}
    return {
        "lead_id": lead["id"],
        "topic_id": topic["id"],
        "assignment_id": assignment["id"],
        "story_id": story["id"],
        "story_version": story["version"],
        "reporter_id": reporter_id,
    }


# ---- helpers of the planning tests ----------------------------------------------------
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
    """A time ahead on the hub's clock (which a test may move), as GraphQL's DateTime."""
    return (datetime.fromtimestamp(now_ms() / 1000, tz=UTC) + timedelta(**kw)).isoformat()
