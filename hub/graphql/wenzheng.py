"""GraphQL root fields of 问政 / 投诉信箱. Rules live in `hub/wenzheng/rules.py`, storage in
`hub/wenzheng/store.py`, the types in `wenzheng_types.py`; this module only translates."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from hub.errors import HubError, invalid
from hub.graphql.context import Context
from hub.graphql.types import Cursor, PageInfo, dt_to_ms, ms_to_dt
from hub.graphql.wenzheng_types import (
    ConfigureWenzhengInput,
    ScreenDecision,
    SubmittedWenzhengQuestion,
    SubmitWenzhengQuestionInput,
    WenzhengCitizenView,
    WenzhengFigures,
    WenzhengForwardActionEnum,
    WenzhengQuestion,
    WenzhengQuestionConnection,
    WenzhengQuestionEdge,
    WenzhengQuestionFilter,
    WenzhengSettings,
    WenzhengTally,
)
from hub.store import stories as story_store
from hub.store.documents import ColumnDoc
from hub.wenzheng import figures as wz_figures
from hub.wenzheng import intake, masking
from hub.wenzheng.checks import word_findings
from hub.wenzheng.clock import clock_of
from hub.wenzheng.documents import QuestionDoc, WenzhengSettingsDoc
from hub.wenzheng.errors import WenzhengCodes
from hub.wenzheng.limits import contact_key
from hub.wenzheng.rules import ForwardAction, QuestionAction, QuestionStatus
from hub.wenzheng.store import WenzhengStore, settings_of

DEFAULT_PAGE = 20
MAX_PERIOD_DAYS = 400


def store(info: Info[Context, None]) -> WenzhengStore:
    return WenzhengStore(info.context.scope, clock_of(info.context.services))


def now(info: Info[Context, None]) -> int:
    return clock_of(info.context.services).now_ms()


def question(info: Info[Context, None], doc: QuestionDoc) -> WenzhengQuestion:
    return WenzhengQuestion.from_doc(doc, now(info))


def period(
    info: Info[Context, None], since: datetime | None, until: datetime | None
) -> tuple[int, int]:
    end = dt_to_ms(until) or now(info)
    start = dt_to_ms(since) if since is not None else end - 30 * 86_400_000
    assert start is not None
    if start >= end or end - start > MAX_PERIOD_DAYS * 86_400_000:
        raise invalid(
            "since",
            f"统计区间应在 1 毫秒到 {MAX_PERIOD_DAYS} 天之间",
            f"the period must be at most {MAX_PERIOD_DAYS} days and not empty",
        )
    return start, end


async def compute_figures(wz: WenzhengStore, start: int, end: int, at: int) -> wz_figures.Figures:
    docs = await wz.in_period(start, end)
    return wz_figures.compute(docs, at)


def qa_body(doc: QuestionDoc) -> tuple[str, str]:
    """The Q&A item's title and HTML: the question and every answer, personal data masked."""
    text = masking.mask(doc.text)
    flat = text.replace("\n", " ")
    # list titles are short on every channel (the app: 40 characters)
    title = "【问政】" + (flat[:30] + "…" if len(flat) > 31 else flat)
    parts = [f"<h2>群众提问</h2><p>{html.escape(text)}</p>"]
    if doc.place:
        parts.append(f"<p>地点:{html.escape(masking.mask(doc.place))}</p>")
    for _, f in sorted(doc.forwards.items()):
        if f.get("answer"):
            parts.append(
                f"<h2>{html.escape(f.get('department_name') or '')}答复</h2><p>{html.escape(masking.mask(f['answer']))}</p>"
            )
    return title, "".join(parts)


@strawberry.type
class WenzhengQuery:
    @strawberry.field(
        description="一条问政 (center staff; a department's operators: forwarded to them; the app: its own)"
    )
    async def wenzheng_question(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> WenzhengQuestion | None:
        doc = await store(info).get(str(id))
        return question(info, doc) if doc else None

    @strawberry.field(
        description="问政列表 (newest first): the screening queue (status RECEIVED), a department's inbox"
    )
    async def wenzheng_questions(
        self,
        info: Info[Context, None],
        first: int = DEFAULT_PAGE,
        after: Cursor | None = None,
        filter: WenzhengQuestionFilter | None = None,
    ) -> WenzhengQuestionConnection:
        story_store.check_page_size(first, info.context.settings.graphql_max_page)
        flt = filter or WenzhengQuestionFilter()
        page = await store(info).page(
            first,
            after,
            QuestionStatus(flt.status) if flt.status else None,
            str(flt.department_id) if flt.department_id else None,
            flt.category,
        )
        return WenzhengQuestionConnection(
            edges=[
                WenzhengQuestionEdge(cursor=c, node=question(info, d))
                for d, c in zip(page.items, page.cursors, strict=True)
            ],
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=after is not None,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
        )

    @strawberry.field(
        description="查询办理进度: a question by tracking number and check code (anyone; null if either is wrong)"
    )
    async def track_wenzheng_question(
        self, info: Info[Context, None], tracking_number: str, check_code: str
    ) -> WenzhengCitizenView | None:
        doc = await store(info).track(tracking_number, check_code)
        return WenzhengCitizenView.from_doc(doc) if doc else None

    @strawberry.field(
        description="问政 figures of the caller's center for [since, until) (default: the last 30 days)"
    )
    async def wenzheng_figures(
        self,
        info: Info[Context, None],
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> WenzhengFigures:
        start, end = period(info, since, until)
        figs = await compute_figures(
            WenzhengStore(info.context.scope, clock_of(info.context.services)),
            start,
            end,
            now(info),
        )
        return WenzhengFigures(
            since=ms_to_dt(start),
            until=ms_to_dt(end),
            total=WenzhengTally.make("", "合计", figs.total),
            by_department=[
                WenzhengTally.make(d["department"], d["name"], d) for d in figs.by_department
            ],
            by_category=[
                WenzhengTally.make(c["category"], c["category"], c) for c in figs.by_category
            ],
        )

    @strawberry.field(description="the center's 问政 settings (null: not configured)")
    async def wenzheng_settings(self, info: Info[Context, None]) -> WenzhengSettings | None:
        doc = await settings_of(info.context.scope.tenant)
        return WenzhengSettings.from_doc(doc) if doc else None


@strawberry.type
class WenzhengMutation:
    @strawberry.mutation(
        description="提交问政 for a citizen (the app backend, scope wenzheng:submit): returns the tracking number and check code"
    )
    async def submit_wenzheng_question(
        self, info: Info[Context, None], input: SubmitWenzhengQuestionInput
    ) -> SubmittedWenzhengQuestion:
        scope = info.context.scope
        sub = intake.submission(
            input.text,
            input.category,
            input.place,
            input.images,
            input.contact_name,
            input.contact_phone,
            input.contact_address,
            input.public,
            input.external_id,
        )
        wz = store(info)
        known = await wz.resent(sub)  # a resend is answered without counting against the limits
        if known is not None:
            return SubmittedWenzhengQuestion(
                tracking_number=known.tracking_number,
                check_code=known.check_code,
                created=False,
                question=question(info, known),
            )
        limiter = getattr(info.context.services, "wenzheng_limiter", None)
        keys = (
            f"{scope.tenant}:{scope.actor}",
            contact_key(scope.tenant, sub.contact.get("phone"), sub.contact.get("name")),
        )
        if limiter is not None:
            await limiter.check(*keys)
        doc, created = await wz.submit(sub, await word_findings(scope.tenant, sub.text))
        if limiter is not None and created:
            await limiter.count(*keys)
        return SubmittedWenzhengQuestion(
            tracking_number=doc.tracking_number,
            check_code=doc.check_code,
            created=created,
            question=question(info, doc),
        )

    @strawberry.mutation(
        description="筛查: accept, reject with a reason the citizen sees, merge into another question, or turn into a newsroom lead"
    )
    async def screen_wenzheng_question(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        decision: ScreenDecision,
        reason: str | None = None,
        into_id: strawberry.ID | None = None,
    ) -> WenzhengQuestion:
        wz = store(info)
        action = QuestionAction(decision.value)
        lead_id = None
        if action == QuestionAction.TO_LEAD:
            from hub.planning.rules import LeadSource
            from hub.planning.store import PlanningStore

            doc = await wz.require(str(id))
            from hub.wenzheng.rules import move_question

            move_question(doc.status, action)  # refused before a lead is made
            contact = (
                " ".join(v for v in (doc.contact.get("name"), doc.contact.get("phone")) if v)
                or None
            )
            lead = await PlanningStore(info.context.scope).create_lead(
                masking.mask(doc.text)[:200] or doc.tracking_number,
                doc.text[:10_000],
                LeadSource.CITIZEN,
                contact[:200] if contact else None,
                doc.received_at,
                external_id=f"wenzheng:{doc.id}",
            )
            lead_id = lead.id
        doc = await wz.screen(str(id), action, reason, str(into_id) if into_id else None, lead_id)
        return question(info, doc)

    @strawberry.mutation(
        description="转交 to departments (融媒号 accounts): each gets a deadline from the SLA rules"
    )
    async def forward_wenzheng_question(
        self,
        info: Info[Context, None],
        id: strawberry.ID,
        department_ids: list[strawberry.ID],
        note: str | None = None,
    ) -> WenzhengQuestion:
        return question(
            info, await store(info).forward(str(id), [str(d) for d in department_ids], note)
        )

    @strawberry.mutation(
        description="a department's move: ACCEPT, REROUTE (reason), ASK_MORE (what to add), ANSWER (the answer)"
    )
    async def handle_wenzheng_forward(
        self,
        info: Info[Context, None],
        question_id: strawberry.ID,
        forward_id: strawberry.ID,
        action: WenzhengForwardActionEnum,  # type: ignore[valid-type]
        text: str | None = None,
    ) -> WenzhengQuestion:
        act = ForwardAction(action)
        if act == ForwardAction.SUPPLEMENT:
            raise invalid(
                "action", "补充材料由群众通过应用提交", "the citizen supplements through the app"
            )
        return question(
            info, await store(info).handle(str(question_id), str(forward_id), act, text)
        )

    @strawberry.mutation(
        description="送审: a public question's answer becomes a Q&A item in the 问政 column, submitted to the "
        "center's chain for that column; a private one waits for releaseWenzhengAnswer"
    )
    async def send_wenzheng_answer_to_review(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> WenzhengQuestion:
        from hub.wenzheng.rules import move_question
        from hub.workflow import rounds

        wz = store(info)
        doc = await wz.require(str(id))
        move_question(doc.status, QuestionAction.SEND_TO_REVIEW)  # refused before an item is made
        story_id = None
        if doc.public:
            config = await settings_of(info.context.scope.tenant)
            if config is None or not config.column_id:
                raise HubError(WenzhengCodes.NOT_CONFIGURED)
            title, body = qa_body(doc)
            repo = info.context.stories
            existing = await repo.get(doc.story_id) if doc.story_id else None
            if existing is not None:
                # after a 追问: the same Q&A item, edited; it re-enters the chain and goes out as a correction
                story = await repo.update(
                    existing.id, existing.version, {"title": title, "body": body}
                )
            else:
                story = await repo.create(
                    {
                        "title": title,
                        "body": body,
                        "column_id": config.column_id,
                        "channels": list(config.channels),
                        "tags": ["问政", *([doc.category] if doc.category else [])],
                        "metadata": {"wenzheng_question": doc.id},
                    }
                )
            await rounds.submit_for_review(
                repo, story.id, story.version, list(info.context.settings.default_channels)
            )
            story_id = story.id
        return question(info, await wz.send_to_review(str(id), story_id))

    @strawberry.mutation(
        description="a private question's reviewed answer goes to the citizen (nothing is published)"
    )
    async def release_wenzheng_answer(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> WenzhengQuestion:
        return question(info, await store(info).release(str(id)))

    @strawberry.mutation(
        description="满意度: the citizen's rating (1-5) of the answer, relayed by the app (once per answer)"
    )
    async def rate_wenzheng_answer(
        self,
        info: Info[Context, None],
        tracking_number: str,
        check_code: str,
        score: int,
        comment: str | None = None,
    ) -> WenzhengCitizenView:
        return WenzhengCitizenView.from_doc(
            await store(info).rate(tracking_number, check_code, score, comment)
        )

    @strawberry.mutation(
        description="补充材料: the citizen's reply to a department's request (infoRequests), relayed by the app"
    )
    async def supplement_wenzheng_question(
        self,
        info: Info[Context, None],
        tracking_number: str,
        check_code: str,
        forward_id: strawberry.ID,
        text: str,
    ) -> WenzhengCitizenView:
        return WenzhengCitizenView.from_doc(
            await store(info).supplement(tracking_number, check_code, str(forward_id), text)
        )

    @strawberry.mutation(
        description="追问: the citizen reopens the question once, with a reason, relayed by the app"
    )
    async def reopen_wenzheng_question(
        self, info: Info[Context, None], tracking_number: str, check_code: str, reason: str
    ) -> WenzhengCitizenView:
        return WenzhengCitizenView.from_doc(
            await store(info).reopen(tracking_number, check_code, reason)
        )

    @strawberry.mutation(
        description="问政 settings: working days per category, reminder, holiday calendar, column, channels"
    )
    async def configure_wenzheng(
        self, info: Info[Context, None], input: ConfigureWenzhengInput
    ) -> WenzhengSettings:
        tenant = info.context.scope.tenant
        column_id = str(input.column_id) if input.column_id else None
        if column_id is not None:
            if await ColumnDoc.find_one({"tenant": tenant, "_id": column_id}) is None:
                raise invalid("columnId", "栏目不存在", "no such column")
        else:
            found = await ColumnDoc.find_one({"tenant": tenant, "slug": "wenzheng"})
            if found is None:
                found = ColumnDoc(tenant=tenant, name="问政", slug="wenzheng", position=900)
                try:
                    await found.insert()
                except Exception:  # made meanwhile by another call (unique slug)
                    found = await ColumnDoc.find_one({"tenant": tenant, "slug": "wenzheng"})
            assert found is not None
            column_id = found.id
        by_category: dict[str, int] = {}
        for c in input.by_category:
            by_category[intake.clean("category", c.category, required=True)] = c.working_days
        fields: dict[str, Any] = {
            "default_days": input.default_working_days,
            "days_by_category": by_category,
            "reminder_hours": input.reminder_hours,
            "holidays": [h.strip() for h in input.holidays],
            "workdays": [w.strip() for w in input.workdays],
            "column_id": column_id,
            "channels": list(dict.fromkeys(input.channels)) or ["app"],
        }
        if len(fields["holidays"]) + len(fields["workdays"]) > 2_000:
            raise invalid(
                "holidays", "节假日和补班日合计最多 2000 个", "at most 2000 holidays and workdays"
            )
        engine = getattr(info.context.services, "distribution", None)
        if engine is not None:
            unknown = sorted(set(fields["channels"]) - set(engine.channels.names()))
            if unknown:
                raise invalid(
                    "channels",
                    f"未知渠道:{', '.join(unknown)}",
                    f"unknown channels: {', '.join(unknown)}",
                )
        doc: WenzhengSettingsDoc = await store(info).configure(fields)
        return WenzhengSettings.from_doc(doc)
