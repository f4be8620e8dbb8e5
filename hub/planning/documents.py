"""Stored leads, topics and assignments. Each carries `tenant` and an integer `version`
(every change is a compare-and-set on it). Links and histories are maps keyed by id or
sequence (nx-27017 mangles pushed sub-documents); times are integer ms."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field
from pymongo import IndexModel

from hub.audit.fields import AuditPendingFields, pending_index
from hub.ids import now_ms
from hub.planning.rules import AssignmentKind, AssignmentStatus, LeadSource, LeadStatus, TopicStatus
from hub.store.documents import TenantDocument


class LeadDoc(TenantDocument, AuditPendingFields):
    """线索: a tip as received, and its triage."""

    title: str
    description: str = ""
    source: LeadSource
    contact: str | None = None  # the tipster's phone or name: newsroom-only
    received_at: int = Field(default_factory=now_ms)
    status: LeadStatus = LeadStatus.NEW
    reason: str | None = None  # why it was rejected
    merged_into: str | None = None
    merged_from: dict[str, int] = Field(default_factory=dict)  # lead id -> when it was merged in
    topic_ids: dict[str, int] = Field(default_factory=dict)  # topic id -> when it was linked
    created_by: str | None = None  # a user, or the client (app backend, 舆情监测) that sent it
    external_id: str | None = None  # the submitting system's id for the tip (idempotent resend)
    triaged_by: str | None = None
    triaged_at: int | None = None
    updated_at: int = Field(default_factory=now_ms)
    version: int = 1

    class Settings:
        name = "planning_leads"
        indexes: ClassVar[list[Any]] = [
            pending_index(),
            IndexModel([("tenant", 1), ("received_at", -1)]),
            IndexModel([("tenant", 1), ("status", 1), ("received_at", -1)]),
        ]


class TopicDoc(TenantDocument, AuditPendingFields):
    """选题: a planned story, its channels and column, the leads behind it, its approval."""

    title: str
    summary: str = ""
    channels: list[str] = Field(default_factory=list)
    column_id: str | None = None
    lead_ids: list[str] = Field(default_factory=list)
    proposer: str | None = None
    status: TopicStatus = TopicStatus.PROPOSED
    reason: str | None = None  # why it was rejected or cancelled
    decided_by: str | None = None  # who approved or rejected it
    decided_at: int | None = None
    closed_by: str | None = None
    closed_at: int | None = None
    created_at: int = Field(default_factory=now_ms)
    updated_at: int = Field(default_factory=now_ms)
    version: int = 1

    class Settings:
        name = "planning_topics"
        indexes: ClassVar[list[Any]] = [
            pending_index(),
            IndexModel([("tenant", 1), ("created_at", -1)]),
            IndexModel([("tenant", 1), ("status", 1), ("created_at", -1)]),
        ]


class AssignmentDoc(TenantDocument, AuditPendingFields):
    """派单: a topic's task for a reporter or a team (several users), with its timeline.

    `history` maps a zero-padded sequence to one `HistoryEntry` (status changes,
    reassignments, overdue); `overdue_deadline` is the deadline whose lateness was
    recorded (the durable job sets it once per deadline).
    """

    topic_id: str
    assignees: list[str]
    kind: AssignmentKind = AssignmentKind.TEXT
    deadline: int
    note: str = ""
    status: AssignmentStatus = AssignmentStatus.DISPATCHED
    reason: str | None = None  # the last decline / cancel / reassignment reason
    story_id: str | None = None
    history: dict[str, dict[str, Any]] = Field(default_factory=dict)
    overdue_deadline: int | None = None
    created_by: str | None = None
    created_at: int = Field(default_factory=now_ms)
    updated_at: int = Field(default_factory=now_ms)
    version: int = 1

    class Settings:
        name = "planning_assignments"
        indexes: ClassVar[list[Any]] = [
            pending_index(),
            IndexModel([("tenant", 1), ("status", 1), ("deadline", 1)]),
            IndexModel([("tenant", 1), ("topic_id", 1)]),
            IndexModel([("tenant", 1), ("story_id", 1)]),
            IndexModel([("tenant", 1), ("created_at", -1)]),
        ]


PLANNING_MODELS: list[type[TenantDocument]] = [LeadDoc, TopicDoc, AssignmentDoc]
