"""Errors of the review workflow, worded for editors and reviewers."""

from hub.errors import ErrorKind


class ReviewCodes:
    NOT_IN_REVIEW = ErrorKind(
        "REVIEW_NOT_OPEN", "稿件当前不在审核中(状态:{status}),不能签审。", "The story is not in review (status: {status})."
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
        "REVIEW_REASON_REQUIRED", "退回稿件时必须填写退回理由。", "A reason is required to return a story."
    )
    UNRESOLVED_FINDINGS = ErrorKind(
        "REVIEW_UNRESOLVED_FINDINGS",
        "稿件还有 {count} 个未处理的检查问题({first}),请先修改或确认后再签审。",
        "The story has {count} unresolved check findings ({first}); fix or acknowledge them before signing.",
        409,
    )
    NOT_APPROVED = ErrorKind(
        "REVIEW_NOT_APPROVED",
        "稿件尚未签发(或签发后又被修改),不能发布。",
        "The story is not approved for publishing (or changed after approval).",
        409,
    )
    BAD_CHAIN = ErrorKind("REVIEW_BAD_CHAIN", "审核流程配置有误:{reason}", "Invalid review chain: {reason}")
