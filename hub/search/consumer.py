"""The search index's consumer of story changes on the jobs queue."""

from __future__ import annotations

from typing import Any

from hub.domain.retry import RetryPolicy
from hub.jobs.consumers import Consumer
from hub.jobs.documents import JobDoc


def search_consumer(search: Any) -> Consumer:
    """Keeps the search index in line with every story change (newsroom head and public
    copy), driven by the outbox: no dual writes that could diverge."""

    async def handle(job: JobDoc) -> dict[str, object]:
        # the public copy only changes with a state change (the app channel publishing,
        # correcting or taking down): head edits leave the public cache alone
        public_changed = job.payload.get("event") == "story.status"
        await search.handle_story_changed(
            job.tenant, job.payload["story_id"], public_changed=public_changed
        )
        return {"indexed": job.payload["story_id"]}

    # A publication (app channel) changes the public copy after the approval event:
    # distribution's status event to `published` comes through here as well.
    return Consumer(
        "search.index",
        ("story.",),
        handle,
        RetryPolicy(max_attempts=20, base_seconds=1, cap_seconds=300),
    )
