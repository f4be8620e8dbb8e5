"""`ronghub reindex`: rebuild the search index from the store, with a progress bar (the
command itself is in commands.py)."""

from __future__ import annotations

import asyncio
import time

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from hub.errors import HubError
from hub.search.service import SearchService, build_engine
from hub.settings import Settings
from hub.wiring import connect


async def reindex(
    settings: Settings, tenant: str | None, clear: bool, batch: int, console: Console
) -> int:
    """Index every stored story (of one tenant or all); returns how many."""
    assert settings.mongodb_uri
    database = await connect(settings.mongodb_uri, settings.mongodb_db)
    service = SearchService(build_engine(settings))
    try:
        await service.start()
        columns = (
            TextColumn("[bold]重建索引 / reindexing[/bold]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} 篇/s"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("reindex", total=None, rate="-")
            started = time.perf_counter()

            def report(done: int, total: int) -> None:
                rate = done / max(time.perf_counter() - started, 1e-6)
                progress.update(task, completed=done, total=total, rate=f"{rate:,.0f}")

            count = await service.reindex(tenant=tenant, batch=batch, clear=clear, progress=report)
        forget = getattr(service.engine, "forget_stale", None)
        if (
            tenant is None
            and getattr(service.engine, "needs_rebuild", False)
            and forget is not None
        ):
            await forget()  # every story is in the new index: the old version's is not needed
        return count
    finally:
        await service.close()
        await database.close()


def run_reindex(
    settings: Settings, tenant: str | None, clear: bool, batch: int, console: Console
) -> int:
    """The command's body: embedded store if needed, then reindex; returns an exit code."""
    from hub.runtime import command_store

    try:
        with command_store(settings) as ready:
            count = asyncio.run(reindex(ready, tenant, clear, batch, console))
    except HubError as err:  # e.g. SEARCH_INDEX_BUSY: the running hub holds the embedded index
        console.print(
            f"{err.code} {err.message_zh} / {err.message_en}", markup=False, highlight=False
        )
        return 1
    console.print(f"{count} 篇稿件已编入索引 / stories indexed")
    return 0
