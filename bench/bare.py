"""The baseline: a bare litestar app answering POST/GET /graphql with fixed JSON bytes.

It reads the request body (as the hub must) and returns the bytes the hub returned
for the same page, under the same uvicorn settings as `ronghub serve`. What the hub
costs beyond this is the hub's own overhead.

    python -m bench.bare --port 8001 --body page.json
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Response, get, post


def create_bare_app(body: bytes) -> Litestar:
    """A litestar app that serves `body` as application/json at /graphql and /healthz."""

    @post("/graphql", status_code=200)
    async def graphql_post(request: Request[Any, Any, Any]) -> Response[bytes]:
        await request.body()
        return Response(body, media_type="application/json")

    @get("/graphql")
    async def graphql_get() -> Response[bytes]:
        return Response(body, media_type="application/json")

    @get("/healthz", sync_to_thread=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return Litestar(route_handlers=[graphql_post, graphql_get, healthz], debug=False)


def main() -> None:
    import uvicorn

    from hub.serving import uvicorn_config

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--body", type=Path, required=True, help="file with the JSON to serve")
    args = parser.parse_args()
    app = create_bare_app(args.body.read_bytes())
    uvicorn.Server(uvicorn_config(app, args.host, args.port)).run()


if __name__ == "__main__":
    main()
