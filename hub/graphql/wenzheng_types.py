"""GraphQL types of 问政 (hub/wenzheng/); the root fields are in `wenzheng.py`."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from hub.graphql.types import PageInfo, ms_to_dt
from hub.wenzheng import masking
from hub.wenzheng.documents import QuestionDoc, WenzhengSettingsDoc
from hub.wenzheng.rules import OPEN_FORWARD, STATUS_ZH, ForwardAction, ForwardStatus, QuestionStatus

WenzhengStatus = strawberry.enum(QuestionStatus, name="WenzhengStatus", description="问政 status")
WenzhengForwardStatus = strawberry.enum(
    ForwardStatus, name="WenzhengForwardStatus", description="a forward's status"
)
WenzhengForwardActionEnum = strawberry.enum(
    ForwardAction, name="WenzhengForwardAction", description="a department's move"
)


@strawberry.enum(
    name="WenzhengScreenDecision",
    description="筛查: accept, reject (reason), merge (intoId), turn into a lead",
)
class ScreenDecision(Enum):
    ACCEPT = "accept"
    REJECT = "reject"
    MERGE = "merge"
    TO_LEAD = "to_lead"


@strawberry.type(description="the citizen's contact details: center staff who screen only")
class WenzhengContact:
    name: str | None
    phone: str | None
    address: str | None


@strawberry.type(description="转交: one department's part, its deadline and what it did")
class WenzhengForward:
    id: strawberry.ID
    department_id: strawberry.ID
    department_name: str
    status: WenzhengForwardStatus  # type: ignore[valid-type]
    forwarded_at: datetime
    forwarded_by: str | None
    working_days: int
    deadline: datetime
    remind_at: datetime
    reminded_at: datetime | None
    escalated_at: datetime | None = strawberry.field(
        description="when the missed deadline was escalated (超期督办)"
    )
    overdue: bool = strawberry.field(description="open and past its deadline now")
    accepted_at: datetime | None
    answer: str | None
    answered_at: datetime | None
    answered_by: str | None
    late: bool | None = strawberry.field(description="answered after the deadline")
    reroute_reason: str | None
    info_request: str | None
    supplement: str | None

    @staticmethod
    def make(fid: str, f: dict[str, Any], now: int) -> WenzhengForward:
        status = ForwardStatus(f["status"])
        return WenzhengForward(
            id=strawberry.ID(fid),
            department_id=strawberry.ID(f["department"]),
            department_name=f.get("department_name") or "",
            status=status,
            forwarded_at=ms_to_dt(f["forwarded_at"]),
            forwarded_by=f.get("forwarded_by"),
            working_days=int(f.get("days") or 0),
            deadline=ms_to_dt(f["deadline"]),
            remind_at=ms_to_dt(f["remind_at"]),
            reminded_at=ms_to_dt(f.get("reminded_at")),
            escalated_at=ms_to_dt(f.get("escalated_at")),
            overdue=status in OPEN_FORWARD and now > int(f["deadline"]),
            accepted_at=ms_to_dt(f.get("accepted_at")),
            answer=f.get("answer"),
            answered_at=ms_to_dt(f.get("answered_at")),
            answered_by=f.get("answered_by"),
            late=f.get("late"),
            reroute_reason=f.get("reason"),
            info_request=f.get("info_request"),
            supplement=f.get("supplement"),
        )


@strawberry.type(description="one step of a question's history")
class WenzhengHistoryLine:
    at: datetime
    kind: str
    actor: str | None
    details: JSON


@strawberry.type(
    name="WenzhengQuestion",
    description="问政 / 投诉: a citizen's question and what was done with it",
)
class WenzhengQuestion:
    id: strawberry.ID
    tracking_number: str
    text: str = strawberry.field(
        description="as the citizen wrote it (staff and the departments it was forwarded to)"
    )
    public_text: str = strawberry.field(
        description="the text with phone numbers, ID numbers and addresses masked"
    )
    category: str
    place: str
    images: list[str]
    public: bool = strawberry.field(description="the citizen agreed to publication")
    status: WenzhengStatus  # type: ignore[valid-type]
    status_zh: str
    findings: JSON = strawberry.field(
        description="sensitive words and personal data found in the text"
    )
    reject_reason: str | None
    merged_into_id: strawberry.ID | None
    merged_from_ids: list[strawberry.ID]
    lead_id: strawberry.ID | None
    screened_by: str | None
    forwards: list[WenzhengForward]
    history: list[WenzhengHistoryLine]
    story_id: strawberry.ID | None = strawberry.field(
        description="the published Q&A item (public questions)"
    )
    replied_at: datetime | None
    rating: int | None
    rating_comment: str | None
    reopen_reason: str | None
    received_at: datetime
    created_by: str
    external_id: str | None
    version: int
    contact_doc: strawberry.Private[dict[str, str]]

    @strawberry.field(
        description="the citizen's contact details (center staff who screen; null for others)"
    )
    def contact(self) -> WenzhengContact | None:
        c = self.contact_doc
        return WenzhengContact(name=c.get("name"), phone=c.get("phone"), address=c.get("address"))

    @staticmethod
    def from_doc(doc: QuestionDoc, now: int) -> WenzhengQuestion:
        return WenzhengQuestion(
            id=strawberry.ID(doc.id),
            tracking_number=doc.tracking_number,
            text=doc.text,
            public_text=masking.mask(doc.text),
            category=doc.category,
            place=doc.place,
            images=list(doc.images),
            public=doc.public,
            status=doc.status,
            status_zh=STATUS_ZH[doc.status],
            findings=JSON(list(doc.findings)),
            reject_reason=doc.reason,
            merged_into_id=strawberry.ID(doc.merged_into) if doc.merged_into else None,
            merged_from_ids=[strawberry.ID(i) for i in sorted(doc.merged_from)],
            lead_id=strawberry.ID(doc.lead_id) if doc.lead_id else None,
            screened_by=doc.screened_by,
            forwards=[WenzhengForward.make(k, f, now) for k, f in sorted(doc.forwards.items())],
            history=[
                WenzhengHistoryLine(
                    at=ms_to_dt(h["at"]),
                    kind=h["kind"],
                    actor=h.get("actor"),
                    details=JSON({k: v for k, v in h.items() if k not in ("at", "kind", "actor")}),
                )
                for _, h in sorted(doc.history.items())
            ],
            story_id=strawberry.ID(doc.story_id) if doc.story_id else None,
            replied_at=ms_to_dt(doc.replied_at),
            rating=doc.rating,
            rating_comment=doc.rating_comment,
            reopen_reason=doc.reopen_reason,
            received_at=ms_to_dt(doc.received_at),
            created_by=doc.created_by,
            external_id=doc.external_id,
            version=doc.version,
            contact_doc=dict(doc.contact),
        )


@strawberry.type
class WenzhengQuestionEdge:
    cursor: str
    node: WenzhengQuestion


@strawberry.type
class WenzhengQuestionConnection:
    edges: list[WenzhengQuestionEdge]
    page_info: PageInfo


@strawberry.input
class WenzhengQuestionFilter:
    status: WenzhengStatus | None = None  # type: ignore[valid-type]
    department_id: strawberry.ID | None = None
    category: str | None = None


@strawberry.input(description="a citizen's question, as the app sends it")
class SubmitWenzhengQuestionInput:
    text: str
    category: str | None = None
    place: str | None = None
    images: list[str] = strawberry.field(
        default_factory=list, description="image URLs or asset ids (at most 9)"
    )
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_address: str | None = None
    public: bool = strawberry.field(
        default=True, description="the citizen agrees to publication (masked)"
    )
    external_id: str | None = strawberry.field(
        default=None, description="the app's own id: a resend returns the same question"
    )


@strawberry.type(
    description="the submitted question: give the tracking number and check code to the citizen"
)
class SubmittedWenzhengQuestion:
    tracking_number: str
    check_code: str
    created: bool = strawberry.field(description="false: a resend of a question already recorded")
    question: WenzhengQuestion


@strawberry.type(description="an answer as the citizen sees it")
class WenzhengCitizenAnswer:
    department_name: str
    answer: str
    answered_at: datetime


@strawberry.type(description="a department's request for more, as the citizen sees it")
class WenzhengInfoRequest:
    forward_id: strawberry.ID
    department_name: str
    request: str


@strawberry.type(description="what the citizen sees with the tracking number and check code")
class WenzhengCitizenView:
    tracking_number: str
    status: WenzhengStatus  # type: ignore[valid-type]
    status_zh: str
    text: str
    category: str
    received_at: datetime
    reject_reason: str | None
    info_requests: list[WenzhengInfoRequest] = strawberry.field(
        description="what departments asked the citizen to add (answer with supplementWenzhengQuestion)"
    )
    answers: list[WenzhengCitizenAnswer] = strawberry.field(
        description="the reviewed answers (once replied)"
    )
    replied_at: datetime | None
    rating: int | None
    can_rate: bool
    can_reopen: bool
    story_id: strawberry.ID | None

    @staticmethod
    def from_doc(doc: QuestionDoc) -> WenzhengCitizenView:
        replied = (
            doc.status in (QuestionStatus.REPLIED, QuestionStatus.REOPENED)
            or doc.replied_at is not None
        )
        answers = [
            WenzhengCitizenAnswer(
                department_name=f.get("department_name") or "",
                answer=f["answer"],
                answered_at=ms_to_dt(f["answered_at"]),
            )
            for _, f in sorted(doc.forwards.items())
            if replied and f.get("answer") and f.get("answered_at")
        ]
        return WenzhengCitizenView(
            tracking_number=doc.tracking_number,
            status=doc.status,
            status_zh=STATUS_ZH[doc.status],
            text=doc.text,
            category=doc.category,
            received_at=ms_to_dt(doc.received_at),
            reject_reason=doc.reason,
            info_requests=[
                WenzhengInfoRequest(
                    forward_id=strawberry.ID(k),
                    department_name=f.get("department_name") or "",
                    request=f["info_request"],
                )
                for k, f in sorted(doc.forwards.items())
                if f.get("info_request") and f["status"] == ForwardStatus.INFO_REQUESTED.value
            ],
            answers=answers,
            replied_at=ms_to_dt(doc.replied_at),
            rating=doc.rating,
            can_rate=doc.status == QuestionStatus.REPLIED
            and not (doc.rating is not None and (doc.rated_at or 0) >= (doc.replied_at or 0)),
            can_reopen=doc.status == QuestionStatus.REPLIED and doc.reopened_at is None,
            story_id=strawberry.ID(doc.story_id) if doc.story_id and doc.public else None,
        )


@strawberry.type(description="问政 figures of a center, a department or a category")
class WenzhengTally:
    key: str
    name: str
    received: int
    screened_out: int
    forwarded: int
    answered: int
    answer_rate: float | None
    on_time_rate: float | None
    median_hours_to_answer: float | None
    overdue_now: int
    satisfaction: float | None
    rated: int

    @staticmethod
    def make(key: str, name: str, d: dict[str, Any]) -> WenzhengTally:
        return WenzhengTally(
            key=key,
            name=name,
            **{
                k: d[k]
                for k in (
                    "received",
                    "screened_out",
                    "forwarded",
                    "answered",
                    "answer_rate",
                    "on_time_rate",
                    "median_hours_to_answer",
                    "overdue_now",
                    "satisfaction",
                    "rated",
                )
            },
        )


@strawberry.type(description="问政 figures for a period [since, until)")
class WenzhengFigures:
    since: datetime
    until: datetime
    total: WenzhengTally
    by_department: list[WenzhengTally]
    by_category: list[WenzhengTally]


@strawberry.input
class CategoryDaysInput:
    category: str
    working_days: int


@strawberry.input(description="a center's 问政 settings")
class ConfigureWenzhengInput:
    default_working_days: int = 5
    by_category: list[CategoryDaysInput] = strawberry.field(default_factory=list)
    reminder_hours: int = 24
    holidays: list[str] = strawberry.field(
        default_factory=list, description="法定节假日 (YYYY-MM-DD)"
    )
    workdays: list[str] = strawberry.field(
        default_factory=list, description="调休补班: weekend days worked (YYYY-MM-DD)"
    )
    column_id: strawberry.ID | None = strawberry.field(
        default=None, description="the 问政 column; omitted: one made (slug wenzheng)"
    )
    channels: list[str] = strawberry.field(
        default_factory=lambda: ["app"], description="where Q&A items are published"
    )


@strawberry.type(description="a center's 问政 settings")
class WenzhengSettings:
    default_working_days: int
    by_category: JSON
    reminder_hours: int
    holidays: list[str]
    workdays: list[str]
    column_id: strawberry.ID | None
    channels: list[str]

    @staticmethod
    def from_doc(doc: WenzhengSettingsDoc) -> WenzhengSettings:
        return WenzhengSettings(
            default_working_days=doc.default_days,
            by_category=JSON(dict(doc.days_by_category)),
            reminder_hours=doc.reminder_hours,
            holidays=list(doc.holidays),
            workdays=list(doc.workdays),
            column_id=strawberry.ID(doc.column_id) if doc.column_id else None,
            channels=list(doc.channels),
        )
