"""Reading 传播效果: a story's reach over time, top stories, totals, 学习强国 投稿/采用,
a person's output and reach. Every query takes the tenant first and filters on it.

Periods are day buckets (China time) from `first` to `last`, both included. Top
stories of a whole month are answered from the monthly rollups (an indexed sort), of
any other period from the publications' monthly buckets; totals per channel or column
from the tenant's days (one document per day and channel).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hub.distribution.documents import PublicationDoc
from hub.distribution.states import Action, PubState
from hub.errors import HubError
from hub.reach import measures
from hub.reach.collect import NO_COLUMN
from hub.reach.documents import ReachBucketDoc, ReachDayDoc, ReachSeriesDoc, ReachStoryMonthDoc
from hub.reach.errors import ReachCodes
from hub.reach.schedule import (
    day_of,
    day_start_ms,
    days_between,
    month_days,
    month_of,
    parse_month,
    valid_day,
)
from hub.store.tenanted import Tenanted

DELIVERED = (PubState.ACCEPTED, PubState.LIVE, PubState.REJECTED, PubState.RETRACTED)
MAX_PERIOD_DAYS = 366


@dataclass(frozen=True)
class Period:
    """Days `first`..`last` (YYYY-MM-DD, included); `month` when it is exactly one month."""

    first: str
    last: str
    month: str | None = None


def period(month: str | None = None, first: str | None = None, last: str | None = None) -> Period:
    """A checked period: a month ("YYYY-MM"), or first and last days."""
    if month:
        try:
            parse_month(month)
        except ValueError:
            raise HubError(
                ReachCodes.REACH_PERIOD_INVALID,
                reason_zh=f"月份 {month} 应写作 YYYY-MM",
                reason_en=f"month {month!r} must be YYYY-MM",
            ) from None
        a, b = month_days(month)
        return Period(a, b, month)
    if not first or not last or not valid_day(first) or not valid_day(last):
        raise HubError(
            ReachCodes.REACH_PERIOD_INVALID,
            reason_zh="请给出月份,或起止日期(YYYY-MM-DD)",
            reason_en="give a month, or first and last days as YYYY-MM-DD",
        )
    if first > last or len(days_between(first, last)) > MAX_PERIOD_DAYS:
        raise HubError(
            ReachCodes.REACH_PERIOD_INVALID,
            reason_zh=f"起止日期不对或超过 {MAX_PERIOD_DAYS} 天",
            reason_en=f"first must not be after last, and a period is at most {MAX_PERIOD_DAYS} days",
        )
    if first[:7] == last[:7] and (first, last) == month_days(first[:7]):
        return Period(first, last, first[:7])
    return Period(first, last)


def metric(name: str) -> str:
    """A counter's name, or REACH_METRIC_UNKNOWN."""
    if name not in measures.COUNTERS:
        raise HubError(
            ReachCodes.REACH_METRIC_UNKNOWN, metric=name, known=", ".join(measures.COUNTERS)
        )
    return name


@dataclass
class ChannelSeries:
    channel: str
    latest: dict[str, Any] = field(default_factory=dict)
    days: list[tuple[str, dict[str, int], dict[str, Any], dict[str, int]]] = field(
        default_factory=list
    )  # (day, gain, latest, corrections)
    points: list[dict[str, Any]] = field(default_factory=list)  # {at, values}, in time order


MAX_CURVE_MONTHS = 24


def months_since(first_ms: int, now_ms: int, limit: int = MAX_CURVE_MONTHS) -> list[str]:
    """Every month (YYYY-MM) from the one of `first_ms` to the one of `now_ms`, the last
    `limit` at most."""
    first, last = month_of(first_ms), month_of(now_ms)
    months = []
    year, mon = parse_month(first)
    while f"{year:04d}-{mon:02d}" <= last:
        months.append(f"{year:04d}-{mon:02d}")
        year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return months[-limit:]


async def story_reach(tenant: str, story_id: str, months: list[str]) -> list[ChannelSeries]:
    """The story's reach over time on each channel in `months`: its points, and each
    day's growth and closing counts worked out from them. One lookup by `_id` (a series
    document per story per month): the curve is hot, and the embedded store answers
    `_id` lookups from its primary key where it scans for a secondary index's equality."""
    out: dict[str, ChannelSeries] = {}
    ids = [f"{tenant}:{story_id}:{m}" for m in months]
    async for doc in Tenanted(ReachSeriesDoc, tenant).find({"_id": {"$in": ids}, "tenant": tenant}):
        channels = doc.get("channels") or {}
        for pub, points in (doc.get("points") or {}).items():
            series = out.setdefault(channels.get(pub, pub), ChannelSeries(channels.get(pub, pub)))
            series.points.extend({"at": p["at"], "values": p["values"]} for p in points.values())
    for series in out.values():
        series.points.sort(key=lambda p: p["at"])
        previous: dict[str, Any] = {}
        by_day: dict[str, tuple[dict[str, int], dict[str, Any], dict[str, int]]] = {}
        for p in series.points:
            gain, _, taken = by_day.setdefault(day_of(p["at"]), ({}, {}, {}))
            measures.add(gain, measures.growth(previous, p["values"]))
            measures.add(taken, measures.corrections(previous, p["values"]))
            by_day[day_of(p["at"])] = (gain, p["values"], taken)
            previous = p["values"]
        series.days = [
            (day, gain, end, taken) for day, (gain, end, taken) in sorted(by_day.items())
        ]
        series.latest = dict(previous)
    return [out[k] for k in sorted(out)]


def totals_of(series: list[ChannelSeries]) -> dict[str, int]:
    """Counters summed over channels (each channel's latest counts)."""
    total: dict[str, int] = {}
    for s in series:
        measures.add(total, {k: v for k, v in s.latest.items() if k in measures.COUNTERS})
    return total


@dataclass
class Ranked:
    story_id: str
    title: str
    value: int
    totals: dict[str, int]
    channels: dict[str, dict[str, int]]
    people: dict[str, str | None] = field(
        default_factory=dict
    )  # role -> person (a whole month's ranking)


async def top_stories(tenant: str, p: Period, by: str, limit: int) -> list[Ranked]:
    """The stories that grew most by `by` during the period."""
    by = metric(by)
    limit = max(1, min(limit, 100))
    if p.month:
        cursor = (
            Tenanted(ReachStoryMonthDoc, tenant)
            .find({"tenant": tenant, "month": p.month}, {"rolled": 0})
            .sort([(f"totals.{by}", -1), ("_id", 1)])
            .limit(limit)
        )
        return [
            Ranked(
                d["story_id"],
                d.get("title", ""),
                int((d.get("totals") or {}).get(by, 0)),
                dict(d.get("totals") or {}),
                dict(d.get("channels") or {}),
                dict(d.get("people") or {}),
            )
            async for d in cursor
        ]
    sums: dict[str, int] = {}
    async for b in _buckets(tenant, p, {"story_id": 1, "days": 1}):
        for day, gain in (b.get("days") or {}).items():
            if p.first <= day <= p.last and by in gain:
                sums[b["story_id"]] = sums.get(b["story_id"], 0) + int(gain[by])
    rows = sorted(sums.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    titles = await _titles(tenant, [sid for sid, _ in rows], p)
    return [Ranked(sid, titles.get(sid, ""), value, {by: value}, {}) for sid, value in rows]


def _buckets(tenant: str, p: Period, projection: dict[str, int]) -> Any:
    """The monthly buckets that overlap the period (the days outside it are skipped by the caller)."""
    months = sorted({day[:7] for day in days_between(p.first, p.last)})
    return Tenanted(ReachBucketDoc, tenant).find(
        {"tenant": tenant, "month": {"$in": months}}, projection
    )


async def _titles(tenant: str, story_ids: list[str], p: Period) -> dict[str, str]:
    months = sorted({p.first[:7], p.last[:7]})
    cursor = Tenanted(ReachStoryMonthDoc, tenant).find(
        {"tenant": tenant, "story_id": {"$in": story_ids}, "month": {"$in": months}},
        {"story_id": 1, "title": 1},
    )
    return {d["story_id"]: d.get("title", "") async for d in cursor}


async def totals_by(tenant: str, p: Period, key: str) -> list[tuple[str | None, dict[str, int]]]:
    """Growth during the period per channel (`key` "channel") or per column ("column_id"),
    from the tenant's days (one small document per day and channel)."""
    out: dict[str | None, dict[str, int]] = {}
    cursor = Tenanted(ReachDayDoc, tenant).find(
        {"tenant": tenant, "day": {"$gte": p.first, "$lte": p.last}},
        {"channel": 1, "gain": 1, "columns": 1},
    )
    async for d in cursor:
        if key == "channel":
            measures.add(
                out.setdefault(d["channel"], dict.fromkeys(measures.COUNTERS, 0)),
                d.get("gain") or {},
            )
            continue
        for column, gain in (d.get("columns") or {}).items():
            measures.add(
                out.setdefault(
                    None if column == NO_COLUMN else column, dict.fromkeys(measures.COUNTERS, 0)
                ),
                gain,
            )
    return sorted(out.items(), key=lambda kv: (-kv[1].get("views", 0), str(kv[0])))


async def corrections_by_channel(tenant: str, p: Period) -> dict[str, dict[str, int]]:
    """What the platforms took back during the period, per channel (kept apart from growth)."""
    out: dict[str, dict[str, int]] = {}
    cursor = Tenanted(ReachDayDoc, tenant).find(
        {"tenant": tenant, "day": {"$gte": p.first, "$lte": p.last}},
        {"channel": 1, "corrections": 1},
    )
    async for d in cursor:
        if d.get("corrections"):
            measures.add(out.setdefault(d["channel"], {}), d["corrections"])
    return out


@dataclass
class Adoption:
    submitted: int
    adopted: int
    score: int

    @property
    def rate(self) -> float:
        return self.adopted / self.submitted if self.submitted else 0.0


async def xuexi_adoption(tenant: str, p: Period) -> Adoption:
    """学习强国 投稿 (items put in the feed during the period) and 采用 (those adopted)."""
    start, end = day_start_ms(p.first), day_start_ms(p.last) + 86_400_000
    cursor = Tenanted(PublicationDoc, tenant).find(
        {
            "tenant": tenant,
            "channel": "xuexi",
            "action": Action.PUBLISH.value,
            "created_at": {"$gte": start, "$lt": end},
        },
        {"state": 1, "ledger": 1, "platform_status": 1},
    )
    submitted = adopted = score = 0
    async for d in cursor:
        states = {e.get("to_state") for e in (d.get("ledger") or {}).values()}
        if not states & {s.value for s in DELIVERED}:
            continue
        submitted += 1
        if PubState.LIVE.value in states:
            adopted += 1
            score += int(((d.get("platform_status") or {}).get("details") or {}).get("score") or 0)
    return Adoption(submitted, adopted, score)


ROLES = ("reporter", "editor", "reviewer")


@dataclass
class PersonStory:
    story_id: str
    title: str
    roles: list[str]
    totals: dict[str, int]
    channels: dict[str, dict[str, int]]


async def person_reach(tenant: str, person: str, month: str) -> list[PersonStory]:
    """The stories a person had a part in (by role) that gained reach in the month."""
    found: dict[str, PersonStory] = {}
    coll = Tenanted(ReachStoryMonthDoc, tenant)
    for (
        role
    ) in ROLES:  # one equality query per role (an $or reads the whole tenant on the embedded store)
        async for d in coll.find(
            {"tenant": tenant, "month": month, f"people.{role}": person}, {"rolled": 0}
        ):
            entry = found.setdefault(
                d["story_id"],
                PersonStory(
                    d["story_id"],
                    d.get("title", ""),
                    [],
                    dict(d.get("totals") or {}),
                    dict(d.get("channels") or {}),
                ),
            )
            entry.roles.append(role)
    return sorted(found.values(), key=lambda s: (-s.totals.get("views", 0), s.story_id))
