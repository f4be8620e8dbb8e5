"""The search port: what every engine (embedded tantivy, Meilisearch) must do.

Engines store and retrieve; Chinese analysis (hub/search/analysis.py) happens before
them, so both see the same folded words, grams and pinyin. Every query carries a
Scope: engines filter by its tenant always, and to published stories when it is public.
One contract suite (tests/contract/test_search_contract.py) runs against each engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

from hub.search.analysis import Analyzed, QueryPlan
from hub.store.scope import Scope

FACET_FIELDS = ("column", "type", "status", "tags", "account", "channels")


@dataclass(frozen=True)
class SearchDocument:
    """A story as search sees it (built from StoryDoc by hub/search/documents.py)."""

    tenant: str
    id: str
    title: str
    summary: str = ""
    body: str = ""  # plain text
    tags: tuple[str, ...] = ()
    column: str | None = None
    type: str = "article"
    status: str = "draft"
    account: str | None = None  # future: the publishing account (融媒号)
    channels: tuple[str, ...] = ()  # future: channels it went out on
    published_at: int | None = None  # ms
    updated_at: int = 0  # ms
    # Who may find it: "newsroom" (the working head, any state) or "public" (the
    # approved revision in the public read model). A published story has one of each,
    # so an unapproved edit never matches, nor shows in highlights, for the public.
    audience: str = "newsroom"


AUDIENCES = ("newsroom", "public")


def audience_of(scope: Scope) -> str:
    return "public" if scope.public_only else "newsroom"


@dataclass(frozen=True)
class AnalyzedDocument:
    """A document with the token streams of its title and of all its text."""

    doc: SearchDocument
    title: Analyzed
    text: Analyzed  # title + summary + tags + body
    suggestions: tuple[str, ...]  # folded words a prefix should offer
    head_grams: list[str] = field(
        default_factory=list
    )  # bigrams of title + summary + tags (weighted above the body)


class SortOrder(StrEnum):
    RELEVANCE = "relevance"
    PUBLISHED_AT = "published_at"
    UPDATED_AT = "updated_at"


@dataclass(frozen=True)
class SearchFilter:
    """All given filters must match; within one filter any value may (tags: all must)."""

    columns: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    since: int | None = None  # ms, inclusive
    until: int | None = None  # ms, exclusive
    time_field: str = "published_at"


@dataclass(frozen=True)
class SearchRequest:
    plan: QueryPlan
    filter: SearchFilter = SearchFilter()
    sort: SortOrder = SortOrder.RELEVANCE
    offset: int = 0
    limit: int = 20
    facets: bool = True
    highlights: bool = True  # marked fragments of each hit (only for the page returned)
    typo_tolerant: bool = False  # the engine's second pass when the strict one finds nothing


@dataclass(frozen=True)
class Highlight:
    field: str
    fragments: list[str]


@dataclass(frozen=True)
class SearchHit:
    id: str
    score: float
    highlights: list[Highlight] = field(default_factory=list)


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]
    total: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    typo_tolerant: bool = False  # true if the results came from the tolerant pass
    did_you_mean: str | None = None  # the query with homophone typos corrected, if it was


@dataclass(frozen=True)
class Suggestion:
    text: str
    count: int


@runtime_checkable
class SearchEngine(Protocol):
    """A search index of stories. After an awaited write returns, searches see it."""

    name: str

    async def start(self) -> None:
        """Open or create the index."""

    async def close(self) -> None:
        """Release the index (the writer, clients)."""

    async def upsert(self, docs: Sequence[AnalyzedDocument]) -> None:
        """Index these documents, replacing earlier versions of the same (tenant, id)."""

    async def remove(self, tenant: str, ids: Sequence[str]) -> None:
        """Remove documents; ids that are not indexed are ignored."""

    async def clear_tenant(self, tenant: str) -> None:
        """Remove every document of one tenant (before a full reindex)."""

    async def search(self, scope: Scope, request: SearchRequest) -> SearchPage:
        """The scope's matching documents, one page, with facets and highlights."""

    async def suggest(self, scope: Scope, prefix: str, limit: int) -> list[Suggestion]:
        """Words starting with `prefix` (folded word or its pinyin), most frequent first."""

    async def count(self, tenant: str) -> int:
        """How many documents of the tenant are indexed (any status)."""
        ...

    async def remove_audience(self, tenant: str, ids: Sequence[str], audience: str) -> None:
        """Remove these stories' documents of one audience only (e.g. public after 撤稿)."""

    async def spellings(self, scope: Scope, words: Sequence[str]) -> dict[str, str]:
        """For query words no story uses: the scope's most used word with the same pinyin."""
        ...
