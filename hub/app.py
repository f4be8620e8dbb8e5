"""create_app(settings) -> Litestar: the one place where the hub is wired together."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from pymongo.monitoring import CommandListener

from hub import __version__, heap
from hub.console.routes import console_routes
from hub.distribution.wiring import build_distribution
from hub.errors import HubError
from hub.events import bus
from hub.graphql.persisted import PersistedDocuments
from hub.graphql.schema import build_schema
from hub.identity import oauth, oidc
from hub.identity.state import running as auth_running
from hub.jobs import doorbell
from hub.jobs.service import running_worker
from hub.logging import configure_logging
from hub.reach.reads import ReadCounter
from hub.readcache import Generations, ResponseCache, polling
from hub.rest import assets, graphql, graphql_ws, health, home, preview
from hub.rest import feeds as feeds_rest
from hub.rest import media as media_rest
from hub.rest import reach as reach_rest
from hub.rest import wenzheng as wenzheng_rest
from hub.rest.allow import AllowHeaders
from hub.rest.assets import LocalScalar
from hub.rest.jsonbody import HubRequest
from hub.rest.openapi_docs import finish_openapi
from hub.rest.responses import http_error_handler, hub_error_handler, internal_error_handler
from hub.search.rebuild import start_rebuild
from hub.search.service import SearchService, build_engine
from hub.search.service import install as install_search
from hub.settings import Settings
from hub.shutdown import BACKGROUND_SECONDS, cancel_and_wait, stopping_within
from hub.store import idempotency
from hub.store.catalog import ColumnCache
from hub.store.published import PublishedCache
from hub.store.tally import tallying
from hub.wenzheng import deadlines as wenzheng_deadlines
from hub.wenzheng.clock import clock_for
from hub.wenzheng.limits import IntakeLimiter
from hub.wiring import builtin_consumers, connect


async def _cut_off_at(database: Any, at: float) -> None:
    """At event-loop time `at`, close the store client: calls still waiting end at once
    (PyMongo raises InvalidOperation within its 0.5 s selection step) instead of after
    the store timeout; nothing is sent to a store that may be away."""
    await asyncio.sleep(max(0.0, at - asyncio.get_running_loop().time()))
    await database.close(wait_for_store=False)


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Ronghub (融汇)",
        version=__version__,
        description="The content hub for converged media centers. GraphQL at /graphql; "
        "operations endpoints; partner feeds and uploads as they are added.",
        path="/schema",
        render_plugins=[LocalScalar()],
    )


def create_app(
    settings: Settings | None = None,
    command_listeners: list[CommandListener] | None = None,
    store: Any = None,
    search_writer: bool = True,
) -> Litestar:
    """The hub; `store` is the embedded store's supervisor (hub/embedded/supervisor.py) when
    this process runs one (or its view in an API worker, hub/siblings.py): /readyz and
    /healthz report its state. Without `search_writer` the embedded search index is
    followed, not written (an API worker other than the primary one, hub/workers.py)."""
    settings = settings or Settings()
    configure_logging(settings)
    if not settings.mongodb_uri:
        raise RuntimeError(
            "RONGHUB_MONGODB_URI is not set: start the hub with `ronghub serve` (which starts "
            "the embedded store) or point it at a MongoDB server."
        )
    uri = settings.mongodb_uri
    generations = Generations()
    bus.configure(settings.events_poll_seconds, settings.events_retention_seconds)
    idempotency.configure(settings.idempotency_key_retention_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # store commands counted for a benchmark when RONGHUB_STORE_COMMAND_TALLY is set
        tally = contextlib.ExitStack()
        counted = tally.enter_context(tallying(settings.store_command_tally))
        try:
            database = await connect(
                uri,
                settings.mongodb_db,
                [*(command_listeners or []), *counted],
                settings.store_timeout_seconds,
            )
        except BaseException:
            tally.close()
            raise
        app.state.database = database
        search = SearchService(build_engine(settings, writer=search_writer))
        await search.start()
        app.state.search = search
        install_search(search)
        # an index of an older schema version is rebuilt from the store in the background
        rebuild = start_rebuild(search.engine, search.reindex)
        cutoff: asyncio.Task[None] | None = None
        stopping = contextlib.ExitStack()
        try:
            async with contextlib.AsyncExitStack() as stack:
                await stack.enter_async_context(
                    polling(generations, settings.read_cache_poll_seconds)
                )
                # what the collector froze while serving is walked again now and then
                await stack.enter_async_context(heap.sweeping())
                app.state.auth = await stack.enter_async_context(auth_running(settings))
                await stack.enter_async_context(
                    app.state.read_counter.running(settings.reach_flush_seconds)
                )
                # work made here (an approval's events, a job) wakes the workers of the
                # other processes on this host at once (hub/jobs/doorbell.py)
                bells = doorbell.folder_of(settings.data_dir)
                await stack.enter_async_context(doorbell.ringing(bells))
                if settings.worker_in_process:
                    await stack.enter_async_context(
                        running_worker(builtin_consumers(app.state), doorbells=bells)
                    )
                    await stack.enter_async_context(
                        wenzheng_deadlines.following(app.state.wenzheng_clock)
                    )
                yield
                # Shutting down (the requests have had their grace): the background work
                # below ends within one BACKGROUND_SECONDS (hub/shutdown.py). Its first half
                # lets a job in progress finish; then the store client is closed, so calls
                # still waiting on a store that is away end at once, not after the store
                # timeout; then what still runs is cancelled until the deadline.
                cut_at, _ = stopping.enter_context(stopping_within(BACKGROUND_SECONDS))
                cutoff = asyncio.create_task(_cut_off_at(database, cut_at))
        finally:
            with stopping:
                if rebuild is not None:
                    await cancel_and_wait(rebuild)
                if cutoff is not None:
                    await cancel_and_wait(cutoff)
                await app.state.distribution.aclose()
                install_search(None)
                await search.close()
                await database.close(wait_for_store=False)
                tally.close()

    allow = AllowHeaders()
    app = Litestar(
        route_handlers=[
            home.home,
            graphql.graphql_post,
            graphql.graphql_get,
            graphql_ws.graphql_ws,
            health.healthz,
            health.readyz,
            health.metrics,
            *media_rest.ROUTES,
            oauth.token,
            oauth.revoke,
            oauth.jwks,
            oidc.oidc_login,
            oidc.oidc_callback,
            *feeds_rest.ROUTES,  # feeds
            *wenzheng_rest.ROUTES,  # 问政: figures as CSV / XLSX
            assets.router(),  # GraphiQL's and the OpenAPI page's assets, served locally
            *(console_routes() if settings.console_enabled else []),
            preview.preview_page,  # shared draft previews
            *reach_rest.ROUTES,
        ],  # 传播效果 and 绩效: beacon, exports, charts
        lifespan=[lifespan],
        before_send=[allow],
        state=_state(settings, generations, store),
        exception_handlers={
            HubError: hub_error_handler,
            HTTPException: http_error_handler,
            Exception: internal_error_handler,
        },
        request_max_body_size=settings.max_request_bytes,
        request_class=HubRequest,  # REST JSON bodies: nesting-bounded
        openapi_config=openapi_config(),
        cors_config=cors_config(settings),
        debug=False,
    )
    allow.learn(app)
    finish_openapi(app.openapi_schema)  # built now, before /schema first serves it
    # the fast path answers before any middleware would run: with CORS on, requests with
    # an Origin header go through litestar's CORS middleware instead
    app.asgi_handler = graphql.CachedReads(
        app.asgi_handler,
        app.state.response_cache,
        settings,
        cross_origin=app.cors_config is not None,
        counter=app.state.read_counter,
    )
    return app


def cors_config(settings: Settings) -> CORSConfig | None:
    """CORS for the allowed origins of settings (none: no CORS headers at all)."""
    if not settings.cors_allow_origins:
        return None
    return CORSConfig(
        allow_origins=list(settings.cors_allow_origins),
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["authorization", "content-type", "if-none-match"],
        expose_headers=["etag", "retry-after"],
        allow_credentials=settings.cors_allow_credentials,
        max_age=settings.cors_max_age_seconds,
    )


def _state(settings: Settings, generations: Generations, store: Any) -> Any:
    from litestar.datastructures import State

    column_cache = ColumnCache()
    generations.on_advance.append(column_cache.forget_tenant)
    published_cache = PublishedCache(
        generations.get,
        settings.read_model_cache_documents,
        settings.read_model_cache_bytes,
    )
    generations.on_advance.append(published_cache.forget_tenant)

    return State(
        {
            "settings": settings,
            "store_supervisor": store,
            # publishing in this process advances this process's cache generation at once
            "distribution": build_distribution(settings, on_read_model_change=generations.advance),
            "schema": build_schema(settings),
            "response_cache": ResponseCache(generations, settings.read_cache_entries),
            "persisted": PersistedDocuments(
                settings.graphql_trusted_documents, settings.graphql_apq_entries
            ),
            # 传播效果: the app's anonymous reads, buffered and flushed (hub/reach/reads.py)
            "read_counter": ReadCounter(
                enabled=settings.reach_count_reads, remembered=settings.read_cache_entries
            ),
            "column_cache": column_cache,
            "published_cache": published_cache,
            # 问政: its clock (deadlines, reminders; tests put a manual one here) and intake limits
            "wenzheng_clock": clock_for(settings.wenzheng_clock_file),
            "wenzheng_limiter": IntakeLimiter(
                settings.wenzheng_rate_limit_client, settings.wenzheng_rate_limit_contact
            ),
        }
    )
