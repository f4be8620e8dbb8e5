"""Search relevance evaluation: judged queries over the demo stories and the seed articles.

    python -m bench.search_eval              # table of MRR and nDCG@5 per class
    python -m bench.search_eval --json out.json --misses

The judged queries are in bench/search_eval.toml (our own wording, judged by reading
the stories). The corpus is the demo center's stories (hub/demo/content.py) and the
five seed articles (RONGHUB_SEEDS_DIR, else the shared/seeds found above the checkout),
indexed into a temporary embedded engine exactly as the hub indexes published stories.

MRR: 1/rank of the first story judged relevant (grade ≥ 1) within the first ten, else 0.
nDCG@5: graded gain 2^grade - 1 with a log2 discount, over the ideal order of the
judged stories. `main()` returns the figures as a dict (the test asserts the floors).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import sys
import tempfile
import time
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
QUERIES = Path(__file__).with_suffix(".toml")
TENANT = "eval"
DEPTH = 10
NDCG_AT = 5


@dataclass(frozen=True)
class Judged:
    cls: str
    query: str
    relevant: Mapping[str, int]  # story key -> grade (2 answers it, 1 related)


def load_queries(path: Path = QUERIES) -> list[Judged]:
    """The judged queries of the TOML file."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [
        Judged(cls=q["class"], query=q["q"], relevant=dict(q["relevant"])) for q in data["query"]
    ]


def seeds_dir() -> Path:
    """RONGHUB_SEEDS_DIR, else the nearest shared/seeds above the checkout (main or a worktree)."""
    configured = os.environ.get("RONGHUB_SEEDS_DIR")
    if configured:
        return Path(configured)
    return next(
        (p / "shared" / "seeds" for p in ROOT.parents if (p / "shared" / "seeds").is_dir()),
        ROOT.parent / "shared" / "seeds",
    )


# ---- metrics (pure) -------------------------------------------------------------------


def reciprocal_rank(
    ranked: Sequence[str], relevant: Mapping[str, int], depth: int = DEPTH
) -> float:
    """1/rank of the first relevant story in the first `depth`, else 0."""
    for i, key in enumerate(ranked[:depth], start=1):
        if relevant.get(key, 0) > 0:
            return 1.0 / i
    return 0.0


def ndcg(ranked: Sequence[str], relevant: Mapping[str, int], k: int = NDCG_AT) -> float:
    """Normalised discounted cumulative gain at k with gains 2^grade - 1."""

    def dcg(grades: Sequence[int]) -> float:
        return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:k]))

    ideal = dcg(sorted(relevant.values(), reverse=True))
    return dcg([relevant.get(key, 0) for key in ranked]) / ideal if ideal > 0 else 0.0


# ---- corpus ---------------------------------------------------------------------------


def corpus() -> list[tuple[str, str, str, str, tuple[str, ...]]]:
    """(key, title, summary, body, tags) of every demo story and seed article."""
    from hub.demo.content import STORIES

    out = []
    for s in STORIES:
        summary = " ".join(p for p in (s.get("subtitle"), s.get("summary")) if p)
        out.append(
            (s["title"], s["title"], summary, s.get("body_text", ""), tuple(s.get("tags", ())))
        )
    for path in sorted(seeds_dir().glob("0*.txt")):
        first, _, rest = path.read_text(encoding="utf-8").lstrip("\n").partition("\n")
        out.append((f"seed:{path.name[:3]}", first.strip()[:200], "", rest, ()))
    return out


async def evaluate(queries: Sequence[Judged]) -> dict[str, Any]:
    """Index the corpus in a temporary engine, run every query, score it."""
    from hub.search.lexicon import Lexicons
    from hub.search.port import SearchDocument
    from hub.search.service import SearchService
    from hub.search.tantivy_engine import TantivyEngine
    from hub.store.scope import Scope

    docs = corpus()
    keys = {d[0] for d in docs}
    unknown = sorted({k for q in queries for k in q.relevant if k not in keys})
    if unknown:
        raise SystemExit(f"judged stories not in the corpus: {unknown}")
    with tempfile.TemporaryDirectory() as tmp:
        service = SearchService(TantivyEngine(Path(tmp)), Lexicons(use_store=False))
        await service.start()
        try:
            ids = {f"s{i:03d}": d[0] for i, d in enumerate(docs)}
            await service.index_documents(
                [
                    SearchDocument(
                        tenant=TENANT,
                        id=f"s{i:03d}",
                        title=title,
                        summary=summary,
                        body=body,
                        tags=tags,
                        status="published",
                        audience="public",
                        published_at=1_700_000_000_000 + i * 60_000,
                        updated_at=1_700_000_000_000 + i * 60_000,
                    )
                    for i, (_, title, summary, body, tags) in enumerate(docs)
                ]
            )
            scope = Scope(tenant=TENANT)
            rows = []
            for q in queries:
                started = time.perf_counter()
                page = await service.search(scope, q.query, limit=DEPTH, facets=False)
                ms = (time.perf_counter() - started) * 1000
                ranked = [ids[h.id] for h in page.hits]
                rows.append(
                    {
                        "class": q.cls,
                        "query": q.query,
                        "ranked": ranked,
                        "rr": reciprocal_rank(ranked, q.relevant),
                        "ndcg5": ndcg(ranked, q.relevant),
                        "ms": ms,
                        "did_you_mean": getattr(page, "did_you_mean", None),
                    }
                )
        finally:
            await service.close()
    return summarise(rows)


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-class and overall means."""
    classes: dict[str, dict[str, float]] = {}
    for cls in dict.fromkeys(r["class"] for r in rows):
        mine = [r for r in rows if r["class"] == cls]
        classes[cls] = {
            "n": len(mine),
            "mrr": statistics.fmean(r["rr"] for r in mine),
            "ndcg5": statistics.fmean(r["ndcg5"] for r in mine),
        }
    overall = {
        "n": len(rows),
        "mrr": statistics.fmean(r["rr"] for r in rows),
        "ndcg5": statistics.fmean(r["ndcg5"] for r in rows),
        "p95_ms": sorted(r["ms"] for r in rows)[max(0, math.ceil(len(rows) * 0.95) - 1)],
    }
    return {"classes": classes, "overall": overall, "rows": rows}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="search-eval", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--json", type=Path, help="also write the figures (and every query's ranking) here"
    )
    parser.add_argument(
        "--misses", action="store_true", help="list the queries whose first hit is not relevant"
    )
    args = parser.parse_args(argv)
    result = asyncio.run(evaluate(load_queries()))

    from rich.console import Console
    from rich.table import Table

    table = Table(title="搜索相关性评测 / search relevance")
    for col in ("class", "queries", "MRR", "nDCG@5"):
        table.add_column(col, justify="left" if col == "class" else "right")
    for cls, m in result["classes"].items():
        table.add_row(cls, str(m["n"]), f"{m['mrr']:.3f}", f"{m['ndcg5']:.3f}")
    o = result["overall"]
    table.add_row("overall", str(o["n"]), f"{o['mrr']:.3f}", f"{o['ndcg5']:.3f}", style="bold")
    console = Console()
    console.print(table)
    console.print(
        f"query p95 {o['p95_ms']:.1f} ms (small corpus; see bench/search_bench.py for 100k)"
    )
    if args.misses:
        for r in result["rows"]:
            if r["rr"] < 1.0:
                console.print(
                    f"[{r['class']}] {r['query']} rr={r['rr']:.2f} → {r['ranked'][:3]}",
                    markup=False,
                )
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
