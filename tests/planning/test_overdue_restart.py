"""超期 survives a crash: the deadline passes while the hub is down (SIGKILL), and the
restarted hub's worker still records and announces it, because the due time is stored."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.process.procs import HubProcess, wait_until

pytestmark = pytest.mark.slow

STATE = "query($id: ID!) { assignment(id: $id) { status overdueRecorded history { kind actor } } }"


@pytest.fixture
def hub_process(tmp_path: Path) -> Iterator[HubProcess]:
    hub = HubProcess(tmp_path / "data", token="overdue-token")
    hub.data_dir.mkdir()
    try:
        yield hub
    finally:
        hub.cleanup()


async def test_a_deadline_missed_while_the_hub_was_down_is_recorded_after_restart(
    hub_process: HubProcess,
) -> None:
    hub = hub_process
    await asyncio.to_thread(hub.start)
    gql = hub.graphql
    user = await asyncio.to_thread(
        gql,
        'mutation { createUser(input: {username: "reporter-zhang", displayName: "张记者", password: "long enough 1"}) { id } }',
    )
    await asyncio.to_thread(
        gql,
        'mutation($u: ID!) { setUserGrants(userId: $u, grants: ["reporter"]) { id } }',
        {"u": user["createUser"]["id"]},
    )  # type: ignore[index]
    topic = (
        await asyncio.to_thread(gql, 'mutation { proposeTopic(input: {title: "夜间巡河"}) { id } }')
    )["proposeTopic"]["id"]  # type: ignore[index]
    await asyncio.to_thread(
        gql, "mutation($id: ID!) { approveTopic(id: $id) { id } }", {"id": topic}
    )
    deadline = datetime.now(UTC) + timedelta(seconds=3)
    dispatched = await asyncio.to_thread(
        gql,
        "mutation($i: DispatchAssignmentInput!) { dispatchAssignment(input: $i) { id } }",
        {
            "i": {
                "topicId": topic,
                "assignees": [user["createUser"]["id"]],
                "deadline": deadline.isoformat(),
            }
        },  # type: ignore[index]
    )
    aid = dispatched["dispatchAssignment"]["id"]  # type: ignore[index]

    await asyncio.to_thread(
        hub.kill
    )  # SIGKILL well before the deadline: no timer could survive this
    await asyncio.sleep(
        max(0.0, (deadline - datetime.now(UTC)).total_seconds()) + 0.5
    )  # down past the deadline
    await asyncio.to_thread(hub.start)  # the hub's in-process worker picks up the stored due job

    def recorded() -> bool:
        return bool(gql(STATE, {"id": aid})["assignment"]["overdueRecorded"])  # type: ignore[index]

    await asyncio.to_thread(
        wait_until, recorded, 30, "the overdue to be recorded after the restart"
    )
    state = (await asyncio.to_thread(gql, STATE, {"id": aid}))["assignment"]
    assert state["status"] == "DISPATCHED"  # type: ignore[index]
    assert [h["kind"] for h in state["history"]] == ["dispatch", "overdue"]  # type: ignore[index]
