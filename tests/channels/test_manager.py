"""The plugin manager loads channels from entry points, skips broken ones, calls one plugin."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest
from click.testing import CliRunner
from ronghub_sdk import ENTRY_POINT_GROUP
from ronghub_sdk.testing import ARTICLE

from hub.channels.manager import ChannelManager, load_channels, parse_only
from hub.cli import main
from hub.errors import HubError
from tests.channels.hookcov import covers

MOD = "tests.channels.toy_plugins"


def ep(name: str, target: str) -> EntryPoint:
    return EntryPoint(name=name, value=f"{MOD}:{target}", group=ENTRY_POINT_GROUP)


GOOD = [ep("alpha", "alpha"), ep("beta", "beta")]
BROKEN = [
    EntryPoint(name="gone", value="tests.channels.no_such_module", group=ENTRY_POINT_GROUP),
    ep("raises", "raises_in_describe"),
    ep("misspelt", "misspelt"),
    ep("wrongtype", "not_channel_info"),
]


@covers("describe")
def test_good_plugins_load_and_broken_ones_are_reported_and_skipped() -> None:
    manager = ChannelManager.discover(eps=[*BROKEN[:2], *GOOD, *BROKEN[2:]])
    assert manager.names() == ["alpha", "beta"]
    assert manager.info("alpha").title_zh == "alpha频道"
    errors = {f.source.split(" = ")[0]: f.error for f in manager.failures}
    assert set(errors) == {"gone", "raises", "misspelt", "wrongtype"}
    assert "ModuleNotFoundError" in errors["gone"]
    assert "config file missing" in errors["raises"]
    assert "rendr" in errors["misspelt"]
    assert "ChannelInfo" in errors["wrongtype"]


def test_loading_is_limited_to_the_configured_plugin_names() -> None:
    manager = ChannelManager.discover(parse_only("beta, gone"), eps=[*GOOD, BROKEN[0]])
    assert manager.names() == ["beta"]
    assert [f.source.split(" = ")[0] for f in manager.failures] == ["gone"]
    assert parse_only("") is None and parse_only(None) is None


def test_a_second_plugin_with_the_same_channel_name_is_refused() -> None:
    manager = ChannelManager.discover(eps=[ep("alpha", "alpha"), ep("alpha2", "alpha")])
    assert manager.names() == ["alpha"]
    assert len(manager.failures) == 1


@covers("render")
def test_render_calls_only_the_named_channel_with_merged_config() -> None:
    manager = ChannelManager.discover(eps=GOOD)
    assert manager.render("beta", ARTICLE).fields["title"] == "beta:" + ARTICLE.title
    assert manager.render("alpha", ARTICLE, config={"prefix": "A"}).fields["title"] == "A:" + ARTICLE.title
    assert manager.config("alpha", {"limits": {"title_max": 3}})["limits"] == {"title_max": 3}


def test_overriding_a_field_the_channel_does_not_allow_is_an_editor_error() -> None:
    manager = ChannelManager.discover(eps=GOOD)
    with pytest.raises(HubError) as caught:
        manager.render("alpha", ARTICLE, overrides={"body": "x"})
    assert caught.value.code == "CHANNEL_FIELD_NOT_OVERRIDABLE" and "body" in caught.value.message_zh


def test_unknown_channel_and_missing_hook_are_reported_in_chinese() -> None:
    manager = ChannelManager.discover(eps=GOOD)
    with pytest.raises(HubError) as unknown:
        manager.render("weibo", ARTICLE)
    assert unknown.value.code == "CHANNEL_UNKNOWN" and "alpha" in unknown.value.message_zh
    with pytest.raises(HubError) as missing:
        manager.validate("alpha", manager.render("alpha", ARTICLE))
    assert missing.value.code == "CHANNEL_HOOK_MISSING"


def test_built_in_channels_load_from_the_installed_entry_points() -> None:
    manager = load_channels(None)
    assert manager.failures == []
    assert set(manager.names()) == {"app", "douyin", "xuexi", "gov_site", "wechat", "sms", "emergency"}
    for name in manager.names():
        loaded = manager.get(name)
        assert loaded.distribution == "ronghub" and loaded.version
        assert {"describe", "render", "validate", "deliver"} <= set(loaded.hooks)


def test_plugins_command_lists_loaded_channels_with_versions_and_hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RONGHUB_PLUGINS", "wechat,sms")
    result = CliRunner().invoke(main, ["plugins"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "wechat" in result.output and "sms" in result.output and "douyin" not in result.output
    assert "deliver" in result.output and "0.1.0" in result.output


def test_plugins_command_gives_json_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    monkeypatch.setenv("RONGHUB_PLUGINS", "wechat,sms")
    result = CliRunner().invoke(main, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert {p["channel"] for p in listed["plugins"]} == {"sms", "wechat"}
    assert all("deliver" in p["hooks"] and p["version"] for p in listed["plugins"])
