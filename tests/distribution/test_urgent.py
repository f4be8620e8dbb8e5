"""应急广播 urgent path: dual control instead of the full chain, fully audited."""

from __future__ import annotations

import asyncio
import io
import tarfile
from pathlib import Path

import pytest
from ronghub_sdk import TransportKind

import plugins.emergency as emergency
from hub.audit import log as audit
from hub.channels.manager import ChannelManager
from hub.distribution import publications as pubs
from hub.distribution.engine import Distribution
from hub.distribution.readmodel import ReadModelStore
from hub.distribution.states import PubState
from hub.distribution.transports import TransportProvider
from hub.distribution.urgent import confirm_urgent, request_urgent
from hub.errors import HubError
from hub.ids import new_id
from hub.jobs.worker import Worker
from hub.store.scope import Scope
from hub.store.stories import StoryRepository
from hub.transports.file_drop import DirectoryDrop
from plugins.emergency import signing
from tests.conftest import GraphQLClient, run_until_idle
from tests.distribution.channels_for_tests import Paper

pytestmark = pytest.mark.usefixtures("hub_url")
ALERT_META = {
    "event_type": "11B03",
    "severity": 2,
    "area_codes": ["330100000000"],
    "valid_hours": 3,
}


def engine_for(drop: Path) -> Distribution:
    manager = ChannelManager()
    manager.register(Paper())
    manager.register(emergency)
    provider = TransportProvider()
    provider.register(TransportKind.READ_MODEL, lambda c, cfg, t: ReadModelStore())
    provider.register(TransportKind.FILE_DROP, lambda c, cfg, t: DirectoryDrop(drop))
    config = {
        "emergency": {
            "src_ebrid": "10433010000000000010101",
            "transport": {"directory": str(drop)},
            "signing": {"private_key_hex": signing.new_private_key(), "cert_sn": "SN1"},
        }
    }
    return Distribution(manager, provider, channel_config=config, prefix="u" + new_id()[-6:])


async def drain(engine: Distribution) -> None:
    await run_until_idle(Worker(engine.consumers(), idle_sleep=0))


def repos() -> tuple[StoryRepository, StoryRepository]:
    tenant = "urgent-" + new_id()
    return (
        StoryRepository(Scope(tenant, actor="值班员甲", public_only=False)),
        StoryRepository(Scope(tenant, actor="值班员乙", public_only=False)),
    )


async def alert(repo: StoryRepository, channels: list[str]) -> str:
    doc = await repo.create(
        {
            "title": "暴雨橙色预警",
            "body_text": "请沿河群众立即转移。",
            "channels": channels,
            "metadata": ALERT_META,
        }
    )
    return doc.id


async def test_two_different_people_send_an_urgent_broadcast_on_the_emergency_channel_only(
    tmp_path: Path,
) -> None:
    first, second = repos()
    story_id = await alert(first, ["paper", "emergency"])
    requested = await request_urgent(first, story_id, 1, "暴雨即将到来")
    await confirm_urgent(second, story_id, requested.version)
    engine = engine_for(tmp_path)
    await drain(engine)

    found = {p.channel: p for p in await pubs.of_story(first.scope.tenant, story_id)}
    assert set(found) == {"emergency"}  # not the app: the full chain has not approved it
    pub = found["emergency"]
    assert pub.state in (PubState.ACCEPTED, PubState.LIVE), (
        pub.last_error,
        pub.problems,
    )  # the EBD was dropped for pickup
    assert pub.variant["flags"]["dual_control"]["approvers"] == ["值班员甲", "值班员乙"]
    dropped = await asyncio.to_thread(lambda: next(tmp_path.glob("EBD_*.tar")).read_bytes())
    with tarfile.open(fileobj=io.BytesIO(dropped)) as tar:
        assert len(tar.getnames()) == 2  # the signed EBD and its signature
    actions = [e.action for e in await audit.entries(first.scope.tenant, 50)]
    assert {"story.urgent.requested", "story.urgent.confirmed"} <= set(actions)


async def test_the_person_who_requested_cannot_confirm() -> None:
    first, _ = repos()
    story_id = await alert(first, ["emergency"])
    requested = await request_urgent(first, story_id, 1, "山洪")
    with pytest.raises(HubError) as err:
        await confirm_urgent(first, story_id, requested.version)
    assert err.value.code == "URGENT_SAME_PERSON" and "两人" in err.value.message_zh


async def test_an_edit_after_the_request_needs_a_new_request() -> None:
    first, second = repos()
    story_id = await alert(first, ["emergency"])
    requested = await request_urgent(first, story_id, 1, "山洪")
    await first.update(story_id, requested.version, {"title": "暴雨红色预警"})
    with pytest.raises(HubError) as err:
        await confirm_urgent(second, story_id, requested.version + 1)
    assert err.value.code == "URGENT_CONTENT_CHANGED"


async def test_the_urgent_path_needs_the_emergency_channel_in_the_plan_and_a_reason() -> None:
    first, _ = repos()
    story_id = await alert(first, ["paper"])
    with pytest.raises(HubError) as err:
        await request_urgent(first, story_id, 1, "山洪")
    assert err.value.code == "URGENT_NOT_PLANNED"
    other = await alert(first, ["emergency"])
    with pytest.raises(HubError) as err:
        await request_urgent(first, other, 1, "  ")
    assert err.value.code == "URGENT_REASON_REQUIRED"


async def test_over_graphql_one_token_cannot_both_request_and_confirm(
    editor: GraphQLClient,
) -> None:
    created = (
        await editor(
            "mutation($i: CreateStoryInput!) { createStory(input: $i) { id version } }",
            {
                "i": {
                    "title": "地震速报",
                    "bodyText": "请注意避险。",
                    "channels": ["emergency"],
                    "metadata": ALERT_META,
                }
            },
        )
    )["createStory"]
    requested = (
        await editor(
            'mutation($id: ID!) { requestUrgentBroadcast(id: $id, expectedVersion: 1, reason: "地震") { version } }',
            {"id": created["id"]},
        )
    )["requestUrgentBroadcast"]
    errors = await editor.errors(
        "mutation($id: ID!, $v: Int!) { confirmUrgentBroadcast(id: $id, expectedVersion: $v) { status } }",
        {"id": created["id"], "v": requested["version"]},
    )
    assert errors[0]["extensions"]["code"] == "URGENT_SAME_PERSON"


async def test_an_urgent_broadcast_the_channel_would_refuse_is_not_confirmed(
    tmp_path: Path,
) -> None:
    from hub.distribution import precheck
    from hub.store.documents import StoryDoc

    first, second = repos()
    doc = await first.create(
        {
            "title": "暴雨橙色预警",
            "body_text": "请沿河群众立即转移。",
            "channels": ["emergency"],
            "metadata": {**ALERT_META, "severity": "很严重"},
        }
    )
    requested = await request_urgent(first, doc.id, 1, "暴雨")
    engine = engine_for(tmp_path)

    async def deliverable(story: StoryDoc, data: dict[str, object]) -> None:
        await precheck.refuse_undeliverable(
            engine, await second.revision(story.id, story.revision), data
        )

    with pytest.raises(HubError) as err:
        await confirm_urgent(second, doc.id, requested.version, before_approval=deliverable)
    assert err.value.code == "APPROVAL_CHANNEL_PROBLEMS"
    assert [p["code"] for p in err.value.details["problems"]] == [
        "EMERGENCY_SEVERITY"
    ]  # dual control is satisfied
    assert (await second.require(doc.id)).status.value == "draft"
