"""A partner endpoint that receives Standard Webhooks and verifies them with the
independent `standardwebhooks` library (so our signing is checked by someone else's code)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from litestar import Litestar, Request, Response, post
from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class WebhookReceiver:
    """Keeps verified pushes by webhook-id (a repeat id is acknowledged, not stored twice)."""

    secret: str
    script: list[int] = field(default_factory=list)  # statuses to answer first, e.g. [429, 503]
    received: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    rejected: int = 0

    def app(self) -> Litestar:
        verifier = Webhook(self.secret)

        @post("/hook", status_code=200)
        async def hook(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
            self.attempts += 1
            body = await request.body()
            if self.script:
                status = self.script.pop(0)
                return Response({"error": "busy"}, status_code=status, headers={"retry-after": "1"})
            try:
                payload = verifier.verify(body, dict(request.headers))
            except WebhookVerificationError:
                self.rejected += 1
                return Response({"error": "bad signature"}, status_code=401)
            message_id = request.headers["webhook-id"]
            self.received.setdefault(message_id, payload)
            return Response({"ok": True, "id": message_id}, status_code=200)

        return Litestar([hook], debug=False)

    def payloads(self) -> list[Any]:
        """Verified payloads in arrival order."""
        return list(self.received.values())

    @staticmethod
    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)
