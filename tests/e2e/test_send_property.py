"""可管可控, as a property: whatever order approvals, edits, takedowns, corrections,
replays, retries and scheduled runs (embargo ends, polls) come in, every item a platform
holds at the end is the latest approved, not-withdrawn revision for that channel, and
every publication's ledger explains every send.

All seven built-in channels run through the real engine and transports; the third-party
platforms are the local stand-ins (tests/fakes). Time is the engine's clock and jobs
become due by moving their stored due times; nothing sleeps. Each revision's title
carries its number (`<tag>-R<n>`), so what a platform holds is read back from the
platform itself, independently of the hub's own records.
"""

from __future__ import annotations

import io
import re
import tarfile
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hub.channels import load_channels
from hub.distribution import publications as pubs
from hub.distribution.engine import Distribution
from hub.distribution.states import PubState
from hub.distribution.wiring import build_transports
from hub.domain.retry import RetryPolicy
from hub.domain.story import StoryStatus
from hub.feeds import log as feed_log
from hub.ids import new_id, now_ms
from hub.jobs import queue
from hub.jobs.documents import JobDoc
from hub.jobs.worker import Worker
from hub.media.service import media_service
from hub.settings import Settings
from hub.store.documents import AssetDoc, PublishedStoryDoc, StoryDoc
from hub.store.scope import Scope
from hub.store.stories import StoryRepository
from tests.conftest import run_until_idle
from tests.e2e.test_distribution_all_channels import SECRET, stand_in_config, upload
from tests.fakes import douyin as dy
from tests.fakes import wechat as wx
from tests.fakes.base import server_error
from tests.fakes.server import serve
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.media.helpers import image_bytes, tiny_video

# hypothesis warns about the size of the fixtures' repr when it reports an example
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")

CHANNELS = ["app", "douyin", "wechat", "xuexi", "gov_site", "sms", "emergency"]
HOUR = 3_600_000
META = {
    "issuing_agency": "示例区人民政府办公室",
    "topic": "综合政务",
    "event_type": "11B03",
    "severity": 3,
    "area_codes": ["330100000000"],
    "valid_hours": 2,
}


@dataclass(repr=False)
class Platforms:
    douyin: dy.FakeDouyin
    wechat: wx.FakeWeChat
    portal: WebhookReceiver
    directory: Path
    config: dict[str, dict[str, Any]]
    cover: str
    video: str
    tenant: str  # its own: platform tokens (抖音 rotates its refresh token) are stored per tenant


@pytest.fixture
async def platforms(http: httpx.AsyncClient, tmp_path: Path) -> AsyncIterator[Platforms]:
    tenant = "prop-" + new_id()
    assets = []
    for data, name, alt in (
        (image_bytes("JPEG", (940, 400)), "cover.jpg", "现场"),
        (tiny_video(tmp_path / "v.mp4").read_bytes(), "clip.mp4", "现场视频"),
    ):
        uploaded = await AssetDoc.get(
            await upload(http, data, name, alt=alt)
        )  # into the default tenant: copied over
        assert uploaded is not None
        copy = uploaded.model_copy(update={"id": new_id(), "tenant": tenant, "refs": []})
        await copy.insert()
        assets.append(copy.id)
    cover, video = assets
    douyin, wechat, portal = (
        dy.FakeDouyin(min_chunk_bytes=1),
        wx.FakeWeChat(),
        WebhookReceiver(SECRET),
    )
    async with (
        serve(douyin.app()) as dy_url,
        serve(wechat.app()) as wx_url,
        serve(portal.app()) as portal_url,
    ):
        config = stand_in_config(dy_url, wx_url, portal_url, tmp_path)
        yield Platforms(douyin, wechat, portal, tmp_path, config, cover, video, tenant)


# ---- the operations -------------------------------------------------------------------

OPS = st.one_of(
    st.tuples(st.just("approve"), st.booleans()),  # with an embargo an hour ahead?
    st.tuples(st.just("edit"), st.just(False)),
    st.tuples(st.just("correct"), st.booleans()),  # edit, then approve (更正)
    st.tuples(st.just("takedown"), st.just(False)),
    st.tuples(st.just("replay"), st.just(False)),  # every dead delivery sent again
    st.tuples(st.just("retry"), st.just(False)),  # every waiting retry and poll comes due
    st.tuples(st.just("run"), st.just(False)),  # the worker runs what is due now
    st.tuples(st.just("later"), st.just(False)),  # two hours pass: embargoes end, polls come due
    st.tuples(
        st.sampled_from(["break-douyin", "break-wechat", "break-portal"]), st.booleans()
    ),  # permanent?
)


@dataclass
class Model:
    """What the newsroom did, kept by the test: the truth the platforms are judged by."""

    tag: str
    titles: dict[int, str] = field(default_factory=dict)  # revision -> title
    approved: int | None = None  # the latest approved revision
    withdrawn: bool = False  # a takedown came after it

    def expected(self) -> int | None:
        return None if self.withdrawn else self.approved


class Run:
    def __init__(self, p: Platforms, hub_settings: Settings) -> None:
        self.p = p
        self.clock = [now_ms()]
        settings_ = hub_settings.model_copy(update={"outbound_allow_loopback": True})
        self.engine = Distribution(
            load_channels(None),
            build_transports(settings_),
            channel_config=p.config,
            prefix="prop" + new_id()[-8:],
            poll_interval_s=1.0,
            media_urls=media_service(hub_settings).url,
            metrics_after_s=(),
            policy=RetryPolicy(max_attempts=8, base_seconds=1.0, cap_seconds=2.0),
            clock=lambda: self.clock[0],
        )
        self.worker = Worker(self.engine.consumers(), idle_sleep=0)
        self.scope = Scope(p.tenant, actor="editor-prop", public_only=False)
        self.stories = StoryRepository(self.scope)
        self.names = [c.name for c in self.engine.consumers()]

    async def head(self, story_id: str) -> StoryDoc:
        doc = await StoryDoc.get(story_id)
        assert doc is not None
        return doc

    async def due_now(self) -> None:
        await JobDoc.get_pymongo_collection().update_many(
            {"consumer": {"$in": self.names}, "open": True}, {"$set": {"ready_at": 0}}
        )

    async def settle(self) -> None:
        self.clock[0] += 24 * HOUR  # every embargo ends
        await run_until_idle(self.worker, idle_passes=2)  # events not yet relayed become jobs
        for _ in range(8):  # retries, polls, takedowns waiting for a poll: round after round
            if await JobDoc.find_one({"consumer": {"$in": self.names}, "open": True}) is None:
                return
            await self.due_now()
            await run_until_idle(self.worker, idle_passes=2)

    async def apply(self, op: str, flag: bool, story_id: str, model: Model) -> None:
        head = await self.head(story_id)
        if op in ("edit", "correct"):
            title = f"{model.tag}-R{head.revision + 1}"
            head = await self.stories.update(story_id, head.version, {"title": title})
            model.titles[head.revision] = title
        if op in ("approve", "correct"):
            data = {"embargo_until": self.clock[0] + HOUR} if flag else {}
            before = head.version
            head = await self.stories.set_status(story_id, head.version, StoryStatus.APPROVED, data)
            if head.version != before:  # a no-op approval approves nothing new
                model.approved, model.withdrawn = head.revision, False
        elif op == "takedown":
            await self.stories.request_takedown(story_id, head.version, "撤稿")
            model.withdrawn = True
        elif op == "replay":
            for dead in await queue.dead_letters(
                self.scope, consumer=self.engine.deliver_name, limit=500
            ):
                if dead.payload.get("publication_id", "").startswith(story_id):
                    await queue.replay(self.scope, dead.id)
            await run_until_idle(self.worker, idle_passes=2)
        elif op == "retry":
            await self.due_now()
            await self.worker.run_once()
        elif op == "run":
            await run_until_idle(self.worker, idle_passes=2)
        elif op == "later":
            self.clock[0] += 2 * HOUR
            await self.due_now()
            await run_until_idle(self.worker, idle_passes=2)
        elif op == "break-douyin":
            self.p.douyin.fail("/video/create/", server_error() if not flag else _douyin_refusal())
        elif op == "break-wechat":
            self.p.wechat.fail(
                "/cgi-bin/draft/add", server_error() if not flag else _wechat_refusal()
            )
        elif op == "break-portal":
            self.p.portal.script.append(503 if not flag else 400)


def _douyin_refusal() -> Any:
    from tests.fakes.base import Failure

    return Failure(body=dy.envelope(2190015, "内容不符合社区规范"))


def _wechat_refusal() -> Any:
    from tests.fakes.base import Failure

    return Failure(body=wx.err(45009, "reach max api daily quota limit"))


# ---- what each platform holds, read from the platform ----------------------------------


def _revision(text: str | None, tag: str) -> int | None:
    found = re.search(rf"{re.escape(tag)}-R(\d+)", text or "")
    return int(found.group(1)) if found else None


async def held(p: Platforms, tenant: str, story_id: str, tag: str) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {c: [] for c in CHANNELS}
    public = await PublishedStoryDoc.find_one({"tenant": tenant, "_id": story_id})
    if public is not None:
        out["app"].append(public.revision)
    for item in p.douyin.items.values():
        if (r := _revision(item.get("text"), tag)) is not None:
            out["douyin"].append(r)
    for media_id in p.wechat.articles.values():
        for article in p.wechat.drafts.get(media_id, []):
            if (r := _revision(article.get("title"), tag)) is not None:
                out["wechat"].append(r)
    # the feed holds its newest put; one held back by an embargo (real time, not the
    # engine's clock) replaces the current entry when the embargo ends
    pending = await feed_log.FeedPendingDoc.find_one(
        {"tenant": tenant, "_id": feed_log.pending_id(tenant, "xuexi", story_id)}
    )
    entry = await feed_log.latest(tenant, "xuexi", story_id)
    if pending is not None:
        out["xuexi"] += [r for r in [_revision(pending.item.get("title"), tag)] if r is not None]
    elif entry is not None and entry.pubstatus.value == "usable":
        out["xuexi"] += [r for r in [_revision(entry.item.get("title"), tag)] if r is not None]
    by_index: dict[str, dict[str, Any]] = {}
    for payload in p.portal.payloads():  # the CMS keeps the last word on each 索引号
        index_no = payload.get("index_no") or (payload.get("metadata") or {}).get("index_no")
        by_index[index_no] = payload
    for payload in by_index.values():
        if (
            payload["action"] != "withdraw"
            and (r := _revision((payload.get("metadata") or {}).get("title"), tag)) is not None
        ):
            out["gov_site"].append(r)
    sms = p.directory / "sms" / f"{story_id}.txt"
    if sms.exists() and (r := _revision(sms.read_text(encoding="utf-8"), tag)) is not None:
        out["sms"].append(r)
    out["emergency"] = _standing_broadcasts(p.directory / "ebd", tag)
    return out


def _standing_broadcasts(directory: Path, tag: str) -> list[int]:
    """Broadcast EBMs of this story that no later EBM cancels or supersedes (RelatedEBM)."""
    messages: dict[str, tuple[str, str | None, str]] = {}
    for path in directory.glob("EBD_*.tar") if directory.exists() else ():
        with tarfile.open(fileobj=io.BytesIO(path.read_bytes())) as tar:
            xml = next(
                tar.extractfile(m).read() for m in tar.getmembers() if m.name.startswith("EBDB_")
            )  # type: ignore[union-attr]
        ebm = ET.fromstring(xml).find("EBM")
        assert ebm is not None
        related = ebm.find("RelatedEBM/EBMID")
        messages[ebm.findtext("EBMID") or ""] = (
            ebm.findtext("MsgBasicInfo/MsgType") or "",
            related.text if related is not None else None,
            ebm.findtext("MsgContent/MsgTitle") or "",
        )
    replaced = {rel for _, rel, _ in messages.values() if rel}
    return [
        r
        for ebm_id, (kind, _, title) in messages.items()
        if kind == "1" and ebm_id not in replaced and (r := _revision(title, tag)) is not None
    ]


# ---- the property -----------------------------------------------------------------------


@example(
    ops=[
        ("break-portal", True),
        ("approve", False),
        ("run", False),
        ("takedown", False),
        ("replay", False),
    ]
)  # 撤稿 then replay
@example(
    ops=[("approve", False), ("run", False), ("later", False), ("takedown", False)]
)  # takedown after the platform's review
@example(
    ops=[("approve", True), ("correct", False), ("later", False), ("replay", False)]
)  # embargoed, then superseded
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(OPS, min_size=1, max_size=7))
async def test_platforms_hold_only_the_latest_approved_not_withdrawn_revision_and_ledgers_explain_every_send(
    platforms: Platforms, hub_settings: Settings, ops: list[tuple[str, bool]]
) -> None:
    run = Run(platforms, hub_settings)
    tag = "稿" + new_id()[-10:]
    model = Model(tag, {1: f"{tag}-R1"})
    story = await run.stories.create(
        {
            "title": model.titles[1],
            "body_text": "示例区今天举行防汛应急演练,各部门按预案完成人员转移和物资调度。" * 3,
            "summary": "示例区举行防汛应急演练。",
            "channels": CHANNELS,
            "metadata": META,
            "source": {"source_name": "示例区融媒体中心"},
            "cover_asset_id": platforms.cover,
            "asset_ids": [platforms.cover, platforms.video],
        }
    )
    try:
        for op, flag in ops:
            await run.apply(op, flag, story.id, model)
        platforms.douyin.failures.clear()
        platforms.wechat.failures.clear()
        platforms.portal.script.clear()
        await run.settle()
    finally:
        await run.engine.aclose()

    holds = await held(platforms, platforms.tenant, story.id, tag)
    expected = model.expected()
    for channel, revisions in holds.items():
        assert all(r == expected for r in revisions), (channel, revisions, expected, ops)
        assert len(revisions) <= 1, (channel, revisions, ops)

    found = await pubs.of_story(platforms.tenant, story.id)
    for pub in found:
        for entry in pub.entries():
            if entry.from_state == PubState.DELIVERING and entry.to_state not in (
                PubState.FAILED,
                PubState.CANCELLED,
            ):
                assert entry.evidence.get("external_id"), (pub.id, entry)  # sent: where it went
            if entry.to_state in (PubState.FAILED, PubState.CANCELLED):
                assert entry.note and re.search(r"[\u4e00-\u9fff]", entry.note), (
                    pub.id,
                    entry,
                )  # not sent: why, in Chinese
            if entry.to_state == PubState.CANCELLED:
                assert entry.evidence.get("code") in (
                    "PUBLICATION_WITHDRAWN",
                    "PUBLICATION_SUPERSEDED",
                    "PUBLICATION_NOT_APPROVED",
                )
    for channel, revisions in holds.items():  # what a platform holds, a ledger shows being sent
        for revision in revisions:
            assert any(
                p.channel == channel
                and p.revision == revision
                and p.action.value != "retract"
                and any(
                    e.from_state == PubState.DELIVERING and e.evidence.get("external_id")
                    for e in p.entries()
                )
                for p in found
            ), (channel, revision, ops)
