"""GET /preview/{token}: the page a shared preview link opens (hub/editing/preview_links.py).

A plain page of the draft as it is now: title, subtitle, byline, summary and the body
(sanitised HTML, as stored). Never cached, never indexed, and nothing on it runs
scripts or loads anything but images.
"""

from __future__ import annotations

import html
import time
from typing import Any

from litestar import Response, get
from litestar.datastructures import State
from litestar.openapi import ResponseSpec
from litestar.params import FromPath

from hub.editing import preview_links
from hub.errors import Codes, HubError
from hub.graphql.links import preview_key
from hub.rest.openapi_docs import ErrorResponse
from hub.store.documents import StoryDoc

HEADERS = {
    "cache-control": "private, no-store",
    "x-robots-tag": "noindex, nofollow",
    "referrer-policy": "no-referrer",  # the token is in the URL: never pass it on
    "content-security-policy": "default-src 'none'; img-src * data:; style-src 'unsafe-inline'",
}

_STYLE = (
    "body{max-width:42em;margin:2em auto;padding:0 1em;font-family:sans-serif;line-height:1.7}"
    ".note{background:#fff4d6;padding:.5em 1em;border-radius:4px}img{max-width:100%}"
)


def _error(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=ErrorResponse, description=description, generate_examples=False
    )


@get(
    "/preview/{token:str}",
    summary="A shared draft preview (稿件预览)",
    description="The page of a preview link made by createPreviewLink: the story's current draft, for "
    "whoever has the link, until it expires or is revoked.",
    tags=["graphql"],
    media_type="text/html",
    responses={
        403: _error("PREVIEW_LINK_INVALID"),
        404: _error("NOT_FOUND: the story was deleted"),
        410: _error("PREVIEW_LINK_EXPIRED: expired, or the story's links were revoked"),
    },
)
async def preview_page(state: State, token: FromPath[str]) -> Response[Any]:
    claim = preview_links.verify(preview_key(state.settings), token, time.time())
    await preview_links.check_not_revoked(claim)
    doc = await StoryDoc.find_one({"tenant": claim.tenant, "_id": claim.story_id})
    if doc is None:
        raise HubError(Codes.NOT_FOUND, what_zh="稿件", what_en="story", id=claim.story_id)
    content = doc.content()
    parts = [
        f'<!doctype html><html lang="{html.escape(content.language)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>预览:{html.escape(content.title)}</title><style>{_STYLE}</style></head><body>",
        '<p class="note">预览 / Preview: 尚未发布的稿件,请勿转发 (not published; do not pass on)</p>',
        f"<h1>{html.escape(content.title)}</h1>",
    ]
    if content.subtitle:
        parts.append(f"<h2>{html.escape(content.subtitle)}</h2>")
    if content.byline:
        parts.append(f"<p>{html.escape(content.byline)}</p>")
    if content.summary:
        parts.append(f"<p><em>{html.escape(content.summary)}</em></p>")
    parts.append(
        f"<article>{content.body}</article></body></html>"
    )  # sanitised on the way in (nh3)
    return Response("".join(parts), media_type="text/html; charset=utf-8", headers=HEADERS)
