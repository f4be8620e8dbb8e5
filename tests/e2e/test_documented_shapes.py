"""What the hub answers has the shapes the OpenAPI document promises (hub/rest/openapi_docs.py)."""

from __future__ import annotations

import httpx
import msgspec

from hub.rest.openapi_docs import ErrorResponse, GraphQLResponse, Readiness


def _error_code(response: httpx.Response) -> str:
    body = msgspec.json.decode(response.content, type=ErrorResponse)
    ext = body.errors[0].extensions
    assert ext.message == ext.message_zh and ext.message_en
    return ext.code


async def test_bad_json_is_a_documented_400(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert _error_code(response) == "BAD_REQUEST"


async def test_a_wrong_token_is_a_documented_401(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"authorization": "Bearer nope"}
    )
    assert response.status_code == 401
    assert _error_code(response) == "UNAUTHENTICATED"


async def test_an_oversized_body_is_a_documented_413(http: httpx.AsyncClient, hub_settings) -> None:
    big = "x" * (hub_settings.max_request_bytes + 10)
    response = await http.post("/graphql", json={"query": big})
    assert response.status_code == 413
    assert _error_code(response) == "REQUEST_TOO_LARGE"


async def test_graphql_errors_come_back_in_the_documented_response(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": "{ noSuchField }"})
    assert response.status_code == 200
    body = msgspec.json.decode(response.content, type=GraphQLResponse)
    assert body.errors and body.errors[0].extensions.code == "GRAPHQL_VALIDATION"


async def test_readiness_has_the_documented_shape(http: httpx.AsyncClient) -> None:
    response = await http.get("/readyz")
    assert response.status_code == 200
    assert msgspec.json.decode(response.content, type=Readiness).store == "ok"
