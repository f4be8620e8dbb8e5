"""Liveness, readiness (the store answers) and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hub.errors import Codes, HubError
from hub.rest.openapi_docs import HEALTHZ_RESPONSES, READYZ_RESPONSES
from hub.rest.responses import error_response


@get("/healthz", summary="Liveness", tags=["operations"], sync_to_thread=False, responses=HEALTHZ_RESPONSES)
def healthz() -> dict[str, str]:
    """The process is up. Does not touch the store."""
    return {"status": "ok"}


@get(
    "/readyz",
    summary="Readiness",
    tags=["operations"],
    responses=READYZ_RESPONSES,
)
async def readyz(state: State) -> Response[Any]:
    """Ready to serve: the document store answers a ping."""
    try:
        await state.database.ping()
    except Exception:
        return error_response(HubError(Codes.STORE_UNAVAILABLE), 503)
    return Response({"status": "ready", "store": "ok"})


@get(
    "/metrics",
    summary="Prometheus metrics",
    description="Counters and histograms in the Prometheus text exposition format, for scraping.",
    tags=["operations"],
    media_type=CONTENT_TYPE_LATEST,
    sync_to_thread=False,
)
def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Metrics in the Prometheus text format."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
