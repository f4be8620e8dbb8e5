"""The published read model, remembered in the process (issue 15): documents and order.

A column page after a cursor misses the response cache (hub/readcache.py) by nature:
every cursor is a new request. Yet its stories were mostly read a moment ago by the
neighbouring pages. So the anonymous reads of the published read model keep, per tenant
and per read-model generation,

- the documents they read (published stories and the assets they show), by id, and
- the order they learnt: for a list (its filter and order key), which position comes
  right after which ("links"). A store page of `limit` after position p that returned
  d1..dk says p → d1 → … → dk, and, when k < limit, that dk is the last.

A page after a cursor then walks the links from the cursor's position; when every
step and every document is known it needs no store at all, and when the walk breaks
off the store is asked only for the rest, from where it broke off.

Correctness, across processes too: everything here is tagged with the tenant's
read-model generation, the counter every change to published content advances
(hub/stories.py `bump_read_model`): this process learns of its own changes at once
and of other processes' within the read cache's poll, exactly as the response cache,
whose entries hold the same content. A reader notes the generation before it reads
the store (`for_tenant`) and files what it read under that generation only: a read
that raced a change files under an old generation, which is dropped. Only anonymous
reads (published content only) use it. Bounded (settings) by documents and by bytes:
past either limit the oldest documents (and the objects built from them) go, and the
links start again empty. The bytes are an estimate (`doc_bytes`): a document with what is
built from it (its GraphQL object, an edge, completed selections, its cover's share)
took some 9-11 KB in an API process (measured at 10,000 stories: RSS growth per document
kept), most of it objects of a fixed size, plus its body's text.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

#: A position in a list: (order key value, id), in descending order.
Position = tuple[Any, str]
#: The list's start (a page without a cursor reads after it).
START: Position = (None, "")
#: Marks the last position of a list.
END: Position = (None, "\uffff")
#: Links are small (two tuples): a view keeps this many per document it may keep.
LINKS_PER_DOC = 4
#: Completed selections kept per built object (hub/graphql/memo.py).
SHAPES_PER_NODE = 4
#: Estimated bytes a kept document and what is built from it take beside its body's text.
DOC_OVERHEAD_BYTES = 8 * 1024
#: Estimated bytes per character of a body kept (CPython keeps CJK text in 2 bytes a char).
BODY_CHAR_BYTES = 2


def doc_bytes(doc: Any) -> int:
    """The estimated memory of keeping `doc` with what is built from it (see the module doc)."""
    body = getattr(doc, "body", None)
    return DOC_OVERHEAD_BYTES + (BODY_CHAR_BYTES * len(body) if isinstance(body, str) else 0)


@dataclass
class TenantView:
    """One tenant's remembered read model at one generation."""

    generation: int
    max_docs: int
    max_bytes: int | None = None  # estimated (`doc_bytes`); None: by documents only
    # (kind, id) -> document, oldest first (the oldest go when full)
    docs: OrderedDict[tuple[str, str], Any] = field(default_factory=OrderedDict)
    links: dict[tuple[Hashable, Position], Position] = field(default_factory=dict)
    # (kind, id) -> (document, what `node` built from it): the GraphQL objects of a
    # document, built once per document read (read-only, shared by the requests)
    nodes: OrderedDict[tuple[str, str], tuple[Any, Any]] = field(default_factory=OrderedDict)
    # id(an object in `nodes`) -> its completed GraphQL selections, by their shape
    # (hub/graphql/memo.py): kept as long as the object is in `nodes`
    completed: dict[int, dict[Hashable, Any]] = field(default_factory=dict)
    # id(an object in `nodes`) -> the objects built with it (a story's edges), by key:
    # they go with it
    companions: dict[int, dict[Hashable, Any]] = field(default_factory=dict)
    # estimated bytes of `docs` and of the documents `nodes` hold (they keep them alive)
    docs_bytes: int = 0
    nodes_bytes: int = 0

    def get(self, kind: str, doc_id: str) -> Any:
        return self.docs.get((kind, doc_id))

    def put(self, kind: str, docs: Iterable[Any]) -> None:
        for d in docs:
            key = (kind, d.id)
            before = self.docs.get(key)
            if before is not None:
                self.docs_bytes -= doc_bytes(before)
            self.docs[key] = d
            self.docs_bytes += doc_bytes(d)
        while len(self.docs) > self.max_docs or self._over(self.docs_bytes, len(self.docs)):
            _, gone = self.docs.popitem(last=False)
            self.docs_bytes -= doc_bytes(gone)

    def _over(self, used: int, entries: int) -> bool:
        """Past the byte bound (an entry is always kept: the one just read is in use)."""
        return self.max_bytes is not None and used > self.max_bytes and entries > 1

    def node(self, kind: str, doc: Any, build: Callable[[Any], T]) -> T:
        """`build(doc)`, built once for this very document (read-only: it is shared)."""
        key = (kind, doc.id)
        known = self.nodes.get(key)
        if known is not None and known[0] is doc:
            return known[1]
        if known is not None:
            self._forget(known[1])
            self.nodes_bytes -= doc_bytes(known[0])
        built = build(doc)
        self.nodes[key] = (doc, built)
        self.nodes_bytes += doc_bytes(doc)
        self.completed[id(built)] = {}
        while len(self.nodes) > self.max_docs or self._over(self.nodes_bytes, len(self.nodes)):
            _, (gone_doc, gone) = self.nodes.popitem(last=False)
            self.nodes_bytes -= doc_bytes(gone_doc)
            self._forget(gone)
        return built

    def companion(self, owner: Any, key: Hashable, build: Callable[[], T]) -> T:
        """`build()`, built once per `key` for `owner`, an object `node` built (read-only,
        shared, and gone with it); built afresh each time for any other owner."""
        mine = self.companions.get(id(owner))
        if mine is None:
            if id(owner) not in self.completed:
                return build()
            mine = self.companions[id(owner)] = {}
        known = mine.get(key)
        if known is None:
            known = mine[key] = build()
            self.completed[id(known)] = {}
        return known

    def _forget(self, built: Any) -> None:
        self.completed.pop(id(built), None)
        for companion in self.companions.pop(id(built), {}).values():
            self.completed.pop(id(companion), None)

    def completions(self, built: Any) -> dict[Hashable, Any] | None:
        """The completed selections kept for `built`, an object `node` or `companion` built
        (None: it is not one, so nothing may be kept for it)."""
        return self.completed.get(id(built))

    def keep_completed(self, built: Any, shape: Hashable, value: Any) -> None:
        """Keep `value`, the completion of `built` for `shape` (read-only: it is shared);
        a few shapes per object at most (a client inventing selections only replaces them)."""
        kept = self.completed.get(id(built))
        if kept is not None:
            if len(kept) >= SHAPES_PER_NODE:
                kept.clear()
            kept[shape] = value

    def walk(self, lst: Hashable, after: Position, limit: int) -> tuple[list[Position], bool]:
        """Up to `limit` known positions after `after` in `lst`, and whether the list is
        known to end there (True: nothing more after them)."""
        found: list[Position] = []
        at = after
        while len(found) < limit:
            nxt = self.links.get((lst, at))
            if nxt is None:
                return found, False
            if nxt == END:
                return found, True
            found.append(nxt)
            at = nxt
        return found, False

    def learn(self, lst: Hashable, after: Position, read: Sequence[Position], limit: int) -> None:
        """A store read of up to `limit` positions right after `after` returned `read`."""
        chain = [after, *read]
        if len(read) < limit:
            chain.append(END)
        if len(self.links) + len(chain) > self.max_docs * LINKS_PER_DOC:
            self.links.clear()
        for a, b in itertools.pairwise(chain):
            self.links[(lst, a)] = b


class PublishedCache:
    """Every tenant's `TenantView` at its current generation (see the module doc)."""

    def __init__(
        self,
        generation_of: Callable[[str], int | None],
        max_docs: int = 20_000,
        max_bytes: int | None = None,
    ) -> None:
        self.generation_of = generation_of  # the read cache's Generations.get
        self.max_docs = max_docs
        self.max_bytes = max_bytes
        self._views: dict[str, TenantView] = {}

    def for_tenant(self, tenant: str) -> TenantView | None:
        """The tenant's view at the generation known now (None: not known yet, or caching
        off); note it before reading the store and file what was read in it."""
        generation = self.generation_of(tenant)
        if generation is None or self.max_docs <= 0:
            return None
        view = self._views.get(tenant)
        if view is None or view.generation != generation:
            if view is not None and view.generation > generation:
                return None  # generations only grow: a late, older reader files nothing
            view = self._views[tenant] = TenantView(generation, self.max_docs, self.max_bytes)
        return view

    def forget_tenant(self, tenant: str) -> None:
        """Published content of `tenant` changed (the generation moved on)."""
        self._views.pop(tenant, None)
