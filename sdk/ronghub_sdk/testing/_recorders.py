"""Fake transports that record what a plugin sent, one per TransportKind."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ronghub_sdk._errors import TransientDeliveryError
from ronghub_sdk._types import TransportKind
from ronghub_sdk.testing._samples import sample_asset_bytes
from ronghub_sdk.transports import ApiResponse, PushReceipt


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One request a plugin made through the recording API."""

    method: str
    path: str
    params: Mapping[str, Any] | None = None
    json: Any = None
    files: Mapping[str, tuple[str, bytes, str]] | None = None
    data: Mapping[str, Any] | None = None


Responder = Callable[[ApiCall], ApiResponse | Mapping[str, Any] | Awaitable[Any]]


class RecordingApi:
    """A PlatformApi that records calls and answers with `responder(call)`.

    The responder returns an ApiResponse, or a dict (sent as a 200 JSON answer), or
    raises (e.g. TransientDeliveryError to act as a rate limit). Without a responder
    every call answers `{}`.
    """

    def __init__(self, responder: Responder | None = None) -> None:
        self.calls: list[ApiCall] = []
        self.responder = responder

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> ApiResponse:
        """Record the call and return the responder's answer."""
        call = ApiCall(method.upper(), path, params, json, files, data)
        self.calls.append(call)
        answer: Any = self.responder(call) if self.responder else {}
        if inspect.isawaitable(answer):
            answer = await answer
        if isinstance(answer, ApiResponse):
            if answer.status == 429 or answer.status >= 500:
                raise TransientDeliveryError(
                    "平台繁忙,稍后重试", f"platform answered {answer.status}"
                )
            return answer
        return ApiResponse(status=200, json=answer)

    async def upload_chunked(
        self,
        content: bytes,
        *,
        chunk_size: int,
        init: Callable[[], Awaitable[str]],
        part: Callable[[str, int, bytes], Awaitable[None]],
        complete: Callable[[str], Awaitable[Any]],
    ) -> Any:
        """Split `content` into parts of `chunk_size` and drive init/part/complete."""
        upload_id = await init()
        for number, start in enumerate(range(0, max(len(content), 1), chunk_size), start=1):
            await part(upload_id, number, content[start : start + chunk_size])
        return await complete(upload_id)

    async def fetch_asset(self, url: str) -> bytes:
        """Deterministic bytes for sample assets."""
        return sample_asset_bytes(url)

    def paths(self) -> list[str]:
        """The paths called, in order."""
        return [c.path for c in self.calls]


@dataclass
class RecordingWebhook:
    """A WebhookPush that keeps every push; answers `status` (default 200)."""

    status: int = 200
    pushes: list[dict[str, Any]] = field(default_factory=list)

    async def push(self, payload: Any, *, message_id: str, event: str) -> PushReceipt:
        """Record the push."""
        self.pushes.append({"payload": payload, "message_id": message_id, "event": event})
        return PushReceipt(status=self.status, message_id=message_id)


@dataclass
class MemoryFeed:
    """A PullFeed held in memory: items by id, withdrawn ids with their reason."""

    base_url: str = "https://feed.example.org/items/"
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    withdrawn: dict[str, str] = field(default_factory=dict)

    async def put_item(self, item_id: str, item: Mapping[str, Any]) -> str:
        """Add or replace an item."""
        self.items[item_id] = dict(item)
        self.withdrawn.pop(item_id, None)
        return self.base_url + item_id

    async def withdraw_item(self, item_id: str, reason: str) -> None:
        """Mark an item withdrawn."""
        self.withdrawn[item_id] = reason


@dataclass
class MemoryFileDrop:
    """A FileDrop into a dict: name -> bytes."""

    files: dict[str, bytes] = field(default_factory=dict)

    async def write(self, name: str, content: bytes) -> str:
        """Keep the file; a name the hub's file drop would refuse is refused here too."""
        from ronghub_sdk._errors import PermanentDeliveryError
        from ronghub_sdk.transports import SAFE_FILE_NAME

        if not SAFE_FILE_NAME.match(name) or ".." in name:
            raise PermanentDeliveryError(f"文件名 {name!r} 不合法", f"unsafe file name {name!r}")
        self.files[name] = content
        return "memory://" + name

    async def remove(self, name: str) -> bool:
        """Forget the file."""
        return self.files.pop(name, None) is not None

    async def read(self, name: str) -> bytes | None:
        """A file put here by the test (a receipt), or None."""
        return self.files.get(name)


@dataclass
class MemoryReadModel:
    """A ReadModel in memory: published fields per (tenant, story)."""

    base_url: str = "https://app.example.org/s/"
    published: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    removed: dict[tuple[str, str], str] = field(default_factory=dict)
    counts: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)

    async def publish(
        self, tenant: str, story_id: str, revision_id: str, fields: Mapping[str, Any]
    ) -> str:
        """Publish (or replace) the story's fields."""
        self.published[(tenant, story_id)] = {"revision_id": revision_id, **fields}
        self.removed.pop((tenant, story_id), None)
        return self.base_url + story_id

    async def unpublish(self, tenant: str, story_id: str, reason: str) -> None:
        """Take the story out."""
        self.published.pop((tenant, story_id), None)
        self.removed[(tenant, story_id)] = reason

    async def read_counts(self, tenant: str, story_id: str) -> Mapping[str, int]:
        """Counts the test set in `counts` (none: zero reads)."""
        return self.counts.get((tenant, story_id), {"reads": 0})


def recorder_for(kind: TransportKind) -> Any:
    """A fresh recording transport for a channel's transport kind."""
    return {
        TransportKind.PLATFORM_API: RecordingApi,
        TransportKind.WEBHOOK: RecordingWebhook,
        TransportKind.PULL_FEED: MemoryFeed,
        TransportKind.FILE_DROP: MemoryFileDrop,
        TransportKind.READ_MODEL: MemoryReadModel,
    }[TransportKind(kind)]()
