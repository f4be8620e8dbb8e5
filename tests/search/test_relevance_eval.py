"""The judged relevance evaluation (bench/search_eval.toml) meets its floors: MRR at
least 0.9 overall and 0.8 in every query class, on the embedded engine."""

from __future__ import annotations

import pytest

from bench import search_eval

pytestmark = pytest.mark.skipif(
    not search_eval.seeds_dir().is_dir(), reason="the seed articles are not next to this checkout"
)

OVERALL_MRR = 0.9
CLASS_MRR = 0.8
CLASSES = {"question", "homophone", "regional", "name", "keyword", "traditional", "pinyin", "infix"}


def test_metrics_reward_the_relevant_story_first() -> None:
    judged = {"a": 2, "b": 1}
    assert search_eval.reciprocal_rank(["x", "a"], judged) == 0.5
    assert search_eval.reciprocal_rank(["x", "y"], judged) == 0.0
    assert search_eval.ndcg(["a", "b"], judged) == pytest.approx(1.0)
    assert search_eval.ndcg(["b", "a"], judged) < 1.0


def test_the_judged_queries_cover_every_class_with_enough_queries() -> None:
    queries = search_eval.load_queries()
    assert len(queries) >= 60
    assert {q.cls for q in queries} == CLASSES


async def test_search_meets_the_relevance_floors_in_every_class() -> None:
    result = await search_eval.evaluate(search_eval.load_queries())
    assert result["overall"]["mrr"] >= OVERALL_MRR, result["overall"]
    low = {c: round(m["mrr"], 3) for c, m in result["classes"].items() if m["mrr"] < CLASS_MRR}
    assert not low, low
