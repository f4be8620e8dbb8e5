"""`ronghub serve` with several API worker processes on one port (RONGHUB_API_WORKERS).

One API process answers on one core only; the hub's CPU per request is larger than the
store's, so on a machine with several cores one process caps the throughput. Here the
supervising process (the one that started the embedded store, if any) holds the port,
then starts N worker processes (spawned: a fresh interpreter each, no state copied by
a fork) that build the app and each listen on the port with SO_REUSEPORT: the kernel
spreads new connections evenly over the listening workers. (One listening socket shared
by all was tried first: the event loop accepts every pending connection at once, and
64 connections opened together all landed on one worker.) The supervising process's
socket is bound but never listens, so it takes no connections; it keeps the port and
makes a port in use fail at start. All the workers talk to the one store.

What each worker keeps in memory, and how it stays right across them:
- the read cache (hub/readcache.py) and the caches on its generations: a bump in one
  worker is announced through shared memory (hub/siblings.py), the others re-read the
  generation before their next cached answer; other processes (a `ronghub worker`, the
  CLI) are still seen within the poll interval;
- newsroom events and subscriptions: stored by `bus.publish` and tailed by every
  process with listeners (hub/events/bus.py), so a subscriber on any worker gets them;
- the job worker and the 问政 deadlines run in the primary worker (index 0) only, as
  they would in one process; work made in another worker is found by the primary's
  next look (at most its idle pause, 0.2 s) rather than at once;
- the embedded search index has one writer, the primary (which also runs the search
  consumer and the rebuild); the others follow its commits (hub/search/tantivy_engine.py);
- per-process and acceptable: the GraphQL document caches and APQ (a miss only costs a
  parse, or the client's resend), /metrics counters (each worker reports its own;
  `ronghub_api_worker{worker,pid}` says which one answered), the token endpoint's and 问政 intake rate limits (each worker
  counts alone, so a client spread over N connections gets up to N times the limit: a
  brake on abuse, not a quota);
- revocations, ended sessions and changed clients: announced like the read model, so a
  sibling re-reads them within 50 ms (hub/identity/state.py), not RONGHUB_KEY_REFRESH_SECONDS.

A worker that dies is logged and started again (backing off if it keeps dying early);
/readyz answers 503 WORKERS_STARTING until every worker serves. SIGTERM/SIGINT to the
supervising process is passed on to every worker, each drains its requests (within
RONGHUB_SHUTDOWN_GRACE_SECONDS) and exits, then the store is stopped.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import wait
from typing import Any

import structlog
import uvicorn

from hub import heap, shutdown, siblings
from hub.embedded.supervisor import RestartPolicy
from hub.serving import HubServer
from hub.settings import Settings

log = structlog.get_logger(__name__)

#: a worker that dies within `stable_after` seconds of its start is restarted after a
#: growing delay (0.5 s, 1 s, ... up to 10 s); one that ran longer, at once
RESTARTS = RestartPolicy(first_delay=0.5, max_delay=10.0, stable_after=30.0)


def worker_budget(settings: Settings) -> float:
    """Seconds an API worker has to stop after SIGTERM: its requests' grace, its background
    work, its exit (hub/shutdown.py); killed after that. The store is the supervising
    process's, stopped once the workers have ended."""
    return (
        settings.shutdown_grace_seconds + shutdown.BACKGROUND_SECONDS + shutdown.EXIT_MARGIN_SECONDS
    )


def worker_count(settings: Settings) -> int:
    """How many API processes: RONGHUB_API_WORKERS, or one per core when it is 0."""
    return settings.api_workers or (os.cpu_count() or 1)


class _Slot:
    """One worker's place: its process, when it started, its early deaths in a row."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.process: Any = None
        self.started = 0.0
        self.early_deaths = 0
        self.restart_at: float | None = None


class Workers:
    """Start `count` API workers on the port `sock` holds; keep them running until `stop()`."""

    def __init__(
        self,
        settings: Settings,
        count: int,
        sock: socket.socket,
        store: Any = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.sock = sock
        self.store = store  # the embedded store's supervisor, mirrored for the workers
        self.clock = clock
        self.ctx = multiprocessing.get_context("spawn")
        self.shared = siblings.Shared(count, self.ctx)
        self.slots = [_Slot(i) for i in range(count)]
        self.restarts = 0
        self._stopping = threading.Event()
        self._mirror: threading.Thread | None = None

    # ---- starting and watching ---------------------------------------------------------
    def start(self) -> None:
        if self.store is not None:
            self.shared.mirror_store(self.store)
            self._mirror = threading.Thread(target=self._mirror_store, daemon=True)
            self._mirror.start()
        for slot in self.slots:
            self._spawn(slot)

    def _spawn(self, slot: _Slot) -> None:
        slot.process = self.ctx.Process(
            target=serve_worker,
            args=(slot.index, self.settings, self.shared),
            name=f"ronghub-api-{slot.index}",
            daemon=False,
        )
        slot.process.start()
        slot.started = self.clock()
        slot.restart_at = None
        log.info("workers.started", worker=slot.index, pid=slot.process.pid)

    def watch(self) -> None:
        """Restart workers that die, until `stop()` (or an exception: SIGTERM unwinding)."""
        while not self._stopping.is_set():
            now = self.clock()
            for slot in self.slots:
                if slot.restart_at is not None and now >= slot.restart_at:
                    self._spawn(slot)
            due = [s.restart_at for s in self.slots if s.restart_at is not None]
            running = {s.process.sentinel: s for s in self.slots if s.restart_at is None}
            timeout = max(0.0, min(due) - now) if due else None
            for sentinel in wait(list(running), timeout):
                self._died(running[sentinel])

    def _died(self, slot: _Slot) -> None:
        process = slot.process
        process.join()
        self.shared.down(slot.index)
        if self._stopping.is_set():
            return
        lived = self.clock() - slot.started
        slot.early_deaths = slot.early_deaths + 1 if lived < RESTARTS.stable_after else 0
        delay = RESTARTS.delay(slot.early_deaths) if slot.early_deaths else 0.0
        slot.restart_at = self.clock() + delay
        self.restarts += 1
        log.warning(
            "workers.died",
            worker=slot.index,
            pid=process.pid,
            exit_code=process.exitcode,
            lived_seconds=round(lived, 1),
            restart_in_seconds=delay,
        )

    def _mirror_store(self) -> None:
        supervisor = self.store
        with supervisor.changed:
            while not self._stopping.is_set():
                self.shared.mirror_store(supervisor)
                supervisor.changed.wait(timeout=1.0)

    # ---- stopping --------------------------------------------------------------------
    def stop(self) -> None:
        """SIGTERM to every worker; wait for them to drain; kill those that do not end."""
        self._stopping.set()
        live = [s.process for s in self.slots if s.process is not None and s.process.is_alive()]
        for process in live:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGTERM)
        deadline = self.clock() + worker_budget(self.settings)
        for process in live:
            process.join(max(0.0, deadline - self.clock()))
            if process.is_alive():
                log.warning("workers.killed", pid=process.pid)
                process.kill()
                process.join()
        if self.store is not None:
            with self.store.changed:
                self.store.changed.notify_all()
        if self._mirror is not None:
            self._mirror.join(1.0)  # notified just now; a daemon, not waited for past this


def port_socket(settings: Settings) -> socket.socket:
    """A socket bound to the hub's host and port that others may share (SO_REUSEPORT).
    A worker's starts listening once its app has started (uvicorn listens on it), so
    no connection waits in the queue of a worker still starting."""
    family, kind, proto, _, address = socket.getaddrinfo(
        settings.host, settings.port, type=socket.SOCK_STREAM
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except BaseException:
        sock.close()
        raise
    return sock


def run_workers(settings: Settings, count: int, store: Any = None) -> None:
    """Serve with `count` workers until SIGTERM/SIGINT unwinds this process."""
    sock = port_socket(settings)
    workers = Workers(settings, count, sock, store)
    try:
        workers.start()
        workers.watch()
    finally:
        workers.stop()
        sock.close()


# ---- in a worker process --------------------------------------------------------------


class _Server(HubServer):
    """uvicorn, marking the worker as serving once its app has started."""

    def __init__(
        self, config: uvicorn.Config, budget_seconds: float, on_ready: Callable[[], None]
    ) -> None:
        super().__init__(config, budget_seconds)
        self.on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if not self.should_exit:
            self.on_ready()


def serve_worker(index: int, settings: Settings, shared: Any) -> None:
    """A worker process: build the app (the primary with the job worker and the search
    index writer) and serve on its own socket of the hub's port until SIGTERM."""
    from hub.app import create_app
    from hub.embedded.store import _set_parent_death_signal
    from hub.serving import serve_config
    from hub.shutdown import stop_cleanly_on_signals

    _set_parent_death_signal()  # the supervisor killed outright: its workers go too
    with stop_cleanly_on_signals():
        worker = siblings.Worker(shared, index)
        siblings.install(worker)
        if not worker.primary:
            settings = settings.model_copy(update={"worker_in_process": False})
        store = siblings.StoreView(shared) if shared.store[0] >= 0 else None
        app = create_app(settings, store=store, search_writer=worker.primary)
        _WORKER_INFO.labels(worker=str(index), pid=str(os.getpid())).set(1)
        server = _Server(
            serve_config(app, settings), worker_budget(settings), on_ready=lambda: shared.up(index)
        )
        heap.settle()
        server.run(sockets=[port_socket(settings)])


def _info_gauge() -> Any:
    from prometheus_client import Gauge

    return Gauge(
        "ronghub_api_worker", "This API worker process (RONGHUB_API_WORKERS)", ["worker", "pid"]
    )


_WORKER_INFO = _info_gauge()
