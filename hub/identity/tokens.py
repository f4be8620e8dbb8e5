"""Turning a request's credentials into a `Scope`.

- No Authorization header: the anonymous public read model of the default tenant.
- `Bearer <JWT>` from /oauth/token: the user's or client's tenant, grants and OAuth
  scopes; expired, forged, foreign (issuer/audience), revoked or unknown-key tokens
  are each refused with their own 401 code, and so are user tokens issued before the
  user's sessions ended (SESSION_ENDED: grants changed, disabled, password changed or
  reset, sessions revoked). The grants are read from the token; that is safe because
  any grant change ends the sessions it was issued in. Client tokens of a client
  disabled since (CLIENT_DISABLED) or whose sessions were ended by a secret rotation
  (CLIENT_SESSION_ENDED) are refused the same way.
- The development token (RONGHUB_DEV_TOKEN; `dev-token` by default) acts as an admin
  of the default tenant, in development mode only.
A token that is present but wrong is refused: never silently treated as anonymous.
Synchronous on purpose: keys, revocations and ended sessions are held in memory
(`AuthState`); the anonymous path returns before any of it.
"""

from __future__ import annotations

import hmac
from dataclasses import replace
from typing import Any

from litestar import Request

from hub.console.session import CSRF_HEADER, authorization_from_cookie
from hub.domain.permissions import Grant, PrincipalKind, Reach, Role, story_visibility
from hub.errors import Codes, HubError
from hub.identity.errors import AuthCodes
from hub.identity.jwt import verify
from hub.settings import Settings
from hub.store.scope import Scope

DEV_ACTOR = "dev"


def dev_scope(settings: Settings) -> Scope:
    """What the development token stands for: an admin of the default tenant."""
    return Scope(
        tenant=settings.default_tenant,
        actor=DEV_ACTOR,
        public_only=False,
        kind=PrincipalKind.USER,
        user_id=DEV_ACTOR,
        grants=(Grant(Role.ADMIN),),
        oauth_scopes=None,
    )


def scope_from_claims(claims: dict[str, Any]) -> Scope:
    """The scope a verified token's claims describe."""
    kind = PrincipalKind.CLIENT if claims.get("knd") == "client" else PrincipalKind.USER
    try:
        grants = tuple(Grant.parse(g) for g in claims.get("grants") or [])
    except ValueError as exc:
        raise HubError(AuthCodes.TOKEN_INVALID) from exc
    scope = Scope(
        tenant=str(claims["tid"]),
        actor=str(claims["sub"]),
        public_only=False,
        kind=kind,
        user_id=str(claims["sub"]) if kind == PrincipalKind.USER else None,
        client_id=str(claims["sub"]) if kind == PrincipalKind.CLIENT else None,
        grants=grants,
        oauth_scopes=frozenset(str(claims.get("scope", "")).split()),
        session_id=claims.get("sid"),
        token_id=claims.get("jti"),
    )
    if story_visibility(scope.principal).reach == Reach.NONE:
        # partners, clients and users without draft access read the public model only
        scope = replace(scope, public_only=True)
    return scope


def scope_for_request(request: Request[Any, Any, Any], settings: Settings) -> Scope:
    """The Authorization header's scope; without one, the console's session cookie's
    (only together with its CSRF header, see hub/console/session.py)."""
    auth = getattr(request.app.state, "auth", None)
    header = request.headers.get("authorization")
    if not header:
        header = authorization_from_cookie(
            request.cookies, request.method, request.headers.get(CSRF_HEADER), settings
        )
    return scope_for_authorization(header, settings, auth)


def scope_for_authorization(header: str | None, settings: Settings, auth: Any) -> Scope:
    """The scope an `Authorization` value stands for (HTTP header, or a websocket's
    connection_init payload); `auth` is the running hub's AuthState (keys, revocations)."""
    if not header:
        return Scope(tenant=settings.default_tenant, actor=None, public_only=True)
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise HubError(Codes.UNAUTHENTICATED)
    expected = settings.effective_dev_token if settings.development else None
    if expected is not None and hmac.compare_digest(token.encode(), expected.encode()):
        return dev_scope(settings)
    if auth is None or token.count(".") != 2:
        raise HubError(Codes.UNAUTHENTICATED)
    claims = verify(auth.ring, settings, token)
    if auth.is_revoked(claims.get("jti"), claims.get("sid")):
        raise HubError(AuthCodes.TOKEN_REVOKED)
    epoch = claims.get("sep", 0)
    if not isinstance(epoch, int) or isinstance(epoch, bool):
        raise HubError(AuthCodes.TOKEN_INVALID)
    if claims.get("knd") == "client":
        refused = auth.client_refusal(str(claims["tid"]), str(claims["sub"]), epoch)
        if refused is not None:
            raise HubError(refused)
    elif not auth.session_current(str(claims["tid"]), str(claims["sub"]), epoch):
        raise HubError(AuthCodes.SESSION_ENDED)
    return scope_from_claims(claims)
