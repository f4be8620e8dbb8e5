"""An index of an older schema version is rebuilt from the store, and only then forgotten."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.search.rebuild import rebuild_if_needed
from hub.search.tantivy_engine import SCHEMA_VERSION, TantivyEngine


async def test_an_older_index_version_is_rebuilt_once_and_then_removed(tmp_path: Path) -> None:
    old = tmp_path / f"tantivy-v{SCHEMA_VERSION - 1}"
    old.mkdir()
    engine = TantivyEngine(tmp_path)
    await engine.start()
    calls: list[int] = []

    async def reindex() -> int:
        calls.append(1)
        return 7

    try:
        assert engine.needs_rebuild
        assert await rebuild_if_needed(engine, reindex) == 7
        assert calls == [1] and not old.exists() and not engine.needs_rebuild
    finally:
        await engine.close()
    again = TantivyEngine(tmp_path)
    await again.start()
    try:
        assert not again.needs_rebuild
        assert await rebuild_if_needed(again, reindex) is None and calls == [1]
    finally:
        await again.close()


async def test_a_rebuild_cut_short_is_done_again_at_the_next_start(tmp_path: Path) -> None:
    (tmp_path / f"tantivy-v{SCHEMA_VERSION - 1}").mkdir()
    engine = TantivyEngine(tmp_path)
    await engine.start()

    async def failing() -> int:
        raise RuntimeError("store went away")

    try:
        with pytest.raises(RuntimeError):
            await rebuild_if_needed(engine, failing)
    finally:
        await engine.close()
    again = TantivyEngine(tmp_path)
    await again.start()
    try:
        assert again.needs_rebuild  # the new index directory exists, but was never completed
    finally:
        await again.close()


async def test_a_fresh_install_needs_no_rebuild(tmp_path: Path) -> None:
    engine = TantivyEngine(tmp_path)
    await engine.start()
    try:
        assert not engine.needs_rebuild
    finally:
        await engine.close()
