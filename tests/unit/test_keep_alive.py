"""The HTTP server keeps an idle connection open RONGHUB_HTTP_KEEP_ALIVE_SECONDS.

uvicorn's own 5 s equals httpx's pool expiry: a client reusing a connection just as the
server closed it got a transport error (bench.writers saw 4 ReadErrors in a run).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import uvicorn

from hub.embedded.store import free_port
from hub.serving import serve_config
from hub.settings import Settings


async def _hello(scope: dict[str, Any], receive: Any, send: Any) -> None:
    assert scope["type"] == "http"
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]}
    )
    await send({"type": "http.response.body", "body": b"ok"})


def test_the_default_outlasts_the_clients_pool_expiry() -> None:
    config = serve_config(_hello, Settings())
    assert Settings().http_keep_alive_seconds == 75
    assert config.timeout_keep_alive == 75 > 5  # httpx expires idle connections after 5 s


async def test_an_idle_connection_is_closed_after_the_setting_and_not_before() -> None:
    settings = Settings(host="127.0.0.1", port=free_port(), http_keep_alive_seconds=2)
    server = uvicorn.Server(serve_config(_hello, settings))
    server.config.lifespan = "off"
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not task.done(), task
            await asyncio.sleep(0.01)
        reader, writer = await asyncio.open_connection("127.0.0.1", settings.port)
        writer.write(b"GET / HTTP/1.1\r\nhost: hub\r\n\r\n")
        await writer.drain()
        head = await reader.readuntil(b"ok")
        answered = time.monotonic()
        assert head.startswith(b"HTTP/1.1 200")
        # the next read ends when the server closes the idle connection
        assert await asyncio.wait_for(reader.read(), timeout=30) == b""
        idle = time.monotonic() - answered
        assert 2 - 0.2 <= idle < 20, idle
        writer.close()
    finally:
        server.should_exit = True
        await task
