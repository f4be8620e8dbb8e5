"""Errors of 问政, worded so that a screener, a department operator or the app team knows
what to do next."""

from hub.errors import ErrorKind


class WenzhengCodes:
    WRONG_STATE = ErrorKind(
        "WENZHENG_WRONG_STATE",
        "问政当前状态为「{status_zh}」,不能{action_zh}。此状态下可以:{allowed_zh}。",
        "The question is {status}; it cannot be {action}. Allowed now: {allowed}.",
        409,
    )
    FORWARD_WRONG_STATE = ErrorKind(
        "WENZHENG_FORWARD_WRONG_STATE",
        "转交给「{department}」的办理当前为「{status_zh}」,不能{action_zh}。此状态下可以:{allowed_zh}。",
        'The forward to "{department}" is {status}; it cannot be {action}. Allowed now: {allowed}.',
        409,
    )
    REASON_REQUIRED = ErrorKind(
        "WENZHENG_REASON_REQUIRED",
        "{action_zh}时必须填写理由,请补充后再提交。",
        "A reason is required to {action}.",
    )
    CONFLICT = ErrorKind(
        "WENZHENG_CONFLICT",
        "这条问政刚被他人处理过,请刷新后再操作。",
        "Someone else changed the question meanwhile; reload and try again.",
        409,
    )
    NOT_YOUR_DEPARTMENT = ErrorKind(
        "WENZHENG_NOT_YOUR_DEPARTMENT",
        "这条问政没有转交给你所在的单位,只能办理转交给本单位的问政。",
        "The question was not forwarded to your department; you can only handle your department's questions.",
        403,
    )
    UNKNOWN_DEPARTMENT = ErrorKind(
        "WENZHENG_UNKNOWN_DEPARTMENT",
        "承办单位 {department} 不是本中心的融媒号,请从本中心的单位中选择。",
        '"{department}" is not a department account of this center; pick one of its accounts.',
    )
    ALREADY_FORWARDED = ErrorKind(
        "WENZHENG_ALREADY_FORWARDED",
        "这条问政已转交「{department}」且仍在办理中,不能重复转交。",
        'The question is already open with "{department}"; it cannot be forwarded there twice.',
        409,
    )
    ALREADY_RATED = ErrorKind(
        "WENZHENG_ALREADY_RATED",
        "这次答复已经评价过了,每次答复只能评价一次。",
        "This answer was already rated; an answer can be rated once.",
        409,
    )
    REOPEN_USED = ErrorKind(
        "WENZHENG_REOPEN_USED",
        "这条问政已经重新提问过一次,不能再次重新提问;如有新问题,请重新提交。",
        "The question was already reopened once; submit a new question instead.",
        409,
    )
    BAD_RATING = ErrorKind(
        "WENZHENG_BAD_RATING",
        "满意度评分应为 1 到 5 之间的整数。",
        "The rating must be a whole number from 1 to 5.",
    )
    NOT_CONFIGURED = ErrorKind(
        "WENZHENG_NOT_CONFIGURED",
        "本中心尚未设置问政(办理时限、问政栏目),请管理员先完成设置。",
        "Citizen questions (wenzheng) are not configured for this center (time limits, column); an administrator must set them up first.",
        409,
    )
    BAD_CONFIG = ErrorKind(
        "WENZHENG_BAD_CONFIG",
        "问政设置有误:{reason_zh}",
        "The citizen-question (wenzheng) settings are invalid: {reason_en}",
    )
    RATE_LIMITED = ErrorKind(
        "WENZHENG_RATE_LIMITED",
        "{what_zh}提交过于频繁,请 {seconds} 秒后再试。",
        "Too many questions from this {what_en}; try again in {seconds} seconds.",
        429,
    )
    EXTERNAL_ID_REUSED = ErrorKind(
        "WENZHENG_EXTERNAL_ID_REUSED",
        "外部编号 {external_id} 已用于另一条内容不同的问政;重发时请原样提交,新问题请换一个编号。",
        "The external id {external_id} was already used for a different question; resend the same "
        "question, or use a new id for a new one.",
        422,
    )
