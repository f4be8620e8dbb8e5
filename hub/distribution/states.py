"""The publication state machine. Plain code, no I/O.

One publication per (story, approved revision, channel, action):

    planned → rendering → validated → delivering → submitted → accepted | rejected | failed
    accepted → live → retracted;  any pre-delivery state may fail;  failed → planned (replay)
    planned | rendering | validated | delivering | failed → cancelled

`rejected` and `failed` end a publication; a replay of a failed one starts it again
from `planned` (delivery is idempotent, so nothing is sent twice). `cancelled` ends a
publication that must not be sent any more (its story was taken down, a later approval
superseded its revision): the send-time check (hub/distribution/sendable.py) moves it
there, and its ledger entry says why. A takedown is a
publication of its own (action retract) that needs no variant: planned → delivering →
retracted; the publication it takes down moves to retracted with it.
"""

from __future__ import annotations

from enum import StrEnum

from hub.errors import ErrorKind, HubError


class PubState(StrEnum):
    PLANNED = "planned"
    RENDERING = "rendering"
    VALIDATED = "validated"
    DELIVERING = "delivering"
    SUBMITTED = "submitted"  # the platform has it; its review may be pending
    ACCEPTED = "accepted"
    REJECTED = "rejected"  # the platform refused it (reason recorded)
    FAILED = "failed"  # we gave up (dead letter)
    LIVE = "live"
    RETRACTED = "retracted"
    CANCELLED = (
        "cancelled"  # never sent: withdrawn or superseded before it went out (reason in the ledger)
    )


class Action(StrEnum):
    PUBLISH = "publish"
    CORRECT = "correct"  # 更正
    RETRACT = "retract"  # 撤稿


TRANSITIONS: dict[PubState, frozenset[PubState]] = {
    PubState.PLANNED: frozenset(
        {PubState.RENDERING, PubState.DELIVERING, PubState.FAILED, PubState.CANCELLED}
    ),
    PubState.RENDERING: frozenset(
        {PubState.VALIDATED, PubState.FAILED, PubState.PLANNED, PubState.CANCELLED}
    ),
    PubState.VALIDATED: frozenset({PubState.DELIVERING, PubState.FAILED, PubState.CANCELLED}),
    PubState.DELIVERING: frozenset(
        {
            PubState.SUBMITTED,
            PubState.ACCEPTED,
            PubState.LIVE,
            PubState.REJECTED,
            PubState.FAILED,
            PubState.RETRACTED,
            PubState.CANCELLED,
        }
    ),
    PubState.SUBMITTED: frozenset(
        {PubState.ACCEPTED, PubState.REJECTED, PubState.LIVE, PubState.FAILED}
    ),
    PubState.ACCEPTED: frozenset({PubState.LIVE, PubState.REJECTED, PubState.RETRACTED}),
    PubState.LIVE: frozenset({PubState.RETRACTED}),
    PubState.REJECTED: frozenset(),
    PubState.FAILED: frozenset({PubState.PLANNED, PubState.CANCELLED}),
    PubState.RETRACTED: frozenset(),
    PubState.CANCELLED: frozenset(),
}

DELIVERED = frozenset({PubState.SUBMITTED, PubState.ACCEPTED, PubState.LIVE})

BAD_TRANSITION = ErrorKind(
    "PUBLICATION_BAD_TRANSITION",
    "发布记录不能从「{current}」变为「{target}」。",
    "A publication cannot go from {current} to {target}.",
    409,
)


def can_move(current: PubState, target: PubState) -> bool:
    return target in TRANSITIONS[current]


def require_move(current: PubState, target: PubState) -> None:
    if not can_move(current, target):
        raise HubError(BAD_TRANSITION, current=current.value, target=target.value)


def publication_id(story_id: str, revision: int, channel: str, action: Action) -> str:
    """Deterministic id: planning the same publication twice finds the existing one."""
    return f"{story_id}:{revision}:{channel}:{action.value}"
