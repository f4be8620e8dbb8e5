"""Property: whatever two centers index and whatever one of them asks, it sees only its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.ids import new_id
from hub.search.analysis import fold
from hub.search.lexicon import Lexicons
from hub.search.port import SearchDocument
from hub.search.service import SearchService
from hub.search.tantivy_engine import TantivyEngine
from hub.store.scope import Scope

VOCAB = [
    "融媒体",
    "乡村振兴",
    "防汛",
    "應急廣播",
    "待处理",
    "文化节",
    "交通",
    "学校",
    "rongmeiti",
    "app",
]
QUERIES = [*VOCAB, "", "处理", "rmt", "xiangcun", "防汛 交通"]


@pytest.fixture(scope="module")
async def service(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SearchService]:
    svc = SearchService(TantivyEngine(tmp_path_factory.mktemp("iso")), Lexicons(use_store=False))
    await svc.start()
    yield svc
    await svc.close()


stories = st.lists(
    st.tuples(
        st.lists(st.sampled_from(VOCAB), min_size=1, max_size=4),
        st.sampled_from(["published", "draft"]),
    ),
    max_size=6,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(mine=stories, theirs=stories, query=st.sampled_from(QUERIES), newsroom=st.booleans())
async def test_a_tenant_never_sees_another_tenants_stories(
    service: SearchService,
    mine: list[tuple[list[str], str]],
    theirs: list[tuple[list[str], str]],
    query: str,
    newsroom: bool,
) -> None:
    a, b = "A-" + new_id(), "B-" + new_id()
    docs = [
        SearchDocument(
            tenant=tenant,
            id=f"{prefix}{i}",
            title="".join(words),
            body=" ".join(words),
            status=status,
            updated_at=i,
        )
        for tenant, prefix, items in ((a, "a", mine), (b, "b", theirs))
        for i, (words, status) in enumerate(items)
    ]
    # as the hub indexes: every story for the newsroom, published ones also for the public
    await service.index_documents(
        [
            *(replace(d, audience="newsroom") for d in docs),
            *(replace(d, audience="public") for d in docs if d.status == "published"),
        ]
    )
    scope = Scope(a, actor="editor", public_only=False) if newsroom else Scope(a)
    visible = {f"a{i}" for i, (_, status) in enumerate(mine) if newsroom or status == "published"}

    page = await service.search(scope, query, limit=50)
    assert {h.id for h in page.hits} <= visible
    if not query:
        assert page.total == len(visible)
    counted = sum(v.count for v in page.facets.get("status", []))
    assert counted == page.total
    own_titles = [fold(d.title) for d in docs if d.id in visible]
    for suggestion in await service.suggest(scope, query[:2] or "r", 20):
        assert any(suggestion.text in title for title in own_titles)
