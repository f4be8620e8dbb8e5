"""The stored form of a job."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field
from pymongo import IndexModel

from hub.ids import now_ms
from hub.store.documents import TenantDocument


class JobState(StrEnum):
    PENDING = "pending"  # waiting for ready_at
    RUNNING = "running"  # leased until ready_at
    DONE = "done"
    DEAD = "dead"  # gave up: see last_error; an editor may replay it


class JobDoc(TenantDocument):
    """One unit of work for one consumer. `_id` is `{consumer}:{key}`, so enqueueing the
    same key twice is a no-op (idempotent creation from the outbox)."""

    consumer: str
    kind: str
    key: str
    payload: dict[str, Any] = Field(default_factory=dict)
    state: JobState = JobState.PENDING
    open: bool = True  # pending or running: claimable once ready_at has passed
    ready_at: int = Field(default_factory=now_ms)  # due time, or lease expiry while running
    attempts: int = 0
    lease_owner: str | None = None
    lease_token: str | None = None
    last_error: str | None = None
    result: dict[str, Any] = Field(default_factory=dict)
    created_at: int = Field(default_factory=now_ms)
    updated_at: int = Field(default_factory=now_ms)
    finished_at: int | None = None

    class Settings:
        name = "jobs"
        indexes: ClassVar[list[Any]] = [
            IndexModel([("consumer", 1), ("open", 1), ("ready_at", 1)]),
            IndexModel(
                [("open", 1), ("ready_at", 1)]
            ),  # what is due, of any consumer (`queue.due`)
            IndexModel([("tenant", 1), ("state", 1), ("updated_at", -1)]),
        ]

    @staticmethod
    def make_id(consumer: str, key: str) -> str:
        return f"{consumer}:{key}"
