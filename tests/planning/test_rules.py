"""The planning rules as plain code: the three state machines, who moves an assignment,
overdue, and what a topic may plan."""

from __future__ import annotations

import pytest

from hub.errors import HubError
from hub.planning.rules import (
    ASSIGNMENT_MOVES,
    AssignmentAction,
    AssignmentStatus,
    LeadAction,
    LeadStatus,
    TopicAction,
    TopicEdit,
    TopicStatus,
    check_assignees,
    check_channels,
    check_deadline,
    check_dispatchable,
    check_linkable_leads,
    check_merge,
    check_reassign,
    is_overdue,
    may_edit_topic,
    may_move,
    move_assignment,
    move_lead,
    move_topic,
)

S = AssignmentStatus
A = AssignmentAction


def code(exc: pytest.ExceptionInfo[HubError]) -> str:
    return exc.value.code


def test_a_new_lead_is_accepted_merged_or_rejected_and_then_stays_put() -> None:
    assert move_lead(LeadStatus.NEW, LeadAction.ACCEPT) == LeadStatus.ACCEPTED
    assert move_lead(LeadStatus.NEW, LeadAction.MERGE) == LeadStatus.MERGED
    assert move_lead(LeadStatus.NEW, LeadAction.REJECT, "重复报料") == LeadStatus.REJECTED
    for done in (LeadStatus.ACCEPTED, LeadStatus.MERGED, LeadStatus.REJECTED):
        for action in LeadAction:
            with pytest.raises(HubError) as exc:
                move_lead(done, action, "理由")
            assert code(exc) == "PLANNING_WRONG_STATE" and "无(已结束)" in exc.value.message_zh


def test_rejecting_a_lead_needs_a_reason_that_is_not_blank() -> None:
    for blank in (None, "", "   "):
        with pytest.raises(HubError) as exc:
            move_lead(LeadStatus.NEW, LeadAction.REJECT, blank)
        assert code(exc) == "PLANNING_REASON_REQUIRED" and "退回线索" in exc.value.message_zh


def test_a_lead_merges_only_into_another_open_lead() -> None:
    check_merge("a", "b", LeadStatus.NEW, None)
    check_merge("a", "b", LeadStatus.ACCEPTED, None)
    with pytest.raises(HubError) as exc:
        check_merge("a", "a", LeadStatus.NEW, None)
    assert code(exc) == "LEAD_MERGE_INTO_ITSELF"
    with pytest.raises(HubError) as exc:
        check_merge("a", "b", LeadStatus.MERGED, "c")
    assert code(exc) == "LEAD_MERGE_TARGET_CLOSED" and "c" in exc.value.message_zh
    with pytest.raises(HubError):
        check_merge("a", "b", LeadStatus.REJECTED, None)


def test_only_accepted_leads_are_linked_to_topics() -> None:
    check_linkable_leads({"a": LeadStatus.ACCEPTED})
    check_linkable_leads({})
    for status in (LeadStatus.NEW, LeadStatus.MERGED, LeadStatus.REJECTED):
        with pytest.raises(HubError) as exc:
            check_linkable_leads({"a": LeadStatus.ACCEPTED, "b": status})
        assert code(exc) == "LEAD_NOT_ACCEPTED" and "b" in exc.value.message_en
        assert exc.value.http_status == 409


def test_a_refused_lead_says_what_to_do_instead() -> None:
    with pytest.raises(HubError) as exc:
        check_linkable_leads({"b": LeadStatus.NEW})
    assert "待处理" in exc.value.message_zh and "请先采纳该线索" in exc.value.message_zh
    with pytest.raises(HubError) as exc:
        check_linkable_leads({"b": LeadStatus.MERGED}, {"b": "target-7"})
    assert "已合并" in exc.value.message_zh and "合并到线索 target-7" in exc.value.message_zh
    assert "target-7" in exc.value.message_en
    with pytest.raises(HubError) as exc:
        check_linkable_leads({"b": LeadStatus.REJECTED}, {"b": None})
    assert "未采用" in exc.value.message_zh and "另选已采纳的线索" in exc.value.message_zh
    assert "先采纳" not in exc.value.message_zh  # a rejected lead cannot be accepted any more


def test_an_unknown_lead_is_not_found_like_a_lead_of_another_center() -> None:
    with pytest.raises(HubError) as exc:
        check_linkable_leads({"a": LeadStatus.ACCEPTED, "elsewhere": None})
    assert code(exc) == "NOT_FOUND" and exc.value.http_status == 404
    assert "找不到线索" in exc.value.message_zh and "elsewhere" in exc.value.message_zh


def test_topics_are_approved_or_rejected_then_done_or_cancelled() -> None:
    assert move_topic(TopicStatus.PROPOSED, TopicAction.APPROVE) == TopicStatus.APPROVED
    assert (
        move_topic(TopicStatus.PROPOSED, TopicAction.REJECT, "与上周重复") == TopicStatus.REJECTED
    )
    assert move_topic(TopicStatus.APPROVED, TopicAction.COMPLETE) == TopicStatus.DONE
    assert move_topic(TopicStatus.APPROVED, TopicAction.CANCEL, "活动取消") == TopicStatus.CANCELLED
    with pytest.raises(HubError) as exc:
        move_topic(TopicStatus.PROPOSED, TopicAction.COMPLETE)
    assert code(exc) == "PLANNING_WRONG_STATE" and "批准、否决、撤销" in exc.value.message_zh
    with pytest.raises(HubError) as exc:
        move_topic(TopicStatus.PROPOSED, TopicAction.REJECT, " ")
    assert code(exc) == "PLANNING_REASON_REQUIRED"
    with pytest.raises(HubError) as exc:
        move_topic(TopicStatus.APPROVED, TopicAction.COMPLETE, open_assignments=2)
    assert code(exc) == "TOPIC_HAS_OPEN_ASSIGNMENTS" and "2" in exc.value.message_zh


def test_assignments_move_dispatched_accepted_in_progress_filed_and_nothing_skips_a_step() -> None:
    status = S.DISPATCHED
    for action, expected in ((A.ACCEPT, S.ACCEPTED), (A.START, S.IN_PROGRESS), (A.FILE, S.FILED)):
        status = move_assignment(status, action)
        assert status == expected
    for status, action in (
        (S.DISPATCHED, A.START),
        (S.DISPATCHED, A.FILE),
        (S.ACCEPTED, A.FILE),
        (S.IN_PROGRESS, A.DECLINE),
    ):
        with pytest.raises(HubError) as exc:
            move_assignment(status, action, "理由")
        assert code(exc) == "PLANNING_WRONG_STATE"
    for final in (S.FILED, S.CANCELLED):
        assert not any(s == final for s, _ in ASSIGNMENT_MOVES)


def test_declining_cancelling_and_reassigning_need_reasons_and_reassignment_restarts_at_dispatched() -> (
    None
):
    for action in (A.DECLINE, A.CANCEL, A.REASSIGN):
        with pytest.raises(HubError) as exc:
            move_assignment(S.DISPATCHED, action, "")
        assert code(exc) == "PLANNING_REASON_REQUIRED"
    assert move_assignment(S.ACCEPTED, A.DECLINE, "生病") == S.DECLINED
    for status in (S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.DECLINED):
        assert move_assignment(status, A.REASSIGN, "人手调整") == S.DISPATCHED
        assert move_assignment(status, A.CANCEL, "选题取消") == S.CANCELLED
    with pytest.raises(HubError) as exc:
        check_reassign(["a", "b"], ["b", "a"])
    assert code(exc) == "ASSIGNMENT_SAME_ASSIGNEES"


def test_only_an_assignee_or_a_dispatcher_moves_an_assignment_and_only_a_dispatcher_cancels() -> (
    None
):
    may_move("alice", ["alice", "bob"], False, A.ACCEPT)
    may_move("bob", ["alice", "bob"], False, A.FILE)
    may_move("editor", ["alice"], True, A.START)
    may_move("editor", ["alice"], True, A.CANCEL)
    for actor, action in (
        ("carol", A.ACCEPT),
        ("alice", A.CANCEL),
        ("alice", A.REASSIGN),
        (None, A.ACCEPT),
    ):
        with pytest.raises(HubError) as exc:
            may_move(actor, ["alice", "bob"], False, action)
        assert code(exc) == "ASSIGNMENT_NOT_ASSIGNEE" and exc.value.http_status == 403
        assert "alice, bob" in exc.value.message_zh


def test_overdue_means_past_the_deadline_and_neither_filed_nor_cancelled() -> None:
    deadline = 1_000
    for status in (S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.DECLINED):
        assert is_overdue(status, deadline, 1_001)
        assert not is_overdue(status, deadline, 1_000)  # due now is not late yet
        assert not is_overdue(status, deadline, 999)
    for status in (S.FILED, S.CANCELLED):
        assert not is_overdue(status, deadline, 10_000)


def test_planned_channels_must_be_loaded_ones_and_repeats_collapse() -> None:
    assert check_channels([" app", "wechat", "app"], {"app", "wechat"}) == ["app", "wechat"]
    assert check_channels(["anything"], None) == ["anything"]  # no distribution here to ask
    with pytest.raises(HubError) as exc:
        check_channels(["app", "tiktok"], {"app", "wechat"})
    assert code(exc) == "TOPIC_UNKNOWN_CHANNEL" and "app, wechat" in exc.value.message_zh


def test_assignees_deadlines_and_topics_are_checked_before_dispatch() -> None:
    assert check_assignees(["a", " b", "a"], {"a", "b"}) == ["a", "b"]
    with pytest.raises(HubError) as exc:
        check_assignees([" "], {"a"})
    assert code(exc) == "ASSIGNMENT_NO_ASSIGNEE"
    with pytest.raises(HubError) as exc:
        check_assignees(["a", "z"], {"a"})
    assert code(exc) == "ASSIGNMENT_UNKNOWN_USER" and "z" in exc.value.message_zh
    assert check_deadline(2_000, 1_000) == 2_000
    with pytest.raises(HubError) as exc:
        check_deadline(1_000, 1_000)
    assert code(exc) == "ASSIGNMENT_DEADLINE_PAST" and "1970-01-01T00:00:01" in exc.value.message_zh
    check_dispatchable("选题", TopicStatus.APPROVED)
    with pytest.raises(HubError) as exc:
        check_dispatchable("选题", TopicStatus.PROPOSED)
    assert code(exc) == "TOPIC_NOT_APPROVED" and "待审" in exc.value.message_zh


def test_approvers_change_any_open_topic_and_the_proposer_their_own_while_proposed() -> None:
    for edit in TopicEdit:
        for status in (TopicStatus.PROPOSED, TopicStatus.APPROVED):
            may_edit_topic(edit, status, "选题", "editor", "alice", approver=True)
        may_edit_topic(edit, TopicStatus.PROPOSED, "选题", "alice", "alice", approver=False)
    refused = (
        (TopicStatus.APPROVED, "alice"),  # approved: the editors' now
        (TopicStatus.PROPOSED, "bob"),  # somebody else's proposal
        (TopicStatus.PROPOSED, None),  # nobody
    )
    for status, actor in refused:
        with pytest.raises(HubError) as exc:
            may_edit_topic(TopicEdit.UPDATE, status, "乡村振兴", actor, "alice", approver=False)
        assert code(exc) == "TOPIC_EDIT_FORBIDDEN" and exc.value.http_status == 403
        assert "乡村振兴" in exc.value.message_zh and "提出人" in exc.value.message_zh
    with pytest.raises(HubError) as exc:
        may_edit_topic(
            TopicEdit.LINK_LEADS, TopicStatus.PROPOSED, "选题", "bob", None, approver=False
        )
    assert code(exc) == "TOPIC_EDIT_FORBIDDEN" and "关联线索" in exc.value.message_zh


def test_closed_topics_do_not_change_whoever_asks() -> None:
    for status in (TopicStatus.REJECTED, TopicStatus.DONE, TopicStatus.CANCELLED):
        for edit in TopicEdit:
            for actor, approver in (("editor", True), ("alice", False)):
                with pytest.raises(HubError) as exc:
                    may_edit_topic(edit, status, "选题", actor, "alice", approver)
                assert code(exc) == "PLANNING_WRONG_STATE" and exc.value.http_status == 409
                assert "无(已结束)" in exc.value.message_zh
    with pytest.raises(HubError) as exc:
        may_edit_topic(TopicEdit.UNLINK_LEAD, TopicStatus.DONE, "选题", "editor", "alice", True)
    assert "已完成" in exc.value.message_zh and "取消关联线索" in exc.value.message_zh
