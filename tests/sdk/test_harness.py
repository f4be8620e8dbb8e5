"""The SDK harness runs a plugin's hooks without a hub, with recording transports."""

from __future__ import annotations

from typing import Any

import pytest
import ronghub_sdk
from ronghub_sdk import (
    ChannelInfo,
    DeliveryResult,
    PlatformStatus,
    Problem,
    StatusState,
    TransportKind,
    Variant,
    hookimpl,
)
from ronghub_sdk.testing import ChannelHarness, MemoryFileDrop, RecordingApi, sample_stories


class NoticeBoard:
    """A tiny plugin: pins the title to a file."""

    @hookimpl
    def describe(self) -> ChannelInfo:
        return ChannelInfo(
            name="board",
            title_zh="公告栏",
            title_en="Notice board",
            transport=TransportKind.FILE_DROP,
            defaults={"limits": {"title_max": 20}},
        )

    @hookimpl
    def render(self, story: Any, overrides: dict[str, Any]) -> Variant:
        fields = {"title": story.title, **overrides}
        return Variant(
            "board", story.story_id, story.revision_id, fields, overridden=tuple(overrides)
        )

    @hookimpl
    def validate(self, variant: Variant, config: dict[str, Any]) -> list[Problem]:
        limit = config["limits"]["title_max"]
        if len(variant.fields["title"]) > limit:
            return [Problem("BOARD_TITLE", "title", f"标题最多 {limit} 字", f"title over {limit}")]
        return []

    @hookimpl
    async def deliver(
        self, variant: Variant, transport: Any, idempotency_key: str
    ) -> DeliveryResult:
        path = await transport.write(idempotency_key + ".txt", variant.fields["title"].encode())
        return DeliveryResult(idempotency_key, PlatformStatus(StatusState.LIVE), url=path)


def test_every_sample_story_has_content_and_distinct_ids() -> None:
    stories = sample_stories()
    assert len({s.story_id for s in stories}) == len(stories) >= 4
    assert all(s.title and s.body_text for s in stories)


def test_harness_renders_validates_and_delivers_through_the_recorder() -> None:
    harness = ChannelHarness(NoticeBoard())
    variant = harness.check(sample_stories()[0])
    result = harness.deliver(variant, idempotency_key="k1")
    assert isinstance(harness.transport, MemoryFileDrop)
    assert harness.transport.files == {"k1.txt": variant.fields["title"].encode()}
    assert result.status.state is StatusState.LIVE


def test_harness_check_reports_problems_with_both_languages() -> None:
    harness = ChannelHarness(NoticeBoard(), config={"limits": {"title_max": 5}})
    with pytest.raises(AssertionError, match=r"BOARD_TITLE.*标题最多 5 字"):
        harness.check(sample_stories()[0])


def test_harness_render_applies_editor_overrides() -> None:
    variant = ChannelHarness(NoticeBoard()).render(sample_stories()[0], {"title": "短标题"})
    assert variant.fields["title"] == "短标题" and variant.overridden == ("title",)


async def test_recording_api_splits_uploads_into_parts() -> None:
    api = RecordingApi()
    parts: list[tuple[int, int]] = []

    async def init() -> str:
        return "u1"

    async def part(upload_id: str, number: int, chunk: bytes) -> None:
        parts.append((number, len(chunk)))

    async def complete(upload_id: str) -> str:
        return upload_id + ":done"

    done = await api.upload_chunked(
        b"x" * 25, chunk_size=10, init=init, part=part, complete=complete
    )
    assert done == "u1:done" and parts == [(1, 10), (2, 10), (3, 5)]


def test_sdk_exports_exactly_its_public_surface() -> None:
    exported = {n for n in dir(ronghub_sdk) if not n.startswith("_")} - {
        "hookspecs",
        "transports",
        "testing",
        "verify",
        "sm2",
    }
    assert exported == set(ronghub_sdk.__all__) - {"__version__"}


def test_limit_names_what_is_missing_instead_of_a_bare_key_error() -> None:
    with pytest.raises(ronghub_sdk.ConfigError, match=r"no 'limits' section.*merge_config"):
        ronghub_sdk.limit({"transport": {}}, "title_max")
    with pytest.raises(ronghub_sdk.ConfigError, match=r"no such limit.*it has: body_max"):
        ronghub_sdk.limit({"limits": {"body_max": 5}}, "title_max")
    assert ronghub_sdk.limit({"limits": {"title_max": 5}}, "title_max") == 5


def test_the_sdk_ships_its_type_information() -> None:
    from pathlib import Path

    assert (Path(ronghub_sdk.__file__).parent / "py.typed").is_file()


def test_the_memory_file_drop_refuses_names_the_hubs_file_drop_refuses() -> None:
    import asyncio

    from ronghub_sdk.transports import SAFE_FILE_NAME, safe_file_name

    drop = MemoryFileDrop()
    key = "ronghub:t-1:01abc:1:town:publish"
    with pytest.raises(ronghub_sdk.PermanentDeliveryError, match="unsafe file name"):
        asyncio.run(drop.write(key + ".json", b"{}"))
    assert SAFE_FILE_NAME.match(safe_file_name(key) + ".json")
    asyncio.run(drop.write(safe_file_name(key) + ".json", b"{}"))
    assert list(drop.files) == ["ronghub_t-1_01abc_1_town_publish.json"]
