"""The plain rules of editing and of the bus's cursor, without the store."""

from __future__ import annotations

import pytest

from hub.domain.story import StoryContent
from hub.editing.rules import (
    LockMove,
    LockView,
    blocks_write,
    check_anchor,
    clean_text,
    lock_move,
    mentions,
    round_label,
    track_stats,
    tracked_changes,
)
from hub.events.bus import _Cursor, advance

NOW = 1_000_000


@pytest.mark.parametrize(
    ("lock", "actor", "takeover", "may", "move"),
    [
        (None, "a", False, False, LockMove.ACQUIRE),
        (LockView(None, 0), "a", False, False, LockMove.ACQUIRE),
        (LockView("a", NOW + 5), "a", False, False, LockMove.RENEW),
        (
            LockView("a", NOW - 5),
            "a",
            False,
            False,
            LockMove.RENEW,
        ),  # own expired lock, nobody took it
        (LockView("b", NOW - 1), "a", False, False, LockMove.TAKE_EXPIRED),
        (LockView("b", NOW), "a", False, False, LockMove.TAKE_EXPIRED),  # expires_at is exclusive
        (
            LockView("b", NOW + 5),
            "a",
            False,
            True,
            LockMove.REFUSE,
        ),  # taking over must be asked for
        (LockView("b", NOW + 5), "a", True, False, LockMove.REFUSE_TAKEOVER),
        (LockView("b", NOW + 5), "a", True, True, LockMove.TAKE_OVER),
    ],
)
def test_lock_moves(
    lock: LockView | None, actor: str, takeover: bool, may: bool, move: LockMove
) -> None:
    assert lock_move(lock, actor, NOW, takeover, may) == move


def test_only_a_live_lock_of_someone_else_blocks_writes() -> None:
    assert not blocks_write(None, "a", NOW)
    assert not blocks_write(LockView("a", NOW + 5), "a", NOW)
    assert not blocks_write(LockView("b", NOW - 5), "a", NOW)
    assert blocks_write(LockView("b", NOW + 5), "a", NOW)
    assert blocks_write(LockView("b", NOW + 5), None, NOW)


def test_mentions_are_usernames_in_order_without_repeats() -> None:
    text = "请 @wang.li. 和 @zhao-01、@wang.li 看看;邮箱 a@b.cn 不算,@X 大写不算,@a 太短"
    assert mentions(text) == ["wang.li", "zhao-01"]
    assert mentions("@li_ming:稿子") == ["li_ming"]


def test_comment_text_is_plain_and_trimmed() -> None:
    assert clean_text("  第一行\r\n第二行\u0000\u200b  ") == "第一行\n第二行"
    assert clean_text("\u0007 ") == ""


def test_anchors() -> None:
    text = "岚溪镇稻谷丰收"
    assert check_anchor(text, 3, 5, "稻谷") is None
    assert check_anchor(text, None, None, "丰收") is None
    assert check_anchor(text, None, None, None) is None
    assert check_anchor(text, 3, None, None) is not None
    assert check_anchor(text, 5, 3, None) is not None
    assert check_anchor(text, 0, 8, None) is not None
    assert check_anchor(text, 0, 2, "稻谷") is not None
    assert check_anchor(text, None, None, "小麦") is not None


def test_tracked_changes_per_field_character_level() -> None:
    old = StoryContent(title="岚溪镇秋收", body="今年稻谷丰收\n第二段不变", tags=("农业",))
    new = StoryContent(
        title="岚溪镇喜获秋收", body="今年水稻丰收\n第二段不变", tags=("农业", "秋收")
    )
    tracks = {t.field: t for t in tracked_changes(old, new)}
    assert set(tracks) == {"title", "body", "tags"}
    assert tracks["title"].insertions == [(3, "喜获")] and tracks["title"].deletions == []
    assert tracks["body"].insertions == [(2, "水")] and tracks["body"].deletions == [(3, "谷")]
    stats = track_stats(list(tracks.values()))
    assert stats["title"] == {"inserted": 2, "deleted": 0, "changes": 1}
    assert stats["body"] == {"inserted": 1, "deleted": 1, "changes": 2}
    assert tracked_changes(old, old) == []
    assert [round_label(n) for n in (1, 2, 3)] == ["一校", "二校", "三校"]


def test_the_bus_cursor_waits_briefly_for_a_gap_then_moves_on() -> None:
    cursor = _Cursor(low=4)
    cursor.seen |= {5, 6}
    advance(cursor, now=0.0)
    assert (cursor.low, cursor.seen) == (6, set())
    cursor.seen |= {8, 9}  # 7 claimed but not stored yet
    advance(cursor, now=1.0, grace=2.0)
    assert cursor.low == 6 and cursor.gap_since == 1.0
    cursor.seen.add(7)  # it arrives in time
    advance(cursor, now=2.0, grace=2.0)
    assert (cursor.low, cursor.seen, cursor.gap_since) == (9, set(), None)
    cursor.seen.add(11)  # 10's writer died
    advance(cursor, now=5.0, grace=2.0)
    advance(cursor, now=6.0, grace=2.0)
    assert cursor.low == 9
    advance(cursor, now=7.5, grace=2.0)
    assert (cursor.low, cursor.seen, cursor.gap_since) == (11, set(), None)
