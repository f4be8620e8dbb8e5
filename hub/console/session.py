"""The console's first-party session: the hub's own sign-in, kept in cookies.

Signing in runs the same password grant as POST /oauth/token; the access and refresh
tokens it issues go into HttpOnly, SameSite=Strict cookies (Secure over https), so the
console's JavaScript never holds a token. The cookie then authenticates requests to the
public doors (/graphql, /media) only together with the `X-Ronghub-CSRF` header, whose
value is an HMAC of the session id (`sid`) under a key derived from the hub's key secret:
a page of another site can neither read it (SameSite, no CORS) nor compute it. The same
value sits in a readable cookie for the console's script to copy into the header.

- a state-changing request (POST ...) with the cookie and no header: 403 CSRF_MISSING;
  a wrong header: 403 CSRF_INVALID. A GET with the cookie and no header is a plain
  navigation and is read as anonymous (the cookie is ignored).
- the access token expires as usual (401 TOKEN_EXPIRED); the console then posts
  /console/session/refresh (rotating refresh token, same session) and retries.
- sign-out revokes the whole session (refresh family and its live access tokens) and
  clears the cookies; a copied cookie is useless afterwards.
No route here reads or writes content: that is the public API's job.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from litestar import Request, Response, post
from litestar.datastructures import Cookie, State

from hub.console.errors import ConsoleCodes
from hub.errors import Codes, HubError
from hub.identity import grants
from hub.rest.jsonbody import decode, is_json_media_type
from hub.rest.responses import error_response
from hub.settings import Settings

ACCESS_COOKIE = "ronghub_console"
REFRESH_COOKIE = "ronghub_console_refresh"
CSRF_COOKIE = "ronghub_csrf"
CSRF_HEADER = "x-ronghub-csrf"
SESSION_PATH = "/console/session"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_NO_STORE = {"Cache-Control": "no-store"}


def csrf_token(settings: Settings, session_id: str) -> str:
    """The header value that goes with session `session_id` (stable across refreshes)."""
    key = hashlib.sha256(
        b"ronghub-console-csrf\0" + settings.effective_key_secret.encode()
    ).digest()
    mac = hmac.new(key, session_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def unverified_session_id(token: str) -> str | None:
    """The `sid` claim of a token without checking it: only ever compared through the
    HMAC above (which a forger cannot compute), the token itself is verified after."""
    try:
        part = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, IndexError, RecursionError):
        return None
    sid = claims.get("sid") if isinstance(claims, dict) else None
    return sid if isinstance(sid, str) and sid else None


def check_csrf(settings: Settings, token: str, sent: str | None) -> None:
    if not sent:
        raise HubError(ConsoleCodes.CSRF_MISSING)
    sid = unverified_session_id(token)
    if sid is None or not hmac.compare_digest(sent.encode(), csrf_token(settings, sid).encode()):
        raise HubError(ConsoleCodes.CSRF_INVALID)


def authorization_from_cookie(
    cookies: dict[str, str], method: str, csrf: str | None, settings: Settings
) -> str | None:
    """The `Authorization` value the console cookie stands for on this request, or None
    (no cookie, console off, or a safe request without the header: anonymous)."""
    if not settings.console_enabled:
        return None
    token = cookies.get(ACCESS_COOKIE)
    if not token:
        return None
    if not csrf and method in _SAFE_METHODS:
        return None
    check_csrf(settings, token, csrf)
    return f"Bearer {token}"


def has_session_cookie(raw_cookie_header: bytes) -> bool:
    """For the cached-reads fast path, which must not answer a console request anonymously."""
    return ACCESS_COOKIE.encode() + b"=" in raw_cookie_header


def _secure(request: Request[Any, Any, Any], settings: Settings) -> bool:
    return request.url.scheme == "https" or settings.base_url.startswith("https://")


def _cookies(
    request: Request[Any, Any, Any], settings: Settings, access: str, refresh: str | None
) -> list[Cookie]:
    secure = _secure(request, settings)
    life = settings.refresh_token_seconds
    sid = unverified_session_id(access) or ""
    cookies = [
        # the access cookie outlives its token: refresh reads the session id from it
        Cookie(
            key=ACCESS_COOKIE,
            value=access,
            path="/",
            httponly=True,
            samesite="strict",
            secure=secure,
            max_age=life,
        ),
        Cookie(
            key=CSRF_COOKIE,
            value=csrf_token(settings, sid),
            path="/",
            httponly=False,
            samesite="strict",
            secure=secure,
            max_age=life,
        ),
    ]
    if refresh:
        cookies.append(
            Cookie(
                key=REFRESH_COOKIE,
                value=refresh,
                path=SESSION_PATH,
                httponly=True,
                samesite="strict",
                secure=secure,
                max_age=life,
            )
        )
    return cookies


def _cleared(request: Request[Any, Any, Any], settings: Settings) -> list[Cookie]:
    secure = _secure(request, settings)
    return [
        Cookie(
            key=ACCESS_COOKIE,
            value="",
            path="/",
            httponly=True,
            samesite="strict",
            secure=secure,
            max_age=0,
        ),
        Cookie(
            key=CSRF_COOKIE,
            value="",
            path="/",
            httponly=False,
            samesite="strict",
            secure=secure,
            max_age=0,
        ),
        Cookie(
            key=REFRESH_COOKIE,
            value="",
            path=SESSION_PATH,
            httponly=True,
            samesite="strict",
            secure=secure,
            max_age=0,
        ),
    ]


def _same_origin(request: Request[Any, Any, Any]) -> None:
    """Sign-in has no session to bind a CSRF value to: it takes JSON only (a cross-site
    form cannot send it without a CORS preflight the hub never grants) and refuses a
    foreign Origin (login CSRF: signing the victim into the attacker's account)."""
    origin = request.headers.get("origin")
    if origin is not None and origin.rstrip("/") != f"{request.url.scheme}://{request.url.netloc}":
        raise HubError(ConsoleCodes.CROSS_ORIGIN)


def _session_body(settings: Settings, access: str, expires_in: int) -> dict[str, Any]:
    return {
        "csrf": csrf_token(settings, unverified_session_id(access) or ""),
        "expiresIn": expires_in,
    }


@post(
    SESSION_PATH,
    summary="Console sign-in (cookie session)",
    tags=["console"],
    status_code=200,
    include_in_schema=False,
    description="JSON {username, password}: the password grant of /oauth/token, with the tokens set as "
    "HttpOnly SameSite=Strict cookies for the console; returns the CSRF value for the X-Ronghub-CSRF header.",
)
async def sign_in(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    settings: Settings = state.settings
    try:
        _same_origin(request)
        if not is_json_media_type(request.headers.get("content-type")):
            raise HubError(
                Codes.UNSUPPORTED_MEDIA_TYPE,
                content_type=(request.headers.get("content-type") or "")[:100],
            )
        body = decode(await request.body())
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("username"), str)
            or not isinstance(body.get("password"), str)
            or not body["username"]
            or not body["password"]
        ):
            raise HubError(
                Codes.BAD_REQUEST, reason="需要用户名和密码 / username and password are required"
            )
        auth = state.auth
        peer = request.client.host if request.client else None
        address = auth.limiter.address(peer, request.headers.getall("x-forwarded-for", []))
        await auth.limiter.enforce(ip=address)
        result = await grants.password_grant(
            auth, body["username"], body["password"], None, address
        )
    except HubError as err:
        return _refused(err)
    return Response(
        _session_body(settings, result.access_token, result.expires_in),
        headers=_NO_STORE,
        cookies=_cookies(request, settings, result.access_token, result.refresh_token),
        media_type="application/json",
    )


def _refused(err: HubError, cookies: list[Cookie] | None = None) -> Response[Any]:
    response = error_response(err)
    if err.code in ("RATE_LIMITED", "SIGN_IN_THROTTLED"):
        response.headers["Retry-After"] = str(err.details["seconds"])
    for cookie in cookies or []:
        response.set_cookie(cookie)
    response.headers.update(_NO_STORE)
    return response


@post(
    f"{SESSION_PATH}/refresh",
    summary="Console session refresh",
    tags=["console"],
    status_code=200,
    include_in_schema=False,
    description="With the X-Ronghub-CSRF header: rotates the refresh cookie and sets a new access cookie.",
)
async def refresh(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    settings: Settings = state.settings
    access = request.cookies.get(ACCESS_COOKIE)
    token = request.cookies.get(REFRESH_COOKIE)
    try:
        if not access or not token:
            raise HubError(ConsoleCodes.CONSOLE_SIGNED_OUT)
        check_csrf(settings, access, request.headers.get(CSRF_HEADER))
    except HubError as err:
        return _refused(err)
    try:
        result = await grants.refresh_grant(state.auth, token, None)
    except HubError as err:  # used, revoked or expired: the session is over
        return _refused(
            HubError(ConsoleCodes.CONSOLE_SIGNED_OUT) if err.http_status < 500 else err,
            _cleared(request, settings),
        )
    return Response(
        _session_body(settings, result.access_token, result.expires_in),
        headers=_NO_STORE,
        cookies=_cookies(request, settings, result.access_token, result.refresh_token),
        media_type="application/json",
    )


@post(
    f"{SESSION_PATH}/end",
    summary="Console sign-out",
    tags=["console"],
    status_code=200,
    include_in_schema=False,
    description="With the X-Ronghub-CSRF header: revokes the session (its refresh tokens and live access "
    "tokens) and clears the cookies.",
)
async def sign_out(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    settings: Settings = state.settings
    access = request.cookies.get(ACCESS_COOKIE)
    token = request.cookies.get(REFRESH_COOKIE)
    if access:
        try:
            check_csrf(settings, access, request.headers.get(CSRF_HEADER))
        except HubError as err:
            return _refused(err)
    if token:
        await grants.revoke_refresh_token(state.auth, token)
    return Response(
        {"signedOut": True},
        headers=_NO_STORE,
        cookies=_cleared(request, settings),
        media_type="application/json",
    )


ROUTES = [sign_in, refresh, sign_out]
