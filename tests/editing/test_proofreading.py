"""三校 over GraphQL: rounds in order, tracked changes between revisions, the count review asks."""

from __future__ import annotations

import httpx

from hub.audit.log import entries
from hub.editing.proofreading import completed_proof_rounds
from tests.e2e.identity_helpers import make_tenant
from tests.editing.helpers import ACQUIRE, edit, story, user

START = "mutation($id: ID!) { startProofRound(storyId: $id) { number label status baseRevision proofreader } }"
COMPLETE = 'mutation($id: ID!) { completeProofRound(storyId: $id, note: "已校") { number status baseRevision finalRevision note } }'
ROUNDS = """query($id: ID!) { proofRounds(storyId: $id) { number label status baseRevision finalRevision
  changes { field insertions { at text } deletions { at text } insertedChars deletedChars diff { before after } } } }"""


async def test_three_rounds_record_tracked_changes(http: httpx.AsyncClient) -> None:
    tenant = await make_tenant()
    reporter = await user(http, tenant, "reporter")
    p1 = await user(http, tenant, "editor")
    p2 = await user(http, tenant, "editor")
    sid = await story(reporter, title="岚溪镇秋收", body="今年秋收,岚溪镇稻谷亩产再创新高。")
    assert await completed_proof_rounds(tenant, sid) == 0

    first = (await p1.client(START, {"id": sid}))["startProofRound"]
    assert first == {
        "number": 1,
        "label": "一校",
        "status": "open",
        "baseRevision": 1,
        "proofreader": p1.id,
    }
    assert (await p2.client.errors(START, {"id": sid}))[0]["extensions"][
        "code"
    ] == "PROOF_ROUND_OPEN"
    await p1.client(ACQUIRE, {"id": sid})  # the proofreader edits under the lock
    await edit(p1, sid, bodyText="今年秋收,岚溪镇水稻亩产再创新高。")
    await edit(p1, sid, title="岚溪镇喜获秋收")
    refused = await p2.client.errors(COMPLETE, {"id": sid})
    assert (
        refused[0]["extensions"]["code"] == "PROOF_NOT_PROOFREADER"
        and "一校" in refused[0]["message"]
    )
    done = (await p1.client(COMPLETE, {"id": sid}))["completeProofRound"]
    assert done == {
        "number": 1,
        "status": "completed",
        "baseRevision": 1,
        "finalRevision": 3,
        "note": "已校",
    }
    await p1.client("mutation($id: ID!) { releaseStoryLock(storyId: $id) }", {"id": sid})
    assert await completed_proof_rounds(tenant, sid) == 1

    for proofreader in (p2, p1):  # 二校 without changes, 三校
        await proofreader.client(START, {"id": sid})
        await proofreader.client(COMPLETE, {"id": sid})
    assert await completed_proof_rounds(tenant, sid) == 3
    assert (await p2.client.errors(START, {"id": sid}))[0]["extensions"][
        "code"
    ] == "PROOF_ROUNDS_DONE"
    assert (await p2.client.errors(COMPLETE, {"id": sid}))[0]["extensions"][
        "code"
    ] == "PROOF_NO_OPEN_ROUND"

    rounds = (await reporter.client(ROUNDS, {"id": sid}))["proofRounds"]
    assert [(r["label"], r["baseRevision"], r["finalRevision"]) for r in rounds] == [
        ("一校", 1, 3),
        ("二校", 3, 3),
        ("三校", 3, 3),
    ]
    changes = {c["field"]: c for c in rounds[0]["changes"]}
    assert set(changes) == {"title", "body"}
    body = changes["body"]  # character level: 稻谷 → 水稻
    assert body["insertions"] == [{"at": 8, "text": "水"}] and body["deletions"] == [
        {"at": 9, "text": "谷"}
    ]
    assert body["insertedChars"] == 1 and body["deletedChars"] == 1
    assert changes["title"]["diff"] == {"before": "岚溪镇秋收", "after": "岚溪镇喜获秋收"}
    assert [i["text"] for i in changes["title"]["insertions"]] == ["喜获"] and changes["title"][
        "deletions"
    ] == []
    assert rounds[1]["changes"] == []

    actions = [e.action for e in await entries(tenant, 100)]
    assert actions.count("story.proof.start") == 3 and actions.count("story.proof.complete") == 3


async def test_rounds_are_per_tenant(http: httpx.AsyncClient) -> None:
    a = await user(http, await make_tenant(), "editor")
    other = await user(http, await make_tenant(), "admin")
    sid = await story(a)
    assert (await other.client.errors(START, {"id": sid}))[0]["extensions"]["code"] == "NOT_FOUND"
    assert (await other.client.errors(ROUNDS, {"id": sid}))[0]["extensions"]["code"] == "NOT_FOUND"
