"""GraphQL search: `search(query, filter, first, after, sort)` and `suggest(prefix)`.

Hits come from the search index; the stories themselves are loaded through the
caller's repository, so visibility is checked twice (a stale index entry the scope
may not see is dropped, never shown).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection

from hub.errors import Codes, HubError, invalid
from hub.graphql.context import Context
from hub.graphql.types import PageInfo, Story, StoryStatusEnum, StoryTypeEnum, dt_to_ms
from hub.search import port
from hub.search import service as search_service
from hub.store import stories as story_store

DEFAULT_PAGE = 20
MAX_SUGGESTIONS = 20
MAX_DICTIONARY_WORDS = 2_000


@strawberry.enum(description="搜索结果排序")
class SearchSort(Enum):
    RELEVANCE = "relevance"
    PUBLISHED_AT = "published_at"
    UPDATED_AT = "updated_at"


@strawberry.enum(description="时间范围作用的字段")
class SearchTimeField(Enum):
    PUBLISHED_AT = "published_at"
    UPDATED_AT = "updated_at"


@strawberry.input(
    description="搜索筛选: all given filters must match; any value of one list may (tags: all)"
)
class SearchFilter:
    column_ids: list[strawberry.ID] | None = None
    types: list[StoryTypeEnum] | None = None  # type: ignore[valid-type]
    statuses: list[StoryStatusEnum] | None = None  # type: ignore[valid-type]
    tags: list[str] | None = None
    accounts: list[str] | None = None
    channels: list[str] | None = None
    since: datetime | None = strawberry.field(default=None, description="inclusive")
    until: datetime | None = strawberry.field(default=None, description="exclusive")
    time_field: SearchTimeField = SearchTimeField.PUBLISHED_AT


@strawberry.type(description="一个字段中的命中片段 (HTML-escaped text, matches in <em>)")
class SearchHighlight:
    field: str
    fragments: list[str]


@strawberry.type(description="一条搜索结果")
class SearchResult:
    story: Story
    score: float
    highlights: list[SearchHighlight]


@strawberry.type
class SearchEdge:
    cursor: str
    node: SearchResult


@strawberry.type
class FacetCount:
    value: str
    count: int


@strawberry.type(description="分面: counts of the matching stories per value")
class SearchFacet:
    field: str
    values: list[FacetCount]


@strawberry.type
class SearchConnection:
    edges: list[SearchEdge]
    page_info: PageInfo
    total_count: int
    facets: list[SearchFacet]
    typo_tolerant: bool = strawberry.field(
        description="true when nothing matched exactly and these are near matches"
    )
    did_you_mean: str | None = strawberry.field(
        default=None,
        description="你要找的是不是: the query with homophone typos (同音别字) corrected; these results are for it",
    )


@strawberry.type(description="输入提示")
class SearchSuggestion:
    text: str
    count: int


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps(["search", offset]).encode()).decode().rstrip("=")


def _offset(after: str | None) -> int:
    if not after:
        return 0
    try:
        kind, offset = json.loads(base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)))
        if kind == "search" and isinstance(offset, int) and offset >= 0:
            return offset + 1
    except (ValueError, TypeError, RecursionError):  # RecursionError: a tampered "[[[[..." cursor
        pass
    raise invalid(
        "after",
        "翻页游标无效,请从第一页重新开始",
        "invalid cursor; start again from the first page",
    )


MAX_FILTER_VALUES = 100
"""Most values in one list of a search filter (tags, columns, ...)."""


def _filter(f: SearchFilter | None) -> port.SearchFilter:
    if f is None:
        return port.SearchFilter()

    def values(field: str, items: list[Any] | None) -> tuple[str, ...]:
        # Anyone may search: each value becomes a term of the engine's query, and 30,000
        # of them took a second of CPU. No real filter names more than a handful.
        if items is not None and len(items) > MAX_FILTER_VALUES:
            raise invalid(
                f"filter.{field}",
                f"最多 {MAX_FILTER_VALUES} 个筛选值",
                f"at most {MAX_FILTER_VALUES} values",
                count=len(items),
                limit=MAX_FILTER_VALUES,
            )
        return tuple(str(getattr(v, "value", v)) for v in items or ())

    return port.SearchFilter(
        columns=values("columnIds", f.column_ids),
        types=values("types", f.types),
        statuses=values("statuses", f.statuses),
        tags=values("tags", f.tags),
        accounts=values("accounts", f.accounts),
        channels=values("channels", f.channels),
        since=dt_to_ms(f.since),
        until=dt_to_ms(f.until),
        time_field=f.time_field.value,
    )


def _asks(info: Info[Context, None], *path: str) -> bool:
    """True if the query selects the field at `path` below this one (fragments
    included; a field under @skip or @include counts as selected)."""
    return any(_reaches(f.selections, path) for f in info.selected_fields)


def _reaches(selections: Sequence[Selection], path: Sequence[str]) -> bool:
    if not path:
        return True
    for sel in selections:
        if isinstance(sel, SelectedField):
            if sel.name == path[0] and _reaches(sel.selections, path[1:]):
                return True
        elif _reaches(sel.selections, path):  # a fragment spread or an inline fragment
            return True
    return False


@strawberry.type
class SearchQuery:
    @strawberry.field(
        description="全文搜索 (简繁通搜、拼音、首字母、错字容错), with facets and highlights"
    )
    async def search(
        self,
        info: Info[Context, None],
        query: str = "",
        filter: SearchFilter | None = None,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        sort: SearchSort = SearchSort.RELEVANCE,
    ) -> SearchConnection:
        ctx = info.context
        story_store.check_page_size(first, ctx.settings.graphql_max_page)
        offset = _offset(after)
        # facets and highlights cost the most after the search itself: only when asked for
        page = await search_service.current().search(
            ctx.scope,
            query,
            _filter(filter),
            port.SortOrder(sort.value),
            limit=first,
            offset=offset,
            facets=_asks(info, "facets"),
            highlights=_asks(info, "edges", "node", "highlights"),
        )
        stories = await ctx.stories.get_many([h.id for h in page.hits])
        edges = []
        for i, hit in enumerate(page.hits):
            doc = stories.get(hit.id)
            if doc is None:  # index ahead of or behind the store, or not visible to this scope
                continue
            edges.append(
                SearchEdge(
                    cursor=_cursor(offset + i),
                    node=SearchResult(
                        story=Story.from_doc(doc),
                        score=hit.score,
                        highlights=[
                            SearchHighlight(field=h.field, fragments=h.fragments)
                            for h in hit.highlights
                        ],
                    ),
                )
            )
        return SearchConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=offset + len(page.hits) < page.total,
                has_previous_page=offset > 0,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=page.total,
            facets=[
                SearchFacet(
                    field=name, values=[FacetCount(value=v.value, count=v.count) for v in values]
                )
                for name, values in page.facets.items()
            ],
            typo_tolerant=page.typo_tolerant,
            did_you_mean=page.did_you_mean,
        )

    @strawberry.field(description="输入提示: words starting with the prefix (汉字或拼音)")
    async def suggest(
        self, info: Info[Context, None], prefix: str, first: int = 10
    ) -> list[SearchSuggestion]:
        if first < 0 or first > MAX_SUGGESTIONS:
            raise invalid(
                "first",
                f"提示条数须在 0 到 {MAX_SUGGESTIONS} 之间",
                f"must be between 0 and {MAX_SUGGESTIONS}",
            )
        found = await search_service.current().suggest(info.context.scope, prefix, first)
        return [SearchSuggestion(text=s.text, count=s.count) for s in found]


@strawberry.type(description="本中心的搜索词典: 地名、机构名与同义词")
class SearchDictionary:
    words: list[str]
    synonyms: list[list[str]]


@strawberry.type
class SearchMutation:
    @strawberry.mutation(
        description="设置本中心的搜索词典. New words change how stories are cut: run "
        "`ronghub reindex --tenant` afterwards; synonyms apply to queries at once."
    )
    async def set_search_dictionary(
        self, info: Info[Context, None], words: list[str], synonyms: list[list[str]]
    ) -> SearchDictionary:
        scope = info.context.scope
        if scope.anonymous:
            raise HubError(Codes.UNAUTHENTICATED)
        if len(words) > MAX_DICTIONARY_WORDS or any(len(w) > 30 for w in words):
            raise invalid(
                "words",
                f"最多 {MAX_DICTIONARY_WORDS} 个词, 每个不超过 30 字",
                f"at most {MAX_DICTIONARY_WORDS} words of 30 characters",
            )
        if len(synonyms) > MAX_DICTIONARY_WORDS or any(len(g) > 20 for g in synonyms):
            raise invalid(
                "synonyms",
                f"最多 {MAX_DICTIONARY_WORDS} 组, 每组不超过 20 个词",
                f"at most {MAX_DICTIONARY_WORDS} groups of 20 words",
            )
        clean_words = sorted({w.strip() for w in words if w.strip()})
        clean_groups = [sorted({w.strip() for w in g if w.strip()}) for g in synonyms]
        clean_groups = [g for g in clean_groups if len(g) > 1]
        await search_service.current().lexicons.put(scope.tenant, clean_words, clean_groups)
        return SearchDictionary(words=clean_words, synonyms=clean_groups)
