"""指挥调度: the dispatch board built from a few reads, as plain code.

The store reads the center's open assignments, its approved topics, which of those
are staffed, the leads awaiting triage and the counts by status; `build_board` groups
them per person and picks out what is late. No I/O, so it is tested directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from hub.planning.rules import AssignmentStatus, is_overdue


class AssignmentLike(Protocol):
    id: str
    topic_id: str
    assignees: list[str]
    status: AssignmentStatus
    deadline: int


class TopicLike(Protocol):
    id: str
    created_at: int


A = TypeVar("A", bound=AssignmentLike)
T = TypeVar("T", bound=TopicLike)


@dataclass
class PersonLoad(Generic[A]):
    """One person's open work: what they hold, what is late, how many per status."""

    user_id: str
    open: list[A] = field(default_factory=list)
    late: list[A] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class Board(Generic[A, T]):
    people: list[PersonLoad[A]]
    late: list[A]
    declined: list[A]  # waiting for a reassignment (or a cancellation)
    unstaffed_topics: list[T]
    counts: dict[str, int]
    now: int


def build_board(
    open_assignments: Iterable[A],
    approved_topics: Iterable[T],
    staffed_topic_ids: Iterable[str],
    counts: Mapping[str, int],
    now: int,
) -> Board[A, T]:
    """Group open assignments per assignee (a team's assignment shows under each member),
    earliest deadline first; people with late work first, then by load."""
    people: dict[str, PersonLoad[A]] = {}
    late: list[A] = []
    declined: list[A] = []
    staffed = set(staffed_topic_ids)
    for a in sorted(open_assignments, key=lambda a: (a.deadline, a.id)):
        if a.status in (AssignmentStatus.FILED, AssignmentStatus.CANCELLED):
            continue
        overdue = is_overdue(a.status, a.deadline, now)
        if overdue:
            late.append(a)
        if a.status == AssignmentStatus.DECLINED:
            declined.append(a)
            continue  # the decliner does not work on it
        staffed.add(a.topic_id)
        for user in a.assignees:
            load = people.setdefault(user, PersonLoad(user))
            load.open.append(a)
            if overdue:
                load.late.append(a)
            load.counts[a.status.value] = load.counts.get(a.status.value, 0) + 1
    ordered = sorted(people.values(), key=lambda p: (-len(p.late), -len(p.open), p.user_id))
    unstaffed = sorted(
        (t for t in approved_topics if t.id not in staffed), key=lambda t: (t.created_at, t.id)
    )
    all_counts = {s.value: int(counts.get(s.value, 0)) for s in AssignmentStatus}
    return Board(ordered, late, declined, unstaffed, all_counts, now)
