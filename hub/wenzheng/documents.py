"""Stored 问政: a question with its forwards, history and rating, and a center's settings.
Each carries `tenant`; a question's every change is a compare-and-set on `version`.
Forwards and history are maps keyed by a zero-padded sequence (nx-27017 mangles pushed
sub-documents); times are integer ms (the 问政 clock's)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field
from pymongo import IndexModel

from hub.audit.fields import AuditPendingFields, pending_index
from hub.store.documents import TenantDocument
from hub.wenzheng.rules import QuestionStatus


class QuestionDoc(TenantDocument, AuditPendingFields):
    """问政 / 投诉: what the citizen asked, through which app, and everything done with it.

    `check_code` is kept as given to the app (it is the app's to show the citizen again
    after a resend); it is compared in constant time and never returned by a read.
    `contact` is the citizen's name, phone and address: center staff only, never public.
    """

    tracking_number: str
    check_code: str
    created_by: str  # the submitting client (the app backend)
    external_id: str | None = None
    fingerprint: str = ""  # of the submitted content: a resend with other content is refused
    text: str
    category: str = ""
    place: str = ""
    images: list[str] = Field(default_factory=list)
    contact: dict[str, str] = Field(default_factory=dict)
    public: bool = True
    status: QuestionStatus = QuestionStatus.RECEIVED
    findings: list[dict[str, Any]] = Field(default_factory=list)  # sensitive words, personal data
    reason: str | None = None  # why it was rejected: the citizen sees it
    merged_into: str | None = None
    merged_from: dict[str, int] = Field(default_factory=dict)
    lead_id: str | None = None
    screened_by: str | None = None
    screened_at: int | None = None
    forwards: dict[str, dict[str, Any]] = Field(default_factory=dict)
    departments: list[str] = Field(default_factory=list)  # every department it was forwarded to
    history: dict[str, dict[str, Any]] = Field(default_factory=dict)
    story_id: str | None = None  # the published Q&A item (public questions)
    replied_at: int | None = None
    rating: int | None = None
    rating_comment: str | None = None
    rated_at: int | None = None
    reopen_reason: str | None = None
    reopened_at: int | None = None
    received_at: int
    updated_at: int
    version: int = 1

    class Settings:
        name = "wenzheng_questions"
        indexes: ClassVar[list[Any]] = [
            pending_index(),
            IndexModel([("tenant", 1), ("tracking_number", 1)], unique=True),
            IndexModel([("tenant", 1), ("received_at", -1)]),
            IndexModel([("tenant", 1), ("status", 1), ("received_at", -1)]),
            IndexModel([("tenant", 1), ("departments", 1), ("received_at", -1)]),
        ]


class WenzhengSettingsDoc(TenantDocument):
    """A center's 问政 settings (`_id` = tenant): time limits, calendar, the 问政 column."""

    default_days: int = 5
    days_by_category: dict[str, int] = Field(default_factory=dict)
    reminder_hours: int = 24
    holidays: list[str] = Field(default_factory=list)  # ISO dates
    workdays: list[str] = Field(default_factory=list)
    column_id: str | None = None
    channels: list[str] = Field(default_factory=lambda: ["app"])
    updated_at: int = 0
    updated_by: str | None = None

    class Settings:
        name = "wenzheng_settings"


WENZHENG_MODELS: list[type[TenantDocument]] = [QuestionDoc, WenzhengSettingsDoc]
