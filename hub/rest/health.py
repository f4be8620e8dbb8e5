"""Liveness, readiness (the store answers) and Prometheus metrics."""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hub import siblings
from hub.embedded.supervisor import StoreState
from hub.errors import Codes, HubError
from hub.rest.openapi_docs import HEALTHZ_RESPONSES, METRICS_RESPONSES, READYZ_RESPONSES
from hub.rest.responses import bearer_challenge, error_response


@get(
    "/healthz",
    summary="Liveness",
    tags=["operations"],
    sync_to_thread=False,
    responses=HEALTHZ_RESPONSES,
)
def healthz(state: State) -> Response[Any]:
    """The process is up. Does not touch the store; fails (503) only when this process's
    embedded store could not be restarted, so that restarting the hub is the cure."""
    supervisor = state.get("store_supervisor")
    if supervisor is not None and supervisor.state == StoreState.FAILED:
        return error_response(HubError(Codes.STORE_UNAVAILABLE, **_store_details(supervisor)), 503)
    return Response({"status": "ok"}, status_code=200)


def _store_details(supervisor: Any) -> dict[str, Any]:
    return {
        "store": str(supervisor.state),
        "restarts": supervisor.restarts,
        "failures": supervisor.failures,
    }


@get(
    "/readyz",
    summary="Readiness",
    tags=["operations"],
    responses=READYZ_RESPONSES,
)
async def readyz(state: State) -> Response[Any]:
    """Ready to serve: the document store answers a ping (and an embedded one is not
    being restarted), and every API worker of `ronghub serve` serves (hub/workers.py)."""
    worker = siblings.current()
    if worker is not None and worker.shared.serving() < worker.shared.count:
        return error_response(
            HubError(
                Codes.WORKERS_STARTING,
                serving=worker.shared.serving(),
                workers=worker.shared.count,
            ),
            503,
        )
    supervisor = state.get("store_supervisor")
    if supervisor is not None and supervisor.state != StoreState.RUNNING:
        return error_response(HubError(Codes.STORE_UNAVAILABLE, **_store_details(supervisor)), 503)
    try:
        await state.database.ping()
    except Exception:
        return error_response(HubError(Codes.STORE_UNAVAILABLE), 503)
    return Response({"status": "ready", "store": "ok"}, status_code=200)


@get(
    "/metrics",
    summary="Prometheus metrics",
    description="Counters and histograms in the Prometheus text exposition format, for scraping. "
    "With RONGHUB_METRICS_TOKEN set (required in production) only with `Authorization: Bearer <token>`.",
    tags=["operations"],
    media_type=CONTENT_TYPE_LATEST,
    sync_to_thread=False,
    responses=METRICS_RESPONSES,
)
def metrics(request: Request[Any, Any, Any], state: State) -> Response[bytes]:
    """Metrics in the Prometheus text format, for the scraper holding the metrics token."""
    if not metrics_allowed(request.headers.get("authorization"), state.settings):
        response = error_response(HubError(Codes.UNAUTHENTICATED), 401)
        response.headers["www-authenticate"] = bearer_challenge(request)
        return response
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def metrics_allowed(header: str | None, settings: Any) -> bool:
    """Open in development without a token; otherwise only the metrics token opens it
    (in production without RONGHUB_METRICS_TOKEN nothing does: counters and paths are
    no business of the public internet)."""
    token = settings.metrics_token
    if not token:
        return bool(settings.development)
    scheme, _, given = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )
