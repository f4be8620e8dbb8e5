"""Bad input over real HTTP: each is refused with a stable code and both texts, and nothing
partial is stored (the story count for a fresh tag, and the tenant's revisions, stay put)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hub.ids import new_id
from hub.settings import Settings
from hub.store.counting import count
from hub.store.documents import RevisionDoc, StoryDoc
from tests.conftest import GraphQLClient

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
CREATE = """
mutation($input: CreateStoryInput!) { createStory(input: $input) { id version } }"""


def check_error(error: dict[str, Any], code: str) -> dict[str, Any]:
    """The hub's error shape: stable code, Chinese and English text, Chinese as `message`."""
    ext = error["extensions"]
    assert ext["code"] == code, error
    assert ext["message_zh"] and ext["message_en"], error
    assert error["message"] == ext["message_zh"]
    assert not PLACEHOLDER.search(ext["message_zh"] + ext["message_en"]), "unfilled placeholder"
    # the hub's own words are English; values it quotes back ('…', "…") are the caller's
    unquoted = re.sub(r"'[^']*'|\"[^\"]*\"", "", ext["message_en"])
    assert not re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", unquoted), (
        "Chinese in message_en"
    )
    return ext


async def stored(settings: Settings, tag: str) -> tuple[int, int]:
    tenant = settings.default_tenant
    stories = await count(
        StoryDoc.get_pymongo_collection(), {"tenant": tenant, "tags": {"$all": [tag]}}
    )
    revisions = await count(RevisionDoc.get_pymongo_collection(), {"tenant": tenant})
    return stories, revisions


@pytest.fixture
async def tag(hub_settings: Settings, hub_url: str) -> AsyncIterator[str]:
    """A fresh tag; the test fails if a story with it (or any revision) was stored."""
    name = "bad-" + new_id()[-10:]
    before = await stored(hub_settings, name)
    assert before[0] == 0
    yield name
    assert await stored(hub_settings, name) == before, "a refused request stored something"


async def create_errors(editor: GraphQLClient, tag: str, **fields: Any) -> list[dict[str, Any]]:
    return await editor.errors(CREATE, {"input": {"title": "坏输入", "tags": [tag], **fields}})


# ---- shape of the input -------------------------------------------------------------
async def test_an_unknown_input_field_is_a_validation_error(
    editor: GraphQLClient, tag: str
) -> None:
    errors = await create_errors(editor, tag, bogus=1)
    ext = check_error(errors[0], "GRAPHQL_VALIDATION")
    assert "bogus" in ext["message_en"]


async def test_an_unknown_inline_field_is_a_validation_error(
    editor: GraphQLClient, tag: str
) -> None:
    query = 'mutation { createStory(input: {title: "x", tags: ["TAG"], bogus: 1}) { id } }'.replace(
        "TAG", tag
    )
    ext = check_error((await editor.errors(query))[0], "GRAPHQL_VALIDATION")
    assert "bogus" in ext["message_en"]


async def test_an_unknown_output_field_is_a_validation_error(editor: GraphQLClient) -> None:
    ext = check_error(
        (await editor.errors("{ stories { edges { node { nope } } } }"))[0], "GRAPHQL_VALIDATION"
    )
    assert "nope" in ext["message_en"]


async def test_a_wrong_type_in_variables_is_a_validation_error(
    editor: GraphQLClient, tag: str
) -> None:
    errors = await create_errors(editor, tag, title=123, tags=[tag])
    check_error(errors[0], "GRAPHQL_VALIDATION")
    errors = await create_errors(editor, tag, location={"name": "县城", "latitude": "北纬"})
    check_error(errors[0], "GRAPHQL_VALIDATION")


@pytest.mark.parametrize("since", ['"not a date"', '"2026-13-45T99:00:00"', "12"])
async def test_a_bad_literal_date_is_a_validation_error(editor: GraphQLClient, since: str) -> None:
    query = "{ stories(filter: {since: SINCE}) { edges { node { id } } } }".replace("SINCE", since)
    check_error((await editor.errors(query))[0], "GRAPHQL_VALIDATION")


async def test_a_bad_date_in_variables_is_a_validation_error(editor: GraphQLClient) -> None:
    query = "query($f: StoryFilter) { stories(filter: $f) { edges { node { id } } } }"
    errors = await editor.errors(query, {"f": {"since": "yesterday-ish"}})
    check_error(errors[0], "GRAPHQL_VALIDATION")


async def test_an_unknown_operation_name_is_a_bad_request(http: httpx.AsyncClient) -> None:
    payload = {
        "query": "query A { columns { id } } query B { columns { id } }",
        "operationName": "C",
    }
    response = await http.post("/graphql", json=payload)
    assert response.status_code == 400
    check_error(response.json()["errors"][0], "BAD_REQUEST")


async def test_a_wrong_inline_type_is_a_validation_error(editor: GraphQLClient, tag: str) -> None:
    query = 'mutation { createStory(input: {title: 5, tags: ["TAG"]}) { id } }'.replace("TAG", tag)
    check_error((await editor.errors(query))[0], "GRAPHQL_VALIDATION")


async def test_an_out_of_range_latitude_is_invalid_input_not_internal(
    editor: GraphQLClient, tag: str
) -> None:
    errors = await create_errors(editor, tag, location={"name": "县城", "latitude": 91.0})
    ext = check_error(errors[0], "INVALID_INPUT")
    assert "latitude" in ext["message_en"]


async def test_a_syntax_error_has_its_own_code(editor: GraphQLClient) -> None:
    check_error((await editor.errors("{ stories { edges "))[0], "GRAPHQL_SYNTAX")


# ---- size ---------------------------------------------------------------------------
async def test_an_oversized_request_body_is_413(
    http: httpx.AsyncClient, hub_settings: Settings, tag: str
) -> None:
    body = "长" * (hub_settings.max_request_bytes // 3 + 10)  # 3 bytes each in UTF-8
    payload = {
        "query": CREATE,
        "variables": {"input": {"title": "太大", "tags": [tag], "bodyText": body}},
    }
    response = await http.post(
        "/graphql", json=payload, headers={"authorization": "Bearer test-dev-token"}
    )
    assert response.status_code == 413
    ext = check_error(response.json()["errors"][0], "REQUEST_TOO_LARGE")
    assert str(hub_settings.max_request_bytes) in ext["message_en"]


async def test_an_oversized_chunked_body_without_length_is_413(
    http: httpx.AsyncClient, hub_settings: Settings
) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        yield b'{"query": "{ columns { id } }", "pad": "'
        for _ in range(hub_settings.max_request_bytes // 10_000 + 2):
            yield b"x" * 10_000
        yield b'"}'

    response = await http.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    check_error(response.json()["errors"][0], "REQUEST_TOO_LARGE")


@pytest.mark.parametrize("field", ["body", "bodyText"])
async def test_a_body_over_the_character_limit_is_body_too_long(
    editor: GraphQLClient, hub_settings: Settings, tag: str, field: str
) -> None:
    text = "x" * (hub_settings.max_body_chars + 1)  # fewer bytes than max_request_bytes
    ext = check_error((await create_errors(editor, tag, **{field: text}))[0], "BODY_TOO_LONG")
    assert ext["details"] == {
        "length": hub_settings.max_body_chars + 1,
        "limit": hub_settings.max_body_chars,
    }


# ---- active content -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "found"),
    [
        ("<p>通知</p><script>alert(1)</script>", "<script>"),
        ('<p onclick="steal()">点我</p>', "onclick="),
        ('<a href="javascript:alert(1)">链接</a>', "href=javascript:"),
        ('<a href=" JaVaScRiPt:alert(1)">链接</a>', "href=javascript:"),
    ],
)
async def test_active_html_is_refused_naming_what_was_found(
    editor: GraphQLClient, tag: str, body: str, found: str
) -> None:
    ext = check_error((await create_errors(editor, tag, body=body))[0], "UNSAFE_HTML")
    assert found in ext["message_zh"] and found in ext["message_en"]


async def test_an_update_with_active_html_changes_nothing(editor: GraphQLClient) -> None:
    tag = "bad-update"
    story_id = (await editor(CREATE, {"input": {"title": "原稿", "bodyText": "原文"}}))[
        "createStory"
    ]["id"]
    update = "mutation($input: UpdateStoryInput!) { updateStory(input: $input) { version } }"
    errors = await editor.errors(
        update,
        {
            "input": {
                "id": story_id,
                "expectedVersion": 1,
                "tags": [tag],
                "body": "<script>x</script>",
            }
        },
    )
    check_error(errors[0], "UNSAFE_HTML")
    story = (
        await editor(
            "query($id: ID!) { story(id: $id) { version bodyText tags revisions { number } } }",
            {"id": story_id},
        )
    )["story"]
    assert story == {"version": 1, "bodyText": "原文", "tags": [], "revisions": [{"number": 1}]}


# ---- query limits -------------------------------------------------------------------
async def test_a_too_deep_query_is_refused(editor: GraphQLClient, hub_settings: Settings) -> None:
    limit = hub_settings.graphql_max_depth
    query = "{ " + "stories { edges { node { " * 4 + "id" + " } } }" * 4 + " }"  # depth 13
    ext = check_error((await editor.errors(query))[0], "QUERY_TOO_DEEP")
    assert ext["details"] == {"depth": 13, "limit": limit}


async def test_a_too_costly_query_is_refused(editor: GraphQLClient, hub_settings: Settings) -> None:
    page = "stories(first: 100) { edges { node { id title summary body tags revisions { number title body } } } }"
    query = "{ " + " ".join(f"p{i}: {page}" for i in range(5)) + " }"
    ext = check_error((await editor.errors(query))[0], "QUERY_TOO_COSTLY")
    assert ext["details"]["limit"] == hub_settings.graphql_max_cost
    assert ext["details"]["cost"] > hub_settings.graphql_max_cost


async def test_too_many_aliases_are_refused(editor: GraphQLClient, hub_settings: Settings) -> None:
    n = hub_settings.graphql_max_aliases + 1
    query = "{ " + " ".join(f"c{i}: columns {{ id }}" for i in range(n)) + " }"
    ext = check_error((await editor.errors(query))[0], "TOO_MANY_ALIASES")
    assert ext["details"] == {"count": n, "limit": hub_settings.graphql_max_aliases}


async def test_too_many_tokens_are_refused(editor: GraphQLClient, hub_settings: Settings) -> None:
    query = "{ columns { " + "id " * hub_settings.graphql_max_tokens + "} }"
    ext = check_error((await editor.errors(query))[0], "TOO_MANY_TOKENS")
    assert ext["details"] == {"limit": hub_settings.graphql_max_tokens}


async def test_the_standard_introspection_query_is_not_refused(editor: GraphQLClient) -> None:
    """GraphiQL and code generators send this; its ofType chain is deeper than any data query."""
    from graphql import get_introspection_query

    data = await editor(get_introspection_query())
    assert data["__schema"]["queryType"]["name"] == "Query"


# ---- transport ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"",
        b"[1, 2]",
        b'{"query": 5}',
        b'{"query": "{ columns { id } }", "variables": [1]}',
    ],
)
async def test_a_malformed_body_is_400_bad_request(http: httpx.AsyncClient, raw: bytes) -> None:
    response = await http.post(
        "/graphql", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    check_error(response.json()["errors"][0], "BAD_REQUEST")


async def test_a_mutation_over_get_is_refused(http: httpx.AsyncClient) -> None:
    query = 'mutation { createStory(input: {title: "x"}) { id } }'
    response = await http.get(
        "/graphql", params={"query": query}, headers={"authorization": "Bearer test-dev-token"}
    )
    assert response.status_code == 400
    ext = check_error(response.json()["errors"][0], "BAD_REQUEST")
    assert "POST" in ext["message_en"]


# ---- internal errors ----------------------------------------------------------------
SECRET = "secret-internal-detail"


def _no_leak(text: str) -> None:
    assert SECRET not in text
    assert "Traceback" not in text and 'File "' not in text


async def test_an_internal_error_in_a_resolver_is_masked_with_a_reference(
    editor: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub.store.stories import StoryRepository

    async def broken(self: Any, story_id: str) -> None:
        raise RuntimeError(SECRET)

    monkeypatch.setattr(StoryRepository, "get", broken)
    response = await editor.raw('{ story(id: "x") { id } }')
    assert response.status_code == 200
    _no_leak(response.text)
    ext = check_error(response.json()["errors"][0], "INTERNAL")
    assert len(ext["details"]["ref"]) >= 8 and ext["details"]["ref"] in ext["message_zh"]


async def test_an_internal_error_outside_graphql_is_a_masked_500(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hub.rest.graphql as rest_graphql

    def broken(*_: Any) -> None:
        raise RuntimeError(SECRET)

    monkeypatch.setattr(rest_graphql, "scope_for_request", broken)
    response = await http.post("/graphql", json={"query": "{ columns { id } }"})
    assert response.status_code == 500
    _no_leak(response.text)
    ext = check_error(response.json()["errors"][0], "INTERNAL")
    assert ext["details"]["ref"]
    assert json.loads(response.text)  # a JSON body, not an HTML error page
