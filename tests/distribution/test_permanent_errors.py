"""A bad value never loops silently: what `validate` can know is a named problem, a
permanent error goes straight to the dead letter with its reason in Chinese in
`lastError` and the ledger, a plugin's exception is permanent for that publication,
and channel settings are checked against the plugin's schema when saved."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from ronghub_sdk import ChannelInfo, StoryInput, TransportKind, Variant, hookimpl
from ronghub_sdk.testing import ALERT, ChannelHarness

import plugins.emergency as emergency
from hub.distribution.states import PubState
from hub.jobs.documents import JobDoc, JobState
from hub.settings import Settings
from hub.transports import build_transport
from plugins.emergency import signing
from tests.conftest import GraphQLClient
from tests.distribution.test_engine import Rig

pytestmark = pytest.mark.usefixtures("hub_url")


class Crashing:
    """A channel whose render fails on this story's data (a plugin bug)."""

    @hookimpl
    def describe(self) -> ChannelInfo:
        return ChannelInfo("crashing", "出错的渠道", "crashing", TransportKind.READ_MODEL)

    @hookimpl
    def render(self, story: StoryInput) -> Variant:
        return Variant("crashing", story.story_id, story.revision_id, {"n": int(story.title)})

    @hookimpl
    def validate(self) -> list[Any]:
        return []


async def _job(rig: Rig, pub_id: str) -> JobDoc:
    job = await JobDoc.get(JobDoc.make_id(rig.engine.deliver_name, pub_id))
    assert job is not None
    return job


async def test_a_plugin_exception_is_a_permanent_failure_with_a_reason_not_an_endless_retry() -> (
    None
):
    rig = Rig()
    rig.engine.channels.register(Crashing())
    story = await rig.approve(await rig.story(["crashing"], title="不是数字"))
    await rig.drain()
    pub = (await rig.publications(story.id))[("crashing", "publish")]
    assert pub.state == PubState.FAILED
    assert pub.last_error and "crashing" in pub.last_error and "render" in pub.last_error
    assert pub.entries()[-1].evidence["code"] == "CHANNEL_PLUGIN_FAILED"
    assert "ValueError" in pub.entries()[-1].evidence["reason_en"]
    job = await _job(rig, pub.id)
    assert job.state == JobState.DEAD and job.attempts == 1


async def test_a_missing_transport_setting_dead_letters_at_once_with_its_reason() -> None:
    rig = Rig()
    # the hub's real transport factory, for a channel whose base_url nobody configured
    rig.engine.transports.register(
        TransportKind.PLATFORM_API,
        lambda c, cfg, t: build_transport(c and "platform_api", {}, Settings()),
    )
    story = await rig.approve(await rig.story(["wall"]))
    await rig.drain()
    pub = (await rig.publications(story.id))[("wall", "publish")]
    assert pub.state == PubState.FAILED and pub.last_error and "base_url" in pub.last_error
    assert pub.entries()[-1].note == pub.last_error and "渠道设置" in pub.last_error
    job = await _job(rig, pub.id)
    assert job.state == JobState.DEAD and job.attempts == 1


def test_a_non_numeric_severity_is_a_named_problem_not_a_render_crash() -> None:
    key = signing.new_private_key()
    h = ChannelHarness(
        emergency,
        {
            "src_ebrid": "10433010000000000010101",
            "signing": {"private_key_hex": key, "cert_sn": "C"},
        },
    )
    confirmed = {**ALERT.metadata, "dual_control_approvers": ["a", "b"]}
    variant = h.render(
        replace(ALERT, metadata={**confirmed, "severity": "严重", "valid_hours": "两小时"})
    )
    problems = {p.code: p for p in h.validate(variant)}
    assert set(problems) == {"EMERGENCY_SEVERITY", "EMERGENCY_VALID_HOURS"}
    assert "严重" in problems["EMERGENCY_SEVERITY"].message_zh
    assert h.validate(h.render(replace(ALERT, metadata={**confirmed, "severity": "2"}))) == []


CONFIGURE = (
    "mutation($ch: String!, $c: JSON!) { configureChannel(channel: $ch, config: $c) { config } }"
)


@pytest.mark.parametrize(
    ("channel", "config", "key"),
    [
        (
            "gov_site",
            {
                "org_code": "not-a-code",
                "transport": {"url": "https://cms.example/hook", "secrets": ["s"]},
            },
            "org_code",
        ),
        (
            "wechat",
            {"credentials": {"appid": "wx-1", "secret": "s"}, "transport": {"base_url": 443}},
            "transport.base_url",
        ),
        ("app", {"limits": {"title_max": "长"}}, "limits.title_max"),
        ("sms", {"transport": {"directory": "/tmp/x"}, "limits": 5}, "limits"),
    ],
)
async def test_channel_settings_that_break_the_schema_are_refused_naming_the_key(
    editor: GraphQLClient, channel: str, config: dict[str, Any], key: str
) -> None:
    errors = await editor.errors(CONFIGURE, {"ch": channel, "c": config})
    ext = errors[0]["extensions"]
    assert (
        ext["code"] == "CHANNEL_CONFIG_INVALID"
        and key in ext["message_zh"]
        and key in ext["message_en"]
    )
    shown = await editor(
        "query($ch: String!) { channelSettings(channel: $ch) { config } }", {"ch": channel}
    )
    assert shown["channelSettings"]["config"] != config  # nothing was saved


APPROVE = "mutation($id: ID!, $v: Int!) { approveStory(id: $id, expectedVersion: $v) { status } }"


async def test_approving_a_story_a_channel_would_refuse_is_refused_with_every_problem(
    editor: GraphQLClient,
) -> None:
    meta = {"event_type": "11B03", "severity": "严重", "area_codes": ["330100"], "valid_hours": 2}
    story = (
        await editor(
            "mutation($i: CreateStoryInput!) { createStory(input: $i) { id version } }",
            {
                "i": {
                    "title": "暴雨预警",
                    "bodyText": "请沿河群众立即转移。",
                    "channels": ["emergency", "app"],
                    "metadata": meta,
                }
            },
        )
    )["createStory"]
    errors = await editor.errors(APPROVE, {"id": story["id"], "v": story["version"]})
    ext = errors[0]["extensions"]
    assert ext["code"] == "APPROVAL_CHANNEL_PROBLEMS" and "应急广播" not in ext["message_en"]
    assert "emergency" in ext["message_zh"]
    found = {(p["channel"], p["code"]) for p in ext["details"]["problems"]}
    assert ("emergency", "EMERGENCY_SEVERITY") in found and not any(c == "app" for c, _ in found)
    status = await editor(
        "query($id: ID!) { story(id: $id) { status version } }", {"id": story["id"]}
    )
    assert status["story"] == {"status": "DRAFT", "version": story["version"]}
