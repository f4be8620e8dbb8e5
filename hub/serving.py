"""The HTTP server's settings (uvicorn), for `ronghub serve`, its API worker processes
(hub/workers.py) and the benchmarks' bare endpoint."""

from __future__ import annotations

from typing import Any

import uvicorn

from hub import shutdown
from hub.settings import Settings


class HubServer(uvicorn.Server):
    """uvicorn, whose first stop signal also starts the stop's backstop (hub/shutdown.py):
    this process ends `budget_seconds` after it at the latest."""

    def __init__(self, config: uvicorn.Config, budget_seconds: float) -> None:
        super().__init__(config)
        self.budget_seconds = budget_seconds

    def handle_exit(self, sig: int, frame: Any) -> None:
        shutdown.watch(self.budget_seconds)
        super().handle_exit(sig, frame)


def uvicorn_config(
    app: Any,
    host: str,
    port: int,
    trusted_proxies: list[str] | None = None,
    max_message_bytes: int | None = None,
    shutdown_grace: int | None = None,
    keep_alive: int = 75,
) -> uvicorn.Config:
    """The HTTP server settings of `ronghub serve` (the benchmarks' bare endpoint uses them too).

    One process (hub/workers.py runs several of these on one socket); uvloop and httptools (dependencies) when importable; no access log,
    which would cost more per request than a cached read. X-Forwarded-For/-Proto are
    believed from RONGHUB_TRUSTED_PROXIES only (uvicorn by default trusts 127.0.0.1).
    A websocket message may be as large as an HTTP body (RONGHUB_MAX_REQUEST_BYTES),
    not uvicorn's default of 16 MiB. An idle connection stays open `keep_alive` seconds
    (RONGHUB_HTTP_KEEP_ALIVE_SECONDS), not uvicorn's 5: with 5, a client pool expiring
    idle connections after 5 s too (httpx) sends on a connection the server is closing
    and gets a transport error.
    """
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        lifespan="on",
        access_log=False,
        loop="auto",
        http="auto",
        proxy_headers=bool(trusted_proxies),
        forwarded_allow_ips=list(trusted_proxies or []),
        ws_max_size=max_message_bytes or 16 * 1024 * 1024,  # uvicorn's own default otherwise
        # requests still running this long after SIGTERM are cut off (else a request
        # waiting on a dead store, or an open subscription, holds the shutdown up)
        timeout_graceful_shutdown=shutdown_grace,
        timeout_keep_alive=keep_alive,
    )


def serve_config(app: Any, settings: Settings) -> uvicorn.Config:
    """`uvicorn_config` from the hub's settings."""
    return uvicorn_config(
        app,
        settings.host,
        settings.port,
        settings.trusted_proxies,
        max_message_bytes=settings.max_request_bytes,
        shutdown_grace=settings.shutdown_grace_seconds,
        keep_alive=settings.http_keep_alive_seconds,
    )
