"""/healthz and /readyz report the embedded store's supervisor (no store needed here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.datastructures import State

from hub.embedded.supervisor import StoreState
from hub.rest import health


@dataclass
class FakeSupervisor:
    state: StoreState
    restarts: int = 0
    failures: int = 0


class PingingDatabase:
    def __init__(self) -> None:
        self.pings = 0

    async def ping(self) -> bool:
        self.pings += 1
        return True


def _code(response: Any) -> str:
    return str(response.content["errors"][0]["extensions"]["code"])


def test_liveness_fails_only_when_the_store_could_not_be_brought_back() -> None:
    for state in (StoreState.RUNNING, StoreState.RESTARTING):
        assert (
            health.healthz.fn(State({"store_supervisor": FakeSupervisor(state)})).status_code == 200
        )
    failed = health.healthz.fn(
        State({"store_supervisor": FakeSupervisor(StoreState.FAILED, failures=6)})
    )
    assert failed.status_code == 503 and _code(failed) == "STORE_UNAVAILABLE"
    assert failed.content["errors"][0]["extensions"]["details"]["store"] == "failed"


def test_liveness_without_an_embedded_store_is_the_process_being_up() -> None:
    assert health.healthz.fn(State({"store_supervisor": None})).status_code == 200


async def test_readiness_is_refused_while_the_store_restarts_without_waiting_on_it() -> None:
    db = PingingDatabase()
    restarting = await health.readyz.fn(
        State({"store_supervisor": FakeSupervisor(StoreState.RESTARTING), "database": db})
    )
    assert restarting.status_code == 503 and _code(restarting) == "STORE_UNAVAILABLE"
    assert db.pings == 0
    ready = await health.readyz.fn(
        State({"store_supervisor": FakeSupervisor(StoreState.RUNNING), "database": db})
    )
    assert ready.status_code == 200 and db.pings == 1
