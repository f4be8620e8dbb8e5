"""What a channel may receive (hub/domain/release.py) and which payloads the store keeps
(hub/domain/payloads.py): plain rules, no I/O."""

from __future__ import annotations

from typing import Any

from hub.domain import payloads, release

DEFAULTS = ("app",)


def _apply(record: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """`$set` of dotted `release.` paths, as the store applies it."""
    for path, value in fields.items():
        node = record
        *parents, last = path.removeprefix("release.").split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    return record


def _approve(
    record: dict[str, Any],
    channels: list[str],
    revision: int,
    version: int,
    embargo: int | None = None,
) -> None:
    _apply(
        record,
        release.approval_fields(
            channels=channels, revision=revision, version=version, embargo_until=embargo
        ),
    )


def test_the_newest_approval_for_a_channel_decides_and_older_revisions_are_superseded() -> None:
    record: dict[str, Any] = {}
    _approve(record, ["app", "emergency"], 1, 2)
    _approve(record, ["emergency"], 2, 5)  # the urgent path: the emergency channel only
    assert release.refusal(record, "app", 1, DEFAULTS) is None
    refused = release.refusal(record, "emergency", 1, DEFAULTS)
    assert (
        refused is not None
        and refused.code == "PUBLICATION_SUPERSEDED"
        and "2" in refused.message_zh
    )
    assert release.refusal(record, "emergency", 2, DEFAULTS) is None
    missing = release.refusal(record, "wechat", 1, DEFAULTS)
    assert missing is not None and missing.code == "PUBLICATION_NOT_APPROVED"


def test_a_takedown_withdraws_earlier_approvals_and_a_later_approval_stands_again() -> None:
    record: dict[str, Any] = {}
    _approve(record, [], 1, 2)  # a plan naming no channel: the default channels
    assert release.refusal(record, "app", 1, DEFAULTS) is None
    _apply(record, release.takedown_fields(3))
    refused = release.refusal(record, "app", 1, DEFAULTS)
    assert (
        refused is not None
        and refused.code == "PUBLICATION_WITHDRAWN"
        and "撤稿" in refused.message_zh
    )
    _approve(record, [], 2, 6)
    assert release.refusal(record, "app", 2, DEFAULTS) is None
    assert release.refusal(record, "app", 1, DEFAULTS) is not None


def test_stories_without_a_record_are_not_refused_for_want_of_one() -> None:
    assert (
        release.refusal({}, "app", 1, DEFAULTS) is None
        and release.refusal(None, "app", 1, DEFAULTS) is None
    )


def test_an_embargo_holds_until_it_ends_and_a_moved_one_holds_longer() -> None:
    record: dict[str, Any] = {}
    _approve(record, ["wechat"], 1, 2, embargo=1_000)
    assert release.hold_until(record, "wechat", DEFAULTS, now=999) == 1_000
    assert release.hold_until(record, "wechat", DEFAULTS, now=1_000) is None
    _apply(record, release.embargo_fields(record, 5_000))
    assert release.hold_until(record, "wechat", DEFAULTS, now=1_001) == 5_000


def test_approving_the_approved_revision_again_is_unchanged_only_for_the_whole_plan_and_before_a_takedown() -> (
    None
):
    record: dict[str, Any] = {}
    _approve(record, ["app", "wechat"], 3, 7)
    assert release.unchanged_approval(record, 3, ["app", "wechat"])
    assert not release.unchanged_approval(record, 4, ["app", "wechat"])
    assert not release.unchanged_approval(record, 3, ["app", "wechat", "sms"])
    _apply(record, release.takedown_fields(8))
    assert not release.unchanged_approval(record, 3, ["app", "wechat"])
    assert not release.unchanged_approval({}, 1, [])


def test_payload_values_the_store_cannot_keep_are_named_and_platform_ones_kept_as_text() -> None:
    assert payloads.out_of_range({"a": [1, {"b": 2**63 - 1}], "t": True}) is None
    assert payloads.out_of_range({"a": [1, {"b": 2**63}]}) == "a[1].b"
    assert payloads.out_of_range({"x": -(2**63) - 1}) == "x"
    assert payloads.out_of_range({"$set": 1}) == "$set"
    deep: Any = 1
    for _ in range(40):
        deep = [deep]
    assert payloads.out_of_range({"d": deep}) is not None
    assert payloads.storable({"id": 2**70, "n": 5, "l": [2**64]}) == {
        "id": str(2**70),
        "n": 5,
        "l": [str(2**64)],
    }
