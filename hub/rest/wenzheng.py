"""问政 figures as files: the export the center hands to its county government.

    GET /wenzheng/figures.csv?since=…&until=…   text/csv (UTF-8 with BOM, for Excel)
    GET /wenzheng/figures.xlsx?since=…&until=…  the same table as a spreadsheet

Bearer token of a user or client allowed `wenzheng.figures` (the GraphQL field
`wenzhengFigures` has the same numbers); `since`/`until` are ISO 8601 (default: the last
30 days, at most 400 days).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.params import Parameter

from hub.domain.permissions import Action
from hub.errors import invalid
from hub.identity.policy import authorize
from hub.identity.tokens import scope_for_request
from hub.rest.openapi_docs import EXPORT_ERRORS
from hub.wenzheng import export
from hub.wenzheng import figures as wz_figures
from hub.wenzheng.clock import clock_of
from hub.wenzheng.store import WenzhengStore, day_of

TAGS = ["wenzheng"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_PERIOD_MS = 400 * 86_400_000


def _ms(raw: str | None, name: str) -> int | None:
    if raw is None or raw == "":
        return None
    if len(raw) > 40:
        raise invalid(name, "时间格式应为 ISO 8601", "must be an ISO 8601 time")
    try:
        return int(datetime.fromisoformat(raw).timestamp() * 1000)
    except ValueError:
        raise invalid(name, "时间格式应为 ISO 8601", "must be an ISO 8601 time") from None


async def _figures(
    request: Request[Any, Any, Any], state: State, since: str | None, until: str | None
) -> tuple[wz_figures.Figures, str]:
    scope = scope_for_request(request, state.settings)
    authorize(scope, Action.WENZHENG_FIGURES)
    clock = clock_of(state)
    end = _ms(until, "until") or clock.now_ms()
    start = _ms(since, "since")
    start = end - 30 * 86_400_000 if start is None else start
    if start >= end or end - start > MAX_PERIOD_MS:
        raise invalid(
            "since",
            "统计区间应在 1 毫秒到 400 天之间",
            "the period must be at most 400 days and not empty",
        )
    docs = await WenzhengStore(scope, clock).in_period(start, end)
    return wz_figures.compute(docs, clock.now_ms()), f"{day_of(start)}_{day_of(end)}"


@get(
    "/wenzheng/figures.csv",
    tags=TAGS,
    summary="问政 figures as CSV",
    media_type="text/csv",
    responses=EXPORT_ERRORS,
)
async def figures_csv(
    request: Request[Any, Any, Any],
    state: State,
    since: str | None = Parameter(
        default=None, description="ISO 8601; default: 30 days before `until`"
    ),
    until: str | None = Parameter(default=None, description="ISO 8601; default: now"),
) -> Response[bytes]:
    figs, period = await _figures(request, state, since, until)
    return Response(
        ("\ufeff" + wz_figures.as_csv(figs)).encode(),
        media_type="text/csv",
        headers={
            "content-disposition": f'attachment; filename="wenzheng_{period}.csv"',
            "cache-control": "private, no-store",
        },
    )


@get(
    "/wenzheng/figures.xlsx",
    tags=TAGS,
    summary="问政 figures as XLSX",
    media_type=XLSX,
    responses=EXPORT_ERRORS,
)
async def figures_xlsx(
    request: Request[Any, Any, Any],
    state: State,
    since: str | None = Parameter(
        default=None, description="ISO 8601; default: 30 days before `until`"
    ),
    until: str | None = Parameter(default=None, description="ISO 8601; default: now"),
) -> Response[bytes]:
    figs, period = await _figures(request, state, since, until)
    return Response(
        export.as_xlsx(figs, period),
        media_type=XLSX,
        headers={
            "content-disposition": f'attachment; filename="wenzheng_{period}.xlsx"',
            "cache-control": "private, no-store",
        },
    )


ROUTES = [figures_csv, figures_xlsx]
