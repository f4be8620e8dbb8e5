"""GraphQL for 传播效果 and 绩效: a story's reach over time per channel, top stories,
per-channel and per-column totals, 学习强国 投稿/采用, a person's output and reach,
scoring rules (versioned) and the monthly report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from hub.graphql.context import Context
from hub.graphql.types import Long, ms_to_dt
from hub.ids import now_ms
from hub.reach import queries, report
from hub.reach.documents import ScoringRulesDoc
from hub.reach.schedule import month_of


@strawberry.type(
    description="传播数据: counts of one item, one day or one period (absent: not reported)"
)
class ReachFigures:
    views: Long | None = strawberry.field(
        description="阅读/播放/访问/送达: the channel's reach in its own unit"
    )
    likes: Long | None = None
    comments: Long | None = None
    shares: Long | None = None
    favorites: Long | None = None
    score: Long | None = strawberry.field(default=None, description="学习强国 积分")
    completion_rate: float | None = strawberry.field(
        default=None, description="完播/读完率 0-1 (latest)"
    )
    adopted: bool | None = strawberry.field(default=None, description="学习强国 采用")

    @staticmethod
    def of(values: dict[str, Any]) -> ReachFigures:
        return ReachFigures(
            views=values.get("views"),
            likes=values.get("likes"),
            comments=values.get("comments"),
            shares=values.get("shares"),
            favorites=values.get("favorites"),
            score=values.get("score"),
            completion_rate=values.get("completion_rate"),
            adopted=values.get("adopted"),
        )


@strawberry.type(description="One fetch of a channel's counts (cumulative)")
class ReachPoint:
    at: datetime
    figures: ReachFigures


@strawberry.type(
    description="One day of a channel: growth that day, the counts at its end, and what the platform took back"
)
class ReachDay:
    day: str
    gain: ReachFigures
    latest: ReachFigures
    corrections: ReachFigures = strawberry.field(
        description="平台更正: counts the platform lowered that day (kept apart from growth)"
    )


@strawberry.type(description="A story on one channel over time")
class ChannelReach:
    channel: str
    latest: ReachFigures
    days: list[ReachDay]
    points: list[ReachPoint]


@strawberry.type(description="传播效果 of one story: totals and each channel over time")
class StoryReach:
    story_id: strawberry.ID
    totals: ReachFigures
    channels: list[ChannelReach]


@strawberry.type(description="A story ranked by a metric's growth in a period")
class RankedStory:
    story_id: strawberry.ID
    title: str
    value: Long
    totals: ReachFigures
    channels: JSON
    people: JSON = strawberry.field(
        description="role → person (reporter, editor, reviewer); {} for a period other than a month"
    )


@strawberry.type(description="Growth in a period for one channel or column")
class ReachTotal:
    key: str | None = strawberry.field(
        description="the channel name, or the column id (null: no column)"
    )
    figures: ReachFigures
    corrections: ReachFigures | None = strawberry.field(
        default=None,
        description="平台更正: what the channel's platform took back in the period (per channel only)",
    )


@strawberry.type(description="学习强国 投稿 and 采用 in a period")
class XuexiAdoption:
    submitted: int
    adopted: int
    rate: float = strawberry.field(description="adopted / submitted (0 when nothing was submitted)")
    score: Long


@strawberry.type(description="A story a person had a part in, with its reach in the month")
class PersonStory:
    story_id: strawberry.ID
    title: str
    roles: list[str]
    totals: ReachFigures


@strawberry.type(description="A person's output and reach in a month")
class PersonReach:
    person: str
    month: str
    stories: int
    by_role: JSON
    totals: ReachFigures
    items: list[PersonStory]


@strawberry.type(description="绩效规则: one saved version")
class ScoringRules:
    version: int
    effective_from: str
    name: str
    rules: JSON
    created_at: datetime
    created_by: str | None

    @staticmethod
    def of(doc: ScoringRulesDoc) -> ScoringRules:
        return ScoringRules(
            version=doc.version,
            effective_from=str(doc.rules.get("effective_from", "")),
            name=str(doc.rules.get("name", "")),
            rules=JSON(doc.rules),
            created_at=ms_to_dt(doc.created_at),
            created_by=doc.created_by,
        )


@strawberry.type(description="One person's line of a monthly report")
class PersonScoreLine:
    person: str
    department: str
    points: float
    pieces: JSON = strawberry.field(description="pieces by role: reporter, editor, reviewer")
    reach: ReachFigures


@strawberry.type(description="One department's line of a monthly report")
class DepartmentScoreLine:
    department: str
    points: float
    people: int
    reach: ReachFigures


@strawberry.type(description="One piece of a monthly report and how its points were made up")
class PieceScoreLine:
    story_id: strawberry.ID
    title: str
    type: str
    channels: list[str]
    people: JSON
    points: float
    breakdown: list[str]
    reach: ReachFigures


@strawberry.type(description="绩效 of a month, under the rule version it names")
class PerformanceReport:
    month: str
    rules_version: int
    rules_name: str
    people: list[PersonScoreLine]
    departments: list[DepartmentScoreLine]
    pieces: list[PieceScoreLine]
    xlsx_url: str = strawberry.field(
        description="the same report as XLSX (GET with the same token)"
    )
    csv_url: str


def report_out(r: report.MonthlyReport) -> PerformanceReport:
    q = f"?month={r.month}&version={r.rules_version}"
    return PerformanceReport(
        month=r.month,
        rules_version=r.rules_version,
        rules_name=r.rules_name,
        people=[
            PersonScoreLine(
                person=p.person,
                department=p.department,
                points=p.points,
                pieces=JSON(dict(p.pieces)),
                reach=ReachFigures.of(p.reach),
            )
            for p in r.people
        ],
        departments=[
            DepartmentScoreLine(department=d, points=pts, people=n, reach=ReachFigures.of(reach))
            for d, pts, n, reach in r.departments
        ],
        pieces=[
            PieceScoreLine(
                story_id=strawberry.ID(p.story_id),
                title=p.title,
                type=p.type,
                channels=list(p.channels),
                people=JSON(dict(p.people)),
                points=pts,
                breakdown=parts,
                reach=ReachFigures.of(dict(p.reach)),
            )
            for p, pts, parts in r.pieces
        ],
        xlsx_url=f"/reach/reports.xlsx{q}",
        csv_url=f"/reach/reports.csv{q}",
    )


def _tenant(info: Info[Context, None]) -> str:
    return info.context.scope.tenant


@strawberry.type
class ReachQuery:
    @strawberry.field(
        description="传播效果: a story's reach over time on each channel, and its totals"
    )
    async def story_reach(self, info: Info[Context, None], story_id: strawberry.ID) -> StoryReach:
        story = await info.context.stories.require(
            str(story_id)
        )  # not found / not visible: refused like the story itself
        series = await queries.story_reach(
            _tenant(info), story.id, queries.months_since(story.created_at, now_ms())
        )
        return StoryReach(
            story_id=story_id,
            totals=ReachFigures.of(queries.totals_of(series)),
            channels=[
                ChannelReach(
                    channel=s.channel,
                    latest=ReachFigures.of(s.latest),
                    days=[
                        ReachDay(
                            day=d,
                            gain=ReachFigures.of(g),
                            latest=ReachFigures.of(latest),
                            corrections=ReachFigures.of(taken),
                        )
                        for d, g, latest, taken in s.days
                    ],
                    points=[
                        ReachPoint(at=ms_to_dt(p["at"]), figures=ReachFigures.of(p["values"]))
                        for p in s.points
                    ],
                )
                for s in series
            ],
        )

    @strawberry.field(
        description="传播排行: stories by a metric's growth in a month (YYYY-MM) or from..to days"
    )
    async def top_stories(
        self,
        info: Info[Context, None],
        metric: str = "views",
        month: str | None = None,
        first_day: str | None = None,
        last_day: str | None = None,
        limit: int = 10,
    ) -> list[RankedStory]:
        p = queries.period(month, first_day, last_day)
        rows = await queries.top_stories(_tenant(info), p, metric, limit)
        return [
            RankedStory(
                story_id=strawberry.ID(r.story_id),
                title=r.title,
                value=Long(r.value),
                totals=ReachFigures.of(r.totals),
                channels=JSON(r.channels),
                people=JSON(r.people),
            )
            for r in rows
        ]

    @strawberry.field(description="各渠道合计: growth per channel in a month or from..to days")
    async def reach_by_channel(
        self,
        info: Info[Context, None],
        month: str | None = None,
        first_day: str | None = None,
        last_day: str | None = None,
    ) -> list[ReachTotal]:
        p = queries.period(month, first_day, last_day)
        rows = await queries.totals_by(_tenant(info), p, "channel")
        taken = await queries.corrections_by_channel(_tenant(info), p)
        return [
            ReachTotal(
                key=k,
                figures=ReachFigures.of(v),
                corrections=ReachFigures.of(taken.get(str(k), {})),
            )
            for k, v in rows
        ]

    @strawberry.field(description="各栏目合计: growth per column in a month or from..to days")
    async def reach_by_column(
        self,
        info: Info[Context, None],
        month: str | None = None,
        first_day: str | None = None,
        last_day: str | None = None,
    ) -> list[ReachTotal]:
        rows = await queries.totals_by(
            _tenant(info), queries.period(month, first_day, last_day), "column_id"
        )
        return [ReachTotal(key=k, figures=ReachFigures.of(v)) for k, v in rows]

    @strawberry.field(description="学习强国 投稿/采用: items submitted and adopted, and the rate")
    async def xuexi_adoption(
        self,
        info: Info[Context, None],
        month: str | None = None,
        first_day: str | None = None,
        last_day: str | None = None,
    ) -> XuexiAdoption:
        a = await queries.xuexi_adoption(_tenant(info), queries.period(month, first_day, last_day))
        return XuexiAdoption(
            submitted=a.submitted, adopted=a.adopted, rate=a.rate, score=Long(a.score)
        )

    @strawberry.field(
        description="个人产出与传播: the stories a person worked on (by role) and their reach in a month"
    )
    async def person_reach(self, info: Info[Context, None], person: str, month: str) -> PersonReach:
        queries.period(month)
        items = await queries.person_reach(_tenant(info), person, month)
        by_role = {r: sum(1 for i in items if r in i.roles) for r in queries.ROLES}
        total: dict[str, int] = {}
        for i in items:
            for k, v in i.totals.items():
                total[k] = total.get(k, 0) + int(v)
        return PersonReach(
            person=person,
            month=month,
            stories=len(items),
            by_role=JSON(by_role),
            totals=ReachFigures.of(total),
            items=[
                PersonStory(
                    story_id=strawberry.ID(i.story_id),
                    title=i.title,
                    roles=i.roles,
                    totals=ReachFigures.of(i.totals),
                )
                for i in items
            ],
        )

    @strawberry.field(description="绩效规则: every saved version, newest first")
    async def scoring_rules(self, info: Info[Context, None]) -> list[ScoringRules]:
        return [ScoringRules.of(d) for d in await report.rule_versions(_tenant(info))]

    @strawberry.field(
        description="月度绩效: per person, department and piece, under the rules in effect that month "
        "(or the version given); the report names its rule version"
    )
    async def performance_report(
        self, info: Info[Context, None], month: str, version: int | None = None
    ) -> PerformanceReport:
        return report_out(await report.monthly_report(_tenant(info), month, version))


@strawberry.type
class ReachMutation:
    @strawberry.mutation(
        description="保存绩效规则: checked, then stored as a new version taking effect from a month "
        "(default: this month); earlier versions and past reports stay as they were"
    )
    async def save_scoring_rules(
        self, info: Info[Context, None], rules: JSON, effective_from: str | None = None
    ) -> ScoringRules:
        engine = getattr(info.context.services, "distribution", None)
        channels = tuple(engine.channels.names()) if engine is not None else None
        now = now_ms()
        doc = await report.save_rules(
            _tenant(info),
            info.context.scope.actor,
            rules,
            effective_from or month_of(now),
            channels,
            now,
        )
        return ScoringRules.of(doc)
