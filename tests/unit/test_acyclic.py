"""A GraphQL request's objects are freed when it ends, not by the cyclic collector
(hub/graphql/acyclic.py): graphql-core's executor held itself through its helpers."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

from hub.graphql.schema import build_schema
from hub.settings import Settings


class _Context:
    """Stands in for the request's Context (the executor holds it as `context_value`)."""


@pytest.mark.parametrize(
    ("query", "data"),
    [
        ("{ __typename }", {"__typename": "Query"}),
        ("{ a: __typename b: __typename }", {"a": "Query", "b": "Query"}),
    ],
)
def test_an_execution_leaves_nothing_for_the_collector(query: str, data: dict[str, str]) -> None:
    schema = build_schema(Settings(mongodb_uri=None))
    context = _Context()
    gone = weakref.ref(context)
    was_enabled = gc.isenabled()
    gc.disable()  # only reference counting frees anything while it runs
    try:
        result = asyncio.run(schema.execute(query, context_value=context))
        assert result.errors is None
        assert result.data == data
        del context, result
        assert gone() is None, "the execution's objects wait for the cyclic collector"
    finally:
        if was_enabled:
            gc.enable()
