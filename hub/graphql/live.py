"""The public subscription for live stories (图文直播): `liveStory(id:)`.

Open to everyone, anonymous readers included (the websocket's `connection_init` may come
without a token): it follows the story's public copy only, the one the app shows, so an
edit reaches subscribers when it is approved and published, never before. The first
message is the story as published now; then one message each time the public copy
changes (a new approved revision of the live coverage, a correction), and `null` when it
is taken down. A story of another center, or one not published, gives `null` at once.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from hub.distribution.readmodel import LIVE_PUBLISHED, LIVE_UNPUBLISHED
from hub.events import bus
from hub.graphql.context import Context
from hub.graphql.types import Story
from hub.store.scope import Scope
from hub.store.stories import StoryRepository

_KINDS = frozenset({LIVE_PUBLISHED, LIVE_UNPUBLISHED})


@strawberry.type
class LiveSubscription:
    @strawberry.subscription(
        description=(
            "图文直播: the published story now, then again each time its public copy changes (an approved update "
            "or correction); null when it is not (or no longer) published. Anonymous readers may subscribe."
        )
    )
    async def live_story(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> AsyncGenerator[Story | None, None]:
        tenant = info.context.scope.tenant
        public = StoryRepository(Scope(tenant=tenant, actor=None, public_only=True))
        story_id = str(id)
        seen = await bus.head(tenant)  # events after this one reach us, even those before listening
        doc = await public.get(story_id)
        last = (doc.version, doc.content_hash) if doc else None
        yield Story.from_doc(doc) if doc else None
        async for event in bus.listen(tenant, ["story"], seen if seen >= 0 else None):
            if event.subject_id != story_id or event.kind not in _KINDS:
                continue
            doc = await public.get(story_id)
            now = (doc.version, doc.content_hash) if doc else None
            if now != last:
                last = now
                yield Story.from_doc(doc) if doc else None
