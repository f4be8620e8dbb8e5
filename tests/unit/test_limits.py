"""The depth, alias and cost limits measured on the real schema with the default settings:
what an app or editor really asks passes, what multiplies beyond reason is refused."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import get_introspection_query, parse, specified_rules, validate

from hub.graphql.limits import LIST_ESTIMATE, Limits, make_limits_rule
from hub.graphql.schema import build_schema
from hub.settings import Settings

SETTINGS = Settings()
SCHEMA = build_schema(SETTINGS)._schema
STORY_FIELDS = (
    "id version status type title subtitle summary body bodyText tags byline language contentHash "
    "createdAt updatedAt publishedAt source { sourceName originalAuthor reprint } "
    "location { name latitude longitude } column { id name slug } cover { uri alt } assets { uri title }"
)


def measure(query: str, **overrides: Any) -> dict[str, Any] | None:
    """The limit error's details for `query`, or None if it passes every rule."""
    limits = Limits(
        max_depth=overrides.get("max_depth", SETTINGS.graphql_max_depth),
        max_aliases=overrides.get("max_aliases", SETTINGS.graphql_max_aliases),
        max_cost=overrides.get("max_cost", SETTINGS.graphql_max_cost),
        max_page=SETTINGS.graphql_max_page,
    )
    errors = validate(SCHEMA, parse(query), [*specified_rules, make_limits_rule(limits)])
    assert all(e.extensions for e in errors) or not errors, [e.message for e in errors]
    return errors[0].extensions["details"] if errors else None


def cost(query: str) -> int:
    details = measure(query, max_cost=0)
    assert details is not None
    return int(details["cost"])


@pytest.mark.parametrize(
    "query",
    [
        "{ stories { edges { node { id title column { name } cover { uri } assets { uri } } } pageInfo { endCursor hasNextPage } } }",
        "{ stories(first: 100) { edges { cursor node { " + STORY_FIELDS + " } } } }",
        '{ story(id: "x") { ' + STORY_FIELDS + " revisions { number title body createdAt author } } }",
        '{ diffStory(id: "x", fromRevision: 1, toRevision: 2) { changes { field before after hunks { op before after beforeStart afterStart } } } }',
        "{ columns { id name slug position } }",
        get_introspection_query(descriptions=True),
    ],
    ids=["app-page", "largest-page", "story-detail", "diff", "columns", "introspection"],
)
def test_real_queries_pass_with_the_default_limits(query: str) -> None:
    assert measure(query) is None


def test_an_omitted_first_costs_the_default_page() -> None:
    implicit = cost("{ stories { edges { node { id } } } }")
    assert implicit == cost("{ stories(first: 20) { edges { node { id } } } }")
    assert cost("{ stories(first: 1) { edges { node { id } } } }") < implicit


def test_a_variable_page_size_costs_the_largest_page() -> None:
    by_variable = cost("query($n: Int!) { stories(first: $n) { edges { node { id } } } }")
    assert by_variable == cost(f"{{ stories(first: {SETTINGS.graphql_max_page}) {{ edges {{ node {{ id }} }} }} }}")


def test_an_unpaged_list_of_objects_counts_several_items() -> None:
    one = cost('{ story(id: "x") { revisions { title } } }')
    assert one == 1 + (1 + LIST_ESTIMATE * 1)


def test_fragments_are_measured_like_inline_selections() -> None:
    inline = cost("{ stories(first: 10) { edges { node { id title } } } }")
    spread = cost("query { stories(first: 10) { edges { node { ...F } } } } fragment F on Story { id title }")
    assert spread == inline


def test_revisions_of_a_hundred_stories_in_several_aliases_are_too_costly() -> None:
    page = "stories(first: 100) { edges { node { id revisions { number title body } } } }"
    assert measure(f"{{ a: {page} }}") is None
    refused = measure(f"{{ a: {page} b: {page} c: {page} }}")
    assert refused is not None and refused["cost"] > SETTINGS.graphql_max_cost
