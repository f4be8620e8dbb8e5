"""Issuing and checking access tokens (JWT, ES256, with `kid`).

Claims: iss, aud, sub, exp, iat, nbf, jti, `client_id` (RFC 9068 §2.2: the partner's own
client id for client_credentials; `NEWSROOM_CLIENT_ID` for staff, who sign in through the
hub's own tools with the password grant or OIDC), `tid` (tenant), `knd` (user or client),
`grants` (role labels, see `Grant.label`), `scope` (OAuth scopes, space separated)
and, for users, `sid` (the session: the refresh-token family) and `sep` (the user's
session epoch at issue: a token of an older epoch than the user's is refused, which is
what makes trusting `grants` from the token safe after a grant change).
Every refusal is a 401 with its own hub code, so clients can tell expiry from forgery.

A signed-in client sends the same token with every request until it expires, and checking
its ES256 signature (joserfc, P-256) cost 0.12-0.2 ms of the hub's CPU each time, about
5 % of a newsroom request (issue 15). So each process remembers the tokens whose signature
it has checked (`Verified`, bounded): the signature and the decoding are skipped, and
everything that can change is still checked on every request: that the key that signed it
is still in the ring (the same key object), expiry and not-before, issuer and audience
(and, by the caller, revocation and ended sessions).
"""

from __future__ import annotations

import base64
import json
import time
from collections import OrderedDict
from dataclasses import dataclass
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


@dataclass(frozen=True)
class _Checked:
    """A token whose signature was checked: the key that checked it and its claims."""

    key: Any
    claims: dict[str, Any]


class Verified:
    """The tokens this process has checked the signature of, newest last; at most
    `max_entries` (the oldest are forgotten first). Keyed by the whole token, so a token
    differing in any byte (a tampered one) is checked afresh."""

    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, _Checked] = OrderedDict()

    def get(self, token: str) -> _Checked | None:
        return self._entries.get(token)

    def put(self, token: str, checked: _Checked) -> None:
        self._entries[token] = checked
        if len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


#: this process's checked tokens (see the module doc)
VERIFIED = Verified()


def verify(ring: KeyRing, settings: Settings, token: str) -> dict[str, Any]:
    """The claims of a genuine, current token meant for this hub; HubError otherwise.
    (Revocation is checked by the caller, which holds the revocation list.)"""
    header = _header(token)
    if header.get("alg") != ALG:
        raise HubError(AuthCodes.TOKEN_INVALID)
    key = ring.verifying_key(str(header.get("kid", "")))
    if key is None:
        raise HubError(AuthCodes.TOKEN_UNKNOWN_KEY)
    checked = VERIFIED.get(token)
    if checked is None or checked.key is not key:
        try:
            decoded = jwt.decode(token, key, algorithms=[ALG])
        except BadSignatureError as exc:
            raise HubError(AuthCodes.TOKEN_INVALID) from exc
        except (JoseError, ValueError) as exc:
            raise HubError(AuthCodes.TOKEN_INVALID) from exc
        checked = _Checked(key, decoded.claims)
        VERIFIED.put(token, checked)
    claims = dict(checked.claims)  # the caller's own copy: the remembered one stays as signed
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
