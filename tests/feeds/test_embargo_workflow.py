"""禁发 from the newsroom to partners, end to end: an embargo set in review travels with the
approval through distribution into the partner log, which holds the item until the
embargo lifts; then it appears (behind any cursor a partner already holds) with its
embargo time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from hub.clock import SteppedClock
from hub.ids import now_ms
from tests.conftest import drain_hub
from tests.e2e.identity_helpers import make_user, sign_in
from tests.feeds.helpers import gql, make_partner, subscribe

CHAIN = 'mutation { createReviewChain(input: {name: "终审", stages: [{key: "final", name: "终审", role: "chief_editor"}]}) { id } }'


async def test_an_embargo_set_in_review_holds_the_story_from_partners_until_it_lifts(
    http: httpx.AsyncClient, hub_app: Any, clock: SteppedClock
) -> None:
    partner = await make_partner(http, prefix="emb")
    sub = await subscribe(http, partner)
    chief = {
        "authorization": f"Bearer {(await sign_in(http, await make_user(partner.tenant, 'chief_editor')))['access_token']}"
    }
    assert "errors" not in await gql(http, partner.admin, CHAIN)
    feed = f"/feeds/{sub['id']}/feed.json"
    story = (
        await gql(
            http,
            partner.admin,
            'mutation { createStory(input: {title: "新闻发布会通稿", bodyText: "正文"}) { id version } }',
        )
    )["data"]["createStory"]
    await gql(
        http,
        partner.admin,
        "mutation($id: ID!, $v: Int!) { submitForReview(id: $id, expectedVersion: $v) { status } }",
        {"id": story["id"], "v": story["version"]},
    )
    # an hour on the hub's clock: nothing lifts it until the test moves the clock
    until = datetime.fromtimestamp((now_ms() + 3_600_000) / 1000, tz=UTC)
    set_embargo = await gql(
        http,
        partner.admin,
        "mutation($id: ID!, $u: DateTime!) { setEmbargo(storyId: $id, until: $u) { embargoUntil } }",
        {"id": story["id"], "u": until.isoformat()},
    )
    assert "errors" not in set_embargo, set_embargo
    signed = await gql(
        http,
        chief,
        'mutation($id: ID!) { signOff(storyId: $id, decision: APPROVE, opinion: "签发") { status } }',
        {"id": story["id"]},
    )
    assert signed["data"]["signOff"]["status"] == "approved", signed
    await drain_hub(hub_app)  # distribution, and the feeds.embargo job if it were due
    response = await http.get(feed, headers=partner.headers)
    held = [i for i in response.json()["items"] if i["_ronghub"]["story_id"] == story["id"]]
    assert held == []  # held from partners while the embargo lasts
    cursor = response.headers["ronghub-cursor"]  # where this partner has read up to

    clock.advance_to(int(until.timestamp() * 1000))
    await drain_hub(hub_app)  # the feeds.embargo job appends it
    after = (await http.get(feed, headers=partner.headers, params={"after": cursor})).json()
    [item] = [i for i in after["items"] if i["_ronghub"]["story_id"] == story["id"]]
    assert item["title"] == "新闻发布会通稿"
    assert "embargo" in str(item.get("_ronghub", {})), item  # partners see the embargo it had
