"""The tantivy index keeps each segment's documents sorted by tenant and audience
(hub/search/tantivy_engine.py `SORTED_BY`): a scope's documents are one run of
neighbouring document numbers, so a search inside it skips the other scopes' postings.
Written interleaved, read back side by side; an index opened again keeps its order."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from hub.search.lexicon import Lexicons
from hub.search.port import SearchDocument, audience_of
from hub.search.service import SearchService
from hub.search.tantivy_engine import TantivyEngine
from hub.store.scope import Scope

TENANTS = ("sort-a", "sort-b", "sort-c")
SCOPES = [s for t in TENANTS for s in (Scope(t, actor="t", public_only=False), Scope(t))]


def _docs(start: int, n: int) -> list[SearchDocument]:
    out = []
    for i in range(start, start + n):
        d = SearchDocument(
            tenant=TENANTS[i % 3],
            id=f"s{i}",
            title=f"石桥村乡村振兴第{i}期",
            body="岚溪镇召开专题会议",
            status="published" if i % 2 else "draft",
            updated_at=i,
        )
        out.append(d)
        if d.status == "published":  # the public copy right after its head, as the hub writes
            out.append(replace(d, audience="public"))
    return out


def _counts(docs: list[SearchDocument]) -> dict[Scope, int]:
    return {
        s: sum(1 for d in docs if (d.tenant, d.audience) == (s.tenant, audience_of(s)))
        for s in SCOPES
    }


def _runs(engine: TantivyEngine, scope: Scope) -> dict[int, list[int]]:
    """The scope's document numbers in each segment."""
    searcher = engine.index.searcher()
    found = searcher.search(engine.queries.scope_term(scope), 1_000, count=True)
    out: dict[int, list[int]] = defaultdict(list)
    for _, address in found.hits:
        out[address.segment_ord].append(address.doc)
    return out


def _assert_side_by_side(engine: TantivyEngine, expected: dict[Scope, int]) -> None:
    for scope in SCOPES:
        runs = _runs(engine, scope)
        assert sum(len(docs) for docs in runs.values()) == expected[scope]
        for docs in runs.values():
            docs.sort()
            assert docs == list(range(docs[0], docs[0] + len(docs))), (scope, docs)


async def test_each_scopes_documents_are_neighbours_in_every_segment(tmp_path: Path) -> None:
    service = SearchService(TantivyEngine(tmp_path), Lexicons(use_store=False))
    await service.start()
    try:
        docs = _docs(0, 60)
        await service.index_documents(docs)
        assert isinstance(service.engine, TantivyEngine)
        counts = _counts(docs)
        assert all(counts.values())
        _assert_side_by_side(service.engine, counts)
        page = await service.search(SCOPES[1], "乡村振兴", facets=False)
        assert page.total == counts[SCOPES[1]]
    finally:
        await service.close()

    # opened again (the hub's next start), a second write keeps the order in its segment
    again = SearchService(TantivyEngine(tmp_path), Lexicons(use_store=False))
    await again.start()
    try:
        more = _docs(60, 30)
        await again.index_documents(more)
        assert isinstance(again.engine, TantivyEngine)
        _assert_side_by_side(again.engine, _counts([*docs, *more]))
    finally:
        await again.close()


async def test_merged_segments_keep_each_scope_side_by_side(tmp_path: Path) -> None:
    service = SearchService(TantivyEngine(tmp_path), Lexicons(use_store=False))
    await service.start()
    written: list[SearchDocument] = []
    try:
        for k in range(12):  # one segment per write: enough for tantivy to merge some
            docs = _docs(k * 10, 10)
            await service.index_documents(docs)
            written += docs
    finally:
        await service.close()  # waits for the merges
    again = TantivyEngine(tmp_path)
    await again.start()
    try:
        assert again.index.searcher().num_segments < 12
        _assert_side_by_side(again, _counts(written))
    finally:
        await again.close()
