"""GraphQL over HTTP at /graphql, with the anonymous read-model cache in front.

Handled here rather than by strawberry's controller so that a cached anonymous
response is served before any GraphQL parsing, errors keep the hub's shape, and a
bad token is refused instead of silently read as anonymous.

`CachedReads` goes one step further for the hottest path: it sits in front of
litestar's router and answers an anonymous request whose exact bytes are cached
without building a Request, resolving dependencies or a Response object. Everything
else (and every miss) goes through the handlers below, which fill the cache.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State
from prometheus_client import Counter, Histogram
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from hub.console.session import CSRF_HEADER, has_session_cookie
from hub.errors import Codes, HubError
from hub.graphql.context import Context
from hub.graphql.errors import shape_error
from hub.identity.tokens import scope_for_request
from hub.ids import now_ms
from hub.media.signing import collect_expiries
from hub.reach import reads
from hub.readcache import serve_until
from hub.rest.assets import graphiql_html
from hub.rest.http_cache import (
    PRIVATE,
    VARY,
    VARY_CORS,
    etag_for,
    etag_matches,
    public_cache_control,
)
from hub.rest.jsonbody import decode, is_json_media_type
from hub.rest.openapi_docs import (
    GRAPHQL_GET_RESPONSES,
    GRAPHQL_RESPONSES,
    GraphQLGetOperation,
    GraphQLPostOperation,
)
from hub.rest.responses import error_response
from hub.store.after_commit import after_commit
from hub.store.outages import as_outage
from hub.store.scope import Scope

REQUESTS = Counter("ronghub_graphql_requests_total", "GraphQL requests", ["outcome"])
LATENCY = Histogram("ronghub_graphql_seconds", "GraphQL execution time (cache misses)")
# Label lookups take a lock and build a tuple: resolve them once, not per request.
_CACHED = REQUESTS.labels("cached")
_OK = REQUESTS.labels("ok")
_ERROR = REQUESTS.labels("error")

_JSON = "application/json"


def _int_like(value: Any) -> Any:
    """msgspec encodes `int` but not its subclasses: BSON's Int64 (how PyMongo reads back
    integers above 2^31 kept in free-form JSON fields, e.g. a platform's report) goes out
    as the plain integer it is."""
    if isinstance(value, int):
        return int(value)
    raise NotImplementedError(f"cannot encode {type(value).__name__}")


_encode = msgspec.json.Encoder(enc_hook=_int_like).encode
_SHA256 = re.compile("[0-9a-fA-F]{64}")
_DOCUMENT_ID = re.compile("(?:sha256:)?[0-9a-fA-F]{64}")


def _bad_request(reason_zh: str, reason_en: str) -> Response[Any]:
    return error_response(
        HubError(Codes.BAD_REQUEST, reason_zh=reason_zh, reason_en=reason_en), 400
    )


def _private(body: bytes) -> Response[Any]:
    return Response(body, media_type=_JSON, headers={"cache-control": PRIVATE})


def public_headers(settings: Any, etag: str, until: float | None, now: float) -> dict[str, str]:
    """The caching headers of an anonymous GET answer (hub/rest/http_cache.py)."""
    control = public_cache_control(
        settings.http_cache_max_age_seconds,
        settings.http_cache_stale_while_revalidate_seconds,
        until,
        now,
        settings.read_cache_url_margin_seconds,
    )
    return {"etag": etag, "cache-control": control, "vary": VARY}


def _public(
    request: Request[Any, Any, Any], state: State, body: bytes, etag: str, until: float | None
) -> Response[Any]:
    headers = public_headers(state.settings, etag, until, state.response_cache.clock())
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type=_JSON, headers=headers)


async def _execute(
    state: State,
    request: Request[Any, Any, Any],
    payload: Any,
    allow_mutation: bool,
    raw: tuple[str, bytes],
) -> Response[Any]:
    if not isinstance(payload, dict):
        return _bad_request("请求体应为 JSON 对象", "the body must be a JSON object")
    variables = payload.get("variables")
    operation = payload.get("operationName")
    if operation == "":  # names no operation (graphql-http reads it so)
        operation = None
    persisted = payload.get("documentId") is not None or payload.get("extensions") is not None
    query = payload.get("query")
    if not persisted and (not isinstance(query, str) or not query.strip()):
        return _bad_request("缺少 query 字段", "missing 'query'")
    if query is not None and (not isinstance(query, str) or not query.strip()):
        return _bad_request("query 应为非空字符串", "'query' must be a non-blank string")
    document_id = payload.get("documentId")
    if document_id is not None and not (
        isinstance(document_id, str) and _DOCUMENT_ID.fullmatch(document_id)
    ):
        return _bad_request(
            "documentId 应为 64 位十六进制的 sha256(可带 sha256: 前缀)",
            "'documentId' must be a sha256 of 64 hex digits (optionally prefixed sha256:)",
        )
    extensions = payload.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        return _bad_request("extensions 应为 JSON 对象", "'extensions' must be an object")
    apq = extensions.get("persistedQuery") if extensions else None
    if apq is not None and not (
        isinstance(apq, dict)
        and isinstance(apq.get("sha256Hash"), str)
        and _SHA256.fullmatch(apq["sha256Hash"])
    ):
        return _bad_request(
            "extensions.persistedQuery 应带 64 位十六进制的 sha256Hash",
            "extensions.persistedQuery needs a sha256Hash of 64 hex digits",
        )
    if variables is not None and not isinstance(variables, dict):
        return _bad_request("variables 应为 JSON 对象", "'variables' must be an object")
    if operation is not None and not isinstance(operation, str):
        return _bad_request("operationName 应为字符串", "'operationName' must be a string")

    settings = state.settings
    scope = scope_for_request(request, settings)
    try:
        payload = await state.persisted.resolve(scope.tenant, scope.anonymous, payload)
    except HubError as exc:
        # a GraphQL error with status 200, as every error of an operation (Apollo's clients
        # look for PERSISTED_QUERY_NOT_FOUND in the body to resend with the text)
        return _private(
            _encode(
                {"data": None, "errors": [{"message": exc.message_zh, "extensions": exc.as_dict()}]}
            )
        )
    query = payload.get("query")
    if not isinstance(query, str) or not query.strip():
        return _bad_request("缺少 query 字段", "missing 'query'")
    cache = state.response_cache
    run = (state, scope, query, variables, operation, allow_mutation)
    if not scope.anonymous:
        mark = cache.generations.mark()
        encoded, _, _ = await _run(*run)
        # see our own writes at once, and keep this process's generation as fresh as the
        # newsroom's last request (a read too: skipping it left anonymous pages cached under
        # a generation the next write then moved past). A re-read sent after this request
        # began that has landed shows every bump committed before it began, as this one's
        # own would; the bumps of published changes come later, from the distribution and
        # search jobs (which advance this process's generation, or announce it to the
        # siblings). So a request such a re-read covers skips its own (issue 15: at 64
        # editors most do; it was a store round trip at the end of every request). The
        # answer stands if the re-read fails (a mutation in it is committed): the next poll
        # re-reads it
        if not cache.generations.fresh_since(scope.tenant, mark):
            await after_commit(
                "readcache.refresh", cache.generations.refresh(scope.tenant), tenant=scope.tenant
            )
        return _private(encoded)

    # Only GET answers may be kept by browsers and CDNs (a POST is never cached by them).
    shareable = raw[0] == "GET"
    key = cache.key(scope.tenant, *raw)
    counter = getattr(state, "read_counter", None)
    agent = request.headers.get("user-agent")
    hit = cache.lookup(key)
    if hit is not None:
        _CACHED.inc()
        if counter is not None:  # 传播效果: a cached story page is still a read
            counter.cached_hit(scope.tenant, key, agent, now_ms())
        return _public(request, state, hit[0], hit[1], hit[2]) if shareable else _private(hit[0])
    generation = cache.generations.get(scope.tenant)
    if generation is None:
        try:
            generation = await cache.generations.refresh(scope.tenant)
        except Exception as exc:
            if as_outage(exc) is None:
                raise
            # the store is away: answer uncached (its resolvers report STORE_UNAVAILABLE
            # as GraphQL errors, like every other error of an operation)
            encoded, _, _ = await _run(*run)
            return _private(encoded)
    flight = (request, state, shareable, cache, key, generation, run)
    if counter is not None:
        return await _counted(counter, scope.tenant, agent, flight)
    return await _single_flight(*flight)


async def _counted(
    counter: Any, tenant: str, agent: str | None, flight: tuple[Any, ...]
) -> Response[Any]:
    """The anonymous answer, with the stories it read counted (and remembered with its
    cache key, so later cache hits count them too)."""
    cache, key = flight[3], flight[4]
    with reads.collecting() as seen:
        response = await _single_flight(*flight)
    counter.remember(key, seen)
    if seen:
        counter.read(tenant, seen, agent, now_ms())
    elif cache.get(key) is not None:  # answered by another request's flight
        counter.cached_hit(tenant, key, agent, now_ms())
    return response


async def _single_flight(
    request: Request[Any, Any, Any],
    state: State,
    shareable: bool,
    cache: Any,
    key: Any,
    generation: int,
    run: Any,
) -> Response[Any]:
    settings = state.settings
    # Single flight: after a publish every reader of a page misses at once; the first
    # computes it and the others (same request, same generation) wait for its bytes.
    flight = (key, generation)
    pending = cache.inflight.get(flight)
    if pending is not None:
        shared = await asyncio.shield(pending)
        if shared is not None:
            _CACHED.inc()
            return _answer(request, state, shareable, shared[0], generation, shared[1])
        encoded, _, _ = await _run(*run)  # the first one failed: answer for ourselves
        return _private(encoded)
    future: asyncio.Future[tuple[bytes, float | None] | None] = (
        asyncio.get_running_loop().create_future()
    )
    cache.inflight[flight] = future
    until: float | None = None
    try:
        encoded, ok, url_expiry = await _run(*run)
        if ok:
            until = serve_until(url_expiry, settings.read_cache_url_margin_seconds)
            cache.put(key, generation, encoded, until)
        future.set_result((encoded, until) if ok else None)
    finally:
        del cache.inflight[flight]
        if not future.done():
            future.set_result(None)
    if not ok:
        return _private(encoded)  # errors (an outage among them) are not for keeping
    return _answer(request, state, shareable, encoded, generation, until)


def _answer(
    request: Request[Any, Any, Any],
    state: State,
    shareable: bool,
    body: bytes,
    generation: int,
    until: float | None,
) -> Response[Any]:
    if not shareable:
        return _private(body)
    return _public(request, state, body, etag_for(generation, body), until)


async def _run(
    state: State,
    scope: Scope,
    query: str,
    variables: Any,
    operation: str | None,
    allow_mutation: bool,
) -> tuple[bytes, bool, float | None]:
    """Execute one operation: the encoded response, whether it had no errors, and when
    the first signed media URL in it expires (None: it has none)."""
    started = time.perf_counter()
    try:
        with collect_expiries() as expiries:
            result = await state.schema.execute(
                query,
                variable_values=variables,
                context_value=Context(
                    scope=scope,
                    settings=state.settings,
                    services=state,
                    auth=getattr(state, "auth", None),
                ),
                operation_name=operation,
                allowed_operation_types=_QUERY_AND_MUTATION if allow_mutation else _QUERY_ONLY,
            )
    except InvalidOperationTypeError as exc:
        if exc.operation_type == _SUBSCRIPTION:
            raise HubError(
                Codes.BAD_REQUEST,
                reason_zh="订阅请通过 WebSocket(graphql-transport-ws)",
                reason_en="subscriptions need the websocket (graphql-transport-ws)",
            ) from None
        raise HubError(
            Codes.BAD_REQUEST,
            reason_zh="GET 只能用于查询,修改请用 POST",
            reason_en="mutations need POST",
        ) from None
    except CannotGetOperationTypeError as exc:
        raise HubError(
            Codes.BAD_REQUEST,
            reason_zh="找不到要执行的操作(请检查 operationName)",
            reason_en=exc.as_http_error_reason(),
        ) from None
    LATENCY.observe(time.perf_counter() - started)
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        # shape_error again: errors strawberry reports outside the ShapeErrors hook
        # (it returns early on some pre-execution failures) must not go out raw.
        body["errors"] = [shape_error(e).formatted for e in result.errors]
    (_ERROR if result.errors else _OK).inc()
    return _encode(body), not result.errors, expiries.earliest


_QUERY_ONLY = {OperationType.QUERY}
_QUERY_AND_MUTATION = {OperationType.QUERY, OperationType.MUTATION}  # subscriptions: websocket only
_SUBSCRIPTION = OperationType.SUBSCRIPTION


@post(
    "/graphql",
    summary="GraphQL",
    description="GraphQL over HTTP: a JSON body with `query`, optional `variables` and "
    "`operationName`. Results and errors come back with status 200; each error carries "
    "`extensions.code`, `message_zh` and `message_en`.",
    tags=["graphql"],
    status_code=200,
    responses=GRAPHQL_RESPONSES,
    operation_class=GraphQLPostOperation,
)
async def graphql_post(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    content_type = request.headers.get("content-type")
    if not is_json_media_type(content_type):
        return error_response(
            HubError(Codes.UNSUPPORTED_MEDIA_TYPE, content_type=(content_type or "")[:100])
        )
    raw = await request.body()
    payload = decode(raw)
    return await _execute(state, request, payload, allow_mutation=True, raw=("POST", raw))


@get(
    "/graphql",
    summary="GraphQL (queries only) and, in development, GraphiQL",
    description="The same as POST with `query`, `variables` (JSON) and `operationName` in the URL; "
    "mutations are refused. Anonymous GET requests are served from the published read model's cache.",
    tags=["graphql"],
    responses=GRAPHQL_GET_RESPONSES,
    operation_class=GraphQLGetOperation,
)
async def graphql_get(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    params = request.query_params
    if "query" not in params and "documentId" not in params and "extensions" not in params:
        if state.settings.development and "text/html" in request.headers.get("accept", ""):
            return Response(graphiql_html(), media_type="text/html")
        return _bad_request("缺少 query 参数", "missing 'query' parameter")
    payload: dict[str, Any] = {
        "query": params.get("query"),
        "operationName": params.get("operationName"),
    }
    if params.get("variables"):
        payload["variables"] = decode(params["variables"], ("variables ", "variables"))
    if params.get("documentId"):
        payload["documentId"] = params["documentId"]
    if params.get("extensions"):
        payload["extensions"] = decode(params["extensions"], ("extensions ", "extensions"))
    return await _execute(
        state, request, payload, allow_mutation=False, raw=("GET", request.scope["query_string"])
    )


_HEADERS = [(b"content-type", b"application/json")]
CSRF_HEADER_BYTES = CSRF_HEADER.encode()
_PRIVATE_HEADERS = [*_HEADERS, (b"cache-control", PRIVATE.encode())]


class CachedReads:
    """ASGI wrapper answering cached anonymous /graphql requests before litestar routes them.

    Only requests without an `authorization` header (nor the console's session cookie
    or CSRF header) are looked up, with the same key
    the handlers store under (tenant, method, raw body or query string), so a hit is
    byte-for-byte what the handler would have returned for the current generation,
    with the same caching headers (and a 304 for a matching `If-None-Match`).
    A POST body is read here only when its declared length is within the limit; on a
    miss it is handed on unchanged. With CORS configured (`cross_origin`), requests
    carrying an `Origin` header go through litestar, whose CORS middleware answers them.
    """

    def __init__(
        self,
        app: Any,
        cache: Any,
        settings: Any,
        cross_origin: bool = False,
        path: str = "/graphql",
        counter: Any = None,
    ) -> None:
        self.app = app
        self.counter = counter
        self.cache = cache
        self.settings = settings
        self.tenant = settings.default_tenant
        self.max_body = settings.max_request_bytes
        self.cross_origin = cross_origin
        self.path = path

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            return await self.app(scope, receive, send)
        length = -1
        content_type = agent = None
        if_none_match = None
        if self.cross_origin:
            send = self._varying(send)
        for name, value in scope["headers"]:
            if (
                name == b"authorization"
                or name == CSRF_HEADER_BYTES
                or (name == b"cookie" and has_session_cookie(value))
                or (name == b"origin" and self.cross_origin)
            ):
                return await self.app(
                    scope, receive, send
                )  # signed in (token or console session), or CORS
            if name == b"user-agent":
                agent = value.decode("latin-1")
            elif name == b"content-length":
                length = int(value) if value.isdigit() else -1
            elif name == b"content-type":
                content_type = value.decode("latin-1")
            elif name == b"if-none-match":
                if_none_match = value.decode("latin-1")
        method = scope["method"]
        if method == "GET":
            if await self._answer(("GET", scope["query_string"]), send, if_none_match, agent):
                return None
            return await self.app(scope, receive, send)
        if (
            method != "POST"
            or not 0 <= length <= self.max_body
            or not is_json_media_type(content_type)
        ):
            return await self.app(scope, receive, send)
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return None
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        if await self._answer(("POST", body), send, None, agent):
            return None
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)

    @staticmethod
    def _varying(send: Any) -> Any:
        """With CORS, every answer varies on Origin too (litestar's CORS middleware replaces
        `Vary` with `Origin` on allowed origins only): a CDN must neither hand an answer made
        for one origin to another nor an anonymous one to a signed-in caller."""

        async def wrapped(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"vary"]
                message = {**message, "headers": [*headers, (b"vary", VARY_CORS.encode())]}
            await send(message)

        return wrapped

    async def _answer(
        self, raw: tuple[str, bytes], send: Any, if_none_match: str | None, agent: str | None = None
    ) -> bool:
        key = self.cache.key(self.tenant, *raw)
        hit = self.cache.lookup(key)
        if hit is None:
            return False
        _CACHED.inc()
        if self.counter is not None:  # 传播效果: a cached story page is still a read
            self.counter.cached_hit(self.tenant, key, agent, now_ms())
        body, etag, until = hit
        status = 200
        if raw[0] == "GET":
            headers = [*_HEADERS] + [
                (k.encode(), v.encode())
                for k, v in public_headers(self.settings, etag, until, self.cache.clock()).items()
            ]
            if etag_matches(if_none_match, etag):
                status, body = 304, b""
                headers = headers[1:]
        else:
            headers = [*_PRIVATE_HEADERS]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})
        return True
