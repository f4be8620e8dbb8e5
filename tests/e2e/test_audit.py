"""The audit log: every content state change and permission change, hash-chained,
readable by admins, and `ronghub audit verify` finds an edited or removed entry."""

from __future__ import annotations

import itertools
import json

import httpx

from hub.audit.log import entry_id
from hub.identity.documents import AuditEntryDoc
from tests.conftest import GraphQLClient
from tests.e2e.cli_helpers import ronghub
from tests.e2e.identity_helpers import make_tenant, make_user, sign_in

AUDIT = "{ auditLog(first: 50) { seq action actor targetType targetId details prevHash hash } }"


async def story_life(client: GraphQLClient) -> str:
    sid = (
        await client('mutation { createStory(input: {title: "审计稿件", bodyText: "一"}) { id } }')
    )["createStory"]["id"]
    await client(
        'mutation($id: ID!) { updateStory(input: {id: $id, expectedVersion: 1, title: "改"}) { version } }',
        {"id": sid},
    )
    await client(
        "mutation($id: ID!) { restoreRevision(id: $id, number: 1, expectedVersion: 2) { version } }",
        {"id": sid},
    )
    await client(
        "mutation($id: ID!) { approveStory(id: $id, expectedVersion: 3) { status } }", {"id": sid}
    )
    return sid


async def test_content_and_permission_changes_form_one_chain_admins_can_read(
    http: httpx.AsyncClient,
) -> None:
    tenant = await make_tenant()
    admin = GraphQLClient(
        http, (await sign_in(http, await make_user(tenant, "admin")))["access_token"]
    )
    sid = await story_life(admin)
    reporter = await make_user(tenant, "reporter")
    users = (await admin("{ users { id username } }"))["users"]
    rid = next(u["id"] for u in users if u["username"] == reporter)
    await admin(
        'mutation($id: ID!) { setUserGrants(userId: $id, grants: ["editor"]) { id } }', {"id": rid}
    )

    entries = (await admin(AUDIT))["auditLog"]
    actions = [e["action"] for e in reversed(entries)]
    assert actions[:1] == ["tenant.create"]
    story_actions = [e["action"] for e in reversed(entries) if e["targetId"] == sid]
    assert story_actions == [
        "story.create",
        "story.update",
        "story.restore",
        "story.status.approved",
    ]
    assert "signin" in actions and "user.create" in actions and actions[-1] == "user.grants"
    grants_change = json.loads(entries[0]["details"])
    # a grant change ends the user's sessions: the epoch moved once, no refresh token was live
    assert grants_change == {
        "before": ["reporter"],
        "after": ["editor"],
        "session_epoch": 1,
        "refresh_tokens_revoked": 0,
    }
    seqs = [e["seq"] for e in entries]
    assert seqs == list(range(len(entries), 0, -1))
    for newer, older in itertools.pairwise(entries):
        assert newer["prevHash"] == older["hash"]


async def test_reporters_and_anonymous_readers_cannot_read_the_audit_log(
    http: httpx.AsyncClient, public: GraphQLClient
) -> None:
    reporter = GraphQLClient(
        http,
        (await sign_in(http, await make_user(await make_tenant(), "reporter")))["access_token"],
    )
    assert (await reporter.errors(AUDIT))[0]["extensions"]["code"] == "FORBIDDEN"
    assert (await public.errors(AUDIT))[0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_audit_verify_names_an_edited_entry_and_a_missing_one(
    http: httpx.AsyncClient, store_uri: str, db_name: str
) -> None:
    tenant = await make_tenant("audit")
    admin = GraphQLClient(
        http, (await sign_in(http, await make_user(tenant, "admin")))["access_token"]
    )
    await story_life(admin)
    code, output = await ronghub(store_uri, db_name, "audit", "verify", "--tenant", tenant)
    assert code == 0, output
    assert f"ok {tenant}" in output

    coll = AuditEntryDoc.get_pymongo_collection()
    victim = entry_id(tenant, 3)
    await coll.update_one({"_id": victim}, {"$set": {"actor": "someone-else"}})
    code, output = await ronghub(store_uri, db_name, "audit", "verify", "--tenant", tenant)
    assert code == 1
    assert f"{victim}: content does not match its hash" in output

    await coll.delete_one({"_id": entry_id(tenant, 5)})
    code, output = await ronghub(store_uri, db_name, "audit", "verify", "--tenant", tenant)
    assert code == 1 and f"{entry_id(tenant, 6)}: sequence 6 where 5 was expected" in output
