"""The remembered published read model's bookkeeping (hub/store/published.py), directly."""

from __future__ import annotations

from dataclasses import dataclass

from hub.store.published import (
    BODY_CHAR_BYTES,
    DOC_OVERHEAD_BYTES,
    START,
    PublishedCache,
    TenantView,
    doc_bytes,
)


@dataclass(frozen=True)
class Doc:
    id: str


@dataclass(frozen=True)
class Story:
    id: str
    body: str


def test_a_walk_follows_what_store_reads_taught_and_stops_where_they_stop() -> None:
    view = TenantView(generation=1, max_docs=100)
    lst = ("column-a", "published_at")
    # a first page of 3: START -> c -> b -> a, and not known to end (3 of 3 came)
    view.learn(lst, START, [(30, "c"), (20, "b"), (10, "a")], 3)
    assert view.walk(lst, START, 2) == ([(30, "c"), (20, "b")], False)
    assert view.walk(lst, (30, "c"), 5) == ([(20, "b"), (10, "a")], False)  # unknown after a
    # the rest after a: one story of the two asked for, so the list ends there
    view.learn(lst, (10, "a"), [(5, "z")], 2)
    assert view.walk(lst, (20, "b"), 5) == ([(10, "a"), (5, "z")], True)
    assert view.walk(lst, (5, "z"), 5) == ([], True)
    # another list (filter or order) knows nothing of these
    assert view.walk(("column-b", "published_at"), START, 2) == ([], False)
    # a position never read after (e.g. a crafted cursor) is unknown
    assert view.walk(lst, (25, "q"), 2) == ([], False)


def test_an_empty_list_is_known_to_be_empty() -> None:
    view = TenantView(generation=1, max_docs=100)
    view.learn("l", START, [], 3)
    assert view.walk("l", START, 3) == ([], True)


def test_the_oldest_documents_go_and_links_start_again_empty_at_their_bounds() -> None:
    view = TenantView(generation=1, max_docs=3)
    view.put("story", [Doc("a"), Doc("b")])
    assert view.get("story", "a") == Doc("a") and view.get("asset", "a") is None
    view.put("story", [Doc("c"), Doc("d")])  # 4 > 3: the oldest goes
    assert view.get("story", "a") is None
    assert [view.get("story", i) for i in "bcd"] == [Doc("b"), Doc("c"), Doc("d")]
    built = [view.node("n", Doc(i), lambda d: [d.id]) for i in "abcd"]
    assert view.node("n", Doc("d"), lambda d: ["again"]) is not built[3]  # another document
    d = Doc("e")
    first = view.node("n", d, lambda d: [d.id])
    assert view.node("n", d, lambda d: ["again"]) is first  # built once per document
    assert len(view.nodes) == 3
    view.learn("l", START, [(i, str(i)) for i in range(11)], 20)  # 13 links > 3 * 4
    assert view.walk("l", START, 2) == ([(0, "0"), (1, "1")], False)
    view.learn("m", START, [(1, "x")], 2)  # 13 + 3 > 12: the older links go
    assert view.walk("l", START, 2) == ([], False)
    assert view.walk("m", START, 5) == ([(1, "x")], True)


def test_documents_and_what_is_built_from_them_are_bounded_by_estimated_bytes() -> None:
    assert doc_bytes(Doc("a")) == DOC_OVERHEAD_BYTES
    long = Story("long", "正" * 100_000)
    assert doc_bytes(long) == DOC_OVERHEAD_BYTES + BODY_CHAR_BYTES * 100_000
    view = TenantView(generation=1, max_docs=1_000, max_bytes=4 * DOC_OVERHEAD_BYTES)
    view.put("asset", [Doc(i) for i in "abcd"])  # 4 estimates: at the bound, all kept
    assert [view.get("asset", i) for i in "abcd"] == [Doc(i) for i in "abcd"]
    view.put("story", [Story("s", "短")])  # past it: the oldest goes
    assert view.get("asset", "a") is None and view.get("story", "s") is not None
    view.put("story", [long])  # a body alone past the bound: only it stays (it is in use)
    assert list(view.docs) == [("story", "long")]
    assert view.docs_bytes == doc_bytes(long)
    view.put("story", [Story("long", "")])  # the same document again: counted once
    assert view.docs_bytes == DOC_OVERHEAD_BYTES
    # the objects built keep their documents alive: bounded the same way
    built = [view.node("n", Doc(i), lambda d: [d.id]) for i in "abcde"]
    assert len(view.nodes) == 4 and ("n", "a") not in view.nodes
    assert view.nodes_bytes == 4 * DOC_OVERHEAD_BYTES
    view.node("n", long, lambda d: [d.id])
    assert list(view.nodes) == [("n", "long")] and view.nodes_bytes == doc_bytes(long)
    assert all(view.completions(b) is None for b in built)  # their kept selections went too


def test_a_new_generation_starts_an_empty_view_and_older_readers_file_nowhere() -> None:
    known: dict[str, int] = {}
    cache = PublishedCache(known.get, max_docs=10)
    assert cache.for_tenant("c") is None  # the generation is not known yet: nothing kept
    known["c"] = 1
    view = cache.for_tenant("c")
    assert view is not None and cache.for_tenant("c") is view
    assert cache.for_tenant("other") is None
    # a reader noted `view`, then the generation moved on while it read the store
    known["c"] = 2
    cache.forget_tenant("c")
    view.put("story", [Doc("stale")])
    fresh = cache.for_tenant("c")
    assert fresh is not None and fresh is not view and fresh.generation == 2
    assert fresh.get("story", "stale") is None
    # without the listener's call too: a view of an older generation is not handed out
    known["c"] = 3
    newest = cache.for_tenant("c")
    assert newest is not None and newest.generation == 3 and newest is not fresh


def test_no_documents_allowed_means_no_view() -> None:
    cache = PublishedCache({"c": 1}.get, max_docs=0)
    assert cache.for_tenant("c") is None
