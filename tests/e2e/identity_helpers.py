"""Setting up tenants, accounts and users directly in the store, signing in over HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from hub.domain.permissions import Grant
from hub.identity import directory
from hub.ids import new_id
from hub.store.scope import Scope

PASSWORD = "correct horse 42"


def uid(prefix: str) -> str:
    return f"{prefix}-{new_id()[-10:].lower()}"


async def make_tenant(prefix: str = "c", name: str | None = None) -> str:
    tenant = uid(prefix)
    await directory.create_tenant(tenant, name or f"{tenant} 融媒体中心", actor="test")
    return tenant


def system(tenant: str) -> Scope:
    return Scope(tenant=tenant, actor="test", public_only=False)


async def make_account(tenant: str, name: str | None = None) -> str:
    doc = await directory.AccountRepository(system(tenant)).create(name or uid("镇"))
    return doc.id


async def make_user(
    tenant: str, *grants: str, password: str = PASSWORD, email: str | None = None
) -> str:
    username = uid("u")
    await directory.UserRepository(system(tenant)).create(
        username, f"用户 {username}", password, [Grant.parse(g) for g in grants], email=email
    )
    return username


async def token_request(http: httpx.AsyncClient, data: dict[str, str], **kw: Any) -> httpx.Response:
    return await http.post("/oauth/token", data=data, **kw)


async def sign_in(
    http: httpx.AsyncClient, username: str, password: str = PASSWORD, scope: str | None = None
) -> dict[str, Any]:
    data = {"grant_type": "password", "username": username, "password": password}
    if scope:
        data["scope"] = scope
    response = await token_request(http, data)
    assert response.status_code == 200, response.text
    return response.json()
