"""The rules of 线索, 选题 and 派单 as plain code: state machines, who may move an
assignment, when it is overdue, what a topic may plan. No I/O.

Each machine is a table `(status, action) -> new status`; a move outside the table is
a PLANNING_WRONG_STATE error that names the actions the current status allows.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TypeVar

from hub.errors import Codes, HubError
from hub.planning.errors import PlanningCodes


# ---- 线索 leads ----------------------------------------------------------------------
class LeadSource(StrEnum):
    CITIZEN = "citizen"  # 群众报料
    DEPARTMENT = "department"  # 部门
    CORRESPONDENT = "correspondent"  # 通讯员
    MONITORING = "monitoring"  # 舆情监测


class LeadStatus(StrEnum):
    NEW = "new"  # 待处理
    ACCEPTED = "accepted"  # 已采纳
    MERGED = "merged"  # 已合并
    REJECTED = "rejected"  # 未采用


class LeadAction(StrEnum):
    ACCEPT = "accept"
    MERGE = "merge"
    REJECT = "reject"


# ---- 选题 topics ---------------------------------------------------------------------
class TopicStatus(StrEnum):
    PROPOSED = "proposed"  # 待审
    APPROVED = "approved"  # 已通过
    REJECTED = "rejected"  # 未通过
    DONE = "done"  # 已完成
    CANCELLED = "cancelled"  # 已撤销


class TopicAction(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    COMPLETE = "complete"
    CANCEL = "cancel"


class TopicEdit(StrEnum):
    """Changes to an open topic that keep its status."""

    UPDATE = "update"  # title, summary, planned channels, column
    LINK_LEADS = "link_leads"
    UNLINK_LEAD = "unlink_lead"


# ---- 派单 assignments ----------------------------------------------------------------
class AssignmentKind(StrEnum):
    TEXT = "text"  # 文字
    PHOTO = "photo"  # 摄影
    VIDEO = "video"  # 摄像
    AUDIO = "audio"  # 音频
    LIVE = "live"  # 直播
    DESIGN = "design"  # 美编 / 设计
    OTHER = "other"  # 其他


class AssignmentStatus(StrEnum):
    DISPATCHED = "dispatched"  # 已派单
    ACCEPTED = "accepted"  # 已接单
    IN_PROGRESS = "in_progress"  # 采写中
    FILED = "filed"  # 已交稿
    DECLINED = "declined"  # 已拒单 (waits for a reassignment or cancellation)
    CANCELLED = "cancelled"  # 已撤销


class AssignmentAction(StrEnum):
    ACCEPT = "accept"
    START = "start"
    FILE = "file"
    DECLINE = "decline"
    CANCEL = "cancel"
    REASSIGN = "reassign"


S = AssignmentStatus
LEAD_MOVES: dict[tuple[LeadStatus, LeadAction], LeadStatus] = {
    (LeadStatus.NEW, LeadAction.ACCEPT): LeadStatus.ACCEPTED,
    (LeadStatus.NEW, LeadAction.MERGE): LeadStatus.MERGED,
    (LeadStatus.NEW, LeadAction.REJECT): LeadStatus.REJECTED,
}
TOPIC_MOVES: dict[tuple[TopicStatus, TopicAction], TopicStatus] = {
    (TopicStatus.PROPOSED, TopicAction.APPROVE): TopicStatus.APPROVED,
    (TopicStatus.PROPOSED, TopicAction.REJECT): TopicStatus.REJECTED,
    (TopicStatus.PROPOSED, TopicAction.CANCEL): TopicStatus.CANCELLED,
    (TopicStatus.APPROVED, TopicAction.COMPLETE): TopicStatus.DONE,
    (TopicStatus.APPROVED, TopicAction.CANCEL): TopicStatus.CANCELLED,
}
ASSIGNMENT_MOVES: dict[tuple[AssignmentStatus, AssignmentAction], AssignmentStatus] = {
    (S.DISPATCHED, AssignmentAction.ACCEPT): S.ACCEPTED,
    (S.ACCEPTED, AssignmentAction.START): S.IN_PROGRESS,
    (S.IN_PROGRESS, AssignmentAction.FILE): S.FILED,
    (S.DISPATCHED, AssignmentAction.DECLINE): S.DECLINED,
    (S.ACCEPTED, AssignmentAction.DECLINE): S.DECLINED,
    **{
        (s, AssignmentAction.CANCEL): S.CANCELLED
        for s in (S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.DECLINED)
    },
    # 改派: the new assignees start again from dispatched
    **{
        (s, AssignmentAction.REASSIGN): S.DISPATCHED
        for s in (S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.DECLINED)
    },
}

#: Assignments someone still has to work on (or reassign): everything but filed/cancelled.
OPEN_ASSIGNMENT = frozenset({S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.DECLINED})
#: Assignments that staff a topic: somebody works on it, or has filed it.
STAFFING_ASSIGNMENT = frozenset({S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.FILED})
#: Moves the assignee makes; the rest (cancel, reassign) are the dispatcher's.
ASSIGNEE_ACTIONS = frozenset(
    {
        AssignmentAction.ACCEPT,
        AssignmentAction.START,
        AssignmentAction.FILE,
        AssignmentAction.DECLINE,
    }
)
#: Topics still being planned or worked on: they may be edited and get leads linked.
OPEN_TOPIC = frozenset({TopicStatus.PROPOSED, TopicStatus.APPROVED})
#: Moves that need a reason.
REASON_ACTIONS = frozenset(
    {
        LeadAction.REJECT,
        TopicAction.REJECT,
        TopicAction.CANCEL,
        AssignmentAction.DECLINE,
        AssignmentAction.CANCEL,
        AssignmentAction.REASSIGN,
    }
)

ZH: dict[str, str] = {
    # statuses
    "new": "待处理",
    "accepted": "已采纳",
    "merged": "已合并",
    "rejected": "未采用",
    "proposed": "待审",
    "approved": "已通过",
    "done": "已完成",
    "cancelled": "已撤销",
    "dispatched": "已派单",
    "in_progress": "采写中",
    "filed": "已交稿",
    "declined": "已拒单",
    # actions
    "accept": "采纳",
    "merge": "合并",
    "reject": "退回",
    "approve": "批准",
    "complete": "完成",
    "cancel": "撤销",
    "start": "开始采写",
    "file": "交稿",
    "decline": "拒单",
    "reassign": "改派",
    "update": "修改",
    "link_leads": "关联线索",
    "unlink_lead": "取消关联线索",
}
ACCEPT_ASSIGNMENT_ZH = "接单"
WHAT = {"lead": "线索", "topic": "选题", "assignment": "派单"}


def action_zh(what: str, action: str) -> str:
    if what == "assignment" and action == AssignmentAction.ACCEPT:
        return ACCEPT_ASSIGNMENT_ZH
    if what == "topic" and action == TopicAction.REJECT:
        return "否决"
    return ZH.get(action, action)


St = TypeVar("St", bound=StrEnum)
Ac = TypeVar("Ac", bound=StrEnum)


def _wrong_state(
    what: str, status: StrEnum, action: StrEnum, allowed: Iterable[StrEnum]
) -> HubError:
    moves = list(allowed)
    return HubError(
        PlanningCodes.WRONG_STATE,
        what_zh=WHAT[what],
        what_en=what,
        status=status.value,
        status_zh=ZH.get(status.value, status.value),
        action=action.value,
        action_zh=action_zh(what, action),
        allowed=", ".join(a.value for a in moves) or "nothing (final)",
        allowed_zh="、".join(action_zh(what, a) for a in moves) or "无(已结束)",
    )


def _move(what: str, table: Mapping[tuple[St, Ac], St], status: St, action: Ac) -> St:
    new = table.get((status, action))
    if new is None:
        raise _wrong_state(what, status, action, [a for (s, a) in table if s == status])
    return new


def require_reason(what: str, action: StrEnum, reason: str | None) -> str:
    """The trimmed reason, or PLANNING_REASON_REQUIRED when the move needs one and it is blank."""
    text = (reason or "").strip()
    if action in REASON_ACTIONS and not text:
        raise HubError(
            PlanningCodes.REASON_REQUIRED,
            action=action.value,
            action_zh=action_zh(what, action) + WHAT[what],
        )
    return text


def move_lead(status: LeadStatus, action: LeadAction, reason: str | None = None) -> LeadStatus:
    """Triage: new → accepted | merged | rejected (a rejection needs a reason)."""
    new = _move("lead", LEAD_MOVES, status, action)
    require_reason("lead", action, reason)
    return new


def check_merge(
    lead_id: str, target_id: str, target_status: LeadStatus, target_merged_into: str | None
) -> None:
    """A lead merges into another open (new or accepted) lead of the same center."""
    if lead_id == target_id:
        raise HubError(PlanningCodes.MERGE_INTO_ITSELF)
    if target_status in (LeadStatus.MERGED, LeadStatus.REJECTED):
        hint_zh = f",可合并到它所并入的线索 {target_merged_into}" if target_merged_into else ""
        hint_en = f" (it was merged into {target_merged_into})" if target_merged_into else ""
        raise HubError(
            PlanningCodes.MERGE_TARGET_CLOSED,
            target=target_id,
            status=target_status.value,
            status_zh=ZH[target_status.value],
            hint_zh=hint_zh,
            hint_en=hint_en,
        )


def check_linkable_leads(
    leads: Mapping[str, LeadStatus | None], merged_into: Mapping[str, str | None] | None = None
) -> None:
    """Only accepted leads are linked to a topic. None: no such lead in the center, which
    is NOT_FOUND (a lead of another center looks the same); `merged_into` names where a
    merged lead went, so that the editor can link that one instead."""
    for lead_id, status in leads.items():
        if status is None:
            raise HubError(Codes.NOT_FOUND, what_zh="线索", what_en="lead", id=lead_id)
        if status == LeadStatus.ACCEPTED:
            continue
        if status == LeadStatus.NEW:
            hint_zh, hint_en = ",请先采纳该线索", ". Accept it first"
        elif status == LeadStatus.MERGED and (into := (merged_into or {}).get(lead_id)):
            hint_zh, hint_en = (
                f",它已合并到线索 {into},请改为关联那条线索",
                f". It was merged into {into}; link that lead instead",
            )
        else:
            hint_zh, hint_en = (
                ",它不能再被采纳,请另选已采纳的线索",
                ". It cannot be accepted any more; choose an accepted lead",
            )
        raise HubError(
            PlanningCodes.LEAD_NOT_ACCEPTED,
            lead=lead_id,
            status=status.value,
            status_zh=ZH[status.value],
            hint_zh=hint_zh,
            hint_en=hint_en,
        )


def move_topic(
    status: TopicStatus, action: TopicAction, reason: str | None = None, open_assignments: int = 0
) -> TopicStatus:
    """proposed → approved | rejected (reason) | cancelled; approved → done | cancelled.

    A topic is closed (done, cancelled) only when none of its assignments is open.
    """
    new = _move("topic", TOPIC_MOVES, status, action)
    require_reason("topic", action, reason)
    if new in (TopicStatus.DONE, TopicStatus.CANCELLED) and open_assignments:
        raise HubError(
            PlanningCodes.TOPIC_HAS_OPEN_ASSIGNMENTS,
            count=open_assignments,
            action=action.value,
            action_zh=action_zh("topic", action),
        )
    return new


def may_edit_topic(
    edit: TopicEdit,
    status: TopicStatus,
    title: str,
    actor: str | None,
    proposer: str | None,
    approver: bool,
) -> None:
    """Who may change an open topic (edit it, link or unlink leads), and when.

    Only open topics (proposed, approved) change; a closed one is PLANNING_WRONG_STATE.
    Those who may approve topics (editor, chief editor, admin) change any open topic; the
    proposer changes their own while it is proposed (once approved it is the editors').
    """
    if status not in OPEN_TOPIC:
        raise _wrong_state("topic", status, edit, [a for (s, a) in TOPIC_MOVES if s == status])
    if approver or (actor is not None and actor == proposer and status == TopicStatus.PROPOSED):
        return
    raise HubError(
        PlanningCodes.TOPIC_EDIT_FORBIDDEN,
        title=title,
        status=status.value,
        status_zh=ZH[status.value],
        action=edit.value,
        action_zh=action_zh("topic", edit),
    )


def check_channels(planned: Iterable[str], known: Collection[str] | None) -> list[str]:
    """The planned channels, deduplicated in order; each must be one the hub has loaded
    (`known` None: the caller cannot tell, e.g. a hub without distribution)."""
    out: list[str] = []
    for name in planned:
        name = name.strip()
        if known is not None and name not in known:
            raise HubError(
                PlanningCodes.UNKNOWN_CHANNEL, channel=name, known=", ".join(sorted(known)) or "-"
            )
        if name not in out:
            out.append(name)
    return out


def check_dispatchable(topic_title: str, topic_status: TopicStatus) -> None:
    if topic_status != TopicStatus.APPROVED:
        raise HubError(
            PlanningCodes.TOPIC_NOT_APPROVED,
            title=topic_title,
            status=topic_status.value,
            status_zh=ZH[topic_status.value],
        )


def check_assignees(assignees: Iterable[str], known: Collection[str]) -> list[str]:
    """A reporter or a team: one or more users of the center, deduplicated in order."""
    out = list(dict.fromkeys(a.strip() for a in assignees if a.strip()))
    if not out:
        raise HubError(PlanningCodes.NO_ASSIGNEE)
    for user in out:
        if user not in known:
            raise HubError(PlanningCodes.UNKNOWN_USER, user=user)
    return out


def check_deadline(deadline: int, now: int) -> int:
    if deadline <= now:
        when = datetime.fromtimestamp(deadline / 1000, tz=UTC).isoformat(timespec="seconds")
        raise HubError(PlanningCodes.DEADLINE_PAST, deadline=when)
    return deadline


def may_move(
    actor: str | None, assignees: Collection[str], dispatcher: bool, action: AssignmentAction
) -> None:
    """The assignee's moves are theirs (or an editor's on their behalf); the dispatcher's
    moves (cancel, reassign) are gated by role at the API."""
    if dispatcher:
        return
    if action in ASSIGNEE_ACTIONS and actor is not None and actor in assignees:
        return
    raise HubError(
        PlanningCodes.NOT_ASSIGNEE,
        assignees=", ".join(assignees),
        action=action.value,
        action_zh=action_zh("assignment", action),
    )


def move_assignment(
    status: AssignmentStatus, action: AssignmentAction, reason: str | None = None
) -> AssignmentStatus:
    """dispatched → accepted → in_progress → filed; declined (reason) from dispatched or
    accepted; cancelled (reason) and reassigned (reason, back to dispatched) while open."""
    new = _move("assignment", ASSIGNMENT_MOVES, status, action)
    require_reason("assignment", action, reason)
    return new


def check_reassign(current: Collection[str], new: Collection[str]) -> None:
    if set(current) == set(new):
        raise HubError(PlanningCodes.SAME_ASSIGNEES)


def is_overdue(status: AssignmentStatus, deadline: int, now: int) -> bool:
    """Late: the deadline has passed and the work is neither filed nor cancelled."""
    return now > deadline and status not in (AssignmentStatus.FILED, AssignmentStatus.CANCELLED)


@dataclass(frozen=True)
class HistoryEntry:
    """One line of an assignment's timeline: a status change, a reassignment, overdue."""

    at: int
    actor: str | None
    kind: str  # the action (accept, start, file, decline, cancel, reassign, dispatch) or "overdue"
    from_status: str | None
    to_status: str
    from_assignees: tuple[str, ...] = ()
    to_assignees: tuple[str, ...] = ()
    reason: str = ""
