"""The plain StoryInput a channel renders from, built from a revision's StoryContent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ronghub_sdk import Asset, Place, Source, StoryInput

from hub.domain.html import with_asset_urls
from hub.domain.plaintext import readable, readable_values
from hub.domain.story import StoryContent


def story_input(
    content: StoryContent,
    *,
    tenant: str,
    story_id: str,
    revision_id: str,
    revision_number: int = 1,
    approved_at_ms: int = 0,
    approved_by: str | None = None,
    assets: Sequence[Asset] = (),
    metadata: Mapping[str, Any] | None = None,
) -> StoryInput:
    """A revision as plugins see it (plain values, no pydantic). Plain texts stored before
    the plain-text rule reach channels without their script markup. `metadata` defaults to the
    revision's own; channels get it with the approval's facts from
    hub/distribution/render_input.py, the one builder of a channel's render input. Library
    pictures in the body point at their asset's URL as signed for this render."""
    src = content.source
    loc = content.location
    return StoryInput(
        tenant=tenant,
        story_id=story_id,
        revision_id=revision_id,
        revision_number=revision_number,
        title=readable(content.title),
        subtitle=readable(content.subtitle),
        summary=readable(content.summary),
        body=with_asset_urls(content.body, {a.id: a.url for a in assets}),
        body_text=content.body_text,
        type=str(content.type),
        column_id=content.column_id,
        tags=tuple(readable(t) for t in content.tags),
        cover_asset_id=content.cover_asset_id,
        asset_ids=tuple(content.asset_ids),
        assets=tuple(assets),
        byline=readable(content.byline),
        source=Source(
            source_name=readable(src.source_name),
            original_author=readable(src.original_author),
            original_title=readable(src.original_title),
            responsible_editor=readable(src.responsible_editor),
            reprint=src.reprint,
        ),
        language=content.language,
        location=Place(readable(loc.name), loc.latitude, loc.longitude) if loc else None,
        approved_at_ms=approved_at_ms,
        approved_by=approved_by,
        metadata=readable_values(dict(content.metadata if metadata is None else metadata)),
    )
