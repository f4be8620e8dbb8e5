"""create_app(settings) -> Litestar: the one place where the hub is wired together."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from litestar import Litestar
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from pymongo.monitoring import CommandListener

from hub import __version__
from hub.auth import oauth, oidc
from hub.auth.state import running as auth_running
from hub.errors import HubError
from hub.graphql.schema import build_schema
from hub.logging import configure_logging
from hub.readcache import Generations, ResponseCache, polling
from hub.rest import graphql, health
from hub.rest.responses import http_error_handler, hub_error_handler, internal_error_handler
from hub.settings import Settings
from hub.store.database import connect

READ_MODEL_POLL_SECONDS = 1.0


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Ronghub (融汇)",
        version=__version__,
        description="The content hub for converged media centers. GraphQL at /graphql; "
        "operations endpoints; partner feeds and uploads as they are added.",
        path="/schema",
        render_plugins=[ScalarRenderPlugin()],
    )


def create_app(settings: Settings | None = None, command_listeners: list[CommandListener] | None = None) -> Litestar:
    settings = settings or Settings()
    configure_logging(settings)
    if not settings.mongodb_uri:
        raise RuntimeError(
            "RONGHUB_MONGODB_URI is not set: start the hub with `ronghub serve` (which starts "
            "the embedded store) or point it at a MongoDB server."
        )
    uri = settings.mongodb_uri
    generations = Generations()

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        database = await connect(uri, settings.mongodb_db, command_listeners)
        app.state.database = database
        try:
            async with polling(generations, READ_MODEL_POLL_SECONDS), auth_running(settings) as auth:
                app.state.auth = auth
                yield
        finally:
            await database.close()

    return Litestar(
        route_handlers=[graphql.graphql_post, graphql.graphql_get, health.healthz, health.readyz, health.metrics,
                        oauth.token, oauth.revoke, oauth.jwks, oidc.oidc_login, oidc.oidc_callback],
        lifespan=[lifespan],
        state=_state(settings, generations),
        exception_handlers={
            HubError: hub_error_handler,
            HTTPException: http_error_handler,
            Exception: internal_error_handler,
        },
        request_max_body_size=settings.max_request_bytes,
        openapi_config=openapi_config(),
        debug=False,
    )


def _state(settings: Settings, generations: Generations) -> Any:
    from litestar.datastructures import State

    return State(
        {
            "settings": settings,
            "schema": build_schema(settings),
            "response_cache": ResponseCache(generations, settings.read_cache_entries),
        }
    )
