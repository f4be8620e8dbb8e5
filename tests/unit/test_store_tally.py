"""The store command tally (hub/store/tally.py): what a process sent, by command and
collection, written to its file; nothing at all when the setting is off."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient

from hub.store.tally import read, tallying


async def test_each_command_is_counted_by_collection_and_written_to_the_process_file(
    store_uri: str, tmp_path: Path
) -> None:
    with tallying(str(tmp_path)) as listeners:
        assert len(listeners) == 1
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            store_uri, event_listeners=listeners
        )
        try:
            things = client["ronghub_tally_test"]["things"]
            await things.insert_one({"_id": "a"})
            assert await things.find_one({"_id": "a"}) == {"_id": "a"}
            assert await things.find_one({"_id": "b"}) is None
        finally:
            await client.drop_database("ronghub_tally_test")
            await client.close()
    written = read(tmp_path / f"{os.getpid()}.json")
    assert written is not None and written["pid"] == os.getpid()
    assert written["counts"]["insert things"] == 1
    assert written["counts"]["find things"] == 2


def test_without_a_folder_nothing_is_counted_or_written(tmp_path: Path) -> None:
    with tallying(None) as listeners:
        assert listeners == []
    assert read(tmp_path / f"{os.getpid()}.json") is None
