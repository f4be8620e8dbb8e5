"""Steps that follow a committed change (announcements, notifications, derived copies).

Once the change is stored the client's answer is success: a client told "failed" retries
and makes the change twice. So a step after the commit that goes wrong is logged, not
raised; what it would have written is either best effort (live announcements) or healed
from the stored change later (the step's caller says how).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import structlog

log = structlog.get_logger(__name__)


async def after_commit(step: str, work: Awaitable[Any], **context: Any) -> None:
    """Run `work` (a step after a committed change); a failure is logged, never raised."""
    try:
        await work
    except Exception:
        log.warning("after_commit.failed", step=step, exc_info=True, **context)
