"""The plain StoryInput a channel renders from, built from a revision's StoryContent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ronghub_sdk import Asset, Place, Source, StoryInput

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
    """A revision as plugins see it (plain values, no pydantic). `metadata` defaults to the
    revision's own; channels get it with the approval's facts from
    hub/distribution/render_input.py, the one builder of a channel's render input."""
    src = content.source
    loc = content.location
    return StoryInput(
        tenant=tenant,
        story_id=story_id,
        revision_id=revision_id,
        revision_number=revision_number,
        title=content.title,
        subtitle=content.subtitle,
        summary=content.summary,
        body=content.body,
        body_text=content.body_text,
        type=str(content.type),
        column_id=content.column_id,
        tags=tuple(content.tags),
        cover_asset_id=content.cover_asset_id,
        asset_ids=tuple(content.asset_ids),
        assets=tuple(assets),
        byline=content.byline,
        source=Source(
            source_name=src.source_name,
            original_author=src.original_author,
            original_title=src.original_title,
            responsible_editor=src.responsible_editor,
            reprint=src.reprint,
        ),
        language=content.language,
        location=Place(loc.name, loc.latitude, loc.longitude) if loc else None,
        approved_at_ms=approved_at_ms,
        approved_by=approved_by,
        metadata=dict(content.metadata if metadata is None else metadata),
    )
