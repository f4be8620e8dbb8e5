"""Local copies of the developer pages' browser assets, and those pages pointed at them.

GraphiQL (strawberry's page) and the OpenAPI page (Scalar) load React, GraphiQL and
Scalar from public CDNs by default; a center's intranet cannot reach them. The files are
vendored under hub/assets/vendor and served at /assets/vendor; the pages' URLs are
rewritten to those paths (the SRI hashes stay: the bytes are the same).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.router import Router
from litestar.static_files import create_static_files_router
from strawberry.http.ides import get_graphql_ide_html

VENDOR_DIR = Path(__file__).resolve().parent.parent / "assets" / "vendor"
VENDOR_PATH = "/assets/vendor"

_CDN = {
    "https://unpkg.com/react@18.2.0/umd/": f"{VENDOR_PATH}/react/",
    "https://unpkg.com/react-dom@18.2.0/umd/": f"{VENDOR_PATH}/react-dom/",
    "https://unpkg.com/js-cookie@3.0.5/dist/": f"{VENDOR_PATH}/js-cookie/",
    "https://unpkg.com/graphiql@3.8.3/": f"{VENDOR_PATH}/graphiql/",
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/": f"{VENDOR_PATH}/graphiql-plugin-explorer/",
}
_EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']https?://""")


@cache
def graphiql_html() -> str:
    """Strawberry's GraphiQL page with every asset served by the hub."""
    html = get_graphql_ide_html()
    for cdn, local in _CDN.items():
        html = html.replace(cdn, local)
    html = html.replace(" crossorigin\n", "\n")
    if _EXTERNAL.search(html):  # a strawberry upgrade moved its assets: vendor the new ones
        raise RuntimeError("GraphiQL page still loads an external asset; update hub/assets/vendor")
    return html


class LocalScalar(ScalarRenderPlugin):
    """Scalar from /assets/vendor, without its web fonts or Litestar's CDN stylesheet."""

    def __init__(self) -> None:
        super().__init__(
            js_url=f"{VENDOR_PATH}/scalar/standalone.js",
            css_url=f"{VENDOR_PATH}/scalar/litestar.css",
            options={"withDefaultFonts": False, "hideClientButton": True},
            favicon="",  # the default points at an external image
        )


def router() -> Router:
    return create_static_files_router(
        path=VENDOR_PATH,
        directories=[VENDOR_DIR],
        name="vendor",
        cache_control=CacheControlHeader(max_age=86_400, public=True),
        include_in_schema=False,
    )
