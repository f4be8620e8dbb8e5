"""The tantivy engine joins the scope's filters to each costly part of a query (phrases,
regexes, fuzzy terms, a long query's words) so tantivy checks them only where the
filters match (hub/search/tantivy_engine.py `QueryBuilder.narrow`). That must change
the cost only: every kind of query finds the same stories with the same scores as the
same query built without narrowing, filters beside it."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from tantivy import Occur, Query

from hub.search.lexicon import Lexicons
from hub.search.port import SearchDocument, SearchFilter, SearchRequest
from hub.search.service import SearchService, with_regional_reading
from hub.search.tantivy_engine import QueryBuilder, TantivyEngine
from hub.store.scope import Scope

PLACES = ["岚溪镇", "青禾乡", "石桥村", "北湖社区"]
TOPICS = ["乡村振兴", "防汛抗旱", "垃圾分类", "医疗保险", "公交线路", "非遗传承"]
VERBS = ["召开", "启动", "推进", "检查"]
OBJECTS = ["专题会议", "工作方案", "培训活动", "便民措施"]
TENANTS = ("narrow-a", "narrow-b")
# a word, a quoted phrase, initials, a pinyin word, a lone character, a long question,
# a homophone typo (nothing matches: the typo-tolerant query), Taiwan wording
QUERIES = [
    "乡村振兴",
    '"岚溪镇召开"',
    "xczx",
    "fangxun",
    "村",
    "岚溪镇的垃圾分类什么时候召开专题会议",
    "石桥村怎么推进医疗保险工作方案",
    "防讯抗旱",
    "計程車 便民措施",
    "公車線路",
]


def _text(rng: random.Random) -> str:
    return "".join(
        f"{rng.choice(PLACES)}{rng.choice(VERBS)}{rng.choice(TOPICS)}{rng.choice(OBJECTS)},"
        for _ in range(rng.randint(1, 4))
    )


@pytest.fixture(scope="module")
async def service(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SearchService]:
    svc = SearchService(TantivyEngine(tmp_path_factory.mktemp("narrow")), Lexicons(use_store=False))
    await svc.start()
    rng = random.Random(5)
    docs = [
        SearchDocument(
            tenant=TENANTS[i % 2],
            id=f"s{i}",
            title=_text(rng)[:20],
            summary=_text(rng),
            body=_text(rng),
            status=rng.choice(["published", "draft"]),
            updated_at=i,
        )
        for i in range(120)
    ]
    await svc.index_documents(
        [
            *(replace(d, audience="newsroom") for d in docs),
            *(replace(d, audience="public") for d in docs if d.status == "published"),
        ]
    )
    yield svc
    await svc.close()


def _unnarrowed(engine: TantivyEngine, scope: Scope, request: SearchRequest) -> Query:
    plain = QueryBuilder(engine.schema)  # no `within`: nothing narrowed
    text = plain.text(request)
    filters = [Query.const_score_query(q, 0.0) for q in plain.scope_filter(scope, request)]
    assert text is not None
    return Query.boolean_query([(Occur.Must, text), *((Occur.Must, f) for f in filters)])


@pytest.mark.parametrize("typo_tolerant", [False, True])
@pytest.mark.parametrize("query", QUERIES)
async def test_narrowing_finds_the_same_stories_with_the_same_scores(
    service: SearchService, query: str, typo_tolerant: bool
) -> None:
    engine = service.engine
    assert isinstance(engine, TantivyEngine)
    plan = with_regional_reading(query, await service.lexicons.get(TENANTS[0]))
    for scope in (Scope(TENANTS[0]), Scope(TENANTS[0], actor="editor", public_only=False)):
        for flt in (SearchFilter(), SearchFilter(statuses=("draft",))):
            request = SearchRequest(plan=plan, filter=flt, limit=200, typo_tolerant=typo_tolerant)
            searcher = engine.index.searcher()
            expected = searcher.search(_unnarrowed(engine, scope, request), 200, count=True)
            got = searcher.search(engine.queries.build(scope, request), 200, count=True)
            assert getattr(got, "count", None) == getattr(expected, "count", -1)  # not in the stubs
            # the same stories, each with the same score (summed in another order: to 1e-6)
            found = {(a.segment_ord, a.doc): s for s, a in got.hits}
            wanted = {(a.segment_ord, a.doc): s for s, a in expected.hits}
            assert found.keys() == wanted.keys()
            assert [found[k] for k in sorted(found)] == pytest.approx(
                [wanted[k] for k in sorted(wanted)], rel=1e-6
            )
    # the bench's kinds match here, or this would compare empty pages
    if not typo_tolerant and query not in ("防讯抗旱", "計程車 便民措施"):
        page = await service.search(Scope(TENANTS[0], actor="editor", public_only=False), query)
        assert page.total > 0


@pytest.mark.parametrize("typo_tolerant", [False, True])
@pytest.mark.parametrize("query", QUERIES)
async def test_the_facet_query_counts_the_stories_the_search_finds(
    service: SearchService, query: str, typo_tolerant: bool
) -> None:
    """Facets are counted over `QueryBuilder.matches` (no boosts, fewer alternatives):
    it must match exactly the stories the ranked query finds."""
    engine = service.engine
    assert isinstance(engine, TantivyEngine)
    plan = with_regional_reading(query, await service.lexicons.get(TENANTS[0]))
    for scope in (Scope(TENANTS[0]), Scope(TENANTS[0], actor="editor", public_only=False)):
        for flt in (SearchFilter(), SearchFilter(statuses=("draft",))):
            request = SearchRequest(plan=plan, filter=flt, limit=200, typo_tolerant=typo_tolerant)
            searcher = engine.index.searcher()
            ranked = searcher.search(engine.queries.build(scope, request), 200, count=True)
            counted = searcher.search(engine.queries.matches(scope, request), 200, count=True)
            assert getattr(counted, "count", None) == getattr(ranked, "count", -1)
            assert {(a.segment_ord, a.doc) for _, a in counted.hits} == {
                (a.segment_ord, a.doc) for _, a in ranked.hits
            }
