"""The README's curl examples work: each request body is sent to a real hub."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import DEV_TOKEN, GraphQLClient

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def curl_examples() -> list[tuple[bool, dict]]:
    """(with token?, JSON body) of every `curl ... /graphql` example, in order."""
    found = []
    for command in re.findall(
        r"curl -s http://127\.0\.0\.1:8000/graphql(.*?)'\n", README, re.DOTALL
    ):
        body = command.split("-d '", 1)[1]
        found.append(("authorization: Bearer dev-token" in command, json.loads(body)))
    return found


async def test_readme_query_create_and_publish_examples_work(http, drain) -> None:
    examples = curl_examples()
    assert [token for token, _ in examples] == [False, True, True, True]
    public, editor = GraphQLClient(http, None), GraphQLClient(http, DEV_TOKEN)

    data = await public(examples[0][1]["query"])
    assert "edges" in data["stories"] and "pageInfo" in data["stories"]

    create = examples[1][1]
    created = (await editor(create["query"], create["variables"]))["createStory"]
    assert created["version"] == 1 and created["status"] == "DRAFT"

    approve = examples[2][1]["query"].replace("<id from above>", created["id"])
    approved = (await editor(approve))["approveStory"]
    assert approved["status"] == "APPROVED"
    await drain()  # the hub's worker distributes it (the app channel publishes it)
    live = await public(
        "query($id: ID!) { story(id: $id) { status publishedAt } }", {"id": created["id"]}
    )
    assert live["story"]["status"] == "PUBLISHED" and live["story"]["publishedAt"]

    retried = examples[3][1]  # a create with an idempotency key, sent twice: one story
    first, again = [
        (await editor(retried["query"], retried["variables"]))["createStory"] for _ in range(2)
    ]
    assert first == again
