"""The tantivy engine keeps its homophone lookups (a walk of the scope's vocabulary) until
the index changes: a correction the index did not offer before a write is offered after
it, in the writer and in a follower (hub/search/tantivy_engine.py `spellings`)."""

from __future__ import annotations

from pathlib import Path

from hub.ids import new_id
from hub.search.lexicon import Lexicons
from hub.search.port import SearchDocument
from hub.search.service import SearchService
from hub.search.tantivy_engine import TantivyEngine
from hub.store.scope import Scope


def story(tenant: str, i: int, title: str) -> SearchDocument:
    return SearchDocument(tenant=tenant, id=f"s{i}", title=title, body=title, updated_at=i)


async def test_a_correction_is_offered_once_a_story_uses_the_word(tmp_path: Path) -> None:
    tenant = "t-" + new_id()
    writer = SearchService(TantivyEngine(tmp_path), Lexicons(use_store=False))
    follower = SearchService(TantivyEngine(tmp_path, writer=False), Lexicons(use_store=False))
    await writer.start()
    await follower.start()
    scope = Scope(tenant, actor="editor", public_only=False)
    try:
        await writer.index_documents([story(tenant, 1, "竹林小径")])
        for service in (writer, follower):
            page = await service.search(scope, "竹鞭手艺")  # 鞭 for 编 (zhubian)
            assert page.did_you_mean is None and page.total == 0
            assert (await service.search(scope, "竹鞭手艺")).did_you_mean is None  # kept
        await writer.index_documents([story(tenant, 2, "翠屏山下的竹编人")])
        for service in (writer, follower):
            page = await service.search(scope, "竹鞭手艺")
            assert page.did_you_mean == "竹编手艺"
            assert [h.id for h in page.hits] == ["s2"]
        # another tenant's scope is looked up on its own, never answered from this one's
        other = Scope("t-" + new_id(), actor="editor", public_only=False)
        assert (await writer.search(other, "竹鞭手艺")).did_you_mean is None
    finally:
        await follower.close()
        await writer.close()
