"""An automated accessibility check for portal pages (GB/T 37668-2019, WCAG 2 basics).

Rules: the page declares its language and has a title; every image has alt text;
headings start at one h1 and never skip a level going down; links say where they go
(no empty or generic "点击这里" text); data tables have header cells; no pop-ups
(target=_blank) and no autoplaying media.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

GENERIC_LINK_TEXT = {
    "点击这里",
    "点这里",
    "这里",
    "更多",
    "详情",
    "点击",
    "click here",
    "here",
    "more",
    "link",
}


@dataclass(frozen=True, slots=True)
class Issue:
    """One failed rule, with where and what to do about it."""

    rule: str
    message_zh: str
    message_en: str


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.issues: list[Issue] = []
        self.lang = False
        self.title = ""
        self.in_title = False
        self.last_heading = 0
        self.h1_count = 0
        self.link: dict[str, str] | None = None
        self.link_text = ""
        self.tables: list[bool] = []  # per open table: has a <th>

    def add(self, rule: str, zh: str, en: str) -> None:
        self.issues.append(Issue(rule, zh, en))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html" and a.get("lang", "").strip():
            self.lang = True
        elif tag == "title":
            self.in_title = True
        elif tag == "img":
            if "alt" not in a or (not a["alt"].strip() and a.get("role") != "presentation"):
                self.add(
                    "img-alt",
                    f"图片 {a.get('src', '')} 缺少替代文字(alt),请为图片填写说明。",
                    f"image {a.get('src', '')} has no alt text.",
                )
        elif len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            level = int(tag[1])
            self.h1_count += level == 1
            if self.last_heading == 0 and level != 1:
                self.add(
                    "heading-order",
                    f"页面第一个标题应为一级标题,实际为 h{level}。",
                    f"first heading is h{level}, not h1.",
                )
            elif level > self.last_heading + 1 and self.last_heading:
                self.add(
                    "heading-order",
                    f"标题层级从 h{self.last_heading} 跳到 h{level},请勿跳级。",
                    f"heading level jumps from h{self.last_heading} to h{level}.",
                )
            self.last_heading = level
        elif tag == "a":
            self.link, self.link_text = a, ""
            if a.get("target") == "_blank":
                self.add(
                    "no-popup",
                    "链接不应在新窗口弹出(target=_blank),请去掉。",
                    "links must not open pop-up windows.",
                )
        elif tag == "table":
            self.tables.append(False)
        elif tag == "th" and self.tables:
            self.tables[-1] = True
        elif tag in ("video", "audio") and "autoplay" in a:
            self.add(
                "no-autoplay", "音视频不得自动播放,请去掉 autoplay。", "media must not autoplay."
            )

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "a":
            self.handle_endtag("a")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag == "a" and self.link is not None:
            text = (
                self.link_text.strip()
                or self.link.get("aria-label", "").strip()
                or self.link.get("title", "").strip()
            )
            if not text:
                self.add(
                    "link-text",
                    f"链接 {self.link.get('href', '')} 没有文字,读屏软件无法说明去向。",
                    f"link {self.link.get('href', '')} has no text.",
                )
            elif text.lower() in GENERIC_LINK_TEXT:
                self.add(
                    "link-text",
                    f"链接文字“{text}”没有说明去向,请改为具体内容(如文件名称)。",
                    f"link text '{text}' does not say where it goes.",
                )
            self.link = None
        elif tag == "table" and self.tables and not self.tables.pop():
            self.add(
                "table-headers",
                "表格缺少表头单元格(th),请设置表头。",
                "a table has no header cells (th).",
            )

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
        if self.link is not None:
            self.link_text += data


def check_html(page: str) -> list[Issue]:
    """Every accessibility issue found in a full HTML page (empty: passes)."""
    checker = _Checker()
    checker.feed(page)
    checker.close()
    if not checker.lang:
        checker.add(
            "html-lang",
            "页面未声明语言(html lang),请设置为 zh-CN。",
            "the page declares no language.",
        )
    if not checker.title.strip():
        checker.add("page-title", "页面缺少标题(title)。", "the page has no title.")
    if checker.h1_count != 1:
        checker.add(
            "single-h1",
            f"页面应有且只有一个一级标题,现有 {checker.h1_count} 个。",
            f"the page must have exactly one h1, found {checker.h1_count}.",
        )
    return checker.issues
