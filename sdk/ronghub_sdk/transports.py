"""What a channel's `deliver` receives as `transport`: one protocol per TransportKind.

The hub implements these in `hub.transports` (real HTTP, signatures, atomic files);
`ronghub_sdk.testing` implements recorders. A plugin types against these protocols
only, so it runs the same against both.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class ApiResponse:
    """A platform API answer: HTTP status, decoded JSON (or None) and headers."""

    status: int
    json: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    text: str = ""


@runtime_checkable
class PlatformApi(Protocol):
    """An authorised client of one platform's HTTP API (base URL from configuration).

    It adds the access token (refreshing it when it expires), checks the outbound
    address and raises TransientDeliveryError on 429/5xx/timeouts.
    """

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
        """Send one authorised request and return the platform's answer."""
        ...

    async def upload_chunked(
        self,
        content: bytes,
        *,
        chunk_size: int,
        init: Callable[[], Awaitable[str]],
        part: Callable[[str, int, bytes], Awaitable[None]],
        complete: Callable[[str], Awaitable[Any]],
    ) -> Any:
        """Upload `content` in parts: init -> upload id, part(id, number from 1, bytes), complete(id)."""
        ...

    async def fetch_asset(self, url: str) -> bytes:
        """The bytes of one of the hub's assets (to re-upload to the platform)."""
        ...


@dataclass(frozen=True, slots=True)
class PushReceipt:
    """The receiver's answer to a signed webhook push."""

    status: int
    message_id: str
    body: str = ""


@runtime_checkable
class WebhookPush(Protocol):
    """Signed HTTP push (Standard Webhooks v1) to one configured endpoint."""

    async def push(self, payload: Any, *, message_id: str, event: str) -> PushReceipt:
        """POST `payload` as JSON, signed; `message_id` is the idempotency key (webhook-id)."""
        ...


@runtime_checkable
class PullFeed(Protocol):
    """A signed pull feed partners read (implemented by the feeds subsystem)."""

    async def put_item(self, item_id: str, item: Mapping[str, Any]) -> str:
        """Add or replace one feed item; returns its URL in the feed."""
        ...

    async def withdraw_item(self, item_id: str, reason: str) -> None:
        """Mark one item withdrawn (partners see a tombstone, not silence)."""
        ...


#: The names a FileDrop accepts: letters, digits, `_`, `.`, `-` and Chinese characters, no
#: path separators, no `:` (the hub's idempotency keys have colons: do not use one as is).
SAFE_FILE_NAME = re.compile(r"^[\w\u4e00-\u9fff][\w.\-\u4e00-\u9fff]{0,200}$")


def safe_file_name(text: str) -> str:
    """`text` with every character a FileDrop refuses replaced by `_` (e.g. an idempotency key)."""
    cleaned = re.sub(r"[^\w.\-\u4e00-\u9fff]", "_", text).replace("..", "__")[:200]
    return cleaned if SAFE_FILE_NAME.match(cleaned) else "_" + cleaned[:199]


@runtime_checkable
class FileDrop(Protocol):
    """Atomic file writes into a configured directory (a pickup folder). Names must match
    `SAFE_FILE_NAME` (`safe_file_name` makes one); others raise PermanentDeliveryError."""

    async def write(self, name: str, content: bytes) -> str:
        """Write `content` as `name` atomically (no reader sees half a file); returns its path."""
        ...

    async def remove(self, name: str) -> bool:
        """Delete a dropped file if it is still there; True when it was."""
        ...

    async def read(self, name: str) -> bytes | None:
        """A file the far side left in the directory (a receipt, 回执), or None."""
        ...


@runtime_checkable
class ReadModel(Protocol):
    """The hub's own public read model (what the center's app reads), given by the engine."""

    async def publish(
        self, tenant: str, story_id: str, revision_id: str, fields: Mapping[str, Any]
    ) -> str:
        """Make this revision the published one for the app; returns its public URL."""
        ...

    async def unpublish(self, tenant: str, story_id: str, reason: str) -> None:
        """Take the story out of the public read model (撤稿)."""
        ...

    async def read_counts(self, tenant: str, story_id: str) -> Mapping[str, int]:
        """The app's anonymous read counts of the story so far: `reads`, `completions`,
        `beacons` (reads whose dwell was reported) and `dwell_ms` (their total)."""
        ...
