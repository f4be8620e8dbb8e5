"""Optional sign-in through a center's OpenID Connect provider (a local stand-in)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from hub.settings import Settings
from tests.conftest import GraphQLClient
from tests.e2e.identity_helpers import make_tenant, make_user, sign_in
from tests.e2e.oidc_provider import Provider, running_provider


@pytest.fixture
async def idp(
    hub_url: str, hub_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Provider]:
    monkeypatch.setattr(
        hub_settings, "outbound_allow_loopback", True
    )  # the stand-in listens on 127.0.0.1
    async for provider in running_provider():
        yield provider


async def setup_center(http: httpx.AsyncClient, idp: Provider) -> tuple[str, str]:
    tenant = await make_tenant("sso")
    admin = GraphQLClient(
        http, (await sign_in(http, await make_user(tenant, "admin")))["access_token"]
    )
    configured = (
        await admin(
            'mutation($i: String!, $c: String!, $s: String!) { configureOidcProvider(name: "prov", issuer: $i, clientId: $c, clientSecret: $s) { loginPath } }',
            {"i": idp.base, "c": idp.client_id, "s": idp.client_secret},
        )
    )["configureOidcProvider"]
    return tenant, configured["loginPath"]


async def through_provider(http: httpx.AsyncClient, login_path: str) -> tuple[httpx.Response, str]:
    """Browser steps: hub login → provider authorize → hub callback. Returns the callback answer and URL."""
    to_idp = await http.get(login_path)
    assert to_idp.status_code == 302, to_idp.text
    async with httpx.AsyncClient() as browser:
        back = await browser.get(to_idp.headers["location"])
    assert back.status_code == 302, back.text
    callback = back.headers["location"]
    return await http.get(callback), callback


async def test_staff_sign_in_through_the_centers_identity_provider(
    http: httpx.AsyncClient, idp: Provider
) -> None:
    tenant, login = await setup_center(http, idp)
    await make_user(tenant, "reviewer:first", email="reviewer@example.org")
    idp.email = "reviewer@example.org"
    answer, callback = await through_provider(http, login)
    assert answer.status_code == 200, answer.text
    me = (
        await GraphQLClient(http, answer.json()["access_token"])(
            "{ me { tenantId grants { label } } }"
        )
    )["me"]
    assert me == {"tenantId": tenant, "grants": [{"label": "reviewer:first"}]}
    replay = await http.get(callback)
    assert replay.status_code == 401 and replay.json()["code"] == "OIDC_FAILED"


@pytest.mark.parametrize("problem", ["unknown_email", "unverified_email", "wrong_nonce"])
async def test_oidc_sign_in_is_refused_when_the_id_token_does_not_check_out(
    http: httpx.AsyncClient, idp: Provider, problem: str
) -> None:
    tenant, login = await setup_center(http, idp)
    await make_user(tenant, "editor", email="editor@example.org")
    idp.email = "stranger@example.org" if problem == "unknown_email" else "editor@example.org"
    idp.email_verified = problem != "unverified_email"
    idp.wrong_nonce = problem == "wrong_nonce"
    answer, _ = await through_provider(http, login)
    assert answer.status_code == 401 and answer.json()["code"] == "OIDC_FAILED", answer.text
    assert answer.json()["message_zh"].startswith("外部统一身份认证登录失败")


@pytest.mark.parametrize(
    "issuer",
    [
        "http://127.0.0.1:9/",
        "http://169.254.169.254",
        "http://[::ffff:10.0.0.1]/idp",
        "http://2130706433/",
    ],
)
async def test_an_issuer_inside_the_hubs_networks_is_refused(
    http: httpx.AsyncClient, issuer: str
) -> None:
    tenant = await make_tenant("sso")
    admin = GraphQLClient(
        http, (await sign_in(http, await make_user(tenant, "admin")))["access_token"]
    )
    errors = await admin.errors(
        'mutation($i: String!) { configureOidcProvider(name: "p", issuer: $i, clientId: "c", clientSecret: "s") { loginPath } }',
        {"i": issuer},
    )
    assert (
        errors[0]["extensions"]["code"] == "INVALID_INPUT"
        and "issuer" in errors[0]["extensions"]["message_en"]
    )
