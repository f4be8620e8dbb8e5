"""Optional sign-in through a center's external OpenID Connect provider.

Authorization-code flow with PKCE (S256), `state` and `nonce`: `GET
/oidc/{tenant}/{provider}/login` redirects to the provider; the provider sends the
browser back to `GET /oidc/callback`, where the hub exchanges the code, verifies the
ID token (signature against the provider's JWKS, issuer, audience, expiry, nonce) and
signs in the hub user of that tenant whose email matches a *verified* email claim.
Nobody is created on the fly: an administrator creates the user first.
The answer is the same JSON as `/oauth/token` (access and refresh token).
"""

from __future__ import annotations

from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.response import Redirect
from pymongo import ReturnDocument

from hub.audit.deferred import record
from hub.domain.permissions import ALL_SCOPES
from hub.errors import HubError, invalid
from hub.identity.documents import OidcLoginDoc, OidcProviderDoc, UserDoc
from hub.identity.errors import AuthCodes
from hub.identity.grants import TokenResponse, user_tokens
from hub.identity.keys import decrypt_text, encrypt_text
from hub.identity.oauth import oauth_error
from hub.identity.state import AuthState
from hub.ids import new_id, now_ms
from hub.rest.openapi_docs import OidcCallbackOperation, OidcLoginOperation
from hub.settings import Settings
from hub.store.scope import Scope
from hub.store.tenanted import Tenanted, across_tenants
from hub.transports.outbound import (
    BlockedAddress,
    OutboundPolicy,
    UnresolvableHost,
    check_outbound_url,
    guarded_client,
)

LOGIN_TTL_MS = 10 * 60 * 1000
ID_TOKEN_ALGS = ["ES256", "RS256", "PS256", "Ed25519", "EdDSA"]


def _fail(zh: str, en: str) -> HubError:
    return HubError(AuthCodes.OIDC_FAILED, reason_zh=zh, reason_en=en)


async def configure_provider(
    scope: Scope, settings: Settings, name: str, issuer: str, client_id: str, client_secret: str
) -> OidcProviderDoc:
    """Add or replace a provider of the scope's tenant (audited)."""
    if not issuer.startswith(("https://", "http://")):
        raise invalid("issuer", "签发方须为 http(s) 地址", "the issuer must be an http(s) URL")
    try:  # the hub fetches from the issuer: not into its own networks (a name not resolving yet may wait)
        await check_outbound_url(issuer, policy=OutboundPolicy.from_settings(settings))
    except UnresolvableHost:
        pass
    except BlockedAddress as exc:
        raise invalid("issuer", exc.reason_zh, exc.reason_en) from exc
    doc = OidcProviderDoc(
        id=f"{scope.tenant}:{name}",
        tenant=scope.tenant,
        name=name,
        issuer=issuer.rstrip("/"),
        client_id=client_id,
        client_secret_enc=encrypt_text(settings, client_secret),
    )
    await Tenanted(OidcProviderDoc, scope.tenant).replace_one(
        {"_id": doc.id}, doc.model_dump(by_alias=True), upsert=True
    )
    await record(
        scope.tenant, scope.actor, "oidc.configure", "oidc_provider", doc.id, {"issuer": doc.issuer}
    )
    return doc


def _client(settings: Settings) -> httpx.AsyncClient:
    """Discovery, token and key requests go through the outbound guard (the issuer and the
    endpoints its document names are configured by a center, not by the operators)."""
    return guarded_client(OutboundPolicy.from_settings(settings), timeout_s=10)


async def _discover(http: httpx.AsyncClient, issuer: str) -> dict[str, Any]:
    try:
        response = await http.get(f"{issuer}/.well-known/openid-configuration")
        response.raise_for_status()
        meta = response.json()
    except (httpx.HTTPError, ValueError, BlockedAddress) as exc:
        raise _fail(
            "无法读取身份提供方的配置", "cannot read the provider's discovery document"
        ) from exc
    if meta.get("issuer", "").rstrip("/") != issuer:
        raise _fail(
            "身份提供方的签发方与配置不符", "the provider's issuer does not match the configuration"
        )
    return meta


async def start(tenant: str, name: str, redirect_uri: str, settings: Settings) -> str:
    """Record a login in flight and return the provider's authorization URL."""
    provider = await OidcProviderDoc.find_one({"_id": f"{tenant}:{name}", "tenant": tenant})
    if provider is None:
        raise _fail("本中心未配置该身份提供方", "no such provider for this tenant")
    async with _client(settings) as http:
        meta = await _discover(http, provider.issuer)
    login = OidcLoginDoc(
        id=generate_token(40),
        tenant=tenant,
        provider_id=provider.id,
        nonce=generate_token(32),
        code_verifier=generate_token(64),
        redirect_uri=redirect_uri,
        expires_at=now_ms() + LOGIN_TTL_MS,
    )
    await login.insert()
    return add_params_to_uri(
        meta["authorization_endpoint"],
        {
            "response_type": "code",
            "client_id": provider.client_id,
            "redirect_uri": redirect_uri,
            "scope": provider.scopes,
            "state": login.id,
            "nonce": login.nonce,
            "code_challenge": create_s256_code_challenge(login.code_verifier),
            "code_challenge_method": "S256",
        },
    )


def _verify_id_token(
    token: str, keys: KeySet, provider: OidcProviderDoc, nonce: str
) -> dict[str, Any]:
    try:
        claims = jwt.decode(token, keys, algorithms=ID_TOKEN_ALGS).claims
        jwt.JWTClaimsRegistry(leeway=30, exp={"essential": True}, sub={"essential": True}).validate(
            claims
        )
    except (JoseError, ValueError) as exc:
        raise _fail("身份令牌无效或已过期", "the ID token is invalid or expired") from exc
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if (
        str(claims.get("iss", "")).rstrip("/") != provider.issuer
        or provider.client_id not in audiences
    ):
        raise _fail("身份令牌的签发方或受众不符", "the ID token's issuer or audience is wrong")
    if claims.get("nonce") != nonce:
        raise _fail(
            "身份令牌的 nonce 不符(可能是重放)", "the ID token's nonce does not match (replay?)"
        )
    return claims


async def finish(state: AuthState, login_state: str, code: str) -> TokenResponse:
    """Exchange the code, verify the ID token and sign the matching hub user in."""
    raw = await across_tenants(
        OidcLoginDoc, reason="a sign-in is found by its secret state, before its tenant is known"
    ).find_one_and_update(
        {
            "_id": login_state,
            "used": False,
            "expires_at": {"$gt": now_ms()},
        },  # state is the secret key
        {"$set": {"used": True}},
        return_document=ReturnDocument.AFTER,
    )
    if raw is None:
        raise _fail("登录请求已过期或已使用,请重新登录", "unknown, used or expired login state")
    login = OidcLoginDoc.model_validate(raw)
    provider = await OidcProviderDoc.find_one({"_id": login.provider_id, "tenant": login.tenant})
    if provider is None:
        raise _fail("身份提供方已被删除", "the provider was removed")
    async with _client(state.settings) as http:
        meta = await _discover(http, provider.issuer)
        try:
            tokens = await http.post(
                meta["token_endpoint"],
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": login.redirect_uri,
                    "code_verifier": login.code_verifier,
                },
                auth=(provider.client_id, decrypt_text(state.settings, provider.client_secret_enc)),
            )
            tokens.raise_for_status()
            id_token = tokens.json()["id_token"]
            keys = KeySet.import_key_set((await http.get(meta["jwks_uri"])).json())
        except (httpx.HTTPError, ValueError, KeyError, BlockedAddress) as exc:
            raise _fail(
                "向身份提供方换取令牌失败", "the code exchange with the provider failed"
            ) from exc
    claims = _verify_id_token(id_token, keys, provider, login.nonce)
    email = claims.get("email")
    if not email or claims.get("email_verified") is not True:
        raise _fail("身份提供方未提供已验证的邮箱", "the provider gave no verified email")
    user = await UserDoc.find_one({"tenant": login.tenant, "email": email})
    if user is None or user.disabled:
        raise _fail(
            "本中心没有使用该邮箱的用户,请联系管理员", "no user of this tenant has that email"
        )
    family = new_id()
    await record(
        login.tenant,
        user.id,
        "signin.oidc",
        "user",
        user.id,
        {"session": family, "provider": provider.id, "sub": str(claims["sub"])},
    )
    return await user_tokens(state, user, sorted(ALL_SCOPES), family)


@get(
    "/oidc/{tenant:str}/{provider:str}/login",
    summary="Start OIDC sign-in (redirects to the provider)",
    tags=["auth"],
    operation_class=OidcLoginOperation,
)
async def oidc_login(
    request: Request[Any, Any, Any], state: State, tenant: FromPath[str], provider: FromPath[str]
) -> Response[Any]:
    try:
        url = await start(
            tenant, provider, str(request.url_for("oidc_callback")), state.auth.settings
        )
    except HubError as err:
        return oauth_error(err)
    return Redirect(url, status_code=302)


@get(
    "/oidc/callback",
    name="oidc_callback",
    summary="OIDC redirect target: returns hub tokens",
    tags=["auth"],
    operation_class=OidcCallbackOperation,
)
async def oidc_callback(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    params = request.query_params
    if params.get("error"):
        return oauth_error(
            _fail("身份提供方拒绝了登录", f"the provider refused: {params.get('error')}")
        )
    try:
        result = await finish(state.auth, params.get("state", ""), params.get("code", ""))
    except HubError as err:
        return oauth_error(err)
    return Response(
        result.as_dict(), headers={"Cache-Control": "no-store"}, media_type="application/json"
    )
