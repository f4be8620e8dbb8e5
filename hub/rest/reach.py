"""REST for 传播效果 and 绩效: the app's read beacon, report exports (XLSX, CSV) and
charts as SVG for any front-end (the GraphQL API has the same figures as data)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromQuery

from hub.domain.permissions import Action, permits
from hub.errors import Codes, HubError
from hub.identity.tokens import scope_for_request
from hub.ids import now_ms
from hub.reach import charts, export, png, queries, report
from hub.reach import reads as reach_reads
from hub.rest.jsonbody import decode
from hub.rest.openapi_docs import EXPORT_ERRORS, BeaconOperation, error_spec
from hub.store.documents import PublishedStoryDoc
from hub.store.scope import Scope
from hub.store.stories import StoryRepository
from hub.store.tenanted import Tenanted

TAGS = ["reach"]
# the errors of the exports and charts: a malformed period or metric (REACH_PERIOD_INVALID,
# REACH_METRIC_UNKNOWN), no token, no right, an unknown story
ERRORS = {
    **EXPORT_ERRORS,
    400: error_spec(
        "REACH_PERIOD_INVALID, REACH_METRIC_UNKNOWN, SCORING_RULES_*: a parameter is malformed"
    ),
    404: error_spec("NOT_FOUND: no such story, or no rules yet"),
}
SVG = "image/svg+xml"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_BEACON_BYTES = 2_048


def _allowed(request: Request[Any, Any, Any], state: State, action: Action) -> Scope:
    scope = scope_for_request(request, state.settings)
    if scope.anonymous:
        raise HubError(Codes.UNAUTHENTICATED)
    if not permits(scope.principal, action):
        raise HubError(
            Codes.FORBIDDEN, reason_zh="需要相应的查看权限", reason_en=f"needs {action.value}"
        )
    return scope


@post(
    "/reach/beacon",
    summary="Report a read's dwell and completion (the app)",
    tags=TAGS,
    status_code=204,
    operation_class=BeaconOperation,
    responses={
        400: error_spec("REACH_BEACON_INVALID, BAD_REQUEST, JSON_TOO_DEEP: a malformed beacon")
    },
    description="Anonymous; the app sends it when a reader leaves a story (navigator.sendBeacon, any content "
    "type): JSON {story_id, dwell_ms, completed}. Nothing about the reader is kept; crawlers are ignored. "
    "REACH_BEACON_INVALID for a malformed body; a story that is not published is ignored.",
)
async def beacon(request: Request[Any, Any, Any], state: State) -> None:
    raw = await request.body()
    if len(raw) > MAX_BEACON_BYTES:
        raise HubError(Codes.BAD_REQUEST, reason_zh="信标过大", reason_en="the beacon is too large")
    story_id, dwell, completed = reach_reads.check_beacon(decode(raw))
    tenant = scope_for_request(request, state.settings).tenant
    if (
        await Tenanted(PublishedStoryDoc, tenant).find_one(
            {"tenant": tenant, "_id": story_id}, {"_id": 1}
        )
        is None
    ):
        return None
    state.read_counter.beacon(
        tenant, story_id, dwell, completed, request.headers.get("user-agent"), now_ms()
    )
    return None


async def _report(
    request: Request[Any, Any, Any], state: State, month: FromQuery[str], version: int | None
) -> report.MonthlyReport:
    scope = _allowed(request, state, Action.USER_READ)
    return await report.monthly_report(scope.tenant, month, version)


def _download(body: bytes, media_type: str, filename: str) -> Response[bytes]:
    return Response(
        body,
        media_type=media_type,
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


@get(
    "/reach/reports.xlsx",
    summary="Monthly 绩效 report as XLSX",
    tags=TAGS,
    media_type=XLSX,
    responses=ERRORS,
    description="Sheets 人员, 部门, 稿件; the title row names the month and rule version. Needs user.read.",
)
async def report_xlsx(
    request: Request[Any, Any, Any],
    state: State,
    month: FromQuery[str],
    version: FromQuery[int | None] = None,
) -> Response[bytes]:
    r = await _report(request, state, month, version)
    return _download(export.to_xlsx(r), XLSX, f"performance-{r.month}-v{r.rules_version}.xlsx")


@get(
    "/reach/reports.csv",
    summary="Monthly 绩效 report as CSV (per person)",
    tags=TAGS,
    media_type="text/csv",
    responses=ERRORS,
    description="UTF-8 with BOM; the first row names the month and rule version. Needs user.read.",
)
async def report_csv(
    request: Request[Any, Any, Any],
    state: State,
    month: FromQuery[str],
    version: FromQuery[int | None] = None,
) -> Response[bytes]:
    r = await _report(request, state, month, version)
    return _download(export.to_csv(r), "text/csv", f"performance-{r.month}-v{r.rules_version}.csv")


def _svg(text: str, request: Request[Any, Any, Any]) -> Response[bytes]:
    """The chart as SVG, or as PNG when the address ends in .png (drawn by hub/reach/png.py)."""
    if request.url.path.endswith(".png"):
        return Response(
            png.svg_to_png(text),
            media_type="image/png",
            headers={"cache-control": "private, max-age=60"},
        )
    return Response(
        text.encode("utf-8"), media_type=SVG, headers={"cache-control": "private, max-age=60"}
    )


PNG_NOTE = (
    "SVG; the same chart as PNG at the .png address (twice the size, for what cannot show SVG)."
)


@get(
    ["/reach/charts/story.svg", "/reach/charts/story.png"],
    media_type=SVG,
    responses=ERRORS,
    description=PNG_NOTE,
    summary="A story's reach over time per channel (SVG)",
    tags=TAGS,
)
async def chart_story(
    request: Request[Any, Any, Any],
    state: State,
    story_id: FromQuery[str],
    metric: FromQuery[str] = "views",
) -> Response[bytes]:
    scope = _allowed(request, state, Action.STORY_READ_DRAFT)
    queries.metric(metric)
    story = await StoryRepository(scope).require(story_id)
    series = await queries.story_reach(
        scope.tenant, story.id, queries.months_since(story.created_at, now_ms())
    )
    lines = {
        s.channel: [
            (p["at"], float(p["values"].get(metric, 0))) for p in s.points if metric in p["values"]
        ]
        for s in series
    }
    return _svg(
        request=request,
        text=charts.line_chart(f"传播趋势 {metric}", {k: v for k, v in lines.items() if v}),
    )


@get(
    ["/reach/charts/top.svg", "/reach/charts/top.png"],
    media_type=SVG,
    responses=ERRORS,
    description=PNG_NOTE,
    summary="Top stories of a period (SVG)",
    tags=TAGS,
)
async def chart_top(
    request: Request[Any, Any, Any],
    state: State,
    month: FromQuery[str | None] = None,
    first_day: FromQuery[str | None] = None,
    last_day: FromQuery[str | None] = None,
    metric: FromQuery[str] = "views",
    limit: FromQuery[int] = 10,
) -> Response[bytes]:
    scope = _allowed(request, state, Action.STORY_READ_DRAFT)
    p = queries.period(month, first_day, last_day)
    rows = await queries.top_stories(scope.tenant, p, metric, limit)
    return _svg(
        request=request,
        text=charts.bar_chart(
            f"传播排行 {p.first}~{p.last} {metric}",
            [(r.title or r.story_id, r.value) for r in rows],
        ),
    )


@get(
    ["/reach/charts/channels.svg", "/reach/charts/channels.png"],
    media_type=SVG,
    responses=ERRORS,
    description=PNG_NOTE,
    summary="The channel mix of a period (SVG)",
    tags=TAGS,
)
async def chart_channels(
    request: Request[Any, Any, Any],
    state: State,
    month: FromQuery[str | None] = None,
    first_day: FromQuery[str | None] = None,
    last_day: FromQuery[str | None] = None,
    metric: FromQuery[str] = "views",
) -> Response[bytes]:
    scope = _allowed(request, state, Action.STORY_READ_DRAFT)
    queries.metric(metric)
    p = queries.period(month, first_day, last_day)
    rows = await queries.totals_by(scope.tenant, p, "channel")
    return _svg(
        request=request,
        text=charts.pie_chart(
            f"渠道构成 {p.first}~{p.last} {metric}", [(str(k), v.get(metric, 0)) for k, v in rows]
        ),
    )


@get(
    ["/reach/charts/person.svg", "/reach/charts/person.png"],
    media_type=SVG,
    responses=ERRORS,
    description=PNG_NOTE,
    summary="A person's month: their stories' reach (SVG)",
    tags=TAGS,
)
async def chart_person(
    request: Request[Any, Any, Any],
    state: State,
    person: FromQuery[str],
    month: FromQuery[str],
    metric: FromQuery[str] = "views",
) -> Response[bytes]:
    scope = _allowed(request, state, Action.USER_READ)
    queries.metric(metric)
    queries.period(month)
    items = await queries.person_reach(scope.tenant, person, month)
    return _svg(
        request=request,
        text=charts.bar_chart(
            f"{person} {month} {metric}",
            [(i.title or i.story_id, i.totals.get(metric, 0)) for i in items],
        ),
    )


ROUTES = [beacon, report_xlsx, report_csv, chart_story, chart_top, chart_channels, chart_person]
