"""Completed selections of the remembered read model's objects, kept with the objects.

graphql-core completes every field of every object afresh: a column page of 20 stories
runs about 190 fields through its executor (a resolver call, a resolve info, value
completion), most of the hub's CPU for such a page. Yet for anonymous readers the
stories, columns and covers are objects built once per remembered document
(`TenantView.node`, hub/store/published.py), read-only and shared by the requests,
and most of what a page asks of them depends on nothing but the object: its plain
attribute fields, and the column and cover the process knows for it.

So when a request of an anonymous reader completes such an object with a *pure*
selection, the completed value (the very dict graphql-core built) is kept with the
object in the tenant's view, under the selection's shape, and the next request asking
the same shape of the same object takes it as it is. A selection is pure when every
field in it, nested ones too, is

- a field without a resolver of its own (an attribute of the object), or one declared
  `memo_safe` (it answers from the object and the request's remembered view only:
  `Story.column`, `Story.cover`);
- not guarded by the hub's `resolve` hooks (the authorizer, hub/graphql/schema.py);
- without arguments and without directives (no variables can reach it), and
- of a leaf type or of an object type with a pure selection (no interfaces or unions,
  no fragments).

Kept only when the completion finished at once (nothing awaited: a cover still being
loaded is completed again next time) and added no error. The view belongs to one
generation of the tenant's read model, so what is kept goes with it when published
content changes, exactly as the objects themselves do (and the response cache).

The shape of a selection is a plain tuple (the type, and per response key its field
and sub-shape), found once per selection of a parsed document and remembered in a
bounded table keyed by the identity of its field nodes (held there, so an identity is
never reused while its entry lives); kept values are keyed by the shape itself, so
structurally equal selections of different documents share them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Sequence
from typing import Any

from graphql import (
    FieldNode,
    GraphQLObjectType,
    GraphQLResolveInfo,
    get_named_type,
    is_leaf_type,
    is_object_type,
)
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from hub.graphql.acyclic import weak_helpers

#: Key in a strawberry field's `metadata` declaring its resolver memo-safe (see above).
MEMO_SAFE = "hub.memo_safe"
#: Selections whose shape (or impurity) is remembered, per schema.
SHAPES_KEPT = 4096

Shape = Hashable


def memo_safe() -> dict[str, bool]:
    """`metadata=memo_safe()` on a `strawberry.field` whose resolver answers from the object
    and the request's remembered view only (no other I/O, no per-request state, no clock)."""
    return {MEMO_SAFE: True}


def selection_shape(
    parent: GraphQLObjectType, nodes: Sequence[FieldNode], pure: frozenset[tuple[str, str]]
) -> Shape | None:
    """The shape of the selection `nodes` make of a `parent` object, None if not pure."""
    grouped: dict[str, list[FieldNode]] = {}
    for node in nodes:
        if node.selection_set is None:
            return None
        for selection in node.selection_set.selections:
            if not isinstance(selection, FieldNode) or selection.directives or selection.arguments:
                return None
            key = (selection.alias or selection.name).value
            grouped.setdefault(key, []).append(selection)
    parts: list[tuple[str, str, Shape | None]] = []
    for key, fields in grouped.items():
        name = fields[0].name.value
        if any(f.name.value != name for f in fields):
            return None  # refused by validation; never kept
        if name == "__typename":
            parts.append((key, name, None))
            continue
        field = parent.fields.get(name)
        if field is None or (parent.name, name) not in pure:
            return None
        named = get_named_type(field.type)
        sub: Shape | None = None
        if is_object_type(named):
            sub = selection_shape(named, fields, pure)
            if sub is None:
                return None
        elif not is_leaf_type(named):
            return None  # interfaces and unions: their runtime type decides
        parts.append((key, name, sub))
    return (parent.name, tuple(parts))


class Shapes:
    """Per schema: the shape of each selection seen (by its field nodes' identity)."""

    def __init__(self, pure: frozenset[tuple[str, str]], max_entries: int = SHAPES_KEPT) -> None:
        self.pure = pure
        self.max_entries = max_entries
        # key -> (the nodes, held so their ids stay theirs, and the shape or None)
        self._known: OrderedDict[
            tuple[str, tuple[int, ...]], tuple[tuple[FieldNode, ...], Shape | None]
        ] = OrderedDict()

    def of(self, parent: GraphQLObjectType, field_details_list: Sequence[Any]) -> Shape | None:
        nodes = tuple(d.node for d in field_details_list)
        key = (parent.name, tuple(map(id, nodes)))
        known = self._known.get(key)
        if known is not None:
            return known[1]
        if any(d.defer_usage is not None or d.fragment_variable_values for d in field_details_list):
            shape = None
        else:
            shape = selection_shape(parent, nodes, self.pure)
        self._known[key] = (nodes, shape)
        if len(self._known) > self.max_entries:
            self._known.popitem(last=False)
        return shape


def memoizing_context(shapes: Shapes) -> type[StrawberryGraphQLCoreExecutionContext]:
    """strawberry's execution context with completed selections kept (see the module doc)."""

    class MemoizingExecutionContext(StrawberryGraphQLCoreExecutionContext):
        # the last selection looked up and its shape: the items of a list share one
        # field details list (held here, so its identity stays its own)
        _last: tuple[Any, Any, Shape | None] = (None, None, None)

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            # no executor -> helpers -> executor cycle: the request is freed when it ends
            self.async_helpers = weak_helpers(self)

        def complete_object_value(
            self,
            return_type: GraphQLObjectType,
            field_details_list: Any,
            info: GraphQLResolveInfo,
            path: Path,
            result: Any,
            position_context: Any,
        ) -> Any:
            view = getattr(self.context_value, "published_view", None)
            if view is None or (kept := view.completions(result)) is None:
                return super().complete_object_value(
                    return_type, field_details_list, info, path, result, position_context
                )
            last_list, last_type, shape = self._last
            if last_list is not field_details_list or last_type is not return_type:
                shape = shapes.of(return_type, field_details_list)
                self._last = (field_details_list, return_type, shape)
            if shape is None:
                return super().complete_object_value(
                    return_type, field_details_list, info, path, result, position_context
                )
            done = kept.get(shape)
            if done is not None:
                return done
            errors = len(self.collected_errors.errors)
            completed = super().complete_object_value(
                return_type, field_details_list, info, path, result, position_context
            )
            if not self.is_awaitable(completed) and len(self.collected_errors.errors) == errors:
                view.keep_completed(result, shape, completed)
            return completed

    return MemoizingExecutionContext
