"""传播效果 and 绩效 domain rules, without a server: the collection schedule, buckets,
growth, bot filtering, beacons, the read buffer, scoring rules and charts."""

from __future__ import annotations

from itertools import pairwise
from xml.etree import ElementTree

import pytest
from ronghub_sdk import Metrics

from hub.errors import HubError
from hub.reach import charts, measures, scoring
from hub.reach.bots import is_bot
from hub.reach.queries import months_since, period
from hub.reach.reads import ReadCounter, check_beacon
from hub.reach.schedule import (
    COLLECTION_SCHEDULE_S,
    day_of,
    due_after_s,
    hour_of,
    month_bounds_ms,
    month_days,
    month_of,
)

# 2026-11-30 23:30 China time = 15:30 UTC
LATE_NOVEMBER_MS = 1_796_052_600_000


def test_fetches_are_frequent_while_fresh_and_rare_after_and_end_after_a_month() -> None:
    gaps = [b - a for a, b in pairwise(COLLECTION_SCHEDULE_S)]
    assert due_after_s(1) == 300 and due_after_s(4) == 3_600
    assert sum(1 for s in COLLECTION_SCHEDULE_S if s <= 3_600) == 4 and gaps == sorted(
        gaps
    )  # never denser later
    assert (
        due_after_s(len(COLLECTION_SCHEDULE_S)) == 30 * 86_400
        and due_after_s(len(COLLECTION_SCHEDULE_S) + 1) is None
    )
    with pytest.raises(ValueError):
        due_after_s(0)


def test_buckets_are_days_and_months_in_china_time() -> None:
    assert day_of(LATE_NOVEMBER_MS) == "2026-11-30" and month_of(LATE_NOVEMBER_MS) == "2026-11"
    assert (
        day_of(LATE_NOVEMBER_MS + 3_600_000) == "2026-12-01"
    )  # 00:30 in Beijing, still the 30th in UTC
    assert hour_of(LATE_NOVEMBER_MS) == "2026-11-30T23"
    assert month_days("2026-02") == ("2026-02-01", "2026-02-28") and month_days("2026-12") == (
        "2026-12-01",
        "2026-12-31",
    )
    start, end = month_bounds_ms("2026-12")
    assert (
        start == LATE_NOVEMBER_MS + 1_800_000
        and day_of(end - 1) == "2026-12-31"
        and day_of(end) == "2027-01-01"
    )


def test_a_period_is_a_month_or_checked_days() -> None:
    assert period("2026-12").month == "2026-12"
    assert (
        period(first="2026-12-01", last="2026-12-31").month == "2026-12"
    )  # a whole month uses the rollups
    assert period(first="2026-12-01", last="2026-12-07").month is None
    for bad in (
        {"month": "2026-13"},
        {"first": "2026-12-08", "last": "2026-12-01"},
        {"first": "2026-12-01"},
        {"first": "2020-01-01", "last": "2026-01-01"},
    ):
        with pytest.raises(HubError) as err:
            period(**bad)
        assert err.value.code == "REACH_PERIOD_INVALID"


def test_a_story_s_curve_covers_the_months_since_it_was_created_at_most_two_years() -> None:
    assert months_since(LATE_NOVEMBER_MS, LATE_NOVEMBER_MS + 3_600_000) == ["2026-11", "2026-12"]
    assert months_since(LATE_NOVEMBER_MS, LATE_NOVEMBER_MS) == ["2026-11"]
    assert (
        months_since(LATE_NOVEMBER_MS - 800 * 86_400_000, LATE_NOVEMBER_MS)[0] == "2024-12"
    )  # the last 24


def test_growth_is_the_rise_from_the_previous_point_and_a_platform_s_correction_is_kept_apart() -> (
    None
):
    points = [
        {"views": 100, "likes": 5},
        {"views": 250, "likes": 4},
        {"views": 900, "likes": 9, "shares": 2},
    ]
    gained: dict[str, int] = {}
    taken: dict[str, int] = {}
    previous: dict[str, int] = {}
    for p in points:
        measures.add(gained, measures.growth(previous, p))
        measures.add(taken, measures.corrections(previous, p))
        previous = p
    assert gained == {"views": 900, "likes": 10, "shares": 2} and taken == {"likes": 1}
    assert {
        k: gained[k] - taken.get(k, 0) for k in gained
    } == previous  # growth − corrections = the latest count
    assert measures.growth({"views": 250, "likes": 5}, {"views": 250, "likes": 4}) == {
        "views": 0,
        "likes": 0,
    }
    assert measures.corrections({"views": 250, "likes": 5}, {"views": 250, "likes": 4}) == {
        "likes": 1
    }
    assert measures.corrections({}, {"views": 3}) == {}


def test_metrics_keep_only_what_the_platform_reported() -> None:
    got = measures.values_of(
        Metrics(views=10, likes=None, completion_rate=1.7, adopted=True, score=3)
    )
    assert got == {"views": 10, "completion_rate": 1.0, "adopted": True, "score": 3}


@pytest.mark.parametrize(
    "agent",
    [
        None,
        "",
        "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
        "Mozilla/5.0 (compatible; Googlebot/2.1)",
        "Sogou web spider/4.0",
        "curl/8.5.0",
        "python-httpx/0.28.1",
        "facebookexternalhit/1.1",
        "Mozilla/5.0 (Linux; Android 10) Bytespider",
        "Mozilla/5.0 HeadlessChrome/120.0",
    ],
)
def test_crawlers_previews_and_http_libraries_are_not_readers(agent: str | None) -> None:
    assert is_bot(agent)


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.47",
        "Mozilla/5.0 (Linux; Android 14; V2309A) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36 YunShang/3.2",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    ],
)
def test_people_s_browsers_and_the_app_are_readers(agent: str) -> None:
    assert not is_bot(agent)


def test_reads_are_buffered_per_story_and_hour_and_bots_are_left_out() -> None:
    counter = ReadCounter()
    counter.read("t1", ["s1", "s2"], "Mozilla/5.0 (iPhone)", LATE_NOVEMBER_MS)
    counter.read("t1", ["s1"], "Mozilla/5.0 (iPhone)", LATE_NOVEMBER_MS + 60_000)
    counter.read("t1", ["s1"], "Baiduspider", LATE_NOVEMBER_MS)
    counter.beacon("t1", "s1", 42_000, True, "Mozilla/5.0 (iPhone)", LATE_NOVEMBER_MS)
    counter.read(
        "t1", ["s1"], "Mozilla/5.0 (iPhone)", LATE_NOVEMBER_MS + 3_600_000
    )  # the next hour
    assert {(t, s, hour_of(h * 3_600_000)): row for (t, s, h), row in counter.pending.items()} == {
        ("t1", "s1", "2026-11-30T23"): [2, 1, 1, 42_000],
        ("t1", "s2", "2026-11-30T23"): [1, 0, 0, 0],
        ("t1", "s1", "2026-12-01T00"): [1, 0, 0, 0],
    }
    off = ReadCounter(enabled=False)
    off.read("t1", ["s1"], "Mozilla/5.0", LATE_NOVEMBER_MS)
    assert off.pending == {}


def test_a_cached_answer_counts_the_stories_its_first_answer_read() -> None:
    counter = ReadCounter(remembered=2)
    counter.remember(("t1", "POST", b"q1"), ["s1", "s1"])
    counter.remember(("t1", "POST", b"q2"), ["s2"])
    counter.remember(("t1", "POST", b"q3"), ["s3"])  # q1 is forgotten (bounded memory)
    for key in (b"q1", b"q2", b"q3"):
        counter.cached_hit("t1", ("t1", "POST", key), "Mozilla/5.0", LATE_NOVEMBER_MS)
    assert {k[1]: v[0] for k, v in counter.pending.items()} == {"s2": 1, "s3": 1}


def test_a_beacon_is_checked_and_its_dwell_capped() -> None:
    assert check_beacon({"story_id": "s1", "dwell_ms": 10**12, "completed": True}) == (
        "s1",
        6 * 3_600_000,
        True,
    )
    for bad in (
        [],
        {"dwell_ms": 5},
        {"story_id": "s1", "dwell_ms": -1},
        {"story_id": "s1", "completed": "yes"},
        {"story_id": "s1", "dwell_ms": True},
    ):
        with pytest.raises(HubError) as err:
            check_beacon(bad)
        assert err.value.code == "REACH_BEACON_INVALID"


RULES = {
    "name": "绩效管理办法",
    "piece_points": {"default": 1, "by_type": {"video": 3}, "by_channel": {"douyin": 2}},
    "bonuses": {"xuexi_adopted": 10, "central_media": 20},
    "reach_thresholds": [
        {"metric": "views", "at_least": 1_000, "points": 2},
        {"metric": "views", "at_least": 10_000, "points": 5},
        {"metric": "shares", "at_least": 100, "points": 1},
    ],
    "role_weights": {"reporter": 0.5, "editor": 0.3, "reviewer": 0.2},
    "departments": {"新闻部": ["li"], "专题部": ["wang"]},
}


def test_valid_rules_have_no_problems() -> None:
    assert scoring.validate(RULES, ("app", "douyin")) == []


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"name": ""}, "name"),
        ({"bogus": 1}, "bogus"),
        ({"piece_points": {"by_type": {"poem": 1}}}, "piece_points.by_type.poem"),
        ({"piece_points": {"by_channel": {"weibo": 1}}}, "piece_points.by_channel.weibo"),
        ({"piece_points": {"default": -1}}, "piece_points.default"),
        ({"piece_points": {"default": float("nan")}}, "piece_points.default"),
        ({"bonuses": {"viral": 5}}, "bonuses.viral"),
        (
            {"reach_thresholds": [{"metric": "clicks", "at_least": 1, "points": 1}]},
            "reach_thresholds[0].metric",
        ),
        (
            {"reach_thresholds": [{"metric": "views", "at_least": 0, "points": 1}]},
            "reach_thresholds[0].at_least",
        ),
        ({"reach_thresholds": [{"metric": "views"}]}, "reach_thresholds[0]"),
        ({"role_weights": {"reporter": 0.7, "editor": 0.7}}, "role_weights"),
        ({"role_weights": {"intern": 0.1}}, "role_weights.intern"),
        ({"departments": {"新闻部": ["li"], "专题部": ["li"]}}, "departments.专题部"),
    ],
)
def test_each_kind_of_mistake_in_the_rules_is_reported_with_its_place(
    change: dict[str, object], path: str
) -> None:
    problems = scoring.validate({**RULES, **change}, ("app", "douyin"))
    assert path in [p.path for p in problems]
    assert all(p.zh and p.en for p in problems)


def test_a_piece_scores_its_type_channels_bonuses_and_highest_threshold_per_metric() -> None:
    piece = scoring.Piece(
        "s1",
        "标题",
        "video",
        ("app", "douyin"),
        {"reporter": "li"},
        xuexi_adopted=True,
        reach={"views": 12_000, "shares": 99},
    )
    points, parts = scoring.piece_score(RULES, piece)
    assert (
        points == 3 + 2 + 10 + 5
    )  # video, 抖音, 学习强国 采用, views ≥ 10,000 (not also ≥ 1,000); shares under 100
    assert parts == ["video 3", "douyin +2", "xuexi_adopted +10", "views≥10000 +5"]


def test_a_month_splits_each_piece_by_role_weights_and_sums_per_department() -> None:
    pieces = [
        scoring.Piece(
            "s1",
            "a",
            "article",
            ("app",),
            {"reporter": "li", "editor": "wang", "reviewer": "zhao"},
            reach={"views": 10},
        ),
        scoring.Piece(
            "s2",
            "b",
            "article",
            ("app",),
            {"reporter": "li", "editor": None, "reviewer": None},
            central_media=True,
        ),
    ]
    people = {p.person: p for p in scoring.score_month(RULES, pieces)}
    assert people["li"].points == 0.5 * 1 + 0.5 * 21 and people["li"].pieces == {
        "reporter": 2,
        "editor": 0,
        "reviewer": 0,
    }
    assert (
        people["wang"].points == 0.3
        and people["zhao"].points == 0.2
        and people["zhao"].department == scoring.UNGROUPED
    )
    assert people["li"].reach == {"views": 10}
    depts = {d: (pts, n) for d, pts, n, _ in scoring.departments_total(list(people.values()))}
    assert depts == {"新闻部": (11.0, 1), "专题部": (0.3, 1), scoring.UNGROUPED: (0.2, 1)}


def test_charts_are_well_formed_svg_with_escaped_text() -> None:
    for svg in (
        charts.line_chart(
            "趋势 <views>",
            {
                "douyin": [(LATE_NOVEMBER_MS, 10), (LATE_NOVEMBER_MS + 60_000, 30)],
                "a&b": [(LATE_NOVEMBER_MS, 5)],
            },
        ),
        charts.bar_chart("排行", [("<script>alert(1)</script>", 120_000), ("老街", 3)]),
        charts.pie_chart("渠道", [("app", 3), ("douyin", 1), ("sms", 0)]),
        charts.pie_chart("渠道", [("app", 3)]),
        charts.line_chart("空", {}),
        charts.bar_chart("空", []),
        charts.pie_chart("空", []),
    ):
        root = ElementTree.fromstring(svg)  # parses: every text is escaped
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert "<script>" not in svg
    assert (
        charts.bar_chart("排行", [("老街", 120_000)]).count("<rect") == 2
    )  # background and one bar
    assert "12万" in charts.bar_chart("排行", [("老街", 120_000)])


def test_a_chart_as_png_is_the_svg_drawn_at_twice_its_size() -> None:
    import io

    from PIL import Image

    from hub.reach import png

    def drawn(svg: str) -> Image.Image:
        return Image.open(io.BytesIO(png.svg_to_png(svg))).convert("RGB")

    pie = drawn(charts.pie_chart("渠道", [("app", 3), ("douyin", 1)]))
    assert pie.size == (charts.W * 2, charts.H * 2)
    cx, cy = 220 * 2, (charts.H / 2 + 10) * 2
    assert pie.getpixel((int(cx + 40), int(cy - 200))) == (
        0xC0,
        0x39,
        0x2B,
    )  # app's three quarters: from 12 o'clock, clockwise
    assert pie.getpixel((int(cx - 200), int(cy - 40))) == (
        0x29,
        0x80,
        0xB9,
    )  # douyin's quarter: the top left
    bars = drawn(charts.bar_chart("排行", [("老街", 100), ("新城", 50)]))
    row = [bars.getpixel((x, (charts.TOP + 11) * 2)) for x in range(bars.size[0])]
    longest = sum(1 for p in row if p == (0x29, 0x80, 0xB9))
    row2 = [bars.getpixel((x, (charts.TOP + 26 + 11) * 2)) for x in range(bars.size[0])]
    assert (
        longest > 0 and abs(sum(1 for p in row2 if p == (0x29, 0x80, 0xB9)) * 2 - longest) <= 4
    )  # 50 is half of 100
    line = drawn(
        charts.line_chart(
            "趋势", {"douyin": [(LATE_NOVEMBER_MS, 10), (LATE_NOVEMBER_MS + 60_000, 30)]}
        )
    )
    assert any(
        line.getpixel((x, y)) == (0xC0, 0x39, 0x2B)
        for x in range(200, 1000, 3)
        for y in range(100, 640, 3)
    )
    empty = drawn(charts.bar_chart("空", []))
    assert empty.getextrema() != (
        (255, 255),
        (255, 255),
        (255, 255),
    )  # the title and "no data" are drawn
