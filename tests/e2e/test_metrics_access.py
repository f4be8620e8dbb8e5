"""/metrics over real HTTP: behind the metrics token when one is set (always in production)."""

from __future__ import annotations

import httpx
import pytest

from hub.settings import Settings
from tests.hostile.helpers import refused


async def test_metrics_refuse_a_scraper_without_the_token(
    http: httpx.AsyncClient, hub_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_settings, "metrics_token", "scrape-secret")
    refused(await http.get("/metrics"), "UNAUTHENTICATED", 401)
    refused(
        await http.get("/metrics", headers={"authorization": "Bearer wrong"}),
        "UNAUTHENTICATED",
        401,
    )
    ok = await http.get("/metrics", headers={"authorization": "Bearer scrape-secret"})
    assert ok.status_code == 200 and "ronghub_graphql_requests_total" in ok.text


async def test_metrics_in_production_without_a_token_are_closed(
    http: httpx.AsyncClient, hub_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_settings, "env", "production")
    refused(await http.get("/metrics"), "UNAUTHENTICATED", 401)
