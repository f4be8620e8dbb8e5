"""Partner feeds over HTTP: the signing keys' JWKS (and the pull feeds)."""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.datastructures import State

from hub.feeds import keys

TAGS = ["feeds"]


@get(
    "/feeds/jwks.json",
    summary="Public keys that verify feed signatures and webhooks (JWK Set)",
    description="Ed25519 keys (kty OKP, crv Ed25519, alg EdDSA, use sig); `kid` is the RFC 7638 "
    "thumbprint and the `keyid` of RFC 9421 signatures. During a key rotation the set holds "
    "both keys (the newest first) and responses carry one signature per key.",
    tags=TAGS,
)
async def feeds_jwks(state: State) -> Response[Any]:
    body = await keys.jwks(state.settings)
    return Response(
        body, media_type="application/jwk-set+json",
        headers={"Cache-Control": f"public, max-age={keys.JWKS_CACHE_SECONDS}"},
    )  # fmt: skip


ROUTES = [feeds_jwks]
