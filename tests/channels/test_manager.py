"""The plugin manager loads channels from entry points, skips broken ones, calls one plugin."""

from __future__ import annotations

import dataclasses
from importlib.metadata import EntryPoint, entry_points

import pytest
from click.testing import CliRunner
from ronghub_sdk import ENTRY_POINT_GROUP
from ronghub_sdk.hookspecs import CHECKS_ENTRY_POINT_GROUP
from ronghub_sdk.testing import ARTICLE

from hub.channels.manager import ChannelManager, load_channels, parse_only
from hub.cli import main
from hub.errors import HubError
from hub.workflow.plugins import BUILTIN, register_checks, run_checks
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
    assert (
        manager.render("alpha", ARTICLE, config={"prefix": "A"}).fields["title"]
        == "A:" + ARTICLE.title
    )
    assert manager.config("alpha", {"limits": {"title_max": 3}})["limits"] == {"title_max": 3}


def test_overriding_a_field_the_channel_does_not_allow_is_an_editor_error() -> None:
    manager = ChannelManager.discover(eps=GOOD)
    with pytest.raises(HubError) as caught:
        manager.render("alpha", ARTICLE, overrides={"body": "x"})
    assert (
        caught.value.code == "CHANNEL_FIELD_NOT_OVERRIDABLE" and "body" in caught.value.message_zh
    )


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
    assert set(manager.names()) == {
        "app",
        "douyin",
        "xuexi",
        "gov_site",
        "wechat",
        "sms",
        "emergency",
    }
    for name in manager.names():
        loaded = manager.get(name)
        assert loaded.distribution == "ronghub" and loaded.version
        assert {"describe", "render", "validate", "deliver"} <= set(loaded.hooks)


def test_plugins_command_lists_loaded_channels_with_versions_and_hooks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RONGHUB_PLUGINS", "wechat,sms")
    result = CliRunner().invoke(main, ["plugins"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "wechat" in result.output and "sms" in result.output and "douyin" not in result.output
    assert "deliver" in result.output and "0.1.0" in result.output


def check_ep(name: str, target: str) -> EntryPoint:
    return EntryPoint(name=name, value=f"{MOD}:{target}", group=CHECKS_ENTRY_POINT_GROUP)


CHECKS = [
    check_ep("headline", "headline_check"),
    EntryPoint(
        name="gone_check", value="tests.channels.no_such_module", group=CHECKS_ENTRY_POINT_GROUP
    ),
    check_ep("nohook", "check_without_hook"),
    check_ep("misspelt_check", "check_misspelt"),
]


def test_check_plugins_load_through_the_channel_manager_and_broken_ones_are_recorded() -> None:
    manager = ChannelManager.discover(eps=GOOD)
    manager.discover_checks(eps=CHECKS)
    assert list(manager.checks) == ["check.headline"]
    errors = {f.source.split(" = ")[0]: f.error for f in manager.failures}
    assert set(errors) == {"gone_check", "nohook", "misspelt_check"}
    assert "ModuleNotFoundError" in errors["gone_check"]
    assert "no check_story" in errors["nohook"] and "check_stroy" in errors["misspelt_check"]
    assert manager.names() == ["alpha", "beta"]  # a broken check leaves the channels alone
    register_checks(manager)
    assert (
        set(BUILTIN) <= set(manager.checks)
        and manager.checks["check.sensitive_words"].source == "built-in"
    )
    long_title = dataclasses.replace(ARTICLE, title="一个超过二十个字的标题" * 3)
    codes = [f.code for f in run_checks(manager, long_title, {"sensitive_words": []})]
    assert "HEADLINE_LONG" in codes


def test_ronghub_plugins_limits_check_plugins_too_but_never_the_built_in_checks() -> None:
    manager = ChannelManager.discover(parse_only("alpha,headline"), eps=GOOD)
    manager.discover_checks(parse_only("alpha"), eps=CHECKS)
    assert manager.checks == {} and manager.failures == []  # not named: not even imported
    manager.discover_checks(parse_only("headline"), eps=CHECKS)
    assert list(manager.checks) == ["check.headline"]
    register_checks(manager)
    assert set(BUILTIN) <= set(manager.checks)


def test_plugins_command_lists_the_check_plugins() -> None:
    result = CliRunner().invoke(main, ["plugins"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "check plugins" in result.output
    assert all(name in result.output for name in BUILTIN)


def test_plugins_command_gives_json_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    monkeypatch.setenv("RONGHUB_PLUGINS", "wechat,sms")
    result = CliRunner().invoke(main, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert {p["channel"] for p in listed["plugins"]} == {"sms", "wechat"}
    assert all("deliver" in p["hooks"] and p["version"] for p in listed["plugins"])


def test_plugins_table_fits_80_columns_without_cutting_a_name_or_a_hook(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rich.cells import cell_len

    from hub.channels import load_channels
    from hub.settings import Settings

    monkeypatch.setenv("COLUMNS", "80")
    result = CliRunner().invoke(main, ["plugins"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(cell_len(line) for line in lines) <= 80, result.output
    assert "…" not in result.output, result.output
    words = set(result.output.split())
    manager = load_channels(Settings().plugins)
    for name in manager.names():
        loaded = manager.get(name)
        assert {name, loaded.version, str(loaded.info.transport), *loaded.hooks} <= words, name


def test_an_outside_plugin_named_like_a_built_in_channel_is_refused_whatever_the_load_order() -> (
    None
):
    installed = list(entry_points(group=ENTRY_POINT_GROUP))
    lookalike = ep("wechat", "wechat_lookalike")
    for eps in ([lookalike, *installed], [*installed, lookalike]):
        manager = ChannelManager.discover(eps=eps)
        assert manager.get("wechat").distribution == "ronghub"  # the hub's own, never the lookalike
        (failure,) = manager.failures
        assert failure.source == f"wechat = {MOD}:wechat_lookalike"
        assert (
            "融汇自带的渠道" in failure.error
            and "is a built-in channel of the hub" in failure.error
        )
