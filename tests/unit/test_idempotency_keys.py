"""The plain parts of idempotent creates: what a key stands for and which keys are allowed."""

from __future__ import annotations

import pytest

from hub.errors import HubError
from hub.store.idempotency import MAX_KEY_CHARS, check_key, claim_id, fingerprint


def test_the_fingerprint_ignores_key_order_and_tells_other_input_apart() -> None:
    assert fingerprint({"title": "甲", "tags": ["a"]}) == fingerprint(
        {"tags": ["a"], "title": "甲"}
    )
    assert fingerprint({"title": "甲"}) != fingerprint({"title": "乙"})
    assert fingerprint({"title": "甲", "summary": None}) != fingerprint({"title": "甲"})


def test_a_key_is_scoped_to_its_tenant_actor_and_operation() -> None:
    base = claim_id("t1", "u1", "createStory", "k")
    assert base == claim_id("t1", "u1", "createStory", "k")
    others = {
        claim_id("t2", "u1", "createStory", "k"),
        claim_id("t1", "u2", "createStory", "k"),
        claim_id("t1", "u1", "createLead", "k"),
        claim_id("t1", "u1", "createStory", "k2"),
    }
    assert base not in others and len(others) == 4
    # no separator games: ("t", "1u") and ("t1", "u") are different scopes
    assert claim_id("t", "1u", "createStory", "k") != claim_id("t1", "u", "createStory", "k")


@pytest.mark.parametrize("bad", ["", " k", "k ", "a\nb", "x" * (MAX_KEY_CHARS + 1)])
def test_empty_padded_unprintable_or_long_keys_are_refused_with_the_field(bad: str) -> None:
    with pytest.raises(HubError) as caught:
        check_key(bad)
    assert (
        caught.value.kind.code == "INVALID_INPUT"
        and caught.value.details["field"] == "idempotencyKey"
    )


def test_a_uuid_or_any_printable_text_up_to_the_limit_is_a_key() -> None:
    for good in ("7d0c6f1e-4b8a-4f7e-9a43-2f7a0c1d5e88", "稿件-42", "x" * MAX_KEY_CHARS):
        assert check_key(good) == good
