"""The file clock of development and tests (RONGHUB_WENZHENG_CLOCK_FILE): what it reads."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from hub.ids import now_ms
from hub.wenzheng.clock import FileClock, SystemClock, clock_for, parse_instant
from hub.wenzheng.sla import CENTER_TZ

MONDAY = int(datetime(2026, 12, 7, 9, 0, tzinfo=CENTER_TZ).timestamp() * 1000)


def test_an_instant_is_iso_8601_with_its_offset_or_epoch_milliseconds() -> None:
    assert parse_instant("2026-12-07T09:00:00+08:00") == MONDAY
    assert parse_instant(f" {MONDAY}\n") == MONDAY
    assert parse_instant("  ") is None
    with pytest.raises(ValueError, match="offset"):
        parse_instant("2026-12-07T09:00:00")  # whose 09:00? refused rather than guessed
    with pytest.raises(ValueError):
        parse_instant("next monday")


def write(path: Path, text: str, mtime_ns: int) -> None:
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(mtime_ns, mtime_ns))  # a new reading is noticed by the file's change


def test_the_file_clock_reads_the_file_and_keeps_the_last_good_time(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    clock = FileClock(path)
    before = now_ms()
    assert before <= clock.now_ms() <= now_ms()  # no file: the wall clock
    write(path, "2026-12-07T09:00:00+08:00", 1_000_000_000)
    assert clock.now_ms() == MONDAY
    write(path, "2026-12-08T09:00:00+08:00", 2_000_000_000)
    assert clock.now_ms() == MONDAY + 86_400_000  # moved
    write(path, "half-writ", 3_000_000_000)
    assert clock.now_ms() == MONDAY + 86_400_000  # a bad reading keeps the last good one
    path.unlink()
    assert clock.now_ms() >= before  # the file gone: the wall clock again


def test_the_hub_uses_the_file_clock_only_when_the_setting_names_a_file(tmp_path: Path) -> None:
    assert isinstance(clock_for(None), SystemClock)
    found = clock_for(tmp_path / "clock")
    assert isinstance(found, FileClock) and found.path == tmp_path / "clock"
