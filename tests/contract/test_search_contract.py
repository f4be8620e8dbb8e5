"""One contract for every search engine: the embedded tantivy index always, and
Meilisearch when RONGHUB_MEILI_URL is set. Each test works in its own tenant.

The seed articles are real text: 000 is simplified (普陀区), 001 traditional (湘鄉).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from hub.ids import new_id
from hub.search.lexicon import Lexicons
from hub.search.port import SearchDocument, SearchFilter, SortOrder
from hub.search.service import SearchService
from hub.store.scope import Scope
from tests.conftest import seed_files

MEILI_URL = os.environ.get("RONGHUB_MEILI_URL")


@pytest.fixture(scope="module", params=["tantivy", "meilisearch"])
async def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[SearchService]:
    if request.param == "tantivy":
        from hub.search.tantivy_engine import TantivyEngine

        engine = TantivyEngine(tmp_path_factory.mktemp("search"))
    else:
        if not MEILI_URL:
            pytest.skip("Meilisearch contract runs only when RONGHUB_MEILI_URL points at a server")
        from hub.search.meili_engine import MeiliEngine

        engine = MeiliEngine(
            MEILI_URL, os.environ.get("RONGHUB_MEILI_KEY"), index_uid="contract_" + new_id().lower()
        )
    svc = SearchService(engine, Lexicons(use_store=False))
    await svc.start()
    yield svc
    await svc.close()


def needs(service: SearchService, capability: str) -> None:
    if capability in getattr(service.engine, "missing", ()):
        pytest.skip(f"{service.engine.name} does not support {capability}")


def split_seed(path: Path) -> tuple[str, str]:
    first, _, rest = path.read_text(encoding="utf-8").lstrip("\n").partition("\n")
    return first.strip()[:200], rest


@pytest.fixture(scope="module")
async def seeds(service: SearchService) -> Scope:
    """The five seed articles, published, in a tenant of their own."""
    tenant = "seeds-" + new_id()
    docs = []
    for i, path in enumerate(seed_files()):
        title, body = split_seed(path)
        docs.append(
            SearchDocument(
                tenant=tenant,
                id=path.name[:3],
                title=title,
                body=body,
                status="published",
                published_at=1_600_000_000_000 + i,
                updated_at=1_600_000_000_000 + i,
                tags=("seed",),
            )
        )
    await index(service, docs)
    return Scope(tenant=tenant)


async def index(service: SearchService, docs: list[SearchDocument]) -> None:
    """Index as the hub does: every story for the newsroom, published ones also for the public."""
    both = [
        *(replace(d, audience="newsroom") for d in docs),
        *(replace(d, audience="public") for d in docs if d.status == "published"),
    ]
    await service.index_documents(both)


def doc(tenant: str, doc_id: str, title: str, body: str = "", **kw: object) -> SearchDocument:
    kw.setdefault("status", "published")
    kw.setdefault("updated_at", 1)
    return SearchDocument(tenant=tenant, id=doc_id, title=title, body=body, **kw)  # type: ignore[arg-type]


async def ids(service: SearchService, scope: Scope, query: str, **kw: object) -> list[str]:
    page = await service.search(scope, query, **kw)  # type: ignore[arg-type]
    return [h.id for h in page.hits]


# ---- Chinese text on the seeds ---------------------------------------------------------


async def test_traditional_query_finds_simplified_text(
    service: SearchService, seeds: Scope
) -> None:
    assert "000" in await ids(service, seeds, "普陀區融媒體中心")


async def test_simplified_query_finds_traditional_text(
    service: SearchService, seeds: Scope
) -> None:
    assert await ids(service, seeds, "湘乡") == ["001"]


async def test_pinyin_initials_find_their_words(service: SearchService, seeds: Scope) -> None:
    assert "000" in await ids(service, seeds, "ptq")  # 普陀区


async def test_full_pinyin_finds_its_words(service: SearchService, seeds: Scope) -> None:
    assert await ids(service, seeds, "kundulun") == ["002"]  # 昆都仑


async def test_infix_query_finds_a_compound_word(service: SearchService, seeds: Scope) -> None:
    # 挥调 is no word: it only exists inside 指揮調度 (traditional, 001) and 指挥调度 (002)
    assert sorted(await ids(service, seeds, "挥调")) == ["001", "002"]


async def test_homophone_typo_finds_the_right_word(service: SearchService, seeds: Scope) -> None:
    page = await service.search(seeds, "昆都伦")  # 伦 for 仑
    assert [h.id for h in page.hits] == ["002"]
    assert page.did_you_mean == "昆都仑"


async def test_one_wrong_character_finds_the_right_word(
    service: SearchService, seeds: Scope
) -> None:
    needs(service, "one_wrong_character")
    page = await service.search(seeds, "指挥调渡中心")  # 渡 for 度
    assert "001" in [h.id for h in page.hits]


async def test_mistyped_pinyin_finds_the_right_word(service: SearchService, seeds: Scope) -> None:
    page = await service.search(seeds, "xiangxaing")  # xiangxiang (湘乡) with two letters swapped
    assert "001" in [h.id for h in page.hits]


async def test_highlights_mark_the_traditional_original(
    service: SearchService, seeds: Scope
) -> None:
    page = await service.search(seeds, "村村响")
    body = next(h for h in page.hits[0].highlights if h.field == "body")
    assert any("<em>村村響</em>" in f for f in body.fragments)


async def test_suggestions_complete_chinese_and_pinyin_prefixes(
    service: SearchService, seeds: Scope
) -> None:
    assert "融媒体中心" in [s.text for s in await service.suggest(seeds, "融媒")]
    assert "融媒体中心" in [s.text for s in await service.suggest(seeds, "rongmei")]


# ---- behaviour on small documents ------------------------------------------------------


async def test_question_words_are_not_required_and_the_answer_ranks_first(
    service: SearchService,
) -> None:
    needs(service, "long_query_ranking")
    tenant = "t-" + new_id()
    await index(
        service,
        [
            doc(
                tenant,
                "answer",
                "区图书馆城市书房开放",
                summary="24 小时开放,刷身份证入内",
                updated_at=1,
                published_at=1,
            ),
            doc(
                tenant,
                "other",
                "晚上广场舞扰民怎么办",
                body="晚上几点以后不能放音乐",
                updated_at=2,
                published_at=2,
            ),
        ],
    )
    assert (await ids(service, Scope(tenant), "图书馆晚上几点关门"))[0] == "answer"


async def test_a_homophone_typo_is_corrected_and_offered_as_did_you_mean(
    service: SearchService,
) -> None:
    tenant = "t-" + new_id()
    await index(service, [doc(tenant, "a", "翠屏山下的竹编人"), doc(tenant, "b", "竹林小径")])
    page = await service.search(Scope(tenant), "竹鞭手艺")  # 鞭 for 编 (zhubian)
    assert [h.id for h in page.hits] == ["a"]
    assert page.did_you_mean == "竹编手艺"


async def test_a_known_word_is_never_corrected(service: SearchService) -> None:
    tenant = "t-" + new_id()
    await index(service, [doc(tenant, "a", "竹编技艺"), doc(tenant, "b", "竹鞭笋")])
    page = await service.search(Scope(tenant), "竹鞭")
    assert [h.id for h in page.hits] == ["b"] and page.did_you_mean is None


async def test_taiwan_words_find_mainland_stories_and_back(service: SearchService) -> None:
    tenant = "t-" + new_id()
    await index(
        service,
        [
            doc(tenant, "taxi", "出租车爱心送考"),
            doc(tenant, "soft", "區公所導入新軟體"),  # Taiwan wording in the story
            doc(tenant, "net", "网络直播带货"),
        ],
    )
    scope = Scope(tenant)
    assert await ids(service, scope, "計程車") == ["taxi"]
    assert await ids(service, scope, "软件") == ["soft"]
    assert await ids(service, scope, "網路直播") == ["net"]


async def test_hong_kong_words_find_mainland_stories(service: SearchService) -> None:
    needs(service, "synonyms")  # 的士: OpenCC's hk2s converts characters only; a built-in synonym
    tenant = "t-" + new_id()
    await index(
        service, [doc(tenant, "taxi", "出租车爱心送考"), doc(tenant, "bus", "接驳公交开通")]
    )
    assert await ids(service, Scope(tenant), "的士") == ["taxi"]
    assert await ids(service, Scope(tenant), "巴士") == ["bus"]


async def test_a_name_as_a_whole_ranks_above_its_parts(service: SearchService) -> None:
    tenant = "t-" + new_id()
    await index(
        service,
        [
            doc(
                tenant,
                "parts",
                "人民医院门诊楼改造",
                body="区里发热病人增多,门诊延长时间",
                published_at=2,
                updated_at=2,
            ),
            doc(
                tenant,
                "whole",
                "冬季就医提示",
                body="区人民医院发热门诊24小时开放",
                published_at=1,
                updated_at=1,
            ),
        ],
    )
    assert (await ids(service, Scope(tenant), "区人民医院发热门诊"))[0] == "whole"


async def test_title_and_summary_weigh_more_than_the_body(service: SearchService) -> None:
    needs(service, "field_weights")
    tenant = "t-" + new_id()
    await index(
        service,
        [
            doc(
                tenant,
                "body",
                "本周要闻",
                body="另有消息:城市书房将延长开放",
                published_at=2,
                updated_at=2,
            ),
            doc(
                tenant,
                "summary",
                "本周看点",
                summary="城市书房延长开放",
                published_at=1,
                updated_at=1,
            ),
        ],
    )
    assert await ids(service, Scope(tenant), "城市书房") == ["summary", "body"]


async def test_recency_only_breaks_ties(service: SearchService) -> None:
    tenant = "t-" + new_id()
    await index(
        service,
        [
            doc(tenant, "old", "防汛演练", published_at=1, updated_at=1),
            doc(tenant, "new", "防汛演练", published_at=2, updated_at=2),
            doc(tenant, "newest-weaker", "演练通知", body="防汛", published_at=3, updated_at=3),
        ],
    )
    assert await ids(service, Scope(tenant), "防汛演练") == ["new", "old", "newest-weaker"]


async def test_infix_finds_the_compound_it_is_part_of(service: SearchService) -> None:
    tenant = "t-" + new_id()
    await index(service, [doc(tenant, "a", "待处理事项清单"), doc(tenant, "b", "天气晴")])
    assert await ids(service, Scope(tenant), "处理") == ["a"]


async def test_tenant_dictionary_keeps_a_place_name_whole(service: SearchService) -> None:
    tenant = "t-" + new_id()
    await service.lexicons.put(tenant, ["岚溪湾"], [])
    await index(
        service,
        [
            doc(tenant, "near", "岚溪湾码头通航"),
            doc(tenant, "apart", "岚山脚下溪水潺潺,海湾风平浪静"),
        ],
    )
    assert await ids(service, Scope(tenant), "岚溪湾") == ["near"]
    assert "岚溪湾" in [s.text for s in await service.suggest(Scope(tenant), "lxw")]


async def test_synonyms_find_the_other_word(service: SearchService) -> None:
    needs(service, "synonyms")
    tenant = "t-" + new_id()
    await service.lexicons.put(tenant, [], [["村村响", "应急广播"]])
    await index(
        service, [doc(tenant, "a", "应急广播覆盖全部行政村"), doc(tenant, "b", "医疗保险新政")]
    )
    assert await ids(service, Scope(tenant), "村村響") == ["a"]
    assert await ids(service, Scope(tenant), "医保") == ["b"]  # a built-in synonym


async def test_public_scope_sees_only_published_stories(service: SearchService) -> None:
    tenant = "t-" + new_id()
    await index(
        service,
        [doc(tenant, "pub", "防汛通知"), doc(tenant, "draft", "防汛通知草稿", status="draft")],
    )
    assert await ids(service, Scope(tenant), "防汛") == ["pub"]
    newsroom = Scope(tenant, actor="editor", public_only=False)
    assert sorted(await ids(service, newsroom, "防汛")) == ["draft", "pub"]
    assert [s.text for s in await service.suggest(Scope(tenant), "防汛")] in ([], ["防汛"])
    assert "草稿" not in [s.text for s in await service.suggest(Scope(tenant), "草稿")]


async def test_reindexing_replaces_and_removing_forgets(service: SearchService) -> None:
    tenant = "t-" + new_id()
    scope = Scope(tenant)
    await index(service, [doc(tenant, "a", "旧标题秋收")])
    await index(service, [doc(tenant, "a", "新标题春耕")])
    assert await ids(service, scope, "秋收") == []
    assert await ids(service, scope, "春耕") == ["a"]
    await service.remove_story(tenant, "a")
    await service.remove_story(tenant, "never-indexed")
    assert await ids(service, scope, "春耕") == []


async def test_the_engine_counts_a_tenants_documents(service: SearchService) -> None:
    tenant = "t-" + new_id()
    assert await service.engine.count(tenant) == 0
    await index(service, [doc(tenant, "a", "秋收", status="draft"), doc(tenant, "b", "春耕")])
    assert await service.engine.count(tenant) >= 2  # and the public copy, where one is kept
    await service.engine.clear_tenant(tenant)
    assert await service.engine.count(tenant) == 0


async def test_facets_count_the_matches_per_value(service: SearchService) -> None:
    tenant = "t-" + new_id()
    await index(
        service,
        [
            doc(tenant, "1", "文化节开幕", column="news", tags=("文化", "节庆"), type="article"),
            doc(tenant, "2", "文化节图集", column="photo", tags=("文化",), type="gallery"),
            doc(tenant, "3", "文化节直播", column="news", tags=("节庆",), type="live"),
            doc(tenant, "4", "农业新闻", column="news", tags=("农业",)),
        ],
    )
    page = await service.search(Scope(tenant), "文化节")
    facets = {name: {v.value: v.count for v in values} for name, values in page.facets.items()}
    assert page.total == 3
    assert facets["column"] == {"news": 2, "photo": 1}
    assert facets["tags"] == {"文化": 2, "节庆": 2}
    assert facets["type"] == {"article": 1, "gallery": 1, "live": 1}


async def test_facets_and_highlights_only_when_asked_for(service: SearchService) -> None:
    tenant = "t-" + new_id()
    await index(service, [doc(tenant, "1", "文化节开幕", body="文化节在岚溪镇开幕", column="news")])
    bare = await service.search(Scope(tenant), "文化节", facets=False, highlights=False)
    assert [h.id for h in bare.hits] == ["1"] and bare.total == 1
    assert bare.facets == {} and bare.hits[0].highlights == []
    full = await service.search(Scope(tenant), "文化节")
    assert full.facets["column"][0].value == "news"
    assert any("<em>文化节</em>" in f for h in full.hits[0].highlights for f in h.fragments)


async def test_filters_and_time_sort(service: SearchService) -> None:
    tenant = "t-" + new_id()
    await index(
        service,
        [
            doc(
                tenant,
                "old",
                "乡村振兴",
                column="a",
                tags=("x",),
                published_at=1_000,
                updated_at=9_000,
            ),
            doc(
                tenant,
                "mid",
                "乡村振兴进展",
                column="a",
                tags=("x", "y"),
                published_at=2_000,
                updated_at=8_000,
            ),
            doc(
                tenant,
                "new",
                "乡村振兴成果",
                column="b",
                tags=("y",),
                published_at=3_000,
                updated_at=7_000,
            ),
        ],
    )
    scope = Scope(tenant)
    assert await ids(service, scope, "乡村", sort=SortOrder.PUBLISHED_AT) == ["new", "mid", "old"]
    assert await ids(service, scope, "乡村", sort=SortOrder.UPDATED_AT) == ["old", "mid", "new"]
    assert await ids(
        service, scope, "乡村", filter=SearchFilter(columns=("a",)), sort=SortOrder.PUBLISHED_AT
    ) == ["mid", "old"]
    assert await ids(service, scope, "乡村", filter=SearchFilter(tags=("x", "y"))) == ["mid"]
    assert await ids(service, scope, "", filter=SearchFilter(since=2_000, until=3_000)) == ["mid"]
    assert await ids(service, scope, "", filter=SearchFilter(types=("video",))) == []


async def test_pages_do_not_overlap(service: SearchService) -> None:
    tenant = "t-" + new_id()
    await index(service, [doc(tenant, f"d{i}", f"社区通知{i}", published_at=i) for i in range(7)])
    scope = Scope(tenant)
    first = await ids(service, scope, "社区", sort=SortOrder.PUBLISHED_AT, limit=4)
    second = await ids(service, scope, "社区", sort=SortOrder.PUBLISHED_AT, limit=4, offset=4)
    assert first == ["d6", "d5", "d4", "d3"] and second == ["d2", "d1", "d0"]


async def test_another_tenant_sees_nothing(service: SearchService, seeds: Scope) -> None:
    other = Scope("t-" + new_id(), actor="editor", public_only=False)
    assert await ids(service, other, "融媒体") == []
    assert await service.suggest(other, "融媒") == []
