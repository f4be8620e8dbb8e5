"""Rebuilding the search index after its schema changed, without an operator.

An engine whose index is of an older schema version (tantivy: a `tantivy-vN` directory
of another N beside the current one) says `needs_rebuild`. The hub then reindexes
every stored story in the background once it has started (search answers from the
partly built index meanwhile, as during `ronghub reindex --clear`), and only when that
finished removes the old index. A rebuild cut short is done again at the next start.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

from hub.search.port import SearchEngine

log = structlog.get_logger(__name__)


async def rebuild_if_needed(
    engine: SearchEngine, reindex: Callable[[], Awaitable[int]]
) -> int | None:
    """Reindex and forget the old index if the engine needs it; how many stories, or None."""
    if not getattr(engine, "needs_rebuild", False):
        return None
    log.info("search.rebuild.started", engine=engine.name)
    count = await reindex()
    forget = getattr(engine, "forget_stale", None)
    if forget is not None:
        await forget()
    log.info("search.rebuild.finished", engine=engine.name, stories=count)
    return count


def start_rebuild(
    engine: SearchEngine, reindex: Callable[[], Awaitable[int]]
) -> asyncio.Task[int | None] | None:
    """The rebuild as a background task (None if not needed); the caller cancels it on shutdown."""
    if not getattr(engine, "needs_rebuild", False):
        return None

    async def run() -> int | None:
        try:
            return await rebuild_if_needed(engine, reindex)
        except asyncio.CancelledError:
            raise
        except Exception:  # logged; the marker stays, so the next start tries again
            log.exception("search.rebuild.failed", engine=engine.name)
            return None

    return asyncio.create_task(run(), name="search-rebuild")
