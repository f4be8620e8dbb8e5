"""Chinese analysis: pure functions, the same at index and query time."""

from __future__ import annotations

from hub.search import analysis
from hub.search.analysis import Lexicon, plan_query


def test_fold_turns_traditional_fullwidth_and_capitals_into_one_form() -> None:
    assert analysis.fold("融媒體中心ＡＰＰ") == "融媒体中心app"


def test_fold_aligned_keeps_every_offset() -> None:
    text = "應急廣播ＡＰＰ"
    assert len(analysis.fold_aligned(text)) == len(text)
    assert analysis.fold_aligned(text) == "应急广播app"


def test_search_mode_cut_keeps_words_and_their_subwords() -> None:
    words = analysis.words("联合国峰会")
    assert {"联合国", "联合", "峰会"} <= set(words)


def test_query_is_cut_like_documents_into_required_units() -> None:
    plan = plan_query("联合国峰会和平谈判")
    assert [u.text for u in plan.units] == ["联合国", "峰会", "和平谈判"]
    assert set(plan.units[2].subwords) == {"和平", "谈判"}


def test_grams_cover_every_infix_of_a_run() -> None:
    assert analysis.grams("待处理,好") == ["待处", "处理", "好"]
    assert analysis.gram_phrase("处理事") == ["处理", "理事"]


def test_pinyin_streams_have_one_syllable_and_initial_per_character() -> None:
    a = analysis.analyze("融媒体中心", Lexicon())
    assert a.syllables == ["rong", "mei", "ti", "zhong", "xin"]
    assert "".join(a.initials) == "rmtzx"
    assert "rongmeiti" in a.word_pinyin  # the two words 融 + 媒体 joined


def test_run_together_pinyin_splits_into_syllables() -> None:
    assert analysis.split_pinyin("rongmeiti") == ["rong", "mei", "ti"]
    assert analysis.split_pinyin("lvse") == ["lv", "se"]
    assert analysis.split_pinyin("rmt") is None


def test_quoted_text_is_one_exact_phrase() -> None:
    plan = plan_query('"待处理事项" 县级')
    assert [(u.text, u.kind) for u in plan.units] == [("待处理事项", "phrase"), ("县级", "cjk")]


def test_latin_queries_carry_their_pinyin_syllables() -> None:
    (unit,) = plan_query("XiangXiang").units
    assert unit.kind == "latin" and unit.syllables == ("xiang", "xiang")


def test_tenant_dictionary_makes_a_name_one_unit_with_synonyms() -> None:
    lexicon = Lexicon.build(["岚溪湾"], [["村村响", "应急广播"]])
    assert [u.text for u in plan_query("岚溪湾", lexicon).units] == ["岚溪湾"]
    (unit,) = plan_query("村村響", lexicon).units
    assert unit.text == "村村响" and unit.synonyms == ("应急广播",)
    assert "岚溪湾" in analysis.words("去岚溪湾码头", lexicon)


def test_built_in_synonyms_go_both_ways() -> None:
    lexicon = Lexicon.build()
    assert lexicon.synonyms["医保"] == ("医疗保险",)
    assert lexicon.synonyms["医疗保险"] == ("医保",)


def test_one_wrong_character_phrases_skip_the_broken_bigrams() -> None:
    phrases = analysis.one_typo_phrases("融媒休中心")
    assert [(0, "融媒"), (3, "中心")] in phrases  # 休 replaced
    # three characters keep one bigram (消费卷 for 消费券 still finds 消费); two keep none
    assert analysis.one_typo_phrases("消费卷") == [[(1, "费卷")], [(0, "消费")]]
    assert analysis.one_typo_phrases("融媒") == []


def test_suggestion_keys_offer_a_word_by_characters_pinyin_and_initials() -> None:
    keys = {k.split(analysis.SUGGEST_SEP)[0] for k in analysis.suggestion_keys("湘乡")}
    assert keys == {"湘乡", "xiangxiang", "xx"}


def test_question_words_and_lone_characters_of_a_long_query_are_optional() -> None:
    plan = analysis.plan_query("消费券在哪里领")
    assert [u.text for u in plan.required] == ["消费"]
    assert {u.text for u in plan.units if u.optional} == {"券", "在", "哪里", "领"}
    # a short query keeps its lone characters (昆都伦 may be cut 昆都|伦), and a query of
    # question words only keeps them all
    assert all(not u.optional for u in analysis.plan_query("昆都 伦").units)
    assert all(not u.optional for u in analysis.plan_query("怎么").units)


def test_taiwan_and_hong_kong_words_read_as_mainland_words() -> None:
    assert analysis.regional("計程車與網路軟體") == "出租车与网络软件"
    assert analysis.fold("計程車") == "计程车"  # folding alone converts characters only


def test_only_the_clauses_a_regional_reading_changes_are_indexed_again() -> None:
    text = "高考期間,計程車愛心送考。天氣晴"
    assert analysis.regional_extra(text, analysis.fold(text)) == "出租车爱心送考"
    assert analysis.regional_extra("天气晴", "天气晴") == ""
    assert "出租车" in analysis.analyze(text).words


def test_a_homophone_must_share_a_character_and_the_most_used_wins() -> None:
    assert analysis.likely_spelling("元霄", [("院校", 9), ("元宵", 2)]) == "元宵"
    assert analysis.likely_spelling("的士", [("第十", 5)]) is None
    assert analysis.likely_spelling("竹鞭", [("竹鞭", 3)]) is None


def test_spelling_candidates_are_required_words_and_a_lone_character_with_its_neighbour() -> None:
    assert analysis.spelling_candidates(analysis.plan_query("竹鞭手艺人")) == ["竹鞭", "手艺人"]
    assert "消费卷" in analysis.spelling_candidates(analysis.plan_query("消费卷"))
    assert "哪里" not in analysis.spelling_candidates(analysis.plan_query("竹鞭在哪里买"))
