"""三审 rules, tested as plain code."""

from __future__ import annotations

import pytest

from hub.errors import HubError
from hub.workflow.review import (
    THREE_STAGE,
    ActionKind,
    Decision,
    Finding,
    PendingAction,
    ReviewChain,
    RoundStatus,
    Stage,
    after_edit,
    check_acknowledge,
    check_direct_approval,
    check_proof_rounds,
    check_stage_roles,
    choose_chain,
    finding_key,
    may_sign_action,
    may_sign_next,
    require_publishable,
    sign,
    sign_action,
    status_after_edit,
    submit,
)

CHAIN = ReviewChain(id="std", name="三审三校", stages=THREE_STAGE)
ROLES = {
    "li": {"reviewer:first"},
    "wang": {"reviewer:second"},
    "zhao": {"chief_editor"},
    "multi": {"reviewer:first", "reviewer:second", "chief_editor"},
}


def approve(rnd, who, h="h1", rev=1, **kw):  # type: ignore[no-untyped-def]
    return sign(
        rnd,
        reviewer=who,
        roles=ROLES[who],
        decision=Decision.APPROVE,
        current_revision=rev,
        current_hash=h,
        **kw,
    )


def test_three_different_reviewers_take_a_story_through_first_second_and_final_review() -> None:
    rnd = submit(CHAIN, 1, "h1")
    assert rnd.current_stage and rnd.current_stage.name == "初审"
    rnd = approve(rnd, "li")
    assert rnd.current_stage and rnd.current_stage.name == "复审"
    rnd = approve(rnd, "wang")
    assert rnd.current_stage and rnd.current_stage.name == "终审"
    rnd = approve(rnd, "zhao")
    assert rnd.status == RoundStatus.APPROVED and rnd.approved_revision == 1
    assert [(s.stage, s.reviewer, s.content_hash) for s in rnd.signoffs] == [
        ("first", "li", "h1"),
        ("second", "wang", "h1"),
        ("final", "zhao", "h1"),
    ]
    require_publishable(rnd, 1, "h1")


def test_the_same_person_cannot_sign_two_stages_even_with_every_role() -> None:
    rnd = approve(submit(CHAIN, 1, "h1"), "multi")
    with pytest.raises(HubError) as err:
        approve(rnd, "multi")
    assert err.value.code == "REVIEW_SAME_PERSON"
    assert "初审" in err.value.message_zh and "复审" in err.value.message_zh


def test_a_reviewer_without_the_stage_role_is_refused() -> None:
    with pytest.raises(HubError) as err:
        approve(submit(CHAIN, 1, "h1"), "wang")
    assert err.value.code == "REVIEW_WRONG_ROLE"
    assert "初审" in err.value.message_zh


def test_signing_a_revision_other_than_the_submitted_one_is_refused() -> None:
    with pytest.raises(HubError) as err:
        approve(submit(CHAIN, 1, "h1"), "li", h="h2", rev=2)
    assert err.value.code == "REVIEW_STALE_REVISION"


def test_returning_needs_a_reason_and_ends_the_round() -> None:
    rnd = submit(CHAIN, 1, "h1")
    with pytest.raises(HubError) as err:
        sign(
            rnd,
            reviewer="li",
            roles=ROLES["li"],
            decision=Decision.RETURN,
            current_revision=1,
            current_hash="h1",
        )
    assert err.value.code == "REVIEW_REASON_REQUIRED"
    back = sign(
        rnd,
        reviewer="li",
        roles=ROLES["li"],
        decision=Decision.RETURN,
        current_revision=1,
        current_hash="h1",
        opinion="导语过长",
    )
    assert back.status == RoundStatus.RETURNED and back.return_reason == "导语过长"
    with pytest.raises(HubError):
        approve(back, "wang")


def test_unresolved_blocking_findings_prevent_approval_but_warnings_do_not() -> None:
    rnd = submit(CHAIN, 1, "h1")
    blocking = Finding("SENSITIVE_WORD", "含敏感词「某词」", blocking=True)
    with pytest.raises(HubError) as err:
        approve(rnd, "li", findings=[blocking, Finding("HINT", "的/地 用法", blocking=False)])
    assert err.value.code == "REVIEW_UNRESOLVED_FINDINGS" and "某词" in err.value.message_zh
    assert (
        approve(
            rnd, "li", findings=[Finding("SENSITIVE_WORD", "x", True, resolved=True)]
        ).stage_index
        == 1
    )


def test_an_edit_after_final_approval_sends_the_story_back_and_blocks_publishing() -> None:
    rnd = approve(approve(approve(submit(CHAIN, 1, "h1"), "li"), "wang"), "zhao")
    edited = after_edit(rnd, 2, "h2")
    assert edited.status == RoundStatus.IN_REVIEW and edited.current_stage == THREE_STAGE[0]
    assert edited.signoffs == ()
    with pytest.raises(HubError) as err:
        require_publishable(edited, 2, "h2")
    assert err.value.code == "REVIEW_NOT_APPROVED"
    with pytest.raises(HubError):
        require_publishable(rnd, 2, "h2")  # the old approval does not cover the new revision


def test_a_chain_may_send_edits_back_to_final_review_only_keeping_earlier_signoffs() -> None:
    chain = ReviewChain(id="fast", name="快审", stages=THREE_STAGE, reenter_stage=2)
    rnd = approve(approve(approve(submit(chain, 1, "h1"), "li"), "wang"), "zhao")
    edited = after_edit(rnd, 2, "h2")
    assert edited.current_stage == THREE_STAGE[2]
    assert [(s.stage, s.revision, s.content_hash) for s in edited.signoffs] == [
        ("first", 2, "h2"),
        ("second", 2, "h2"),
    ]
    with pytest.raises(HubError):
        approve(edited, "li", h="h2", rev=2)  # li cannot sign 终审 either: wrong role anyway
    again = approve(edited, "zhao", h="h2", rev=2)
    require_publishable(again, 2, "h2")


def test_an_edit_in_the_middle_of_review_restarts_no_later_than_where_it_stood() -> None:
    chain = ReviewChain(id="c", name="c", stages=THREE_STAGE, reenter_stage=2)
    rnd = approve(submit(chain, 1, "h1"), "li")  # waiting for 复审
    edited = after_edit(rnd, 2, "h2")
    assert edited.stage_index == 1 and [s.stage for s in edited.signoffs] == ["first"]


def test_the_most_specific_chain_applies() -> None:
    default = ReviewChain(id="a", name="默认", stages=THREE_STAGE)
    column = ReviewChain(id="b", name="要闻", stages=THREE_STAGE, columns=frozenset({"yaowen"}))
    urgent = ReviewChain(
        id="c",
        name="应急",
        stages=(Stage("dual", "双人复核", "chief_editor"),),
        channels=frozenset({"emergency"}),
    )
    both = ReviewChain(
        id="d",
        name="要闻+政务",
        stages=THREE_STAGE,
        columns=frozenset({"yaowen"}),
        channels=frozenset({"gov_site"}),
    )
    chains = [default, column, urgent, both]
    assert choose_chain(chains, "minsheng", ["app"]).id == "a"
    assert choose_chain(chains, "yaowen", ["app"]).id == "b"
    assert choose_chain(chains, "minsheng", ["emergency"]).id == "c"
    assert choose_chain(chains, "yaowen", ["gov_site", "app"]).id == "d"
    assert choose_chain([], None, []).stages == THREE_STAGE


def test_a_chain_needs_stages_with_distinct_keys() -> None:
    with pytest.raises(HubError):
        ReviewChain(id="x", name="x", stages=())
    with pytest.raises(HubError):
        ReviewChain(id="x", name="x", stages=(THREE_STAGE[0], THREE_STAGE[0]))


# ---- chains, re-entry, direct approval, takedown sign-off, findings ------------------


def code(fn, *args, **kw) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(HubError) as caught:
        fn(*args, **kw)
    return caught.value.code


def approve_all(chain: ReviewChain, people: list[str]):  # type: ignore[no-untyped-def]
    rnd = submit(chain, 1, "h1")
    for who in people:
        rnd = sign(
            rnd,
            reviewer=who,
            roles=ROLES[who],
            decision=Decision.APPROVE,
            current_revision=1,
            current_hash="h1",
        )
    return rnd


def test_chain_fields_are_range_checked_and_stage_roles_must_exist() -> None:
    assert (
        code(ReviewChain, id="x", name="x", stages=THREE_STAGE, takedown_stage=3)
        == "REVIEW_BAD_CHAIN"
    )
    assert (
        code(ReviewChain, id="x", name="x", stages=THREE_STAGE, correction_stage=-1)
        == "REVIEW_BAD_CHAIN"
    )
    assert (
        code(ReviewChain, id="x", name="x", stages=THREE_STAGE, proof_rounds=4)
        == "REVIEW_BAD_CHAIN"
    )
    check_stage_roles(CHAIN)  # reviewer:first, reviewer:second, chief_editor
    for role in ("reviewer", "reviewer:fourth", "boss", "editor@acc1"):
        bad = ReviewChain(id="x", name="x", stages=(Stage("a", "初审", role),))
        assert code(check_stage_roles, bad) == "REVIEW_UNKNOWN_ROLE"


def test_an_edit_sends_review_and_approved_states_back_to_review_only() -> None:
    assert [status_after_edit(s) for s in ("in_review", "approved", "scheduled", "published")] == [
        "in_review"
    ] * 4
    assert [status_after_edit(s) for s in ("draft", "retracted")] == [None, None]


def test_a_correction_restarts_at_its_own_stage_keeping_earlier_approvals() -> None:
    rnd = approve_all(CHAIN, ["li", "wang", "zhao"])
    corrected = after_edit(rnd, 2, "h2", restart_at=2)
    assert corrected.stage_index == 2 and [s.reviewer for s in corrected.signoffs] == ["li", "wang"]
    assert {s.content_hash for s in corrected.signoffs} == {"h2"}


def test_direct_approval_never_bypasses_a_chain() -> None:
    check_direct_approval(
        None, False, 1, "h1"
    )  # never submitted, no configured chain: the stand-in
    assert code(check_direct_approval, None, True, 1, "h1") == "REVIEW_CHAIN_REQUIRED"
    assert (
        code(check_direct_approval, submit(CHAIN, 1, "h1"), False, 1, "h1") == "REVIEW_NOT_APPROVED"
    )
    approved = approve_all(CHAIN, ["li", "wang", "zhao"])
    check_direct_approval(approved, True, 1, "h1")
    assert code(check_direct_approval, approved, True, 2, "h2") == "REVIEW_NOT_APPROVED"


def test_proof_rounds_are_enforced_only_when_counted() -> None:
    chain = ReviewChain(id="x", name="x", stages=THREE_STAGE, proof_rounds=3)
    check_proof_rounds(chain, None)  # not counted: not required
    check_proof_rounds(chain, 3)
    assert code(check_proof_rounds, chain, 2) == "REVIEW_PROOF_ROUNDS_MISSING"
    check_proof_rounds(CHAIN, 0)


def test_the_queue_shows_a_round_to_whoever_may_sign_its_stage() -> None:
    rnd = sign(
        submit(CHAIN, 1, "h1"),
        reviewer="multi",
        roles=ROLES["multi"],
        decision=Decision.APPROVE,
        current_revision=1,
        current_hash="h1",
    )
    assert may_sign_next(rnd, "wang", ROLES["wang"])
    assert not may_sign_next(rnd, "multi", ROLES["multi"])  # signed 初审 already
    assert not may_sign_next(rnd, "li", ROLES["li"])


def test_a_takedown_is_signed_by_the_named_stage_and_not_by_its_requester() -> None:
    chain = ReviewChain(id="x", name="x", stages=THREE_STAGE, takedown_stage=2)
    action = PendingAction(ActionKind.TAKEDOWN, 2, "zhao", "核实有误")
    assert (
        code(
            sign_action,
            action,
            chain,
            reviewer="zhao",
            roles=ROLES["zhao"],
            decision=Decision.APPROVE,
            opinion="",
        )
        == "REVIEW_OWN_REQUEST"
    )
    assert (
        code(
            sign_action,
            action,
            chain,
            reviewer="li",
            roles=ROLES["li"],
            decision=Decision.APPROVE,
            opinion="",
        )
        == "REVIEW_WRONG_ROLE"
    )
    assert (
        code(
            sign_action,
            action,
            chain,
            reviewer="multi",
            roles=ROLES["multi"],
            decision=Decision.RETURN,
            opinion=" ",
        )
        == "REVIEW_REASON_REQUIRED"
    )
    assert (
        sign_action(
            action,
            chain,
            reviewer="multi",
            roles=ROLES["multi"],
            decision=Decision.APPROVE,
            opinion="同意",
        ).stage
        == "final"
    )
    # the takedown queue shows it to exactly those sign_action would let sign
    for who in ("zhao", "li", "multi"):
        try:
            sign_action(
                action,
                chain,
                reviewer=who,
                roles=ROLES[who],
                decision=Decision.APPROVE,
                opinion="同意",
            )
            allowed = True
        except HubError:
            allowed = False
        assert may_sign_action(action, chain, who, ROLES[who]) is allowed, who
    assert not may_sign_action(
        PendingAction(ActionKind.TAKEDOWN, 5, "zhao", "x"), chain, "multi", ROLES["multi"]
    )  # a stage the chain no longer has


def test_a_finding_key_survives_unrelated_edits_and_blocking_ones_need_the_chief() -> None:
    key = finding_key("SENSITIVE_WORD", "body", "内部消息", "据|,工作")
    assert key == finding_key("SENSITIVE_WORD", "body", "内部消息", "据|,工作")
    assert key != finding_key(
        "SENSITIVE_WORD", "body", "内部消息", "听说|,工作"
    )  # edited next to it
    blocking = Finding("SENSITIVE_WORD", "「内部消息」在敏感词表中", True, key=key)
    assert (
        code(check_acknowledge, blocking, {"reporter", "reviewer:final"}, "可以")
        == "REVIEW_ACK_NEEDS_CHIEF"
    )
    assert code(check_acknowledge, blocking, {"chief_editor"}, " ") == "REVIEW_ACK_NOTE_REQUIRED"
    check_acknowledge(blocking, {"chief_editor"}, "已核实")
    check_acknowledge(Finding("PROOFREAD_HINT", "别字", False), {"reporter"}, "")


def test_a_story_types_chain_outweighs_a_columns() -> None:
    column = ReviewChain(id="b", name="要闻", stages=THREE_STAGE, columns=frozenset({"yaowen"}))
    video = ReviewChain(
        id="v",
        name="视频",
        stages=(Stage("final", "终审", "chief_editor"),),
        types=frozenset({"video", "live"}),
    )
    brief = ReviewChain(
        id="k",
        name="要闻快讯",
        stages=THREE_STAGE,
        types=frozenset({"article"}),
        columns=frozenset({"yaowen"}),
    )
    chains = [column, video, brief]
    assert choose_chain(chains, "yaowen", ["app"], "video").id == "v"  # type > column
    assert choose_chain(chains, "minsheng", ["app"], "live").id == "v"
    assert choose_chain(chains, "yaowen", ["app"], "article").id == "k"  # type and column > type
    assert choose_chain(chains, "yaowen", ["app"], "gallery").id == "b"
    assert (
        choose_chain(chains, "yaowen", ["app"]).id == "b"
    )  # no type given: type chains do not apply
