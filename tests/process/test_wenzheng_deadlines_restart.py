"""问政 reminders and escalations fire at their time after a hub is killed (SIGKILL) and
started again, judged by the 问政 clock in RONGHUB_WENZHENG_CLOCK_FILE (the test moves
the time in that file while the hub is down instead of waiting days), each exactly once.

One real `ronghub serve` process with its embedded store, its in-process worker and its
job queue; everything through GraphQL and the OAuth token endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.settings import Settings
from hub.wenzheng.sla import CENTER_TZ
from tests.process.procs import HubProcess, wait_until

pytestmark = pytest.mark.slow

TOKEN = "wenzheng-restart-token"
FORWARD = "mutation($id: ID!, $d: [ID!]!) { forwardWenzhengQuestion(id: $id, departmentIds: $d) { forwards { deadline remindAt } } }"
QUESTION = """query($id: ID!) { wenzhengQuestion(id: $id) { status forwards { remindAt deadline remindedAt escalatedAt overdue }
  history { kind } } }"""
EVENTS_SEEN = (
    60.0  # upper bound for the worker to pick a woken job on a busy machine; ends as soon as it did
)


def center_time(*args: int) -> datetime:
    return datetime(*args, tzinfo=CENTER_TZ)  # type: ignore[misc]


def set_clock(path: Path, at: datetime) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(at.isoformat(), encoding="utf-8")
    tmp.replace(path)  # the hub never reads a half-written time


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[HubProcess]:
    clock_file = tmp_path / "wenzheng-clock"
    set_clock(clock_file, center_time(2026, 12, 7, 9, 0))  # a Monday, 09:00 center time
    process = HubProcess(
        tmp_path / "data", TOKEN, env={"RONGHUB_WENZHENG_CLOCK_FILE": str(clock_file)}
    )
    try:
        yield process
    finally:
        process.cleanup()


def app_client(hub: HubProcess) -> httpx.Client:
    """The center's app backend: an OAuth client with the wenzheng:submit scope."""
    creds = hub.graphql(
        'mutation { createClient(name: "县融媒APP", scopes: ["wenzheng:submit"]) { clientId clientSecret } }'
    )
    creds = creds["createClient"]  # type: ignore[assignment]
    r = httpx.post(
        hub.url + "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "wenzheng:submit"},
        auth=(creds["clientId"], creds["clientSecret"]),
        timeout=30,
    )  # type: ignore[index]
    assert r.status_code == 200, r.text
    return httpx.Client(
        base_url=hub.url,
        headers={"authorization": f"Bearer {r.json()['access_token']}"},
        timeout=30,
    )


def submit(app: httpx.Client, text: str) -> str:
    body = app.post(
        "/graphql",
        json={
            "query": "mutation($t: String!) { submitWenzhengQuestion(input: {text: $t, public: false}) "
            "{ question { id } } }",
            "variables": {"t": text},
        },
    ).json()
    assert not body.get("errors"), body
    return str(body["data"]["submitWenzhengQuestion"]["question"]["id"])


def forward_of(hub: HubProcess, qid: str) -> dict[str, Any]:
    q: Any = hub.graphql(QUESTION, {"id": qid})["wenzhengQuestion"]
    (fwd,) = q["forwards"]
    return {**fwd, "kinds": [h["kind"] for h in q["history"]]}


def ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp() * 1000)


def restart_at(hub: HubProcess, clock_file: Path, at: datetime) -> None:
    """SIGKILL (no shutdown code runs), the 问政 clock moved while the hub is down, start again."""
    hub.kill()
    set_clock(clock_file, at)
    hub.start(timeout=180)


def test_a_reminder_and_an_escalation_fire_at_their_time_after_sigkill_restarts_exactly_once(
    hub: HubProcess, tmp_path: Path
) -> None:
    clock_file = tmp_path / "wenzheng-clock"
    hub.start(timeout=180)
    hub.graphql(
        "mutation { configureWenzheng(input: {defaultWorkingDays: 2, reminderHours: 24}) { columnId } }"
    )
    dept: Any = hub.graphql('mutation { createAccount(name: "县住建局") { id } }')
    dept_id = dept["createAccount"]["id"]
    app = app_client(hub)
    with app:
        first = submit(app, "岚溪路的井盖坏了")
        later = submit(app, "菜市场的秤不准")
    fwd: Any = hub.graphql(FORWARD, {"id": first, "d": [dept_id]})
    (made,) = fwd["forwardWenzhengQuestion"]["forwards"]
    # forwarded Monday 09:00, 2 working days: due at the end of Wednesday, reminded 24 h before
    assert ms(made["deadline"]) == int(center_time(2026, 12, 10, 0, 0).timestamp() * 1000)
    assert ms(made["remindAt"]) == int(center_time(2026, 12, 9, 0, 0).timestamp() * 1000)

    # Wednesday noon: past the reminder, before the deadline
    wednesday_noon = center_time(2026, 12, 9, 12, 0)
    restart_at(hub, clock_file, wednesday_noon)
    wait_until(
        lambda: forward_of(hub, first)["remindedAt"] is not None,
        EVENTS_SEEN,
        "the reminder after the restart",
    )
    state = forward_of(hub, first)
    assert ms(state["remindedAt"]) == int(
        wednesday_noon.timestamp() * 1000
    )  # recorded at the 问政 clock's time
    assert state["escalatedAt"] is None and not state["overdue"]
    assert state["kinds"].count("remind") == 1 and "escalate" not in state["kinds"]

    # Thursday 10:00: the deadline passed while the hub was down
    thursday = center_time(2026, 12, 10, 10, 0)
    restart_at(hub, clock_file, thursday)
    wait_until(
        lambda: forward_of(hub, first)["escalatedAt"] is not None,
        EVENTS_SEEN,
        "the escalation after the restart",
    )
    state = forward_of(hub, first)
    assert ms(state["escalatedAt"]) == int(thursday.timestamp() * 1000) and state["overdue"]

    # another question forwarded, a week later and another kill: the restarted worker wakes
    # every due job again; only the new forward's fire, the first's are never recorded twice
    hub.graphql(FORWARD, {"id": later, "d": [dept_id]})
    restart_at(hub, clock_file, center_time(2026, 12, 17, 10, 0))
    wait_until(
        lambda: forward_of(hub, later)["escalatedAt"] is not None,
        EVENTS_SEEN,
        "the second question's escalation",
    )
    for qid in (first, later):
        kinds = forward_of(hub, qid)["kinds"]
        assert kinds.count("remind") == 1 and kinds.count("escalate") == 1, (qid, kinds)
    wanted = sorted(
        (q, a) for q in (first, later) for a in ("wenzheng.reminded", "wenzheng.escalated")
    )

    def fired() -> list[tuple[str, str]]:
        log: Any = hub.graphql("{ auditLog(first: 100) { actor action targetId } }")
        return sorted(
            (e["targetId"], e["action"]) for e in log["auditLog"] if e["actor"] == "system:wenzheng"
        )

    wait_until(
        lambda: len(fired()) >= len(wanted), EVENTS_SEEN, "the audit entries"
    )  # carried in the write, settled after it
    assert fired() == wanted


def test_the_clock_file_is_refused_in_production(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="refused in production"):
        Settings(
            env="production", wenzheng_clock_file=tmp_path / "clock", key_encryption_secret="x" * 32
        )
    assert (
        Settings(env="development", wenzheng_clock_file=tmp_path / "clock").wenzheng_clock_file
        == tmp_path / "clock"
    )
