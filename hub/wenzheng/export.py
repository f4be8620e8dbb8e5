"""The figures as a spreadsheet (XLSX, openpyxl's write-only mode). Plain code, no I/O
beyond the bytes it returns."""

from __future__ import annotations

import io

from hub.wenzheng.figures import Figures, rows

HEADERS_ZH = [
    "范围",
    "标识",
    "名称",
    "收到",
    "筛除",
    "转交",
    "已答复",
    "答复率",
    "按时率",
    "答复用时中位数(小时)",
    "当前超期",
    "满意度",
    "评价数",
]


def as_xlsx(figures: Figures, period: str) -> bytes:
    from openpyxl import Workbook  # here: ~0.1 CPU-s at import, for an export few make

    book = Workbook(write_only=True)
    sheet = book.create_sheet("问政统计")
    sheet.append([f"问政统计 {period}"])
    sheet.append(HEADERS_ZH)
    for row in rows(figures)[1:]:
        # text cells that look like formulas stay text (openpyxl writes '=…' strings as formulas)
        sheet.append(
            ["'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v for v in row]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
