"""超期: a deadline passed on the hub's clock is noticed by the durable job, run through the worker;
every assignment change (and the lateness) is announced on the bus after it is stored."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx

from hub.audit.log import entries
from hub.clock import SteppedClock
from hub.events.bus import NewsroomEvent, listen, listener_count
from hub.ids import now_ms
from hub.jobs.documents import JobDoc
from hub.planning.documents import AssignmentDoc
from hub.planning.overdue import CONSUMER
from tests.conftest import bus_listening, bus_settled, drain_hub
from tests.planning.flow import gql, person

DISPATCH = (
    "mutation($i: DispatchAssignmentInput!) { dispatchAssignment(input: $i) { id deadline } }"
)
STATE = (
    "query($id: ID!) { assignment(id: $id) { status overdue overdueRecorded history { kind } } }"
)


@contextlib.asynccontextmanager
async def bus(tenant: str) -> AsyncIterator[list[NewsroomEvent]]:
    """The tenant's `assignment` events published while the block runs."""
    seen: list[NewsroomEvent] = []

    async def collect() -> None:
        async for event in listen(tenant, ["assignment"]):
            seen.append(event)

    before = listener_count(tenant)
    task = asyncio.create_task(collect())
    await bus_listening(tenant, before)
    try:
        yield seen
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def planned_topic(
    http: httpx.AsyncClient, tenant: str
) -> tuple[dict[str, str], dict[str, str], str, str]:
    editor, _ = await person(http, tenant, "editor")
    reporter, reporter_id = await person(http, tenant, "reporter")
    topic = (
        await gql(http, editor, 'mutation { proposeTopic(input: {title: "夜间巡河"}) { id } }')
    )["proposeTopic"]["id"]
    await gql(http, editor, "mutation($id: ID!) { approveTopic(id: $id) { id } }", {"id": topic})
    return editor, reporter, reporter_id, topic


def in_seconds(s: float) -> str:
    """`s` seconds ahead on the hub's clock (the tests move it rather than wait)."""
    return datetime.fromtimestamp(now_ms() / 1000 + s, tz=UTC).isoformat()


async def test_a_missed_deadline_is_recorded_once_and_announced_by_the_worker(
    http: httpx.AsyncClient, hub_app: Any, clock: SteppedClock
) -> None:
    from tests.e2e.identity_helpers import make_tenant

    tenant = await make_tenant("due")
    editor, reporter, reporter_id, topic = await planned_topic(http, tenant)
    async with bus(tenant) as events:
        aid = (
            await gql(
                http,
                editor,
                DISPATCH,
                {"i": {"topicId": topic, "assignees": [reporter_id], "deadline": in_seconds(3600)}},
            )
        )["dispatchAssignment"]["id"]
        await gql(
            http, reporter, "mutation($id: ID!) { acceptAssignment(id: $id) { id } }", {"id": aid}
        )
        job = await JobDoc.get(f"{CONSUMER}:{aid}:{(await AssignmentDoc.get(aid)).deadline}")  # type: ignore[union-attr]
        assert (
            job is not None and job.open and job.tenant == tenant
        )  # the due time is stored, not a timer

        await drain_hub(hub_app)  # before the deadline: nothing is due
        assert (await gql(http, editor, STATE, {"id": aid}))["assignment"] == {
            "status": "ACCEPTED",
            "overdue": False,
            "overdueRecorded": False,
            "history": [{"kind": "dispatch"}, {"kind": "accept"}],
        }
        due = (await AssignmentDoc.get(aid)).deadline  # type: ignore[union-attr]
        clock.advance_to(due - 60_000)
        await drain_hub(hub_app)  # a minute before it: still not due
        assert (await gql(http, editor, STATE, {"id": aid}))["assignment"]["overdue"] is False
        clock.advance_to(due + 1)
        assert (await gql(http, editor, STATE, {"id": aid}))["assignment"][
            "overdue"
        ] is True  # computed at once
        await drain_hub(hub_app)
        await drain_hub(hub_app)  # a second pass finds it done: recorded once
        events = await bus_settled(tenant, "assignment", events)

    state = (await gql(http, editor, STATE, {"id": aid}))["assignment"]
    assert state["overdueRecorded"] is True and [h["kind"] for h in state["history"]] == [
        "dispatch",
        "accept",
        "overdue",
    ]
    assert [(e.kind, e.subject_id) for e in events] == [
        ("assignment.dispatched", aid),
        ("assignment.accepted", aid),
        ("assignment.overdue", aid),
    ]
    assert (
        events[1].actor == reporter_id
        and events[1].data["from"] == "dispatched"
        and events[1].data["status"] == "accepted"
    )
    log = [e for e in await entries(tenant, 50) if e.action == "assignment.overdue"]
    assert len(log) == 1 and log[0].target_id == aid and log[0].actor == "system:overdue"
    board = (await gql(http, editor, "{ dispatchBoard { late { id } } }"))["dispatchBoard"]
    assert board["late"] == [{"id": aid}]


async def test_filed_work_is_not_late_and_a_moved_deadline_is_checked_at_the_new_time(
    http: httpx.AsyncClient, hub_app: Any, clock: SteppedClock
) -> None:
    from tests.e2e.identity_helpers import make_tenant

    tenant = await make_tenant("due")
    editor, reporter, reporter_id, topic = await planned_topic(http, tenant)
    _, other_id = await person(http, tenant, "reporter")
    filed = (
        await gql(
            http,
            editor,
            DISPATCH,
            {"i": {"topicId": topic, "assignees": [reporter_id], "deadline": in_seconds(3600)}},
        )
    )["dispatchAssignment"]["id"]
    moved = (
        await gql(
            http,
            editor,
            DISPATCH,
            {"i": {"topicId": topic, "assignees": [reporter_id], "deadline": in_seconds(3600)}},
        )
    )["dispatchAssignment"]["id"]
    first_due = max([(await AssignmentDoc.get(a)).deadline for a in (filed, moved)])  # type: ignore[union-attr]
    for step in ("acceptAssignment", "startAssignment"):
        await gql(
            http, reporter, f"mutation($id: ID!) {{ {step}(id: $id) {{ id }} }}", {"id": filed}
        )
    sid = (
        await gql(
            http,
            reporter,
            'mutation { createStory(input: {title: "巡河记", bodyText: "正文"}) { id } }',
        )
    )["createStory"]["id"]
    await gql(
        http,
        reporter,
        "mutation($id: ID!, $s: ID!) { fileAssignment(id: $id, storyId: $s) { id } }",
        {"id": filed, "s": sid},
    )
    await gql(
        http,
        editor,
        'mutation($id: ID!, $to: [ID!]!, $d: DateTime) { reassignAssignment(id: $id, assignees: $to, reason: "换人", deadline: $d) { id } }',
        {"id": moved, "to": [other_id], "d": in_seconds(3 * 3600)},
    )
    async with bus(tenant) as events:
        clock.advance_to(first_due + 1)
        await drain_hub(hub_app)
        assert await bus_settled(tenant, "assignment", events) == []
    for aid in (filed, moved):
        state = (await gql(http, editor, STATE, {"id": aid}))["assignment"]
        assert (
            state["overdue"] is False
            and state["overdueRecorded"] is False
            and "overdue" not in [h["kind"] for h in state["history"]]
        )
    later = await JobDoc.find({"consumer": CONSUMER, "tenant": tenant, "open": True}).to_list()
    assert [j.payload["assignment_id"] for j in later] == [moved]  # the new deadline's check waits
