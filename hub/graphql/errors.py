"""Turning every GraphQL error into the hub's shape: code, Chinese and English text.

Known errors (HubError) pass through; syntax and schema-validation errors get a code
and a Chinese explanation; an outage (store away, disk full) gets STORE_UNAVAILABLE or
STORAGE_FULL; anything else is masked to INTERNAL with a reference that
is logged together with the stack trace.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator

import structlog
from graphql import GraphQLError
from pydantic import ValidationError
from strawberry.extensions import SchemaExtension

from hub.errors import Codes, HubError, invalid
from hub.store.outages import as_outage

log = structlog.get_logger(__name__)

_TOKENS = re.compile(r"more than (\d+) tokens")


def _hub(error: GraphQLError, err: HubError) -> GraphQLError:
    return GraphQLError(
        err.message_zh,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=err.as_dict(),
    )


def _from_pydantic(exc: ValidationError) -> HubError:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first.get("loc", ())) or "input"
    return invalid(field, "取值不正确", str(first.get("msg")))


def shape_error(error: GraphQLError) -> GraphQLError:
    """The client-facing form of one error."""
    if error.extensions and "code" in error.extensions:
        return error
    original = error.original_error
    if isinstance(original, HubError):
        return _hub(error, original)
    if isinstance(original, ValidationError):
        return _hub(error, _from_pydantic(original))
    if original is None or (
        error.path is None and isinstance(original, GraphQLError | ValueError | TypeError)
    ):
        # Not raised by a resolver: parsing, validation, or coercing variables and literals
        # (graphql-core keeps the scalar's or the input type's complaint as original_error).
        msg = error.message
        if m := _TOKENS.search(msg):
            return _hub(error, HubError(Codes.TOO_MANY_TOKENS, limit=int(m.group(1))))
        # graphql-core words its complaint in English: the Chinese text points at the place
        where = error.locations[0] if error.locations else None
        where_zh = f"(第 {where.line} 行第 {where.column} 列)" if where else ""
        kind = Codes.GRAPHQL_SYNTAX if msg.startswith("Syntax Error") else Codes.GRAPHQL_VALIDATION
        return _hub(error, HubError(kind, where_zh=where_zh, reason_en=msg))
    outage = as_outage(original)
    if outage is not None:  # the store is away or the disk is full: not a bug, no stack trace
        log.warning("graphql.outage", code=outage.code, path=error.path, error=str(original)[:300])
        return _hub(error, outage)
    ref = secrets.token_hex(6)
    log.error("graphql.internal_error", ref=ref, path=error.path, exc_info=original)
    return _hub(error, HubError(Codes.INTERNAL, ref=ref))


class ShapeErrors(SchemaExtension):
    """Applies `shape_error` to every error of every operation result."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [shape_error(e) for e in result.errors]
