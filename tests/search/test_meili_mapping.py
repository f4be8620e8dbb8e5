"""What the Meilisearch engine sends, checked without a server (the contract suite
runs against a real one when RONGHUB_MEILI_URL is set)."""

from __future__ import annotations

from hub.search import analysis
from hub.search.analysis import Lexicon, plan_query
from hub.search.documents import analyze_document
from hub.search.meili_engine import code, filter_expression, matching_strategy, query_text, to_meili
from hub.search.port import SearchDocument, SearchFilter, SearchRequest
from hub.store.scope import Scope


def test_chinese_reaches_meilisearch_only_as_folded_opaque_codes() -> None:
    doc = SearchDocument(tenant="t", id="1", title="應急廣播", body="待處理")
    sent = to_meili(analyze_document(doc, Lexicon.build()))
    assert code("广播") in sent["grams"].split()
    assert code("处理") in sent["grams"].split()
    assert sent["title"] == "應急廣播"  # the original, for our highlighter
    assert all(c.isascii() for c in sent["grams"])


def test_query_units_become_phrases_of_bigram_codes() -> None:
    request = SearchRequest(plan=plan_query("處理 app"))
    assert query_text(request) == f"{code('处理')} app"
    request = SearchRequest(plan=plan_query("待处理"))
    assert query_text(request) == f'"{code("待处")} {code("处理")}"'


def test_every_filter_names_the_tenant_and_the_audience() -> None:
    expr = filter_expression(Scope('t"1'), SearchFilter(columns=("a",), tags=("x",), since=5))
    assert expr.startswith('tenant = "t\\"1" AND audience = "public"')
    assert 'column IN ["a"]' in expr and 'tags = "x"' in expr and "published_at >= 5" in expr
    newsroom = filter_expression(Scope("t", actor="e", public_only=False), SearchFilter())
    assert newsroom == 'tenant = "t" AND audience = "newsroom"'


def test_question_words_stay_out_of_the_query_and_long_queries_drop_frequent_words() -> None:
    plan = plan_query("消费券在哪里领")  # 消费|券|在|哪里|领: only 消费 is required
    assert query_text(SearchRequest(plan=plan)) == code("消费")
    assert matching_strategy(plan_query("蜜桃")) == "all"
    assert matching_strategy(plan_query("晚上孩子发烧看病")) == "frequency"


def test_head_words_homophone_keys_and_regional_readings_are_sent() -> None:
    doc = SearchDocument(tenant="t", id="1", title="爱心送考", summary="計程車免费接送")
    sent = to_meili(analyze_document(doc, Lexicon.build()))
    assert code("计程") in sent["title_grams"].split()  # the summary counts as the head
    assert code("出租") in sent["grams"].split()  # 計程車 read as 出租车 too
    assert analysis.vocab_key("送考") in sent["vocab"]
