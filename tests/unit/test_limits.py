"""The depth, alias and cost limits measured on the real schema with the default settings:
what an app or editor really asks passes, what multiplies beyond reason is refused."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import get_introspection_query, parse, specified_rules, validate

from hub.graphql.limits import LIST_ESTIMATE, Limits, check
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
        max_introspection_depth=overrides.get(
            "max_introspection_depth", SETTINGS.graphql_max_introspection_depth
        ),
        max_repeats=overrides.get("max_repeats", SETTINGS.graphql_max_repeats),
        introspection=overrides.get("introspection", True),
    )
    document = parse(query)
    error = check(SCHEMA, document, limits)
    if error is None:
        assert validate(SCHEMA, document, specified_rules) == []
        return None
    assert error.extensions
    return dict(error.extensions["details"], code=error.extensions["code"])


def cost(query: str) -> int:
    details = measure(query, max_cost=0)
    assert details is not None and details["code"] == "QUERY_TOO_COSTLY"
    return int(details["cost"])


@pytest.mark.parametrize(
    "query",
    [
        "{ stories { edges { node { id title column { name } cover { uri } assets { uri } } } pageInfo { endCursor hasNextPage } } }",
        "{ stories(first: 100) { edges { cursor node { " + STORY_FIELDS + " } } } }",
        '{ story(id: "x") { '
        + STORY_FIELDS
        + " revisions { number title body createdAt author } } }",
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
    assert by_variable == cost(
        f"{{ stories(first: {SETTINGS.graphql_max_page}) {{ edges {{ node {{ id }} }} }} }}"
    )


def test_an_unpaged_list_of_objects_counts_several_items() -> None:
    one = cost('{ story(id: "x") { revisions { title } } }')
    assert one == 1 + (1 + LIST_ESTIMATE * 1)


def test_fragments_are_measured_like_inline_selections() -> None:
    inline = cost("{ stories(first: 10) { edges { node { id title } } } }")
    spread = cost(
        "query { stories(first: 10) { edges { node { ...F } } } } fragment F on Story { id title }"
    )
    assert spread == inline


def test_revisions_of_a_hundred_stories_in_several_aliases_are_too_costly() -> None:
    page = "stories(first: 100) { edges { node { id revisions { number title body } } } }"
    assert measure(f"{{ a: {page} }}") is None
    refused = measure(f"{{ a: {page} b: {page} c: {page} }}")
    assert refused is not None and refused["cost"] > SETTINGS.graphql_max_cost


# ---- hostile documents: measured in linear time, refused with a code ----------------
def fan_out(levels: int, on: str = "Story", leaf: str = "id title") -> str:
    """Each fragment spreads the previous one twice: 2^levels copies of `leaf` in ~40 bytes a level."""
    parts = [f"fragment F0 on {on} {{ {leaf} }}"]
    parts += [f"fragment F{i} on {on} {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)]
    return "\n".join(parts)


def timed_measure(query: str, **overrides: Any) -> dict[str, Any] | None:
    import time

    started = time.perf_counter()
    details = measure(query, **overrides)
    assert time.perf_counter() - started < 2.0, "the limits check must be linear in the document"
    return details


@pytest.mark.parametrize("levels", [30, 200])
def test_a_fragment_fan_out_is_too_costly_at_once(levels: int) -> None:
    query = f"{{ stories {{ edges {{ node {{ ...F{levels} }} }} }} }}\n" + fan_out(levels)
    details = timed_measure(query)
    assert details is not None and details["code"] == "QUERY_TOO_COSTLY"
    assert details["cost"] > 2**30


def test_a_fan_out_on_the_query_type_is_too_costly_at_once() -> None:
    details = timed_measure("{ ...F40 }\n" + fan_out(40, on="Query", leaf="columns { id }"))
    assert details is not None and details["code"] == "QUERY_TOO_COSTLY"


def test_a_fan_out_inside_introspection_is_too_costly_at_once() -> None:
    details = timed_measure(
        "{ __schema { types { ...F40 } } }\n" + fan_out(40, on="__Type", leaf="name")
    )
    assert details is not None and details["code"] == "QUERY_TOO_COSTLY"


def test_a_field_repeated_beyond_the_limit_is_refused_naming_it() -> None:
    n = SETTINGS.graphql_max_repeats + 1
    details = timed_measure("{ " + "columns { id } " * n + "}")
    assert details == {
        "code": "FIELD_REPEATED",
        "field": "columns",
        "count": n,
        "limit": SETTINGS.graphql_max_repeats,
    }
    assert measure("{ " + "columns { id } " * (n - 1) + "}") is None


def test_repetition_through_fragments_is_counted() -> None:
    details = timed_measure(
        "{ stories(first: 1) { edges { node { ...F5 } } } }\n" + fan_out(5, leaf="id")
    )
    assert details is not None and details["code"] == "FIELD_REPEATED" and details["count"] == 32


def test_introspection_counts_towards_its_own_depth_limit() -> None:
    chain = "fields { type { " + "ofType { " * 20 + "name" + " }" * 20 + " } }"
    details = timed_measure('{ __type(name: "Story") { ' + chain + " } }")
    assert details is not None and details["code"] == "QUERY_TOO_DEEP"
    assert details == {
        "code": "QUERY_TOO_DEEP",
        "depth": 24,
        "limit": SETTINGS.graphql_max_introspection_depth,
    }
    assert (
        measure('{ __type(name: "Story") { ' + chain + " } }", max_introspection_depth=24) is None
    )


def test_introspection_deeper_than_the_data_limit_passes_within_its_own() -> None:
    chain = (
        "fields { type { " + "ofType { " * 8 + "name" + " }" * 8 + " } }"
    )  # 12 deep: more than max_depth 10
    assert SETTINGS.graphql_max_depth < 12 <= SETTINGS.graphql_max_introspection_depth
    assert measure('{ __type(name: "Story") { ' + chain + " } }") is None


def test_introspection_is_refused_when_disabled_but_typename_is_not() -> None:
    details = measure("{ __schema { queryType { name } } }", introspection=False)
    assert details == {"code": "INTROSPECTION_DISABLED"}
    details = measure(
        'query { ...Q } fragment Q on Query { __type(name: "Story") { name } }', introspection=False
    )
    assert details == {"code": "INTROSPECTION_DISABLED"}
    assert measure("{ __typename columns { __typename id } }", introspection=False) is None


def test_a_long_fragment_chain_does_not_exhaust_the_stack() -> None:
    n = 1_500
    parts = [f"{{ columns {{ ...F{n} }} }}", "fragment F0 on Column { id }"]
    parts += [f"fragment F{i} on Column {{ ...F{i - 1} }}" for i in range(1, n + 1)]
    document = parse("\n".join(parts))
    limits = Limits(max_depth=10, max_aliases=30, max_cost=10_000, max_page=100)
    assert check(SCHEMA, document, limits) is None


def test_fragment_cycles_are_left_to_validation_without_hanging() -> None:
    query = (
        "{ columns { ...A } } fragment A on Column { id ...B } fragment B on Column { name ...A }"
    )
    limits = Limits(max_depth=10, max_aliases=30, max_cost=10_000, max_page=100)
    assert check(SCHEMA, parse(query), limits) is None
    assert validate(SCHEMA, parse(query), specified_rules)  # NoFragmentCyclesRule


def test_a_huge_page_literal_is_a_big_cost_not_a_bignum() -> None:
    details = timed_measure("{ stories(first: " + "9" * 5000 + ") { edges { node { id } } } }")
    assert details is not None and details["code"] == "QUERY_TOO_COSTLY"


def test_same_named_fields_merge_their_sub_selections_before_counting() -> None:
    """Execution (and graphql-core's pairwise check) merges `columns { id }` twice into one
    `columns` selecting `id` twice: 2 x 20 ids is over the limit though no selection set is."""
    query = "{ columns { ...C } columns { ...C } } fragment C on Column { " + "id " * 20 + "}"
    details = timed_measure(query)
    assert details == {
        "code": "FIELD_REPEATED",
        "field": "id",
        "count": 40,
        "limit": SETTINGS.graphql_max_repeats,
    }
    assert (
        measure("{ columns { ...C } columns { ...C } } fragment C on Column { " + "id " * 15 + "}")
        is None
    )


def test_a_fragment_cycle_through_nested_fields_is_left_to_validation() -> None:
    query = '{ __type(name: "Story") { ...T } } fragment T on __Type { name ofType { ...T } }'
    limits = Limits(max_depth=10, max_aliases=30, max_cost=10_000, max_page=100)
    assert check(SCHEMA, parse(query), limits) is None
    assert validate(SCHEMA, parse(query), specified_rules)


def test_a_refusal_skips_graphql_cores_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    """graphql-core's own rules expand fragments too: they must not see a refused document
    (a strawberry upgrade that ran them first would bring the fan-out back)."""
    import strawberry.schema.schema as strawberry_schema

    from hub.graphql.context import Context
    from hub.store.scope import Scope

    def must_not_run(*_: Any) -> list[Any]:
        raise AssertionError("validation ran on a refused document")

    monkeypatch.setattr(strawberry_schema, "validate_document", must_not_run)
    schema = build_schema(SETTINGS)
    context = Context(scope=Scope(tenant="t", actor=None, public_only=True), settings=SETTINGS)
    query = "{ stories { edges { node { ...F30 } } } }\n" + fan_out(30)
    result = schema.execute_sync(query, context_value=context)
    assert [e.extensions["code"] for e in result.errors or []] == ["QUERY_TOO_COSTLY"]
