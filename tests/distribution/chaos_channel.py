"""A channel for the kill test: delivers over real HTTP to a local platform server that
honours an `Idempotency-Key` header, with random pauses that widen the window in which
a worker can be killed mid-delivery. Each request names the worker process that sent it,
so the test can hold a request at the platform and kill exactly the worker waiting on it."""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from ronghub_sdk import (
    ChannelInfo,
    DeliveryResult,
    PlatformStatus,
    Problem,
    StatusState,
    StoryInput,
    TransientDeliveryError,
    TransportKind,
    Variant,
    hookimpl,
)


class ChaosNet:
    @hookimpl
    def describe(self) -> ChannelInfo:
        return ChannelInfo(
            "chaosnet", "压力测试平台", "kill-test platform", TransportKind.PLATFORM_API
        )

    @hookimpl
    def render(self, story: StoryInput) -> Variant:
        return Variant(
            "chaosnet",
            story.story_id,
            story.revision_id,
            {"text": story.title},
            tenant=story.tenant,
        )

    @hookimpl
    def validate(self) -> list[Problem]:
        return []

    @hookimpl
    async def deliver(
        self, variant: Variant, transport: httpx.AsyncClient, idempotency_key: str
    ) -> DeliveryResult:
        await asyncio.sleep(random.uniform(0, 0.05))
        try:
            r = await transport.post(
                "/items",
                json={"text": variant.get("text")},
                headers={"Idempotency-Key": idempotency_key, "X-Chaos-Worker": str(os.getpid())},
            )
        except httpx.HTTPError as exc:
            raise TransientDeliveryError("平台连接失败", str(exc)) from exc
        await asyncio.sleep(
            random.uniform(0, 0.3)
        )  # a kill here: the platform has it, we do not know yet
        item = r.json()
        return DeliveryResult(item["id"], PlatformStatus(StatusState.LIVE, final=True))


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the worker was killed while we answered: expected here
        super().handle_error(request, client_address)


class PlatformServer:
    """The far side: stores one item per idempotency key and counts every request.

    `hold()` stops requests at the door (received, not yet stored or answered) until
    `release()`; `held` lists them as (worker pid, idempotency key)."""

    def __init__(self) -> None:
        self.items: dict[str, str] = {}
        self.posts: dict[str, int] = {}
        self.held: list[tuple[int, str]] = []
        self.in_flight = 0  # requests received and not yet stored
        self.lock = threading.Lock()
        self.gate = threading.Event()
        self.gate.set()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                key = self.headers.get("Idempotency-Key", "")
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with server.lock:
                    server.in_flight += 1
                if not server.gate.is_set():
                    with server.lock:
                        server.held.append((int(self.headers.get("X-Chaos-Worker", 0)), key))
                    server.gate.wait(60)  # bounded: a failed test must not leave threads behind
                time.sleep(random.uniform(0.05, 0.25))  # a slow platform keeps deliveries in flight
                with server.lock:
                    server.posts[key] = server.posts.get(key, 0) + 1
                    server.in_flight -= 1
                    item_id = server.items.setdefault(key, f"item-{len(server.items) + 1}")
                body = json.dumps({"id": item_id}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def hold(self) -> None:
        with self.lock:
            self.held.clear()
            self.gate.clear()

    def release(self) -> None:
        self.gate.set()

    def idle(self) -> bool:
        """No request is being processed (every request received so far is counted)."""
        with self.lock:
            return self.in_flight == 0

    def held_from(self, pids: set[int]) -> tuple[int, str] | None:
        """A held request sent by one of `pids` (a request a killed worker sent before it
        died may still arrive: it has nobody to kill)."""
        with self.lock:
            return next(((pid, key) for pid, key in self.held if pid in pids), None)

    def __enter__(self) -> PlatformServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self.httpd.shutdown()
        self.httpd.server_close()
