"""Errors of the review workflow, worded for editors and reviewers."""

from hub.errors import ErrorKind


class ReviewCodes:
    NOT_IN_REVIEW = ErrorKind(
        "REVIEW_NOT_OPEN",
        "稿件当前不在审核中(状态:{status}),不能签审。",
        "The story is not in review (status: {status}).",
    )
    WRONG_ROLE = ErrorKind(
        "REVIEW_WRONG_ROLE",
        "{stage}需要由具有「{role}」角色的人签审,你没有该角色。",
        "{stage} must be signed by someone with the role '{role}'; you do not have it.",
        403,
    )
    SAME_PERSON = ErrorKind(
        "REVIEW_SAME_PERSON",
        "同一人不能签审同一稿件的两个审级:你已签过{signed_stage},{stage}须由他人签审。",
        "No person may sign two stages of one chain: you signed {signed_stage}; {stage} needs someone else.",
        403,
    )
    STALE_REVISION = ErrorKind(
        "REVIEW_STALE_REVISION",
        "稿件在送审后又被修改(送审版本 {submitted},当前版本 {current}),请按当前版本重新审核。",
        "The story changed after it was submitted (submitted revision {submitted}, current {current}); review the current revision.",
        409,
    )
    REASON_REQUIRED = ErrorKind(
        "REVIEW_REASON_REQUIRED",
        "退回稿件时必须填写退回理由。",
        "A reason is required to return a story.",
    )
    UNRESOLVED_FINDINGS = ErrorKind(
        "REVIEW_UNRESOLVED_FINDINGS",
        "稿件还有 {count} 个未处理的检查问题({first_zh}),请先修改或确认后再签审。",
        "The story has {count} unresolved check findings ({first_en}); fix or acknowledge them before signing.",
        409,
    )
    NOT_APPROVED = ErrorKind(
        "REVIEW_NOT_APPROVED",
        "稿件尚未签发(或签发后又被修改),不能发布。",
        "The story is not approved for publishing (or changed after approval).",
        409,
    )
    BAD_CHAIN = ErrorKind(
        "REVIEW_BAD_CHAIN", "审核流程配置有误:{reason_zh}", "Invalid review chain: {reason_en}"
    )
    UNKNOWN_ROLE = ErrorKind(
        "REVIEW_UNKNOWN_ROLE",
        "{stage}指定的签审角色「{role}」不存在(或只属于某个融媒号),请改为中心的角色,如 reviewer:first、chief_editor。",
        "The role '{role}' of {stage} does not exist (or belongs to one account); use a center role such as reviewer:first or chief_editor.",
    )
    CHAIN_NOT_FOUND = ErrorKind(
        "REVIEW_CHAIN_NOT_FOUND", "找不到审核流程 {id}。", "Review chain {id} not found.", 404
    )
    CHAIN_REQUIRED = ErrorKind(
        "REVIEW_CHAIN_REQUIRED",
        "本中心为这类稿件配置了审核流程,不能直接签发:请先送审(三审)。",
        "A review chain applies to this story: submit it for review instead of approving it directly.",
        409,
    )
    PROOF_ROUNDS_MISSING = ErrorKind(
        "REVIEW_PROOF_ROUNDS_MISSING",
        "签发前须完成 {required} 个校次,目前只完成了 {done} 个,请先完成校对。",
        "{required} proofreading rounds are required before approval; {done} done.",
        409,
    )
    FINDING_NOT_FOUND = ErrorKind(
        "REVIEW_FINDING_NOT_FOUND",
        "稿件当前版本没有检查结果 {key}(可能已修改掉),请刷新检查结果。",
        "The current revision has no finding {key} (it may have been fixed); reload the checks.",
        404,
    )
    ACK_NEEDS_CHIEF = ErrorKind(
        "REVIEW_ACK_NEEDS_CHIEF",
        "拦截级问题({finding_zh})只能由总编辑或中心管理员确认放行,请修改稿件或请总编辑处理。",
        "A blocking finding ({finding_en}) may only be accepted by the chief editor or a center admin.",
        403,
    )
    ACK_NOTE_REQUIRED = ErrorKind(
        "REVIEW_ACK_NOTE_REQUIRED",
        "确认放行拦截级问题时必须写明理由。",
        "Accepting a blocking finding needs a note.",
    )
    OWN_REQUEST = ErrorKind(
        "REVIEW_OWN_REQUEST",
        "不能审批自己提出的撤稿或更正申请,请由他人签审。",
        "You cannot sign your own takedown or correction request; someone else must.",
        403,
    )
    NO_PENDING_ACTION = ErrorKind(
        "REVIEW_NO_PENDING_ACTION",
        "稿件没有待审批的{what_zh}申请。",
        "The story has no pending {what_en} request.",
        404,
    )
    ACTION_PENDING = ErrorKind(
        "REVIEW_ACTION_PENDING",
        "稿件已有待审批的{what_zh}申请,请等它处理完。",
        "A {what_en} request is already pending.",
        409,
    )
    TAKEDOWN_NEEDS_REVIEW = ErrorKind(
        "REVIEW_TAKEDOWN_NEEDS_REVIEW",
        "本中心的审核流程规定撤稿须经审批:请用「撤稿申请」(requestTakedown)提交。",
        "The review chain requires takedowns to be reviewed: use requestTakedown.",
        409,
    )
    NOT_SCHEDULABLE = ErrorKind(
        "REVIEW_NOT_SCHEDULABLE",
        "只有送审中或已签发但尚未交付发布的稿件可以定时发布(当前:{status})。",
        "Only a story in review, or approved and not yet handed to distribution, can be scheduled (now: {status}).",
        409,
    )
    BAD_TIME = ErrorKind(
        "REVIEW_BAD_TIME", "{what_zh}必须是将来的时间。", "The {what_en} must be in the future."
    )
    NOT_PUBLISHED = ErrorKind(
        "REVIEW_NOT_PUBLISHED",
        "稿件尚未发布,不能{what_zh};请直接修改或撤回送审。",
        "The story is not published; nothing to {what_en}.",
    )
