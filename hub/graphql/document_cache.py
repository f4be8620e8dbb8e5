"""Parsed and checked GraphQL documents, kept by their text.

Clients send the same few documents again and again with different variables; parsing
one and running the hub's limits (hub/graphql/limits.py) and graphql-core's validation
on it cost about two thirds of the CPU of a story read by id. Both depend only on the
text and on the schema (whose rules and limits are fixed when it is built), so the
verdict is kept with the parsed document: a known text skips straight to execution,
and a refused one gets the very errors it got the first time (the same list of
GraphQLError objects, shaped afresh per response by ShapeErrors).

Only what got past the parser is kept (a syntax error or the token limit is cheap to
find again, and the parser's error is not an outcome of this extension). The cache is
a bounded LRU per schema, and texts longer than `max_chars` are never kept, so a
client inventing new documents costs a bounded amount of memory and only evicts.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import DocumentNode, GraphQLError
from strawberry.extensions import SchemaExtension

MAX_CHARS = 10_000
"""Longer texts are parsed and checked every time (the token limit keeps real ones short)."""


@dataclass(frozen=True)
class Verdict:
    document: DocumentNode
    errors: tuple[GraphQLError, ...]  # empty: valid within the limits


class DocumentCache:
    """A bounded LRU of query text -> its parsed document and its verdict."""

    def __init__(self, max_entries: int, max_chars: int = MAX_CHARS) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self._entries: OrderedDict[str, Verdict] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, query: str) -> Verdict | None:
        verdict = self._entries.get(query)
        if verdict is None:
            self.misses += 1
            return None
        self._entries.move_to_end(query)
        self.hits += 1
        return verdict

    def put(self, query: str, document: DocumentNode, errors: list[GraphQLError]) -> None:
        if self.max_entries <= 0 or len(query) > self.max_chars:
            return
        self._entries[query] = Verdict(document, tuple(errors))
        self._entries.move_to_end(query)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


def make_document_cache_extension(cache: DocumentCache) -> type[SchemaExtension]:
    """The extension that consults and fills `cache`; list it before every extension that
    checks documents (the limits), so a known verdict makes them skip (they run only while
    `pre_execution_errors` is None, as strawberry's own validation does)."""

    class CachedDocuments(SchemaExtension):
        verdict: Verdict | None = None

        def on_parse(self) -> Iterator[None]:
            ctx = self.execution_context
            if ctx.query and ctx.graphql_document is None:
                self.verdict = cache.get(ctx.query)
                if self.verdict is not None:
                    ctx.graphql_document = self.verdict.document  # strawberry then skips parsing
            yield

        def on_validate(self) -> Iterator[None]:
            ctx = self.execution_context
            if self.verdict is not None:
                ctx.pre_execution_errors = list(
                    self.verdict.errors
                )  # the limits and validation skip
                yield
                return
            yield
            if (
                ctx.query
                and ctx.graphql_document is not None
                and ctx.pre_execution_errors is not None
            ):
                cache.put(ctx.query, ctx.graphql_document, ctx.pre_execution_errors)

    return CachedDocuments
