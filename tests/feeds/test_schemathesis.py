"""schemathesis against the committed openapi/openapi.json, on the session's real hub:
the /feeds endpoints answer no 5xx and nothing undocumented (status, content type,
headers, body schema), for generated input and for a real partner's subscription."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.feeds.helpers import make_partner, publish, subscribe

OPENAPI = Path(__file__).parents[2] / "openapi" / "openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


# schemathesis' own strategies draw from `random` (a hypothesis deprecation, not ours)
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
async def test_feeds_conform_to_the_openapi_document(
    http: httpx.AsyncClient, hub_url: str, drain: Any
) -> None:
    partner = await make_partner(http)
    sub = await subscribe(http, partner)
    await publish(http, partner, "接口一致性")
    await drain()
    schema = schemathesis.openapi.from_path(str(OPENAPI)).include(path_regex="^/feeds")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {
        "/feeds/jwks.json",
        "/feeds/{subscription_id}/feed.json",
        "/feeds/{subscription_id}/feed.ninjs.json",
        "/feeds/{subscription_id}/rss.xml",
        "/feeds/{subscription_id}/atom.xml",
    }
    token = partner.headers["authorization"]
    seen: set[int] = set()

    def run() -> None:
        for op in operations:
            # generated input; a partner's token with generated ids; its real subscription
            for mode in ("generated", "token", "real"):

                @settings(
                    max_examples=25,
                    deadline=None,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                )
                @given(case=op.as_strategy())
                def check(case: Any) -> None:
                    if mode != "generated":  # noqa: B023
                        case.headers = {**(case.headers or {}), "Authorization": token}
                    if mode == "real" and "subscription_id" in (case.path_parameters or {}):  # noqa: B023
                        case.path_parameters["subscription_id"] = sub["id"]
                    response = case.call(base_url=hub_url)
                    seen.add(response.status_code)
                    case.validate_response(response, checks=CHECKS)

                check()

    await asyncio.to_thread(run)
    assert {200, 400, 401, 404} <= seen, seen  # generated and real requests both reached the feeds
