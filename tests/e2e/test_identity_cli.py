"""The identity command line against the test store; what it creates works over HTTP."""

from __future__ import annotations

import re

import httpx

from hub.settings import Settings
from tests.conftest import GraphQLClient, wait_until
from tests.e2e.cli_helpers import ronghub, ronghub_batch
from tests.e2e.identity_helpers import PASSWORD, sign_in, token_request, uid


async def test_operators_create_tenants_users_clients_and_platform_admins(
    http: httpx.AsyncClient, store_uri: str, db_name: str
) -> None:
    tenant, name, boss = uid("cli"), uid("cli-user"), uid("cli-boss")
    env = {"RONGHUB_USER_PASSWORD": PASSWORD, "RONGHUB_ADMIN_PASSWORD": PASSWORD}
    user = ["user", "create", "--tenant", tenant, "--username", name, "--display-name"]
    tenant_made, user_made, client, admin, again = await ronghub_batch(
        store_uri,
        db_name,
        [
            ["tenant", "create", tenant, "命令行县融媒体中心"],
            [*user, "命令行编辑", "--grant", "editor", "--grant", "reviewer:second"],
            ["client", "create", "--tenant", tenant, "--name", "合作平台"],
            ["admin", "create-platform-admin", "--username", boss],
            [*user, "重名"],
        ],
        env=env,
    )
    for code, out in (tenant_made, user_made, client, admin):
        assert code == 0, out
    code, out = client
    client_id = re.search(r"client_id=(\S+)", out).group(1)  # type: ignore[union-attr]
    secret = re.search(r"client_secret=(\S+)", out).group(1)  # type: ignore[union-attr]

    me = await GraphQLClient(http, (await sign_in(http, name))["access_token"])(
        "{ me { tenantId grants { label stageLabel } } }"
    )
    assert me["me"] == {
        "tenantId": tenant,
        "grants": [
            {"label": "editor", "stageLabel": None},
            {"label": "reviewer:second", "stageLabel": "复审"},
        ],
    }
    partner = await token_request(
        http, {"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert partner.status_code == 200 and partner.json()["scope"] == "stories:read"
    platform = GraphQLClient(http, (await sign_in(http, boss))["access_token"])
    assert tenant in {t["id"] for t in (await platform("{ tenants { id kind } }"))["tenants"]}

    code, out = again  # the same username again, in the same center
    assert code == 2 and "INVALID_INPUT" in out


async def test_keys_rotate_publishes_a_new_key_before_it_signs(
    http: httpx.AsyncClient, store_uri: str, db_name: str, hub_settings: Settings
) -> None:
    code, out = await ronghub(store_uri, db_name, "keys", "rotate")
    assert code == 0, out
    kid = re.search(r"new signing key (\S+),", out).group(1)  # type: ignore[union-attr]

    async def published() -> bool:
        return kid in {k["kid"] for k in (await http.get("/.well-known/jwks.json")).json()["keys"]}

    await wait_until(published, "the rotated key published")
