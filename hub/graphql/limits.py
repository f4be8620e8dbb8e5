"""Depth, alias, cost and repetition limits, checked in one linear pass before validation.

The pass runs before graphql-core's own validation rules (`QueryLimits.on_validate`
fills the pre-execution errors, so strawberry skips `validate`): those rules expand
fragment spreads and compare same-named fields pairwise, which a small hostile document
(a fragment spreading the previous one twice, 30 levels) turns into minutes of work.
Here each fragment is measured once per `paged` context, in dependency order, and a
spread adds the fragment's memoized measure, so the work is linear in the document.
Numbers saturate at `_CAP`, so a fan-out of 2^30 fields is refused at once.

Depth counts the fields of the deepest path. Paths through `__schema`/`__type`
(introspection) are measured against `max_introspection_depth` instead of `max_depth`:
the standard introspection query of GraphiQL and code generators is deeper than any
data query (its `ofType` chain alone is nine levels) but is still bounded.

Cost: every field costs 1. A field with a `first`/`last` argument multiplies the cost of
what it selects by that page size: the literal given, the largest page allowed for a
variable, or the argument's default when it is left out. Any other list of objects
(a story's revisions, assets, ...) multiplies by LIST_ESTIMATE. Introspection fields
cost 1 each without multipliers (they are answered from memory). Fragments count as
if written out where they are spread.

Repetition: one response name selected more than `max_repeats` times in one selection,
fragments written out and same-named fields' sub-selections merged as execution merges
them, is refused: graphql-core compares such fields pairwise. It is checked by writing
the operation out, which is safe only once its cost (at least 1 a field) has passed.
Token limits are enforced by the parser (strawberry's MaxTokensLimiter).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    Node,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
)
from strawberry.extensions import SchemaExtension

from hub.errors import Codes, HubError

LIST_ESTIMATE = 10
"""Assumed length of a list field that has no page argument."""

INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})
_CAP = 1 << 62
"""Measures saturate here: a fan-out's true size is never computed."""

_Parent = GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType | None


@dataclass(frozen=True)
class Limits:
    max_depth: int
    max_aliases: int
    max_cost: int
    max_page: int
    max_introspection_depth: int = 20
    max_repeats: int = 30
    introspection: bool = True


@dataclass(frozen=True, slots=True)
class Measure:
    """What a selection set amounts to once its fragments are written out."""

    aliases: int = 0
    depth: int = 0
    """deepest path outside introspection"""
    introspection_depth: int = 0
    """deepest path through `__schema`/`__type`"""
    cost: int = 0


_EMPTY = Measure()


def _add(a: int, b: int) -> int:
    return min(_CAP, a + b)


def _mul(a: int, b: int) -> int:
    return min(_CAP, a * b)


class _Refused(Exception):
    def __init__(self, error: HubError, node: Node) -> None:
        self.error = error
        self.node = node


class _Measurer:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, limits: Limits) -> None:
        self.schema = schema
        self.limits = limits
        self.fragments: dict[str, FragmentDefinitionNode] = {}
        for d in document.definitions:
            if isinstance(d, FragmentDefinitionNode):
                self.fragments.setdefault(d.name.value, d)
        self.memo: dict[tuple[str, bool], Measure] = {}

    # -- fragments, once each, dependencies first -------------------------------------
    def measure_fragments(self) -> None:
        for name in self._dependency_order():
            frag = self.fragments[name]
            parent = self._condition(frag, None)
            for paged in (False, True):
                self.memo[(name, paged)] = self.selection(frag.selection_set, parent, paged)

    def _dependency_order(self) -> list[str]:
        """Fragments with the ones they spread first (iterative: chains can be long).
        A fragment in a cycle is measured with the spread closing the cycle left out;
        graphql-core's NoFragmentCyclesRule refuses the document anyway."""
        order: list[str] = []
        state: dict[str, int] = {}  # 1: on the stack, 2: done
        for root in self.fragments:
            if root in state:
                continue
            stack: list[tuple[str, Iterator[str]]] = [
                (root, iter(self._spreads(self.fragments[root].selection_set)))
            ]
            state[root] = 1
            while stack:
                name, children = stack[-1]
                child = next(children, None)
                if child is None:
                    stack.pop()
                    state[name] = 2
                    order.append(name)
                elif child in self.fragments and child not in state:
                    state[child] = 1
                    stack.append((child, iter(self._spreads(self.fragments[child].selection_set))))
        return order

    @staticmethod
    def _spreads(sel: SelectionSetNode) -> Iterator[str]:
        pending = [sel]
        while pending:
            for s in pending.pop().selections:
                if isinstance(s, FragmentSpreadNode):
                    yield s.name.value
                elif isinstance(s, FieldNode | InlineFragmentNode) and s.selection_set is not None:
                    pending.append(s.selection_set)

    # -- one selection set ------------------------------------------------------------
    def selection(self, sel: SelectionSetNode, parent: _Parent, paged: bool) -> Measure:
        """`paged`: sel belongs to a paged field, whose `edges` list the page size bounds."""
        aliases = depth = idepth = cost = 0

        def merge(m: Measure) -> None:
            nonlocal aliases, depth, idepth, cost
            aliases = _add(aliases, m.aliases)
            depth = max(depth, m.depth)
            idepth = max(idepth, m.introspection_depth)
            cost = _add(cost, m.cost)

        for s in sel.selections:
            if isinstance(s, FieldNode):
                merge(self.field(s, parent, paged))
            elif isinstance(s, InlineFragmentNode):
                merge(self.selection(s.selection_set, self._condition(s, parent), paged))
            elif isinstance(s, FragmentSpreadNode):
                merge(
                    self.memo.get((s.name.value, paged), _EMPTY)
                )  # unknown or cyclic: another rule's job
        return Measure(aliases, depth, idepth, cost)

    def field(self, f: FieldNode, parent: _Parent, paged: bool) -> Measure:
        name = f.name.value
        alias = 1 if f.alias else 0
        if name in INTROSPECTION_ROOTS and not self.limits.introspection:
            raise _Refused(HubError(Codes.INTROSPECTION_DISABLED), f)
        if name.startswith("__"):
            # introspection: answered from memory, no multipliers; its depth has its own limit
            inner = self._introspection(f) if f.selection_set is not None else _EMPTY
            return Measure(
                _add(alias, inner.aliases),
                0 if name in INTROSPECTION_ROOTS else 1,
                1 + max(inner.depth, inner.introspection_depth)
                if name in INTROSPECTION_ROOTS
                else 0,
                _add(1, inner.cost),
            )
        definition = None
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            definition = parent.fields.get(name)
        if f.selection_set is None:
            return Measure(alias, 1, 0, 1)
        child: _Parent = None
        if definition is not None:
            named = get_named_type(definition.type)
            if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
                child = named
        page = self._page(f, definition)
        inner = self.selection(f.selection_set, child, page is not None)
        if page is not None:
            multiplier = page
        elif (
            not paged
            and definition is not None
            and isinstance(get_nullable_type(definition.type), GraphQLList)
        ):
            multiplier = LIST_ESTIMATE
        else:
            multiplier = 1
        return Measure(
            _add(alias, inner.aliases),
            1 + inner.depth,
            1 + inner.introspection_depth if inner.introspection_depth else 0,
            _add(1, _mul(inner.cost, multiplier)),
        )

    def _introspection(self, f: FieldNode) -> Measure:
        """Inside introspection every path counts towards the introspection depth."""
        assert f.selection_set is not None
        # The parent type only matters for data fields' page sizes: introspection has none.
        m = self.selection(f.selection_set, None, False)
        return Measure(m.aliases, 0, max(m.depth, m.introspection_depth), m.cost)

    def _condition(
        self, frag: InlineFragmentNode | FragmentDefinitionNode, parent: _Parent
    ) -> _Parent:
        if frag.type_condition is None:
            return parent
        found = self.schema.get_type(frag.type_condition.name.value)
        return (
            found
            if isinstance(found, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType)
            else None
        )

    def _page(self, f: FieldNode, definition: Any) -> int | None:
        """The page size of a paged field (given, largest for a variable, or default)."""
        for arg in f.arguments or ():
            if arg.name.value in ("first", "last"):
                if isinstance(arg.value, IntValueNode):
                    # a huge literal is refused by the resolver; here it must not be a bignum
                    return max(1, min(_CAP, int(arg.value.value[:19])))
                return self.limits.max_page
        if definition is not None:
            for name in ("first", "last"):
                arg_def = definition.args.get(name)
                if arg_def is not None and isinstance(arg_def.default_value, int):
                    return max(1, arg_def.default_value)
        return None

    def root(self, op: OperationDefinitionNode) -> _Parent:
        return {
            OperationType.QUERY: self.schema.query_type,
            OperationType.MUTATION: self.schema.mutation_type,
            OperationType.SUBSCRIPTION: self.schema.subscription_type,
        }.get(op.operation)


class _Repeats:
    """Same-named fields merged as execution merges them, level by level: graphql-core's
    OverlappingFieldsCanBeMergedRule compares each group's fields, and their merged
    sub-selections, pairwise, so a group may not exceed `limit` fields."""

    def __init__(
        self, fragments: dict[str, FragmentDefinitionNode], limit: int, budget: int
    ) -> None:
        self.fragments = fragments
        self.limit = limit
        self.budget = budget + 1  # fields written out; the cost check bounds it already

    def group(self, selections: list[tuple[SelectionSetNode, frozenset[str]]]) -> None:
        """`selections`: the sub-selections merged into one, each with the fragments it is inside of."""
        by_name: dict[str, list[tuple[FieldNode, frozenset[str]]]] = {}
        for sel, inside in selections:
            for f, within in self._fields(sel, inside):
                by_name.setdefault(f.alias.value if f.alias else f.name.value, []).append(
                    (f, within)
                )
        for name, fields in by_name.items():
            if len(fields) > self.limit:
                err = HubError(
                    Codes.FIELD_REPEATED, field=name[:100], count=len(fields), limit=self.limit
                )
                raise _Refused(err, fields[self.limit][0])
            children = [
                (f.selection_set, within) for f, within in fields if f.selection_set is not None
            ]
            if children:
                self.group(children)

    def _fields(
        self, sel: SelectionSetNode, inside: frozenset[str]
    ) -> Iterator[tuple[FieldNode, frozenset[str]]]:
        pending: list[tuple[SelectionSetNode, frozenset[str]]] = [(sel, inside)]
        while pending:
            current, within = pending.pop()
            for s in current.selections:
                if isinstance(s, FieldNode):
                    self.budget -= 1
                    if self.budget < 0:  # unreachable after the cost check; a guard all the same
                        raise _Refused(
                            HubError(Codes.QUERY_TOO_COSTLY, cost=_CAP, limit=self.budget), s
                        )
                    yield s, within
                elif isinstance(s, InlineFragmentNode):
                    pending.append((s.selection_set, within))
                elif isinstance(s, FragmentSpreadNode):
                    frag = self.fragments.get(s.name.value)
                    if (
                        frag is not None and s.name.value not in within
                    ):  # cycles: NoFragmentCyclesRule's job
                        pending.append((frag.selection_set, within | {s.name.value}))


def check(schema: GraphQLSchema, document: DocumentNode, limits: Limits) -> GraphQLError | None:
    """The first limit the document's operations break, as a coded error, or None."""
    measurer = _Measurer(schema, document, limits)
    try:
        measurer.measure_fragments()
        for op in document.definitions:
            if not isinstance(op, OperationDefinitionNode):
                continue
            m = measurer.selection(op.selection_set, measurer.root(op), False)
            if m.aliases > limits.max_aliases:
                raise _Refused(
                    HubError(Codes.TOO_MANY_ALIASES, count=m.aliases, limit=limits.max_aliases), op
                )
            if m.depth > limits.max_depth:
                raise _Refused(
                    HubError(Codes.QUERY_TOO_DEEP, depth=m.depth, limit=limits.max_depth), op
                )
            if m.introspection_depth > limits.max_introspection_depth:
                raise _Refused(
                    HubError(
                        Codes.QUERY_TOO_DEEP,
                        depth=m.introspection_depth,
                        limit=limits.max_introspection_depth,
                    ),
                    op,
                )
            if m.cost > limits.max_cost:
                raise _Refused(
                    HubError(Codes.QUERY_TOO_COSTLY, cost=m.cost, limit=limits.max_cost), op
                )
            # Only now, with the written-out operation known to be small (every field
            # costs at least 1), is it safe to write it out.
            _Repeats(measurer.fragments, limits.max_repeats, limits.max_cost).group(
                [(op.selection_set, frozenset())]
            )
    except _Refused as refused:
        err = refused.error
        return GraphQLError(err.message_zh, nodes=[refused.node], extensions=err.as_dict())
    return None


def make_limits_extension(limits: Limits) -> type[SchemaExtension]:
    class QueryLimits(SchemaExtension):
        """Runs `check` before graphql-core's validation; a refusal skips validation."""

        def on_validate(self) -> Iterator[None]:
            ctx = self.execution_context
            if ctx.graphql_document is not None and ctx.pre_execution_errors is None:
                error = check(ctx.schema._schema, ctx.graphql_document, limits)
                if error is not None:
                    ctx.pre_execution_errors = [error]  # strawberry then skips `validate`
            yield

    return QueryLimits
