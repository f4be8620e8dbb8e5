"""The rate limit of /oauth/token per client address over real HTTP: 429 with Retry-After
and an OAuth2 error body that also carries the hub's code and texts (X-Forwarded-For only
from trusted proxies). Failed sign-ins per username and client_id: test_sign_in_throttle.

The session hub runs with generous limits (tests/conftest.py: many tests sign in from
127.0.0.1); each test here swaps in a limiter with tight ones and puts the old one back.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from litestar import Litestar
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hub.identity.ratelimit import TokenLimiter
from hub.settings import Settings
from tests.e2e.identity_helpers import PASSWORD, make_tenant, make_user, sign_in, token_request, uid

OPENAPI = Path(__file__).parents[2] / "openapi" / "openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
GENEROUS = "100000/minute"
Limits = Callable[..., None]


@pytest.fixture
async def limits(hub_app: Litestar, hub_url: str, hub_settings: Settings) -> AsyncIterator[Limits]:
    """`limits(token_rate_limit_ip="2/5 seconds", ...)`: the hub's token endpoint uses
    these settings until the test ends."""
    auth = hub_app.state.auth
    original = auth.limiter

    def use(**update: Any) -> None:
        base = {"token_rate_limit_ip": GENEROUS, "trusted_proxies": []}
        auth.limiter = TokenLimiter(hub_settings.model_copy(update={**base, **update}))

    yield use
    auth.limiter = original


def password(username: str, secret: str = PASSWORD) -> dict[str, str]:
    return {"grant_type": "password", "username": username, "password": secret}


def assert_limited(response: httpx.Response, which: str, window_s: int) -> int:
    """A documented 429: Retry-After, the OAuth2 fields and the hub's; the wait in seconds."""
    assert response.status_code == 429, response.text
    wait = int(response.headers["retry-after"])
    assert 1 <= wait <= window_s
    body = response.json()
    assert body["error"] == "temporarily_unavailable" and body["code"] == "RATE_LIMITED"
    assert body["details"] == {
        "seconds": wait,
        "limit": which,
        **{k: body["details"][k] for k in ("what_zh", "what_en")},
    }
    assert (
        f"{wait} 秒后重试" in body["message_zh"] and body["error_description"] == body["message_en"]
    )
    assert f"try again in {wait} seconds" in body["message_en"]
    assert response.headers["cache-control"] == "no-store"
    return wait


async def test_sign_ins_per_address_are_limited_with_retry_after_and_recover(
    http: httpx.AsyncClient, limits: Limits
) -> None:
    limits(token_rate_limit_ip="2/5 seconds")
    name = await make_user(await make_tenant(), "reporter")
    assert (await token_request(http, password(name))).status_code == 200
    assert (
        await token_request(http, password(uid("nobody")))
    ).status_code == 400  # failures count too
    wait = assert_limited(await token_request(http, password(name)), "ip", 5)

    await asyncio.sleep(wait)
    recovered = await token_request(http, password(name))
    assert recovered.status_code == 200 and recovered.json()["access_token"]


async def test_the_address_limit_believes_forwarded_for_from_trusted_proxies_only(
    http: httpx.AsyncClient, limits: Limits
) -> None:
    limits(
        token_rate_limit_ip="2/5 seconds", trusted_proxies=["127.0.0.1"]
    )  # we are the proxy here

    def via(chain: str) -> dict[str, str]:
        return {"x-forwarded-for": chain}

    for _ in range(2):  # unknown users: 400, but counted
        assert (
            await token_request(http, password(uid("nobody")), headers=via("203.0.113.7"))
        ).status_code == 400
    assert_limited(
        await token_request(http, password(uid("nobody")), headers=via("203.0.113.7")), "ip", 5
    )
    # a client that prepends an address of its choice is still the address our proxy saw
    spoofed = await token_request(
        http, password(uid("nobody")), headers=via("198.51.100.1, 203.0.113.7")
    )
    assert_limited(spoofed, "ip", 5)
    assert (
        await token_request(http, password(uid("nobody")), headers=via("203.0.113.8"))
    ).status_code == 400
    assert (
        await token_request(http, password(uid("nobody")))
    ).status_code == 400  # the proxy itself


async def test_forwarded_for_from_an_untrusted_peer_does_not_escape_the_address_limit(
    http: httpx.AsyncClient, limits: Limits
) -> None:
    limits(token_rate_limit_ip="2/5 seconds")  # no trusted proxies (the default)
    for n in range(2):
        response = await token_request(
            http, password(uid("nobody")), headers={"x-forwarded-for": f"203.0.113.{n}"}
        )
        assert response.status_code == 400
    refused = await token_request(
        http, password(uid("nobody")), headers={"x-forwarded-for": "203.0.113.99"}
    )
    assert_limited(refused, "ip", 5)


async def test_refreshing_is_not_limited(http: httpx.AsyncClient, limits: Limits) -> None:
    limits(token_rate_limit_ip="1/5 seconds")
    tokens = await sign_in(http, await make_user(await make_tenant(), "reporter"))
    for _ in range(3):
        response = await token_request(
            http, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
        )
        assert response.status_code == 200, response.text
        tokens = response.json()


# schemathesis' own strategies draw from `random` (a hypothesis deprecation, not ours)
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
async def test_the_token_endpoint_conforms_to_the_openapi_document(
    http: httpx.AsyncClient, hub_url: str, limits: Limits
) -> None:
    """Generated requests and a real user's sign-ins until delayed: every answer (200,
    400, 401, 429) is one the document describes, headers and body included."""
    limits(token_rate_limit_ip="15/minute")
    name = await make_user(await make_tenant(), "reporter")
    attempts = [password(name)] + [password(name, "wrong password")] * 5 + [password(name)]
    schema = schemathesis.openapi.from_path(str(OPENAPI)).include(path_regex="^/oauth/token$")
    (operation,) = [result.ok() for result in schema.get_all_operations()]
    seen: set[int] = set()

    def run() -> None:
        for body in (
            attempts
        ):  # the real user: 200, five wrong passwords (400), then SIGN_IN_THROTTLED (429)
            case = operation.Case(body=body, media_type="application/x-www-form-urlencoded")
            response = case.call(base_url=hub_url)
            seen.add(response.status_code)
            case.validate_response(response, checks=CHECKS)

        @settings(
            max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            response = case.call(base_url=hub_url)
            seen.add(response.status_code)
            case.validate_response(response, checks=CHECKS)

        check()

    await asyncio.to_thread(run)
    assert {200, 400, 429} <= seen, seen
