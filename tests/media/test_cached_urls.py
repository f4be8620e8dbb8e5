"""Signed media URLs in cached anonymous GraphQL responses, over real HTTP: a cached page
never hands out a URL that is about to expire; it is answered afresh instead."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.media.helpers import AUTH, image_bytes
from tests.media.hubproc import hub_process

pytestmark = pytest.mark.slow

TTL, BUCKET, MARGIN = 6, 2, 3  # seconds: URLs live 6-8 s, a cached page at most until 3 s before
PAGE = "query($id: ID!) { story(id: $id) { title cover { url } } }"


def cached_count(metrics: str) -> float:
    found = re.search(r'^ronghub_graphql_requests_total\{outcome="cached"\} (\S+)$', metrics, re.M)
    return float(found.group(1)) if found else 0.0


async def test_cached_page_gets_a_fresh_media_url_before_the_old_one_expires(
    store_uri: str, tmp_path: Path
) -> None:
    settings = {
        "media_url_ttl_seconds": str(TTL),
        "media_url_bucket_seconds": str(BUCKET),
        "read_cache_url_margin_seconds": str(MARGIN),
    }
    with hub_process(store_uri, tmp_path, **settings) as hub:
        async with httpx.AsyncClient(base_url=hub.url, timeout=30) as http:
            asset = (
                await http.post(
                    "/media/uploads",
                    content=image_bytes(),
                    params={"filename": "c.png"},
                    headers=AUTH,
                )
            ).json()
            created = await http.post(
                "/graphql",
                json={
                    "query": "mutation($i: CreateStoryInput!) { createStory(input: $i) { id } }",
                    "variables": {"i": {"title": "封面稿件", "coverAssetId": asset["id"]}},
                },
                headers=AUTH,
            )
            story = created.json()["data"]["createStory"]["id"]
            approved = await http.post(
                "/graphql",
                json={
                    "query": "mutation($id: ID!) { approveStory(id: $id, expectedVersion: 1) { id } }",
                    "variables": {"id": story},
                },
                headers=AUTH,
            )
            assert "errors" not in approved.json(), approved.text
            body = {"query": PAGE, "variables": {"id": story}}
            for _ in range(100):  # the hub's own worker publishes it to the app channel
                if (await http.post("/graphql", json=body)).json()["data"]["story"]:
                    break
                await asyncio.sleep(0.1)

            cached_before = cached_count((await http.get("/metrics")).text)
            seen: list[str] = []
            deadline = time.monotonic() + 3 * TTL
            while time.monotonic() < deadline:
                page = (await http.post("/graphql", json=body)).json()
                served_at = time.time()
                url = page["data"]["story"]["cover"]["url"]
                expires = int(parse_qs(urlsplit(url).query)["exp"][0])
                assert expires - served_at > MARGIN - 1, "a URL was served too close to its expiry"
                fetched = await http.get(url)  # no token: the signature is the permission
                assert fetched.status_code == 200, (fetched.status_code, fetched.text[:200])
                if not seen or seen[-1] != url:
                    seen.append(url)
                await asyncio.sleep(0.2)
            cached = cached_count((await http.get("/metrics")).text) - cached_before

    assert cached >= 20  # most answers came from the cache ...
    assert (
        len(seen) >= 3
    )  # ... and yet the page's URL was renewed as it aged (nothing was published)
    assert len(set(seen)) == len(seen)
