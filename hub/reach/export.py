"""绩效 reports as XLSX (openpyxl) and CSV: the same rows the GraphQL report returns.

Sheets: 人员 (per person), 部门 (per department), 稿件 (per piece with how its points
were made up). The title row names the month and the rule version.
"""

from __future__ import annotations

import csv
import io

from hub.reach.report import MonthlyReport
from hub.reach.scoring import ROLES

PERSON_HEADER = [
    "人员",
    "部门",
    "绩效分",
    "采写稿件",
    "编辑稿件",
    "审核稿件",
    "阅读/播放",
    "点赞",
    "分享",
    "评论",
]


def person_rows(report: MonthlyReport) -> list[list[object]]:
    """One row per person, in the report's order."""
    return [
        [
            p.person,
            p.department,
            p.points,
            *(p.pieces[r] for r in ROLES),
            *(p.reach.get(k, 0) for k in ("views", "likes", "shares", "comments")),
        ]
        for p in report.people
    ]


def title(report: MonthlyReport) -> str:
    return f"{report.month} 绩效 — 规则第 {report.rules_version} 版 {report.rules_name}"


def to_xlsx(report: MonthlyReport) -> bytes:
    """The report as an XLSX workbook."""
    from openpyxl import Workbook  # here: ~0.1 CPU-s at import, for an export few make

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "人员"
    ws.append([title(report)])
    ws.append(PERSON_HEADER)
    for row in person_rows(report):
        ws.append(row)
    depts = wb.create_sheet("部门")
    depts.append([title(report)])
    depts.append(["部门", "绩效分", "人数", "阅读/播放"])
    for name, points, n, reach in report.departments:
        depts.append([name, points, n, reach.get("views", 0)])
    pieces = wb.create_sheet("稿件")
    pieces.append([title(report)])
    pieces.append(
        ["稿件", "标题", "类型", "渠道", "记者", "编辑", "审核", "分值", "计分", "阅读/播放"]
    )
    for piece, points, parts in report.pieces:
        pieces.append(
            [
                piece.story_id,
                piece.title,
                piece.type,
                "、".join(piece.channels),
                *(piece.people.get(r) or "" for r in ROLES),
                points,
                ";".join(parts),
                piece.reach.get("views", 0),
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_csv(report: MonthlyReport) -> bytes:
    """The per-person sheet as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([title(report)])
    w.writerow(PERSON_HEADER)
    w.writerows(person_rows(report))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
