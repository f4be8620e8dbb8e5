"""Depth, alias and cost limits as one graphql-core validation rule.

Cost: every field costs 1; a list field with a `first` argument multiplies the cost
of what it selects by that number (a variable counts as the largest page allowed).
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
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)

from hub.errors import Codes, HubError


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
            cost = self._cost(node.selection_set, set())
            if cost > limits.max_cost:
                self.report_error(_error(HubError(Codes.QUERY_TOO_COSTLY, cost=cost, limit=limits.max_cost), node))

        def _fields(self, sel: SelectionSetNode | None, seen: set[str]) -> list[FieldNode]:
            out: list[FieldNode] = []
            if sel is None:
                return out
            for s in sel.selections:
                if isinstance(s, FieldNode):
                    out.append(s)
                elif isinstance(s, InlineFragmentNode):
                    out.extend(self._fields(s.selection_set, seen))
                elif isinstance(s, FragmentSpreadNode):
                    name = s.name.value
                    frag = self.fragments.get(name)
                    if frag is not None and name not in seen:  # cycles are another rule's job
                        out.extend(self._fields(frag.selection_set, seen | {name}))
            return out

        def _aliases(self, sel: SelectionSetNode | None, seen: set[str]) -> int:
            return sum(
                (1 if f.alias else 0) + self._aliases(f.selection_set, seen)
                for f in self._fields(sel, seen)
            )

        def _depth(self, sel: SelectionSetNode | None, level: int, seen: set[str]) -> int:
            fields = self._fields(sel, seen)
            if not fields:
                return level
            return max(
                self._depth(f.selection_set, level + 1, seen) if f.selection_set else level + 1
                for f in fields
            )

        def _cost(self, sel: SelectionSetNode | None, seen: set[str]) -> int:
            total = 0
            for f in self._fields(sel, seen):
                if f.name.value.startswith("__"):
                    continue
                inner = self._cost(f.selection_set, seen) if f.selection_set else 0
                total += 1 + inner * self._multiplier(f)
            return total

        @staticmethod
        def _multiplier(f: FieldNode) -> int:
            for arg in f.arguments or ():
                if arg.name.value in ("first", "last"):
                    if isinstance(arg.value, IntValueNode):
                        return max(1, int(arg.value.value))
                    return limits.max_page
            return 1

    return LimitsRule
