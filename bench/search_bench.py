"""Search benchmark: synthetic Chinese stories in a hub's data directory, then timings.

    python -m bench.search_bench                 # 100,000 stories (the issue's figure)
    RONGHUB_BENCH_SEARCH_N=5000 python -m bench.search_bench   # a quick run
    RONGHUB_BENCH_SEARCH_DIR=/tmp/sb python -m bench.search_bench  # keep (and reuse) the data
                                                 # (built again if N or the index schema changed)

1. Build: N stories over three tenants written to the embedded store as the hub stores
   them (the newsroom head, and for the seven in ten published ones the public read
   model's copy), and indexed as the hub indexes them: a newsroom document per story
   and a public one per published story. Reused when RONGHUB_BENCH_SEARCH_DIR already
   holds a build of the same N.
2. Engine: query p50/p95 and CPU per query of the search service in this process (mean,
   and the p95 of each query's CPU, which the machine's load does not inflate), each kind
   after its warm-up texts, for a word, a quoted phrase, filter + time sort, facets,
   initials, long questions, homophone typos, Taiwan wording and suggestions; the mean
   number of matching stories per kind (a query that matches nothing measures nothing:
   the bench fails if a kind's queries mostly match nothing).
3. GraphQL: `ronghub serve` on that data directory, one client sending POST /graphql one
   request at a time; p50/p95 as the client sees them and the hub's and the store's CPU
   per request. Public kinds are anonymous (the response cache is off:
   RONGHUB_READ_CACHE_ENTRIES=0, so every request searches); newsroom kinds use the
   development token.
4. The save-to-searchable lag: a story saved through the repository, passed to
   `handle_story_changed` as the outbox will, until a search finds it.

`main()` returns the figures as a dict. The stories come from the vocabulary below (a
fictional county), never from the seeds.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import opencc
from rich.console import Console
from rich.table import Table

from hub.domain.story import StoryStatus, build_content
from hub.ids import new_id
from hub.search.analysis import DEFAULT_LEXICON
from hub.search.documents import analyze_document, search_document
from hub.search.lexicon import Lexicons
from hub.search.port import SearchFilter, SortOrder
from hub.search.service import SearchService
from hub.search.tantivy_engine import SCHEMA_VERSION, TantivyEngine
from hub.store.scope import Scope

DEFAULT_N = 100_000
BATCH = 2_000
QUERIES_PER_KIND = 100
IDLE_SECONDS = 5.0  # the idle hub's CPU is measured over this long
WARMUP = 20  # GraphQL requests before each kind's measured ones (discarded)
TARGET_P95_MS = 20.0
DEV_TOKEN = "bench-search-token"
BUILT = "search-bench.json"  # in the data directory: what was built there
LAG_SAMPLES = 20
TENANTS = ("bench-a", "bench-b", "bench-c")

PLACES = [
    "示例区",
    "岚溪镇",
    "青禾乡",
    "石桥村",
    "云塘街道",
    "北湖社区",
    "南岭镇",
    "白鹭湾",
    "东坪村",
    "西溪工业园",
]
ORGS = [
    "区融媒体中心",
    "区卫健委",
    "区教育局",
    "区交通局",
    "区应急管理局",
    "区文旅局",
    "镇政府",
    "村委会",
    "区人民医院",
    "区税务局",
]
TOPICS = [
    "乡村振兴",
    "防汛抗旱",
    "垃圾分类",
    "疫苗接种",
    "医疗保险",
    "道路改造",
    "文化节",
    "消防演练",
    "农产品直播",
    "老旧小区改造",
    "义务教育",
    "公交线路",
    "志愿服务",
    "安全生产",
    "环境整治",
    "招商引资",
    "就业招聘",
    "非遗传承",
]
VERBS = [
    "召开",
    "开展",
    "启动",
    "推进",
    "完成",
    "发布",
    "举办",
    "部署",
    "检查",
    "表彰",
    "调研",
    "落实",
]
OBJECTS = [
    "专题会议",
    "工作方案",
    "现场推进会",
    "培训活动",
    "宣传周",
    "检查行动",
    "惠民政策",
    "建设项目",
    "服务窗口",
    "便民措施",
    "应急预案",
    "示范点",
    "待处理事项",
    "群众来信",
    "问题清单",
    "督查通报",
]
FILLERS = [
    "据了解",
    "截至目前",
    "下一步",
    "会上",
    "活动现场",
    "记者从有关部门获悉",
    "工作人员介绍",
    "居民纷纷表示",
    "按照统一部署",
    "在各方共同努力下",
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


def make_story(rng: random.Random, i: int, t2s: Any) -> dict[str, Any]:
    """One synthetic story's fields; about one in ten is written in traditional characters."""
    title = f"{rng.choice(PLACES)}{rng.choice(VERBS)}{rng.choice(TOPICS)}{rng.choice(OBJECTS)}"
    body = "".join(_sentence(rng) for _ in range(rng.randint(4, 10)))
    summary = _sentence(rng)
    if i % 10 == 0:
        title, body, summary = t2s.convert(title), t2s.convert(body), t2s.convert(summary)
    status = rng.choice(STATUSES)
    day = 86_400_000
    updated = 1_700_000_000_000 + rng.randint(0, 365) * day
    return {
        "tenant": TENANTS[i % len(TENANTS)],
        "title": title,
        "summary": summary,
        "body_text": body,
        "tags": rng.sample(TAGS, rng.randint(1, 3)),
        "column": rng.choice(COLUMNS),
        "type": rng.choice(TYPES),
        "status": status,
        "published_at": updated if status == "published" else None,
        "updated_at": updated,
    }


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2), "p95_ms": round(p95 * 1000, 2)}


# ---- 1. build ---------------------------------------------------------------------------


@dataclass
class Built:
    """What a build wrote into a data directory (saved beside it for reuse)."""

    n: int
    index_seconds: float
    store_seconds: float
    columns: dict[str, dict[str, str]] = field(default_factory=dict)  # tenant -> column name -> id

    @property
    def index_docs_per_second(self) -> float:
        return round(self.n / self.index_seconds, 1) if self.index_seconds else 0.0


async def build(n: int, data_dir: Path, console: Console) -> Built:
    """Write N stories to the embedded store and index them (both audiences), as the hub would."""
    from hub.runtime import store_for
    from hub.settings import Settings
    from hub.store.documents import ColumnDoc, PublishedStoryDoc, StoryDoc, TenantDoc
    from hub.store.stories import StoryRepository
    from hub.wiring import connect

    rng = random.Random(7)
    t2s = opencc.OpenCC("s2t")
    settings = Settings(data_dir=data_dir, default_tenant=TENANTS[0], mongodb_uri=None)
    built = Built(n=n, index_seconds=0.0, store_seconds=0.0)
    service = SearchService(
        TantivyEngine(data_dir / "search", heap_bytes=200_000_000), Lexicons(use_store=False)
    )
    with store_for(settings) as ready:
        assert ready.mongodb_uri
        database = await connect(ready.mongodb_uri, ready.mongodb_db)
        await service.start()
        try:
            for tenant in TENANTS:
                columns = [
                    ColumnDoc(tenant=tenant, name=name, slug=f"c{k}", position=k)
                    for k, name in enumerate(COLUMNS)
                ]
                await ColumnDoc.insert_many(columns)
                built.columns[tenant] = {c.name: c.id for c in columns}
                await TenantDoc(
                    id=tenant, tenant=tenant, name=f"{tenant} 融媒体中心(压测)"
                ).insert()
            for lo in range(0, n, BATCH):
                heads: list[StoryDoc] = []
                public: list[PublishedStoryDoc] = []
                for i in range(lo, min(n, lo + BATCH)):
                    f = make_story(rng, i, t2s)
                    content = build_content(
                        {
                            "title": f["title"],
                            "summary": f["summary"],
                            "body_text": f["body_text"],
                            "tags": f["tags"],
                            "column_id": built.columns[f["tenant"]][f["column"]],
                            "type": f["type"],
                        },
                        200_000,
                    )
                    doc = StoryDoc(
                        id=new_id(),
                        tenant=f["tenant"],
                        status=StoryStatus(f["status"]),
                        content_hash=content.content_hash(),
                        created_at=f["updated_at"],
                        updated_at=f["updated_at"],
                        published_at=f["published_at"],
                        created_by="bench",
                        updated_by="bench",
                        **{
                            **content.model_dump(),
                            "tags": list(content.tags),
                            "asset_ids": list(content.asset_ids),
                        },
                    )
                    heads.append(doc)
                    if doc.status == StoryStatus.PUBLISHED:
                        public.append(PublishedStoryDoc(**doc.model_dump()))
                started = time.perf_counter()
                await StoryDoc.insert_many(heads)
                if public:
                    await PublishedStoryDoc.insert_many(public)
                built.store_seconds += time.perf_counter() - started
                started = time.perf_counter()
                # the hub analyses each audience's copy; they are the same text here, so once
                analysed = []
                published = {p.id for p in public}
                for doc in heads:
                    a = analyze_document(search_document(doc, "newsroom"), DEFAULT_LEXICON)
                    analysed.append(a)
                    if doc.id in published:
                        analysed.append(replace(a, doc=replace(a.doc, audience="public")))
                await service.engine.upsert(analysed)
                built.index_seconds += time.perf_counter() - started
                if (lo // BATCH) % 10 == 0:
                    console.print(f"  built {min(n, lo + BATCH):,}/{n:,}")
            for tenant in TENANTS:
                await StoryRepository(
                    Scope(tenant, actor="bench", public_only=False)
                ).bump_read_model()
        finally:
            await service.close()
            await database.close()
    built.index_seconds = round(built.index_seconds, 1)
    built.store_seconds = round(built.store_seconds, 1)
    (data_dir / BUILT).write_text(json.dumps(built.__dict__, ensure_ascii=False), encoding="utf-8")
    return built


def reuse(n: int, data_dir: Path) -> Built | None:
    """The build already in `data_dir`, if it is one of N stories."""
    path = data_dir / BUILT
    if not path.is_file():
        return None
    saved = json.loads(path.read_text(encoding="utf-8"))
    if not (data_dir / "search" / f"tantivy-v{SCHEMA_VERSION}").is_dir():
        return None  # built by an older index schema: the engine would open an empty index
    return Built(**saved) if saved.get("n") == n else None


# ---- the queries ----------------------------------------------------------------------


@dataclass
class Kind:
    """One kind of query: its texts (one per request) and how it is asked."""

    name: str
    texts: list[str]
    public: bool = True
    facets: bool = False
    filtered: bool = False  # newsroom: a column and two states, newest first


def kinds(rng: random.Random) -> list[Kind]:
    """The measured query kinds; every text is drawn from the stories' own vocabulary,
    so each matches many stories."""
    n = QUERIES_PER_KIND + WARMUP
    words = [*TOPICS, *PLACES, *(o.removeprefix("区") for o in ORGS)]
    return [
        Kind("word", [rng.choice(words) for _ in range(n)]),
        Kind("phrase", [f'"{rng.choice(PLACES)}{rng.choice(ORGS)}"' for _ in range(n)]),
        Kind("filter_sort", [rng.choice(words) for _ in range(n)], public=False, filtered=True),
        Kind("facets", [rng.choice(words) for _ in range(n)], public=False, facets=True),
        Kind("pinyin_initials", [rng.choice(["xczx", "fxkh", "ljfl", "ymjz"]) for _ in range(n)]),
        # long questions (question words optional, most words required, phrase and
        # proximity boosts), homophone typos (vocabulary lookup, then the corrected
        # query) and Taiwan wording (a second reading)
        Kind(
            "question",
            [
                f"{rng.choice(PLACES)}的{rng.choice(TOPICS)}{rng.choice(['什么时候', '在哪里', '怎么'])}{rng.choice(VERBS)}{rng.choice(OBJECTS)}"
                for _ in range(n)
            ],
        ),
        Kind("homophone", [rng.choice(HOMOPHONES) for _ in range(n)]),
        Kind("regional", [rng.choice(REGIONAL) for _ in range(n)]),
    ]


def _cpu_ms(before: float, count: int) -> float:
    return round((time.process_time() - before) * 1000 / max(count, 1), 2)


async def _timed(
    n: int, make: Callable[[int], Awaitable[Any]], cpu: list[float] | None = None
) -> tuple[list[float], list[Any]]:
    """Wall-clock seconds of each call (and in `cpu`, this process's CPU seconds of each:
    the load of other processes does not count there)."""
    out, results = [], []
    for i in range(n):
        started, spent = time.perf_counter(), time.process_time()
        results.append(await make(i))
        out.append(time.perf_counter() - started)
        if cpu is not None:
            cpu.append(time.process_time() - spent)
    return out, results


async def engine_queries(
    data_dir: Path, built: Built, rng: random.Random
) -> dict[str, dict[str, float]]:
    """Each kind through the search service in this process (CPU: this process's)."""
    service = SearchService(TantivyEngine(data_dir / "search"), Lexicons(use_store=False))
    await service.start()
    try:
        tenant = TENANTS[0]
        newsroom = Scope(tenant, actor="bench", public_only=False)
        public = Scope(tenant)
        columns = list(built.columns[tenant].values())
        out: dict[str, dict[str, float]] = {}
        for kind in kinds(rng):
            texts = kind.texts[WARMUP:]

            def one(i: int, kind: Kind = kind, texts: list[str] = texts) -> Awaitable[Any]:
                flt = (
                    SearchFilter(columns=(rng.choice(columns),), statuses=("published", "draft"))
                    if kind.filtered
                    else None
                )
                sort = SortOrder.PUBLISHED_AT if kind.filtered else SortOrder.RELEVANCE
                return service.search(
                    public if kind.public else newsroom, texts[i], flt, sort, facets=kind.facets
                )

            # warmed up as the GraphQL loop is (the first kind paid for loading the
            # dictionaries and the index's pages): its warm-up texts, unfiltered, untimed
            for text in kind.texts[:WARMUP]:
                await service.search(public if kind.public else newsroom, text, facets=kind.facets)
            cpu = time.process_time()
            per_query: list[float] = []
            samples, pages = await _timed(len(texts), one, per_query)
            out[kind.name] = {
                **_ms(samples),
                "cpu_ms": _cpu_ms(cpu, len(texts)),
                "cpu_p95_ms": _ms(per_query)["p95_ms"],
                "mean_matches": round(statistics.fmean(p.total for p in pages), 1),
            }
        cpu = time.process_time()
        samples, _ = await _timed(
            QUERIES_PER_KIND,
            lambda i: service.suggest(public, rng.choice(["xiang", "乡村", "fx", "岚溪"])),
        )
        out["suggest"] = {**_ms(samples), "cpu_ms": _cpu_ms(cpu, QUERIES_PER_KIND)}
        return out
    finally:
        await service.close()


SEARCH_FIELDS = (
    "totalCount typoTolerant didYouMean "
    "edges { cursor node { score highlights { field fragments } story { id title summary publishedAt } } }"
)
FACET_FIELDS = "facets { field values { value count } }"


def graphql_body(kind: Kind, text: str, column: str | None) -> bytes:
    """The POST body of one search request of this kind."""
    variables: dict[str, Any] = {"q": text}
    args = "query: $q, first: 20"
    decl = "$q: String!"
    if kind.filtered:
        decl += ", $f: SearchFilter"
        args += ", filter: $f, sort: PUBLISHED_AT"
        variables["f"] = {"columnIds": [column], "statuses": ["PUBLISHED", "DRAFT"]}
    selection = SEARCH_FIELDS + (" " + FACET_FIELDS if kind.facets else "")
    query = f"query Search({decl}) {{ search({args}) {{ {selection} }} }}"
    return json.dumps({"query": query, "variables": variables}, ensure_ascii=False).encode()


def graphql_queries(
    data_dir: Path, built: Built, rng: random.Random, console: Console
) -> dict[str, dict[str, float]]:
    """Each kind over HTTP against `ronghub serve` on the built data directory."""
    from bench.procs import child
    from bench.readpath import role_cpu_seconds
    from hub.embedded.store import RECORD, StoreRecord, free_port

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "RONGHUB_DATA_DIR": str(data_dir),
        "RONGHUB_MONGODB_URI": "",
        "RONGHUB_ENV": "development",  # for the newsroom kinds' token
        "RONGHUB_DEV_TOKEN": DEV_TOKEN,
        "RONGHUB_DEFAULT_TENANT": TENANTS[0],
        "RONGHUB_READ_CACHE_ENTRIES": "0",  # every anonymous request searches
        "RONGHUB_HOST": "127.0.0.1",
        "RONGHUB_PORT": str(port),
    }
    columns = list(built.columns[TENANTS[0]].values())
    out: dict[str, dict[str, float]] = {}
    # a busy shared machine can take minutes to start a hub on a large data directory
    with child(
        [sys.executable, "-m", "hub.cli", "serve"],
        env,
        data_dir / "hub.log",
        f"{base}/readyz",
        ready_timeout=600,
    ) as proc:
        record = StoreRecord.read(data_dir / "store" / RECORD)
        roles = {"hub": proc.pid, **({"store": record.pid} if record else {})}

        def cpu_now() -> float:
            # the hub is also its API workers (RONGHUB_API_WORKERS, its children): they
            # run the searches, the parent alone spends next to nothing
            return sum(role_cpu_seconds(name, pid, roles) for name, pid in roles.items())

        # the hub's background work (job worker polls, store housekeeping) spends CPU while
        # no request runs: measured idle, and taken off each request's share of its wall time
        cpu = cpu_now()
        idle_started = time.perf_counter()
        time.sleep(IDLE_SECONDS)
        idle_rate = (cpu_now() - cpu) / (time.perf_counter() - idle_started)
        console.print(f"  idle hub + store: {idle_rate * 1000:.1f} ms CPU per second")
        with httpx.Client(base_url=base, timeout=60) as client:
            for kind in kinds(rng):
                headers = {"content-type": "application/json"}
                if not kind.public:
                    headers["authorization"] = f"Bearer {DEV_TOKEN}"
                bodies = [graphql_body(kind, t, rng.choice(columns)) for t in kind.texts]
                totals = []
                samples = []
                cpu = 0.0
                for i, body in enumerate(bodies):
                    if i == WARMUP:
                        cpu = cpu_now()
                    started = time.perf_counter()
                    r = client.post("/graphql", content=body, headers=headers)
                    elapsed = time.perf_counter() - started
                    answer = r.json()
                    if r.status_code != 200 or answer.get("errors"):
                        raise RuntimeError(f"{kind.name}: {r.status_code} {str(answer)[:500]}")
                    if i >= WARMUP:
                        samples.append(elapsed)
                        totals.append(answer["data"]["search"]["totalCount"])
                spent = cpu_now() - cpu
                net = spent - idle_rate * sum(samples)
                out[kind.name] = {
                    **_ms(samples),
                    "cpu_ms": round(spent * 1000 / len(samples), 2),
                    "cpu_ms_net_of_idle": round(max(0.0, net) * 1000 / len(samples), 2),
                    "mean_matches": round(statistics.fmean(totals), 1),
                }
                console.print(f"  graphql {kind.name}: {out[kind.name]}")
    return out


# ---- 4. save → searchable ---------------------------------------------------------------


async def _lag(workdir: Path) -> dict[str, float]:
    """Save through the repository, index through the outbox's entry point, search."""
    from hub.embedded.store import EmbeddedStore
    from hub.search import service as search_service
    from hub.store.stories import StoryRepository
    from hub.wiring import connect

    service = SearchService(TantivyEngine(workdir / "lag-search"), Lexicons(use_store=False))
    await service.start()
    with EmbeddedStore(workdir / "lag-store") as store:
        database = await connect(store.uri, "bench_search")
        search_service.install(service)
        try:
            tenant = "bench-lag"
            repo = StoryRepository(Scope(tenant, actor="bench", public_only=False))
            samples = []
            for i in range(LAG_SAMPLES):
                word = f"测{i}试{i}"
                started = time.perf_counter()
                story = await repo.create(
                    {"title": f"延迟样本{word}", "body_text": "示例区今日天气晴"}
                )
                await search_service.handle_story_changed(tenant, story.id)
                page = await service.search(
                    Scope(tenant, actor="bench", public_only=False), f"延迟样本{word}", facets=False
                )
                assert page.total >= 1, "a saved story was not searchable"
                samples.append(time.perf_counter() - started)
            return _ms(samples)
        finally:
            search_service.install(None)
            await database.close()
            await service.close()


def _check_populated(name: str, figures: dict[str, float], n: int) -> None:
    # ten matches on average from 2,000 stories up (a quick run on fewer asks for fewer)
    if "mean_matches" in figures and figures["mean_matches"] < min(10, n // 200):
        raise RuntimeError(
            f"the {name} queries match almost nothing ({figures}): the bench would measure an empty index"
        )


def run(n: int, data_dir: Path, console: Console) -> dict[str, Any]:
    built = reuse(n, data_dir)
    if built is None and (data_dir / BUILT).is_file():
        # another N, or an older index schema: built again from nothing (the store too,
        # or it would hold two copies of every story)
        console.print(f"  {data_dir} holds another build (N or index schema): removed")
        shutil.rmtree(data_dir)
    if built is None:
        console.print(f"  building {n:,} stories in {data_dir}")
        data_dir.mkdir(parents=True, exist_ok=True)
        built = asyncio.run(build(n, data_dir, console))
    else:
        console.print(f"  reusing the build of {n:,} stories in {data_dir}")
    engine = asyncio.run(engine_queries(data_dir, built, random.Random(11)))
    for name, figures in engine.items():
        _check_populated(name, figures, n)
    graphql = graphql_queries(data_dir, built, random.Random(13), console)
    for name, figures in graphql.items():
        _check_populated(name, figures, n)
    lag = asyncio.run(_lag(data_dir))
    return {
        "stories": n,
        "index_seconds": built.index_seconds,
        "index_docs_per_second": built.index_docs_per_second,
        "queries": engine,
        "graphql": graphql,
        "save_to_searchable": lag,
        "target_p95_ms": TARGET_P95_MS,
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> dict[str, Any]:
    """Run the benchmark (RONGHUB_BENCH_SEARCH_N stories, default 100,000); print and return figures."""
    n = int(os.environ.get("RONGHUB_BENCH_SEARCH_N", DEFAULT_N))
    keep = os.environ.get("RONGHUB_BENCH_SEARCH_DIR")
    console = Console(stderr=True, width=max(140, Console(stderr=True).width))
    console.print(
        f"[bold]search bench[/bold]: {n:,} synthetic stories, embedded tantivy, GraphQL over HTTP"
    )
    if keep:
        results = run(n, Path(keep), console)
    else:
        with tempfile.TemporaryDirectory(prefix="ronghub-search-bench-") as tmp:
            results = run(n, Path(tmp), console)
    table = Table(
        title=f"search: {n:,} stories, {results['index_docs_per_second']:,} stories/s indexing, load {results['loadavg']}"
    )
    table.add_column("measure")
    for col in (
        "matches",
        "engine p50",
        "engine p95",
        "engine CPU",
        "engine CPU p95",
        "GraphQL p50",
        "GraphQL p95",
        "GraphQL CPU",
        "GraphQL CPU net",
    ):
        table.add_column(col + (" ms" if col != "matches" else ""), justify="right")
    for name, e in results["queries"].items():
        g = results["graphql"].get(name, {})
        table.add_row(
            name,
            str(e.get("mean_matches", "")),
            str(e["p50_ms"]),
            str(e["p95_ms"]),
            str(e["cpu_ms"]),
            str(e.get("cpu_p95_ms", "")),
            str(g.get("p50_ms", "")),
            str(g.get("p95_ms", "")),
            str(g.get("cpu_ms", "")),
            str(g.get("cpu_ms_net_of_idle", "")),
        )
    lag = results["save_to_searchable"]
    table.add_row(
        "save → searchable", "", str(lag["p50_ms"]), str(lag["p95_ms"]), "", "", "", "", "", ""
    )
    console.print(table)
    return results


if __name__ == "__main__":
    main()
