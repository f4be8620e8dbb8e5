"""The JSON error body every REST endpoint uses, and the app-wide exception handlers."""

from __future__ import annotations

import secrets
from typing import Any

import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException

from hub.errors import Codes, HubError

log = structlog.get_logger(__name__)


def error_response(err: HubError, status: int | None = None) -> Response[Any]:
    return Response(
        {"errors": [{"message": err.message_zh, "extensions": err.as_dict()}]},
        status_code=status or err.http_status,
        media_type="application/json",
    )


def hub_error_handler(_: Request[Any, Any, Any], exc: HubError) -> Response[Any]:
    return error_response(exc)


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code == 413:
        limit = request.app.state.settings.max_request_bytes
        return error_response(HubError(Codes.REQUEST_TOO_LARGE, limit=limit), 413)
    if exc.status_code == 404:
        return error_response(HubError(Codes.NOT_FOUND, what_zh="页面", what_en="route", id=request.url.path), 404)
    if exc.status_code >= 500:
        return internal_error_handler(request, exc)
    return error_response(HubError(Codes.BAD_REQUEST, reason=str(exc.detail)), exc.status_code)


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    ref = secrets.token_hex(6)
    log.error("http.internal_error", ref=ref, path=request.url.path, exc_info=exc)
    return error_response(HubError(Codes.INTERNAL, ref=ref), 500)
