"""Plain values that hooks take and return: stories in, variants, problems and results out.

Everything here is a frozen dataclass of plain Python values (str, int, tuples, dicts of
JSON-able values) so the hub can store it, a plugin can build it without the hub, and a
test can compare it with `==`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, TypeVar, cast

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Asset:
    """A media file the story uses (cover, image, video), as a channel needs to fetch it."""

    id: str
    kind: str  # "image" | "video" | "audio" | "file"
    url: str  # where the hub serves the file (or a file:// path in tests)
    mime: str = "application/octet-stream"
    size: int = 0
    alt: str | None = None  # 替代文字, required by accessible channels for images
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None


@dataclass(frozen=True, slots=True)
class Source:
    """来源 / 原作者 / 原标题 / 责任编辑 and the 转载 flag (hub.domain.story.SourceInfo)."""

    source_name: str | None = None
    original_author: str | None = None
    original_title: str | None = None
    responsible_editor: str | None = None
    reprint: bool = False


@dataclass(frozen=True, slots=True)
class Place:
    """Where the story happened (hub.domain.story.Location)."""

    name: str
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class StoryInput:
    """An approved (签发) revision of a story: the only thing a channel renders from.

    The content fields mirror `hub.domain.story.StoryContent`; the rest says which
    revision this is and who approved it. `metadata` carries channel-neutral extras a
    newsroom records on a story (e.g. 发文机关 and 发文字号 for policy documents).
    """

    tenant: str
    story_id: str
    revision_id: str
    title: str
    body: str = ""  # sanitised HTML
    body_text: str = ""  # the body as plain text, blocks on their own lines
    type: str = "article"  # article | gallery | video | audio | live | special
    subtitle: str | None = None
    summary: str | None = None
    column_id: str | None = None
    tags: tuple[str, ...] = ()
    cover_asset_id: str | None = None
    asset_ids: tuple[str, ...] = ()
    assets: tuple[Asset, ...] = ()
    byline: str | None = None
    source: Source = Source()
    language: str = "zh-CN"
    location: Place | None = None
    revision_number: int = 1
    approved_at_ms: int = 0
    approved_by: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def asset(self, asset_id: str | None) -> Asset | None:
        """The asset with this id, or None."""
        return next((a for a in self.assets if a.id == asset_id), None)

    def assets_of(self, kind: str) -> tuple[Asset, ...]:
        """The story's assets of one kind ("image", "video", ...), in order."""
        return tuple(a for a in self.assets if a.kind == kind)


# The name the issue uses for the same thing.
ApprovedRevision = StoryInput


@dataclass(frozen=True, slots=True)
class Variant:
    """What one channel will publish for one revision: channel-specific named fields.

    `fields` holds the channel's own field names (WeChat: title/author/digest/content;
    抖音: text/video_asset_id ...). `overridden` names the fields an editor changed by
    hand; `flags` records decisions such as 应急广播's dual control.
    """

    channel: str
    story_id: str
    revision_id: str
    fields: dict[str, Any]
    tenant: str = ""
    overridden: tuple[str, ...] = ()
    flags: dict[str, Any] = field(default_factory=dict)
    assets: tuple[Asset, ...] = ()

    def get(self, name: str, default: Any = None) -> Any:
        """One field's value."""
        return self.fields.get(name, default)

    def with_fields(self, **changes: Any) -> Variant:
        """A copy with some fields replaced (variants are immutable)."""
        return replace(self, fields={**self.fields, **changes})


class Severity(StrEnum):
    ERROR = "error"  # blocks delivery
    WARNING = "warning"  # shown to the editor, does not block


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a variant, in words an editor can act on."""

    code: str  # stable, e.g. "WECHAT_TITLE_TOO_LONG"
    field: str  # the variant field concerned ("" for the whole variant)
    message_zh: str
    message_en: str
    severity: Severity = Severity.ERROR

    @property
    def blocking(self) -> bool:
        """True when the variant must not be delivered while this problem stands."""
        return self.severity == Severity.ERROR


@dataclass(frozen=True, slots=True)
class Finding:
    """One result of a story check (`check_story` hook) before sign-off: a sensitive
    word, a missing 转载 source field, a probable misused word.

    `code` is stable (e.g. "SENSITIVE_WORD"); `blocking` findings stop sign-off until
    they are fixed or acknowledged by the chief editor, the others are shown as hints.
    `field` is the story field ("title", "body", "source.source_name" ...); `start` and
    `end` are character offsets in that field's plain text when the check matched text,
    so an editor's console can underline it.
    """

    code: str
    message_zh: str
    message_en: str = ""
    blocking: bool = True
    field: str | None = None
    start: int | None = None
    end: int | None = None
    match: str | None = None
    suggestion: str | None = None


class StatusState(StrEnum):
    ACCEPTED = "accepted"  # the platform took it; not yet visible
    UNDER_REVIEW = "under_review"
    REJECTED = "rejected"  # with a reason
    LIVE = "live"
    REMOVED = "removed"  # deleted, taken down, banned


@dataclass(frozen=True, slots=True)
class PlatformStatus:
    """What the platform says about a delivered item."""

    state: StatusState
    reason_zh: str | None = None
    reason_en: str | None = None
    platform_code: str | None = None  # the platform's own status or error code
    final: bool = False  # True when polling can stop
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """The outcome of deliver, correct or retract: where the item now lives and its status."""

    external_id: str
    status: PlatformStatus
    url: str | None = None
    details: dict[str, Any] = field(default_factory=dict)  # e.g. WeChat media_id + publish_id


@dataclass(frozen=True, slots=True)
class Metrics:
    """Counts a platform reports for one delivered item (absent counts are None).

    Counts are cumulative since the item went out (the hub works out each period's
    growth itself): `views` is the channel's reach in its own unit (app and 公众号
    reads, 抖音 plays, portal page views, 手机报 messages delivered, 应急广播
    terminals that played it); `favorites` 收藏; `completion_rate` the share of
    readers or viewers who finished (0.0-1.0, a rate, not summed); `adopted` and
    `score` the 学习强国 采用 and its points. `details` keeps the platform's own fields.
    """

    views: int | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    fetched_at_ms: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    favorites: int | None = None
    completion_rate: float | None = None
    adopted: bool | None = None
    score: int | None = None


class Capability(StrEnum):
    """What a channel can do beyond render/validate/deliver."""

    TEXT = "text"
    IMAGES = "images"
    VIDEO = "video"
    POLL_STATUS = "poll_status"
    RECEIVE_STATUS = "receive_status"
    METRICS = "metrics"
    RETRACT = "retract"
    CORRECT = "correct"
    EDITIONS = "editions"  # assembles several stories into one edition (手机报)
    DUAL_CONTROL = "dual_control"  # may take an urgent path with two approvers


class TransportKind(StrEnum):
    """Which transport the hub must hand to `deliver` (see ronghub_sdk.transports)."""

    PLATFORM_API = "platform_api"
    WEBHOOK = "webhook"
    PULL_FEED = "pull_feed"
    FILE_DROP = "file_drop"
    READ_MODEL = "read_model"


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """A channel as `describe` reports it.

    `defaults` is the channel's configuration with every limit at its default value;
    a center's configuration is merged over it. `config_schema` is a JSON Schema of
    that configuration (for forms and checks).
    """

    name: str
    title_zh: str
    title_en: str
    transport: TransportKind
    capabilities: frozenset[Capability] = frozenset()
    defaults: dict[str, Any] = field(default_factory=dict)
    config_schema: dict[str, Any] = field(default_factory=dict)
    version: str = "0"
    overridable: tuple[str, ...] = ()  # variant fields an editor may override

    @property
    def limits(self) -> dict[str, Any]:
        """The default limits (the `limits` section of `defaults`)."""
        return dict(self.defaults.get("limits", {}))


class Checkpoints:
    """Steps of one delivery that an earlier attempt already completed.

    Most platform publishes take several calls (upload the video, then create the
    item; add a draft, then submit it), and only some platforms accept an idempotency
    key. A retry after a timeout or a crash must not repeat a step that already took
    effect: a plugin reads `get(key)` before a step that is not idempotent on the
    platform and `await save(key, value)` right after the step succeeds. The hub keeps
    the values with the publication (durably, across processes); this in-memory one is
    the default in tests and in `ronghub_sdk.testing`.
    """

    def __init__(self, initial: dict[str, Any] | None = None) -> None:
        self._values: dict[str, Any] = dict(initial or {})

    def get(self, key: str) -> Any:
        """The value saved under `key` by an earlier attempt, or None."""
        return self._values.get(key)

    async def save(self, key: str, value: Any) -> None:
        """Remember `value` (JSON-compatible) for later attempts of this delivery."""
        self._values[key] = value

    async def once(self, key: str, step: Callable[[], Awaitable[T]]) -> T:
        """`step()`'s value, run only if no earlier attempt saved one under `key`.
        Keys are 1-64 letters, digits, `_` or `-`."""
        done = self.get(key)
        if done is not None:
            return cast(T, done)
        value = await step()
        await self.save(key, value)
        return value

    def values(self) -> dict[str, Any]:
        return dict(self._values)


@dataclass(slots=True)
class RenderContext:
    """What render may need from the hub besides the story: time and numbering.

    `sequence(key)` returns the next number of a named, never-reused sequence (for
    numbers that are issued once, like a 政府网站 索引号). The default is an in-memory
    counter for tests; the hub passes a durable one.
    """

    now_ms: int = 0
    _counters: dict[str, int] = field(default_factory=dict)
    sequence_fn: Any = None  # Callable[[str], int] | None

    def sequence(self, key: str) -> int:
        """The next value (starting at 1) of the sequence named `key`."""
        if self.sequence_fn is not None:
            return int(self.sequence_fn(key))
        self._counters[key] = self._counters.get(key, 0) + 1
        return self._counters[key]
