"""The audit entry hash covers every field but itself, canonically."""

from __future__ import annotations

from hub.audit.log import GENESIS, canonical, entry_hash


def test_hash_ignores_key_order_and_id_but_not_content() -> None:
    a = {
        "tenant": "t",
        "seq": 1,
        "at": 5,
        "actor": "u",
        "action": "x",
        "target_type": "story",
        "target_id": "s",
        "details": {"b": 1, "a": "中文"},
        "prev_hash": GENESIS,
    }
    b = dict(reversed(list(a.items())), _id="t:1", hash="whatever")
    assert canonical(a) == canonical(b) and entry_hash(a) == entry_hash(b)
    assert "中文".encode() in canonical(a)
    assert entry_hash({**a, "details": {"b": 2, "a": "中文"}}) != entry_hash(a)
