"""Malformed, oversized and deeply nested bodies over real HTTP (and a websocket): each
gets a 4xx with a stable code and both texts, never a 500, within a generous bound."""

from __future__ import annotations

import json

import httpx
import pytest

from hub.rest.jsonbody import MAX_DEPTH
from hub.settings import Settings
from tests.conftest import DEV_TOKEN
from tests.hostile.helpers import BOUND, coded, refused, timed

JSON = {"content-type": "application/json"}
AUTH = {"authorization": f"Bearer {DEV_TOKEN}"}
QUERY = b'"query": "{ columns { id } }"'


def nested(levels: int, open_: str = "[", close: str = "]") -> str:
    return open_ * levels + close * levels


# ---- nesting ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        b"{" + QUERY + b', "variables": {"v": ' + nested(1_000).encode() + b"}}",
        b"{" + QUERY + b', "variables": {"v": ' + nested(100_000).encode() + b"}}",
        b"{"
        + QUERY
        + b', "variables": '
        + nested(1_000, '{"a": ', "}").replace("}", "1}", 1).encode()
        + b"}",
        b"{" + QUERY + b', "extensions": ' + nested(1_000).encode() + b"}",
        nested(1_000).encode(),
        b"{" + QUERY + b', "variables": {"v": ' + nested(MAX_DEPTH).encode() + b"}}",
    ],
    ids=[
        "variables-1000",
        "variables-100000",
        "objects-1000",
        "extensions-1000",
        "top-level-1000",
        "just-past-the-limit",
    ],
)
async def test_deeply_nested_json_is_refused_with_a_code(
    http: httpx.AsyncClient, body: bytes
) -> None:
    for headers in ({}, AUTH):  # anonymous (cache path) and signed in
        response, seconds = await timed(
            http.post("/graphql", content=body, headers={**JSON, **headers})
        )
        ext = refused(response, "JSON_TOO_DEEP", 400)
        assert ext["details"] == {"limit": MAX_DEPTH}
        assert seconds < BOUND


async def test_json_nested_up_to_the_limit_is_accepted(http: httpx.AsyncClient) -> None:
    # extensions is a map (GraphQL over HTTP): the arrays nest inside it, to the limit in all
    body = b"{" + QUERY + b', "extensions": {"deep": ' + nested(MAX_DEPTH - 2).encode() + b"}}"
    response = await http.post("/graphql", content=body, headers=JSON)
    assert response.status_code == 200 and "errors" not in response.json()


async def test_deeply_nested_variables_in_a_get_are_refused_with_a_code(
    http: httpx.AsyncClient,
) -> None:
    response = await http.get(
        "/graphql",
        params={"query": "{ columns { id } }", "variables": '{"v": ' + nested(1_000) + "}"},
    )
    refused(response, "JSON_TOO_DEEP", 400)


async def test_a_deep_json_scalar_in_variables_is_refused_before_it_is_stored(
    http: httpx.AsyncClient,
) -> None:
    query = json.dumps(
        'mutation($c: JSON!) { configureChannel(channel: "app", config: $c) { channel } }'
    )
    config = nested(500, '{"a": ', "}").replace("}", "1}", 1)
    body = '{"query": ' + query + ', "variables": {"c": ' + config + "}}"
    response = await http.post("/graphql", content=body.encode(), headers={**JSON, **AUTH})
    refused(response, "JSON_TOO_DEEP", 400)


# ---- malformed ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
    ],
)
async def test_a_body_that_is_not_declared_json_is_415(
    http: httpx.AsyncClient, content_type: str
) -> None:
    body = b'{"query": "{ columns { id } }"}'
    for headers in ({}, AUTH):
        response = await http.post(
            "/graphql", content=body, headers={"content-type": content_type, **headers}
        )
        ext = refused(response, "UNSUPPORTED_MEDIA_TYPE", 415)
        assert content_type in ext["message_en"]


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/graphql-response+json", None]
)
async def test_json_content_types_and_none_are_accepted(
    http: httpx.AsyncClient, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = await http.post(
        "/graphql", content=b'{"query": "{ columns { id } }"}', headers=headers
    )
    assert response.status_code == 200 and "errors" not in response.json(), response.text


@pytest.mark.parametrize(
    "body",
    [
        b'{"query": "{ columns { id } }", "x": "\xff\xfe"}',  # invalid UTF-8
        b'{"query": "{ col\xc3',  # truncated inside a character
        b'{"query": "{ columns { id } }"',  # truncated JSON
        b"\xef\xbb\xbf" + b'{"query": "{ columns { id } }"}',  # a UTF-8 byte order mark
        b"\xff\xfe{\x00}\x00",  # UTF-16
        b'"{ columns { id } }"',
        b"123",
        b"null",
        b"true",
        b"[]",
        b'[{"query": "{ columns { id } }"}]',  # batching is not offered
        b'{"query": "{ columns { id } }"}{"query": "{ columns { id } }"}',
        b'{"query": "{ columns { id } }", "operationName": 7}',
        b'{"query": ["{ columns { id } }"]}',
        b'{"query": "   "}',
        b"\x00" * 1_000,
        b'{"query": "{ columns { id } }", "variables": {"v": ' + b"9" * 200_000 + b"}}",
    ],
    ids=[
        "invalid-utf8",
        "truncated-utf8",
        "truncated-json",
        "bom",
        "utf16",
        "string",
        "number",
        "null",
        "bool",
        "empty-array",
        "batch",
        "two-documents",
        "operation-name-not-string",
        "query-list",
        "blank-query",
        "nul-bytes",
        "huge-number",
    ],
)
async def test_a_malformed_body_is_a_coded_400(http: httpx.AsyncClient, body: bytes) -> None:
    for headers in ({}, AUTH):
        response, seconds = await timed(
            http.post("/graphql", content=body, headers={**JSON, **headers})
        )
        refused(response, "BAD_REQUEST", 400)
        assert seconds < BOUND


async def test_an_oversized_body_is_413_without_reading_it_all(
    http: httpx.AsyncClient, hub_settings: Settings
) -> None:
    body = (
        b'{"query": "{ columns { id } }", "pad": "'
        + b"x" * (hub_settings.max_request_bytes * 5)
        + b'"}'
    )
    response, seconds = await timed(http.post("/graphql", content=body, headers=JSON))
    refused(response, "REQUEST_TOO_LARGE", 413)
    assert seconds < BOUND


# ---- unicode tricks in the query ------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ columns\u200b { id } }", "GRAPHQL_SYNTAX"),  # zero-width space
        ("\uff5b columns { id } \uff5d", "GRAPHQL_SYNTAX"),  # full-width braces
        ("{ col\u0000umns { id } }", "GRAPHQL_SYNTAX"),
        ("{ \u202ecolumns { id } }", "GRAPHQL_SYNTAX"),  # right-to-left override
        ("{ сolumns { id } }", "GRAPHQL_SYNTAX"),  # Cyrillic с: not a GraphQL name character
        ("{ columns { id } } # \U0001f600 comment \u2028", None),
        ('{ story(id: "\u202e\u200b\U0001f600") { id } }', None),
        ("{ 栏目 { id } }", "GRAPHQL_SYNTAX"),
    ],
    ids=[
        "zero-width",
        "fullwidth",
        "nul",
        "rtl",
        "homoglyph",
        "emoji-comment",
        "string-literal",
        "cjk-name",
    ],
)
async def test_unicode_tricks_in_a_query_are_coded_errors_or_plain_answers(
    http: httpx.AsyncClient, query: str, code: str | None
) -> None:
    response, seconds = await timed(http.post("/graphql", json={"query": query}))
    assert seconds < BOUND
    if code is None:
        assert response.status_code == 200 and "errors" not in response.json(), response.text
    else:
        refused(response, code)


@pytest.mark.parametrize("where", ["query", "variables"])
async def test_a_lone_surrogate_escape_is_a_coded_answer_not_a_500(
    http: httpx.AsyncClient, where: str
) -> None:
    if where == "query":
        body = b'{"query": "{ story(id: \\"\\ud800\\") { id } }"}'
    else:
        body = b'{"query": "query($id: ID!) { story(id: $id) { id } }", "variables": {"id": "\\udfff"}}'
    response = await http.post("/graphql", content=body, headers=JSON)
    assert response.status_code in (200, 400), response.text
    body_json = response.json()
    if "errors" in body_json:
        coded(body_json["errors"][0], body_json["errors"][0]["extensions"]["code"])
        assert body_json["errors"][0]["extensions"]["code"] != "INTERNAL"


# ---- REST doors ---------------------------------------------------------------------
async def test_a_deeply_nested_upload_request_is_a_coded_400(http: httpx.AsyncClient) -> None:
    for body in (
        b'{"filename": ' + nested(100_000).encode() + b"}",
        b'{"x": ' + nested(900).encode() + b"}",
        nested(100_000).encode(),
    ):
        response, seconds = await timed(
            http.post("/media/uploads/resumable", content=body, headers={**JSON, **AUTH})
        )
        assert response.status_code == 400, (response.status_code, response.text[:300])
        assert response.json()["errors"][0]["extensions"]["code"] in (
            "BAD_REQUEST",
            "JSON_TOO_DEEP",
        )
        assert seconds < BOUND
