"""The life of a 问政 question and of each forward (转交) to a department. Plain code, no I/O.

```
question  received ──accept──> accepted ──forward──> forwarded ──answer──> answered
             │ (forward: accepted and forwarded in one step)
             ├──merge (into)──> merged                  │  (a department's answer)
             ├──reject (reason)──> rejected             │ every open forward rerouted:
             └──to_lead──> lead                         └──────────> accepted (forward again)
          answered ──send_to_review──> in_review ──reply──> replied ──reopen (once)──> reopened
          reopened ──forward──> forwarded        (reopened may also be rejected)

forward   pending ──accept──> accepted ──answer──> answered
             │  ├──ask_more (question)──> info_requested ──supplement──> accepted
             └──┴──reroute (reason)──> rerouted   (info_requested may also answer or reroute)
```
A move outside these tables is WENZHENG_WRONG_STATE / WENZHENG_FORWARD_WRONG_STATE,
naming the moves the current status allows.
"""

from __future__ import annotations

from enum import StrEnum

from hub.errors import HubError
from hub.wenzheng.errors import WenzhengCodes


class QuestionStatus(StrEnum):
    RECEIVED = "received"  # 待筛查
    ACCEPTED = "accepted"  # 已受理, waiting to be forwarded
    FORWARDED = "forwarded"  # 办理中
    ANSWERED = "answered"  # 已答复, waiting for the center's review
    IN_REVIEW = "in_review"  # 审核中 (the 问政 chain)
    REPLIED = "replied"  # 已回复: the citizen sees the answer
    REJECTED = "rejected"  # 不予受理
    MERGED = "merged"  # 已合并
    LEAD = "lead"  # 转为新闻线索
    REOPENED = "reopened"  # 追问: back to the center


class QuestionAction(StrEnum):
    ACCEPT = "accept"
    MERGE = "merge"
    REJECT = "reject"
    TO_LEAD = "to_lead"
    FORWARD = "forward"
    ANSWER = "answer"
    ALL_REROUTED = "all_rerouted"
    SEND_TO_REVIEW = "send_to_review"
    REPLY = "reply"
    REOPEN = "reopen"
    RATE = "rate"  # 满意度: no change of status


class ForwardStatus(StrEnum):
    PENDING = "pending"  # 待签收
    ACCEPTED = "accepted"  # 办理中
    INFO_REQUESTED = "info_requested"  # 待群众补充
    REROUTED = "rerouted"  # 申请改派 (closed for this department)
    ANSWERED = "answered"  # 已答复


class ForwardAction(StrEnum):
    ACCEPT = "accept"
    REROUTE = "reroute"
    ASK_MORE = "ask_more"
    SUPPLEMENT = "supplement"
    ANSWER = "answer"


Q, QA = QuestionStatus, QuestionAction
F, FA = ForwardStatus, ForwardAction

QUESTION_MOVES: dict[QuestionStatus, dict[QuestionAction, QuestionStatus]] = {
    # forwarding a received question accepts it in the same step
    Q.RECEIVED: {
        QA.ACCEPT: Q.ACCEPTED,
        QA.MERGE: Q.MERGED,
        QA.REJECT: Q.REJECTED,
        QA.TO_LEAD: Q.LEAD,
        QA.FORWARD: Q.FORWARDED,
    },
    Q.ACCEPTED: {
        QA.FORWARD: Q.FORWARDED,
        QA.MERGE: Q.MERGED,
        QA.REJECT: Q.REJECTED,
        QA.TO_LEAD: Q.LEAD,
    },
    Q.FORWARDED: {QA.FORWARD: Q.FORWARDED, QA.ANSWER: Q.ANSWERED, QA.ALL_REROUTED: Q.ACCEPTED},
    Q.ANSWERED: {QA.ANSWER: Q.ANSWERED, QA.SEND_TO_REVIEW: Q.IN_REVIEW},
    Q.IN_REVIEW: {QA.REPLY: Q.REPLIED},
    Q.REPLIED: {QA.REOPEN: Q.REOPENED, QA.RATE: Q.REPLIED},
    Q.REOPENED: {QA.FORWARD: Q.FORWARDED, QA.REJECT: Q.REJECTED},
    Q.REJECTED: {},
    Q.MERGED: {},
    Q.LEAD: {},
}

FORWARD_MOVES: dict[ForwardStatus, dict[ForwardAction, ForwardStatus]] = {
    F.PENDING: {
        FA.ACCEPT: F.ACCEPTED,
        FA.REROUTE: F.REROUTED,
        FA.ASK_MORE: F.INFO_REQUESTED,
        FA.ANSWER: F.ANSWERED,
    },
    F.ACCEPTED: {FA.REROUTE: F.REROUTED, FA.ASK_MORE: F.INFO_REQUESTED, FA.ANSWER: F.ANSWERED},
    F.INFO_REQUESTED: {FA.SUPPLEMENT: F.ACCEPTED, FA.REROUTE: F.REROUTED, FA.ANSWER: F.ANSWERED},
    F.REROUTED: {},
    F.ANSWERED: {},
}

#: forwards still waiting for the department (their deadline runs)
OPEN_FORWARD = frozenset({F.PENDING, F.ACCEPTED, F.INFO_REQUESTED})
#: screened out: never forwarded
SCREENED_OUT = frozenset({Q.REJECTED, Q.MERGED, Q.LEAD})

STATUS_ZH = {
    Q.RECEIVED: "待筛查",
    Q.ACCEPTED: "已受理",
    Q.FORWARDED: "办理中",
    Q.ANSWERED: "已答复待审核",
    Q.IN_REVIEW: "审核中",
    Q.REPLIED: "已回复",
    Q.REJECTED: "不予受理",
    Q.MERGED: "已合并",
    Q.LEAD: "已转为新闻线索",
    Q.REOPENED: "已追问",
}
QUESTION_ACTION_ZH = {
    QA.ACCEPT: "受理",
    QA.MERGE: "合并",
    QA.REJECT: "不予受理",
    QA.TO_LEAD: "转为新闻线索",
    QA.FORWARD: "转交",
    QA.ANSWER: "答复",
    QA.ALL_REROUTED: "退回中心",
    QA.SEND_TO_REVIEW: "送审答复",
    QA.REPLY: "回复群众",
    QA.REOPEN: "追问",
    QA.RATE: "评价",
}
FORWARD_STATUS_ZH = {
    F.PENDING: "待签收",
    F.ACCEPTED: "办理中",
    F.INFO_REQUESTED: "待群众补充",
    F.REROUTED: "已申请改派",
    F.ANSWERED: "已答复",
}
FORWARD_ACTION_ZH = {
    FA.ACCEPT: "签收",
    FA.REROUTE: "申请改派",
    FA.ASK_MORE: "请群众补充",
    FA.SUPPLEMENT: "补充材料",
    FA.ANSWER: "答复",
}
NEEDS_REASON = frozenset({QA.REJECT, QA.REOPEN})
FORWARD_NEEDS_REASON = frozenset({FA.REROUTE, FA.ASK_MORE, FA.SUPPLEMENT, FA.ANSWER})


def move_question(
    status: QuestionStatus, action: QuestionAction, reason: str | None = None
) -> QuestionStatus:
    """The status after `action`, or WENZHENG_WRONG_STATE / WENZHENG_REASON_REQUIRED."""
    allowed = QUESTION_MOVES[status]
    if action not in allowed:
        raise HubError(
            WenzhengCodes.WRONG_STATE,
            status=status.value,
            status_zh=STATUS_ZH[status],
            action=action.value,
            action_zh=QUESTION_ACTION_ZH[action],
            allowed=", ".join(a.value for a in allowed) or "none",
            allowed_zh="、".join(QUESTION_ACTION_ZH[a] for a in allowed) or "无(已办结)",
        )
    if action in NEEDS_REASON and not (reason or "").strip():
        raise HubError(
            WenzhengCodes.REASON_REQUIRED, action=action.value, action_zh=QUESTION_ACTION_ZH[action]
        )
    return allowed[action]


def move_forward(
    status: ForwardStatus, action: ForwardAction, department: str, text: str | None = None
) -> ForwardStatus:
    """The forward's status after `action`; rerouting, asking the citizen, supplementing and
    answering need their text."""
    allowed = FORWARD_MOVES[status]
    if action not in allowed:
        raise HubError(
            WenzhengCodes.FORWARD_WRONG_STATE,
            department=department,
            status=status.value,
            status_zh=FORWARD_STATUS_ZH[status],
            action=action.value,
            action_zh=FORWARD_ACTION_ZH[action],
            allowed=", ".join(a.value for a in allowed) or "none",
            allowed_zh="、".join(FORWARD_ACTION_ZH[a] for a in allowed) or "无(已办结)",
        )
    if action in FORWARD_NEEDS_REASON and not (text or "").strip():
        raise HubError(
            WenzhengCodes.REASON_REQUIRED, action=action.value, action_zh=FORWARD_ACTION_ZH[action]
        )
    return allowed[action]


def after_forward_change(
    question: QuestionStatus, forwards: list[ForwardStatus]
) -> QuestionAction | None:
    """What a forward's change means for its question: the first answer makes it answered;
    when every forward was rerouted it goes back to the center to forward again."""
    if question == Q.FORWARDED and any(f == F.ANSWERED for f in forwards):
        return QA.ANSWER
    if question == Q.FORWARDED and forwards and all(f == F.REROUTED for f in forwards):
        return QA.ALL_REROUTED
    return None


def check_rating(score: int) -> int:
    if not 1 <= score <= 5:
        raise HubError(WenzhengCodes.BAD_RATING)
    return score
