"""GraphQL subscriptions: live newsroom state (locks, comments, assignments, review queue).

Served over websockets with graphql-transport-ws (`hub/rest/graphql_ws.py`). Each
event is of the caller's center only (the bus listens per tenant). Subscribing needs
tenant-wide draft access (newsroom staff); correspondents, 融媒号 operators limited to
their accounts, partners and anonymous callers are refused.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from hub.domain.permissions import Action, Reach, story_visibility
from hub.events import bus
from hub.graphql.context import Context
from hub.graphql.types import ms_to_dt
from hub.identity.policy import authorize, refusal


@strawberry.enum(description="订阅主题")
class NewsroomTopic(Enum):
    STORY_LOCK = "story_lock"
    ASSIGNMENT = "assignment"
    REVIEW_QUEUE = "review_queue"
    STORY = "story"
    COMMENT = "comment"
    WENZHENG = "wenzheng"  # 问政: reminders and escalations


@strawberry.type(name="NewsroomEvent", description="a live newsroom event of the caller's center")
class NewsroomEventType:
    topic: str
    kind: str = strawberry.field(
        description="e.g. lock.acquired, lock.taken_over, comment.created, proof.completed"
    )
    subject_id: strawberry.ID = strawberry.field(
        description="the story, assignment … the event is about"
    )
    actor: str | None
    at: datetime
    seq: int = strawberry.field(description="the center's event number (increasing)")
    data: JSON

    @staticmethod
    def from_bus(event: bus.NewsroomEvent) -> NewsroomEventType:
        return NewsroomEventType(
            topic=event.topic,
            kind=event.kind,
            subject_id=strawberry.ID(event.subject_id),
            actor=event.actor,
            at=ms_to_dt(event.at),
            seq=event.seq,
            data=dict(event.data),  # type: ignore[arg-type]
        )


@strawberry.type
class NewsroomSubscription:
    @strawberry.subscription(
        description="实时动态: events of the given topics (all when omitted) as they happen"
    )
    async def newsroom_events(
        self,
        info: Info[Context, None],
        topics: list[NewsroomTopic] | None = None,
        after: Annotated[
            int | None,
            strawberry.argument(
                description="resume after this `seq` (the last one seen before a reconnect)"
            ),
        ] = None,
    ) -> AsyncGenerator[NewsroomEventType, None]:
        scope = info.context.scope
        authorize(scope, Action.STORY_READ_DRAFT)
        if story_visibility(scope.principal).reach != Reach.ALL:
            raise refusal(scope, Action.STORY_READ_DRAFT)
        wanted = [t.value for t in topics] if topics else list(bus.TOPICS)
        async for event in bus.listen(scope.tenant, wanted, after):
            yield NewsroomEventType.from_bus(event)
