"""`Allow` on OPTIONS answers: every method of the path, not only the first handler's.

litestar makes the OPTIONS answer for a path when its first handler is registered; a
second handler on the same path (GET and POST /graphql, GET and DELETE of an asset)
joins the route but not that answer. RFC 9110 §10.2.1: `Allow` lists the methods the
target resource supports.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.routes import HTTPRoute


class AllowHeaders:
    """A `before_send` hook; `learn(app)` once the routes are registered."""

    def __init__(self) -> None:
        self.methods: dict[str, str] = {}

    def learn(self, app: Litestar) -> None:
        self.methods = {
            route.path_format: ", ".join(sorted(route.methods))
            for route in app.routes
            if isinstance(route, HTTPRoute)
        }

    async def __call__(self, message: Any, scope: Any) -> None:
        if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
            return
        allow = self.methods.get(scope.get("path_template", ""))
        if allow is None:
            return
        headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
        message["headers"] = [*headers, (b"allow", allow.encode("latin-1"))]
