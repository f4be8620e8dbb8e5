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

from hub.search import analysis
from hub.search.lexicon import Lexicons
from hub.search.port import SearchDocument, SearchFilter, SearchRequest, SortOrder
from hub.search.service import SearchService, with_regional_reading
from hub.search.tantivy_engine import QueryBuilder, TantivyEngine, live_readings
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


@pytest.mark.parametrize("query", QUERIES)
async def test_a_search_ordered_by_time_gives_the_ranked_querys_page(
    service: SearchService, query: str
) -> None:
    """Ordered by a time, a search runs the match-only query (no ranking parts): the
    same stories, in the same order, as the ranked query ordered by that time."""
    engine = service.engine
    assert isinstance(engine, TantivyEngine)
    plan = with_regional_reading(query, await service.lexicons.get(TENANTS[0]))
    scope = Scope(TENANTS[0], actor="editor", public_only=False)
    found = 0
    for flt in (SearchFilter(), SearchFilter(statuses=("draft",))):
        request = SearchRequest(
            plan=plan, filter=flt, sort=SortOrder.UPDATED_AT, limit=30, highlights=False
        )
        page = await engine.search(scope, request)
        searcher = engine.index.searcher()
        ranked = searcher.search(
            engine.queries.build(scope, replace(request, plan=live_readings(searcher, plan))),
            30,
            count=True,
            order_by_field="updated_at",
        )
        ids = [searcher.doc(a).to_dict()["id"][0] for _, a in ranked.hits]
        assert [h.id for h in page.hits] == ids
        assert page.total == getattr(ranked, "count", -1)
        found += page.total
    if query not in ("防讯抗旱", "計程車 便民措施", "公車線路"):  # found by the typo pass only
        assert found


REGIONAL_DOCS = [
    "網路直播农产品",
    "网络直播农产品",
    "农产品直播带货",
    "计程车司机",
    "出租车停靠点",
    "信息便民措施",
]


@pytest.mark.parametrize(
    "query", ["網路直播 農產品", "網路 直播", "計程車", "公車線路", "資訊 便民措施", "乡村振兴"]
)
async def test_a_reading_that_cannot_change_the_page_is_left_out(
    tmp_path_factory: pytest.TempPathFactory, query: str
) -> None:
    """`live_readings` drops a Taiwan / Hong Kong reading whose own words are in no story:
    the disjunction max of both readings finds the same stories with the same scores."""
    engine = TantivyEngine(tmp_path_factory.mktemp("readings"))
    svc = SearchService(engine, Lexicons(use_store=False))
    await svc.start()
    try:
        await svc.index_documents(
            [
                SearchDocument(tenant=TENANTS[0], id=f"r{i}", title=t, body=t, updated_at=i)
                for i, t in enumerate(REGIONAL_DOCS * 2)
            ]
        )
        plan = with_regional_reading(query, await svc.lexicons.get(TENANTS[0]))
        scope = Scope(TENANTS[0], actor="editor", public_only=False)
        searcher = engine.index.searcher()
        live = live_readings(searcher, plan)
        both = searcher.search(engine.queries.build(scope, SearchRequest(plan=plan)), 50)
        fewer = searcher.search(engine.queries.build(scope, SearchRequest(plan=live)), 50)
        assert getattr(fewer, "count", None) == getattr(both, "count", -1)
        assert {(a.doc, round(s, 6)) for s, a in fewer.hits} == {
            (a.doc, round(s, 6)) for s, a in both.hits
        }
        if query == "網路直播 農產品":  # 网路 is in the first story only: both readings live
            assert live == plan
    finally:
        await svc.close()


async def test_a_reading_whose_words_no_story_uses_is_dropped(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    engine = TantivyEngine(tmp_path_factory.mktemp("dead-reading"))
    svc = SearchService(engine, Lexicons(use_store=False))
    await svc.start()
    try:
        await svc.index_documents(
            [SearchDocument(tenant=TENANTS[0], id="n", title="网络直播农产品", updated_at=1)]
        )
        plan = with_regional_reading("網路直播 農產品", await svc.lexicons.get(TENANTS[0]))
        assert len(plan.alternatives) == 1  # read 网路 (no story) and 网络
        live = live_readings(engine.index.searcher(), plan)
        assert live == plan.alternatives[0]
        page = await svc.search(
            Scope(TENANTS[0], actor="editor", public_only=False), "網路直播 農產品"
        )
        assert [h.id for h in page.hits] == ["n"]
    finally:
        await svc.close()


@pytest.mark.parametrize("initials", ["xczx", "xc", "czx", "fxkh", "ljfl", "zxcz", "qh"])
async def test_initials_find_exactly_the_stories_with_those_initials_in_a_row(
    tmp_path_factory: pytest.TempPathFactory, initials: str
) -> None:
    """The index keeps pairs of neighbouring initials (schema 4): a query's initials are
    a phrase of pairs, which must find the stories whose initials hold the query's in a
    row, as the phrase of single initials did (across word and sentence boundaries too)."""
    engine = TantivyEngine(tmp_path_factory.mktemp("initials"))
    svc = SearchService(engine, Lexicons(use_store=False))
    await svc.start()
    rng = random.Random(9)
    docs = [
        SearchDocument(tenant=TENANTS[0], id=f"i{i}", title=_text(rng)[:12], body=_text(rng))
        for i in range(60)
    ]
    try:
        await svc.index_documents(docs)
        wanted = set()
        for d in docs:
            full = " \n".join(p for p in (d.title, d.summary, d.body) if p)
            if initials in "".join(analysis.analyze(full).initials):
                wanted.add(d.id)
        if initials in ("xczx", "fxkh", "ljfl", "czx"):
            assert wanted  # the corpus has them: this compares two empty sets for none
        scope = Scope(TENANTS[0], actor="editor", public_only=False)
        page = await svc.search(scope, initials, limit=100, highlights=False, facets=False)
        assert {h.id for h in page.hits} == wanted and page.total == len(wanted)
    finally:
        await svc.close()
