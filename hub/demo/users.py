"""Demo users of the demo center: one per newsroom role, sharing one password.

The password comes from RONGHUB_DEMO_PASSWORD (default `ronghub-demo`, see README);
demo data only, never for a real deployment. Idempotent: existing users are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.domain.permissions import Grant
from hub.identity.directory import AccountRepository, UserRepository
from hub.identity.documents import AccountDoc, UserDoc
from hub.settings import Settings
from hub.store.scope import Scope
from hub.wiring import connect

DEMO_ACTOR = "demo-seed"
TOWN_ACCOUNT = "青山镇融媒号"


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    grants: tuple[str, ...]  # labels; "{town}" stands for the town account's id


DEMO_USERS = (
    DemoUser("demo-admin", "示例管理员", ("admin",)),
    DemoUser("demo-chief", "示例总编辑", ("chief_editor",)),
    DemoUser("demo-review1", "初审 审核员", ("reviewer:first",)),
    DemoUser("demo-review2", "复审 审核员", ("reviewer:second",)),
    DemoUser("demo-review3", "终审 审核员", ("reviewer:final",)),
    DemoUser("demo-reporter1", "示例记者甲", ("reporter",)),
    DemoUser("demo-reporter2", "示例记者乙", ("reporter",)),
    DemoUser("demo-town", "青山镇融媒号运营", ("account_operator@{town}",)),
)


async def ensure_demo_users(settings: Settings) -> list[tuple[DemoUser, list[str]]]:
    """Create the town account and the demo users unless present (store already connected)."""
    scope = Scope(tenant=settings.default_tenant, actor=DEMO_ACTOR, public_only=False)
    town = await AccountDoc.find_one({"tenant": scope.tenant, "name": TOWN_ACCOUNT})
    if town is None:
        town = await AccountRepository(scope).create(TOWN_ACCOUNT, "town")
    users = UserRepository(scope)
    out: list[tuple[DemoUser, list[str]]] = []
    for demo in DEMO_USERS:
        labels = [g.replace("{town}", town.id) for g in demo.grants]
        if await UserDoc.find_one({"username": demo.username}) is None:
            await users.create(
                demo.username,
                demo.display_name,
                settings.demo_password,
                [Grant.parse(g) for g in labels],
            )
        out.append((demo, labels))
    return out


async def seed_demo_users(settings: Settings) -> list[tuple[DemoUser, list[str]]]:
    """`ensure_demo_users` with its own store connection (for the CLI)."""
    assert settings.mongodb_uri
    database = await connect(settings.mongodb_uri, settings.mongodb_db)
    try:
        return await ensure_demo_users(settings)
    finally:
        await database.close()
