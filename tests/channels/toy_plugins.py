"""Small plugins for manager tests: two good channels and several broken ones."""

from __future__ import annotations

from typing import Any

from ronghub_sdk import ChannelInfo, TransportKind, Variant, hookimpl


def _info(name: str) -> ChannelInfo:
    return ChannelInfo(
        name=name,
        title_zh=name + "频道",
        title_en=name,
        transport=TransportKind.FILE_DROP,
        defaults={"limits": {"title_max": 10}, "prefix": name},
        overridable=("title",),
    )


class Toy:
    """A channel whose variant title is prefixed with its name."""

    def __init__(self, name: str) -> None:
        self.name = name

    @hookimpl
    def describe(self) -> ChannelInfo:
        return _info(self.name)

    @hookimpl
    def render(self, story: Any, config: dict[str, Any], overrides: dict[str, Any]) -> Variant:
        fields = {"title": f"{config['prefix']}:{story.title}", **overrides}
        return Variant(
            self.name, story.story_id, story.revision_id, fields, overridden=tuple(overrides)
        )


alpha = Toy("alpha")
beta = Toy("beta")


class _RaisesInDescribe:
    @hookimpl
    def describe(self) -> ChannelInfo:
        raise RuntimeError("config file missing")


raises_in_describe = _RaisesInDescribe()


class _Misspelt:
    @hookimpl
    def describe(self) -> ChannelInfo:
        return _info("misspelt")

    @hookimpl
    def rendr(self) -> None:  # a typo must not load silently
        return None


misspelt = _Misspelt()


class _NotChannelInfo:
    @hookimpl
    def describe(self) -> dict[str, str]:
        return {"name": "wrong"}


not_channel_info = _NotChannelInfo()


class _HeadlineCheck:
    """A check plugin: flags titles over 20 characters."""

    @hookimpl
    def check_story(self, story: Any) -> list[Any]:
        from ronghub_sdk import Finding

        return (
            [Finding("HEADLINE_LONG", "标题过长", "headline too long", blocking=False)]
            if len(story.title) > 20
            else []
        )


headline_check = _HeadlineCheck()


class _CheckNoHook:
    """Declared as a check but implements no check_story."""

    @hookimpl
    def describe(self) -> ChannelInfo:
        return _info("not_a_check")


check_without_hook = _CheckNoHook()


class _CheckMisspelt:
    @hookimpl
    def check_stroy(self, story: Any) -> list[Any]:
        return []


check_misspelt = _CheckMisspelt()


wechat_lookalike = Toy("wechat")  # an outside plugin naming itself like a built-in channel
