"""问政 figures benchmark (issue 17): a county's year of 问政 — the seed county's 2,608
questions, 1,495 of them forwarded and answered — on the embedded store, then what
`wenzhengFigures` and the CSV export do per request: read the period's questions
(`WenzhengStore.in_period`, only the fields the figures need) and compute the figures
(`hub.wenzheng.figures.compute`). The console's 问政数据 page asks once per visit.

`python -m bench.wenzheng_figures` — a fresh embedded store in a temporary folder.
RONGHUB_BENCH_QUESTIONS (2,608) questions over 2026, RONGHUB_BENCH_RUNS (20) timed runs
each of a year, a quarter and a month. The documents are written in bulk in the shape
`hub/wenzheng/store.py` stores them (forwards with deadlines and answers, history lines,
personal-data findings), through the QuestionDoc model. Target: a year's figures at p95
≤ 1 s, so the page answers without a spinner worth the name.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.fanout import percentile
from hub.embedded.store import EmbeddedStore
from hub.ids import new_id
from hub.store.scope import Scope
from hub.wenzheng import figures
from hub.wenzheng.documents import QuestionDoc
from hub.wenzheng.rules import ForwardStatus, QuestionStatus
from hub.wenzheng.sla import CENTER_TZ
from hub.wenzheng.store import WenzhengStore
from hub.wiring import connect

TENANT = "bench"
HOUR = 3_600_000
DAY = 24 * HOUR
YEAR_START = int(datetime(2026, 1, 1, tzinfo=CENTER_TZ).timestamp() * 1000)
YEAR_END = int(datetime(2027, 1, 1, tzinfo=CENTER_TZ).timestamp() * 1000)
CATEGORIES = ("城建", "交通", "教育", "医疗", "民政", "环保", "市场监管", "农业", "社保", "其他")
DEPARTMENTS = [
    (f"d{i:02d}", name)
    for i, name in enumerate(
        (
            "县住建局",
            "县城管局",
            "县交通局",
            "县教育局",
            "县卫健委",
            "县民政局",
            "县生态环境局",
            "县市场监管局",
            "县农业农村局",
            "县人社局",
            "县公安局",
            "县水利局",
            "县自然资源局",
            "县文旅局",
            "县应急管理局",
            "县供电公司",
            "县自来水公司",
            "青山镇",
            "岚溪镇",
            "城关镇",
            "县信访局",
            "县发改委",
            "县财政局",
            "县税务局",
            "县医保局",
        )
    )
]
TEXT = "岚溪路88号门口的井盖坏了,晚上很危险,请尽快修理。附近的路灯也不亮,老人孩子出行不便,希望有关部门尽快处理。联系电话 13812345678"


def _questions(n: int, answered: int, seed: int = 17) -> list[dict[str, Any]]:
    """n questions received over the year; `answered` of them forwarded (one or two
    departments) and answered, the rest screened out or still waiting."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        received = YEAR_START + rng.randrange(YEAR_END - YEAR_START - 30 * DAY)
        forwards: dict[str, dict[str, Any]] = {}
        history = {"000001": {"at": received, "kind": "submit", "actor": "client:app"}}
        status = QuestionStatus.REPLIED
        rating = None
        if i < answered:
            for k, (dept, name) in enumerate(
                rng.sample(DEPARTMENTS, 1 if rng.random() < 0.8 else 2)
            ):
                at = received + rng.randrange(2 * HOUR, 3 * DAY)
                deadline = at + 7 * DAY
                took = int(rng.lognormvariate(4, 0.8) * HOUR)  # a median of ~2 days
                forwards[f"{k + 1:03d}"] = {
                    "department": dept,
                    "department_name": name,
                    "status": ForwardStatus.ANSWERED.value,
                    "forwarded_at": at,
                    "forwarded_by": "u-editor",
                    "days": 5,
                    "deadline": deadline,
                    "remind_at": deadline - DAY,
                    "reminded_at": deadline - DAY if took > 6 * DAY else None,
                    "escalated_at": deadline + 1 if took > 7 * DAY else None,
                    "accepted_at": at + HOUR,
                    "answer": "经现场核实,已安排维修,井盖已更换,路灯已修复。感谢您的监督。" * 2,
                    "answered_at": at + took,
                    "answered_by": "u-dept",
                    "late": at + took > deadline,
                }
                for j, kind in enumerate(("forward", "forward.accept", "forward.answer")):
                    history[f"{len(history) + 1:06d}"] = {
                        "at": at + j * HOUR,
                        "kind": kind,
                        "actor": "u",
                        "forward": f"{k + 1:03d}",
                    }
            if rng.random() < 0.4:
                rating = rng.choice((3, 4, 4, 5, 5, 5))
        else:
            status = rng.choice(
                [QuestionStatus.REJECTED] * 6
                + [QuestionStatus.MERGED] * 3
                + [QuestionStatus.LEAD]
                + [QuestionStatus.RECEIVED, QuestionStatus.ACCEPTED]
            )
            history["000002"] = {"at": received + HOUR, "kind": "screen", "actor": "u-editor"}
        doc = QuestionDoc(
            id=new_id(),
            tenant=TENANT,
            tracking_number=f"WZ{i:08d}",
            check_code="K7M3QX2A",
            created_by="client:app",
            external_id=f"APP-{i}",
            text=TEXT,
            category=rng.choice(CATEGORIES),
            place="岚溪路",
            contact={"name": "王女士", "phone": "13812345678"},
            status=status,
            findings=[{"code": "PERSONAL_DATA", "kind": "phone"}],
            forwards=forwards,
            departments=sorted({f["department"] for f in forwards.values()}),
            history=history,
            rating=rating,
            replied_at=received + 10 * DAY if forwards else None,
            received_at=received,
            updated_at=received + 10 * DAY,
        )
        out.append(doc.model_dump(by_alias=True, mode="json"))
    return out


async def _timed(
    label: str, runs: int, since: int, until: int, store: WenzhengStore
) -> dict[str, Any]:
    reads, computes, totals = [], [], []
    count = 0
    for _ in range(runs):
        started = time.perf_counter()
        docs = await store.in_period(since, until)
        read = time.perf_counter()
        figs = figures.compute(docs, until)
        done = time.perf_counter()
        reads.append((read - started) * 1000)
        computes.append((done - read) * 1000)
        totals.append((done - started) * 1000)
        count = figs.total["received"]
    row = {
        "questions": count,
        "read_p50_ms": round(percentile(reads, 0.5), 1),
        "compute_p50_ms": round(percentile(computes, 0.5), 1),
        "p50_ms": round(percentile(totals, 0.5), 1),
        "p95_ms": round(percentile(totals, 0.95), 1),
        "runs": runs,
    }
    print(
        f"  {label:<28} {count:>5} questions   read p50 {row['read_p50_ms']:>7.1f} ms   compute p50 {row['compute_p50_ms']:>6.1f} ms"
        f"   total p50 {row['p50_ms']:>7.1f} ms   p95 {row['p95_ms']:>7.1f} ms",
        flush=True,
    )
    return row


async def run(n: int, runs: int, workdir: Path) -> dict[str, Any]:
    answered = min(n, round(n * 1495 / 2608))
    out: dict[str, Any] = {"questions": n, "forwarded_and_answered": answered}
    with EmbeddedStore(workdir / "store") as embedded:
        db = await connect(embedded.uri, "wenzheng_bench", timeout_s=30)
        try:
            docs = _questions(n, answered)
            started = time.perf_counter()
            coll = QuestionDoc.get_pymongo_collection()
            for i in range(0, len(docs), 500):
                await coll.insert_many(docs[i : i + 500], ordered=False)
            out["load_s"] = round(time.perf_counter() - started, 1)
            print(
                f"stored {n:,} questions ({answered:,} forwarded and answered) in {out['load_s']} s",
                flush=True,
            )
            store = WenzhengStore(Scope(tenant=TENANT, actor="bench", public_only=False), None)  # type: ignore[arg-type]
            out["figures"] = {
                "year": await _timed("wenzhengFigures (a year)", runs, YEAR_START, YEAR_END, store),
                "quarter": await _timed(
                    "wenzhengFigures (a quarter)", runs, YEAR_START, YEAR_START + 90 * DAY, store
                ),
                "month": await _timed(
                    "wenzhengFigures (a month)", runs, YEAR_START, YEAR_START + 30 * DAY, store
                ),
            }
        finally:
            await db.close()
    return out


def main() -> dict[str, Any]:
    n = int(os.environ.get("RONGHUB_BENCH_QUESTIONS", "2608"))
    runs = int(os.environ.get("RONGHUB_BENCH_RUNS", "20"))
    with tempfile.TemporaryDirectory(prefix="wenzheng-bench-") as tmp:
        result = asyncio.run(run(n, runs, Path(tmp)))
    result["targets_met"] = result["figures"]["year"]["p95_ms"] <= 1000
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return result


if __name__ == "__main__":
    sys.exit(0 if main()["targets_met"] else 1)
