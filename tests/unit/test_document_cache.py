"""Parsed and checked documents kept by their text (hub/graphql/document_cache.py): a known
text is neither parsed nor checked again, its verdict (errors included) is the same each
time, and the cache stays bounded."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse

from hub.graphql.context import Context
from hub.graphql.document_cache import DocumentCache
from hub.graphql.schema import build_schema
from hub.settings import Settings
from hub.store.scope import Scope

SETTINGS = Settings()


def _context() -> Context:
    return Context(scope=Scope(tenant="t", actor=None, public_only=True), settings=SETTINGS)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often strawberry parsed, the limits checked and graphql-core validated a document."""
    import strawberry.schema.schema as strawberry_schema

    import hub.graphql.limits as limits

    calls = {"parse": 0, "check": 0, "validate": 0}

    def counting(name: str, real: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return real(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(strawberry_schema, "parse", counting("parse", strawberry_schema.parse))
    monkeypatch.setattr(
        strawberry_schema,
        "validate_document",
        counting("validate", strawberry_schema.validate_document),
    )
    monkeypatch.setattr(limits, "check", counting("check", limits.check))
    return calls


def test_the_same_text_with_other_variables_is_parsed_and_checked_once(
    counted: dict[str, int],
) -> None:
    schema = build_schema(SETTINGS)
    query = "query($a: Boolean!) { __typename x: __typename @include(if: $a) }"
    for n in range(5):
        result = schema.execute_sync(
            query, variable_values={"a": n % 2 == 1}, context_value=_context()
        )
        assert result.errors is None
        assert result.data == (
            {"__typename": "Query", "x": "Query"} if n % 2 else {"__typename": "Query"}
        )
    assert counted == {"parse": 1, "check": 1, "validate": 1}


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ stories { edges { node { id title nope } } } }", "GRAPHQL_VALIDATION"),
        ("{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }", "TOO_MANY_ALIASES"),
    ],
)
def test_a_refused_text_gets_the_same_errors_every_time_without_being_checked_again(
    counted: dict[str, int], query: str, code: str
) -> None:
    schema = build_schema(SETTINGS)
    first = schema.execute_sync(query, context_value=_context())
    again = schema.execute_sync(query, context_value=_context())
    assert first.errors and again.errors
    assert [e.extensions["code"] for e in again.errors] == [code]  # type: ignore[index]
    assert [e.formatted for e in again.errors] == [e.formatted for e in first.errors]
    assert counted["parse"] == 1 and counted["check"] == 1


def test_a_syntax_error_is_not_kept_and_is_reported_each_time(counted: dict[str, int]) -> None:
    schema = build_schema(SETTINGS)
    for _ in range(2):
        result = schema.execute_sync("{ stories { ", context_value=_context())
        assert [e.extensions["code"] for e in result.errors or []] == ["GRAPHQL_SYNTAX"]  # type: ignore[index]
    assert counted["parse"] == 2


def test_the_cache_keeps_the_most_recent_texts_and_never_long_ones() -> None:
    cache = DocumentCache(max_entries=2, max_chars=40)
    doc = parse("{ a }")
    for text in ("{ a }", "{ b }", "{ c }"):
        cache.put(text, doc, [])
    assert (
        cache.get("{ a }") is None
        and cache.get("{ b }") is not None
        and cache.get("{ c }") is not None
    )
    cache.put("{ " + "x " * 30 + "}", doc, [])
    assert len(cache) == 2
    assert DocumentCache(max_entries=0).put("{ a }", doc, []) is None and len(DocumentCache(0)) == 0
