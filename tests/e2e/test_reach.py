"""Issue 18 acceptance: 传播效果 and 绩效 end to end.

Two stories go out on every built-in channel through the real distribution engine;
the local stand-ins (抖音, WeChat, the portal, the 手机报 and 应急广播 receipt files, the
学习强国 operators' reports, anonymous app readers) report growing counts; scheduled
collection records them. Time is the engine's injectable clock; "the next fetch is
due" is the stored job's due time set to now (no waiting).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
from openpyxl import load_workbook
from PIL import Image

from hub.channels import load_channels
from hub.distribution import channel_config
from hub.distribution import publications as pubs
from hub.distribution.engine import Distribution
from hub.distribution.states import PubState
from hub.distribution.wiring import build_transports
from hub.ids import new_id, now_ms
from hub.jobs.documents import JobDoc, JobState
from hub.jobs.worker import Worker
from hub.media.service import media_service
from hub.reach.documents import ReachSeriesDoc
from hub.reach.schedule import month_of
from hub.settings import Settings
from hub.store.documents import StoryDoc
from hub.store.scope import Scope
from hub.transports.token_store import PlatformTokenDoc
from tests.conftest import DEV_TOKEN, GraphQLClient, run_until_idle
from tests.e2e.test_distribution_all_channels import CHANNELS, SECRET, stand_in_config, upload
from tests.fakes import douyin as dy
from tests.fakes import wechat as wx
from tests.fakes.base import server_error
from tests.fakes.server import serve
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.media.helpers import image_bytes, tiny_video

CREATE = "mutation($i: CreateStoryInput!) { createStory(input: $i) { id version } }"
APPROVE = "mutation($id: ID!, $v: Int!) { approveStory(id: $id, expectedVersion: $v) { status } }"
READER = {
    "user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 YunShangPutuo/3.2"
}
CRAWLER = {
    "user-agent": "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"
}
HOUR_MS = 3_600_000
FIGURES = "views likes comments shares favorites score completionRate adopted"
RULES_V1 = {
    "name": "绩效管理办法(试行)",
    "piece_points": {
        "default": 1,
        "by_type": {"article": 2},
        "by_channel": {"douyin": 1, "wechat": 1},
    },
    "bonuses": {"xuexi_adopted": 10},
    "reach_thresholds": [
        {"metric": "views", "at_least": 1000, "points": 3},
        {"metric": "views", "at_least": 5000, "points": 8},
    ],
    "role_weights": {"reporter": 0.6, "editor": 0.3, "reviewer": 0.1},
    "departments": {"新闻部": []},
}
REPORT = """query($m: String!, $v: Int) { performanceReport(month: $m, version: $v) {
  month rulesVersion rulesName xlsxUrl
  people { person department points pieces reach { views } }
  departments { department points people reach { views } }
  pieces { storyId points breakdown reach { views } } } }"""


class Clock:
    """The engine's clock: real time plus however far the test has moved it."""

    def __init__(self) -> None:
        self.offset = 0

    def __call__(self) -> int:
        return now_ms() + self.offset


def dev_story(title: str) -> dict[str, Any]:
    return {
        "title": title,
        "bodyText": f"{title}。区融媒体中心记者报道:今天上午,相关工作在全区各街道同步展开,群众积极参与。"
        "各部门按照预案分工协作,现场秩序井然,活动取得了预期效果,下一步将总结经验、完善机制。",
        "summary": f"{title},区融媒体中心报道。",
        "tags": ["融媒体"],
        "source": {"sourceName": "新普陀报"},
        "channels": CHANNELS,
        "channelOverrides": {"douyin": {"text": f"{title} #融媒体"}},
        "metadata": {
            "issuing_agency": "示例区人民政府办公室",
            "document_number": "示政办发〔2026〕2号",
            "topic": "综合政务",
            "event_type": "11B03",
            "severity": 3,
            "area_codes": ["330100000000"],
            "valid_hours": 2,
            "dual_control_approvers": ["值班员甲", "值班员乙"],
        },
    }


async def collect(worker: Worker, prefix: str, tenant: str) -> None:
    """The fetches that are due now (the stored due times moved to now) run."""
    await JobDoc.get_pymongo_collection().update_many(
        {"tenant": tenant, "consumer": f"{prefix}.metrics", "state": JobState.PENDING.value},
        {"$set": {"ready_at": 0}},
    )
    await run_until_idle(worker, idle_passes=3)


async def test_scheduled_collection_reach_outage_rules_and_export(
    http: httpx.AsyncClient,
    editor: GraphQLClient,
    hub_settings: Settings,
    hub_app: Any,
    tmp_path: Path,
) -> None:
    tenant = hub_settings.default_tenant
    cover = await upload(http, image_bytes("JPEG", (940, 400)), "cover.jpg", alt="现场")
    video = await upload(
        http, tiny_video(tmp_path / "v.mp4").read_bytes(), "clip.mp4", alt="现场视频"
    )
    ids = []
    for title in ("防汛演练在全区展开", "老街改造完成"):
        created = (
            await editor(
                CREATE,
                {"i": {**dev_story(title), "coverAssetId": cover, "assetIds": [cover, video]}},
            )
        )["createStory"]
        ids.append(created)
    fake_douyin, fake_wechat, portal = (
        dy.FakeDouyin(min_chunk_bytes=1),
        wx.FakeWeChat(),
        WebhookReceiver(SECRET),
    )
    clock = Clock()
    prefix = "reach" + new_id()[-6:]
    month = month_of(clock())
    async with (
        serve(fake_douyin.app()) as dy_url,
        serve(fake_wechat.app()) as wx_url,
        serve(portal.app()) as portal_url,
    ):
        config = stand_in_config(dy_url, wx_url, portal_url, tmp_path)
        # new stand-ins are new platforms: the tokens an earlier test's 抖音 stand-in issued
        # to this (shared) center's account mean nothing to them
        await PlatformTokenDoc.get_pymongo_collection().delete_many({"tenant": tenant})
        settings = hub_settings.model_copy(update={"outbound_allow_loopback": True})
        center = Scope(tenant, "operator", public_only=False)
        for name, section in config.items():
            await channel_config.save(center, settings, name, section)
        engine = Distribution(
            load_channels(None),
            build_transports(settings),
            channel_config=config,
            prefix=prefix,
            poll_interval_s=0.02,
            media_urls=media_service(hub_settings).url,
            metrics_after_s=(300.0, 900.0, 1_800.0, 3_600.0),
            clock=clock,
        )
        worker = Worker(engine.consumers(), idle_sleep=0)
        try:
            for s in ids:
                await editor(APPROVE, {"id": s["id"], "v": s["version"]})
            await run_until_idle(worker, idle_passes=5)  # delivered everywhere, polls done
            found = {
                sid: {p.channel: p for p in await pubs.of_story(tenant, sid)}
                for sid in (s["id"] for s in ids)
            }
            for by_channel in found.values():
                assert sorted(by_channel) == sorted(CHANNELS)
                assert all(
                    p.state in (PubState.LIVE, PubState.ACCEPTED) for p in by_channel.values()
                ), {c: (p.state, p.last_error) for c, p in by_channel.items()}
            a, b = (s["id"] for s in ids)
            # 学习强国: the operators adopt the first story (with its score and reads); the second waits
            report = "mutation($id: ID!, $r: JSON!) { reportPlatformStatus(publicationId: $id, report: $r) { state } }"
            await editor(
                report,
                {
                    "id": found[a]["xuexi"].id,
                    "r": {"item_id": a, "adopted": True, "score": 5, "views": 800},
                },
            )

            async def grow(r: int, douyin: bool = True) -> None:
                """Round r of the stand-ins' counts (the second story has a tenth of the first's)."""
                for k, sid in enumerate((a, b)):
                    f = 10 if k == 0 else 1
                    by = found[sid]
                    if douyin:
                        fake_douyin.stats[by["douyin"].external_id] = {
                            "play_count": 1_000 * r * f,
                            "digg_count": 10 * r * f,
                            "comment_count": r * f,
                            "share_count": 2 * r * f,
                        }
                    article = (await pubs.get(by["wechat"].id)).platform_status["details"][
                        "article_id"
                    ]  # type: ignore[union-attr]
                    fake_wechat.article_stats[article] = {
                        "int_page_read_count": 500 * r * f,
                        "share_count": r * f,
                        "add_to_fav_count": r,
                    }
                    portal.views[by["gov_site"].external_id] = 100 * r * f
                    (tmp_path / "sms" / f"{sid}.txt.receipt.json").write_text(
                        f'{{"sent": 5000, "delivered": {300 * r * f}}}'
                    )
                    ebd = by["emergency"].delivery["details"]["ebd_id"]
                    (tmp_path / "ebd" / f"EBDS_{ebd}.xml").write_text(
                        "<EBD><EBDType>EBMStateResponse</EBDType><EBMStateResponse><BrdStateCode>3</BrdStateCode>"
                        f"<Coverage><CoverageRate>0.9</CoverageRate><ResBrdStat>200,{50 * r * f}</ResBrdStat></Coverage>"
                        "</EBMStateResponse></EBD>"
                    )
                for _ in range(
                    2 * r
                ):  # two more people read the first story each round; a crawler is not counted
                    assert (
                        await http.post(
                            "/graphql",
                            json={
                                "query": "query($id: ID!) { story(id: $id) { title } }",
                                "variables": {"id": a},
                            },
                            headers=READER,
                        )
                    ).status_code == 200
                await http.post(
                    "/graphql",
                    json={
                        "query": "query($id: ID!) { story(id: $id) { title } }",
                        "variables": {"id": a},
                    },
                    headers=CRAWLER,
                )
                await hub_app.state.read_counter.flush()

            # round 1, then round 2 while 抖音 is down, its recovery, then round 3
            await grow(1)
            clock.offset += HOUR_MS
            await collect(worker, prefix, tenant)
            await grow(2)
            fake_douyin.fail("/video/data/", *[server_error() for _ in range(50)])
            clock.offset += HOUR_MS
            await collect(worker, prefix, tenant)
            stuck = await JobDoc.find(
                {
                    "tenant": tenant,
                    "consumer": f"{prefix}.metrics",
                    "payload.n": 2,
                    "payload.publication_id": {
                        "$in": [found[a]["douyin"].id, found[b]["douyin"].id]
                    },
                }
            ).to_list()
            assert [j.state for j in stuck] == [
                JobState.PENDING,
                JobState.PENDING,
            ]  # retried later, not given up
            assert all(j.attempts >= 1 and j.last_error for j in stuck)
            fake_douyin.failures.clear()  # the platform is back
            clock.offset += HOUR_MS
            await collect(worker, prefix, tenant)
            await grow(3)
            clock.offset += HOUR_MS
            await collect(worker, prefix, tenant)
        finally:
            await engine.aclose()

    # every scheduled period of every publication has its point: 抖音's outage lost none
    for sid in (a, b):
        for channel, pub in found[sid].items():
            series = await ReachSeriesDoc.find({"tenant": tenant, "story_id": sid}).to_list()
            slots = sorted(int(s) for doc in series for s in doc.points.get(pub.id, {}))
            # four collections ran; 抖音's second fetch waited for the platform and ran on recovery
            assert slots == ([1, 2, 3] if channel == "douyin" else [1, 2, 3, 4]), (channel, slots)

    fig = f"{{ {FIGURES} }}"
    reach = (
        await editor(
            f"""query($id: ID!) {{ storyReach(storyId: $id) {{ totals {fig}
        channels {{ channel latest {fig} days {{ day gain {{ views }} }} points {{ at figures {{ views }} }} }} }} }}""",
            {"id": a},
        )
    )["storyReach"]
    latest = {c["channel"]: c["latest"] for c in reach["channels"]}
    assert sorted(latest) == sorted(CHANNELS)
    assert (
        latest["douyin"]["views"] == 30_000
        and latest["douyin"]["likes"] == 300
        and latest["douyin"]["shares"] == 60
    )
    assert latest["wechat"]["views"] == 15_000 and latest["wechat"]["favorites"] == 3
    assert latest["gov_site"]["views"] == 3_000
    assert latest["sms"]["views"] == 9_000
    assert latest["emergency"]["views"] == 1_500 and latest["emergency"]["completionRate"] == 0.9
    assert (
        latest["app"]["views"] == 2 + 4 + 6
    )  # people's reads (flushed before each fetch); the crawler's are not counted
    assert (
        latest["xuexi"]["adopted"] is True
        and latest["xuexi"]["score"] == 5
        and latest["xuexi"]["views"] == 800
    )
    points = {c["channel"]: [p["figures"]["views"] for p in c["points"]] for c in reach["channels"]}
    assert points["douyin"] == [
        10_000,
        20_000,
        30_000,
    ]  # the recovered fetch recorded round 2's counts
    for c in reach["channels"]:  # the daily growth adds up to the latest count
        assert sum(d["gain"]["views"] or 0 for d in c["days"]) == (c["latest"]["views"] or 0), c[
            "channel"
        ]
    expected_total = 30_000 + 15_000 + 3_000 + 9_000 + 1_500 + 12 + 800
    assert reach["totals"]["views"] == expected_total

    by_channel = {
        r["key"]: r["figures"]["views"]
        for r in (
            await editor(
                "query($m: String) { reachByChannel(month: $m) { key figures { views } } }",
                {"m": month},
            )
        )["reachByChannel"]
    }
    assert (
        by_channel["douyin"] == 33_000
        and by_channel["wechat"] == 16_500
        and by_channel["sms"] == 9_900
    )
    assert (
        by_channel["emergency"] == 1_650
        and by_channel["gov_site"] == 3_300
        and by_channel["app"] == 12
    )
    top = (
        await editor(
            'query($m: String) { topStories(month: $m, metric: "views", limit: 5) { storyId value } }',
            {"m": month},
        )
    )["topStories"]
    assert [t["storyId"] for t in top] == [a, b] and top[0]["value"] == expected_total
    xuexi = (
        await editor(
            "query($m: String) { xuexiAdoption(month: $m) { submitted adopted rate score } }",
            {"m": month},
        )
    )["xuexiAdoption"]
    assert (
        xuexi["submitted"] >= 2 and xuexi["adopted"] >= 1
    )  # this tenant may hold other tests' stories too
    mine = await StoryDoc.find_one({"tenant": tenant, "_id": a})
    assert mine is not None and mine.created_by
    person = (
        await editor(
            "query($p: String!, $m: String!) { personReach(person: $p, month: $m) { stories byRole totals { views } items { storyId roles } } }",
            {"p": mine.created_by, "m": month},
        )
    )["personReach"]
    assert {i["storyId"] for i in person["items"]} >= {a, b} and person["byRole"]["reporter"] >= 2

    # 绩效: rules are checked when saved; a new version leaves an earlier month's report as it was
    bad = await editor.errors(
        "mutation($r: JSON!) { saveScoringRules(rules: $r) { version } }",
        {"r": {**RULES_V1, "role_weights": {"reporter": 0.9, "editor": 0.9}}},
    )
    assert (
        bad[0]["extensions"]["code"] == "SCORING_RULES_INVALID"
        and "role_weights" in bad[0]["extensions"]["message_en"]
    )
    v1 = (
        await editor(
            "mutation($r: JSON!, $m: String) { saveScoringRules(rules: $r, effectiveFrom: $m) { version } }",
            {"r": RULES_V1, "m": month},
        )
    )["saveScoringRules"]["version"]
    before = (await editor(REPORT, {"m": month}))["performanceReport"]
    assert before["rulesVersion"] == v1
    piece_a = next(p for p in before["pieces"] if p["storyId"] == a)
    assert (
        piece_a["points"] == 2 + 1 + 1 + 10 + 8
    )  # article, 抖音, 公众号, 学习强国 采用, views ≥ 5000
    nxt = f"{int(month[:4]) + (month[5:] == '12')}-{int(month[5:]) % 12 + 1:02d}"
    v2 = (
        await editor(
            "mutation($r: JSON!, $m: String) { saveScoringRules(rules: $r, effectiveFrom: $m) { version } }",
            {"r": {**RULES_V1, "name": "绩效管理办法", "bonuses": {"xuexi_adopted": 20}}, "m": nxt},
        )
    )["saveScoringRules"]["version"]
    assert v2 == v1 + 1
    assert (await editor(REPORT, {"m": month}))[
        "performanceReport"
    ] == before  # last month's report is unchanged
    changed = (await editor(REPORT, {"m": month, "v": v2}))["performanceReport"]
    assert (
        changed["rulesVersion"] == v2
        and next(p for p in changed["pieces"] if p["storyId"] == a)["points"]
        == piece_a["points"] + 10
    )
    assert (await editor("{ scoringRules { version effectiveFrom } }"))["scoringRules"][0] == {
        "version": v2,
        "effectiveFrom": nxt,
    }

    # the XLSX opens with openpyxl and its numbers are the report's
    response = await http.get(before["xlsxUrl"], headers={"authorization": f"Bearer {DEV_TOKEN}"})
    assert response.status_code == 200, response.text
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["人员"]
    assert f"规则第 {v1} 版" in str(sheet.cell(1, 1).value)
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    for p in before["people"]:
        # the sheet writes 0 where GraphQL says null (a person of the shared center with no views)
        assert rows[p["person"]][2] == p["points"] and rows[p["person"]][6] == (
            p["reach"]["views"] or 0
        )
    assert {r[0]: r[1] for r in book["部门"].iter_rows(min_row=3, values_only=True)} == {
        d["department"]: d["points"] for d in before["departments"]
    }
    csv_text = (
        await http.get(
            f"/reach/reports.csv?month={month}", headers={"authorization": f"Bearer {DEV_TOKEN}"}
        )
    ).text
    assert f"规则第 {v1} 版" in csv_text
    svg = await http.get(
        f"/reach/charts/story.svg?story_id={a}", headers={"authorization": f"Bearer {DEV_TOKEN}"}
    )
    assert (
        svg.headers["content-type"].startswith("image/svg+xml")
        and "<polyline" in svg.text
        and "douyin" in svg.text
    )
    for chart in (
        f"story.png?story_id={a}",
        f"top.png?month={month}",
        f"channels.png?month={month}",
    ):  # the same charts as PNG
        drawn = await http.get(
            f"/reach/charts/{chart}", headers={"authorization": f"Bearer {DEV_TOKEN}"}
        )
        assert drawn.status_code == 200 and drawn.headers["content-type"] == "image/png", (
            chart,
            drawn.text[:200],
        )
        assert Image.open(io.BytesIO(drawn.content)).size[0] == 2 * 720
    assert (await http.get(f"/reach/charts/top.png?month={month}")).status_code == 401
    assert (await http.get(f"/reach/reports.xlsx?month={month}")).status_code == 401
