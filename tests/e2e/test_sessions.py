"""Ending a user's sessions over HTTP: a grant change, disabling, a password reset or
change and revokeUserSessions refuse every token issued before (SESSION_ENDED), in this
process at once and in other processes (the CLI here) within key_refresh_seconds."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from hub.identity.documents import RefreshTokenDoc, SignInThrottleDoc, UserDoc
from hub.settings import Settings
from tests.conftest import GraphQLClient
from tests.e2e.cli_helpers import ronghub
from tests.e2e.identity_helpers import PASSWORD, make_tenant, make_user, sign_in, token_request

ME = "{ me { grants { label } } }"
SET_GRANTS = "mutation($u: ID!, $g: [String!]!) { setUserGrants(userId: $u, grants: $g) { id grants { label } } }"
DISABLE = "mutation($u: ID!) { disableUser(userId: $u) { id disabled } }"
ENABLE = "mutation($u: ID!) { enableUser(userId: $u) { id disabled } }"
RESET = "mutation($u: ID!, $p: String!) { resetUserPassword(userId: $u, password: $p) { id } }"
REVOKE = "mutation($u: ID!) { revokeUserSessions(userId: $u) { id } }"
CHANGE = (
    "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }"
)
NEW_PASSWORD = "a brand new one 7"


async def me(http: httpx.AsyncClient, token: str) -> httpx.Response:
    return await http.post(
        "/graphql", json={"query": ME}, headers={"authorization": f"Bearer {token}"}
    )


def refused_as_ended(response: httpx.Response) -> bool:
    if response.status_code != 401:
        return False
    ext = response.json()["errors"][0]["extensions"]
    return (
        ext["code"] == "SESSION_ENDED"
        and "登录已失效" in ext["message_zh"]
        and "sign in again" in ext["message_en"]
    )


async def refresh(http: httpx.AsyncClient, token: str) -> httpx.Response:
    return await token_request(http, {"grant_type": "refresh_token", "refresh_token": token})


async def user_id(username: str) -> str:
    doc = await UserDoc.find_one({"username": username})
    assert doc is not None
    return doc.id


async def admin_and_user(http: httpx.AsyncClient, *grants: str) -> tuple[GraphQLClient, str, str]:
    """A center's admin (signed in), and a user of the same center (username, id)."""
    tenant = await make_tenant()
    admin = GraphQLClient(
        http, (await sign_in(http, await make_user(tenant, "admin")))["access_token"]
    )
    name = await make_user(tenant, *grants)
    return admin, name, await user_id(name)


async def test_a_token_issued_before_a_grant_change_is_refused_and_a_new_sign_in_carries_the_new_roles(
    http: httpx.AsyncClient,
) -> None:
    admin, name, uid = await admin_and_user(http, "reporter")
    before = await sign_in(http, name)
    assert (await me(http, before["access_token"])).json()["data"]["me"]["grants"] == [
        {"label": "reporter"}
    ]

    changed = await admin(SET_GRANTS, {"u": uid, "g": ["chief_editor"]})
    assert changed["setUserGrants"]["grants"] == [{"label": "chief_editor"}]
    # the old token carries `reporter`: it is refused, not read with stale roles
    assert refused_as_ended(await me(http, before["access_token"]))
    stale = await refresh(http, before["refresh_token"])
    assert (
        stale.status_code == 400
        and stale.json()["error"] == "invalid_grant"
        and stale.json()["code"] == "SESSION_ENDED"
    )

    after = await sign_in(http, name)
    assert (await me(http, after["access_token"])).json()["data"]["me"]["grants"] == [
        {"label": "chief_editor"}
    ]
    renewed = await refresh(http, after["refresh_token"])  # the new session refreshes normally
    assert renewed.status_code == 200
    assert (await me(http, renewed.json()["access_token"])).status_code == 200


async def test_disabling_a_user_ends_their_sessions_and_refresh_is_refused(
    http: httpx.AsyncClient,
) -> None:
    admin, name, uid = await admin_and_user(http, "editor")
    tokens = await sign_in(http, name)
    assert (await admin(DISABLE, {"u": uid}))["disableUser"] == {"id": uid, "disabled": True}

    assert refused_as_ended(await me(http, tokens["access_token"]))
    again = await refresh(http, tokens["refresh_token"])
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    blocked = await token_request(
        http, {"grant_type": "password", "username": name, "password": PASSWORD}
    )
    assert blocked.status_code == 400 and blocked.json()["code"] == "INVALID_GRANT"
    revoked = await RefreshTokenDoc.find({"user_id": uid}).to_list()
    assert revoked and all(r.revoked for r in revoked)

    assert (await admin(ENABLE, {"u": uid}))["enableUser"]["disabled"] is False
    assert (await me(http, (await sign_in(http, name))["access_token"])).status_code == 200
    assert refused_as_ended(
        await me(http, tokens["access_token"])
    )  # enabling does not revive old tokens


async def test_admins_cannot_disable_themselves(http: httpx.AsyncClient) -> None:
    tenant = await make_tenant()
    name = await make_user(tenant, "admin")
    admin = GraphQLClient(http, (await sign_in(http, name))["access_token"])
    errors = await admin.errors(DISABLE, {"u": await user_id(name)})
    assert errors[0]["extensions"]["code"] == "INVALID_INPUT"
    assert (await admin(ME))["me"]["grants"] == [{"label": "admin"}]


async def test_a_password_reset_ends_sessions_forgets_failed_sign_ins_and_only_the_new_password_works(
    http: httpx.AsyncClient, hub_settings: Settings
) -> None:
    admin, name, uid = await admin_and_user(http, "reporter")
    tokens = await sign_in(http, name)
    for _ in range(
        hub_settings.signin_free_failures_per_address
    ):  # someone guesses from here until delayed
        await token_request(
            http, {"grant_type": "password", "username": name, "password": "guess guess"}
        )
    delayed = await token_request(
        http, {"grant_type": "password", "username": name, "password": PASSWORD}
    )
    assert delayed.json()["code"] == "SIGN_IN_THROTTLED"

    await admin(RESET, {"u": uid, "p": NEW_PASSWORD})
    assert refused_as_ended(await me(http, tokens["access_token"]))
    old = await token_request(
        http, {"grant_type": "password", "username": name, "password": PASSWORD}
    )
    assert old.status_code == 400 and old.json()["code"] == "INVALID_GRANT"
    assert (
        await me(http, (await sign_in(http, name, NEW_PASSWORD))["access_token"])
    ).status_code == 200
    short = await admin.errors(RESET, {"u": uid, "p": "short"})
    assert short[0]["extensions"]["code"] == "INVALID_INPUT"


async def test_changing_your_own_password_checks_the_current_one_and_ends_every_session(
    http: httpx.AsyncClient,
) -> None:
    name = await make_user(await make_tenant(), "reporter")
    here, elsewhere = await sign_in(http, name), await sign_in(http, name)
    user = GraphQLClient(http, here["access_token"])
    wrong = await user.errors(CHANGE, {"c": "not my password", "n": NEW_PASSWORD})
    assert (
        wrong[0]["extensions"]["code"] == "WRONG_PASSWORD"
        and "当前密码" in wrong[0]["extensions"]["message_zh"]
    )
    counted = await SignInThrottleDoc.find_one({"_id": f"user:{name}"})
    assert counted is not None and counted.failures == 1  # counted like a failed sign-in

    assert (await user(CHANGE, {"c": PASSWORD, "n": NEW_PASSWORD}))["changePassword"] is True
    for tokens in (here, elsewhere):
        assert refused_as_ended(await me(http, tokens["access_token"]))
        assert (await refresh(http, tokens["refresh_token"])).json()["error"] == "invalid_grant"
    assert (
        await me(http, (await sign_in(http, name, NEW_PASSWORD))["access_token"])
    ).status_code == 200


async def test_revoking_a_users_sessions_leaves_other_users_alone(http: httpx.AsyncClient) -> None:
    admin, name, uid = await admin_and_user(http, "editor")
    first, second = await sign_in(http, name), await sign_in(http, name)
    bystander = await sign_in(http, await make_user(await make_tenant(), "editor"))
    await admin(REVOKE, {"u": uid})
    assert refused_as_ended(await me(http, first["access_token"]))
    assert refused_as_ended(await me(http, second["access_token"]))
    assert (await me(http, bystander["access_token"])).status_code == 200
    assert (await admin(ME))["me"]["grants"] == [{"label": "admin"}]


async def test_a_center_admin_cannot_take_over_a_platform_admins_account(
    http: httpx.AsyncClient,
) -> None:
    admin, name, uid = await admin_and_user(http, "platform_admin")
    for query, variables in (
        (RESET, {"u": uid, "p": NEW_PASSWORD}),
        (DISABLE, {"u": uid}),
        (REVOKE, {"u": uid}),
        (SET_GRANTS, {"u": uid, "g": ["reporter"]}),
    ):
        errors = await admin.errors(query, variables)
        assert errors[0]["extensions"]["code"] == "FORBIDDEN", query
    assert (await sign_in(http, name))["access_token"]  # untouched


async def test_a_refresh_token_of_an_older_epoch_is_refused_even_if_it_escaped_revocation(
    http: httpx.AsyncClient,
) -> None:
    """A sign-in racing a grant change inserts its refresh token after the change revoked
    the others: the epoch it carries still ends it."""
    name = await make_user(await make_tenant(), "reporter")
    tokens = await sign_in(http, name)
    uid = await user_id(name)
    await UserDoc.get_pymongo_collection().update_one({"_id": uid}, {"$inc": {"session_epoch": 1}})
    refused = await refresh(http, tokens["refresh_token"])
    assert refused.status_code == 400 and refused.json()["code"] == "SESSION_ENDED"


async def wait_until_refused(http: httpx.AsyncClient, token: str, limit_s: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        if refused_as_ended(await me(http, token)):
            return time.monotonic() - started
        await asyncio.sleep(0.05)
    raise AssertionError(f"the token still worked after {limit_s} s")


async def test_the_cli_ends_sessions_in_a_running_hub_within_the_refresh_interval(
    http: httpx.AsyncClient, store_uri: str, db_name: str, hub_settings: Settings
) -> None:
    tenant = await make_tenant()
    name = await make_user(tenant, "editor")
    tokens = await sign_in(http, name)
    code, out = await ronghub(
        store_uri, db_name, "user", "revoke-sessions", "--tenant", tenant, "--username", name
    )
    assert code == 0 and "ended" in out, out
    # another process moved the epoch: this hub learns it at its next re-read
    waited = await wait_until_refused(
        http, tokens["access_token"], hub_settings.key_refresh_seconds + 3
    )
    assert waited <= hub_settings.key_refresh_seconds + 1.5
    assert (await refresh(http, tokens["refresh_token"])).json()["error"] == "invalid_grant"

    env: dict[str, Any] = {"RONGHUB_USER_PASSWORD": NEW_PASSWORD}
    later = await sign_in(http, name)
    code, out = await ronghub(
        store_uri,
        db_name,
        "user",
        "reset-password",
        "--tenant",
        tenant,
        "--username",
        name,
        env=env,
    )
    assert code == 0, out
    await wait_until_refused(http, later["access_token"], hub_settings.key_refresh_seconds + 3)
    assert (await sign_in(http, name, NEW_PASSWORD))["access_token"]
    code, out = await ronghub(
        store_uri, db_name, "user", "disable", "--tenant", tenant, "--username", "nobody-at-all"
    )
    assert code == 2 and "NOT_FOUND" in out


async def test_a_password_hashed_with_older_argon2_parameters_is_rehashed_at_sign_in(
    http: httpx.AsyncClient,
) -> None:
    from argon2 import PasswordHasher

    from hub.identity.passwords import needs_rehash

    tenant = await make_tenant()
    name = await make_user(tenant, "reporter")
    old = PasswordHasher(memory_cost=2_048, time_cost=2).hash(
        PASSWORD
    )  # parameters of an older release
    await UserDoc.get_pymongo_collection().update_one(
        {"username": name}, {"$set": {"password_hash": old}}
    )
    assert needs_rehash(old)

    await sign_in(http, name)
    deadline = (
        time.monotonic() + 30
    )  # the upgrade runs after the response; end as soon as it landed
    while (stored := (await UserDoc.find_one({"username": name})).password_hash) == old:  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "the hash was never upgraded"
        await asyncio.sleep(0.02)
    assert stored is not None and stored != old and not needs_rehash(stored)
    assert (await sign_in(http, name))["access_token"]  # the same password still signs in
