"""Reading 传播效果: a story's reach over time, top stories, totals, 学习强国 投稿/采用,
a person's output and reach. Every query takes the tenant first and filters on it.

Periods are day buckets (China time) from `first` to `last`, both included; a whole
month is answered from the monthly rollups (an indexed sort), any other period from
the daily buckets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hub.distribution.documents import PublicationDoc
from hub.distribution.states import Action, PubState
from hub.errors import HubError
from hub.reach import measures
from hub.reach.documents import ReachBucketDoc, ReachStoryMonthDoc
from hub.reach.errors import ReachCodes
from hub.reach.schedule import day_start_ms, days_between, month_days, parse_month, valid_day

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
            raise HubError(ReachCodes.REACH_PERIOD_INVALID, reason_zh=f"月份 {month} 应写作 YYYY-MM",
                           reason_en=f"month {month!r} must be YYYY-MM") from None  # fmt: skip
        a, b = month_days(month)
        return Period(a, b, month)
    if not first or not last or not valid_day(first) or not valid_day(last):
        raise HubError(ReachCodes.REACH_PERIOD_INVALID, reason_zh="请给出月份,或起止日期(YYYY-MM-DD)",
                       reason_en="give a month, or first and last days as YYYY-MM-DD")  # fmt: skip
    if first > last or len(days_between(first, last)) > MAX_PERIOD_DAYS:
        raise HubError(ReachCodes.REACH_PERIOD_INVALID, reason_zh=f"起止日期不对或超过 {MAX_PERIOD_DAYS} 天",
                       reason_en=f"first must not be after last, and a period is at most {MAX_PERIOD_DAYS} days")  # fmt: skip
    if first[:7] == last[:7] and (first, last) == month_days(first[:7]):
        return Period(first, last, first[:7])
    return Period(first, last)


def metric(name: str) -> str:
    """A counter's name, or REACH_METRIC_UNKNOWN."""
    if name not in measures.COUNTERS:
        raise HubError(ReachCodes.REACH_METRIC_UNKNOWN, metric=name, known=", ".join(measures.COUNTERS))
    return name


@dataclass
class ChannelSeries:
    channel: str
    latest: dict[str, Any] = field(default_factory=dict)
    days: list[tuple[str, dict[str, int], dict[str, Any]]] = field(default_factory=list)  # (day, gain, latest)
    points: list[dict[str, Any]] = field(default_factory=list)  # {at, values}, in time order


async def story_reach(tenant: str, story_id: str) -> list[ChannelSeries]:
    """The story's reach over time on each channel: its points and daily growth."""
    out: dict[str, ChannelSeries] = {}
    cursor = ReachBucketDoc.get_pymongo_collection().find({"tenant": tenant, "story_id": story_id}).sort("day", 1)
    async for b in cursor:
        series = out.setdefault(b["channel"], ChannelSeries(b["channel"]))
        series.days.append((b["day"], dict(b.get("gain") or {}), dict(b.get("latest") or {})))
        series.points.extend({"at": p["at"], "values": p["values"]} for p in sorted((b.get("points") or {}).values(), key=lambda p: p["at"]))
        series.latest = dict(b.get("latest") or {})
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


async def top_stories(tenant: str, p: Period, by: str, limit: int) -> list[Ranked]:
    """The stories that grew most by `by` during the period."""
    by = metric(by)
    limit = max(1, min(limit, 100))
    if p.month:
        cursor = (ReachStoryMonthDoc.get_pymongo_collection()
                  .find({"tenant": tenant, "month": p.month}, {"seen": 0, "days": 0})
                  .sort([(f"totals.{by}", -1), ("_id", 1)]).limit(limit))  # fmt: skip
        return [Ranked(d["story_id"], d.get("title", ""), int((d.get("totals") or {}).get(by, 0)), dict(d.get("totals") or {}),
                       dict(d.get("channels") or {})) async for d in cursor]  # fmt: skip
    pipeline: list[dict[str, Any]] = [
        {"$match": {"tenant": tenant, "day": {"$gte": p.first, "$lte": p.last}}},
        {"$group": {"_id": "$story_id", "value": {"$sum": f"$gain.{by}"}}},
        {"$sort": {"value": -1, "_id": 1}},
        {"$limit": limit},
    ]
    rows = [r async for r in await ReachBucketDoc.get_pymongo_collection().aggregate(pipeline)]
    titles = await _titles(tenant, [r["_id"] for r in rows], p)
    return [Ranked(r["_id"], titles.get(r["_id"], ""), int(r["value"] or 0), {by: int(r["value"] or 0)}, {}) for r in rows]


async def _titles(tenant: str, story_ids: list[str], p: Period) -> dict[str, str]:
    months = sorted({p.first[:7], p.last[:7]})
    cursor = ReachStoryMonthDoc.get_pymongo_collection().find(
        {"tenant": tenant, "story_id": {"$in": story_ids}, "month": {"$in": months}}, {"story_id": 1, "title": 1}
    )
    return {d["story_id"]: d.get("title", "") async for d in cursor}


async def totals_by(tenant: str, p: Period, key: str) -> list[tuple[str | None, dict[str, int]]]:
    """Growth during the period per channel (`key` "channel") or per column ("column_id")."""
    group: dict[str, Any] = {"_id": f"${key}"}
    for name in measures.COUNTERS:
        group[name] = {"$sum": f"$gain.{name}"}
    rows = await ReachBucketDoc.get_pymongo_collection().aggregate(
        [{"$match": {"tenant": tenant, "day": {"$gte": p.first, "$lte": p.last}}}, {"$group": group}]
    )  # an async cursor
    out = [(r["_id"], {n: int(r.get(n) or 0) for n in measures.COUNTERS}) async for r in rows]
    return sorted(out, key=lambda kv: (-kv[1].get("views", 0), str(kv[0])))


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
    cursor = PublicationDoc.get_pymongo_collection().find(
        {"tenant": tenant, "channel": "xuexi", "action": Action.PUBLISH.value, "created_at": {"$gte": start, "$lt": end}},
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
    coll = ReachStoryMonthDoc.get_pymongo_collection()
    for role in ROLES:  # one equality query per role (an $or reads the whole tenant on the embedded store)
        async for d in coll.find({"tenant": tenant, "month": month, f"people.{role}": person}, {"seen": 0, "days": 0}):
            entry = found.setdefault(d["story_id"], PersonStory(d["story_id"], d.get("title", ""), [],
                                                                dict(d.get("totals") or {}), dict(d.get("channels") or {})))  # fmt: skip
            entry.roles.append(role)
    return sorted(found.values(), key=lambda s: (-s.totals.get("views", 0), s.story_id))
