"""Committed writes are never reported as failed: 64 signed-in writers at once through the
real server (each a create and seven updates) get no INTERNAL error and leave one intact audit chain with an entry for every
write; and when the audit append cannot be done at all, the writes still succeed and
their entries are left for recovery."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest

from hub.audit import deferred
from hub.audit import log as audit_log
from hub.audit.deferred import AuditDeferredDoc
from tests.e2e.identity_helpers import make_tenant
from tests.planning.flow import gql, person

CREATE = "mutation($i: CreateStoryInput!) { createStory(input: $i) { id version } }"
UPDATE = "mutation($i: UpdateStoryInput!) { updateStory(input: $i) { id version } }"


async def outcome(
    http: httpx.AsyncClient, headers: dict[str, str], query: str, variables: dict[str, Any]
) -> tuple[str, Any]:
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    body = response.json()
    if body.get("errors"):
        return str(body["errors"][0].get("extensions", {}).get("code")), None
    return "ok", body["data"]


async def test_sixty_four_concurrent_writers_get_no_internal_error_and_one_intact_chain(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant()
    editors = [(await person(http, tenant, "editor"))[0] for _ in range(8)]
    codes: Counter[str] = Counter()

    async def writer(n: int) -> None:
        headers = editors[n % 8]
        code, data = await outcome(
            http, headers, CREATE, {"i": {"title": f"并发 {n}", "bodyText": "正文。"}}
        )
        codes[code] += 1
        if data is None:
            return
        story = data["createStory"]
        for u in range(7):
            code, data = await outcome(
                http,
                headers,
                UPDATE,
                {
                    "i": {
                        "id": story["id"],
                        "expectedVersion": story["version"],
                        "title": f"并发 {n}.{u}",
                    }
                },
            )
            codes[code] += 1
            if data is not None:
                story = data["updateStory"]

    await asyncio.gather(*(writer(n) for n in range(64)))
    assert codes == {"ok": 512}
    checked, problems = await audit_log.verify(tenant)
    assert problems == [] and checked >= 512 + 8 + 8  # the writes, the users and their sign-ins
    story_entries = [e for e in await audit_log.entries(tenant, 1000) if e.target_type == "story"]
    assert Counter(e.action for e in story_entries) == {"story.create": 64, "story.update": 448}


class StoreRefused(Exception):
    pass


async def test_writes_succeed_over_http_when_no_audit_append_can_be_done(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = await make_tenant()
    editor, _ = await person(http, tenant, "admin")

    async def refuse(*args: Any, **kwargs: Any) -> None:
        raise StoreRefused

    monkeypatch.setattr(audit_log, "append", refuse)  # stories' own append
    monkeypatch.setattr(deferred, "append", refuse)  # every change without a carrier
    story = (
        await gql(http, editor, CREATE, {"i": {"title": "审计暂不可写", "bodyText": "正文。"}})
    )["createStory"]
    updated = (
        await gql(
            http, editor, UPDATE, {"i": {"id": story["id"], "expectedVersion": 1, "title": "改"}}
        )
    )["updateStory"]
    comment = await gql(
        http,
        editor,
        "mutation($i: AddCommentInput!) { addComment(input: $i) { id } }",
        {"i": {"storyId": story["id"], "text": "好"}},
    )
    user = await gql(
        http,
        editor,
        "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
        {
            "i": {
                "username": f"u-{tenant}",
                "displayName": "新同事",
                "password": "correct horse 42",
                "grants": ["reporter"],
            }
        },
    )
    monkeypatch.undo()
    assert updated["version"] == 2 and comment["addComment"]["id"] and user["createUser"]["id"]

    left = {
        d.audit_pending[d.id]["action"]
        for d in await AuditDeferredDoc.find({"tenant": tenant}).to_list()
    }
    assert {"story.comment.created", "user.create"} <= left
    assert [e.action for e in await audit_log.entries(tenant, 50) if e.target_type == "story"] == []
