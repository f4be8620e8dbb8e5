"""The search service: analysis in front of an engine, indexing from the story store.

Indexing is driven by story changes: the outbox (hub/jobs) calls
`handle_story_changed(tenant, story_id)`, which loads the story and indexes or
removes it. It is idempotent, so a change delivered twice does no harm. Nothing
writes to the index from inside the story repository (no dual writes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from hub.domain.story import StoryStatus
from hub.errors import HubError
from hub.search import analysis
from hub.search.documents import analyze_document, search_document
from hub.search.errors import SearchCodes
from hub.search.lexicon import Lexicons
from hub.search.port import (
    SearchDocument,
    SearchEngine,
    SearchFilter,
    SearchPage,
    SearchRequest,
    SortOrder,
    Suggestion,
)
from hub.settings import Settings
from hub.store.documents import PublishedStoryDoc, StoryDoc
from hub.store.scope import Scope
from hub.store.stories import StoryRepository
from hub.store.tenanted import across_tenants

MAX_OFFSET = 1_000
INDEXER_ACTOR = "search-indexer"
Progress = Callable[[int, int], None]  # (done, total)


class SearchService:
    """What the rest of the hub calls: index, remove, reindex, search, suggest."""

    def __init__(self, engine: SearchEngine, lexicons: Lexicons | None = None) -> None:
        self.engine = engine
        self.lexicons = lexicons or Lexicons()

    async def start(self) -> None:
        await self.engine.start()

    async def close(self) -> None:
        await self.engine.close()

    # ---- indexing ------------------------------------------------------------------
    async def index_stories(self, stories: Sequence[StoryDoc]) -> None:
        """Index (or replace) these stories in one engine write."""
        await self.index_documents([search_document(s) for s in stories])

    async def index_documents(self, docs: Sequence[SearchDocument]) -> None:
        """Analyse with each tenant's lexicon and write in one engine call."""
        analysed = []
        for doc in docs:
            analysed.append(analyze_document(doc, await self.lexicons.get(doc.tenant)))
        await self.engine.upsert(analysed)

    async def index_story(self, story: StoryDoc) -> None:
        """Index one story (replacing its earlier version)."""
        await self.index_stories([story])

    async def index_public(self, stories: Sequence[PublishedStoryDoc]) -> None:
        """Index the public read model's copies (what anonymous search may find)."""
        await self.index_documents([search_document(s, "public") for s in stories])

    async def remove_story(self, tenant: str, story_id: str) -> None:
        """Remove one story from the index (no error if it is not there)."""
        await self.engine.remove(tenant, [story_id])

    async def handle_story_changed(
        self, tenant: str, story_id: str, public_changed: bool = True
    ) -> None:
        """Bring the index in line with the stored story: index it, or remove it if gone."""
        repo = StoryRepository(Scope(tenant=tenant, actor=INDEXER_ACTOR, public_only=False))
        story = await repo.get(story_id)
        public = await StoryRepository(Scope(tenant=tenant)).get(story_id)
        if story is None:
            await self.remove_story(tenant, story_id)
            return
        docs = [search_document(story, "newsroom")]
        if public is not None:
            docs.append(search_document(public, "public"))
        await self.index_documents(docs)
        if public is None:
            await self.engine.remove_audience(tenant, [story_id], "public")
        # Only a change of the public copy (published, corrected, taken down) can change
        # anonymous search results; an unapproved edit of the head cannot.
        if public_changed and (
            public is not None or story.status in (StoryStatus.PUBLISHED, StoryStatus.RETRACTED)
        ):
            # anonymous responses (search included) are cached per read-model generation:
            # the index changed after the publish bumped it, so move it on once more
            await repo.bump_read_model()

    async def reindex(
        self,
        tenant: str | None = None,
        batch: int = 500,
        clear: bool = False,
        progress: Progress | None = None,
    ) -> int:
        """Index every stored story (of one tenant, or all), in batches; returns the count.

        With `clear`, the tenant's index is emptied first (search is partial meanwhile).
        """
        match: dict[str, Any] = {"tenant": tenant} if tenant else {}
        total = await _count(match)
        if clear:
            for t in [tenant] if tenant else await _tenants():
                await self.engine.clear_tenant(t)
        done = 0
        last: str | None = None
        if progress:
            progress(0, total)
        while True:
            q = dict(match)
            if last is not None:
                q["_id"] = {"$gt": last}
            page = await StoryDoc.find(q).sort("+_id").limit(batch).to_list()
            if not page:
                break
            await self.index_stories(page)
            published = await PublishedStoryDoc.find(
                {"_id": {"$in": [d.id for d in page]}}
            ).to_list()
            await self.index_public(published)
            done += len(page)
            last = page[-1].id
            if progress:
                progress(done, max(total, done))
        return done

    # ---- reading -------------------------------------------------------------------
    async def search(
        self,
        scope: Scope,
        text: str,
        filter: SearchFilter | None = None,
        sort: SortOrder = SortOrder.RELEVANCE,
        limit: int = 20,
        offset: int = 0,
        facets: bool = True,
        highlights: bool = True,
    ) -> SearchPage:
        """One page of the scope's matches; a typo-tolerant second pass if none match.

        `facets` and `highlights`: compute them (a caller that shows neither saves both)."""
        if offset + limit > MAX_OFFSET:
            raise HubError(SearchCodes.SEARCH_TOO_DEEP, limit=MAX_OFFSET)
        lexicon = await self.lexicons.get(scope.tenant)
        plan = with_regional_reading(text, lexicon)
        did_you_mean = None
        if not plan.empty:
            fixes = await self.spellings(scope, plan)
            if fixes:
                plan = with_regional_reading(text, lexicon, fixes)
                did_you_mean = _fixed(analysis.fold(text[: analysis.MAX_QUERY_CHARS]), fixes)
        request = SearchRequest(
            plan=plan,
            filter=filter or SearchFilter(),
            sort=sort,
            offset=offset,
            limit=limit,
            facets=facets,
            highlights=highlights,
        )
        page = await self.engine.search(scope, request)
        if page.total == 0 and not plan.empty:
            page = await self.engine.search(scope, replace(request, typo_tolerant=True))
        return replace(page, did_you_mean=did_you_mean) if did_you_mean else page

    async def spellings(self, scope: Scope, plan: analysis.QueryPlan) -> dict[str, str]:
        """Homophone typos (同音别字: 竹鞭 for 竹编) in the query, each with the word the
        scope's stories use. Only words no story uses are replaced."""
        candidates = [
            w for p in (plan, *plan.alternatives) for w in analysis.spelling_candidates(p)
        ]
        if not candidates:
            return {}
        return await self.engine.spellings(scope, list(dict.fromkeys(candidates)))

    async def suggest(self, scope: Scope, prefix: str, limit: int = 10) -> list[Suggestion]:
        """Words for a search box as the user types (Chinese or pinyin prefixes)."""
        if not prefix.strip():
            return []
        return await self.engine.suggest(scope, prefix[:50], limit)


def with_regional_reading(
    text: str, lexicon: analysis.Lexicon, fixes: dict[str, str] | None = None
) -> analysis.QueryPlan:
    """The query's plan, with its Taiwan / Hong Kong reading as an alternative if it
    differs; `fixes` (wrong word → right word) applied to both readings."""
    text = text[: analysis.MAX_QUERY_CHARS]
    folded, converted = analysis.fold(text), analysis.regional(text)
    plan = analysis.plan_query(_fixed(folded, fixes or {}), lexicon)
    if converted == folded:
        return plan
    alternative = analysis.plan_query(
        _fixed(converted, fixes or {}), lexicon, reading=analysis.regional
    )
    return replace(plan, alternatives=(alternative,))


def _fixed(text: str, fixes: dict[str, str]) -> str:
    for wrong, right in sorted(fixes.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(wrong, right)
    return text


async def _count(match: dict[str, Any]) -> int:
    cursor = await across_tenants(
        StoryDoc, reason="the index check counts stories of one tenant or of all"
    ).aggregate([{"$match": match}, {"$count": "n"}])
    rows = await cursor.to_list()
    return int(rows[0]["n"]) if rows else 0


async def _tenants() -> list[str]:
    cursor = await across_tenants(
        StoryDoc, reason="listing every tenant that has stories"
    ).aggregate([{"$group": {"_id": "$tenant"}}])
    rows = await cursor.to_list()
    return sorted(str(r["_id"]) for r in rows)


def build_engine(settings: Settings, writer: bool = True) -> SearchEngine:
    """Meilisearch when RONGHUB_MEILI_URL is set, else the embedded tantivy index (with
    `writer` False: following the index another process writes, hub/workers.py)."""
    if settings.meili_url:
        from hub.search.meili_engine import MeiliEngine

        return MeiliEngine(settings.meili_url, settings.meili_key, index_uid=settings.meili_index)
    from hub.search.tantivy_engine import TantivyEngine

    return TantivyEngine(Path(settings.data_dir) / "search", writer=writer)


# ---- the process's service, for the outbox and GraphQL -----------------------------

_active: SearchService | None = None


def install(service: SearchService | None) -> None:
    """Make `service` the one `handle_story_changed` and GraphQL use (the app's lifespan does)."""
    global _active
    _active = service


def current() -> SearchService:
    """The installed service; SEARCH_UNAVAILABLE if the hub has none."""
    if _active is None:
        raise HubError(SearchCodes.SEARCH_UNAVAILABLE)
    return _active


async def handle_story_changed(tenant: str, story_id: str) -> None:
    """The outbox's entry point: index or remove one story, idempotently."""
    await current().handle_story_changed(tenant, story_id)
