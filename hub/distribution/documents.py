"""Stored publications, with their ledger inside them.

The ledger entry of a transition is written in the same atomic update as the state
change (a map keyed by sequence number), so the ledger can never miss a transition or
record one that did not happen.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, Field
from pymongo import IndexModel

from hub.distribution.states import Action, PubState
from hub.ids import now_ms
from hub.store.documents import TenantDocument


class LedgerEntry(BaseModel):
    seq: int
    at: int
    from_state: PubState | None
    to_state: PubState
    actor: str
    note: str | None = None
    evidence: dict[str, Any] = Field(
        default_factory=dict
    )  # external id, url, platform status, error


class PublicationDoc(TenantDocument):
    """One (story, revision, channel, action). `_id` from states.publication_id."""

    story_id: str
    revision: int
    revision_id: str  # type: ignore[assignment]  # ours (RevisionDoc id); shadows beanie's use_revision field, unused here
    channel: str
    action: Action
    state: PubState = PubState.PLANNED
    seq: int = 0  # number of ledger entries; the compare-and-set key for transitions
    idempotency_key: str
    variant: dict[str, Any] = Field(default_factory=dict)
    problems: list[dict[str, Any]] = Field(default_factory=list)
    overrides: dict[str, Any] = Field(default_factory=dict)
    external_id: str | None = None
    url: str | None = None
    delivery: dict[str, Any] = Field(default_factory=dict)  # the last DeliveryResult, as data
    platform_status: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[str, Any] = Field(default_factory=dict)  # 传播效果: the platform's latest counts
    checkpoints: dict[str, Any] = Field(
        default_factory=dict
    )  # steps done by earlier attempts (ronghub_sdk.Checkpoints)
    last_error: str | None = None
    replaces: str | None = None  # for corrections/retractions: the publication acted upon
    # facts of how it was approved that the channel needs (the urgent path's two approvers)
    approval: dict[str, Any] = Field(default_factory=dict)
    created_at: int = Field(default_factory=now_ms)
    updated_at: int = Field(default_factory=now_ms)
    ledger: dict[str, LedgerEntry] = Field(default_factory=dict)

    class Settings:
        name = "publications"
        indexes: ClassVar[list[Any]] = [
            IndexModel([("tenant", 1), ("story_id", 1), ("created_at", 1)]),
            IndexModel([("tenant", 1), ("state", 1), ("updated_at", -1)]),
        ]

    def entries(self) -> list[LedgerEntry]:
        return [self.ledger[k] for k in sorted(self.ledger)]
