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
    OpenAPI,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    RequestBody,
    Schema,
)
from msgspec import Meta, Struct, field


class ErrorExtensions(Struct):
    """The hub's error shape: a stable code, the Chinese message an editor can act on, English text."""

    code: Annotated[
        str,
        Meta(
            description="stable machine code, e.g. VERSION_CONFLICT", examples=["VERSION_CONFLICT"]
        ),
    ]
    message: Annotated[str, Meta(description="the message to show (Chinese; same as message_zh)")]
    message_zh: Annotated[str, Meta(description="Chinese message")]
    message_en: Annotated[str, Meta(description="English text")]
    details: Annotated[
        dict[str, Any],
        Meta(description="values the messages were filled from, e.g. {current, expected}"),
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
    path: Annotated[
        list[str | int] | None, Meta(description="the response field the error belongs to")
    ] = None


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
    return ResponseSpec(
        data_container=ErrorResponse, description=description, generate_examples=False
    )


def error_spec(description: str) -> ResponseSpec:
    """An error answer in the hub's envelope, for a route's `responses`."""
    return _error(description)


# The errors of a signed-in file download (CSV/XLSX exports and the like).
EXPORT_ERRORS: dict[int, ResponseSpec] = {
    400: _error("INVALID_INPUT: a parameter is malformed"),
    401: _error("UNAUTHENTICATED, TOKEN_EXPIRED, …: no valid bearer token"),
    403: _error("FORBIDDEN: the caller may not read these figures"),
}


GRAPHQL_RESPONSES: dict[int, ResponseSpec] = {
    200: ResponseSpec(
        data_container=GraphQLResponse,
        description="The GraphQL result. Errors of the operation itself (syntax, validation, limits, "
        "conflicts, permissions) also come back with status 200, in `errors`.",
        generate_examples=False,
    ),
    400: _error(
        "BAD_REQUEST: the body is not JSON, or `query`/`variables`/`operationName` are malformed, or the "
        "operation is a subscription (websocket only); JSON_TOO_DEEP: the JSON nests more than 64 levels"
    ),
    401: _error("UNAUTHENTICATED: an Authorization header was sent but the token is not valid"),
    413: _error("REQUEST_TOO_LARGE: the body is larger than RONGHUB_MAX_REQUEST_BYTES"),
    415: _error("UNSUPPORTED_MEDIA_TYPE: a content type other than application/json"),
    500: _error("INTERNAL: an unexpected failure; `details.ref` names the log entry"),
}
GRAPHQL_GET_RESPONSES: dict[int, ResponseSpec] = {
    **{code: spec for code, spec in GRAPHQL_RESPONSES.items() if code not in (413, 415)},
    304: ResponseSpec(
        data_container=None,
        description="Not Modified: an anonymous read whose `If-None-Match` names its current ETag (no body)",
        generate_examples=False,
    ),
}
METRICS_RESPONSES: dict[int, ResponseSpec] = {
    401: _error(
        "UNAUTHENTICATED: RONGHUB_METRICS_TOKEN is set (always in production) and the bearer token differs"
    ),
}
READYZ_RESPONSES: dict[int, ResponseSpec] = {
    200: ResponseSpec(data_container=Readiness, description="Ready", generate_examples=False),
    503: _error(
        "STORE_UNAVAILABLE: the document store does not answer, or the embedded store is being "
        "restarted (`details.store`: restarting | failed); WORKERS_STARTING: with "
        "RONGHUB_API_WORKERS above 1, not every API worker process serves yet (`details.serving`, "
        "`details.workers`)"
    ),
}
HEALTHZ_RESPONSES: dict[int, ResponseSpec] = {
    200: ResponseSpec(data_container=Liveness, description="Alive", generate_examples=False),
    503: _error(
        "STORE_UNAVAILABLE: the embedded store died and RONGHUB_STORE_RESTART_LIMIT restarts in a row "
        "failed (`details.store` = failed): restart the hub"
    ),
}

_STRING = Schema(type=OpenAPIType.STRING)
DOCUMENT_ID_PATTERN = "^(sha256:)?[0-9a-fA-F]{64}$"
GRAPHQL_REQUEST = Schema(
    type=OpenAPIType.OBJECT,
    title="GraphQLRequest",
    description="A GraphQL request (GraphQL over HTTP). `query`, or instead a registered `documentId`, "
    "or Apollo's `extensions.persistedQuery`.",
    # one of: the document's text, a registered document's id, or Apollo's APQ extension
    any_of=[
        Schema(required=["query"], properties={"query": Schema(type=OpenAPIType.STRING)}),
        Schema(required=["documentId"], properties={"documentId": Schema(type=OpenAPIType.STRING)}),
        Schema(
            required=["extensions"],
            properties={
                "extensions": Schema(
                    type=OpenAPIType.OBJECT,
                    required=["persistedQuery"],
                    properties={
                        "persistedQuery": Schema(
                            type=OpenAPIType.OBJECT,
                            required=["sha256Hash"],
                            properties={
                                "sha256Hash": Schema(
                                    type=OpenAPIType.STRING, pattern="^[0-9a-fA-F]{64}$"
                                )
                            },
                        )
                    },
                )
            },
        ),
    ],
    properties={
        "query": Schema(
            type=[OpenAPIType.STRING, OpenAPIType.NULL],
            min_length=1,
            pattern=r"\S",
            description="the GraphQL document (not blank)",
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
        "documentId": Schema(
            type=[OpenAPIType.STRING, OpenAPIType.NULL],
            pattern=DOCUMENT_ID_PATTERN,
            description="a trusted document's id (`<sha256 hex>` or `sha256:<hex>`) from a registered "
            "persisted-documents manifest, instead of `query`",
        ),
        "extensions": Schema(
            type=[OpenAPIType.OBJECT, OpenAPIType.NULL],
            description='Apollo APQ: `{"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}`',
            additional_properties=Schema(),
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


BEACON_REQUEST = Schema(
    type=OpenAPIType.OBJECT,
    title="ReadBeacon",
    required=["story_id"],
    properties={
        "story_id": Schema(
            type=OpenAPIType.STRING, min_length=1, max_length=64, description="the story read"
        ),
        "dwell_ms": Schema(
            type=OpenAPIType.INTEGER, minimum=0, description="time on the story (ms)"
        ),
        "completed": Schema(type=OpenAPIType.BOOLEAN, description="read to the end"),
    },
)


@dataclass
class BeaconOperation(Operation):
    """POST /reach/beacon: the JSON body the handler reads itself (any declared content type:
    navigator.sendBeacon sends text/plain)."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            content={"application/json": OpenAPIMediaType(schema=BEACON_REQUEST)},
            description="Nothing about the reader is kept; a story that is not published is ignored.",
            required=True,
        )


@dataclass
class GraphQLGetOperation(Operation):
    """GET /graphql: queries in the URL (cacheable); GraphiQL for browsers in development."""

    def __post_init__(self) -> None:
        self.parameters = [
            Parameter(
                name="query",
                param_in="query",
                required=True,
                schema=Schema(type=OpenAPIType.STRING, min_length=1, pattern=r"\S"),
                description="the GraphQL document (queries only); without it a browser gets GraphiQL in development",
            ),
            Parameter(
                name="variables",
                param_in="query",
                required=False,
                content={
                    "application/json": OpenAPIMediaType(
                        schema=Schema(type=OpenAPIType.OBJECT, additional_properties=Schema())
                    )
                },
                description="JSON object with the variables",
            ),
            Parameter(
                name="operationName",
                param_in="query",
                required=False,
                schema=_STRING,
                description="which operation to run",
            ),
            Parameter(
                name="documentId",
                param_in="query",
                required=False,
                schema=Schema(type=OpenAPIType.STRING, pattern=DOCUMENT_ID_PATTERN),
                description="a registered trusted document's id (`<sha256 hex>` or `sha256:<hex>`), instead of query",
            ),
            Parameter(
                name="extensions",
                param_in="query",
                required=False,
                content={
                    "application/json": OpenAPIMediaType(
                        schema=Schema(type=OpenAPIType.OBJECT, additional_properties=Schema())
                    )
                },
                description='JSON object; Apollo APQ: {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}',
            ),
            Parameter(
                name="If-None-Match",
                param_in="header",
                required=False,
                schema=_STRING,
                description="the ETag of an anonymous answer kept earlier: 304 while it is current",
            ),
        ]
        ok = self.responses.get("200") if self.responses else None
        if ok is not None and not isinstance(ok, dict) and getattr(ok, "content", None) is not None:
            ok.content["text/html"] = OpenAPIMediaType(schema=_STRING)  # type: ignore[union-attr,index]


# ---- POST /oauth/token (RFC 6749): form in, OAuth2 JSON out ------------------------------

_FORM_FIELD = {
    "grant_type": Schema(
        type=OpenAPIType.STRING,
        enum=["password", "refresh_token", "client_credentials"],
        description="which grant",
    ),
    "username": Schema(type=OpenAPIType.STRING, description="password grant: the user's username"),
    "password": Schema(type=OpenAPIType.STRING, description="password grant: the user's password"),
    "refresh_token": Schema(
        type=OpenAPIType.STRING, description="refresh_token grant: the last refresh token"
    ),
    "client_id": Schema(
        type=OpenAPIType.STRING, description="client_credentials without HTTP Basic"
    ),
    "client_secret": Schema(
        type=OpenAPIType.STRING, description="client_credentials without HTTP Basic"
    ),
    "scope": Schema(
        type=OpenAPIType.STRING,
        description="space-separated scopes to narrow the token to "
        "(stories:read stories:write share admin); default: all the grant allows",
    ),
}


def _grant(grant: str, *required: str) -> Schema:
    """One grant's form: its own fields required (an empty field counts as missing)."""
    fields: dict[str, Schema | Reference] = {
        k: Schema(type=v.type, description=v.description, min_length=1)
        for k, v in _FORM_FIELD.items()
    }
    fields["grant_type"] = Schema(type=OpenAPIType.STRING, enum=[grant], description="which grant")
    return Schema(
        type=OpenAPIType.OBJECT,
        title=f"TokenRequest_{grant}",
        required=["grant_type", *required],
        properties=fields,
    )


TOKEN_REQUEST = Schema(
    title="TokenRequest",
    one_of=[
        _grant("password", "username", "password"),
        _grant("refresh_token", "refresh_token"),
        _grant("client_credentials"),
    ],
)
_TOKEN = Schema(
    type=OpenAPIType.OBJECT,
    title="TokenResponse",
    required=["access_token", "token_type", "expires_in", "scope"],
    description="RFC 6749 §5.1. `refresh_token` for users only (password and refresh_token grants).",
    properties={
        "access_token": Schema(
            type=OpenAPIType.STRING, description="ES256 JWT; send as `Authorization: Bearer …`"
        ),
        "token_type": Schema(type=OpenAPIType.STRING, enum=["Bearer"]),
        "expires_in": Schema(
            type=OpenAPIType.INTEGER, description="seconds (RONGHUB_ACCESS_TOKEN_SECONDS)"
        ),
        "scope": Schema(type=OpenAPIType.STRING, description="the token's scopes, space separated"),
        "refresh_token": Schema(
            type=OpenAPIType.STRING, description="single use: each refresh returns the next one"
        ),
    },
)
OAUTH_ERROR = Schema(
    type=OpenAPIType.OBJECT,
    title="OAuthError",
    required=["error", "code", "message_zh", "message_en"],
    description="RFC 6749 §5.2 fields (`error`, `error_description`) and the hub's (`code`, `message`, "
    "`message_zh`, `message_en`, `details`).",
    properties={
        "error": Schema(
            type=OpenAPIType.STRING,
            enum=[
                "invalid_request",
                "invalid_client",
                "invalid_grant",
                "unsupported_grant_type",
                "invalid_scope",
                "temporarily_unavailable",
            ],
        ),
        "error_description": Schema(type=OpenAPIType.STRING, description="English text"),
        "code": Schema(
            type=OpenAPIType.STRING,
            description="the hub's stable code, e.g. INVALID_GRANT, RATE_LIMITED",
        ),
        "message": Schema(
            type=OpenAPIType.STRING, description="the Chinese message (same as message_zh)"
        ),
        "message_zh": Schema(type=OpenAPIType.STRING),
        "message_en": Schema(type=OpenAPIType.STRING),
        "details": Schema(
            type=OpenAPIType.OBJECT,
            description="e.g. {seconds, limit} of RATE_LIMITED, {seconds} of SIGN_IN_THROTTLED",
        ),
    },
)
_NO_STORE_HEADERS = {
    "Cache-Control": OpenAPIHeader(schema=_STRING, description="no-store"),
    "Pragma": OpenAPIHeader(schema=_STRING, description="no-cache"),
}


def _oauth_error(description: str, **headers: OpenAPIHeader) -> OpenAPIResponse:
    return OpenAPIResponse(
        description=description,
        headers={**_NO_STORE_HEADERS, **headers},
        content={"application/json": OpenAPIMediaType(schema=OAUTH_ERROR)},
    )


@dataclass
class TokenOperation(Operation):
    """POST /oauth/token: the form it reads, the token it returns, every refusal (429 included)."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            content={"application/x-www-form-urlencoded": OpenAPIMediaType(schema=TOKEN_REQUEST)},
            description="Form-encoded (RFC 6749 §4.3, §6, §4.4). Clients may authenticate with HTTP Basic instead "
            "of client_id/client_secret.",
            required=True,
        )
        self.responses = {
            "200": OpenAPIResponse(
                description="A token",
                headers=dict(_NO_STORE_HEADERS),
                content={"application/json": OpenAPIMediaType(schema=_TOKEN)},
            ),
            "400": _oauth_error(
                "invalid_request (BAD_REQUEST: a field is missing), invalid_grant (INVALID_GRANT: wrong username "
                "or password, an unknown or disabled user — one answer for all of them —, or a used/unknown refresh token; SESSION_ENDED: the refresh token's "
                "session ended because the user's roles, password or status changed), unsupported_grant_type, "
                "invalid_scope"
            ),
            "401": _oauth_error(
                "invalid_client (INVALID_CLIENT): wrong client_id or secret (a secret replaced by "
                "rotateClientSecret works until its overlap ends); invalid_client (CLIENT_DISABLED): "
                "the right secret of a disabled client (disableClient)",
                **{
                    "WWW-Authenticate": OpenAPIHeader(
                        schema=_STRING, description='Basic realm="ronghub"'
                    )
                },
            ),
            "429": _oauth_error(
                "error temporarily_unavailable. RATE_LIMITED: too many password or client_credentials requests "
                "from this client address (RONGHUB_TOKEN_RATE_LIMIT_IP; `details.limit` is ip). SIGN_IN_THROTTLED: "
                "too many failed sign-ins for this username or client_id from this address, or from everywhere "
                "(RONGHUB_SIGNIN_*), the same whether the name exists or not. Wait `Retry-After` seconds; "
                "`details.seconds` repeats the wait.",
                **{
                    "Retry-After": OpenAPIHeader(
                        schema=Schema(type=OpenAPIType.STRING, pattern=r"^[1-9][0-9]*$"),
                        required=True,
                        description="seconds until the request would be accepted",
                    )
                },
            ),
        }


@dataclass
class OidcLoginOperation(Operation):
    """GET /oidc/{tenant}/{provider}/login: a redirect, or the OAuth-style refusal."""

    def __post_init__(self) -> None:
        self.responses = {
            "302": OpenAPIResponse(
                description="To the identity provider's sign-in page",
                headers={
                    "Location": OpenAPIHeader(
                        schema=_STRING, description="the provider's authorization URL"
                    )
                },
            ),
            "401": _oauth_error(
                "OIDC_FAILED: no such provider for this center, or the provider cannot be reached"
            ),
        }


@dataclass
class OidcCallbackOperation(Operation):
    """GET /oidc/callback: the hub's tokens, or the OAuth-style refusal."""

    def __post_init__(self) -> None:
        self.responses = {
            "200": OpenAPIResponse(
                description="The hub's tokens for the signed-in user",
                headers=dict(_NO_STORE_HEADERS),
                content={"application/json": OpenAPIMediaType(schema=_TOKEN)},
            ),
            "401": _oauth_error(
                "OIDC_FAILED: the provider refused, or the login state is unknown, used or expired"
            ),
        }


# ---- the whole document ---------------------------------------------------------------------

# litestar documents its own parameter check as a `ValidationException` body; the hub answers
# those refusals with its error envelope (hub/rest/responses.py), so the document says that.
_LITESTAR_400 = "Bad request syntax or unsupported method"
ERROR_ENVELOPE = Reference(ref="#/components/schemas/ErrorResponse")


def finish_openapi(openapi: OpenAPI) -> OpenAPI:
    """What every operation shares, applied once to the generated document."""
    for path_item in (openapi.paths or {}).values():
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(path_item, method, None)
            if operation is None or not operation.responses:
                continue
            bad = operation.responses.get("400")
            if isinstance(bad, OpenAPIResponse) and bad.description == _LITESTAR_400:
                operation.responses["400"] = OpenAPIResponse(
                    description="BAD_REQUEST: a parameter or the body does not match this document",
                    content={"application/json": OpenAPIMediaType(schema=ERROR_ENVELOPE)},
                )
    return openapi
