"""Partner feeds over HTTP: signed pull feeds of a subscription and the signing keys.

    GET /feeds/{subscription_id}/feed.json        JSON Feed 1.1
    GET /feeds/{subscription_id}/feed.ninjs.json  IPTC ninjs 2.1 items
    GET /feeds/{subscription_id}/rss.xml          RSS 2.0 + Media RSS
    GET /feeds/{subscription_id}/atom.xml         Atom 1.0 + Media RSS
    GET /feeds/jwks.json                          the public keys (JWK Set)

Partners authenticate with an OAuth2 client_credentials bearer token and read only
their own subscriptions. Paging: `after` (the cursor: a number of the global item
sequence) and `limit`; each page says where to read on (`cursor`, `next_url`, the
`Link: rel="next"` header). ETag / If-None-Match → 304. Every response of these
routes, errors and 304 included, is signed (RFC 9421; see hub/signing/http_signatures.py).
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import structlog
from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.openapi.spec import (
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    Schema,
)
from litestar.params import FromPath

from hub.domain.permissions import PrincipalKind
from hub.errors import Codes, HubError
from hub.feeds import pages, render, rendered
from hub.feeds.errors import FeedCodes
from hub.feeds.subscriptions import FeedFormat, SubscriptionDoc, get_subscription
from hub.identity.documents import ClientDoc
from hub.identity.errors import AuthCodes
from hub.identity.tokens import scope_for_request
from hub.media.service import media_service
from hub.media.signing import collect_expiries
from hub.readcache import serve_until
from hub.settings import Settings
from hub.signing import keys, sign_response, signers_for
from hub.signing.http_signatures import content_digest
from hub.store.coalesce import find_by_id
from hub.store.outages import as_outage
from hub.store.tenanted import store_identity

log = structlog.get_logger(__name__)
TAGS = ["feeds"]
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
CACHE_CONTROL = "private, no-cache"
PATHS = {"json_feed": "feed.json", "ninjs": "feed.ninjs.json", "rss": "rss.xml", "atom": "atom.xml"}
ERROR_TYPE = "application/json; charset=utf-8"


# -- handling ------------------------------------------------------------------------------


def _parse_int(raw: str | None, default: int, low: int, high: int | None, err: HubError) -> int:
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise err
    value = int(raw)
    if value < low or (high is not None and value > high):
        raise err
    return value


def _tenants(settings: Settings, client_tenant: str, sub: SubscriptionDoc) -> list[str]:
    """The selection's tenants the client may still read (its own; any for platform clients)."""
    if client_tenant == settings.platform_tenant:
        return list(sub.selection.tenants)
    return [t for t in sub.selection.tenants if t == client_tenant]


async def _signed(
    request: Request[Any, Any, Any],
    settings: Settings,
    status: int,
    content_type: str,
    body: bytes,
    headers: dict[str, str],
    algorithm: str = "ed25519",
    digest: str | None = None,
) -> Response[bytes]:
    signed = sign_response(
        status=status,
        content_type=content_type,
        body=body,
        digest=digest,
        method=request.method,
        target_uri=target_uri(request, settings),
        signers=await signers_for(settings, algorithm),
        created=int(time.time()),
    )
    return Response(
        content=b"" if status == 304 else body,
        status_code=status,
        media_type=content_type,
        headers={**headers, **signed, "Content-Type": content_type},
    )


def target_uri(request: Request[Any, Any, Any], settings: Settings) -> str:
    """The request's absolute URL as the partner sent it: behind a proxy, RONGHUB_PUBLIC_URL
    (scheme and host) with the request's path and query; else the URL the hub received."""
    if not settings.public_url:
        return str(request.url)
    query = request.url.query
    return settings.public_url.rstrip("/") + request.url.path + (f"?{query}" if query else "")


def _error_body(err: HubError) -> bytes:
    return json.dumps(
        {"errors": [{"message": err.message_zh, "extensions": err.as_dict()}]}, ensure_ascii=False
    ).encode()


def _url(request: Request[Any, Any, Any], settings: Settings, **query: int) -> str:
    base = target_uri(request, settings).split("?", 1)[0]
    return f"{base}?{urlencode(query)}"


async def _rendered(
    request: Request[Any, Any, Any],
    settings: Settings,
    sub: SubscriptionDoc,
    fmt: str,
    after: int,
    limit: int,
    found: pages.Read,
    tag: str,
    next_url: str,
) -> rendered.Rendered:
    """The page's body: kept from an earlier read of the same page (hub/feeds/rendered.py:
    the ETag names everything it is made of but the URLs), else rendered now and kept."""
    self_url = _url(request, settings, after=after, limit=limit)
    home_url = settings.public_base_url or settings.base_url
    kept = rendered.pages(settings.feed_page_cache_bytes)
    key = (store_identity(SubscriptionDoc), tag, self_url, next_url, home_url)
    now = time.time()
    hit = kept.get(key, now)
    if hit is not None:
        return hit
    with collect_expiries() as expiries:  # the signed media URLs in the page
        items = await pages.page_items(found.items, media_service(settings).url)
    page = render.Page(
        subscription_id=sub.id,
        title=sub.name,
        self_url=self_url,
        home_url=home_url,
        after=after,
        cursor=found.cursor,
        more=found.more,
        next_url=next_url,
        items=items,
    )
    body = render.RENDERERS[fmt](page)
    made = rendered.Rendered(
        body,
        content_digest(body),
        serve_until(expiries.earliest, settings.read_cache_url_margin_seconds),
    )
    kept.put(key, made, now)
    return made


async def serve_feed(
    request: Request[Any, Any, Any], state: State, subscription_id: str, fmt: str
) -> Response[bytes]:
    settings: Settings = state.settings
    algorithm = "ed25519"
    try:
        scope = scope_for_request(request, settings)
        if scope.anonymous:
            raise HubError(Codes.UNAUTHENTICATED)
        if scope.kind != PrincipalKind.CLIENT:
            raise HubError(FeedCodes.PARTNER_ONLY)
        # the token check refuses a disabled client's tokens (other processes within
        # key_refresh_seconds); reading the client here makes feeds stop at once everywhere
        client: ClientDoc | None = (
            await find_by_id(ClientDoc, {"tenant": scope.tenant}, scope.client_id)
            if scope.client_id
            else None
        )
        if client is None or client.disabled:
            raise HubError(AuthCodes.CLIENT_DISABLED)
        sub = await get_subscription(scope.tenant, subscription_id)
        if sub is None or sub.client_id != scope.client_id:
            raise HubError(FeedCodes.SUBSCRIPTION_NOT_FOUND, subscription_id=subscription_id)
        algorithm = sub.signature_algorithm.value
        if sub.disabled:
            raise HubError(FeedCodes.SUBSCRIPTION_DISABLED, subscription_id=subscription_id)
        if FeedFormat(fmt) not in sub.formats:
            raise HubError(
                FeedCodes.FORMAT_NOT_SUBSCRIBED,
                subscription_id=subscription_id,
                format=fmt,
                formats=", ".join(f.value for f in sub.formats),
            )
        q = request.query_params
        raw_after = q.get("after")
        after = _parse_int(raw_after, 0, 0, None, HubError(FeedCodes.BAD_CURSOR, after=raw_after))
        raw_limit = q.get("limit")
        limit = _parse_int(
            raw_limit,
            DEFAULT_LIMIT,
            1,
            MAX_LIMIT,
            HubError(
                Codes.BAD_REQUEST,
                reason_zh=f"limit 应为 1–{MAX_LIMIT}",
                reason_en=f"limit must be 1-{MAX_LIMIT}",
            ),
        )
        found = await pages.read(
            sub.selection.to_selection(), _tenants(settings, scope.tenant, sub), after, limit
        )
        tag = pages.etag(sub.id, sub.version, fmt, after, limit, found)
        next_url = _url(request, settings, after=found.cursor, limit=limit)
        headers = {
            "ETag": tag,
            "Cache-Control": CACHE_CONTROL,
            "Link": f'<{next_url}>; rel="next"',
            "Ronghub-Cursor": str(found.cursor),
            "Vary": "Authorization",
        }
        content_type = render.CONTENT_TYPES[fmt]
        if pages.matches(request.headers.get("if-none-match"), tag):
            return await _signed(request, settings, 304, content_type, b"", headers, algorithm)
        page = await _rendered(request, settings, sub, fmt, after, limit, found, tag, next_url)
        return await _signed(
            request, settings, 200, content_type, page.body, headers, algorithm, page.digest
        )
    except Exception as exc:  # answered like the app's handler, but signed
        if isinstance(exc, HubError):
            err = exc
        elif (outage := as_outage(exc)) is not None:  # store away or disk full: not a bug
            log.warning("feeds.outage", code=outage.code, path=request.url.path)
            err = outage
        else:
            ref = secrets.token_hex(6)
            log.error("feeds.internal_error", ref=ref, path=request.url.path, exc_info=exc)
            err = HubError(Codes.INTERNAL, ref=ref)
        headers = {"Cache-Control": "no-store"}
        if err.http_status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="ronghub-feeds"'
        return await _signed(
            request, settings, err.http_status, ERROR_TYPE, _error_body(err), headers, algorithm
        )


# -- OpenAPI ---------------------------------------------------------------------------------

_STR = Schema(type=OpenAPIType.STRING)
_SIGNATURE_HEADERS = {
    "Content-Digest": OpenAPIHeader(
        schema=_STR,
        required=True,
        description="RFC 9530: `sha-256=:<base64 SHA-256 of the body>:` (of the empty body on 304)",
    ),
    "Signature-Input": OpenAPIHeader(
        schema=_STR,
        required=True,
        description=(
            'RFC 9421: `sig1=("@status" "content-type" "content-digest" "@method";req "@target-uri";req);'
            'created=<unix>;expires=<created+300>;keyid="<kid>";alg="ed25519";tag="ronghub-feed"`; during a key '
            'rotation also `sig2` (the older key). Subscriptions with SM2 get `alg="sm2-sm3"`.'
        ),
    ),
    "Signature": OpenAPIHeader(
        schema=_STR,
        required=True,
        description="RFC 9421: `sig1=:<base64 signature over the §2.5 signature base>:` (and sig2)",
    ),
}
_PAGE_HEADERS = {
    "ETag": OpenAPIHeader(
        schema=_STR, description="weak validator of the page; send it back in If-None-Match"
    ),
    "Cache-Control": OpenAPIHeader(
        schema=_STR, description="`private, no-cache`: revalidate with If-None-Match"
    ),
    "Link": OpenAPIHeader(
        schema=_STR,
        description='`<…?after=<cursor>&limit=…>; rel="next"`: where to read on (also when nothing is new yet)',
    ),
    "Ronghub-Cursor": OpenAPIHeader(
        schema=Schema(type=OpenAPIType.STRING, pattern=r"^\d+$"),
        description="the cursor to read on from (`after=`)",
    ),
    "Vary": OpenAPIHeader(schema=_STR, description="Authorization"),
}
_ERROR_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    required=["errors"],
    description="The hub's error body (as in every REST error)",
    properties={
        "errors": Schema(
            type=OpenAPIType.ARRAY,
            items=Schema(
                type=OpenAPIType.OBJECT,
                required=["message", "extensions"],
                properties={
                    "message": _STR,
                    "extensions": Schema(
                        type=OpenAPIType.OBJECT,
                        required=["code", "message_zh", "message_en"],
                        properties={
                            "code": _STR,
                            "message": _STR,
                            "message_zh": _STR,
                            "message_en": _STR,
                            "details": Schema(type=OpenAPIType.OBJECT),
                        },
                    ),
                },
            ),
        )
    },
)
_JSON_FEED_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    required=["version", "title", "items", "_ronghub"],
    description="JSON Feed 1.1 (https://jsonfeed.org/version/1.1). Each item has `_ronghub`: "
    '{"seq": N, "pubstatus": "usable"|"canceled", "tenant", "feed", "story_id", "revision", "content_hash", '
    '"type", "column", "source", "byline", "embargo_until", "media", "reason"}; a withdrawn item keeps its id, '
    'has `content_text: ""` and `_ronghub.pubstatus: "canceled"`. The feed\'s `_ronghub` holds '
    "`cursor` (read on with after=cursor) and `more`; `next_url` is present when more items are there now.",
    properties={
        "version": _STR,
        "title": _STR,
        "items": Schema(type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.OBJECT)),
        "next_url": _STR,
        "_ronghub": Schema(type=OpenAPIType.OBJECT),
    },
)
_NINJS_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    required=["items", "_ronghub"],
    description="`items`: IPTC ninjs 2.1 objects (http://www.iptc.org/std/ninjs/ninjs-schema_2.1.json); a withdrawal "
    'has `"pubstatus": "canceled"`; `version` and altid `ronghub-seq` give the sequence number. `next_url`, '
    "`feed_url` and `_ronghub` {cursor, more} as in JSON Feed.",
    properties={
        "items": Schema(type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.OBJECT)),
        "next_url": _STR,
        "_ronghub": Schema(type=OpenAPIType.OBJECT),
    },
)
BODIES = {
    "json_feed": ("application/feed+json", _JSON_FEED_SCHEMA),
    "ninjs": ("application/json", _NINJS_SCHEMA),
    "rss": (
        "application/rss+xml",
        Schema(
            type=OpenAPIType.STRING,
            description=(
                "RSS 2.0 with Media RSS (media:content, media:thumbnail), content:encoded, atom:link rel=next, and the "
                f"`ronghub` namespace ({render.RONGHUB_NS}): ronghub:seq, ronghub:pubstatus (canceled = withdrawn), "
                "ronghub:cursor on the channel. Items keep their guid across updates and withdrawal."
            ),
        ),
    ),
    "atom": (
        "application/atom+xml",
        Schema(
            type=OpenAPIType.STRING,
            description=(
                "Atom 1.0 with Media RSS and the `ronghub` namespace; a withdrawal is an RFC 6721 at:deleted-entry "
                "tombstone (ref = the entry id)."
            ),
        ),
    ),
}


def _error(description: str) -> OpenAPIResponse:
    return OpenAPIResponse(
        description=description,
        headers=dict(_SIGNATURE_HEADERS),
        content={"application/json": OpenAPIMediaType(schema=_ERROR_SCHEMA)},
    )


def _operation(fmt: str) -> type[Operation]:
    media, schema = BODIES[fmt]

    @dataclass
    class FeedOperation(Operation):
        def __post_init__(self) -> None:
            self.parameters = [
                Parameter(
                    name="subscription_id",
                    param_in="path",
                    required=True,
                    schema=_STR,
                    description="the subscription's id (from createFeedSubscription)",
                ),
                Parameter(
                    name="after",
                    param_in="query",
                    required=False,
                    schema=Schema(type=OpenAPIType.STRING, pattern=r"^[0-9]{1,18}$"),
                    description="cursor: a sequence number from a previous page (`cursor`, `next_url`, "
                    "Link rel=next, Ronghub-Cursor); 0 or absent: from the beginning. Digits only.",
                ),
                Parameter(
                    name="limit",
                    param_in="query",
                    required=False,
                    schema=Schema(type=OpenAPIType.STRING, pattern=r"^[0-9]{1,3}$"),
                    description=f"items per page, 1–{MAX_LIMIT} (default {DEFAULT_LIMIT}). Digits only.",
                ),
                Parameter(
                    name="Authorization",
                    param_in="header",
                    required=False,
                    schema=_STR,
                    description="`Bearer <access token>` from POST /oauth/token, grant_type=client_credentials "
                    "(the partner client that owns the subscription)",
                ),
                Parameter(
                    name="If-None-Match",
                    param_in="header",
                    required=False,
                    schema=_STR,
                    description="the ETag of a page read before: 304 if the page is unchanged",
                ),
            ]
            ok_headers: dict[str, OpenAPIHeader | Reference] = {
                **_SIGNATURE_HEADERS,
                **_PAGE_HEADERS,
            }
            self.responses = {
                "200": OpenAPIResponse(
                    description="One page of the feed, signed",
                    headers=ok_headers,
                    content={media: OpenAPIMediaType(schema=schema)},
                ),
                "304": OpenAPIResponse(
                    description="Not modified (If-None-Match matched the page's ETag); signed, "
                    "Content-Digest of the empty body",
                    headers=ok_headers,
                ),
                "400": _error(
                    "FEED_BAD_CURSOR (after is not a non-negative integer) or BAD_REQUEST (limit)"
                ),
                "401": _error(
                    "UNAUTHENTICATED (no or malformed Authorization), TOKEN_EXPIRED, TOKEN_INVALID, "
                    "TOKEN_WRONG_AUDIENCE, TOKEN_REVOKED, TOKEN_UNKNOWN_KEY, CLIENT_DISABLED (the partner "
                    "client was disabled), CLIENT_SESSION_ENDED (its secret was rotated with endSessions)"
                ),
                "403": _error("FEED_PARTNER_ONLY: the token is not a partner client's"),
                "404": _error(
                    "FEED_SUBSCRIPTION_NOT_FOUND (unknown, or another client's) or "
                    "FEED_FORMAT_NOT_SUBSCRIBED"
                ),
                "410": _error("FEED_SUBSCRIPTION_DISABLED"),
                "500": _error(
                    "INTERNAL: an unexpected failure; `details.ref` names the log entry (signed too)"
                ),
            }

    return FeedOperation


def _route(fmt: str, summary: str) -> Any:
    @get(
        f"/feeds/{{subscription_id:str}}/{PATHS[fmt]}",
        summary=summary,
        tags=TAGS,
        operation_class=_operation(fmt),
        name=f"feed_{fmt}",
        description=__doc__,
    )
    async def handler(
        request: Request[Any, Any, Any], state: State, subscription_id: FromPath[str]
    ) -> Response[bytes]:
        return await serve_feed(request, state, subscription_id, fmt)

    return handler


feed_json = _route("json_feed", "A subscription as JSON Feed 1.1 (signed)")
feed_ninjs = _route("ninjs", "A subscription as IPTC ninjs 2.1 items (signed)")
feed_rss = _route("rss", "A subscription as RSS 2.0 with Media RSS (signed)")
feed_atom = _route("atom", "A subscription as Atom 1.0 with Media RSS (signed)")


@dataclass
class _JwksOperation(Operation):
    def __post_init__(self) -> None:
        key = Schema(
            type=OpenAPIType.OBJECT,
            required=["kty", "kid"],
            properties={"kty": _STR, "crv": _STR, "x": _STR, "kid": _STR, "alg": _STR, "use": _STR},
        )
        self.responses = {
            "200": OpenAPIResponse(
                description="The JWK Set",
                headers={
                    **_SIGNATURE_HEADERS,
                    "Cache-Control": OpenAPIHeader(
                        schema=_STR, description=f"public, max-age={keys.JWKS_CACHE_SECONDS}"
                    ),
                },
                content={
                    "application/jwk-set+json": OpenAPIMediaType(
                        schema=Schema(
                            type=OpenAPIType.OBJECT,
                            required=["keys"],
                            properties={"keys": Schema(type=OpenAPIType.ARRAY, items=key)},
                        )
                    )
                },
            )
        }


@get(
    "/feeds/jwks.json",
    summary="Public keys that verify feed signatures and webhooks (JWK Set)",
    description="Ed25519 keys (kty OKP, crv Ed25519, alg EdDSA, use sig); `kid` is the RFC 7638 "
    "thumbprint and the `keyid` of RFC 9421 signatures. During a key rotation the set holds "
    "both keys (the most recent first) and responses carry one signature per key. The response "
    "is signed like the feeds (a client that pinned a key can check a new set with it). SM2 keys "
    "(kty EC, crv SM2, alg SM2-SM3) are listed too when a subscription uses SM2.",
    tags=TAGS,
    operation_class=_JwksOperation,
)
async def feeds_jwks(request: Request[Any, Any, Any], state: State) -> Response[bytes]:
    settings: Settings = state.settings
    doc = await keys.jwks(settings)
    body = json.dumps(doc, separators=(",", ":")).encode()
    return await _signed(
        request,
        settings,
        200,
        "application/jwk-set+json",
        body,
        {"Cache-Control": f"public, max-age={keys.JWKS_CACHE_SECONDS}"},
    )


ROUTES = [feeds_jwks, feed_json, feed_ninjs, feed_rss, feed_atom]
