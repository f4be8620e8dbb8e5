"""Our own highlighter: marks query words in the original text (traditional or not).

tantivy's SnippetGenerator cannot work on pre-tokenized fields and Meilisearch's
highlighter misses traditional and infix matches, so both engines highlight here.
Matching runs on a character-aligned folded copy of the text, so a simplified query
marks the traditional original. Fragments are HTML-escaped text with `<em>` marks.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from hub.search.analysis import QueryPlan, all_cjk, fold_aligned, word_syllables
from hub.search.port import Highlight

MARK_OPEN = "<em>"
MARK_CLOSE = "</em>"


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def text_spans(text: str, needles: Iterable[str]) -> list[tuple[int, int]]:
    """Where the folded needles occur in `text` (offsets into the original)."""
    return _aligned_spans(fold_aligned(text), needles)


def _aligned_spans(aligned: str, needles: Iterable[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for needle in needles:
        if not needle:
            continue
        at = aligned.find(needle)
        while at >= 0:
            spans.append((at, at + len(needle)))
            at = aligned.find(needle, at + len(needle))
    return _merge(spans)


def pinyin_spans(text: str, plan: QueryPlan, aligned: str | None = None) -> list[tuple[int, int]]:
    """Where the plan's pinyin units (full syllables or initials) occur in `text`
    (`aligned`: the text already folded by `fold_aligned`)."""
    wanted = [u for u in plan.units if u.kind == "latin"]
    if not wanted:
        return []
    import rjieba  # where it is used (hub/search/analysis.py says why)

    if aligned is None:
        aligned = fold_aligned(text)
    chars: list[tuple[int, str]] = []  # (offset, syllable) of each CJK character
    at = 0
    for word in rjieba.cut(aligned):
        if all_cjk(word):
            chars.extend(zip(range(at, at + len(word)), word_syllables(word), strict=True))
        at += len(word)
    sylls = [s for _, s in chars]
    inits = "".join(s[0] for s in sylls)
    spans: list[tuple[int, int]] = []
    for unit in wanted:
        seqs: list[int] = []
        n = len(unit.syllables)
        if n:
            seqs += [
                i for i in range(len(sylls) - n + 1) if tuple(sylls[i : i + n]) == unit.syllables
            ]
            width = n
            spans += [(chars[i][0], chars[i + width - 1][0] + 1) for i in seqs]
        if len(unit.text) >= 2:
            at = inits.find(unit.text)
            while at >= 0:
                spans.append((chars[at][0], chars[at + len(unit.text) - 1][0] + 1))
                at = inits.find(unit.text, at + 1)
    return _merge(spans)


def _render(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    out: list[str] = ["…" if start > 0 else ""]
    at = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out += [html.escape(text[at:s]), MARK_OPEN, html.escape(text[s:e]), MARK_CLOSE]
        at = e
    out.append(html.escape(text[at:end]))
    if end < len(text):
        out.append("…")
    return "".join(out)


def fragments(
    text: str, spans: list[tuple[int, int]], width: int = 80, limit: int = 3
) -> list[str]:
    """Up to `limit` windows of about `width` characters around the marked spans.

    Windows holding more marks come first; short texts come back whole.
    """
    if not spans or not text:
        return []
    if len(text) <= width:
        return [_render(text, spans, 0, len(text))]
    windows: list[tuple[int, int, int]] = []  # (start, end, marks)
    i = 0
    while i < len(spans):
        start = max(0, spans[i][0] - width // 4)
        end = min(len(text), start + width)
        j = i
        while j < len(spans) and spans[j][1] <= end:
            j += 1
        windows.append((start, end, max(1, j - i)))
        i = max(j, i + 1)
    best = sorted(windows, key=lambda w: (-w[2], w[0]))[:limit]
    return [_render(text, spans, s, e) for s, e, _ in sorted(best)]


def highlight(
    text: str,
    plan: QueryPlan,
    width: int = 80,
    limit: int = 3,
    pinyin: bool = False,
    needles: Sequence[str] | None = None,
) -> list[str]:
    """Fragments of `text` with the plan's words marked (pinyin units too if asked);
    `needles`: `plan.needles()`, when the caller already has them."""
    if not text:
        return []
    aligned = fold_aligned(text)
    spans = _aligned_spans(aligned, plan.needles() if needles is None else needles)
    if pinyin:
        spans = _merge(spans + pinyin_spans(text, plan, aligned))
    return fragments(text, spans, width, limit)


def story_highlights(plan: QueryPlan, title: str, summary: str, body: str) -> list[Highlight]:
    """Highlights of a story's title, summary and body (the same for every engine)."""
    if plan.empty:
        return []
    out = []
    needles = plan.needles()
    for name, text, pinyin, width in (
        ("title", title, True, 200),
        ("summary", summary, True, 120),
        ("body", body, False, 80),
    ):
        frags = highlight(text, plan, width=width, pinyin=pinyin, needles=needles)
        if frags:
            out.append(Highlight(field=name, fragments=frags))
    return out
