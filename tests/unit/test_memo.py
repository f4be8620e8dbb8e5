"""Which selections of the remembered read model's objects are kept completed
(hub/graphql/memo.py), and the view's bookkeeping of what is kept."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from graphql import FieldNode, GraphQLObjectType, OperationDefinitionNode, parse

from hub.graphql.memo import Shapes, memoizing_context
from hub.graphql.schema import HubSchema, build_schema
from hub.settings import Settings
from hub.store.published import SHAPES_PER_NODE, TenantView


@pytest.fixture(scope="module")
def schema() -> HubSchema:
    built = build_schema(Settings(mongodb_uri=None))
    assert isinstance(built, HubSchema)
    return built


def _shapes(schema: HubSchema) -> Shapes:
    # the Shapes the schema's execution context was made with (memoizing_context's cell)
    complete = schema.execution_context_class.__dict__["complete_object_value"]
    (shapes,) = [
        c.cell_contents for c in complete.__closure__ if isinstance(c.cell_contents, Shapes)
    ]
    return shapes


@dataclass
class Details:  # what graphql-core's collect_fields hands over per field node
    node: FieldNode
    defer_usage: object = None
    fragment_variable_values: object = None


def _story_shape(schema: HubSchema, selection: str) -> object:
    """The shape of `story(id:) { <selection> }`'s selection of a Story (None: not kept)."""
    document = parse(f'query($x: Boolean!) {{ story(id: "s") {{ {selection} }} }}')
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    field = operation.selection_set.selections[0]
    assert isinstance(field, FieldNode)
    story = schema._schema.type_map["Story"]
    assert isinstance(story, GraphQLObjectType)
    return _shapes(schema).of(story, [Details(field)])


@pytest.mark.parametrize(
    "selection",
    [
        "id title summary publishedAt column { name } cover { uri }",  # the bench's page
        "id title body tags source { sourceName reprint } type status __typename",
        "a: title b: title",
    ],
)
def test_selections_of_attributes_and_memo_safe_fields_are_kept(
    schema: HubSchema, selection: str
) -> None:
    assert _story_shape(schema, selection) is not None


@pytest.mark.parametrize(
    "selection",
    [
        "id url",  # the site pattern, read per request
        "id cover { url }",  # a signed URL: expires, and is noted per request
        'id cover { renditionUrl(spec: "thumb") }',  # arguments
        "id title @include(if: $x)",  # directives (variables)
        "id ... on Story { title }",  # fragments
        "id lock { holder }",  # guarded by the policy (newsroom only)
        "id assets { uri }",  # a resolver that is not memo-safe
        "id bodyText",  # ditto (a pure function of the body, but not declared so)
    ],
)
def test_selections_with_anything_per_request_are_never_kept(
    schema: HubSchema, selection: str
) -> None:
    assert _story_shape(schema, selection) is None


def test_a_shape_is_the_selection_not_its_text(schema: HubSchema) -> None:
    same = _story_shape(schema, "id  title column{name}")
    assert same == _story_shape(schema, "id title column { name }")
    assert same != _story_shape(schema, "title id column { name }")  # the answer's order
    assert same != _story_shape(schema, "id t: title column { name }")  # its keys


def test_the_schema_executes_with_the_memoizing_context(schema: HubSchema) -> None:
    assert schema.execution_context_class.__name__ == memoizing_context(_shapes(schema)).__name__


@dataclass(frozen=True)
class Doc:
    id: str


def test_the_view_keeps_completions_only_for_the_objects_it_built_and_while_it_holds_them() -> None:
    view = TenantView(generation=1, max_docs=2)
    a = view.node("n", Doc("a"), lambda d: [d.id])
    assert view.completions(["a"]) is None  # an equal object it did not build
    view.keep_completed(["a"], "shape", {"x": 1})  # ignored
    view.keep_completed(a, "shape", {"x": 1})
    assert view.completions(a) == {"shape": {"x": 1}}
    # a new document under the same id: the old object's completions go with it
    a2 = view.node("n", Doc("a"), lambda d: [d.id, 2])
    assert view.completions(a) is None and view.completions(a2) == {}
    b = view.node("n", Doc("b"), lambda d: [d.id])
    view.keep_completed(b, "shape", {"y": 1})
    view.node("n", Doc("c"), lambda d: [d.id])  # 3 > 2: the oldest (a2) goes
    assert view.completions(a2) is None and view.completions(b) == {"shape": {"y": 1}}
    assert len(view.completed) == len(view.nodes) == 2


def test_a_few_shapes_per_object_at_most() -> None:
    view = TenantView(generation=1, max_docs=10)
    a = view.node("n", Doc("a"), lambda d: [d.id])
    for n in range(SHAPES_PER_NODE + 1):
        view.keep_completed(a, f"shape{n}", n)
    kept = view.completions(a)
    assert kept is not None and 0 < len(kept) <= SHAPES_PER_NODE
    assert kept[f"shape{SHAPES_PER_NODE}"] == SHAPES_PER_NODE


def test_companions_are_built_once_per_key_and_go_with_their_owner() -> None:
    view = TenantView(generation=1, max_docs=1)
    story = view.node("n", Doc("a"), lambda d: [d.id])
    edge = view.companion(story, "cursor-1", lambda: ["edge", 1])
    assert view.companion(story, "cursor-1", lambda: ["again"]) is edge
    assert view.companion(story, "cursor-2", lambda: ["edge", 2]) == ["edge", 2]
    assert view.completions(edge) == {}  # its completions may be kept
    stranger = ["not built by the view"]
    first = view.companion(stranger, "cursor-1", lambda: ["edge"])
    assert view.companion(stranger, "cursor-1", lambda: ["edge"]) is not first
    assert view.completions(first) is None
    view.node("n", Doc("b"), lambda d: [d.id])  # 2 > 1: the story goes, and its edges
    assert view.completions(edge) is None and view.companions == {}
