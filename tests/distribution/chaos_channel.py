"""A channel for the kill test: delivers over real HTTP to a local platform server that
honours an `Idempotency-Key` header, with random pauses that widen the window in which
a worker can be killed mid-delivery."""

from __future__ import annotations

import asyncio
import json
import random
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
        return ChannelInfo("chaosnet", "压力测试平台", "kill-test platform", TransportKind.PLATFORM_API)

    @hookimpl
    def render(self, story: StoryInput) -> Variant:
        return Variant("chaosnet", story.story_id, story.revision_id, {"text": story.title}, tenant=story.tenant)

    @hookimpl
    def validate(self) -> list[Problem]:
        return []

    @hookimpl
    async def deliver(self, variant: Variant, transport: httpx.AsyncClient, idempotency_key: str) -> DeliveryResult:
        await asyncio.sleep(random.uniform(0, 0.05))
        try:
            r = await transport.post("/items", json={"text": variant.get("text")}, headers={"Idempotency-Key": idempotency_key})
        except httpx.HTTPError as exc:
            raise TransientDeliveryError("平台连接失败", str(exc)) from exc
        await asyncio.sleep(random.uniform(0, 0.3))  # a kill here: the platform has it, we do not know yet
        item = r.json()
        return DeliveryResult(item["id"], PlatformStatus(StatusState.LIVE, final=True))


class PlatformServer:
    """The far side: stores one item per idempotency key and counts every request."""

    def __init__(self) -> None:
        self.items: dict[str, str] = {}
        self.posts: dict[str, int] = {}
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                key = self.headers.get("Idempotency-Key", "")
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(random.uniform(0.05, 0.25))  # a slow platform keeps deliveries in flight
                with server.lock:
                    server.posts[key] = server.posts.get(key, 0) + 1
                    item_id = server.items.setdefault(key, f"item-{len(server.items) + 1}")
                body = json.dumps({"id": item_id}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> PlatformServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
