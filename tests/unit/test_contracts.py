"""The committed contracts (openapi/openapi.json, openapi/schema.graphql) match the code.

When one of these fails after a deliberate API change, regenerate the files with
`ronghub openapi` (or `nox -s openapi`) and commit them with the change.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli import main
from hub.contracts import render_contracts

OPENAPI_DIR = Path(__file__).resolve().parents[2] / "openapi"
REGENERATE = "out of date: run `ronghub openapi` and commit openapi/"


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    return render_contracts()


@pytest.mark.parametrize("name", ["openapi.json", "schema.graphql"])
def test_committed_contract_matches_the_code(rendered: dict[str, str], name: str) -> None:
    committed = (OPENAPI_DIR / name).read_text(encoding="utf-8")
    assert committed == rendered[name], f"openapi/{name} {REGENERATE}"


def test_rendering_is_deterministic(rendered: dict[str, str]) -> None:
    assert render_contracts() == rendered


def test_openapi_check_fails_on_drift_and_names_the_fix(
    tmp_path: Path, rendered: dict[str, str]
) -> None:
    runner = CliRunner()
    for name, text in rendered.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert runner.invoke(main, ["openapi", "--check", "--out", str(tmp_path)]).exit_code == 0
    (tmp_path / "schema.graphql").write_text(rendered["schema.graphql"] + "type Stale { x: Int }\n")
    result = runner.invoke(main, ["openapi", "--check", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "ronghub openapi" in result.output


def test_graphql_endpoint_documents_request_responses_and_error_shape(
    rendered: dict[str, str],
) -> None:
    spec = json.loads(rendered["openapi.json"])
    post = spec["paths"]["/graphql"]["post"]
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert "required" not in body  # `query`, or a documentId, or an APQ hash
    assert set(body["properties"]) == {
        "query",
        "variables",
        "operationName",
        "documentId",
        "extensions",
    }
    assert set(post["responses"]) == {"200", "400", "401", "413", "415", "500"}
    schemas = spec["components"]["schemas"]
    assert set(schemas["GraphQLResponse"]["properties"]) == {"data", "errors"}
    assert set(schemas["ErrorExtensions"]["properties"]) == {
        "code",
        "message",
        "message_zh",
        "message_en",
        "details",
    }
    get = spec["paths"]["/graphql"]["get"]
    assert {p["name"] for p in get["parameters"]} == {
        "query",
        "variables",
        "operationName",
        "documentId",
        "extensions",
        "If-None-Match",
    }
    assert "304" in get["responses"]


def test_operations_endpoints_are_documented(rendered: dict[str, str]) -> None:
    paths = json.loads(rendered["openapi.json"])["paths"]
    assert set(paths["/readyz"]["get"]["responses"]) == {"200", "503"}
    assert "200" in paths["/healthz"]["get"]["responses"]
    assert "text/plain" in next(iter(paths["/metrics"]["get"]["responses"]["200"]["content"]))
