"""Partner subscriptions: which items a partner client reads, and in which formats.

A subscription belongs to one partner client (OAuth2 client_credentials) and is stored
in that client's tenant. Its selection names the tenants (centers) it reads — a
center's client may select its own center only; a client of the platform tenant
(the provincial platform's partners) may select any center — and narrows by column,
tag, story type and channel. Empty lists mean "any", except `channels`, which
defaults to `app` (stories as published by the center's app, the public read model).

`Selection` is pure: `selects(item)` decides on an entry of the partner item log.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Protocol

from beanie.odm.enums import SortDirection
from pydantic import BaseModel, Field
from pymongo import IndexModel

from hub.feeds.content import ItemContent
from hub.ids import now_ms
from hub.store.coalesce import find_by_id
from hub.store.documents import TenantDocument


class FeedFormat(StrEnum):
    JSON_FEED = "json_feed"
    NINJS = "ninjs"
    RSS = "rss"
    ATOM = "atom"


class SignatureAlgorithm(StrEnum):
    ED25519 = "ed25519"
    SM2 = "sm2"


DEFAULT_CHANNELS = ("app",)
MAX_LIST = 100


class _Item(Protocol):
    tenant: str
    feed: str
    content: ItemContent


@dataclass(frozen=True, slots=True)
class Selection:
    """What a subscription reads. Empty tuples select anything (tenants: nothing)."""

    tenants: tuple[str, ...]
    columns: tuple[str, ...] = ()  # column ids or slugs
    tags: tuple[str, ...] = ()  # any of them
    types: tuple[str, ...] = ()  # story types: article, gallery, video, …
    channels: tuple[str, ...] = DEFAULT_CHANNELS  # feed names: app, xuexi, …

    def selects(self, item: _Item) -> bool:
        c = item.content
        if item.tenant not in self.tenants:
            return False
        if self.channels and item.feed not in self.channels:
            return False
        if self.columns and not ({c.column_id, c.column_slug} & set(self.columns)):
            return False
        if self.tags and not (set(c.tags) & set(self.tags)):
            return False
        return not (self.types and c.type not in self.types)

    def problems(self, allowed_tenants: Collection[str] | None) -> list[tuple[str, str]]:
        """Why this selection cannot be saved, as (Chinese, English) pairs (empty: it can).
        `allowed_tenants` None: any."""
        out: list[tuple[str, str]] = []
        if not self.tenants:
            out.append(("至少选择一个中心", "select at least one tenant"))
        for name, values in (
            ("tenants", self.tenants),
            ("columns", self.columns),
            ("tags", self.tags),
            ("types", self.types),
            ("channels", self.channels),
        ):
            if len(values) > MAX_LIST:
                out.append((f"{name} 最多 {MAX_LIST} 项", f"at most {MAX_LIST} {name}"))
            if any(not v.strip() for v in values):
                out.append((f"{name} 不能含空值", f"{name} may not contain empty values"))
        from hub.domain.story import StoryType

        known = {t.value for t in StoryType}
        bad = [t for t in self.types if t not in known]
        if bad:
            out.append((f"未知稿件类型 {'、'.join(bad)}", f"unknown story types: {', '.join(bad)}"))
        return out


def clean(values: Iterable[str] | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values or ()))


class SelectionDoc(BaseModel):
    tenants: list[str] = Field(default_factory=list)
    columns: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    types: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=lambda: list(DEFAULT_CHANNELS))

    def to_selection(self) -> Selection:
        return Selection(
            tuple(self.tenants),
            tuple(self.columns),
            tuple(self.tags),
            tuple(self.types),
            tuple(self.channels),
        )

    @staticmethod
    def of(selection: Selection) -> SelectionDoc:
        return SelectionDoc(
            tenants=list(selection.tenants),
            columns=list(selection.columns),
            tags=list(selection.tags),
            types=list(selection.types),
            channels=list(selection.channels),
        )


class SubscriptionDoc(TenantDocument):
    """A partner client's subscription (tenant = the client's tenant)."""

    client_id: str
    name: str
    selection: SelectionDoc
    formats: list[FeedFormat] = Field(default_factory=lambda: list(FeedFormat))
    signature_algorithm: SignatureAlgorithm = SignatureAlgorithm.ED25519
    version: int = 1
    created_at: int = Field(default_factory=now_ms)
    updated_at: int = Field(default_factory=now_ms)
    created_by: str | None = None
    disabled_at: int | None = None

    class Settings:
        name = "feed_subscriptions"
        indexes: ClassVar[list[Any]] = [
            IndexModel([("tenant", 1), ("client_id", 1), ("created_at", 1)])
        ]

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None


async def get_subscription(tenant: str, subscription_id: str) -> SubscriptionDoc | None:
    # with concurrent requests' reads of the tenant's subscriptions (hub/store/coalesce.py)
    found: SubscriptionDoc | None = await find_by_id(
        SubscriptionDoc, {"tenant": tenant}, subscription_id
    )
    return found


async def list_subscriptions(tenant: str, client_id: str | None = None) -> list[SubscriptionDoc]:
    q: dict[str, Any] = {"tenant": tenant}
    if client_id is not None:
        q["client_id"] = client_id
    return await SubscriptionDoc.find(q).sort([("created_at", SortDirection.ASCENDING)]).to_list()
