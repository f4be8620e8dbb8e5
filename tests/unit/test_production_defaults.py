"""What a production hub does not give away: introspection, metrics, the development token."""

from __future__ import annotations

import io
from typing import Any

import pytest
from graphql import get_introspection_query
from rich.console import Console

from hub.cli import commands as cli
from hub.graphql.context import Context
from hub.graphql.schema import build_schema
from hub.rest.health import metrics_allowed
from hub.settings import Settings
from hub.store.scope import Scope

PRODUCTION: dict[str, Any] = {"env": "production", "key_encryption_secret": "x" * 32}


def banner(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> str:
    out = io.StringIO()
    monkeypatch.setattr(cli, "console", Console(file=out, width=200))
    cli._urls(settings)
    return out.getvalue()


def test_the_production_banner_never_mentions_the_development_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = banner(Settings(**PRODUCTION, dev_token="dev-token"), monkeypatch)
    assert "dev-token" not in text and "Token" not in text and "GraphiQL" not in text


def test_the_development_banner_shows_the_development_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert "Bearer dev-token  (开发令牌 / development)" in banner(
        Settings(env="development"), monkeypatch
    )


def _run(settings: Settings, query: str) -> Any:
    context = Context(scope=Scope(tenant="t", actor=None, public_only=True), settings=settings)
    return build_schema(settings).execute_sync(query, context_value=context)


def _introspect(settings: Settings) -> list[Any]:
    return list(_run(settings, get_introspection_query()).errors or [])


def test_introspection_is_off_in_production_by_default() -> None:
    errors = _introspect(Settings(**PRODUCTION))
    assert [e.extensions["code"] for e in errors] == ["INTROSPECTION_DISABLED"]
    assert errors[0].extensions["message_zh"] and errors[0].extensions["message_en"]
    typename = _run(Settings(**PRODUCTION), "{ __typename }")
    assert typename.errors is None and typename.data == {"__typename": "Query"}


def test_introspection_is_on_in_development_and_where_enabled() -> None:
    assert _introspect(Settings(env="development")) == []
    assert _introspect(Settings(**PRODUCTION, graphql_introspection=True)) == []
    assert [
        e.extensions["code"]
        for e in _introspect(Settings(env="development", graphql_introspection=False))
    ] == ["INTROSPECTION_DISABLED"]


@pytest.mark.parametrize(
    ("settings", "header", "allowed"),
    [
        ({"env": "development"}, None, True),
        ({"env": "development", "metrics_token": "scrape"}, None, False),
        ({"env": "development", "metrics_token": "scrape"}, "Bearer scrape", True),
        (PRODUCTION, None, False),
        (PRODUCTION, "Bearer ", False),
        (PRODUCTION, "Bearer dev-token", False),
        ({**PRODUCTION, "metrics_token": "scrape"}, "Bearer scrape", True),
        ({**PRODUCTION, "metrics_token": "scrape"}, "bearer scrape", True),
        ({**PRODUCTION, "metrics_token": "scrape"}, "Bearer scrap", False),
        ({**PRODUCTION, "metrics_token": "scrape"}, "Basic scrape", False),
    ],
)
def test_metrics_need_the_metrics_token_except_in_development_without_one(
    settings: dict[str, Any], header: str | None, allowed: bool
) -> None:
    assert metrics_allowed(header, Settings(**settings)) is allowed
