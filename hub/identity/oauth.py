"""HTTP doors of identity: the OAuth2 token and revocation endpoints and the JWKS.

Hand-written against RFC 6749/7009 rather than through authlib's server classes,
which need a framework integration litestar does not have; authlib supplies the
scope and Basic-auth parsing helpers. Errors carry both the RFC fields (`error`,
`error_description`) and the hub's (`code`, `message_zh`, `message_en`).
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749.util import extract_basic_authorization
from litestar import Request, Response, get, post
from litestar.datastructures import State

from hub.errors import Codes, HubError
from hub.identity import grants
from hub.identity.errors import AuthCodes
from hub.identity.ratelimit import TokenLimiter
from hub.rest.openapi_docs import TokenOperation

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_RFC_ERRORS = {
    "INVALID_GRANT": "invalid_grant",
    "SESSION_ENDED": "invalid_grant",
    # RFC 6749 has no token-endpoint code for this; the registry's "try again later" one
    "RATE_LIMITED": "temporarily_unavailable",
    "SIGN_IN_THROTTLED": "temporarily_unavailable",
    "INVALID_CLIENT": "invalid_client",
    "CLIENT_DISABLED": "invalid_client",  # the right secret of a disabled client
    "UNSUPPORTED_GRANT_TYPE": "unsupported_grant_type",
    "INVALID_SCOPE": "invalid_scope",
    "BAD_REQUEST": "invalid_request",
    "INVALID_INPUT": "invalid_request",
}


# at the token endpoint an ended session is a refused grant (RFC 6749 §5.2), not a 401
_STATUS = {"SESSION_ENDED": 400}


def oauth_error(err: HubError) -> Response[Any]:
    body = {
        "error": _RFC_ERRORS.get(err.code, "invalid_request"),
        "error_description": err.message_en,
        **err.as_dict(),
    }
    headers = dict(_NO_STORE)
    if err.code in ("INVALID_CLIENT", "CLIENT_DISABLED"):
        headers["WWW-Authenticate"] = 'Basic realm="ronghub"'
    if err.code in ("RATE_LIMITED", "SIGN_IN_THROTTLED"):
        headers["Retry-After"] = str(err.details["seconds"])
    status = _STATUS.get(err.code, err.http_status)
    if (
        status == 401 and "WWW-Authenticate" not in headers
    ):  # RFC 9110 §15.5.2: a 401 names a scheme
        headers["WWW-Authenticate"] = 'Bearer realm="ronghub"'
    return Response(body, status_code=status, headers=headers, media_type="application/json")


def _basic(request: Request[Any, Any, Any]) -> tuple[str, str] | None:
    """client_secret_basic (RFC 6749 §2.3.1), via authlib's parser."""
    user, password = extract_basic_authorization(
        {"Authorization": request.headers.get("authorization", "")}
    )
    return (user, password) if user and password else None


def _address(request: Request[Any, Any, Any], limiter: TokenLimiter) -> str:
    peer = request.client.host if request.client else None
    return limiter.address(peer, request.headers.getall("x-forwarded-for", []))


def _required(form: dict[str, str], *names: str) -> list[str]:
    missing = [n for n in names if not form.get(n)]
    if missing:
        raise HubError(
            Codes.BAD_REQUEST,
            reason_zh=f"缺少参数 {'、'.join(missing)}",
            reason_en=f"missing {', '.join(missing)}",
        )
    return [form[n] for n in names]


@post(
    "/oauth/token",
    summary="OAuth2 token endpoint",
    description="grant_type=password (staff), refresh_token (rotating) or client_credentials "
    "(partners and integrations; HTTP Basic or client_id/client_secret in the body). "
    "Form-encoded (RFC 6749). Returns a short-lived ES256 JWT access token. The password and "
    "client_credentials grants are rate limited per client address (429 RATE_LIMITED with "
    "Retry-After); failed attempts per username or client_id earn growing delays (429 "
    "SIGN_IN_THROTTLED with Retry-After), counted alike whether the name exists or not. "
    "Unknown usernames, wrong passwords and disabled users get the same invalid_grant. A "
    "disabled client's right secret is refused with 401 invalid_client, code CLIENT_DISABLED.",
    tags=["auth"],
    status_code=200,
    operation_class=TokenOperation,
)
async def token(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    auth = state.auth
    limiter = auth.limiter
    try:
        form = {k: str(v) for k, v in (await request.form()).items()}
        grant_type = form.get("grant_type", "")
        scope = form.get("scope")
        if grant_type == "password":
            username, password = _required(form, "username", "password")
            address = _address(request, limiter)
            await limiter.enforce(ip=address)
            result = await grants.password_grant(auth, username, password, scope, address)
        elif grant_type == "refresh_token":
            (refresh,) = _required(form, "refresh_token")
            result = await grants.refresh_grant(auth, refresh, scope)
        elif grant_type == "client_credentials":
            creds = _basic(request) or (form.get("client_id", ""), form.get("client_secret", ""))
            if not creds[0] or not creds[1]:
                raise HubError(AuthCodes.INVALID_CLIENT)
            address = _address(request, limiter)
            await limiter.enforce(ip=address)
            result = await grants.client_credentials_grant(auth, creds[0], creds[1], scope, address)
        else:
            raise HubError(AuthCodes.UNSUPPORTED_GRANT, grant_type=grant_type or "(none)")
    except HubError as err:
        return oauth_error(err)
    return Response(result.as_dict(), headers=_NO_STORE, media_type="application/json")


@post(
    "/oauth/revoke",
    summary="OAuth2 token revocation (RFC 7009)",
    description="Form field `token`: a refresh token. Its whole session ends, including "
    "access tokens already issued in it. Always 200, also for unknown tokens.",
    tags=["auth"],
    status_code=200,
)
async def revoke(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    form = await request.form()
    value = form.get("token")
    if value:
        await grants.revoke_refresh_token(state.auth, str(value))
    return Response({}, headers=_NO_STORE, media_type="application/json")


@get(
    "/.well-known/jwks.json",
    summary="Public keys that verify access tokens (JWK Set)",
    tags=["auth"],
)
async def jwks(state: State) -> Response[Any]:
    return Response(
        state.auth.ring.jwks(),
        headers={"Cache-Control": "max-age=60"},
        media_type="application/json",
    )
