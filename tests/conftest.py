"""Shared fixtures: one embedded store (or RONGHUB_MONGODB_URI) and one real hub server per run.

Tests are isolated by tenant: each test that writes gets its own tenant id, which is
also how the hub isolates centers.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from litestar import Litestar
from pymongo import monitoring

from hub.app import create_app
from hub.clock import SteppedClock, using
from hub.embedded.store import EmbeddedStore, free_port
from hub.ids import new_id
from hub.jobs.worker import Worker
from hub.settings import Settings
from hub.wiring import builtin_consumers

# RONGHUB_SEEDS_DIR, else /work/shared/seeds found from /work/main and from worktrees alike.
SEEDS = (
    Path(os.environ["RONGHUB_SEEDS_DIR"])
    if os.environ.get("RONGHUB_SEEDS_DIR")
    else next(
        (
            p / "shared" / "seeds"
            for p in Path(__file__).resolve().parents
            if (p / "shared" / "seeds").is_dir()
        ),
        Path(__file__).resolve().parents[1].parent / "shared" / "seeds",
    )
)
DEV_TOKEN = "test-dev-token"
# argon2 at test cost for the hubs and commands tests start as processes, as for the session
# hub (hub_settings): at the production cost each user a demo seeds or a test creates, and
# each sign-in, is ~0.2 CPU-s. What the cost is, is tested in tests/e2e/test_sessions.py.
TEST_PASSWORD_COST = {"RONGHUB_PASSWORD_MEMORY_KIB": "1024", "RONGHUB_PASSWORD_TIME_COST": "1"}

# The suite must pass on a busy machine: no test fails because generating or running an
# example took longer than hypothesis expects (time limits are not what these tests check).
hypothesis_settings.register_profile(
    "ronghub",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
hypothesis_settings.load_profile("ronghub")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Test files with a `slow` test (hubs, stores or a browser of their own) run first, in
    collection order, then the rest. scripts/test runs the suite on pytest-xdist workers,
    one file at a time to each (--dist loadfile, --no-loadscope-reorder): the long files
    start while the short ones are left to even the workers out at the end, rather than
    one long file being a run's last minutes on one core. The order within a file is kept."""
    slow = {item.nodeid.split("::", 1)[0] for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.nodeid.split("::", 1)[0] not in slow)


# The identity state's periodic re-read (hub/identity/state.py `AuthState.poll`): on its own
# timer, every `key_refresh_seconds`, not for the request a test counts. On a loaded machine
# it fell inside a counted request now and then (an extra `find` of oauth_clients).
_REFRESHED = {"signing_keys", "revocations"}


def _identity_refresh(event: monitoring.CommandStartedEvent) -> bool:
    if event.command_name != "find":
        return False
    target = str(event.command.get("find", ""))
    found = event.command.get("filter") or {}
    return target in _REFRESHED or (
        target in ("users", "oauth_clients") and "sessions_ended_at" in found
    )


class CommandCounter(monitoring.CommandListener):
    """Counts commands sent to the store (round trips), for DataLoader tests."""

    def __init__(self) -> None:
        self.commands: list[str] = []
        self.targets: list[tuple[str, str]] = []  # (command, collection), e.g. ("find", "assets")
        self.filters: list[Any] = []  # each command's `filter` (None if it has none)
        self.limits: list[Any] = []  # each command's `limit` (None if it has none)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if _identity_refresh(event):
            return
        self.commands.append(event.command_name)
        self.targets.append((event.command_name, str(event.command.get(event.command_name, ""))))
        self.filters.append(event.command.get("filter"))
        self.limits.append(event.command.get("limit"))

    def clear(self) -> None:
        self.commands.clear()
        self.targets.clear()
        self.filters.clear()
        self.limits.clear()

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def reads(self) -> int:
        return sum(1 for c in self.commands if c in ("find", "aggregate", "getMore", "count"))


def seed_files() -> list[Path]:
    files = sorted(SEEDS.glob("0*.txt"))
    assert files, f"no seed articles found under {SEEDS}"
    return files


@pytest.fixture(scope="session")
def store_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = os.environ.get("RONGHUB_MONGODB_URI")
    if configured:
        yield configured
        return
    with EmbeddedStore(tmp_path_factory.mktemp("store")) as store:
        yield store.uri


@pytest.fixture(scope="session")
def db_name() -> str:
    return "ronghub_test_" + new_id()[-8:]


@pytest.fixture(scope="session")
def command_counter() -> CommandCounter:
    return CommandCounter()


@pytest.fixture(scope="session")
def hub_settings(
    store_uri: str, db_name: str, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return Settings(
        mongodb_uri=store_uri,
        mongodb_db=db_name,
        data_dir=tmp_path_factory.mktemp("data"),
        dev_token=DEV_TOKEN,
        default_tenant="t-" + new_id(),
        port=free_port(),
        max_request_bytes=300_000,
        max_body_chars=100_000,
        worker_in_process=False,  # tests drive workers explicitly
        password_memory_kib=1_024,  # argon2 at test cost; production keeps the default
        password_time_cost=1,
        # many tests sign in quickly from 127.0.0.1: the limiter's own tests use tight limits
        token_rate_limit_ip="100000/minute",
        # no reach collection in the shared session hub: its first fetches fall due minutes
        # after a delivery, when the test's platform stand-in is gone, and then retry for
        # ever (a platform that is down loses no period), so every later drain() would work
        # through all earlier tests' fetches. Collection is tested with its own schedule
        # and clock (tests/e2e/test_reach.py, tests/reach/).
        metrics_after_s=[],
    )


@pytest.fixture(scope="session")
def hub_app(hub_settings: Settings, command_counter: CommandCounter) -> Litestar:
    return create_app(hub_settings, command_listeners=[command_counter])


@pytest.fixture(scope="session")
async def hub_url(hub_app: Litestar, hub_settings: Settings) -> AsyncIterator[str]:
    """A real uvicorn server running the hub, in this test session's event loop."""
    app = hub_app
    # proxy headers as the hub decides (RONGHUB_TRUSTED_PROXIES), not uvicorn's 127.0.0.1 default
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=hub_settings.port,
        log_level="warning",
        lifespan="on",
        proxy_headers=False,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    # a bound for a loaded machine (each xdist worker starts its own hub, beside the other's
    # start-up and a CPU hog): the wait ends as soon as the server has started
    deadline = asyncio.get_running_loop().time() + 120
    while not server.started and asyncio.get_running_loop().time() < deadline:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    assert server.started, "hub server did not start"
    yield f"http://127.0.0.1:{hub_settings.port}"
    server.should_exit = True
    await task


@pytest.fixture
def clock() -> Iterator[SteppedClock]:
    """The hub's clock for this test (hub/clock.py): `clock.advance(ms)` makes that much time
    pass for the session's hub, its workers and the store's due times, instead of a sleep.
    The wall clock again after the test."""
    with using(SteppedClock()) as stepped:
        yield stepped


async def run_until_idle(worker: Worker, idle_passes: int = 3) -> None:
    """Run `worker` until several passes in a row find nothing to do (short polls included)."""
    idle = 0
    while idle < idle_passes:
        idle = idle + 1 if await worker.run_once() == 0 else 0
        await asyncio.sleep(0.005)


async def wait_until(
    condition: Callable[[], bool | Awaitable[bool]], what: str, within: float = 60
) -> None:
    """Poll `condition` until it holds. `within` bounds a wait on a loaded machine; it is no
    guess of how long the thing takes (a passing wait ends as soon as it holds)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        held = condition()
        if inspect.isawaitable(held):
            held = await held
        if held:
            return
        assert asyncio.get_running_loop().time() < deadline, f"{what}: not within {within} s"
        await asyncio.sleep(0.02)


async def bus_listening(tenant: str, before: int = 0) -> None:
    """Wait until this process's newsroom bus has more than `before` listeners for `tenant`.

    `listen()` is a generator: it registers only once it runs, after reading the tenant's
    last event number from the store, and hands on the events published after that. A
    test that starts a listening task and publishes must wait for this, not for one loop
    turn (which is not enough when the store answers slowly)."""
    from hub.events import bus

    deadline = asyncio.get_running_loop().time() + 60
    while True:
        if bus.listener_count(tenant) > before:
            return
        assert asyncio.get_running_loop().time() < deadline, (
            f"no bus listener for {tenant} within 60 s"
        )
        await asyncio.sleep(0.01)


async def bus_settled(tenant: str, topic: str, events: list[Any]) -> list[Any]:
    """What a listener on `topic` collected into `events`, once everything published so far
    has reached it: publishes a marker event and waits for it (the bus hands a tenant's
    events on in order), then returns the events before the marker. "And nothing else
    follows" without a sleep that a slow machine outlasts."""
    from hub.events import bus

    marker = "test-marker-" + new_id()
    await bus.publish(tenant, topic, "test.marker", marker)
    deadline = asyncio.get_running_loop().time() + 60
    while not any(e.subject_id == marker for e in events):
        assert asyncio.get_running_loop().time() < deadline, (
            f"the bus marker for {tenant} never came"
        )
        await asyncio.sleep(0.01)
    return [e for e in events[: next(i for i, e in enumerate(events) if e.subject_id == marker)]]


async def drain_hub(app: Litestar) -> None:
    """Run the hub's own background work (outbox relay, distribution) until it is idle."""
    await run_until_idle(Worker(builtin_consumers(app.state), idle_sleep=0))


@pytest.fixture
def drain(hub_app: Litestar, hub_url: str) -> Callable[[], Awaitable[None]]:
    """`await drain()`: the story approvals made so far are distributed (app channel: live)."""
    return lambda: drain_hub(hub_app)


class GraphQLClient:
    """A small client that speaks to the hub over real HTTP."""

    def __init__(self, http: httpx.AsyncClient, token: str | None) -> None:
        self.http = http
        self.token = token

    async def raw(
        self, query: str, variables: dict[str, Any] | None = None, **kw: Any
    ) -> httpx.Response:
        headers = {"authorization": f"Bearer {self.token}"} if self.token else {}
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers, **kw
        )

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.raw(query, variables)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def errors(
        self, query: str, variables: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        response = await self.raw(query, variables)
        body = response.json()
        assert body.get("errors"), f"expected errors, got {body}"
        return body["errors"]


@pytest.fixture
async def http(hub_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=hub_url, timeout=30) as client:
        yield client


@pytest.fixture
def editor(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http, DEV_TOKEN)


@pytest.fixture
def public(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http, None)


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[dict[str, str]]:
    """moto's S3 server on a loopback port: S3 settings (RONGHUB_S3_* names) pointing at it."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield {
        "s3_endpoint": f"http://127.0.0.1:{port}",
        "s3_bucket": "ronghub-test",
        "s3_region": "us-east-1",
        "s3_access_key": "testing",
        "s3_secret_key": "testing",
    }
    server.stop()
