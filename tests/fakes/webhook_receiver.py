"""A partner endpoint that receives Standard Webhooks and verifies them twice: `v1` with the
independent `standardwebhooks` library (so our signing is checked by someone else's code)
and, when given public keys, `v1a` with the SDK verifier (ronghub_sdk.verify)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from litestar import Litestar, Request, Response, post
from ronghub_sdk.verify import VerificationError, WebhookVerifier
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from hub.embedded.store import free_port


@dataclass
class Arrival:
    id: str
    payload: Any
    at: float
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookReceiver:
    """Keeps verified pushes by webhook-id (a repeat id is acknowledged, not stored twice).

    `script` answers the first requests: an int status, or (status, retry-after value).
    `secret` may be set after the server started (an endpoint's secret is shown on create).
    """

    secret: str
    script: list[int | tuple[int, str | None]] = field(default_factory=list)
    public_keys: list[Any] = field(default_factory=list)  # whpk_ strings or JWKs: check v1a too
    received: dict[str, Any] = field(default_factory=dict)
    arrivals: list[Arrival] = field(
        default_factory=list
    )  # every verified request, repeats included
    attempts: int = 0
    rejected: int = 0
    v1a_verified: int = 0
    on_request: Callable[[], Awaitable[None]] | None = None  # runs first on every request
    views: dict[str, int] = field(
        default_factory=dict
    )  # a portal's page views by 索引号 (stats requests)

    def app(self) -> Litestar:
        @post("/hook", status_code=200)
        async def hook(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
            self.attempts += 1
            if self.on_request is not None:
                await self.on_request()
            body = await request.body()
            if self.script:
                step = self.script.pop(0)
                status, retry_after = step if isinstance(step, tuple) else (step, "1")
                headers = {"retry-after": retry_after} if retry_after is not None else {}
                return Response({"error": "busy"}, status_code=status, headers=headers)
            headers = dict(request.headers)
            # built per request: the secret may be set after the server started (shown on create)
            verifier = Webhook(self.secret)
            sdk = (
                WebhookVerifier(public_keys=self.public_keys, seen=None)
                if self.public_keys
                else None
            )
            try:
                payload = verifier.verify(body, headers)
                if sdk is not None:
                    sdk.verify(headers, body)
                    self.v1a_verified += 1
            except (WebhookVerificationError, VerificationError):
                self.rejected += 1
                return Response({"error": "bad signature"}, status_code=401)
            message_id = request.headers["webhook-id"]
            if (
                isinstance(payload, dict) and payload.get("action") == "stats"
            ):  # a portal answering with its counts
                return Response(
                    {"ok": True, "views": self.views.get(str(payload.get("index_no")), 0)},
                    status_code=200,
                )
            self.arrivals.append(Arrival(message_id, payload, time.time(), headers, body))
            self.received.setdefault(message_id, payload)
            return Response({"ok": True, "id": message_id}, status_code=200)

        return Litestar([hook], debug=False)

    def payloads(self) -> list[Any]:
        """Verified payloads in arrival order."""
        return list(self.received.values())

    @staticmethod
    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)


@asynccontextmanager
async def serve_on(app: Any, port: int | None = None) -> AsyncIterator[str]:
    """Serve `app` on 127.0.0.1:`port` (a free one if None): stopping and serving again on the
    same port gives a receiver that is down (connection refused) and then comes back."""
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    for _ in range(250):
        if server.started:
            break
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
