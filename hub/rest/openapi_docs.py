"""What the OpenAPI document says about the REST doors: body shapes and responses.

The handlers read and write raw JSON (so errors keep the hub's shape and cached
responses skip encoding); the types here exist only to document that JSON. They are
rendered into `openapi/openapi.json` by `ronghub openapi`, and a test fails when the
committed file drifts from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar.openapi import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    Parameter,
    RequestBody,
    Schema,
)
from msgspec import Meta, Struct, field


class ErrorExtensions(Struct):
    """The hub's error shape: a stable code, the Chinese message an editor can act on, English text."""

    code: Annotated[str, Meta(description="stable machine code, e.g. VERSION_CONFLICT", examples=["VERSION_CONFLICT"])]
    message: Annotated[str, Meta(description="the message to show (Chinese; same as message_zh)")]
    message_zh: Annotated[str, Meta(description="Chinese message")]
    message_en: Annotated[str, Meta(description="English text")]
    details: Annotated[
        dict[str, Any], Meta(description="values the messages were filled from, e.g. {current, expected}")
    ] = field(default_factory=dict)


class ErrorLocation(Struct):
    """A position in the GraphQL document."""

    line: int
    column: int


class Error(Struct):
    """One error. GraphQL errors may also carry `locations` and `path`."""

    message: Annotated[str, Meta(description="the Chinese message (same as extensions.message_zh)")]
    extensions: ErrorExtensions
    locations: list[ErrorLocation] | None = None
    path: Annotated[list[str | int] | None, Meta(description="the response field the error belongs to")] = None


class ErrorResponse(Struct):
    """The body of every non-200 JSON response."""

    errors: list[Error]


class GraphQLResponse(Struct):
    """A GraphQL result. `errors` is present only when something went wrong; `data` may then be partial or null."""

    data: Annotated[dict[str, Any] | None, Meta(description="the selected fields")]
    errors: list[Error] | None = None


class Liveness(Struct):
    """The process is up."""

    status: Annotated[str, Meta(examples=["ok"])]


class Readiness(Struct):
    """The process can serve: its document store answers."""

    status: Annotated[str, Meta(examples=["ready"])]
    store: Annotated[str, Meta(examples=["ok"])]


def _error(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=ErrorResponse, description=description, generate_examples=False)


GRAPHQL_RESPONSES: dict[int, ResponseSpec] = {
    200: ResponseSpec(
        data_container=GraphQLResponse,
        description="The GraphQL result. Errors of the operation itself (syntax, validation, limits, "
        "conflicts, permissions) also come back with status 200, in `errors`.",
        generate_examples=False,
    ),
    400: _error("BAD_REQUEST: the body is not JSON, or `query`/`variables`/`operationName` are malformed"),
    401: _error("UNAUTHENTICATED: an Authorization header was sent but the token is not valid"),
    413: _error("REQUEST_TOO_LARGE: the body is larger than RONGHUB_MAX_REQUEST_BYTES"),
    500: _error("INTERNAL: an unexpected failure; `details.ref` names the log entry"),
}
GRAPHQL_GET_RESPONSES = {code: spec for code, spec in GRAPHQL_RESPONSES.items() if code != 413}
READYZ_RESPONSES: dict[int, ResponseSpec] = {
    200: ResponseSpec(data_container=Readiness, description="Ready", generate_examples=False),
    503: _error("STORE_UNAVAILABLE: the document store does not answer"),
}
HEALTHZ_RESPONSES: dict[int, ResponseSpec] = {
    200: ResponseSpec(data_container=Liveness, description="Alive", generate_examples=False),
}

_STRING = Schema(type=OpenAPIType.STRING)
GRAPHQL_REQUEST = Schema(
    type=OpenAPIType.OBJECT,
    title="GraphQLRequest",
    description="A GraphQL request (GraphQL over HTTP).",
    required=["query"],
    properties={
        "query": Schema(
            type=OpenAPIType.STRING,
            description="the GraphQL document",
            examples=["{ stories(first: 5) { edges { node { id title } } } }"],
        ),
        "variables": Schema(
            type=[OpenAPIType.OBJECT, OpenAPIType.NULL],
            description="values for the document's variables",
            additional_properties=Schema(),
        ),
        "operationName": Schema(
            type=[OpenAPIType.STRING, OpenAPIType.NULL],
            description="which operation to run when the document has several",
        ),
    },
)


@dataclass
class GraphQLPostOperation(Operation):
    """POST /graphql: documents the JSON request body the handler reads itself."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            content={"application/json": OpenAPIMediaType(schema=GRAPHQL_REQUEST)},
            description="Without an Authorization header the request reads the public model "
            "(published stories of the default center); writes need `Authorization: Bearer <token>`.",
            required=True,
        )


@dataclass
class GraphQLGetOperation(Operation):
    """GET /graphql: queries in the URL (cacheable); GraphiQL for browsers in development."""

    def __post_init__(self) -> None:
        self.parameters = [
            Parameter(name="query", param_in="query", required=False, schema=_STRING,
                      description="the GraphQL document (queries only); without it a browser gets GraphiQL in development"),
            Parameter(name="variables", param_in="query", required=False, schema=_STRING,
                      description="JSON object with the variables"),
            Parameter(name="operationName", param_in="query", required=False, schema=_STRING,
                      description="which operation to run"),
        ]  # fmt: skip
        ok = self.responses.get("200") if self.responses else None
        if ok is not None and not isinstance(ok, dict) and getattr(ok, "content", None) is not None:
            ok.content["text/html"] = OpenAPIMediaType(schema=_STRING)  # type: ignore[union-attr,index]
