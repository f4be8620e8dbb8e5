"""The fields of a stored model whose documents can carry audit entries not yet appended
(hub/audit/pending.py); kept free of other imports so any documents module can use them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from pymongo import IndexModel

PENDING = "audit_pending"
FLAG = "has_audit_pending"
REV = "audit_pending_rev"
CARRIED_FIELDS = (PENDING, FLAG, REV)  # left out when a writer replaces a document's fields


class AuditPendingFields(BaseModel):
    """Mixed into a stored model: its documents may carry audit entries not yet appended
    (`audit_pending`: key -> entry). Every model with these fields is swept (that is the
    registry); give it the index `pending_index()` too."""

    audit_pending: dict[str, dict[str, Any]] = Field(default_factory=dict)
    has_audit_pending: bool = False
    audit_pending_rev: int = 0


def pending_index() -> IndexModel:
    """The index the sweep reads by."""
    return IndexModel([(FLAG, 1), ("tenant", 1)])
