"""Errors of editing (locks, comments, proofreading), worded for editors."""

from hub.errors import ErrorKind


class EditingCodes:
    STORY_LOCKED = ErrorKind(
        "STORY_LOCKED",
        "稿件正由{holder}编辑(锁定至 {until}),暂不能修改。请等待对方保存并释放,"
        "或在锁过期后接管;如确需立即修改,请总编辑或管理员执行「接管编辑」(takeOverStoryLock)。",
        "The story is being edited by {holder} (locked until {until}). Wait until it is "
        "released or expires, or ask a chief editor or administrator to take the lock over.",
        409,
    )
    LOCK_NOT_HELD = ErrorKind(
        "LOCK_NOT_HELD",
        "你没有持有这篇稿件的编辑锁(可能已过期或被他人接管),请重新申请编辑锁。",
        "You do not hold the edit lock of this story (it expired or was taken over); acquire it again.",
        409,
    )
    LOCK_TAKEOVER_FORBIDDEN = ErrorKind(
        "LOCK_TAKEOVER_FORBIDDEN",
        "稿件正由{holder}编辑(锁定至 {until}),只有总编辑、终审或管理员可以接管未过期的编辑锁;"
        "请联系对方释放,或等锁过期后再申请。",
        "{holder} holds the lock until {until}; only a chief editor, final reviewer or "
        "administrator may take over a live lock. Ask them to release it or wait until it expires.",
        403,
    )
    LOCK_CONTENDED = ErrorKind(
        "LOCK_CONTENDED",
        "编辑锁正被他人同时申请,请稍后重试。",
        "Someone else is acquiring the lock at the same moment; try again.",
        409,
    )
    COMMENT_EMPTY = ErrorKind(
        "COMMENT_EMPTY", "批注内容不能为空,请填写意见。", "A comment needs some text."
    )
    COMMENT_TOO_LONG = ErrorKind(
        "COMMENT_TOO_LONG",
        "批注有 {length} 个字符,超过上限 {limit},请精简或分几条写。",
        "The comment has {length} characters, more than the limit of {limit}.",
    )
    COMMENT_BAD_ANCHOR = ErrorKind(
        "COMMENT_BAD_ANCHOR",
        "批注定位有误:{reason_zh}。请重新选中要批注的文字。",
        "Invalid comment anchor: {reason_en}.",
    )
    COMMENT_NOT_AUTHOR = ErrorKind(
        "COMMENT_NOT_AUTHOR",
        "只能修改或删除自己写的批注。",
        "Only the author may edit or delete a comment.",
        403,
    )
    COMMENT_DELETED = ErrorKind(
        "COMMENT_DELETED", "这条批注已删除,不能再修改或回复。", "The comment was deleted."
    )
    COMMENT_CONFLICT = ErrorKind(
        "COMMENT_CONFLICT",
        "这条批注刚被他人修改(如已解决或已删除),请刷新后再操作。",
        "The comment was changed at the same moment (resolved or deleted); reload and try again.",
        409,
    )
    PROOF_ROUND_OPEN = ErrorKind(
        "PROOF_ROUND_OPEN",
        "{label}尚未完成(校对人 {proofreader}),请先完成当前校次再开始下一校。",
        "{label} is still open (proofreader {proofreader}); complete it before starting the next round.",
        409,
    )
    PROOF_ROUNDS_DONE = ErrorKind(
        "PROOF_ROUNDS_DONE",
        "三校已全部完成,不能再开始新的校次。",
        "All three proofreading rounds are complete.",
        409,
    )
    PROOF_NO_OPEN_ROUND = ErrorKind(
        "PROOF_NO_OPEN_ROUND",
        "这篇稿件没有进行中的校次,请先开始校对。",
        "The story has no open proofreading round; start one first.",
        409,
    )
    PROOF_NOT_PROOFREADER = ErrorKind(
        "PROOF_NOT_PROOFREADER",
        "{label}的校对人是 {proofreader},只有本人可以完成这一校次。",
        "{label} belongs to proofreader {proofreader}; only they may complete it.",
        403,
    )
    SUBSCRIPTION_TOPIC = ErrorKind(
        "SUBSCRIPTION_TOPIC",
        "订阅的主题 {topic} 不存在(可用:{topics})。",
        "Unknown subscription topic {topic} (known: {topics}).",
    )
