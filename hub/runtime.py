"""Running the hub as a process: embedded store if needed, then the HTTP server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator

import uvicorn

from hub.app import create_app
from hub.embedded.store import EmbeddedStore
from hub.settings import Settings


@contextlib.contextmanager
def store_for(settings: Settings) -> Iterator[Settings]:
    """Settings with a MongoDB URI: the configured server, or an embedded store started now."""
    if settings.mongodb_uri:
        yield settings
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with EmbeddedStore(settings.store_dir) as store:
        yield settings.model_copy(update={"mongodb_uri": store.uri})


def serve(
    settings: Settings,
    before: Callable[[Settings], Awaitable[None]] | None = None,
    banner: Callable[[Settings], None] | None = None,
) -> None:
    """Start (embedded store,) optional set-up, then uvicorn until SIGINT/SIGTERM."""
    with store_for(settings) as ready:
        if before is not None:
            asyncio.run(before(ready))
        app = create_app(ready)
        config = uvicorn.Config(
            app, host=ready.host, port=ready.port, log_level="warning", lifespan="on", access_log=False
        )
        server = uvicorn.Server(config)
        if banner is not None:
            banner(ready)
        server.run()
