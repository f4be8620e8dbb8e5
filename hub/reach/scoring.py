"""绩效: a center's scoring rules as data, checked when saved, and the scores they give.

The rules (one version per save; a report names the version it used):

    {"name": "2026年绩效管理办法",
     "piece_points": {"default": 1, "by_type": {"video": 3}, "by_channel": {"douyin": 2}},
     "bonuses": {"xuexi_adopted": 10, "central_media": 20},
     "reach_thresholds": [{"metric": "views", "at_least": 10000, "points": 5}],
     "role_weights": {"reporter": 0.6, "editor": 0.3, "reviewer": 0.1},
     "departments": {"新闻部": ["reporter1", "editor1"]}}

A piece published in the month scores: its type's points (or `default`), plus the
points of each channel it went out on, plus the bonuses it earned (学习强国 采用; a
central-media adoption recorded on the story as metadata `central_media_adopted`),
plus, per metric, the points of the highest threshold its reach in the month met.
Each role's person gets the piece's score times the role's weight; a role nobody
filled leaves its share unassigned. Departments are part of the rules, so a past
month is scored with the roster that applied then.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.reach.measures import COUNTERS

ROLES = ("reporter", "editor", "reviewer")
TYPES = ("article", "gallery", "video", "audio", "live", "special")
BONUSES = ("xuexi_adopted", "central_media")
MAX_POINTS = 100_000
_TOP_KEYS = {"name", "piece_points", "bonuses", "reach_thresholds", "role_weights", "departments"}


@dataclass(frozen=True)
class RuleProblem:
    path: str
    zh: str
    en: str


def _number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 <= value <= MAX_POINTS
    )


def validate(rules: Any, channels: tuple[str, ...] | None = None) -> list[RuleProblem]:
    """Every problem of a rules document (empty when it may be saved). `channels`, when
    given, are the loaded channels a `by_channel` entry must name."""
    out: list[RuleProblem] = []

    def bad(path: str, zh: str, en: str) -> None:
        out.append(RuleProblem(path, zh, en))

    if not isinstance(rules, Mapping):
        return [RuleProblem("", "规则应为 JSON 对象", "rules must be a JSON object")]
    for key in sorted(set(rules) - _TOP_KEYS):
        bad(key, f"不认识的规则项 {key}", f"unknown rule {key}")
    name = rules.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        bad("name", "请填写规则名称(100 字以内)", "name is required (at most 100 characters)")
    pieces = rules.get("piece_points", {})
    if not isinstance(pieces, Mapping):
        bad("piece_points", "piece_points 应为对象", "piece_points must be an object")
        pieces = {}
    for key in sorted(set(pieces) - {"default", "by_type", "by_channel"}):
        bad(f"piece_points.{key}", f"不认识的稿件分值项 {key}", f"unknown piece_points entry {key}")
    if "default" in pieces and not _number(pieces["default"]):
        bad(
            "piece_points.default",
            f"分值应为 0 到 {MAX_POINTS} 之间的数",
            f"points must be a number 0-{MAX_POINTS}",
        )
    for section, known, label in (("by_type", TYPES, "稿件类型"), ("by_channel", channels, "渠道")):
        table = pieces.get(section, {})
        if not isinstance(table, Mapping):
            bad(f"piece_points.{section}", f"{section} 应为对象", f"{section} must be an object")
            continue
        for key, value in table.items():
            if known is not None and key not in known:
                bad(
                    f"piece_points.{section}.{key}",
                    f"没有名为 {key} 的{label}(可选:{'、'.join(known)})",
                    f"no {section[3:]} named {key} (known: {', '.join(known)})",
                )
            if not _number(value):
                bad(
                    f"piece_points.{section}.{key}",
                    f"分值应为 0 到 {MAX_POINTS} 之间的数",
                    f"points must be a number 0-{MAX_POINTS}",
                )
    bonuses = rules.get("bonuses", {})
    if not isinstance(bonuses, Mapping):
        bad("bonuses", "bonuses 应为对象", "bonuses must be an object")
        bonuses = {}
    for key, value in bonuses.items():
        if key not in BONUSES:
            bad(
                f"bonuses.{key}",
                f"不认识的加分项 {key}(可选:{'、'.join(BONUSES)})",
                f"unknown bonus {key} (known: {', '.join(BONUSES)})",
            )
        elif not _number(value):
            bad(
                f"bonuses.{key}",
                f"分值应为 0 到 {MAX_POINTS} 之间的数",
                f"points must be a number 0-{MAX_POINTS}",
            )
    thresholds = rules.get("reach_thresholds", [])
    if not isinstance(thresholds, list):
        bad("reach_thresholds", "reach_thresholds 应为列表", "reach_thresholds must be a list")
        thresholds = []
    for i, t in enumerate(thresholds):
        path = f"reach_thresholds[{i}]"
        if not isinstance(t, Mapping) or set(t) != {"metric", "at_least", "points"}:
            bad(
                path,
                "每个传播门槛应有 metric、at_least、points 三项",
                "each threshold has metric, at_least and points",
            )
            continue
        if t["metric"] not in COUNTERS:
            bad(
                f"{path}.metric",
                f"没有名为 {t['metric']} 的指标(可选:{'、'.join(COUNTERS)})",
                f"unknown metric {t['metric']}",
            )
        if (
            isinstance(t["at_least"], bool)
            or not isinstance(t["at_least"], int)
            or t["at_least"] < 1
        ):
            bad(f"{path}.at_least", "门槛应为正整数", "at_least must be a positive integer")
        if not _number(t["points"]):
            bad(
                f"{path}.points",
                f"分值应为 0 到 {MAX_POINTS} 之间的数",
                f"points must be a number 0-{MAX_POINTS}",
            )
    weights = rules.get("role_weights")
    if not isinstance(weights, Mapping) or not weights:
        bad(
            "role_weights",
            "请填写各角色(reporter、editor、reviewer)的权重",
            "role_weights are required",
        )
    else:
        for key, value in weights.items():
            if key not in ROLES:
                bad(
                    f"role_weights.{key}",
                    f"不认识的角色 {key}(可选:{'、'.join(ROLES)})",
                    f"unknown role {key}",
                )
            elif not _number(value) or value > 1:
                bad(
                    f"role_weights.{key}",
                    "权重应为 0 到 1 之间的数",
                    "a weight is a number from 0 to 1",
                )
        total = sum(v for v in weights.values() if _number(v))
        if total > 1 + 1e-9:
            bad(
                "role_weights",
                f"各角色权重之和为 {total:g},不能超过 1",
                f"role weights add up to {total:g}; at most 1",
            )
    departments = rules.get("departments", {})
    if not isinstance(departments, Mapping):
        bad(
            "departments",
            "departments 应为对象(部门名 → 人员列表)",
            "departments must map a name to people",
        )
    else:
        owner: dict[str, str] = {}
        for dept, people in departments.items():
            if not isinstance(people, list) or not all(isinstance(p, str) and p for p in people):
                bad(
                    f"departments.{dept}", "部门成员应为用户名列表", "a department lists user names"
                )
                continue
            for person in people:
                if person in owner and owner[person] != dept:
                    bad(
                        f"departments.{dept}",
                        f"{person} 同时在 {owner[person]} 和 {dept}",
                        f"{person} is in two departments",
                    )
                owner[person] = dept
    return out


@dataclass(frozen=True)
class Piece:
    """One published piece of the month, as scoring needs it."""

    story_id: str
    title: str
    type: str
    channels: tuple[str, ...]
    people: Mapping[str, str | None]
    xuexi_adopted: bool = False
    central_media: bool = False
    reach: Mapping[str, int] = field(default_factory=dict)


def piece_score(rules: Mapping[str, Any], piece: Piece) -> tuple[float, list[str]]:
    """A piece's points and how they were made up (for the report)."""
    pp = rules.get("piece_points") or {}
    parts: list[str] = []
    base = float((pp.get("by_type") or {}).get(piece.type, pp.get("default", 0)))
    parts.append(f"{piece.type} {base:g}")
    total = base
    for ch in piece.channels:
        pts = float((pp.get("by_channel") or {}).get(ch, 0))
        if pts:
            total += pts
            parts.append(f"{ch} +{pts:g}")
    bonuses = rules.get("bonuses") or {}
    for flag, key in (
        (piece.xuexi_adopted, "xuexi_adopted"),
        (piece.central_media, "central_media"),
    ):
        if flag and bonuses.get(key):
            total += float(bonuses[key])
            parts.append(f"{key} +{float(bonuses[key]):g}")
    best: dict[str, tuple[int, float]] = {}
    for t in rules.get("reach_thresholds") or []:
        value = int(piece.reach.get(t["metric"], 0))
        if value >= t["at_least"] and (
            t["metric"] not in best or t["at_least"] > best[t["metric"]][0]
        ):
            best[t["metric"]] = (int(t["at_least"]), float(t["points"]))
    for name, (at_least, pts) in sorted(best.items()):
        total += pts
        parts.append(f"{name}≥{at_least} +{pts:g}")
    return round(total, 4), parts


@dataclass
class PersonScore:
    person: str
    department: str
    points: float = 0.0
    pieces: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROLES, 0))
    reach: dict[str, int] = field(default_factory=dict)


UNGROUPED = "未分组"


def department_of(rules: Mapping[str, Any], person: str) -> str:
    """The person's department in these rules (未分组 when none lists them)."""
    for dept, people in (rules.get("departments") or {}).items():
        if person in people:
            return str(dept)
    return UNGROUPED


def score_month(rules: Mapping[str, Any], pieces: list[Piece]) -> list[PersonScore]:
    """Each person's points, pieces by role and reach for the month (highest first)."""
    weights = rules.get("role_weights") or {}
    people: dict[str, PersonScore] = {}
    for piece in pieces:
        points, _ = piece_score(rules, piece)
        for role in ROLES:
            person = piece.people.get(role)
            if not person:
                continue
            ps = people.setdefault(person, PersonScore(person, department_of(rules, person)))
            ps.points = round(ps.points + points * float(weights.get(role, 0)), 4)
            ps.pieces[role] += 1
            for k, v in piece.reach.items():
                ps.reach[k] = ps.reach.get(k, 0) + int(v)
    return sorted(people.values(), key=lambda p: (-p.points, p.person))


def departments_total(scores: list[PersonScore]) -> list[tuple[str, float, int, dict[str, int]]]:
    """(department, points, people, reach) per department, highest first. A piece two
    colleagues worked on counts in their department's reach once per person."""
    out: dict[str, tuple[float, int, dict[str, int]]] = {}
    for s in scores:
        pts, n, reach = out.get(s.department, (0.0, 0, {}))
        merged = dict(reach)
        for k, v in s.reach.items():
            merged[k] = merged.get(k, 0) + v
        out[s.department] = (round(pts + s.points, 4), n + 1, merged)
    return sorted(((d, p, n, r) for d, (p, n, r) in out.items()), key=lambda row: (-row[1], row[0]))
