"""CDN- and browser-ready reads over real HTTP: ETags and 304s, Cache-Control, Vary, CORS,
trusted documents and Apollo's automatic persisted queries."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx
from litestar import Litestar

from hub.app import create_app
from hub.graphql.persisted import PersistedDocuments
from hub.ids import new_id
from hub.settings import Settings
from tests.conftest import GraphQLClient
from tests.e2e.test_read_cache import PAGE, published


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def test_a_second_get_with_the_etag_is_a_304_and_a_publish_changes_the_etag(
    editor: GraphQLClient, http: httpx.AsyncClient, drain: Any
) -> None:
    tag = "cdn-" + new_id()[-8:]
    await published(editor, "第一篇", tag, drain)
    params = {"query": PAGE % tag}
    first = await http.get("/graphql", params=params)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, max-age=30, stale-while-revalidate=60"
    assert first.headers["vary"] == "Authorization"

    again = await http.get("/graphql", params=params, headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    # a miss (evicted or another process) gives the same ETag for the same bytes and generation
    assert (await http.get("/graphql", params=params)).headers["etag"] == etag

    await published(editor, "第二篇", tag, drain)
    after = await http.get("/graphql", params=params, headers={"if-none-match": etag})
    assert after.status_code == 200
    assert after.headers["etag"] != etag
    assert [e["node"]["title"] for e in after.json()["data"]["stories"]["edges"]] == [
        "第二篇",
        "第一篇",
    ]


async def test_a_publish_elsewhere_in_the_center_changes_every_etag(
    editor: GraphQLClient, http: httpx.AsyncClient, drain: Any
) -> None:
    tag, other = "cdn-" + new_id()[-8:], "cdn-" + new_id()[-8:]
    await published(editor, "不变的一页", tag, drain)
    params = {"query": PAGE % tag}
    etag = (await http.get("/graphql", params=params)).headers["etag"]
    await published(editor, "别的栏目", other, drain)
    after = await http.get("/graphql", params=params, headers={"if-none-match": etag})
    # the page's bytes are the same, but the read model moved on: revalidation answers 200
    assert after.status_code == 200 and after.headers["etag"] != etag


async def test_signed_in_answers_mutations_posts_and_errors_are_private_and_not_stored(
    editor: GraphQLClient, http: httpx.AsyncClient
) -> None:
    query = "{ stories(first: 1) { edges { node { id } } } }"
    signed_in = await http.get(
        "/graphql", params={"query": query}, headers={"authorization": f"Bearer {editor.token}"}
    )
    assert (
        signed_in.headers["cache-control"] == "private, no-store"
        and "etag" not in signed_in.headers
    )
    mutation = await editor.raw(
        'mutation { createStory(input: {title: "私有", bodyText: "x"}) { id } }'
    )
    assert mutation.headers["cache-control"] == "private, no-store"
    posted = await http.post("/graphql", json={"query": query})
    assert posted.headers["cache-control"] == "private, no-store"
    broken = await http.get("/graphql", params={"query": "{ stories(first: 1) { nope } }"})
    assert broken.headers["cache-control"] == "private, no-store" and "etag" not in broken.headers


async def _answer(http: httpx.AsyncClient, query: str) -> dict[str, Any]:
    """The anonymous answer to `query` sent as plain text (what a stored document must give)."""
    plain = await http.post("/graphql", json={"query": query})
    body: dict[str, Any] = plain.json()
    assert "errors" not in body and isinstance(body["data"]["columns"], list), body
    return body


async def test_apq_unknown_hash_asks_for_the_text_then_the_hash_alone_is_enough(
    http: httpx.AsyncClient,
) -> None:
    query = "{ columns { id name } } # apq " + new_id()
    ext = {"persistedQuery": {"version": 1, "sha256Hash": sha(query)}}
    unknown = await http.get("/graphql", params={"extensions": json.dumps(ext)})
    assert unknown.status_code == 200
    assert [e["extensions"]["code"] for e in unknown.json()["errors"]] == [
        "PERSISTED_QUERY_NOT_FOUND"
    ]
    registered = await http.post("/graphql", json={"query": query, "extensions": ext})
    # the default center's columns: none, or those other tests of this hub made before
    assert registered.json() == await _answer(http, query)
    by_hash = await http.get("/graphql", params={"extensions": json.dumps(ext)})
    assert by_hash.json() == registered.json()
    assert "etag" in by_hash.headers

    wrong = {"persistedQuery": {"version": 1, "sha256Hash": sha("something else")}}
    mismatch = await http.post("/graphql", json={"query": query, "extensions": wrong})
    assert mismatch.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"


async def test_a_registered_manifest_lets_its_client_send_document_ids(
    editor: GraphQLClient, http: httpx.AsyncClient
) -> None:
    client = (
        await editor(
            'mutation { createClient(name: "app 前端", scopes: ["stories:read"]) { clientId } }'
        )
    )["createClient"]
    doc = "query Columns { columns { name } } # " + new_id()
    manifest = {sha(doc): doc}
    register = "mutation($c: ID!, $m: JSON!) { registerPersistedDocuments(clientId: $c, manifest: $m) { documents added } }"
    assert (await editor(register, {"c": client["clientId"], "m": manifest}))[
        "registerPersistedDocuments"
    ] == {"documents": 1, "added": 1}
    assert (await editor(register, {"c": client["clientId"], "m": manifest}))[
        "registerPersistedDocuments"
    ] == {"documents": 1, "added": 0}

    got = await http.get("/graphql", params={"documentId": f"sha256:{sha(doc)}"})
    assert got.json() == await _answer(http, doc) and got.headers["etag"]
    posted = await http.post("/graphql", json={"documentId": sha(doc)})
    assert posted.json() == got.json()
    unknown = await http.post("/graphql", json={"documentId": sha("nothing")})
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_DOCUMENT_NOT_FOUND"

    bad = await editor.errors(register, {"c": client["clientId"], "m": {sha("x"): "y"}})
    assert bad[0]["extensions"]["code"] == "INVALID_INPUT"
    listed = await editor(
        "query($c: ID!) { persistedDocuments(clientId: $c) { id text } }", {"c": client["clientId"]}
    )
    assert listed["persistedDocuments"] == [{"id": sha(doc), "text": doc}]


async def test_with_a_safelist_anonymous_callers_run_registered_documents_only(
    editor: GraphQLClient, hub_settings: Settings, http: httpx.AsyncClient
) -> None:
    tenant = hub_settings.default_tenant
    docs = PersistedDocuments("anonymous", apq_entries=10)
    text = "{ columns { id } } # safelisted " + new_id()
    await docs.register(tenant, "c-front", {sha(text): text})

    assert (await docs.resolve(tenant, True, {"documentId": sha(text)}))["query"] == text
    assert (await docs.resolve(tenant, True, {"query": text}))[
        "query"
    ] == text  # the very text: fine
    for refused in (
        {"query": "{ columns { name } }"},
        {
            "query": "{ columns { name } }",
            "extensions": {
                "persistedQuery": {"version": 1, "sha256Hash": sha("{ columns { name } }")}
            },
        },
    ):
        try:
            await docs.resolve(tenant, True, refused)
        except Exception as exc:
            assert getattr(exc, "code", None) == "PERSISTED_DOCUMENT_REQUIRED"
        else:
            raise AssertionError(f"{refused} was run")
    # signed-in callers are not limited in the `anonymous` mode
    assert (await docs.resolve(tenant, False, {"query": "{ me { kind } }"}))[
        "query"
    ] == "{ me { kind } }"


def cors_app(hub_settings: Settings, origins: list[str]) -> Litestar:
    return create_app(hub_settings.model_copy(update={"cors_allow_origins": origins}))


async def test_cors_answers_only_the_allowed_origins_without_credentials(
    hub_settings: Settings, editor: GraphQLClient, hub_url: str
) -> None:
    app = cors_app(hub_settings, ["https://www.example.cn"])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hub"
    ) as client:
        preflight = await client.options(
            "/graphql",
            headers={
                "origin": "https://www.example.cn",
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type, authorization",
            },
        )
        assert preflight.status_code in (200, 204)
        assert preflight.headers["access-control-allow-origin"] == "https://www.example.cn"
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert "access-control-allow-credentials" not in preflight.headers

        query = {"query": "{ columns { id } }"}
        for _ in range(2):  # the second one is a cache hit: it must carry the headers too
            allowed = await client.get(
                "/graphql", params=query, headers={"origin": "https://www.example.cn"}
            )
            assert allowed.status_code == 200
            assert allowed.headers["access-control-allow-origin"] == "https://www.example.cn"
            assert "etag" in allowed.headers.get("access-control-expose-headers", "").lower()
            assert "etag" in allowed.headers
            assert allowed.headers["vary"] == "Authorization, Origin"
        other = await client.get(
            "/graphql", params=query, headers={"origin": "https://evil.example"}
        )
        assert "access-control-allow-origin" not in other.headers
        assert other.headers["vary"] == "Authorization, Origin"
        same_origin = await client.get("/graphql", params=query)  # no Origin: the fast path
        assert same_origin.headers["vary"] == "Authorization, Origin"
        refused = await client.options(
            "/graphql",
            headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
        )
        assert refused.status_code == 400


async def test_without_cors_settings_no_cors_headers_are_sent(http: httpx.AsyncClient) -> None:
    response = await http.get(
        "/graphql",
        params={"query": "{ columns { id } }"},
        headers={"origin": "https://www.example.cn"},
    )
    assert "access-control-allow-origin" not in response.headers
