"""指挥调度 as plain code: per person, late first, declined apart, unstaffed topics."""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.planning.board import build_board
from hub.planning.rules import AssignmentStatus

S = AssignmentStatus


@dataclass
class A:
    id: str
    topic_id: str
    assignees: list[str]
    status: AssignmentStatus
    deadline: int


@dataclass
class T:
    id: str
    created_at: int = 0
    extra: dict[str, str] = field(default_factory=dict)


def test_a_team_assignment_counts_for_every_member_and_late_people_come_first() -> None:
    now = 1_000
    board = build_board(
        [
            A("a1", "t1", ["alice"], S.ACCEPTED, 5_000),
            A("a2", "t1", ["alice", "bob"], S.IN_PROGRESS, 4_000),
            A("a3", "t2", ["bob"], S.DISPATCHED, 500),  # late
            A("a4", "t2", ["carol"], S.DISPATCHED, 9_000),
        ],
        [T("t1"), T("t2")],
        [],
        {"dispatched": 2, "filed": 7},
        now,
    )
    assert [p.user_id for p in board.people] == ["bob", "alice", "carol"]
    bob = board.people[0]
    assert [a.id for a in bob.open] == ["a3", "a2"]  # earliest deadline first
    assert [a.id for a in bob.late] == ["a3"] and bob.counts == {"dispatched": 1, "in_progress": 1}
    assert [a.id for a in board.people[1].open] == ["a2", "a1"]
    assert [a.id for a in board.late] == ["a3"]
    assert (
        board.counts["filed"] == 7
        and board.counts["cancelled"] == 0
        and board.counts["dispatched"] == 2
    )


def test_declined_work_waits_apart_and_does_not_staff_its_topic() -> None:
    board = build_board(
        [A("a1", "t1", ["alice"], S.DECLINED, 500), A("a2", "t2", ["bob"], S.FILED, 500)],
        [T("t1", 2), T("t2", 1), T("t3", 3)],
        ["t2"],  # t2 has a filed assignment
        {},
        1_000,
    )
    assert board.people == []
    assert [a.id for a in board.declined] == ["a1"] and [a.id for a in board.late] == ["a1"]
    assert [t.id for t in board.unstaffed_topics] == ["t1", "t3"]
