"""`GET /`: a short page (or JSON) pointing at the hub's doors, instead of a 404."""

from __future__ import annotations

import html
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State

from hub import __version__

# (path, Chinese, English); GraphiQL only where development serves it
LINKS: list[tuple[str, str, str]] = [
    ("/console/", "编辑控制台", "Console"),
    ("/graphql", "GraphQL 接口(浏览器中为 GraphiQL)", "GraphQL endpoint (GraphiQL in a browser)"),
    ("/schema", "接口文档(OpenAPI 参考)", "API reference (OpenAPI)"),
    ("/schema/openapi.json", "OpenAPI 文档(JSON)", "OpenAPI document (JSON)"),
    ("/healthz", "存活检查", "Liveness"),
    ("/readyz", "就绪检查", "Readiness"),
]
# (file in the source tree, Chinese, English): one guide per kind of reader
GUIDES: list[tuple[str, str, str]] = [
    ("docs/frontend.md", "前端开发", "front-end teams"),
    ("docs/partners.md", "合作方", "partners"),
    ("docs/plugins.md", "渠道插件作者", "plugin authors"),
    ("docs/operations.md", "运维", "operators"),
]


def links(development: bool) -> list[dict[str, str]]:
    out = [{"href": href, "title_zh": zh, "title_en": en} for href, zh, en in LINKS]
    if not development:  # GraphiQL is a development aid; the endpoint itself stays
        out[1] = {"href": "/graphql", "title_zh": "GraphQL 接口", "title_en": "GraphQL endpoint"}
    return out


def render_page(development: bool) -> str:
    items = "\n".join(
        f'    <li><a href="{html.escape(link["href"])}">{html.escape(link["title_zh"])} / '
        f"{html.escape(link['title_en'])}</a> <code>{html.escape(link['href'])}</code></li>"
        for link in links(development)
    )
    guides = "; ".join(
        f"{html.escape(zh)} / {html.escape(en)} <code>{html.escape(path)}</code>"
        for path, zh, en in GUIDES
    )
    return f"""<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>融汇 Ronghub {__version__}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 44rem; margin: 2rem auto; line-height: 1.6">
  <h1>融汇 Ronghub {__version__}</h1>
  <p>融媒体中心内容中枢 / the content hub for converged media centers.</p>
  <ul>
{items}
  </ul>
  <p>使用指南(源码中)/ guides in the source tree: {guides}</p>
</body>
</html>
"""


@get("/", summary="The hub's front page", include_in_schema=False, sync_to_thread=False)
def home(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    """HTML for a browser; JSON (`links`) for a client that asks for it."""
    development = bool(state.settings.development)
    accept = request.headers.get("accept", "")
    if "application/json" in accept and "text/html" not in accept:
        guides = [{"path": path, "title_zh": zh, "title_en": en} for path, zh, en in GUIDES]
        return Response(
            {
                "name": "ronghub",
                "version": __version__,
                "links": links(development),
                "guides": guides,
            }
        )
    return Response(render_page(development), media_type="text/html")
