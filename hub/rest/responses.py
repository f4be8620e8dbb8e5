"""The JSON error body every REST endpoint uses, and the app-wide exception handlers."""

from __future__ import annotations

import secrets
from typing import Any

import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException

from hub.errors import Codes, HubError
from hub.store.outages import as_outage

log = structlog.get_logger(__name__)

# A restarted embedded store answers again within seconds; a full disk needs a person.
RETRY_AFTER_SECONDS = 5


def error_response(err: HubError, status: int | None = None) -> Response[Any]:
    return Response(
        {"errors": [{"message": err.message_zh, "extensions": err.as_dict()}]},
        status_code=status or err.http_status,
        media_type="application/json",
    )


def outage_response(err: HubError) -> Response[Any]:
    """An outage's answer: its status, and when a client may try again."""
    response = error_response(err)
    response.headers["retry-after"] = str(RETRY_AFTER_SECONDS)
    return response


def bearer_challenge(request: Request[Any, Any, Any]) -> str:
    """RFC 6750 §3: the challenge of a 401; `error` only when a token was sent and refused."""
    if request.headers.get("authorization"):
        return 'Bearer realm="ronghub", error="invalid_token"'
    return 'Bearer realm="ronghub"'


def hub_error_handler(request: Request[Any, Any, Any], exc: HubError) -> Response[Any]:
    if exc.kind in (Codes.STORE_UNAVAILABLE, Codes.STORAGE_FULL):
        return outage_response(exc)
    response = error_response(exc)
    if response.status_code == 401:
        response.headers["www-authenticate"] = bearer_challenge(request)
    return response


# litestar's own refusals (its `detail` is English): what to tell an editor in Chinese
_REFUSED_ZH = {
    400: "请求参数不符合接口定义,请对照接口文档(/schema)修改",
    401: "缺少有效的身份凭证",
    403: "没有权限",
    406: "无法以请求的格式作答",
    409: "与当前数据冲突",
    415: "不支持的请求内容类型",
    422: "请求内容无法处理",
    429: "请求过于频繁",
}


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code == 413:
        limit = request.app.state.settings.max_request_bytes
        return error_response(HubError(Codes.REQUEST_TOO_LARGE, limit=limit), 413)
    if exc.status_code == 404:
        return error_response(
            HubError(Codes.NOT_FOUND, what_zh="页面", what_en="route", id=request.url.path), 404
        )
    if exc.status_code >= 500:
        return internal_error_handler(request, exc)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:  # RFC 9110 §15.5.6: a 405 names the methods that are allowed
        allow = http_methods(headers.pop("allow", "") or headers.pop("Allow", ""))
        headers["allow"] = allow
        response = error_response(
            HubError(Codes.METHOD_NOT_ALLOWED, method=request.method, allow=allow), 405
        )
    else:
        reason_zh = _REFUSED_ZH.get(exc.status_code, "请求无法处理")
        response = error_response(
            HubError(Codes.BAD_REQUEST, reason_zh=reason_zh, reason_en=str(exc.detail)),
            exc.status_code,
        )
    response.headers.update(headers)
    if exc.status_code == 401 and "www-authenticate" not in {k.lower() for k in headers}:
        response.headers["www-authenticate"] = bearer_challenge(request)
    return response


def http_methods(allow: str) -> str:
    """litestar's Allow of a path with a websocket route too (/graphql) names `websocket`,
    which is no HTTP method (RFC 9110 §10.2.1): only the methods, sorted."""
    methods = {m.strip().upper() for m in allow.split(",")} - {"", "WEBSOCKET", "ASGI"}
    return ", ".join(sorted(methods))


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    outage = as_outage(exc)
    if outage is not None:  # the store is away or the disk is full: say so, no stack trace
        log.warning("http.outage", code=outage.code, path=request.url.path, error=str(exc)[:300])
        return outage_response(outage)
    ref = secrets.token_hex(6)
    log.error("http.internal_error", ref=ref, path=request.url.path, exc_info=exc)
    return error_response(HubError(Codes.INTERNAL, ref=ref), 500)
