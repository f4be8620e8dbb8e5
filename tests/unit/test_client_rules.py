"""The client lifecycle rules as plain code: rotation overlaps, bounds, reasons."""

from __future__ import annotations

import pytest

from hub.errors import HubError
from hub.identity import client_rules as rules
from hub.identity.documents import PreviousClientSecret

NOW = 1_700_000_000_000


def old(name: str, expires_at: int, retired_at: int = NOW - 1_000) -> PreviousClientSecret:
    return PreviousClientSecret(secret_hash=name, retired_at=retired_at, expires_at=expires_at)


def test_a_rotation_keeps_the_replaced_secret_for_the_overlap() -> None:
    kept = rules.after_rotation("A", [], NOW, 3_600)
    assert [(k.secret_hash, k.retired_at, k.expires_at) for k in kept] == [
        ("A", NOW, NOW + 3_600_000)
    ]


def test_a_rotation_without_overlap_ends_every_old_secret_at_once() -> None:
    """After a leak: rotating with 0 also ends the overlaps of earlier rotations."""
    assert rules.after_rotation("B", [old("A", NOW + 86_400_000)], NOW, 0) == []


def test_earlier_overlaps_keep_their_end_but_never_outlive_the_newest() -> None:
    earlier = [old("A", NOW + 60_000), old("B", NOW + 7 * 86_400_000)]
    kept = rules.after_rotation("C", earlier, NOW, 3_600)
    assert [(k.secret_hash, k.expires_at) for k in kept] == [
        ("B", NOW + 3_600_000),
        ("C", NOW + 3_600_000),
    ]
    # A was dropped only because at most two old secrets are kept: the oldest goes
    assert len(kept) == rules.MAX_PREVIOUS_SECRETS
    shorter = rules.after_rotation("C", [old("A", NOW + 60_000)], NOW, 3_600)
    assert [(k.secret_hash, k.expires_at) for k in shorter] == [
        ("A", NOW + 60_000),
        ("C", NOW + 3_600_000),
    ]


def test_expired_secrets_are_neither_kept_nor_live() -> None:
    gone = old("A", NOW - 1)
    assert rules.live([gone, old("B", NOW + 1)], NOW)[0].secret_hash == "B"
    assert rules.after_rotation("C", [gone], NOW, 10) == [
        PreviousClientSecret(secret_hash="C", retired_at=NOW, expires_at=NOW + 10_000)
    ]
    assert rules.live([old("A", NOW)], NOW) == []  # refused from expires_at on


@pytest.mark.parametrize("keep", [-1, rules.MAX_KEEP_OLD_SECONDS + 1])
def test_the_overlap_is_bounded(keep: int) -> None:
    with pytest.raises(HubError) as err:
        rules.check_rotation(keep, False)
    assert err.value.code == "INVALID_INPUT" and "7 天" in err.value.message_zh


def test_ending_sessions_goes_only_with_no_overlap() -> None:
    rules.check_rotation(0, True)
    rules.check_rotation(rules.MAX_KEEP_OLD_SECONDS, False)
    with pytest.raises(HubError) as err:
        rules.check_rotation(60, True)
    assert err.value.code == "INVALID_INPUT" and err.value.details["field"] == "endSessions"
    assert "keepOldSeconds" in err.value.message_zh


def test_a_disabling_reason_is_required_and_bounded() -> None:
    assert rules.check_reason("  密钥泄露 ") == "密钥泄露"
    for bad in ("", "   ", "x" * (rules.MAX_REASON_CHARS + 1)):
        with pytest.raises(HubError) as err:
            rules.check_reason(bad)
        assert err.value.code == "INVALID_INPUT" and "停用原因" in err.value.message_zh


def test_use_of_an_old_secret_is_noted_at_most_once_a_minute() -> None:
    assert rules.should_mark_use(None, NOW)
    assert not rules.should_mark_use(NOW - rules.MARK_USE_EVERY_MS + 1, NOW)
    assert rules.should_mark_use(NOW - rules.MARK_USE_EVERY_MS, NOW)


def test_status_names() -> None:
    assert (rules.status(False), rules.status(True)) == (
        rules.ClientStatus.ACTIVE,
        rules.ClientStatus.DISABLED,
    )
