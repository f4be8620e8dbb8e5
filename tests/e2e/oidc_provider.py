"""A small OpenID Connect provider speaking the documented protocol (discovery,
authorization code with PKCE, token endpoint with client_secret_basic, JWKS), standing
in for a province's identity service in tests. It approves every authorization."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from joserfc import jwt
from joserfc.jwk import ECKey
from litestar import Litestar, Request, Response, get, post
from litestar.response import Redirect

from hub.embedded.store import free_port


@dataclass
class Provider:
    base: str
    client_id: str = "ronghub"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    email: str = "someone@example.org"
    email_verified: bool = True
    wrong_nonce: bool = False
    key: ECKey = field(
        default_factory=lambda: ECKey.generate_key("P-256", parameters={"kid": "idp-1"})
    )
    codes: dict[str, dict[str, str]] = field(default_factory=dict)


def build_app(p: Provider) -> Litestar:
    @get("/.well-known/openid-configuration", sync_to_thread=False)
    def discovery() -> dict[str, Any]:
        return {
            "issuer": p.base,
            "authorization_endpoint": f"{p.base}/authorize",
            "token_endpoint": f"{p.base}/token",
            "jwks_uri": f"{p.base}/jwks",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["ES256"],
        }

    @get("/jwks", sync_to_thread=False)
    def jwks() -> dict[str, Any]:
        return {"keys": [p.key.as_dict(private=False)]}

    @get("/authorize", sync_to_thread=False)
    def authorize(request: Request[Any, Any, Any]) -> Response[Any]:
        q = request.query_params
        if q.get("client_id") != p.client_id or q.get("code_challenge_method") != "S256":
            return Response({"error": "invalid_request"}, status_code=400)
        code = secrets.token_urlsafe(16)
        p.codes[code] = {
            "nonce": q["nonce"],
            "challenge": q["code_challenge"],
            "redirect_uri": q["redirect_uri"],
        }
        return Redirect(f"{q['redirect_uri']}?code={code}&state={q['state']}", status_code=302)

    @post("/token", status_code=200)
    async def token(request: Request[Any, Any, Any]) -> Response[Any]:
        form = await request.form()
        scheme, _, creds = request.headers.get("authorization", "").partition(" ")
        if (
            scheme.lower() != "basic"
            or base64.b64decode(creds).decode() != f"{p.client_id}:{p.client_secret}"
        ):
            return Response({"error": "invalid_client"}, status_code=401)
        grant = p.codes.pop(str(form.get("code")), None)
        verifier = str(form.get("code_verifier", ""))
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .decode()
            .rstrip("=")
        )
        if (
            grant is None
            or grant["challenge"] != challenge
            or grant["redirect_uri"] != form.get("redirect_uri")
        ):
            return Response({"error": "invalid_grant"}, status_code=400)
        now = int(time.time())
        claims = {
            "iss": p.base,
            "aud": p.client_id,
            "sub": "idp-user-1",
            "iat": now,
            "exp": now + 300,
            "nonce": "not-the-nonce" if p.wrong_nonce else grant["nonce"],
            "email": p.email,
            "email_verified": p.email_verified,
        }
        id_token = jwt.encode({"alg": "ES256", "kid": "idp-1"}, claims, p.key)
        return Response(
            {"access_token": "idp-access", "token_type": "Bearer", "id_token": id_token}
        )

    return Litestar(route_handlers=[discovery, jwks, authorize, token])


async def running_provider() -> AsyncIterator[Provider]:
    port = free_port()
    provider = Provider(base=f"http://127.0.0.1:{port}")
    server = uvicorn.Server(
        uvicorn.Config(build_app(provider), host="127.0.0.1", port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    yield provider
    server.should_exit = True
    await task
