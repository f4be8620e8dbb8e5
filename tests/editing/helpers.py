"""Signed-in newsroom users for the editing tests."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from tests.conftest import GraphQLClient
from tests.e2e.identity_helpers import make_user, sign_in

CREATE = "mutation($i: CreateStoryInput!) { createStory(input: $i) { id version title } }"
UPDATE = "mutation($i: UpdateStoryInput!) { updateStory(input: $i) { id version title } }"
ACQUIRE = (
    "mutation($id: ID!) { acquireStoryLock(storyId: $id) { storyId holder holderName expiresAt } }"
)
STORY = "query($id: ID!) { story(id: $id) { version title } }"


@dataclass
class User:
    client: GraphQLClient
    id: str
    username: str
    token: str


async def user(http: httpx.AsyncClient, tenant: str, *grants: str) -> User:
    name = await make_user(tenant, *grants)
    token = (await sign_in(http, name))["access_token"]
    c = GraphQLClient(http, token)
    return User(c, (await c("{ me { subject } }"))["me"]["subject"], name, token)


async def story(
    u: User, title: str = "岚溪镇秋收", body: str = "今年秋收,岚溪镇稻谷亩产再创新高。"
) -> str:
    return str(
        (await u.client(CREATE, {"i": {"title": title, "bodyText": body}}))["createStory"]["id"]
    )


async def version(u: User, sid: str) -> int:
    return int((await u.client(STORY, {"id": sid}))["story"]["version"])


async def edit(u: User, sid: str, **fields: object) -> dict[str, object]:
    v = await version(u, sid)
    return dict(
        (await u.client(UPDATE, {"i": {"id": sid, "expectedVersion": v, **fields}}))["updateStory"]
    )
