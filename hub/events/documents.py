"""The stored newsroom event log: what lets the bus reach subscribers in every process."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field
from pymongo import IndexModel

from hub.ids import now_ms
from hub.store.documents import TenantDocument


class NewsroomEventDoc(TenantDocument):
    """One published event. `_id` = `{tenant}:{seq:012d}`; `seq` counts per tenant
    (claimed from a counter, so two processes never share one)."""

    seq: int
    topic: str
    kind: str
    subject_id: str
    actor: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    at: int = Field(default_factory=now_ms)

    class Settings:
        name = "newsroom_events"
        indexes: ClassVar[list[Any]] = [
            IndexModel([("tenant", 1), ("seq", 1)]),
            IndexModel([("at", 1)]),
        ]
