"""Depth, alias and cost limits as one graphql-core validation rule.

Depth counts the data fields of the deepest path; introspection (`__schema`, `__type`)
is left out, because graphql-core's own MaxIntrospectionDepthRule bounds it and the
standard introspection query of GraphiQL and code generators is deeper than any data
query (its `ofType` chain alone is nine levels).

Cost: every field costs 1. A field with a `first`/`last` argument multiplies the cost of
what it selects by that page size: the literal given, the largest page allowed for a
variable, or the argument's default when it is left out. Any other list of objects
(a story's revisions, assets, ...) multiplies by LIST_ESTIMATE. Introspection is free.
Token limits are enforced by the parser (strawberry's MaxTokensLimiter).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    get_named_type,
    get_nullable_type,
)

from hub.errors import Codes, HubError

LIST_ESTIMATE = 10
"""Assumed length of a list field that has no page argument."""

_Parent = GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType | None


@dataclass(frozen=True)
class Limits:
    max_depth: int
    max_aliases: int
    max_cost: int
    max_page: int


def _error(err: HubError, node: Any) -> GraphQLError:
    return GraphQLError(err.message_zh, nodes=[node], extensions=err.as_dict())


def make_limits_rule(limits: Limits) -> type[ValidationRule]:
    class LimitsRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.schema = context.schema
            self.fragments: dict[str, FragmentDefinitionNode] = {
                d.name.value: d
                for d in context.document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            aliases = self._aliases(node.selection_set, set())
            if aliases > limits.max_aliases:
                self.report_error(_error(HubError(Codes.TOO_MANY_ALIASES, count=aliases, limit=limits.max_aliases), node))
                return
            depth = self._depth(node.selection_set, 0, set())
            if depth > limits.max_depth:
                self.report_error(_error(HubError(Codes.QUERY_TOO_DEEP, depth=depth, limit=limits.max_depth), node))
                return
            root = {
                OperationType.QUERY: self.schema.query_type,
                OperationType.MUTATION: self.schema.mutation_type,
                OperationType.SUBSCRIPTION: self.schema.subscription_type,
            }.get(node.operation)
            cost = self._cost(node.selection_set, root, set())
            if cost > limits.max_cost:
                self.report_error(_error(HubError(Codes.QUERY_TOO_COSTLY, cost=cost, limit=limits.max_cost), node))

        def _fields(self, sel: SelectionSetNode | None, seen: set[str]) -> list[FieldNode]:
            return [f for f, _ in self._typed_fields(sel, None, seen)]

        def _typed_fields(
            self, sel: SelectionSetNode | None, parent: _Parent, seen: set[str]
        ) -> list[tuple[FieldNode, _Parent]]:
            """The fields of a selection with fragments flattened, each with its parent type."""
            out: list[tuple[FieldNode, _Parent]] = []
            if sel is None:
                return out
            for s in sel.selections:
                if isinstance(s, FieldNode):
                    out.append((s, parent))
                elif isinstance(s, InlineFragmentNode):
                    out.extend(self._typed_fields(s.selection_set, self._condition(s, parent), seen))
                elif isinstance(s, FragmentSpreadNode):
                    name = s.name.value
                    frag = self.fragments.get(name)
                    if frag is not None and name not in seen:  # cycles are another rule's job
                        out.extend(self._typed_fields(frag.selection_set, self._condition(frag, parent), seen | {name}))
            return out

        def _condition(self, frag: InlineFragmentNode | FragmentDefinitionNode, parent: _Parent) -> _Parent:
            if frag.type_condition is None:
                return parent
            found = self.schema.get_type(frag.type_condition.name.value)
            return found if isinstance(found, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType) else None

        def _aliases(self, sel: SelectionSetNode | None, seen: set[str]) -> int:
            return sum(
                (1 if f.alias else 0) + self._aliases(f.selection_set, seen)
                for f in self._fields(sel, seen)
            )

        def _depth(self, sel: SelectionSetNode | None, level: int, seen: set[str]) -> int:
            fields = [f for f in self._fields(sel, seen) if not f.name.value.startswith("__")]
            if not fields:
                return level
            return max(
                self._depth(f.selection_set, level + 1, seen) if f.selection_set else level + 1
                for f in fields
            )

        def _cost(self, sel: SelectionSetNode | None, parent: _Parent, seen: set[str], paged: bool = False) -> int:
            """`paged`: sel belongs to a paged field, whose `edges` list the page size bounds."""
            total = 0
            for f, owner in self._typed_fields(sel, parent, seen):
                if f.name.value.startswith("__"):
                    continue
                definition = None
                if isinstance(owner, GraphQLObjectType | GraphQLInterfaceType):
                    definition = owner.fields.get(f.name.value)
                child: _Parent = None
                if definition is not None:
                    named = get_named_type(definition.type)
                    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
                        child = named
                page = self._page(f, definition)
                inner = self._cost(f.selection_set, child, seen, paged=page is not None) if f.selection_set else 0
                if page is not None:
                    multiplier = page
                elif not paged and self._is_object_list(f, definition):
                    multiplier = LIST_ESTIMATE
                else:
                    multiplier = 1
                total += 1 + inner * multiplier
            return total

        @staticmethod
        def _page(f: FieldNode, definition: Any) -> int | None:
            """The page size of a paged field (given, largest for a variable, or default)."""
            for arg in f.arguments or ():
                if arg.name.value in ("first", "last"):
                    if isinstance(arg.value, IntValueNode):
                        return max(1, int(arg.value.value))
                    return limits.max_page
            if definition is not None:
                for name in ("first", "last"):
                    arg_def = definition.args.get(name)
                    if arg_def is not None and isinstance(arg_def.default_value, int):
                        return max(1, arg_def.default_value)
            return None

        @staticmethod
        def _is_object_list(f: FieldNode, definition: Any) -> bool:
            return (
                definition is not None
                and f.selection_set is not None
                and isinstance(get_nullable_type(definition.type), GraphQLList)
            )

    return LimitsRule
