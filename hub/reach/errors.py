"""Error kinds of 传播效果 and 绩效."""

from __future__ import annotations

from hub.errors import ErrorKind


class ReachCodes:
    REACH_METRIC_UNKNOWN = ErrorKind(
        "REACH_METRIC_UNKNOWN",
        "没有名为 {metric} 的指标,可选:{known}。",
        "No metric named {metric} (known: {known}).",
    )
    REACH_PERIOD_INVALID = ErrorKind(
        "REACH_PERIOD_INVALID",
        "统计时段不正确:{reason_zh}",
        "Invalid period: {reason_en}",
    )
    REACH_BEACON_INVALID = ErrorKind(
        "REACH_BEACON_INVALID",
        "阅读回报格式不对:{reason_zh}",
        "Invalid read beacon: {reason_en}",
    )
    SCORING_RULES_INVALID = ErrorKind(
        "SCORING_RULES_INVALID",
        "绩效规则有误,未保存:{problems_zh}",
        "Scoring rules are invalid and were not saved: {problems_en}",
    )
    SCORING_RULES_MISSING = ErrorKind(
        "SCORING_RULES_MISSING",
        "本中心还没有保存绩效规则,请先在“绩效规则”中填写并保存。",
        "This center has no scoring rules yet.",
        404,
    )
    SCORING_RULES_VERSION_UNKNOWN = ErrorKind(
        "SCORING_RULES_VERSION_UNKNOWN",
        "绩效规则第 {version} 版不存在。",
        "Scoring rules version {version} does not exist.",
        404,
    )
