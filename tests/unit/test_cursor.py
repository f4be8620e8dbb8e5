"""Relay cursors: round trip, and a clear INVALID_INPUT for anything tampered."""

from __future__ import annotations

import base64
import json

import pytest

from hub.errors import HubError
from hub.store import cursor


def _raw(obj: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def test_a_cursor_round_trips() -> None:
    c = cursor.encode("updated_at", 1_767_225_600_123, "01jabc")
    assert cursor.decode(c, "updated_at") == (1_767_225_600_123, "01jabc")


@pytest.mark.parametrize(
    "tampered",
    [
        "not-base64-!!!",
        "",
        _raw("just a string"),
        _raw([1, 2]),
        _raw(["updated_at", {"$ne": None}, "01jabc"]),  # an operator smuggled in as the value
        _raw(["updated_at", [1], "01jabc"]),
        _raw(["updated_at", None, "01jabc"]),
        _raw(["updated_at", True, "01jabc"]),
        _raw(["updated_at", 1, {"$gt": ""}]),
        _raw(["updated_at", 1, "id", "extra"]),
        base64.urlsafe_b64encode(b"\xff\xfe garbage").decode(),
        base64.urlsafe_b64encode(b"[" * 100_000).decode(),  # deep nesting
    ],
)
def test_a_tampered_cursor_is_invalid_input(tampered: str) -> None:
    with pytest.raises(HubError) as caught:
        cursor.decode(tampered, "updated_at")
    err = caught.value
    assert err.code == "INVALID_INPUT"
    assert err.message_zh.startswith("after") and "游标" in err.message_zh
    assert "cursor" in err.message_en


def test_a_cursor_of_another_ordering_says_so() -> None:
    c = cursor.encode("published_at", 5, "01jabc")
    with pytest.raises(HubError) as caught:
        cursor.decode(c, "updated_at")
    assert "another ordering" in caught.value.message_en


def test_after_filter_selects_strictly_after_in_descending_order() -> None:
    assert cursor.after_filter("updated_at", 5, "b") == {
        "$or": [{"updated_at": {"$lt": 5}}, {"updated_at": 5, "_id": {"$lt": "b"}}]
    }


def test_within_a_window_of_bounds() -> None:
    assert cursor.within({}, 5)
    assert cursor.within({"$gt": 0, "$lt": 10}, 5)
    assert not cursor.within({"$gt": 5}, 5) and cursor.within({"$gte": 5}, 5)
    assert not cursor.within({"$lt": 5}, 5) and cursor.within({"$lte": 5}, 5)
    assert not cursor.within({"$gt": 0}, "a string")  # of another type: nothing has it


@pytest.mark.parametrize(
    ("key", "value", "doc_id"),
    [
        ("published_at", 1_767_225_600_123, "01jf8zq0r7k2v3w4x5y6z7a8b9"),
        ("updated_at", 0, "a_b"),
        ("updated_at", -5, "x"),
        ("updated_at", 1.5, "01jabc"),  # a float: json's way
        ("updated_at", 7, 'quote"d'),
        ("updated_at", 7, "新闻"),
        ("updated_at", 7, "dash-ed"),
        ("updated_at", 7, ""),
        ("updated_at", True, "01jabc"),  # a bool is not an int here
    ],
)
def test_a_cursor_is_json_s_bytes_whichever_way_it_is_written(
    key: str, value: object, doc_id: str
) -> None:
    raw = json.dumps([key, value, doc_id], separators=(",", ":"), ensure_ascii=False)
    expected = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    assert cursor.encode(key, value, doc_id) == expected
