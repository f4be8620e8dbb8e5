"""HTTP as partners' tools read it: Allow on 405 and OPTIONS, a Bearer challenge on every
401, one error envelope in one language per text, RFC 9068 access tokens."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.media.renditions import parse_spec
from hub.rest.media import SPEC_PATTERN
from tests.feeds.helpers import make_partner

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _only_error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert len(body["errors"]) == 1, body
    ext: dict[str, Any] = body["errors"][0]["extensions"]
    assert not CJK.search(ext["message_en"]), ext
    assert CJK.search(ext["message_zh"]) and " / " not in ext["message_zh"], ext
    return ext


def _claims(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    head, body, _ = token.split(".")
    decode = lambda part: json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))  # noqa: E731
    return decode(head), decode(body)


async def test_a_method_a_path_does_not_take_is_a_405_naming_the_allowed_ones(
    http: httpx.AsyncClient,
) -> None:
    response = await http.request("TRACE", "/graphql")
    assert response.status_code == 405
    assert (
        response.headers["allow"] == "GET, OPTIONS, POST"
    )  # its websocket route is no HTTP method
    ext = _only_error(response)
    assert ext["code"] == "METHOD_NOT_ALLOWED" and ext["details"]["method"] == "TRACE"
    assert ext["details"]["allow"] == "GET, OPTIONS, POST" and "websocket" not in ext["message_en"]


async def test_options_lists_every_method_of_the_path_not_only_the_first_handlers(
    http: httpx.AsyncClient,
) -> None:
    graphql = await http.options("/graphql")
    asset = await http.options("/media/assets/some-asset")
    assert set(graphql.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST", "OPTIONS"}
    assert set(asset.headers["allow"].replace(" ", "").split(",")) == {"GET", "DELETE", "OPTIONS"}


async def test_a_refused_token_on_graphql_gets_a_bearer_challenge(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql",
        json={"query": "{ columns { id } }"},
        headers={"authorization": "Bearer not-a-token"},
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="ronghub", error="invalid_token"'
    assert _only_error(response)["code"].startswith(("UNAUTHENTICATED", "TOKEN_"))


async def test_media_without_a_token_gets_a_bearer_challenge_without_an_error_code(
    http: httpx.AsyncClient,
) -> None:
    response = await http.get("/media/assets/some-asset")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="ronghub"'


async def test_a_malformed_graphql_request_says_so_in_english_and_in_chinese(
    http: httpx.AsyncClient,
) -> None:
    ext = _only_error(await http.post("/graphql", json={"variables": {}}))
    assert ext["code"] == "BAD_REQUEST"
    assert ext["message_en"] == "Malformed request: missing 'query'"
    assert ext["message_zh"] == "请求格式不正确:缺少 query 字段"
    get = _only_error(
        await http.get("/graphql", params={"query": "{ columns { id } }", "variables": "[1"})
    )
    assert get["message_en"] == "Malformed request: variables is not valid JSON"


async def test_a_syntax_error_points_at_the_line_in_chinese_and_quotes_the_parser_in_english(
    http: httpx.AsyncClient,
) -> None:
    body = (await http.post("/graphql", json={"query": "{ columns { id }"})).json()
    ext = body["errors"][0]["extensions"]
    assert ext["code"] == "GRAPHQL_SYNTAX"
    assert "第 1 行第" in ext["message_zh"] and "Syntax Error" not in ext["message_zh"]
    assert ext["message_en"].startswith("GraphQL syntax error: Syntax Error")


async def test_an_empty_operation_name_is_no_operation_name(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", json={"query": "{ columns { id } }", "operationName": ""}
    )
    assert response.status_code == 200 and "errors" not in response.json(), response.text


async def test_litestars_own_refusals_come_in_the_hubs_envelope(http: httpx.AsyncClient) -> None:
    response = await http.put(
        "/media/uploads/x/parts",
        params={"offset": "-1"},
        headers={"authorization": "Bearer test-dev-token"},
    )
    assert response.status_code == 400
    assert _only_error(response)["code"] == "BAD_REQUEST"


async def test_access_tokens_are_typed_at_jwt_and_name_their_client(
    http: httpx.AsyncClient,
) -> None:
    partner = await make_partner(http, prefix="rfc9068")
    header, claims = _claims(partner.headers["authorization"].removeprefix("Bearer "))
    assert header["typ"] == "at+jwt"
    assert claims["client_id"] == partner.client_id == claims["sub"]
    assert {"iss", "exp", "aud", "sub", "iat", "jti"} <= claims.keys()
    staff_header, staff = _claims(partner.admin["authorization"].removeprefix("Bearer "))
    assert staff_header["typ"] == "at+jwt" and staff["client_id"] == "ronghub-newsroom"


@settings(max_examples=200, deadline=None)
@given(st.from_regex(SPEC_PATTERN, fullmatch=True))
def test_every_rendition_spec_the_document_allows_is_one_the_hub_reads(spec: str) -> None:
    parse_spec(spec)


async def test_the_front_page_links_the_console_graphiql_openapi_health_and_docs(
    http: httpx.AsyncClient,
) -> None:
    page = await http.get("/", headers={"accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for href in (
        'href="/console/"',
        'href="/graphql"',
        'href="/schema"',
        'href="/schema/openapi.json"',
        'href="/healthz"',
        'href="/readyz"',
        "docs/partners.md",
    ):
        assert href in page.text, href
    assert "GraphiQL" in page.text  # the test hub runs in development
    listed = (await http.get("/", headers={"accept": "application/json"})).json()
    assert {link["href"] for link in listed["links"]} >= {
        "/console/",
        "/graphql",
        "/schema",
        "/healthz",
    }
    guides = [g["path"] for g in listed["guides"]]  # one per kind of reader, each a real file
    assert {"docs/frontend.md", "docs/partners.md", "docs/plugins.md", "docs/operations.md"} <= set(
        guides
    )
    assert all((ROOT / path).is_file() and path in page.text for path in guides), guides
