"""Running the hub as a process: embedded store if needed, then the HTTP server."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Callable, Coroutine, Iterator
from types import FrameType
from typing import Any

from hub import heap, shutdown
from hub.embedded.store import EmbeddedStore, running_store_uri, unwritable
from hub.embedded.supervisor import RestartPolicy, StoreSupervisor
from hub.logging import configure_logging
from hub.serving import HubServer, serve_config
from hub.settings import Settings
from hub.workers import run_workers, worker_count


@contextlib.contextmanager
def store_for(settings: Settings) -> Iterator[Settings]:
    """Settings with a MongoDB URI: the configured server, or an embedded store started now."""
    if settings.mongodb_uri:
        yield settings
        return
    make_data_dir(settings)
    with EmbeddedStore(settings.store_dir, avoid_ports=frozenset({settings.port})) as store:
        yield settings.model_copy(update={"mongodb_uri": store.uri})


@contextlib.contextmanager
def command_store(settings: Settings) -> Iterator[Settings]:
    """Settings with a MongoDB URI for an admin command (`ronghub audit verify`, `media gc`,
    `client list`, `reindex`, ...): the configured server; else the embedded store of a
    hub running on this data folder (its record, store/store.json, names the port), so
    the command works beside the running hub; else an embedded store started for it."""
    if not settings.mongodb_uri:
        uri = running_store_uri(settings.store_dir)
        if uri is not None:
            yield settings.model_copy(update={"mongodb_uri": uri})
            return
    with store_for(settings) as ready:
        yield ready


def make_data_dir(settings: Settings) -> None:
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a full disk or no permission: one plain line (hub/cli/runner.py)
        raise unwritable(settings.data_dir, exc) from None


@contextlib.contextmanager
def supervised_store_for(settings: Settings) -> Iterator[tuple[Settings, StoreSupervisor | None]]:
    """As `store_for`, for a long-running hub: an embedded store is watched and restarted
    when it dies (hub/embedded/supervisor.py); the supervisor is yielded for /readyz."""
    if settings.mongodb_uri:
        yield settings, None
        return
    make_data_dir(settings)
    store = EmbeddedStore(settings.store_dir, avoid_ports=frozenset({settings.port}))
    withdraw = shutdown.on_overrun(store.kill)  # a stop past its budget leaves no store
    try:
        with StoreSupervisor(store, restart_policy(settings)) as supervisor:
            yield settings.model_copy(update={"mongodb_uri": supervisor.uri}), supervisor
    finally:
        withdraw()


def restart_policy(settings: Settings) -> RestartPolicy:
    return RestartPolicy(
        limit=settings.store_restart_limit,
        first_delay=settings.store_restart_delay_seconds,
        max_delay=settings.store_restart_max_delay_seconds,
        stable_after=settings.store_stable_seconds,
        probe_every=settings.store_probe_seconds,
        probe_timeout=settings.store_probe_timeout_seconds,
        probe_misses=settings.store_probe_misses,
    )


def serve(
    settings: Settings,
    before: Callable[[Settings], Coroutine[Any, Any, None]] | None = None,
    banner: Callable[[Settings], None] | None = None,
) -> None:
    """Start (embedded store,) optional set-up, then uvicorn until SIGINT/SIGTERM: in this
    process, or in RONGHUB_API_WORKERS processes on the one port (hub/workers.py)."""
    from hub.app import create_app  # here, not at the top: store commands skip the web stack

    budget = shutdown.budget(settings.shutdown_grace_seconds)
    with _signals_unwind(budget), supervised_store_for(settings) as (ready, supervisor):
        if before is not None:
            asyncio.run(before(ready))
        count = worker_count(ready)
        if count > 1:
            configure_logging(ready)
            if banner is not None:
                banner(ready)
            run_workers(ready, count, supervisor)
            return
        app = create_app(ready, store=supervisor)
        server = HubServer(serve_config(app, ready), budget)
        if banner is not None:
            banner(ready)
        heap.settle()  # the app is built: what exists now lives as long as the process
        server.run()


@contextlib.contextmanager
def _signals_unwind(budget: float) -> Iterator[None]:
    """SIGTERM and SIGINT leave through `finally` blocks, so the embedded store is stopped,
    within `budget` seconds of the first signal (hub/shutdown.py).

    uvicorn shuts down gracefully on these signals and then raises the signal again
    under the previous handler; with the default one SIGTERM killed the process before
    `store_for` could stop the store (left to the parent-death signal on Linux, and
    orphaned elsewhere). The same holds for a signal during start-up or seeding.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def unwind(signum: int, frame: FrameType | None) -> None:
        shutdown.watch(budget)
        raise SystemExit(0)

    previous = {sig: signal.signal(sig, unwind) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
