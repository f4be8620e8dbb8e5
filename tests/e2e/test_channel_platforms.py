"""抖音 and 公众号 delivered end to end against local servers speaking their protocols,
including token expiry, rate limits, timeouts and review rejection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from ronghub_sdk import Checkpoints, PermanentDeliveryError, StatusState, TransientDeliveryError
from ronghub_sdk.testing import ARTICLE, VIDEO, sample_asset_bytes

from hub.channels import ChannelManager
from hub.distribution import publications as pubs
from hub.distribution.checkpoints import StoredCheckpoints
from hub.distribution.states import Action
from hub.ids import new_id
from hub.transports.token_store import PlatformTokenDoc, StoredTokens
from tests.channels.hookcov import covers
from tests.e2e.channel_support import SETTINGS, materialize, transport_for
from tests.fakes import douyin as dy
from tests.fakes import wechat as wx
from tests.fakes.base import Failure, rate_limited, server_error, slow
from tests.fakes.server import serve

MANAGER = ChannelManager.discover(["douyin", "wechat"])


@pytest.fixture
async def douyin() -> AsyncIterator[tuple[dy.FakeDouyin, dict[str, Any]]]:
    fake = dy.FakeDouyin(min_chunk_bytes=1000)
    async with serve(fake.app()) as base:
        config = {
            "transport": {"base_url": base, "timeout_s": 0.5},
            "credentials": {
                "client_key": dy.CLIENT_KEY,
                "open_id": dy.OPEN_ID,
                "refresh_token": dy.REFRESH_TOKEN,
            },
            "limits": {"chunk_threshold_bytes": 4000, "chunk_bytes": 1500},
        }
        yield fake, config


@pytest.fixture
async def wechat() -> AsyncIterator[tuple[wx.FakeWeChat, dict[str, Any]]]:
    fake = wx.FakeWeChat()
    async with serve(fake.app()) as base:
        yield (
            fake,
            {
                "transport": {"base_url": base, "timeout_s": 0.5},
                "credentials": {"appid": wx.APPID, "secret": wx.SECRET},
            },
        )


@covers("deliver", "poll_status", "fetch_metrics", "retract")
async def test_douyin_video_is_uploaded_in_parts_created_reviewed_and_deleted(
    douyin: Any, tmp_path: Path
) -> None:
    fake, config = douyin
    story = materialize(VIDEO, tmp_path, {"vid-market": 4500})
    variant, problems = MANAGER.preview("douyin", story, config=config)
    assert problems == []
    api = transport_for(MANAGER, "douyin", config)
    result = await MANAGER.deliver(
        "douyin", variant, transport=api, idempotency_key="pub-1", config=config
    )
    assert fake.calls["/video/part/upload/"] == 3 and fake.calls["/video/upload/"] == 0
    item = fake.items[result.external_id]
    assert fake.videos[item["video_id"]] == sample_asset_bytes(VIDEO.assets[0].url, 4500)
    assert item["text"] == "早市里的时令味道 #早市 #春笋 #烟火气"
    assert result.status.state is StatusState.UNDER_REVIEW
    assert (
        await MANAGER.poll_status("douyin", result, transport=api, config=config)
    ).state is StatusState.UNDER_REVIEW
    live = await MANAGER.poll_status("douyin", result, transport=api, config=config)
    assert (
        live.state is StatusState.LIVE
        and live.final
        and live.details["share_url"].endswith(f"{result.external_id}/")
    )
    metrics = await MANAGER.fetch_metrics("douyin", result, transport=api, config=config)
    assert (metrics.views, metrics.likes, metrics.comments, metrics.shares) == (1200, 88, 9, 4)
    gone = await MANAGER.retract(
        "douyin", result, transport=api, idempotency_key="r1", reason="撤稿", config=config
    )
    again = await MANAGER.retract(
        "douyin", result, transport=api, idempotency_key="r1", reason="撤稿", config=config
    )
    assert gone.status.state is again.status.state is StatusState.REMOVED and fake.items == {}
    assert fake.token_refreshes == 1
    await api.aclose()


async def test_douyin_small_video_goes_in_one_request_and_expired_tokens_are_refreshed(
    douyin: Any, tmp_path: Path
) -> None:
    fake, config = douyin
    story = materialize(VIDEO, tmp_path, {"vid-market": 2000})
    api = transport_for(MANAGER, "douyin", config)
    variant = MANAGER.render("douyin", story, config=config, overrides={"text": "早市 #春笋"})
    await MANAGER.deliver("douyin", variant, transport=api, idempotency_key="a", config=config)
    fake.expire_tokens()
    result = await MANAGER.deliver(
        "douyin", variant, transport=api, idempotency_key="b", config=config
    )
    assert (
        fake.calls["/video/upload/"] == 3
    )  # one refused as expired, then retried with a new token
    assert fake.token_refreshes == 2 and fake.items[result.external_id]["text"] == "早市 #春笋"
    await api.aclose()


@pytest.mark.usefixtures("hub_url")
async def test_douyin_rotated_refresh_token_survives_a_restart_and_is_shared_by_workers(
    douyin: Any, tmp_path: Path
) -> None:
    """抖音 invalidates a refresh token when it issues the next one: the new one is saved
    (encrypted) at once, so a restarted or second worker keeps delivering."""
    fake, config = douyin
    tenant = "tokens-" + new_id()

    def client() -> Any:  # as the engine builds it, with the store it passes in
        return transport_for(
            MANAGER,
            "douyin",
            config,
            token_store=StoredTokens(SETTINGS, tenant, "douyin", config["credentials"]),
        )

    story = materialize(VIDEO, tmp_path, {"vid-market": 2000})
    variant = MANAGER.render("douyin", story, config=config)
    first = client()
    await MANAGER.deliver("douyin", variant, transport=first, idempotency_key="a", config=config)
    assert fake.token_refreshes == 1 and fake.refresh_token != dy.REFRESH_TOKEN  # rotated
    raw = await PlatformTokenDoc.get_pymongo_collection().find_one({"tenant": tenant})
    assert raw is not None and fake.refresh_token not in str(raw)  # encrypted at rest
    await first.aclose()

    fake.expire_tokens()  # "restart": a new client whose configuration holds the spent refresh token
    restarted, other_worker = client(), client()
    await MANAGER.deliver(
        "douyin", variant, transport=restarted, idempotency_key="b", config=config
    )
    assert fake.token_refreshes == 2  # refreshed with the saved, rotated token: accepted
    await MANAGER.deliver(
        "douyin", variant, transport=other_worker, idempotency_key="c", config=config
    )
    assert (
        fake.token_refreshes == 2
    )  # took the token the first worker saved instead of refreshing again
    fake.expire_tokens()
    await MANAGER.deliver(
        "douyin", variant, transport=other_worker, idempotency_key="d", config=config
    )
    await MANAGER.deliver(
        "douyin", variant, transport=restarted, idempotency_key="e", config=config
    )
    assert (
        fake.token_refreshes == 3 and len(fake.items) == 5
    )  # the second one adopted the first's refresh
    await restarted.aclose()
    await other_worker.aclose()


@pytest.mark.usefixtures("hub_url")
async def test_deliveries_side_by_side_refresh_one_account_s_token_once(
    douyin: Any, tmp_path: Path
) -> None:
    """A worker runs deliveries side by side, each with its own client: they must not both
    spend the same refresh token (the platform rotates it on the first: 'refresh_token 无效')."""
    import asyncio

    fake, config = douyin
    tenant = "tokens-" + new_id()
    story = materialize(VIDEO, tmp_path, {"vid-market": 2000})
    variant = MANAGER.render("douyin", story, config=config)
    clients = [
        transport_for(
            MANAGER,
            "douyin",
            config,
            token_store=StoredTokens(SETTINGS, tenant, "douyin", config["credentials"]),
        )
        for _ in range(4)
    ]
    results = await asyncio.gather(
        *(
            MANAGER.deliver(
                "douyin", variant, transport=c, idempotency_key=f"side-{i}", config=config
            )
            for i, c in enumerate(clients)
        )
    )
    assert len(results) == 4 and len(fake.items) == 4
    assert fake.token_refreshes == 1  # one refresh, the others took its token
    # and no client spent the refresh token again (each would be refused: refresh_token 无效)
    assert fake.calls["/oauth/refresh_token/"] == 1
    for c in clients:
        await c.aclose()


async def test_douyin_rate_limit_and_timeout_are_transient_then_delivery_succeeds(
    douyin: Any, tmp_path: Path
) -> None:
    fake, config = douyin
    story = materialize(VIDEO, tmp_path, {"vid-market": 2000})
    api = transport_for(MANAGER, "douyin", config)
    variant = MANAGER.render("douyin", story, config=config)
    fake.fail("/video/create/", rate_limited(3), slow(1.5))
    fake.fail("/video/upload/", server_error())
    errors = []
    for _ in range(4):
        try:
            result = await MANAGER.deliver(
                "douyin", variant, transport=api, idempotency_key="k", config=config
            )
            break
        except TransientDeliveryError as exc:
            errors.append(exc)
    assert [e.platform_code for e in errors] == ["503", "429", None]
    assert errors[1].retry_after_s == 3.0 and "超时" in errors[2].reason_zh
    assert result.external_id in fake.items
    await api.aclose()


async def test_douyin_review_rejection_is_final_with_the_platform_reason(
    douyin: Any, tmp_path: Path
) -> None:
    fake, config = douyin
    fake.review = [4, 2]
    api = transport_for(MANAGER, "douyin", config)
    variant = MANAGER.render(
        "douyin", materialize(VIDEO, tmp_path, {"vid-market": 2000}), config=config
    )
    result = await MANAGER.deliver(
        "douyin", variant, transport=api, idempotency_key="k", config=config
    )
    await MANAGER.poll_status("douyin", result, transport=api, config=config)
    rejected = await MANAGER.poll_status("douyin", result, transport=api, config=config)
    assert (
        rejected.state is StatusState.REJECTED
        and rejected.final
        and rejected.reason_zh == "抖音审核结果:不适宜公开"
    )
    await api.aclose()


async def test_douyin_platform_error_codes_become_permanent_failures_in_chinese(
    douyin: Any, tmp_path: Path
) -> None:
    fake, config = douyin
    fake.fail("/video/create/", Failure(body=dy.envelope(2190011, "视频含有违规内容")))
    api = transport_for(MANAGER, "douyin", config)
    variant = MANAGER.render(
        "douyin", materialize(VIDEO, tmp_path, {"vid-market": 2000}), config=config
    )
    with pytest.raises(PermanentDeliveryError) as caught:
        await MANAGER.deliver("douyin", variant, transport=api, idempotency_key="k", config=config)
    assert "视频含有违规内容" in caught.value.reason_zh and caught.value.platform_code == "2190011"
    await api.aclose()


@covers("deliver", "poll_status", "retract", "correct")
async def test_wechat_article_rehosts_images_adds_a_draft_and_publishes(
    wechat: Any, tmp_path: Path
) -> None:
    fake, config = wechat
    story = materialize(ARTICLE, tmp_path)
    variant, problems = MANAGER.preview(
        "wechat", story, config=config, overrides={"digest": "青石桥周六恢复通行"}
    )
    assert problems == []
    api = transport_for(MANAGER, "wechat", config)
    result = await MANAGER.deliver(
        "wechat", variant, transport=api, idempotency_key="p1", config=config
    )
    assert result.status.state is StatusState.ACCEPTED and result.details["media_id"] in fake.drafts
    [article] = fake.drafts[result.details["media_id"]]
    assert article["digest"] == "青石桥周六恢复通行" and article["thumb_media_id"] in fake.materials
    assert fake.external_images_in_drafts() == [] and len(fake.hosted) == 1
    publishing = await MANAGER.poll_status("wechat", result, transport=api, config=config)
    live = await MANAGER.poll_status("wechat", result, transport=api, config=config)
    assert publishing.state is StatusState.UNDER_REVIEW and not publishing.final
    assert live.state is StatusState.LIVE and live.details["article_url"].startswith(
        "https://mp.weixin.qq.com/s/"
    )
    delivered = type(result)(result.external_id, live, details={**result.details, **live.details})
    corrected_variant = MANAGER.render(
        "wechat", story, config=config, overrides={"title": "青石桥加固完成(更正)"}
    )
    corrected = await MANAGER.correct(
        "wechat", corrected_variant, delivered, transport=api, idempotency_key="c1", config=config
    )
    assert (
        corrected.external_id != result.external_id
        and live.details["article_id"] not in fake.articles
    )
    await MANAGER.poll_status("wechat", corrected, transport=api, config=config)
    final = await MANAGER.poll_status("wechat", corrected, transport=api, config=config)
    removed = await MANAGER.retract(
        "wechat",
        type(corrected)(corrected.external_id, final, details=final.details),
        transport=api,
        idempotency_key="r1",
        reason="撤稿",
        config=config,
    )
    assert removed.status.state is StatusState.REMOVED and fake.articles == {}
    assert fake.token_fetches == 1
    await api.aclose()


async def test_wechat_retry_after_a_failed_submit_adds_no_second_draft_or_material(
    wechat: Any, tmp_path: Path
) -> None:
    """None of draft/add, material/add_material or media/uploadimg takes an idempotency
    key: the retry resumes from the attempt's checkpoints instead of repeating them."""
    fake, config = wechat
    story = materialize(ARTICLE, tmp_path)
    variant = MANAGER.render("wechat", story, config=config)
    api = transport_for(MANAGER, "wechat", config)
    fake.fail("/cgi-bin/freepublish/submit", server_error())
    done = Checkpoints()
    with pytest.raises(TransientDeliveryError):
        await MANAGER.deliver(
            "wechat", variant, transport=api, idempotency_key="p1", config=config, checkpoints=done
        )
    assert len(fake.drafts) == len(fake.materials) == len(fake.hosted) == 1
    result = await MANAGER.deliver(
        "wechat", variant, transport=api, idempotency_key="p1", config=config, checkpoints=done
    )
    assert len(fake.drafts) == len(fake.materials) == len(fake.hosted) == 1  # nothing added twice
    assert result.details["media_id"] == done.get(
        "draft_media_id"
    ) and result.external_id == done.get("publish_id")
    await api.aclose()


@covers("correct")
async def test_douyin_retry_after_a_failed_create_does_not_upload_the_video_again(
    douyin: Any, tmp_path: Path
) -> None:
    fake, config = douyin
    story = materialize(VIDEO, tmp_path, {"vid-market": 4500})  # chunked: three parts
    variant = MANAGER.render("douyin", story, config=config)
    api = transport_for(MANAGER, "douyin", config)
    fake.fail("/video/create/", server_error())
    done = Checkpoints()
    with pytest.raises(TransientDeliveryError):
        await MANAGER.deliver(
            "douyin", variant, transport=api, idempotency_key="p1", config=config, checkpoints=done
        )
    result = await MANAGER.deliver(
        "douyin", variant, transport=api, idempotency_key="p1", config=config, checkpoints=done
    )
    assert (
        fake.calls["/video/part/upload/"] == 3
        and fake.calls["/video/create/"] == 2
        and len(fake.items) == 1
    )
    again = await MANAGER.deliver(
        "douyin", variant, transport=api, idempotency_key="p1", config=config, checkpoints=done
    )
    assert (
        again.external_id == result.external_id and len(fake.items) == 1
    )  # a third attempt creates nothing
    # a correction removes the old item once, even when its republish has to be retried
    fake.fail("/video/create/", server_error())
    fixed = MANAGER.render("douyin", story, config=config, overrides={"text": "更正 #春笋"})
    redo = Checkpoints()
    with pytest.raises(TransientDeliveryError):
        await MANAGER.correct(
            "douyin",
            fixed,
            result,
            transport=api,
            idempotency_key="c1",
            config=config,
            checkpoints=redo,
        )
    corrected = await MANAGER.correct(
        "douyin",
        fixed,
        result,
        transport=api,
        idempotency_key="c1",
        config=config,
        checkpoints=redo,
    )
    assert fake.calls["/video/delete/"] == 1 and list(fake.items) == [corrected.external_id]
    await api.aclose()


@pytest.mark.usefixtures("hub_url")
async def test_the_hub_keeps_checkpoints_with_the_publication() -> None:
    tenant = "ckpt-" + new_id()
    pub = await pubs.plan(
        tenant=tenant,
        story_id="s1",
        revision=1,
        revision_id="s1:1",
        channel="wechat",
        action=Action.PUBLISH,
        overrides={},
        replaces=None,
        approval={},
    )
    await StoredCheckpoints(pub).save("draft_media_id", "MEDIA_1")
    reloaded = await pubs.get(pub.id)
    assert reloaded is not None and StoredCheckpoints(reloaded).get("draft_media_id") == "MEDIA_1"
    with pytest.raises(ValueError):
        await StoredCheckpoints(reloaded).save("a.b", 1)  # would address a nested field


async def test_wechat_review_rejection_quota_and_expired_token(wechat: Any, tmp_path: Path) -> None:
    fake, config = wechat
    fake.outcome = [1, 4]
    api = transport_for(MANAGER, "wechat", config)
    variant = MANAGER.render("wechat", materialize(ARTICLE, tmp_path), config=config)
    fake.fail(
        "/cgi-bin/draft/add",
        Failure(body=wx.err(45009, "reach max api daily quota limit")),
        rate_limited(),
    )
    for code in ("45009", "429"):
        with pytest.raises(TransientDeliveryError) as busy:
            await MANAGER.deliver(
                "wechat", variant, transport=api, idempotency_key="k", config=config
            )
        assert busy.value.platform_code == code
    fake.expire_tokens()
    result = await MANAGER.deliver(
        "wechat", variant, transport=api, idempotency_key="k", config=config
    )
    assert fake.token_fetches == 2
    await MANAGER.poll_status("wechat", result, transport=api, config=config)
    rejected = await MANAGER.poll_status("wechat", result, transport=api, config=config)
    assert (
        rejected.state is StatusState.REJECTED
        and rejected.reason_zh == "平台审核不通过"
        and rejected.final
    )
    await api.aclose()


async def test_wechat_wrong_secret_is_a_permanent_failure_naming_the_credentials(
    wechat: Any, tmp_path: Path
) -> None:
    _, config = wechat
    config = {**config, "credentials": {"appid": wx.APPID, "secret": "wrong"}}
    api = transport_for(MANAGER, "wechat", config)
    variant = MANAGER.render("wechat", materialize(ARTICLE, tmp_path), config=config)
    with pytest.raises(PermanentDeliveryError, match="invalid appsecret") as caught:
        await MANAGER.deliver("wechat", variant, transport=api, idempotency_key="k", config=config)
    assert "凭据" in caught.value.reason_zh
    await api.aclose()
