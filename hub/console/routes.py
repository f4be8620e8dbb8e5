"""Serving the console: its session doors and its static files at /console/.

The console is a small vanilla-JS single-page app shipped as static files (no build
step, no templates): the server gives it nothing but files and a cookie session, so
everything it shows comes through the public GraphQL API and media endpoints, as for
any other front-end. Its pages carry a Content-Security-Policy that lets them load and
connect to this hub only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Response
from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from hub.console import session

STATIC_DIR = Path(__file__).resolve().parent / "static"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def _secured(response: Response[Any]) -> Response[Any]:
    response.headers.update(SECURITY_HEADERS)
    return response


def console_routes() -> list[ControllerRouterHandler]:
    return [
        *session.ROUTES,
        create_static_files_router(
            path="/console/",
            directories=[STATIC_DIR],
            html_mode=True,
            name="console",
            after_request=_secured,
            cache_control=CacheControlHeader(
                no_cache=True
            ),  # revalidate: a new hub version ships new files
            include_in_schema=False,
        ),
    ]
