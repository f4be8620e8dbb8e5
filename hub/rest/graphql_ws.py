"""GraphQL subscriptions over websockets at /graphql, speaking graphql-transport-ws.

Authenticated like HTTP: the `connection_init` payload carries the bearer token
(`{"authorization": "Bearer <token>"}`, or `{"token": "<token>"}`), checked the same
way as the `Authorization` header; the console sends `{"csrf": "<value>"}` instead and is
authenticated by its session cookie (sent with the handshake) when the value matches.
Without either the socket is an anonymous reader's, for public subscriptions (`liveStory`)
only. Refusals close the socket with the protocol's
codes: 4401 a bad token (and subscribing before `connection_ack`), 4403 a
signed-in caller without the right to watch the newsroom, 4400 malformed messages
(not JSON, or nested deeper than the JSON limit),
4406 a client not speaking graphql-transport-ws, 4408 no `connection_init` in time,
4409 a repeated subscription id, 4413 a message larger than RONGHUB_MAX_REQUEST_BYTES,
4429 a second `connection_init`; a socket whose
token expires or is revoked (sign-out) is closed with 4401. Only subscriptions
run here: queries and mutations go over HTTP. Errors keep the hub's shape.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any, NoReturn

from litestar import WebSocket, websocket
from litestar.datastructures import State
from litestar.exceptions import WebSocketDisconnect
from strawberry.types.execution import ExecutionResult, PreExecutionError

from hub.console.session import authorization_from_cookie
from hub.domain.permissions import Action, permits
from hub.errors import Codes, HubError
from hub.graphql.context import Context
from hub.graphql.errors import shape_error
from hub.identity.tokens import scope_for_authorization
from hub.rest.jsonbody import decode
from hub.store.scope import Scope

PROTOCOL = "graphql-transport-ws"
INIT_TIMEOUT_SECONDS = 10.0
MAX_OPERATIONS = 20


class _Closed(Exception):
    pass


class Connection:
    def __init__(self, socket: WebSocket[Any, Any, Any], state: State) -> None:
        self.socket = socket
        self.state = state
        self.scope: Scope | None = None
        self.init_received = False
        self.operations: dict[str, asyncio.Task[None]] = {}
        self.send_lock = asyncio.Lock()
        self.closed = False
        self.watch: asyncio.Task[None] | None = None

    async def send(self, message: dict[str, Any]) -> None:
        if self.closed:
            return
        async with self.send_lock:
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                await self.socket.send_text(json.dumps(message, ensure_ascii=False, default=str))

    async def close(self, code: int, reason: str) -> NoReturn:
        if not self.closed:
            self.closed = True
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                await self.socket.close(code=code, reason=reason)
        raise _Closed

    async def run(self) -> None:
        watchdog = asyncio.create_task(self._init_timeout())
        try:
            while not self.closed:
                try:
                    text = await self.socket.receive_text()
                except WebSocketDisconnect:
                    break
                if isinstance(text, str) and len(text) > self.state.settings.max_request_bytes:
                    await self.close(4413, "Message too large")
                try:
                    message = decode(text, ("消息", "the message"))
                except (HubError, TypeError):  # not JSON, too deeply nested, or a binary frame
                    await self.close(4400, "Invalid message: not JSON text, or nested too deeply")
                if not isinstance(message, dict) or not isinstance(message.get("type"), str):
                    await self.close(4400, "Invalid message: no type")
                await self.handle(message)
        except _Closed:
            pass
        finally:
            watchdog.cancel()
            if self.watch is not None:
                self.watch.cancel()
                with contextlib.suppress(BaseException):
                    await self.watch
            for task in list(self.operations.values()):
                task.cancel()
            for task in list(self.operations.values()):
                with contextlib.suppress(BaseException):
                    await task
            with contextlib.suppress(BaseException):
                await watchdog

    async def _init_timeout(self) -> None:
        await asyncio.sleep(INIT_TIMEOUT_SECONDS)
        if not self.init_received:
            with contextlib.suppress(_Closed):
                await self.close(4408, "Connection initialisation timeout")

    async def handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "connection_init":
            await self.connection_init(message.get("payload"))
        elif kind == "ping":
            await self.send({"type": "pong"})
        elif kind == "pong":
            return
        elif kind == "subscribe":
            await self.subscribe(message)
        elif kind == "complete":
            task = self.operations.pop(str(message.get("id")), None)
            if task is not None:
                task.cancel()
        else:
            await self.close(4400, f"Unknown message type: {kind}")

    async def connection_init(self, payload: Any) -> None:
        if self.init_received:
            await self.close(4429, "Too many initialisation requests")
        self.init_received = True
        if payload is not None and not isinstance(payload, dict):
            await self.close(4400, "Invalid connection init payload")
        payload = payload or {}
        header = payload.get("authorization") or payload.get("Authorization")
        if not header and payload.get("token"):
            header = f"Bearer {payload['token']}"
        if not header and isinstance(payload.get("csrf"), str):
            # the console: its session cookie came with the handshake, the CSRF value in
            # the payload proves the page is the console's own (hub/console/session.py)
            try:
                header = authorization_from_cookie(
                    self.socket.cookies, "POST", payload["csrf"], self.state.settings
                )
            except HubError as exc:
                await self.close(4403, f"Forbidden: {exc.code}")
            if not header:
                await self.close(4401, "Unauthorized: the console's session cookie is missing")
        if header is not None and (not isinstance(header, str) or not header):
            await self.close(
                4401, "Unauthorized: send the bearer token in the connection_init payload"
            )
        if header is None:
            # an anonymous reader: public subscriptions only (liveStory); the others refuse
            # it with UNAUTHENTICATED when subscribed to
            self.scope = scope_for_authorization(None, self.state.settings, None)
            await self.send({"type": "connection_ack"})
            return
        try:
            scope = scope_for_authorization(
                header, self.state.settings, getattr(self.state, "auth", None)
            )
        except HubError as exc:
            await self.close(4401, f"Unauthorized: {exc.code}")
        if scope.anonymous or not permits(scope.principal, Action.STORY_READ_DRAFT):
            await self.close(4403, "Forbidden")
        self.scope = scope
        self.watch = asyncio.create_task(self._recheck(header))
        await self.send({"type": "connection_ack"})

    async def _recheck(self, header: str) -> None:
        """A socket lives no longer than its token: expired or revoked (sign-out) closes it."""
        settings = self.state.settings
        while not self.closed:
            await asyncio.sleep(max(0.5, settings.key_refresh_seconds))
            try:
                scope_for_authorization(header, settings, getattr(self.state, "auth", None))
            except HubError as exc:
                with contextlib.suppress(_Closed):
                    await self.close(4401, f"Unauthorized: {exc.code}")

    async def subscribe(self, message: dict[str, Any]) -> None:
        if self.scope is None:
            await self.close(4401, "Unauthorized")
        op_id = message.get("id")
        payload = message.get("payload")
        if (
            not isinstance(op_id, str)
            or not op_id
            or not isinstance(payload, dict)
            or not isinstance(payload.get("query"), str)
            or not isinstance(payload.get("operationName"), str | None)
            or not isinstance(payload.get("variables"), dict | None)
        ):
            await self.close(4400, "Invalid subscribe message")
        if op_id in self.operations:
            await self.close(4409, f"Subscriber for {op_id} already exists")
        if len(self.operations) >= MAX_OPERATIONS:
            err = HubError(Codes.TOO_MANY_SUBSCRIPTIONS, limit=MAX_OPERATIONS)
            await self.send(
                {
                    "id": op_id,
                    "type": "error",
                    "payload": [{"message": err.message_zh, "extensions": err.as_dict()}],
                }
            )
            return
        task = asyncio.create_task(self.operate(op_id, payload))
        self.operations[op_id] = task
        task.add_done_callback(lambda done: self._forget(op_id, done))

    def _forget(self, op_id: str, task: asyncio.Task[None]) -> None:
        if self.operations.get(op_id) is task:
            del self.operations[op_id]

    async def operate(self, op_id: str, payload: dict[str, Any]) -> None:
        assert self.scope is not None
        settings = self.state.settings
        context = Context(
            scope=self.scope,
            settings=settings,
            services=self.state,
            auth=getattr(self.state, "auth", None),
        )
        variables = payload.get("variables")
        stream = await self.state.schema.subscribe(
            payload["query"],
            variable_values=variables,
            context_value=context,
            operation_name=payload.get("operationName"),
        )
        try:
            first = True
            async for result in stream:
                if first and (
                    isinstance(result, PreExecutionError) or (result.data is None and result.errors)
                ):
                    errors = [shape_error(e).formatted for e in result.errors or []]
                    await self.send({"id": op_id, "type": "error", "payload": errors})
                    return
                first = False
                if not isinstance(result, ExecutionResult):
                    continue
                body: dict[str, Any] = {"data": result.data}
                if result.errors:
                    body["errors"] = [shape_error(e).formatted for e in result.errors]
                await self.send({"id": op_id, "type": "next", "payload": body})
        finally:
            await stream.aclose()
        await self.send({"id": op_id, "type": "complete"})


@websocket("/graphql")
async def graphql_ws(socket: WebSocket[Any, Any, Any], state: State) -> None:
    """graphql-transport-ws: newsroomEvents for signed-in newsroom staff, liveStory for everyone."""
    offered = socket.scope.get("subprotocols") or []
    if PROTOCOL not in offered:
        await socket.accept()
        await socket.close(code=4406, reason=f"Subprotocol not acceptable: use {PROTOCOL}")
        return
    await socket.accept(subprotocols=PROTOCOL)
    await Connection(socket, state).run()
