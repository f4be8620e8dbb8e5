"""GraphQL over HTTP at /graphql, with the anonymous read-model cache in front.

Handled here rather than by strawberry's controller so that a cached anonymous
response is served before any GraphQL parsing, errors keep the hub's shape, and a
bad token is refused instead of silently read as anonymous.
"""

from __future__ import annotations

import time
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State
from prometheus_client import Counter, Histogram
from strawberry.http.ides import get_graphql_ide_html

from hub.auth.tokens import scope_for_request
from hub.errors import Codes, HubError
from hub.graphql.context import Context
from hub.rest.responses import error_response

REQUESTS = Counter("ronghub_graphql_requests_total", "GraphQL requests", ["outcome"])
LATENCY = Histogram("ronghub_graphql_seconds", "GraphQL execution time (cache misses)")

_JSON = "application/json"
_encode = msgspec.json.Encoder().encode


def _bad_request(reason: str) -> Response[Any]:
    return error_response(HubError(Codes.BAD_REQUEST, reason=reason), 400)


async def _execute(state: State, request: Request[Any, Any, Any], payload: Any, allow_mutation: bool) -> Response[Any]:
    if not isinstance(payload, dict):
        return _bad_request("请求体应为 JSON 对象 / the body must be a JSON object")
    query = payload.get("query")
    variables = payload.get("variables")
    operation = payload.get("operationName")
    if not isinstance(query, str) or not query.strip():
        return _bad_request("缺少 query 字段 / missing 'query'")
    if variables is not None and not isinstance(variables, dict):
        return _bad_request("variables 应为 JSON 对象 / 'variables' must be an object")
    if operation is not None and not isinstance(operation, str):
        return _bad_request("operationName 应为字符串 / 'operationName' must be a string")

    settings = state.settings
    scope = scope_for_request(request, settings)
    cache = state.response_cache
    key = None
    if scope.anonymous:
        key = cache.key(scope.tenant, query, variables, operation)
        hit = cache.get(key)
        if hit is not None:
            REQUESTS.labels("cached").inc()
            return Response(hit, media_type=_JSON)
        generation = cache.generations.get(scope.tenant)
        if generation is None:
            generation = await cache.generations.refresh(scope.tenant)

    started = time.perf_counter()
    result = await state.schema.execute(
        query,
        variable_values=variables,
        context_value=Context(scope=scope, settings=settings, auth=getattr(state, "auth", None)),
        operation_name=operation,
        allowed_operation_types=None if allow_mutation else _QUERY_ONLY,
    )
    LATENCY.observe(time.perf_counter() - started)
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [e.formatted for e in result.errors]
    encoded = _encode(body)
    if key is not None and not result.errors:
        cache.put(key, generation, encoded)
    if not scope.anonymous:
        await cache.generations.refresh(scope.tenant)
    REQUESTS.labels("error" if result.errors else "ok").inc()
    return Response(encoded, media_type=_JSON)


def _query_only() -> Any:
    from strawberry.types.graphql import OperationType

    return {OperationType.QUERY}


_QUERY_ONLY = _query_only()


@post(
    "/graphql",
    summary="GraphQL",
    description="GraphQL over HTTP: a JSON body with `query`, optional `variables` and "
    "`operationName`. Results and errors come back with status 200; each error carries "
    "`extensions.code`, `message_zh` and `message_en`.",
    tags=["graphql"],
    status_code=200,
)
async def graphql_post(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    raw = await request.body()
    try:
        payload = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return _bad_request("请求体不是合法的 JSON / the body is not valid JSON")
    return await _execute(state, request, payload, allow_mutation=True)


@get(
    "/graphql",
    summary="GraphQL (queries only) and, in development, GraphiQL",
    tags=["graphql"],
)
async def graphql_get(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    params = request.query_params
    if "query" not in params:
        if state.settings.development and "text/html" in request.headers.get("accept", ""):
            return Response(get_graphql_ide_html(), media_type="text/html")
        return _bad_request("缺少 query 参数 / missing 'query' parameter")
    payload: dict[str, Any] = {"query": params.get("query"), "operationName": params.get("operationName")}
    if params.get("variables"):
        try:
            payload["variables"] = msgspec.json.decode(params["variables"])
        except msgspec.DecodeError:
            return _bad_request("variables 不是合法的 JSON / 'variables' is not valid JSON")
    return await _execute(state, request, payload, allow_mutation=False)
