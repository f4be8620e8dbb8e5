"""Decoding untrusted JSON (request bodies, URL parameters, websocket messages) safely.

msgspec (like the standard library) decodes nested arrays and objects recursively and
raises RecursionError, not DecodeError, past the interpreter's limit; anything below
that limit would still reach code that walks it recursively (graphql-core's variable
coercion, BSON encoding of a JSON scalar). Every door decodes through `decode`, which
turns both into coded refusals and bounds the nesting at MAX_DEPTH.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request

from hub.errors import Codes, HubError

MAX_DEPTH = 64
"""Deepest nesting of arrays and objects accepted in untrusted JSON."""

JSON_TYPES = ("application/json", "application/graphql-response+json")


def decode(raw: bytes | str, what: tuple[str, str] = ("请求体", "the body")) -> Any:
    """`raw` as JSON, or a HubError: BAD_REQUEST if it is not JSON, JSON_TOO_DEEP if too nested."""
    try:
        value = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        raise HubError(
            Codes.BAD_REQUEST,
            reason_zh=f"{what[0]}不是合法的 JSON",
            reason_en=f"{what[1]} is not valid JSON",
        ) from None
    except RecursionError:
        raise HubError(Codes.JSON_TOO_DEEP, limit=MAX_DEPTH) from None
    if depth_exceeds(value, MAX_DEPTH):
        raise HubError(Codes.JSON_TOO_DEEP, limit=MAX_DEPTH)
    return value


def depth_exceeds(value: Any, limit: int) -> bool:
    """Whether arrays and objects in `value` nest deeper than `limit` (iterative: no recursion)."""
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth + 1 > limit:
            return True
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def is_json_media_type(content_type: str | None) -> bool:
    """A JSON content type (parameters such as charset allowed), or none given (curl, scripts)."""
    if not content_type:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media in JSON_TYPES or media.endswith("+json")


class HubRequest(Request[Any, Any, Any]):
    """litestar's Request whose JSON body (the `data` of REST handlers) is nesting-bounded:
    litestar itself lets msgspec's RecursionError through as a 500."""

    async def json(self) -> Any:
        try:
            value = await super().json()
        except RecursionError:
            raise HubError(Codes.JSON_TOO_DEEP, limit=MAX_DEPTH) from None
        if depth_exceeds(value, MAX_DEPTH):
            raise HubError(Codes.JSON_TOO_DEEP, limit=MAX_DEPTH)
        return value
