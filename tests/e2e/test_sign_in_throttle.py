"""Failed sign-ins over real HTTP: the same answers for names that exist and names that
do not, growing delays instead of a lockout anyone could trigger, the real user not kept
out by someone guessing from elsewhere, and what the user and admins are told.

Each test swaps in a throttle on a fake clock (and a limiter that believes
X-Forwarded-For from 127.0.0.1, so one test client can speak from many addresses).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from litestar import Litestar

from hub.identity import passwords
from hub.identity.documents import AuditEntryDoc, SignInThrottleDoc, UserDoc
from hub.identity.ratelimit import TokenLimiter
from hub.identity.throttle import SignInThrottle
from hub.settings import Settings
from tests.conftest import GraphQLClient
from tests.e2e.identity_helpers import PASSWORD, make_tenant, make_user, sign_in, token_request, uid

CHANGE = (
    "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }"
)
ATTEMPTS = """{ signInAttempts { userId username failures lastFailureAt throttledUntil
  addresses { address failures lastFailureAt lastSuccessAt throttledUntil } } }"""


@dataclass
class FakeClock:
    now: float = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


Throttled = Callable[..., FakeClock]


@pytest.fixture
async def throttled(hub_app: Litestar, hub_settings: Settings) -> AsyncIterator[Throttled]:
    """`throttled(signin_free_failures_per_name=10, ...)`: the hub throttles failed sign-ins
    with these settings on the returned clock until the test ends."""
    auth = hub_app.state.auth
    original = auth.throttle, auth.limiter

    def use(**update: Any) -> FakeClock:
        settings = hub_settings.model_copy(update={"trusted_proxies": ["127.0.0.1"], **update})
        clock = FakeClock()
        auth.throttle, auth.limiter = SignInThrottle(settings, clock=clock), TokenLimiter(settings)
        return clock

    yield use
    auth.throttle, auth.limiter = original


def password(username: str, secret: str = PASSWORD) -> dict[str, str]:
    return {"grant_type": "password", "username": username, "password": secret}


def client_grant(client_id: str, secret: str) -> dict[str, str]:
    return {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}


def at(address: str) -> dict[str, dict[str, str]]:
    return {"headers": {"x-forwarded-for": address}}


def answer(response: httpx.Response) -> tuple[int, str | None, str, str]:
    """What a caller can tell apart: status, Retry-After, the body with the name taken out."""
    body = response.json()
    return (
        response.status_code,
        response.headers.get("retry-after"),
        body["code"],
        json.dumps(body, sort_keys=True),
    )


async def test_an_unknown_username_and_a_wrong_password_get_identical_answers_at_every_attempt(
    http: httpx.AsyncClient, throttled: Throttled
) -> None:
    throttled()
    real, unknown = await make_user(await make_tenant(), "editor"), uid("nobody")
    for attempt in range(8):
        mine = answer(
            await token_request(http, password(real, "wrong password"), **at("203.0.113.10"))
        )
        theirs = answer(
            await token_request(http, password(unknown, "wrong password"), **at("203.0.113.11"))
        )
        assert mine == theirs, attempt
    assert mine[:3] == (
        429,
        "1",
        "SIGN_IN_THROTTLED",
    )  # never ACCOUNT_LOCKED, never anything that tells
    # the right password is held back the same way (no answer that tells it was right)
    right = await token_request(http, password(real), **at("203.0.113.10"))
    assert answer(right)[:3] == (429, "1", "SIGN_IN_THROTTLED")


async def test_an_unknown_username_runs_the_password_hash_like_a_known_one(
    http: httpx.AsyncClient, throttled: Throttled, monkeypatch: pytest.MonkeyPatch
) -> None:
    throttled()
    checked: list[bool] = []
    real_verify = passwords.verify_secret

    def spy(stored: str | None, secret: str) -> bool:
        checked.append(stored is None)
        return real_verify(stored, secret)

    monkeypatch.setattr(passwords, "verify_secret", spy)
    assert (
        await token_request(http, password(uid("nobody")), **at("203.0.113.12"))
    ).status_code == 400
    assert checked == [True]  # argon2 ran, against the dummy hash


async def test_delays_grow_after_the_free_failures_and_end_with_the_clock(
    http: httpx.AsyncClient, throttled: Throttled
) -> None:
    clock = throttled()
    name = await make_user(await make_tenant(), "reporter")
    waits = []
    for _ in range(4):
        for _ in range(6):  # the free failures, then one more that is refused
            response = await token_request(
                http, password(name, "wrong password"), **at("203.0.113.20")
            )
            if response.status_code == 429:
                break
        waits.append(int(response.headers["retry-after"]))
        body = response.json()
        assert body["error"] == "temporarily_unavailable" and body["details"] == {
            "seconds": waits[-1]
        }
        assert (
            f"{waits[-1]} 秒后重试" in body["message_zh"]
            and body["error_description"] == body["message_en"]
        )
        clock.now += waits[-1]
    assert waits == [1, 2, 4, 8]
    assert (await token_request(http, password(name), **at("203.0.113.20"))).status_code == 200


async def test_someone_guessing_from_other_addresses_does_not_keep_the_user_out(
    http: httpx.AsyncClient, throttled: Throttled
) -> None:
    throttled()
    name = await make_user(await make_tenant(), "reporter")
    for _ in range(30):  # today five of these locked the account for everyone
        await token_request(http, password(name, "guess guess"), **at("198.51.100.66"))
    assert (await token_request(http, password(name), **at("198.51.100.66"))).status_code == 429
    assert (await token_request(http, password(name), **at("203.0.113.30"))).status_code == 200


async def test_many_addresses_hit_the_username_ceiling_but_not_the_address_the_user_signs_in_from(
    http: httpx.AsyncClient, throttled: Throttled
) -> None:
    throttled(signin_free_failures_per_name=12)
    name = await make_user(await make_tenant(), "reporter")
    await sign_in_from(http, name, "203.0.113.40")  # the user's usual address
    for n in range(13):  # a botnet: two failures per address, under each address's own limit
        for _ in range(2):
            await token_request(http, password(name, "guess guess"), **at(f"198.51.100.{n}"))
    elsewhere = await token_request(http, password(name), **at("203.0.113.41"))
    assert elsewhere.status_code == 429 and elsewhere.json()["code"] == "SIGN_IN_THROTTLED"
    assert (await token_request(http, password(name), **at("203.0.113.40"))).status_code == 200


async def sign_in_from(http: httpx.AsyncClient, name: str, address: str) -> dict[str, Any]:
    response = await token_request(http, password(name), **at(address))
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_user_and_admins_are_told_of_failed_sign_ins(
    http: httpx.AsyncClient, throttled: Throttled, hub_app: Litestar
) -> None:
    clock = throttled()
    tenant = await make_tenant()
    admin = GraphQLClient(
        http, (await sign_in(http, await make_user(tenant, "admin")))["access_token"]
    )
    name = await make_user(tenant, "reporter")
    await sign_in_from(http, name, "203.0.113.50")
    for _ in range(6):
        await token_request(http, password(name, "guess guess"), **at("198.51.100.50"))
    user = await UserDoc.find_one({"username": name})
    assert user is not None

    await hub_app.state.auth.settled()  # audit entries of failures are written after the answer
    entries = await AuditEntryDoc.find(
        {"tenant": tenant, "action": "signin.failed", "target_id": user.id}
    ).to_list()
    assert len(entries) == 5 and {e.details["address"] for e in entries} == {"198.51.100.50"}
    assert max(e.details["wait_seconds"] for e in entries) == 1  # the fifth failure started a delay

    (row,) = [r for r in (await admin(ATTEMPTS))["signInAttempts"] if r["username"] == name]
    assert row["userId"] == user.id and row["failures"] == 5 and row["throttledUntil"] is None
    (guesser,) = row["addresses"]  # addresses with failures only
    assert (
        guesser["address"] == "198.51.100.50"
        and guesser["failures"] == 5
        and guesser["throttledUntil"]
    )

    clock.now += 2
    (row,) = [r for r in (await admin(ATTEMPTS))["signInAttempts"] if r["username"] == name]
    assert all(a["throttledUntil"] is None for a in row["addresses"])  # the delay is over
    other_center = GraphQLClient(
        http, (await sign_in(http, await make_user(await make_tenant(), "admin")))["access_token"]
    )
    assert name not in {r["username"] for r in (await other_center(ATTEMPTS))["signInAttempts"]}
    reporter = GraphQLClient(http, (await sign_in_from(http, name, "203.0.113.50"))["access_token"])
    assert (await reporter.errors(ATTEMPTS))[0]["extensions"]["code"] == "FORBIDDEN"


async def test_wrong_current_passwords_are_throttled_per_session_without_locking_the_account(
    http: httpx.AsyncClient, throttled: Throttled
) -> None:
    throttled()
    name = await make_user(await make_tenant(), "reporter")
    thief = GraphQLClient(http, (await sign_in(http, name))["access_token"])
    for _ in range(5):
        wrong = await thief.errors(CHANGE, {"c": "not my password", "n": "a brand new one 7"})
        assert wrong[0]["extensions"]["code"] == "WRONG_PASSWORD"
    held = await thief.errors(CHANGE, {"c": PASSWORD, "n": "a brand new one 7"})
    assert held[0]["extensions"]["code"] == "SIGN_IN_THROTTLED"
    assert (
        await token_request(http, password(name), **at("203.0.113.60"))
    ).status_code == 200  # no lockout


async def test_wrong_client_secrets_from_elsewhere_do_not_keep_the_partner_out(
    http: httpx.AsyncClient, editor: GraphQLClient, throttled: Throttled
) -> None:
    throttled()
    create = 'mutation { createClient(name: "合作方", scopes: ["stories:read"]) { clientId clientSecret } }'
    client = (await editor(create))["createClient"]
    unknown = "c-" + uid("x")
    for _ in range(6):
        mine = answer(
            await token_request(
                http, client_grant(client["clientId"], "guess"), **at("198.51.100.70")
            )
        )
        theirs = answer(
            await token_request(http, client_grant(unknown, "guess"), **at("198.51.100.71"))
        )
        assert mine == theirs
    assert mine[:3] == (429, "1", "SIGN_IN_THROTTLED")
    ok = await token_request(
        http, client_grant(client["clientId"], client["clientSecret"]), **at("203.0.113.70")
    )
    assert ok.status_code == 200, ok.text


async def test_counters_that_no_longer_matter_are_swept(
    http: httpx.AsyncClient, throttled: Throttled
) -> None:
    clock = throttled(signin_forget_seconds=600)
    old = uid("nobody")
    await token_request(http, password(old, "guess"), **at("198.51.100.80"))
    assert (
        await SignInThrottleDoc.find({"name": old}).count() == 2
    )  # per (name, address) and per name
    clock.now += 700
    await token_request(http, password(uid("nobody"), "guess"), **at("198.51.100.80"))
    assert await SignInThrottleDoc.find({"name": old}).count() == 0
