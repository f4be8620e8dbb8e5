"""The review queue: the stories waiting at a stage the caller may sign."""

from __future__ import annotations

import structlog

from hub.domain.story import StoryStatus
from hub.store import cursor as cursors
from hub.store.coalesce import find_shared
from hub.store.documents import StoryDoc
from hub.store.scope import Scope
from hub.workflow.review import may_sign_next
from hub.workflow.rounds import (
    ReviewRoundDoc,
    current_from,
    review_roles,
    to_domain,
)

log = structlog.get_logger(__name__)


async def review_queue(scope: Scope, limit: int = 200) -> list[ReviewRoundDoc]:
    """Stories waiting at a stage the caller may sign (and has not signed in this round)."""
    roles = review_roles(scope.principal)
    # `$eq` equalities: the embedded store serves them from the (tenant, status, …) index;
    # plain ones made it test every story of the tenant (hub/store/cursor.py)
    # one find for the reviewers asking at once (hub/store/coalesce.py `find_shared`)
    stories: list[StoryDoc] = await find_shared(
        StoryDoc,
        {"tenant": cursors.eq(scope.tenant), "status": cursors.eq(StoryStatus.IN_REVIEW.value)},
        [],
        limit,
    )
    # the stories' rounds in one read, not one per story
    stored = (
        {
            d.id: d
            for d in await ReviewRoundDoc.find(
                {"tenant": scope.tenant, "_id": {"$in": [s.id for s in stories]}}
            ).to_list()
        }
        if stories
        else {}
    )
    out = []
    for story in stories:
        rnd = await current_from(scope.tenant, story.id, story, stored.get(story.id))
        if rnd is not None and may_sign_next(to_domain(rnd), scope.actor or "", roles):
            out.append(rnd)
    return out
