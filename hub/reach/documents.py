"""Stored 传播效果 and 绩效 documents (every one carries its tenant).

- `reach_series`: one document per story per month holding its publications' points
  (one per scheduled fetch, at most 16 in a publication's life by default): the curve.
- `reach_buckets`: one small document per publication per month: its growth per day
  (China time) and its latest counts: totals over any period.
- `reach_story_months`: the rollup per story per month: growth in total and per
  channel, plus the story's title, column and people (for top stories, per-person
  figures and reports).
- `reach_days`: the tenant's growth per day per channel (and per column on that
  channel): totals over any period read one small document per day and channel.
Documents are kept small and few per query: the embedded store reads whole documents.
- `app_reads`: the app's anonymous read counts per story per hour.
- `scoring_rules`: a center's 绩效 rules, one document per version (never changed).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field
from pymongo import IndexModel

from hub.ids import now_ms
from hub.store.documents import TenantDocument


class ReachSeriesDoc(TenantDocument):
    """The points of one story's publications in one month (the reach curve). `_id` =
    "{tenant}:{story id}:{month}" (read by `_id`: the embedded store answers that from
    its primary key); `points.<publication id>.<fetch number>` = {slot, at, values} (a
    map set by key: the embedded store keeps a subdocument pushed onto an array as a
    JSON string); `channels.<publication id>` = its channel."""

    story_id: str
    month: str
    channels: dict[str, str] = Field(default_factory=dict)
    points: dict[str, dict[str, dict[str, Any]]] = Field(default_factory=dict)

    class Settings:
        name = "reach_series"


class ReachBucketDoc(TenantDocument):
    """One publication's growth in one month, per day (`days.<YYYY-MM-DD>.<counter>`),
    and its latest counts: small, for totals over any period. `_id` =
    "{publication id}:{month}"; `last_slot` is the last fetch added (the retry guard)."""

    publication_id: str
    story_id: str
    channel: str
    month: str
    column_id: str | None = None
    last_slot: int = 0
    latest: dict[str, Any] = Field(default_factory=dict)
    gain: dict[str, int] = Field(default_factory=dict)
    corrections: dict[str, int] = Field(
        default_factory=dict
    )  # what the platform took back this month
    days: dict[str, dict[str, int]] = Field(default_factory=dict)

    class Settings:
        name = "reach_buckets"
        indexes: ClassVar[list[Any]] = [
            IndexModel([("tenant", 1), ("month", 1)]),
            IndexModel([("tenant", 1), ("story_id", 1), ("month", 1)]),
        ]


class ReachStoryMonthDoc(TenantDocument):
    """`_id` = "{tenant}:{story id}:{month}"; `rolled` holds, per publication, the last
    fetch added (the retry guard: a publication's fetches come one after another)."""

    story_id: str
    month: str
    title: str = ""
    column_id: str | None = None
    people: dict[str, str | None] = Field(
        default_factory=dict
    )  # role -> user (reporter, editor, reviewer)
    totals: dict[str, int] = Field(default_factory=dict)
    corrections: dict[str, int] = Field(
        default_factory=dict
    )  # what the platforms took back this month
    channels: dict[str, dict[str, int]] = Field(default_factory=dict)
    rolled: dict[str, int] = Field(default_factory=dict)

    class Settings:
        name = "reach_story_months"
        indexes: ClassVar[list[Any]] = [
            IndexModel([("tenant", 1), ("month", 1), ("totals.views", -1)]),
            IndexModel([("tenant", 1), ("month", 1), ("totals.likes", -1)]),
            IndexModel([("tenant", 1), ("month", 1), ("totals.shares", -1)]),
        ]


class ReachDayDoc(TenantDocument):
    """The tenant's growth on one channel on one day (China time). `_id` =
    "{tenant}:{day}:{channel}"; `gain` and `corrections` per counter, `columns.<column
    id or "~">` growth per column; `rolled.<publication id>` = the last fetch of that
    publication added (the retry guard: a publication's fetches come one after
    another), so the document holds one key per publication fetched that day."""

    day: str
    month: str
    channel: str
    gain: dict[str, int] = Field(default_factory=dict)
    corrections: dict[str, int] = Field(default_factory=dict)
    columns: dict[str, dict[str, int]] = Field(default_factory=dict)
    rolled: dict[str, int] = Field(default_factory=dict)

    class Settings:
        name = "reach_days"
        indexes: ClassVar[list[Any]] = [IndexModel([("tenant", 1), ("day", 1)])]


class AppReadDoc(TenantDocument):
    """`_id` = "{tenant}:{story id}:{hour}"; no reader, address or device is stored."""

    story_id: str
    hour: str
    reads: int = 0
    completions: int = 0
    beacons: int = 0
    dwell_ms: int = 0

    class Settings:
        name = "app_reads"
        indexes: ClassVar[list[Any]] = [IndexModel([("tenant", 1), ("story_id", 1), ("hour", 1)])]


class ScoringRulesDoc(TenantDocument):
    """`_id` = "{tenant}:rules:{version}"; a new version for every save."""

    version: int
    rules: dict[str, Any]
    created_at: int = Field(default_factory=now_ms)
    created_by: str | None = None

    class Settings:
        name = "scoring_rules"
        indexes: ClassVar[list[Any]] = [IndexModel([("tenant", 1), ("version", -1)], unique=True)]


class MetricsRateDoc(TenantDocument):
    """Fetches made of one channel in one minute (a platform's rate limit, shared by
    every worker process). `_id` = "{tenant}:{channel}:{minute}"."""

    fetches: int = 0
    at: int = Field(default_factory=now_ms)

    class Settings:
        name = "reach_rate"
        indexes: ClassVar[list[Any]] = [
            IndexModel([("tenant", 1), ("at", 1)])
        ]  # the sweep of minutes gone by


REACH_MODELS: list[type[TenantDocument]] = [
    ReachSeriesDoc,
    ReachBucketDoc,
    ReachStoryMonthDoc,
    ReachDayDoc,
    AppReadDoc,
    ScoringRulesDoc,
    MetricsRateDoc,
]
