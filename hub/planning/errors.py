"""Errors of planning (线索, 选题, 派单), worded so that an editor knows what to do next."""

from hub.errors import ErrorKind


class PlanningCodes:
    WRONG_STATE = ErrorKind(
        "PLANNING_WRONG_STATE",
        "{what_zh}当前状态为「{status_zh}」,不能{action_zh}。此状态下可以:{allowed_zh}。",
        "The {what_en} is {status}; it cannot be {action}. Allowed now: {allowed}.",
        409,
    )
    REASON_REQUIRED = ErrorKind(
        "PLANNING_REASON_REQUIRED",
        "{action_zh}时必须填写理由,请补充后再提交。",
        "A reason is required to {action}.",
    )
    MERGE_INTO_ITSELF = ErrorKind(
        "LEAD_MERGE_INTO_ITSELF",
        "线索不能合并到它自己,请选择另一条线索。",
        "A lead cannot be merged into itself; choose another lead.",
    )
    MERGE_TARGET_CLOSED = ErrorKind(
        "LEAD_MERGE_TARGET_CLOSED",
        "目标线索{target}已{status_zh},不能再合并进去{hint_zh}。",
        "The target lead {target} is {status}; merge into an open lead instead{hint_en}.",
        409,
    )
    LEAD_NOT_ACCEPTED = ErrorKind(
        "LEAD_NOT_ACCEPTED",
        "线索{lead}当前为「{status_zh}」,只有已采纳的线索可以关联选题{hint_zh}。",
        "Lead {lead} is {status}; only accepted leads can be linked to a topic{hint_en}.",
        409,
    )
    UNKNOWN_CHANNEL = ErrorKind(
        "TOPIC_UNKNOWN_CHANNEL",
        "计划渠道「{channel}」不存在,可选的渠道有:{known}。",
        "Unknown planned channel '{channel}'; the hub knows: {known}.",
    )
    UNKNOWN_COLUMN = ErrorKind(
        "TOPIC_UNKNOWN_COLUMN",
        "计划栏目{column}不存在,请从本中心的栏目中选择。",
        "Unknown planned column {column}; pick one of this center's columns.",
    )
    TOPIC_NOT_APPROVED = ErrorKind(
        "TOPIC_NOT_APPROVED",
        "选题「{title}」当前为「{status_zh}」,选题通过后才能派单。",
        "The topic '{title}' is {status}; assignments can only be made on an approved topic.",
        409,
    )
    TOPIC_HAS_OPEN_ASSIGNMENTS = ErrorKind(
        "TOPIC_HAS_OPEN_ASSIGNMENTS",
        "选题还有 {count} 项未完成的派单,请先完成或撤销这些派单,再{action_zh}选题。",
        "The topic still has {count} open assignments; file or cancel them before you {action} it.",
        409,
    )
    TOPIC_EDIT_FORBIDDEN = ErrorKind(
        "TOPIC_EDIT_FORBIDDEN",
        "选题「{title}」当前为「{status_zh}」,只有提出人(待审期间)或编辑、总编辑、管理员可以{action_zh};请联系编辑处理。",
        "Only the proposer (while it is proposed) or an editor, chief editor or admin may {action} "
        "the topic '{title}', which is {status}.",
        403,
    )
    NOT_ASSIGNEE = ErrorKind(
        "ASSIGNMENT_NOT_ASSIGNEE",
        "这项派单的承接人是 {assignees},只有承接人本人或编辑可以{action_zh}。",
        "This assignment belongs to {assignees}; only an assignee or an editor may {action} it.",
        403,
    )
    NO_ASSIGNEE = ErrorKind(
        "ASSIGNMENT_NO_ASSIGNEE",
        "派单至少要指定一名承接人(记者或小组成员)。",
        "An assignment needs at least one assignee (a reporter or the members of a team).",
    )
    UNKNOWN_USER = ErrorKind(
        "ASSIGNMENT_UNKNOWN_USER",
        "找不到本中心的用户 {user},请从人员列表中选择承接人。",
        "No user {user} in this center; pick assignees from the staff list.",
    )
    SAME_ASSIGNEES = ErrorKind(
        "ASSIGNMENT_SAME_ASSIGNEES",
        "改派的承接人与当前承接人相同,请选择其他人员。",
        "The new assignees are the current ones; choose someone else to reassign to.",
    )
    DEADLINE_PAST = ErrorKind(
        "ASSIGNMENT_DEADLINE_PAST",
        "截止时间 {deadline} 已经过去,请设置一个将来的时间。",
        "The deadline {deadline} has already passed; set a time in the future.",
    )
    STORY_TAKEN = ErrorKind(
        "ASSIGNMENT_STORY_TAKEN",
        "稿件{story}已经交付给另一项派单({other}),一篇稿件只能交付一项派单。",
        "Story {story} was already filed for another assignment ({other}); a story is filed once.",
        409,
    )
    CONFLICT = ErrorKind(
        "PLANNING_CONFLICT",
        "{what_zh}刚刚被他人修改,请刷新后重试。",
        "The {what_en} was just changed by someone else; reload and try again.",
        409,
    )
