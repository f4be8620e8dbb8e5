"""`ronghub demo` users: one per newsroom role, signing in with RONGHUB_DEMO_PASSWORD."""

from __future__ import annotations

import httpx

from hub.demo.users import DEMO_USERS, ensure_demo_users
from hub.settings import Settings
from tests.conftest import GraphQLClient
from tests.e2e.identity_helpers import sign_in


async def test_demo_users_cover_the_newsroom_and_sign_in_with_the_demo_password(
    http: httpx.AsyncClient, hub_settings: Settings
) -> None:
    created = await ensure_demo_users(hub_settings)
    again = await ensure_demo_users(hub_settings)  # idempotent
    assert (
        [d.username for d, _ in created]
        == [d.username for d, _ in again]
        == [d.username for d in DEMO_USERS]
    )
    labels = [g.split("@")[0] for _, grants in created for g in grants]
    assert labels == [
        "admin",
        "chief_editor",
        "reviewer:first",
        "reviewer:second",
        "reviewer:final",
        "reporter",
        "reporter",
        "account_operator",
    ]
    town = GraphQLClient(
        http, (await sign_in(http, "demo-town", hub_settings.demo_password))["access_token"]
    )
    me = await town("{ me { tenantId grants { role accountId } } accounts { id name } }")
    assert me["me"]["tenantId"] == hub_settings.default_tenant
    assert me["me"]["grants"][0]["accountId"] in {
        a["id"] for a in me["accounts"] if a["name"] == "青山镇融媒号"
    }
