"""Stored documents of editing: locks, comments, notifications, proofreading rounds.

Every one carries `tenant`; no arrays of sub-documents (nx-27017 mangles pushed ones):
a comment's replies are comments of their own, mentions a map keyed by user id.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field
from pymongo import IndexModel

from hub.audit.fields import AuditPendingFields, pending_index
from hub.ids import now_ms
from hub.store.documents import TenantDocument


class StoryLockDoc(TenantDocument, AuditPendingFields):
    """A story's edit lock (`_id` = story id). `holder` None: free. Every change is a
    compare-and-set on `version`; the first lock of a story is an insert (unique `_id`)."""

    holder: str | None = None
    holder_name: str | None = None
    acquired_at: int = 0
    renewed_at: int = 0
    expires_at: int = 0
    version: int = 1

    class Settings:
        name = "story_locks"
        indexes: ClassVar[list[Any]] = [pending_index(), IndexModel([("tenant", 1), ("holder", 1)])]


class CommentDoc(TenantDocument):
    """批注: a comment on a story. A reply carries its thread's root in `thread_id`
    (a root's `thread_id` is its own id). `mentions` maps user id → username
    (ids as keys: usernames may hold dots, which field names must not)."""

    story_id: str
    thread_id: str
    parent_id: str | None = None
    author: str
    author_name: str | None = None
    text: str
    anchor_field: str | None = None
    anchor_start: int | None = None
    anchor_end: int | None = None
    anchor_quote: str | None = None
    anchor_revision: int | None = None
    mentions: dict[str, str] = Field(default_factory=dict)
    unknown_mentions: list[str] = Field(default_factory=list)
    resolved_at: int = 0
    resolved_by: str | None = None
    deleted_at: int = 0
    created_at: int = Field(default_factory=now_ms)
    edited_at: int = 0
    version: int = 1

    class Settings:
        name = "story_comments"
        indexes: ClassVar[list[Any]] = [
            IndexModel([("tenant", 1), ("story_id", 1), ("created_at", 1)]),
            IndexModel([("tenant", 1), ("thread_id", 1), ("created_at", 1)]),
        ]


class NotificationDoc(TenantDocument):
    """A notice for one user (an @mention, a lock taken over). `read_at` 0: unread."""

    user_id: str
    kind: str  # mention | lock_taken_over
    story_id: str | None = None
    comment_id: str | None = None
    actor: str | None = None
    text: str = ""
    created_at: int = Field(default_factory=now_ms)
    read_at: int = 0

    class Settings:
        name = "notifications"
        indexes: ClassVar[list[Any]] = [
            IndexModel([("tenant", 1), ("user_id", 1), ("created_at", 1)])
        ]


class ProofRoundDoc(TenantDocument):
    """一校/二校/三校 of a story (`_id` = story id + round number: one insert claims it).

    The tracked changes are the diff between `base_revision` and `final_revision`
    (revisions are immutable, so the diff is computed from them when asked); `stats`
    keeps the per-field insertion/deletion counts recorded at completion."""

    story_id: str
    number: int
    proofreader: str
    proofreader_name: str | None = None
    base_revision: int
    final_revision: int | None = None
    status: str = "open"  # open | completed
    started_at: int = Field(default_factory=now_ms)
    completed_at: int = 0
    note: str = ""
    stats: dict[str, dict[str, int]] = Field(default_factory=dict)

    class Settings:
        name = "proof_rounds"
        indexes: ClassVar[list[Any]] = [IndexModel([("tenant", 1), ("story_id", 1), ("number", 1)])]

    @staticmethod
    def make_id(story_id: str, number: int) -> str:
        return f"{story_id}:proof:{number}"


EDITING_MODELS: list[type[TenantDocument]] = [
    StoryLockDoc,
    CommentDoc,
    NotificationDoc,
    ProofRoundDoc,
]
