"""Signing in over OAuth2 and what the hub does with every kind of bad token."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from hub.errors import HubError
from hub.identity import jwt as hub_jwt
from hub.identity.keys import KeyRing, rotate
from hub.settings import Settings
from tests.conftest import GraphQLClient, wait_until
from tests.e2e.identity_helpers import PASSWORD, make_tenant, make_user, sign_in, token_request

ME = "{ me { tenantId kind grants { label } scopes } }"
CREATE = 'mutation($t: String!) { createStory(input: {title: $t, bodyText: "正文"}) { id title } }'


async def gql(
    http: httpx.AsyncClient, token: str, query: str, variables: dict | None = None
) -> httpx.Response:
    return await http.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"authorization": f"Bearer {token}"},
    )


def code_of(response: httpx.Response) -> str:
    return response.json()["errors"][0]["extensions"]["code"]


async def test_a_reporter_signs_in_with_a_password_and_writes_in_their_center(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant()
    name = await make_user(tenant, "reporter")
    tokens = await sign_in(http, name)
    assert (
        tokens["token_type"] == "Bearer" and tokens["expires_in"] == 600 and tokens["refresh_token"]
    )
    client = GraphQLClient(http, tokens["access_token"])
    me = (await client(ME))["me"]
    assert (
        me["tenantId"] == tenant
        and me["kind"] == "user"
        and me["grants"] == [{"label": "reporter"}]
    )
    created = (await client(CREATE, {"t": "记者稿件"}))["createStory"]
    assert (await client("query($id: ID!) { story(id: $id) { title } }", {"id": created["id"]}))[
        "story"
    ]["title"] == "记者稿件"


async def test_unknown_users_and_grant_types_are_refused_per_rfc6749(
    http: httpx.AsyncClient,
) -> None:
    unknown = await token_request(
        http, {"grant_type": "password", "username": "nobody-here", "password": "x" * 10}
    )
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_grant"
    assert unknown.headers["cache-control"] == "no-store"
    odd = await token_request(http, {"grant_type": "implicit"})
    assert odd.json()["error"] == "unsupported_grant_type"


async def test_refresh_tokens_rotate_and_reuse_revokes_the_whole_session(
    http: httpx.AsyncClient,
) -> None:
    name = await make_user(await make_tenant(), "editor")
    first = await sign_in(http, name)
    second = (
        await token_request(
            http, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
        )
    ).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await gql(http, second["access_token"], ME)).status_code == 200

    replay = await token_request(
        http, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert replay.json()["error"] == "invalid_grant"
    # the thief's replay ended the session: the newer refresh token and access token die too
    later = await token_request(
        http, {"grant_type": "refresh_token", "refresh_token": second["refresh_token"]}
    )
    assert later.json()["error"] == "invalid_grant"
    refused = await gql(http, second["access_token"], ME)
    assert refused.status_code == 401 and code_of(refused) == "TOKEN_REVOKED"


async def test_scopes_narrow_a_token(http: httpx.AsyncClient) -> None:
    name = await make_user(await make_tenant(), "admin")
    tokens = await sign_in(http, name, scope="stories:read")
    assert tokens["scope"] == "stories:read"
    response = await gql(http, tokens["access_token"], CREATE, {"t": "只读令牌"})
    assert code_of(response) == "FORBIDDEN"
    too_much = await token_request(
        http, {"grant_type": "password", "username": name, "password": PASSWORD, "scope": "root"}
    )
    assert too_much.json()["error"] == "invalid_scope"


async def test_signing_out_revokes_the_access_token(http: httpx.AsyncClient) -> None:
    name = await make_user(await make_tenant(), "reporter")
    tokens = await sign_in(http, name)
    assert (await gql(http, tokens["access_token"], "mutation { signOut }")).json()["data"] == {
        "signOut": True
    }
    refused = await gql(http, tokens["access_token"], ME)
    assert refused.status_code == 401 and code_of(refused) == "TOKEN_REVOKED"
    again = await token_request(
        http, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert again.json()["error"] == "invalid_grant"


@pytest.fixture
async def ring(hub_url: str, hub_settings: Settings) -> KeyRing:
    """The hub's keys, read from the store as the hub reads them."""
    ring = KeyRing(hub_settings)
    await ring.refresh()
    return ring


def claims_for(tenant: str) -> dict:
    return {
        "subject": "someone",
        "tenant": tenant,
        "kind": "user",
        "grants": ["admin"],
        "scopes": ["stories:read"],
    }


async def test_an_expired_token_is_refused(
    http: httpx.AsyncClient, ring: KeyRing, hub_settings: Settings
) -> None:
    token, _ = hub_jwt.issue(
        ring, hub_settings, lifetime=-60, **claims_for(hub_settings.default_tenant)
    )
    response = await gql(http, token, ME)
    assert response.status_code == 401 and code_of(response) == "TOKEN_EXPIRED"
    assert "过期" in response.json()["errors"][0]["extensions"]["message_zh"]


async def test_a_tampered_token_is_refused(
    http: httpx.AsyncClient, ring: KeyRing, hub_settings: Settings
) -> None:
    token, claims = hub_jwt.issue(ring, hub_settings, **claims_for(hub_settings.default_tenant))
    head, payload, sig = token.split(".")
    forged = dict(claims, grants=["platform_admin"])
    payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
    response = await gql(http, f"{head}.{payload}.{sig}", ME)
    assert response.status_code == 401 and code_of(response) == "TOKEN_INVALID"


@pytest.mark.parametrize("field", ["jwt_audience", "jwt_issuer"])
async def test_a_token_for_another_audience_or_issuer_is_refused(
    http: httpx.AsyncClient, ring: KeyRing, hub_settings: Settings, field: str
) -> None:
    other = hub_settings.model_copy(update={field: "someone-else"})
    token, _ = hub_jwt.issue(ring, other, **claims_for(hub_settings.default_tenant))
    response = await gql(http, token, ME)
    assert response.status_code == 401 and code_of(response) == "TOKEN_WRONG_AUDIENCE"


async def wait_for_kid(http: httpx.AsyncClient, kid: str) -> dict:
    """Poll the JWKS until the hub has picked up `kid` (it re-reads keys periodically)."""
    jwks: dict = {}

    async def published() -> bool:
        nonlocal jwks
        jwks = (await http.get("/.well-known/jwks.json")).json()
        return kid in {k["kid"] for k in jwks["keys"]}

    await wait_until(published, f"the hub publishing {kid}")
    return jwks


async def test_after_key_rotation_old_tokens_stay_valid_and_new_ones_use_the_new_key(
    http: httpx.AsyncClient, hub_settings: Settings
) -> None:
    name = await make_user(await make_tenant(), "editor")
    old = await sign_in(http, name)
    old_kid = json.loads(base64.urlsafe_b64decode(old["access_token"].split(".")[0] + "=="))["kid"]
    new_key = await rotate(hub_settings, immediate=True)
    jwks = await wait_for_kid(http, new_key.id)
    assert {old_kid, new_key.id} <= {k["kid"] for k in jwks["keys"]}
    assert all("d" not in k for k in jwks["keys"])  # public halves only
    assert (await gql(http, old["access_token"], ME)).status_code == 200
    fresh = await sign_in(http, name)
    assert (
        json.loads(base64.urlsafe_b64decode(fresh["access_token"].split(".")[0] + "=="))["kid"]
        == new_key.id
    )
    assert (await gql(http, fresh["access_token"], ME)).status_code == 200


async def test_private_keys_are_encrypted_at_rest(hub_url: str, hub_settings: Settings) -> None:
    from hub.identity.documents import SigningKeyDoc

    docs = await SigningKeyDoc.find({"tenant": hub_settings.platform_tenant}).to_list()
    assert docs and all(
        "PRIVATE KEY" not in d.private_enc and "d" not in d.public_jwk for d in docs
    )


async def test_the_dev_token_still_acts_as_an_admin_of_the_default_tenant(
    editor: GraphQLClient, hub_settings: Settings
) -> None:
    me = (await editor(ME))["me"]
    assert (
        me["tenantId"] == hub_settings.default_tenant
        and me["grants"] == [{"label": "admin"}]
        and me["scopes"] is None
    )


async def test_tokens_from_an_unknown_key_or_without_a_signature_are_refused(
    http: httpx.AsyncClient, hub_settings: Settings
) -> None:
    from joserfc import jwt
    from joserfc.jwk import ECKey

    stranger = ECKey.generate_key("P-256", parameters={"kid": "not-ours"})
    claims = {
        "iss": hub_settings.jwt_issuer,
        "aud": hub_settings.jwt_audience,
        "sub": "x",
        "jti": "j",
        "tid": hub_settings.default_tenant,
        "exp": 4_000_000_000,
        "grants": ["admin"],
    }
    forged = jwt.encode({"alg": "ES256", "kid": "not-ours"}, claims, stranger)
    response = await gql(http, forged, ME)
    assert response.status_code == 401 and code_of(response) == "TOKEN_UNKNOWN_KEY"

    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    unsigned = f"{b64({'alg': 'none', 'kid': 'x'})}.{b64(claims)}."
    response = await gql(http, unsigned, ME)
    assert response.status_code == 401 and code_of(response) == "TOKEN_INVALID"


async def test_revoking_a_refresh_token_ends_its_session(http: httpx.AsyncClient) -> None:
    name = await make_user(await make_tenant(), "reporter")
    tokens = await sign_in(http, name)
    assert (
        await http.post("/oauth/revoke", data={"token": tokens["refresh_token"]})
    ).status_code == 200
    assert (await http.post("/oauth/revoke", data={"token": "unknown"})).status_code == 200
    refused = await gql(http, tokens["access_token"], ME)
    assert refused.status_code == 401 and code_of(refused) == "TOKEN_REVOKED"
    again = await token_request(
        http, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert again.json()["error"] == "invalid_grant"


# ---- the checked tokens each process remembers (hub/identity/jwt.py `Verified`) ----------


def _claims_of(ring: KeyRing, hub_settings: Settings) -> tuple[str, dict]:
    return hub_jwt.issue(ring, hub_settings, **claims_for(hub_settings.default_tenant))


async def test_a_remembered_token_is_still_refused_once_expired(
    ring: KeyRing, hub_settings: Settings
) -> None:
    token, _ = _claims_of(ring, hub_settings)
    claims = hub_jwt.verify(ring, hub_settings, token)
    checked = hub_jwt.VERIFIED.get(token)
    assert checked is not None and checked.claims == claims  # remembered
    # as if the clock had moved past its expiry since it was checked
    hub_jwt.VERIFIED.put(
        token, hub_jwt._Checked(checked.key, {**claims, "exp": claims["iat"] - 60})
    )
    with pytest.raises(HubError) as refused:
        hub_jwt.verify(ring, hub_settings, token)
    assert refused.value.code == "TOKEN_EXPIRED"


async def test_a_remembered_token_is_refused_when_its_key_left_the_ring_or_the_audience_differs(
    ring: KeyRing, hub_settings: Settings
) -> None:
    token, _ = _claims_of(ring, hub_settings)
    hub_jwt.verify(ring, hub_settings, token)
    assert hub_jwt.VERIFIED.get(token) is not None
    with pytest.raises(HubError) as unknown:
        hub_jwt.verify(KeyRing(hub_settings), hub_settings, token)  # a ring without its key
    assert unknown.value.code == "TOKEN_UNKNOWN_KEY"
    other = hub_settings.model_copy(update={"jwt_audience": "someone-else"})
    with pytest.raises(HubError) as audience:
        hub_jwt.verify(ring, other, token)
    assert audience.value.code == "TOKEN_WRONG_AUDIENCE"


async def test_a_token_checked_with_another_key_object_is_checked_again(
    ring: KeyRing, hub_settings: Settings
) -> None:
    """A ring read afresh holds new key objects: the remembered check stands for the key
    object that made it only, so the token is checked again, with the new one."""
    token, claims = _claims_of(ring, hub_settings)
    kid = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["kid"]
    hub_jwt.verify(ring, hub_settings, token)
    assert hub_jwt.VERIFIED.get(token).key is ring.verifying_key(kid)  # type: ignore[union-attr]
    again = KeyRing(hub_settings)
    await again.refresh()
    assert again.verifying_key(kid) is not ring.verifying_key(kid)
    assert hub_jwt.verify(again, hub_settings, token)["jti"] == claims["jti"]
    assert hub_jwt.VERIFIED.get(token).key is again.verifying_key(kid)  # type: ignore[union-attr]


def test_the_remembered_tokens_are_bounded_oldest_out_first() -> None:
    verified = hub_jwt.Verified(max_entries=2)
    for token in ("a", "b", "c"):
        verified.put(token, hub_jwt._Checked(None, {"jti": token}))
    assert verified.get("a") is None
    assert [verified.get(t).claims["jti"] for t in ("b", "c")] == ["b", "c"]  # type: ignore[union-attr]
