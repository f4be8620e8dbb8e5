"""`ronghub worker`: a worker process of its own."""

from __future__ import annotations

import asyncio
import signal
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from hub.distribution.wiring import build_distribution
from hub.embedded.store import running_store_uri
from hub.jobs import doorbell
from hub.jobs.service import running_worker
from hub.logging import configure_logging
from hub.search.service import SearchService, build_engine
from hub.settings import Settings
from hub.store.tally import tallying
from hub.wenzheng import deadlines as wenzheng_deadlines
from hub.wenzheng.clock import clock_for
from hub.wiring import builtin_consumers, connect, consumers_elsewhere

console = Console(stderr=True)


def run_worker_process(settings: Settings) -> int:
    configure_logging(settings)
    uri = settings.mongodb_uri or running_store_uri(settings.store_dir)
    if uri is None:
        console.print(
            "没有可用的数据库:请先用 `ronghub serve` 启动 hub,或设置 RONGHUB_MONGODB_URI。\n"
            "No store to work on: start the hub with `ronghub serve` on the same RONGHUB_DATA_DIR, "
            "or set RONGHUB_MONGODB_URI."
        )
        return 2
    asyncio.run(_work(settings, uri))
    return 0


async def _work(settings: Settings, uri: str) -> None:
    # store commands counted for a benchmark when RONGHUB_STORE_COMMAND_TALLY is set
    with tallying(settings.store_command_tally) as counted:
        database = await connect(
            uri, settings.mongodb_db, counted, timeout_s=settings.store_timeout_seconds
        )
        await _work_on(settings, database)


async def _work_on(settings: Settings, database: Any) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    state = WorkerState(
        settings=settings,
        database=database,
        distribution=build_distribution(settings),
        wenzheng_clock=clock_for(settings.wenzheng_clock_file),
    )
    if settings.meili_url:
        # Meilisearch takes writes from any process; the embedded tantivy index has one
        # writer, the API process, whose in-process worker then does the indexing.
        state.search = SearchService(build_engine(settings))
        await state.search.start()
    else:
        console.print(
            "提示:内嵌搜索引擎只在 API 进程中更新索引。/ Note: with the embedded search engine the index "
            "is updated by the API process's in-process worker; use Meilisearch to index from workers."
        )
    bells = doorbell.folder_of(settings.data_dir)
    try:
        async with (
            doorbell.ringing(bells),
            running_worker(
                builtin_consumers(state), relay_also=consumers_elsewhere(state), doorbells=bells
            ) as worker,
        ):
            console.print(
                f"worker {worker.owner} 已启动 / started: {', '.join(c.name for c in worker.consumers)}"
            )
            async with wenzheng_deadlines.following(state.wenzheng_clock):
                await stop.wait()
    finally:
        await state.distribution.aclose()
        if state.search is not None:
            await state.search.close()
        await database.close()


@dataclass
class WorkerState:
    """What a worker process's consumers need (the API process uses its app state)."""

    settings: Settings
    database: Any
    distribution: Any
    search: Any = None
    wenzheng_clock: Any = None  # 问政 deadlines' clock (None: the wall clock)
