"""Other doors that decode untrusted, possibly deeply nested, data: a tampered cursor,
a forged token header. Each is a coded refusal, never an INTERNAL error or a 500."""

from __future__ import annotations

import base64

import httpx

from tests.hostile.helpers import BOUND, coded


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


DEEP = b"[" * 100_000 + b"]" * 100_000


async def test_a_deeply_nested_search_cursor_is_invalid_input(http: httpx.AsyncClient) -> None:
    query = 'query($a: String) { search(query: "县", after: $a) { totalCount } }'
    response = await http.post(
        "/graphql", json={"query": query, "variables": {"a": _b64(b"[" * 5_000 + b"]" * 5_000)}}
    )
    assert response.status_code == 200
    error = response.json()["errors"][0]
    coded(error, "INVALID_INPUT")


async def test_a_deeply_nested_story_cursor_is_invalid_input(http: httpx.AsyncClient) -> None:
    query = "query($a: String) { stories(after: $a) { edges { cursor } } }"
    response = await http.post(
        "/graphql", json={"query": query, "variables": {"a": _b64(DEEP[:20_000] + DEEP[-20_000:])}}
    )
    coded(response.json()["errors"][0], "INVALID_INPUT")


async def test_a_token_with_a_deeply_nested_header_is_unauthenticated_not_a_500(
    http: httpx.AsyncClient,
) -> None:
    forged = _b64(b"[" * 3_000 + b"]" * 3_000) + ".e30.c2ln"
    response = await http.post(
        "/graphql",
        json={"query": "{ columns { id } }"},
        headers={"authorization": f"Bearer {forged}"},
    )
    assert response.status_code == 401, response.text[:300]
    assert response.json()["errors"][0]["extensions"]["code"] in (
        "TOKEN_INVALID",
        "UNAUTHENTICATED",
    )


async def test_a_search_filter_with_a_huge_list_is_refused_quickly(http: httpx.AsyncClient) -> None:
    import time

    from hub.graphql.search import MAX_FILTER_VALUES

    tags = [f"t{i}" for i in range(30_000)]
    query = 'query($t: [String!]) { search(query: "县", filter: {tags: $t}) { totalCount } }'
    started = time.perf_counter()
    response = await http.post("/graphql", json={"query": query, "variables": {"t": tags}})
    ext = coded(response.json()["errors"][0], "INVALID_INPUT")
    assert (ext["details"]["count"], ext["details"]["limit"]) == (30_000, MAX_FILTER_VALUES)
    assert "filter.tags" in ext["message_en"]
    assert time.perf_counter() - started < BOUND
    few = await http.post(
        "/graphql", json={"query": query, "variables": {"t": tags[:MAX_FILTER_VALUES]}}
    )
    assert "errors" not in few.json(), few.text[:300]
