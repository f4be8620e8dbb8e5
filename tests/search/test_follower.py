"""Several API workers, one search index (hub/workers.py): the primary writes it, the
others open it as followers, which never write and see each awaited commit at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import HubError
from hub.ids import new_id
from hub.search.errors import SearchCodes
from hub.search.lexicon import Lexicons
from hub.search.port import SearchDocument
from hub.search.service import SearchService
from hub.search.tantivy_engine import TantivyEngine
from hub.store.scope import Scope


def story(tenant: str, i: int, title: str) -> SearchDocument:
    return SearchDocument(tenant=tenant, id=f"s{i}", title=title, body=title, updated_at=i)


async def test_a_follower_sees_every_commit_of_the_writer_at_once_and_cannot_write(
    tmp_path: Path,
) -> None:
    tenant = "t-" + new_id()
    writer = SearchService(TantivyEngine(tmp_path), Lexicons(use_store=False))
    follower = SearchService(TantivyEngine(tmp_path, writer=False), Lexicons(use_store=False))
    await writer.start()
    await follower.start()  # beside the writer: no lock is taken
    scope = Scope(tenant, actor="editor", public_only=False)
    try:
        assert (await follower.search(scope, "防汛")).total == 0
        for i, title in enumerate(["防汛演练", "防汛物资到位", "防汛值班"], start=1):
            await writer.index_documents([story(tenant, i, title)])
            # no wait: the commit is on disk when the write returns, the follower reloads
            assert (await follower.search(scope, "防汛")).total == i
        await writer.remove_story(tenant, "s1")
        assert {h.id for h in (await follower.search(scope, "防汛")).hits} == {"s2", "s3"}
        with pytest.raises(HubError) as refused:
            await follower.index_documents([story(tenant, 9, "不该写入")])
        assert refused.value.kind == SearchCodes.SEARCH_UNAVAILABLE
    finally:
        await follower.close()
        await writer.close()


async def test_a_follower_started_first_leaves_an_older_index_to_the_writer_to_rebuild(
    tmp_path: Path,
) -> None:
    old = tmp_path / "tantivy-v1"
    old.mkdir()
    follower = TantivyEngine(tmp_path, writer=False)
    await follower.start()  # before the writer: it makes nothing, and answers unavailable
    writer = TantivyEngine(tmp_path)
    try:
        assert not follower.directory.exists() and not follower.rebuild_marker.exists()
        with pytest.raises(HubError) as unavailable:
            follower.index  # noqa: B018 - what every read goes through
        assert unavailable.value.kind == SearchCodes.SEARCH_UNAVAILABLE
        await writer.start()
        assert writer.needs_rebuild and old.exists()  # the writer still sees the upgrade
        assert follower.index.searcher().num_docs == 0  # the follower opens what it made
    finally:
        await writer.close()
        await follower.close()
