"""Search benchmark: synthetic Chinese stories into the embedded engine, then timings.

    python -m bench.search_bench                 # 100,000 stories (the issue's figure)
    RONGHUB_BENCH_SEARCH_N=5000 python -m bench.search_bench   # a quick run

Measures the indexing rate (analysis + tantivy writes), query p50/p95 for a word, a
quoted phrase, filter + time sort and facets, and the save-to-searchable lag: a story
saved through the repository (embedded store), passed to `handle_story_changed` as
the outbox will, until a search finds it. `main()` returns the figures as a dict.

The stories come from the vocabulary below (a fictional county), never from the seeds.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import opencc
from rich.console import Console
from rich.table import Table

from hub.search.lexicon import Lexicons
from hub.search.port import SearchDocument, SearchFilter, SortOrder
from hub.search.service import SearchService
from hub.search.tantivy_engine import TantivyEngine
from hub.store.scope import Scope

DEFAULT_N = 100_000
BATCH = 2_000
QUERIES_PER_KIND = 100
LAG_SAMPLES = 20
TENANTS = ("bench-a", "bench-b", "bench-c")

PLACES = ["示例区", "岚溪镇", "青禾乡", "石桥村", "云塘街道", "北湖社区", "南岭镇", "白鹭湾", "东坪村", "西溪工业园"]
ORGS = ["区融媒体中心", "区卫健委", "区教育局", "区交通局", "区应急管理局", "区文旅局", "镇政府", "村委会", "区人民医院", "区税务局"]
TOPICS = [
    "乡村振兴", "防汛抗旱", "垃圾分类", "疫苗接种", "医疗保险", "道路改造", "文化节", "消防演练", "农产品直播",
    "老旧小区改造", "义务教育", "公交线路", "志愿服务", "安全生产", "环境整治", "招商引资", "就业招聘", "非遗传承",
]
VERBS = ["召开", "开展", "启动", "推进", "完成", "发布", "举办", "部署", "检查", "表彰", "调研", "落实"]
OBJECTS = [
    "专题会议", "工作方案", "现场推进会", "培训活动", "宣传周", "检查行动", "惠民政策", "建设项目", "服务窗口",
    "便民措施", "应急预案", "示范点", "待处理事项", "群众来信", "问题清单", "督查通报",
]
FILLERS = [
    "据了解", "截至目前", "下一步", "会上", "活动现场", "记者从有关部门获悉", "工作人员介绍", "居民纷纷表示",
    "按照统一部署", "在各方共同努力下",
]
NUMBERS = ["三", "五", "十二", "二十", "一百", "三百余", "两千多", "1.5万"]
COLUMNS = ["要闻", "民生", "经济", "城事", "人文", "图集", "专题", "通知"]
TYPES = ["article", "article", "article", "gallery", "video", "audio", "live", "special"]
# one character replaced by another of the same sound (防讯 for 防汛, 疫描 for 疫苗, ...)
HOMOPHONES = ["防讯抗旱", "疫描接种", "消防演炼", "招商引姿", "非遗传成", "垃圾分内", "道路改照"]
REGIONAL = ["計程車", "網路直播 農產品", "公車線路", "資訊 便民措施", "影片 文化節"]
STATUSES = ["published"] * 7 + ["draft", "in_review", "approved"]
TAGS = [*TOPICS[:10], "政务公开", "便民服务", "基层动态", "视频新闻", "图片新闻"]


def _sentence(rng: random.Random) -> str:
    return (
        f"{rng.choice(FILLERS)},{rng.choice(PLACES)}{rng.choice(ORGS)}{rng.choice(VERBS)}"
        f"{rng.choice(TOPICS)}{rng.choice(OBJECTS)},共有{rng.choice(NUMBERS)}名群众参与,"
        f"{rng.choice(TOPICS)}工作取得新进展。"
    )


def make_story(rng: random.Random, i: int, t2s: Any) -> SearchDocument:
    """One synthetic story; about one in ten is written in traditional characters."""
    title = f"{rng.choice(PLACES)}{rng.choice(VERBS)}{rng.choice(TOPICS)}{rng.choice(OBJECTS)}"
    body = "".join(_sentence(rng) for _ in range(rng.randint(4, 10)))
    summary = _sentence(rng)
    if i % 10 == 0:
        title, body, summary = t2s.convert(title), t2s.convert(body), t2s.convert(summary)
    status = rng.choice(STATUSES)
    day = 86_400_000
    updated = 1_700_000_000_000 + rng.randint(0, 365) * day
    return SearchDocument(
        tenant=TENANTS[i % len(TENANTS)],
        id=f"s{i:07d}",
        title=title,
        summary=summary,
        body=body,
        tags=tuple(rng.sample(TAGS, rng.randint(1, 3))),
        column=rng.choice(COLUMNS),
        type=rng.choice(TYPES),
        status=status,
        published_at=updated if status == "published" else None,
        updated_at=updated,
    )


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2), "p95_ms": round(p95 * 1000, 2)}


async def _timed(n: int, make: Callable[[int], Awaitable[Any]]) -> list[float]:
    out = []
    for i in range(n):
        started = time.perf_counter()
        await make(i)
        out.append(time.perf_counter() - started)
    return out


async def _queries(service: SearchService, rng: random.Random) -> dict[str, dict[str, float]]:
    newsroom = Scope(TENANTS[0], actor="bench", public_only=False)
    public = Scope(TENANTS[0])
    words = [*TOPICS, *PLACES, *(o.removeprefix("区") for o in ORGS)]
    phrases = [f'"{rng.choice(PLACES)}{rng.choice(ORGS)}"' for _ in range(QUERIES_PER_KIND)]
    questions = [
        f"{rng.choice(PLACES)}的{rng.choice(TOPICS)}{rng.choice(['什么时候', '在哪里', '怎么'])}{rng.choice(VERBS)}{rng.choice(OBJECTS)}"
        for _ in range(QUERIES_PER_KIND)
    ]
    return {
        "word": _ms(await _timed(QUERIES_PER_KIND, lambda i: service.search(public, rng.choice(words), facets=False))),
        "phrase": _ms(await _timed(QUERIES_PER_KIND, lambda i: service.search(public, phrases[i], facets=False))),
        "filter_sort": _ms(
            await _timed(
                QUERIES_PER_KIND,
                lambda i: service.search(
                    newsroom,
                    rng.choice(words),
                    SearchFilter(columns=(rng.choice(COLUMNS),), statuses=("published", "draft")),
                    SortOrder.PUBLISHED_AT,
                    facets=False,
                ),
            )
        ),
        "facets": _ms(await _timed(QUERIES_PER_KIND, lambda i: service.search(newsroom, rng.choice(words), facets=True))),
        "pinyin_initials": _ms(await _timed(QUERIES_PER_KIND, lambda i: service.search(public, "xczx", facets=False))),
        # long questions (question words optional, most words required, phrase and
        # proximity boosts), homophone typos (vocabulary lookup, then the corrected
        # query) and Taiwan wording (a second reading)
        "question": _ms(await _timed(QUERIES_PER_KIND, lambda i: service.search(public, questions[i], facets=False))),
        "homophone": _ms(await _timed(QUERIES_PER_KIND, lambda i: service.search(public, rng.choice(HOMOPHONES), facets=False))),
        "regional": _ms(await _timed(QUERIES_PER_KIND, lambda i: service.search(public, rng.choice(REGIONAL), facets=False))),
        "suggest": _ms(await _timed(QUERIES_PER_KIND, lambda i: service.suggest(public, rng.choice(["xiang", "乡村", "fx", "岚溪"])))),
    }


async def _lag(service: SearchService, data_dir: Path) -> dict[str, float]:
    """Save through the repository, index through the outbox's entry point, search."""
    from hub.embedded.store import EmbeddedStore
    from hub.search import service as search_service
    from hub.store.stories import StoryRepository
    from hub.wiring import connect

    with EmbeddedStore(data_dir / "store") as store:
        database = await connect(store.uri, "bench_search")
        search_service.install(service)
        try:
            tenant = "bench-lag"
            repo = StoryRepository(Scope(tenant, actor="bench", public_only=False))
            samples = []
            for i in range(LAG_SAMPLES):
                word = f"测{i}试{i}"
                started = time.perf_counter()
                story = await repo.create({"title": f"延迟样本{word}", "body_text": "示例区今日天气晴"})
                await search_service.handle_story_changed(tenant, story.id)
                page = await service.search(Scope(tenant, actor="bench", public_only=False), f"延迟样本{word}", facets=False)
                assert page.total >= 1, "a saved story was not searchable"
                samples.append(time.perf_counter() - started)
            return _ms(samples)
        finally:
            search_service.install(None)
            await database.close()


async def run(n: int, workdir: Path, console: Console) -> dict[str, Any]:
    rng = random.Random(7)
    t2s = opencc.OpenCC("s2t")
    service = SearchService(TantivyEngine(workdir / "search", heap_bytes=200_000_000), Lexicons(use_store=False))
    await service.start()
    try:
        started = time.perf_counter()
        for lo in range(0, n, BATCH):
            await service.index_documents([make_story(rng, i, t2s) for i in range(lo, min(n, lo + BATCH))])
            if (lo // BATCH) % 10 == 0:
                console.print(f"  indexed {min(n, lo + BATCH):,}/{n:,}")
        elapsed = time.perf_counter() - started
        results: dict[str, Any] = {
            "stories": n,
            "index_seconds": round(elapsed, 1),
            "index_docs_per_second": round(n / elapsed, 1),
            "queries": await _queries(service, rng),
            "save_to_searchable": await _lag(service, workdir),
        }
        return results
    finally:
        await service.close()


def main() -> dict[str, Any]:
    """Run the benchmark (RONGHUB_BENCH_SEARCH_N stories, default 100,000); print and return figures."""
    n = int(os.environ.get("RONGHUB_BENCH_SEARCH_N", DEFAULT_N))
    console = Console(stderr=True)
    console.print(f"[bold]search bench[/bold]: {n:,} synthetic stories, embedded tantivy")
    with tempfile.TemporaryDirectory(prefix="ronghub-search-bench-") as tmp:
        results = asyncio.run(run(n, Path(tmp), console))
    table = Table(title=f"search: {n:,} stories, {results['index_docs_per_second']:,} docs/s indexing")
    table.add_column("measure")
    table.add_column("p50 ms", justify="right")
    table.add_column("p95 ms", justify="right")
    for name, figures in [*results["queries"].items(), ("save → searchable", results["save_to_searchable"])]:
        table.add_row(name, str(figures["p50_ms"]), str(figures["p95_ms"]))
    console.print(table)
    return results


if __name__ == "__main__":
    main()
