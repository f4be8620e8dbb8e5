"""The consumers this deployment runs. Every worker process must know the same list:
the relay creates jobs only for consumers it knows (those it runs, and those another
process runs, `consumers_elsewhere`)."""

from __future__ import annotations

import functools
from typing import Any

from hub.domain.retry import RetryPolicy
from hub.jobs.consumers import Consumer
from hub.jobs.documents import JobDoc


def builtin_consumers(state: Any) -> list[Consumer]:
    """Consumers of the built-in subsystems, given the app's state (services)."""
    consumers: list[Consumer] = []
    distribution = getattr(state, "distribution", None)
    if distribution is not None:
        consumers.extend(distribution.consumers())
    search = getattr(state, "search", None)
    if search is not None:
        consumers.append(search_consumer(search))
    # planning: the durable deadline check of assignments (超期)
    from hub.planning.overdue import overdue_consumer

    consumers.append(overdue_consumer())
    # 问政: reminders before and escalation after a department's deadline, on the 问政 clock
    from hub.wenzheng.clock import clock_of
    from hub.wenzheng.deadlines import deadlines_consumer

    consumers.append(deadlines_consumer(clock_of(state)))
    from hub.workflow.rounds import consumers as review_consumers  # review: scheduled publication

    check = None
    if distribution is not None:  # a due hand-over is re-checked by the channels (APPROVAL_CHANNEL_PROBLEMS)
        from hub.distribution.precheck import refuse_undeliverable

        check = functools.partial(refuse_undeliverable, distribution)
    consumers.extend(review_consumers(check))
    # feeds
    from hub.feeds.log import embargo_consumer

    consumers.append(embargo_consumer())
    # webhooks
    settings = getattr(state, "settings", None)
    # audit: the entry of a story change whose writer died before appending it
    from hub.audit.recover import recover_consumer

    recovery_seconds = settings.audit_recovery_seconds if settings is not None else 30.0
    consumers.append(recover_consumer(recovery_seconds))
    # audit: entries other changes carry in their documents (hub/audit/pending.py)
    from hub.audit.pending import pending_consumer

    consumers.append(pending_consumer(recovery_seconds))
    if settings is not None:
        from hub.feeds.webhooks.dispatch import Dispatcher

        consumers.extend(Dispatcher(settings).consumers())
        # media: the cleanup of abandoned uploads and unfinished writes
        from hub.media.gc import gc_consumer

        consumers.append(gc_consumer(settings))
    return consumers


def consumers_elsewhere(state: Any) -> list[Consumer]:
    """Consumers of the deployment that this process does not run but whose jobs its relay
    must create: without a search service here (a `ronghub worker` beside a hub with the
    embedded index, whose one writer is the API process), the API process indexes."""
    if getattr(state, "search", None) is None:
        return [search_consumer(None)]
    return []


def search_consumer(search: Any) -> Consumer:
    """Keeps the search index in line with every story change (newsroom head and public
    copy), driven by the outbox: no dual writes that could diverge."""

    async def handle(job: JobDoc) -> dict[str, object]:
        # the public copy only changes with a state change (the app channel publishing,
        # correcting or taking down): head edits leave the public cache alone
        public_changed = job.payload.get("event") == "story.status"
        await search.handle_story_changed(job.tenant, job.payload["story_id"], public_changed=public_changed)
        return {"indexed": job.payload["story_id"]}

    # A publication (app channel) changes the public copy after the approval event:
    # distribution's status event to `published` comes through here as well.
    return Consumer("search.index", ("story.",), handle, RetryPolicy(max_attempts=20, base_seconds=1, cap_seconds=300))
