"""The rules of editing, as plain code without I/O: locks, comments, mentions, 三校.

Locks. A lock is live while `now < expires_at`. Acquiring a free or expired lock
takes it; the holder acquiring again renews it. A live lock of someone else may be
taken over only by a caller with 签发 rights (STORY_PUBLISH: chief editor, final
reviewer, administrator) who asks for it explicitly; the previous holder is told.

Proofreading (三校): rounds 1-3 (一校, 二校, 三校) in order, one open at a time.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from hub.domain import diff as domain_diff
from hub.domain.html import html_to_text
from hub.domain.story import StoryContent


class LockMove(StrEnum):
    ACQUIRE = "acquired"  # free (or never locked): take it
    RENEW = "renewed"  # the holder again
    TAKE_EXPIRED = "acquired_expired"  # someone else's lock ran out: take it
    TAKE_OVER = "taken_over"  # someone else's live lock, by a caller allowed to
    REFUSE = "refused"  # someone else's live lock
    REFUSE_TAKEOVER = "refused_takeover"  # asked to take over without the right


@dataclass(frozen=True)
class LockView:
    holder: str | None
    expires_at: int

    def live(self, now: int) -> bool:
        return self.holder is not None and now < self.expires_at


def lock_move(
    lock: LockView | None, actor: str, now: int, takeover: bool, may_take_over: bool
) -> LockMove:
    """What acquiring (or, with `takeover`, taking over) `lock` does for `actor`."""
    if lock is None or lock.holder is None:
        return LockMove.ACQUIRE
    if lock.holder == actor:
        return LockMove.RENEW
    if not lock.live(now):
        return LockMove.TAKE_EXPIRED
    if not takeover:
        return LockMove.REFUSE
    return LockMove.TAKE_OVER if may_take_over else LockMove.REFUSE_TAKEOVER


def blocks_write(lock: LockView | None, actor: str | None, now: int) -> bool:
    """Does `lock` stop `actor` from changing the story's content?"""
    return lock is not None and lock.live(now) and lock.holder != actor


# ---- comments and @mentions ----------------------------------------------------------

MENTION = re.compile(r"(?<![A-Za-z0-9._%+-])@([a-z0-9][a-z0-9._-]{1,62})")
ANCHOR_FIELDS = ("title", "subtitle", "summary", "body", "byline")


def anchor_text(content: StoryContent, field: str) -> str | None:
    """The text an anchor's offsets count in: the field's value; for the body its plain text."""
    value = getattr(content, field, None)
    if field == "body":
        return html_to_text(value or "")
    return None if value is None else str(value)


def mentions(text: str) -> list[str]:
    """The usernames `@name` in `text`, in order of first appearance (trailing . and - trimmed:
    「请 @wang.li.」 mentions wang.li)."""
    out: list[str] = []
    for m in MENTION.finditer(text):
        name = m.group(1).rstrip(".-")
        if len(name) >= 2 and name not in out:
            out.append(name)
    return out


def clean_text(text: str) -> str:
    """Comment text as stored: plain text, control characters (but line breaks) removed,
    spaces at the ends trimmed. Comments are never HTML: front-ends show them as text."""
    kept = [
        c for c in text.replace("\r\n", "\n") if c in "\n\t" or unicodedata.category(c)[0] != "C"
    ]
    return "".join(kept).strip()


@dataclass(frozen=True)
class AnchorProblem:
    zh: str
    en: str


def check_anchor(
    field_text: str | None, start: int | None, end: int | None, quote: str | None
) -> AnchorProblem | None:
    """A range must lie inside the field's text; a quote, if given with a range, must match it."""
    if start is None and end is None:
        if quote is not None and field_text is not None and quote not in field_text:
            return AnchorProblem(
                "引用的原文在稿件中找不到", "the quoted passage is not in the field"
            )
        return None
    if start is None or end is None:
        return AnchorProblem("起止位置须同时给出", "give both start and end")
    text = field_text or ""
    if not 0 <= start < end <= len(text):
        return AnchorProblem(
            f"位置须满足 0 ≤ 起点 < 终点 ≤ {len(text)}", f"need 0 <= start < end <= {len(text)}"
        )
    if quote is not None and text[start:end] != quote:
        return AnchorProblem(
            "引用的原文与所选位置不一致", "the quote differs from the text at the range"
        )
    return None


# ---- 三校 -----------------------------------------------------------------------------

ROUNDS = 3
ROUND_LABELS = {1: "一校", 2: "二校", 3: "三校"}


def round_label(number: int) -> str:
    return ROUND_LABELS.get(number, f"第{number}校")


@dataclass(frozen=True)
class FieldTrack:
    """Tracked changes of one field: what was inserted and deleted, character by character."""

    field: str
    insertions: list[tuple[int, str]]  # (offset in the new text, inserted text)
    deletions: list[tuple[int, str]]  # (offset in the old text, deleted text)
    change: domain_diff.FieldChange

    @property
    def inserted_chars(self) -> int:
        return sum(len(t) for _, t in self.insertions)

    @property
    def deleted_chars(self) -> int:
        return sum(len(t) for _, t in self.deletions)


def tracked_changes(old: StoryContent, new: StoryContent) -> list[FieldTrack]:
    """修订痕迹: per changed field, the insertions and deletions between two revisions
    (a replacement is a deletion plus an insertion), from `hub.domain.diff`'s hunks."""
    out: list[FieldTrack] = []
    for change in domain_diff.diff_contents(old, new):
        ins: list[tuple[int, str]] = []
        dels: list[tuple[int, str]] = []
        for h in change.hunks:
            if h.op in ("delete", "replace") and h.before:
                dels.append((h.before_start, h.before))
            if h.op in ("insert", "replace") and h.after:
                ins.append((h.after_start, h.after))
        out.append(FieldTrack(change.field, ins, dels, change))
    return out


def track_stats(tracks: list[FieldTrack]) -> dict[str, dict[str, int]]:
    """Per field: inserted and deleted characters and the number of changes (stored at completion)."""
    return {
        t.field: {
            "inserted": t.inserted_chars,
            "deleted": t.deleted_chars,
            "changes": len(t.insertions) + len(t.deletions),
        }
        for t in tracks
    }
