"""Issuing and checking access tokens (JWT, ES256, with `kid`).

Claims: iss, aud, sub, exp, iat, nbf, jti, `client_id` (RFC 9068 §2.2: the partner's own
client id for client_credentials; `NEWSROOM_CLIENT_ID` for staff, who sign in through the
hub's own tools with the password grant or OIDC), `tid` (tenant), `knd` (user or client),
`grants` (role labels, see `Grant.label`), `scope` (OAuth scopes, space separated)
and, for users, `sid` (the session: the refresh-token family) and `sep` (the user's
session epoch at issue: a token of an older epoch than the user's is refused, which is
what makes trusting `grants` from the token safe after a grant change).
Every refusal is a 401 with its own hub code, so clients can tell expiry from forgery.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    JoseError,
    MissingClaimError,
)

from hub.errors import HubError
from hub.identity.errors import AuthCodes
from hub.identity.keys import ALG, KeyRing
from hub.ids import new_id
from hub.settings import Settings

# the client staff tokens are issued to: the hub's own newsroom tools (no client secret)
NEWSROOM_CLIENT_ID = "ronghub-newsroom"


def issue(
    ring: KeyRing,
    settings: Settings,
    *,
    subject: str,
    tenant: str,
    kind: str,
    grants: list[str],
    scopes: list[str],
    session_id: str | None = None,
    epoch: int | None = None,
    lifetime: int | None = None,
    now: int | None = None,
) -> tuple[str, dict[str, Any]]:
    """A signed access token and its claims. `lifetime` overrides the setting (tests)."""
    key = ring.signing_key()
    issued = int(time.time()) if now is None else now
    claims: dict[str, Any] = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": subject,
        "iat": issued,
        "nbf": issued - 5,
        "exp": issued + (settings.access_token_seconds if lifetime is None else lifetime),
        "jti": new_id(),
        "client_id": subject if kind == "client" else NEWSROOM_CLIENT_ID,
        "tid": tenant,
        "knd": kind,
        "grants": grants,
        "scope": " ".join(sorted(scopes)),
    }
    if session_id:
        claims["sid"] = session_id
    if epoch is not None:
        claims["sep"] = epoch
    token = jwt.encode({"alg": ALG, "kid": key.kid, "typ": "at+jwt"}, claims, key, algorithms=[ALG])
    return token, claims


def _header(token: str) -> dict[str, Any]:
    try:
        head = token.split(".")[0]
        data = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (
        ValueError,
        IndexError,
        RecursionError,
    ) as exc:  # RecursionError: a forged "[[[[..." header
        raise HubError(AuthCodes.TOKEN_INVALID) from exc
    if not isinstance(data, dict):
        raise HubError(AuthCodes.TOKEN_INVALID)
    return data


def verify(ring: KeyRing, settings: Settings, token: str) -> dict[str, Any]:
    """The claims of a genuine, current token meant for this hub; HubError otherwise.
    (Revocation is checked by the caller, which holds the revocation list.)"""
    header = _header(token)
    if header.get("alg") != ALG:
        raise HubError(AuthCodes.TOKEN_INVALID)
    key = ring.verifying_key(str(header.get("kid", "")))
    if key is None:
        raise HubError(AuthCodes.TOKEN_UNKNOWN_KEY)
    try:
        decoded = jwt.decode(token, key, algorithms=[ALG])
    except BadSignatureError as exc:
        raise HubError(AuthCodes.TOKEN_INVALID) from exc
    except (JoseError, ValueError) as exc:
        raise HubError(AuthCodes.TOKEN_INVALID) from exc
    claims = decoded.claims
    registry = jwt.JWTClaimsRegistry(
        leeway=5,
        exp={"essential": True},
        jti={"essential": True},
        sub={"essential": True},
        tid={"essential": True},
    )
    try:
        registry.validate(claims)
    except ExpiredTokenError as exc:
        raise HubError(AuthCodes.TOKEN_EXPIRED) from exc
    except (InvalidClaimError, MissingClaimError, JoseError) as exc:
        raise HubError(AuthCodes.TOKEN_INVALID) from exc
    if claims.get("iss") != settings.jwt_issuer or not _aud_ok(
        claims.get("aud"), settings.jwt_audience
    ):
        raise HubError(AuthCodes.TOKEN_WRONG_AUDIENCE)
    return claims


def _aud_ok(aud: Any, expected: str) -> bool:
    if isinstance(aud, str):
        return aud == expected
    return isinstance(aud, list) and expected in aud
