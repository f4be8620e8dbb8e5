"""Sample stories for plugin tests, written for the SDK (fictional places and people)."""

from __future__ import annotations

from ronghub_sdk._types import Asset, Place, Source, StoryInput

_IMAGE = Asset(
    id="img-bridge",
    kind="image",
    url="sample://img-bridge.jpg",
    mime="image/jpeg",
    size=48_000,
    alt="新建成的青石桥横跨清溪河,两岸有行人走过",
    width=1280,
    height=720,
)
_VIDEO = Asset(
    id="vid-market",
    kind="video",
    url="sample://vid-market.mp4",
    mime="video/mp4",
    size=12_000_000,
    width=720,
    height=1280,
    duration_s=48.0,
)
_COVER = Asset(
    id="img-market-cover",
    kind="image",
    url="sample://img-market-cover.jpg",
    mime="image/jpeg",
    size=30_000,
    alt="清晨的集市,摊位上摆满时令蔬菜",
    width=720,
    height=1280,
)

ARTICLE = StoryInput(
    tenant="sample-center",
    story_id="story-bridge",
    revision_id="rev-bridge-1",
    title="清溪河青石桥完成加固 周末恢复通行",
    subtitle="施工期间临时便道同步拆除",
    summary="历时三个月的加固工程通过验收,青石桥将于本周六上午恢复车辆和行人通行。",
    body=(
        "<p>记者从样例县交通运输局获悉,清溪河青石桥加固工程近日通过验收。</p>"
        '<figure><img src="sample://img-bridge.jpg" alt="新建成的青石桥横跨清溪河,两岸有行人走过" '
        'data-asset-id="img-bridge"><figcaption>加固后的青石桥</figcaption></figure>'
        "<h2>通行安排</h2>"
        "<p>本周六上午八时起恢复通行,限重二十吨,大型货车请绕行南环路。</p>"
        "<table><thead><tr><th>时段</th><th>安排</th></tr></thead>"
        "<tbody><tr><td>周六起</td><td>全面通行</td></tr></tbody></table>"
        '<p>详情见<a href="https://example.org/notice">交通运输局公告</a>。</p>'
    ),
    body_text=(
        "记者从样例县交通运输局获悉,清溪河青石桥加固工程近日通过验收。\n加固后的青石桥\n通行安排\n"
        "本周六上午八时起恢复通行,限重二十吨,大型货车请绕行南环路。\n"
        "时段安排\n周六起全面通行\n详情见交通运输局公告。"
    ),
    column_id="minsheng",
    tags=("交通", "青石桥"),
    cover_asset_id="img-bridge",
    asset_ids=("img-bridge",),
    assets=(_IMAGE,),
    byline="样例县融媒体中心记者 许原",
    source=Source(source_name="样例县融媒体中心", responsible_editor="陈宁"),
    location=Place(name="样例县清溪河", latitude=30.1, longitude=120.2),
    approved_at_ms=1_767_225_600_000,
    approved_by="editor-chen",
)

VIDEO = StoryInput(
    tenant="sample-center",
    story_id="story-market",
    revision_id="rev-market-1",
    type="video",
    title="早市里的时令味道",
    summary="天刚亮,南街早市已经热闹起来,春笋和荠菜最受欢迎。",
    body="<p>天刚亮,南街早市已经热闹起来。</p><p>摊主说,今年春笋上市早,价格比去年略低。</p>",
    body_text="天刚亮,南街早市已经热闹起来。\n摊主说,今年春笋上市早,价格比去年略低。",
    column_id="chengshi",
    tags=("早市", "春笋", "烟火气"),
    cover_asset_id="img-market-cover",
    asset_ids=("vid-market", "img-market-cover"),
    assets=(_VIDEO, _COVER),
    byline="记者 方禾",
    approved_at_ms=1_767_312_000_000,
    approved_by="editor-chen",
)

POLICY = StoryInput(
    tenant="sample-center",
    story_id="story-policy",
    revision_id="rev-policy-1",
    title="样例县关于做好春季森林防火工作的通知",
    body=(
        "<p>各乡镇人民政府,县直各单位:</p>"
        "<p>为切实做好春季森林防火工作,现就有关事项通知如下。</p>"
        "<h2>一、压实责任</h2><p>各乡镇要落实属地责任,加强巡山护林。</p>"
        "<h2>二、严控火源</h2><p>进山人员严禁携带火种,严禁野外用火。</p>"
    ),
    body_text=(
        "各乡镇人民政府,县直各单位:\n为切实做好春季森林防火工作,现就有关事项通知如下。\n"
        "一、压实责任\n各乡镇要落实属地责任,加强巡山护林。\n二、严控火源\n进山人员严禁携带火种,严禁野外用火。"
    ),
    column_id="zhengwu",
    tags=("森林防火",),
    byline=None,
    approved_at_ms=1_767_398_400_000,
    approved_by="editor-chen",
    metadata={
        "issuing_agency": "样例县人民政府办公室",  # 发文机关
        "document_number": "样政办发〔2026〕3号",  # 发文字号
        "written_date": "2026-01-02",  # 成文日期
        "topic": "城乡建设、环境保护/防灾减灾",  # 主题分类
        "keywords": ["森林防火", "通知"],  # 主题词
    },
)

ALERT = StoryInput(
    tenant="sample-center",
    story_id="story-alert",
    revision_id="rev-alert-1",
    title="样例县气象台发布暴雨橙色预警",
    summary="预计未来六小时县城及东部乡镇累计降雨量将达五十毫米以上,请注意防范。",
    body="<p>预计未来六小时县城及东部乡镇累计降雨量将达五十毫米以上,请远离河道、低洼地带。</p>",
    body_text="预计未来六小时县城及东部乡镇累计降雨量将达五十毫米以上,请远离河道、低洼地带。",
    tags=("暴雨预警",),
    approved_at_ms=1_767_484_800_000,
    approved_by="duty-officer-1",
    metadata={
        "event_type": "11B03",  # 暴雨 (GB/T 35965 style event code)
        "severity": 2,  # 1 特别重大 .. 4 一般 (橙色 = 2)
        "area_codes": ["330100000000"],
        "valid_hours": 6,
        "sender_name": "样例县应急广播平台",
        "sender_code": "43330100000000",
    },
)


def sample_stories() -> tuple[StoryInput, ...]:
    """Every sample story: an article with an image and a table, a video, a policy
    document with disclosure metadata and an emergency alert."""
    return (ARTICLE, VIDEO, POLICY, ALERT)


def sample_asset_bytes(url: str, size: int | None = None) -> bytes:
    """Deterministic bytes standing in for a sample asset (`sample://` URLs)."""
    asset = next((a for s in sample_stories() for a in s.assets if a.url == url), None)
    n = size if size is not None else (asset.size if asset else 1024)
    seed = url.encode() or b"x"
    return (seed * (n // len(seed) + 1))[:n]
