"""The composition root: which documents the hub stores and which consumers its workers run.

Every subsystem is put together here, at the top, and nowhere below: the store knows no
subsystem's documents (`hub.store.database.connect` takes the list), the jobs package knows
no subsystem's consumers (a worker is handed its list). Only entry points import this module
(the app, `ronghub worker`, the CLI commands, the demo seed, tests and benchmarks), so no
module below it can close an import cycle through it (`tests/unit/test_import_cycles.py`).
"""

from __future__ import annotations

import functools
from typing import Any

from beanie import Document
from pymongo.monitoring import CommandListener

from hub.audit.deferred import AuditDeferredDoc
from hub.audit.pending import pending_consumer
from hub.audit.recover import recover_consumer
from hub.distribution.channel_config import ChannelConfigDoc
from hub.distribution.documents import PublicationDoc
from hub.distribution.precheck import refuse_undeliverable
from hub.editing.documents import EDITING_MODELS
from hub.editing.preview_links import PREVIEW_MODELS
from hub.events.documents import NewsroomEventDoc
from hub.feeds.log import embargo_consumer
from hub.feeds.models import FEEDS_MODELS
from hub.feeds.webhooks.dispatch import Dispatcher
from hub.feeds.webhooks.documents import WEBHOOK_MODELS
from hub.graphql.persisted import PERSISTED_MODELS
from hub.identity.documents import IDENTITY_MODELS
from hub.jobs.consumers import Consumer
from hub.jobs.documents import JobDoc
from hub.media.documents import MEDIA_MODELS
from hub.media.gc import gc_consumer
from hub.media.service import media_service
from hub.planning.documents import PLANNING_MODELS
from hub.planning.overdue import overdue_consumer
from hub.reach.documents import REACH_MODELS
from hub.search.consumer import search_consumer
from hub.search.lexicon import SearchLexiconDoc
from hub.store import database
from hub.store.documents import CORE_MODELS
from hub.store.idempotency import IdempotencyKeyDoc
from hub.transports.token_store import PlatformTokenDoc
from hub.wenzheng.clock import clock_of
from hub.wenzheng.deadlines import deadlines_consumer
from hub.wenzheng.documents import WENZHENG_MODELS
from hub.workflow.actions import PendingActionDoc
from hub.workflow.chains import ReviewChainDoc
from hub.workflow.rounds import ReviewRoundDoc
from hub.workflow.scheduling import consumers as review_consumers
from hub.workflow.wordlists import FindingAckDoc, WordListDoc


def document_models() -> list[type[Document]]:
    """Every Beanie document the hub stores; a subsystem adds its list here."""
    return [
        *CORE_MODELS,  # stories, revisions, assets, tenants, the outbox
        JobDoc,
        PublicationDoc,
        ChannelConfigDoc,
        PlatformTokenDoc,
        *FEEDS_MODELS,
        *WEBHOOK_MODELS,
        SearchLexiconDoc,
        *MEDIA_MODELS,
        *IDENTITY_MODELS,
        *PLANNING_MODELS,
        *EDITING_MODELS,  # locks, comments, notifications, proofreading rounds
        NewsroomEventDoc,
        ReviewRoundDoc,
        ReviewChainDoc,
        WordListDoc,
        FindingAckDoc,
        PendingActionDoc,
        IdempotencyKeyDoc,  # idempotent creates (hub/store/idempotency.py)
        AuditDeferredDoc,  # audit entries left for the sweep (hub/audit/deferred.py)
        *WENZHENG_MODELS,  # 问政: questions and the center's settings
        *PERSISTED_MODELS,  # trusted documents per client (hub/graphql/persisted.py)
        *PREVIEW_MODELS,  # revoked draft preview links (hub/editing/preview_links.py)
        *REACH_MODELS,  # 传播效果 and 绩效 (hub/reach/documents.py)
    ]


async def connect(
    uri: str, db_name: str, listeners: list[CommandListener] | None = None, timeout_s: float = 5.0
) -> database.Database:
    """Open the store with every document of the hub registered (`hub.store.database.connect`)."""
    return await database.connect(
        uri, db_name, document_models(), listeners=listeners, timeout_s=timeout_s
    )


def builtin_consumers(state: Any) -> list[Consumer]:
    """Consumers of the built-in subsystems, given the app's state (services). Every worker
    process must know the same list: the relay creates jobs only for consumers it knows
    (those it runs, and those another process runs, `consumers_elsewhere`)."""
    consumers: list[Consumer] = []
    distribution = getattr(state, "distribution", None)
    if distribution is not None:
        consumers.extend(distribution.consumers())
    search = getattr(state, "search", None)
    if search is not None:
        consumers.append(search_consumer(search))
    consumers.append(
        overdue_consumer()
    )  # planning: the durable deadline check of assignments (超期)
    # 问政: reminders before and escalation after a department's deadline, on the 问政 clock
    consumers.append(deadlines_consumer(clock_of(state)))
    # review: scheduled publication; a due hand-over is re-checked by the channels (APPROVAL_CHANNEL_PROBLEMS)
    check = (
        functools.partial(refuse_undeliverable, distribution) if distribution is not None else None
    )
    consumers.extend(review_consumers(check))
    consumers.append(embargo_consumer())  # feeds
    settings = getattr(state, "settings", None)
    recovery_seconds = settings.audit_recovery_seconds if settings is not None else 30.0
    consumers.append(
        recover_consumer(recovery_seconds)
    )  # audit: a story change whose writer died before appending
    consumers.append(
        pending_consumer(recovery_seconds)
    )  # audit: entries other changes carry (hub/audit/pending.py)
    if settings is not None:
        consumers.extend(Dispatcher(settings).consumers())  # webhooks
        # media: the cleanup of abandoned uploads and unfinished writes
        consumers.append(gc_consumer(settings, media_service(settings)))
    return consumers


def consumers_elsewhere(state: Any) -> list[Consumer]:
    """Consumers of the deployment that this process does not run but whose jobs its relay
    must create: without a search service here (a `ronghub worker` beside a hub with the
    embedded index, whose one writer is the API process), the API process indexes."""
    if getattr(state, "search", None) is None:
        return [search_consumer(None)]
    return []
