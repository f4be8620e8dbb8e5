"""Every Beanie document the hub stores. Each subsystem appends its own list here."""

from __future__ import annotations

from beanie import Document


def document_models() -> list[type[Document]]:
    from hub.audit.deferred import AuditDeferredDoc
    from hub.distribution.channel_config import ChannelConfigDoc
    from hub.distribution.documents import PublicationDoc
    from hub.editing.documents import EDITING_MODELS
    from hub.events.documents import NewsroomEventDoc
    from hub.feeds.models import FEEDS_MODELS
    from hub.feeds.webhooks.documents import WEBHOOK_MODELS  # webhooks
    from hub.identity.documents import IDENTITY_MODELS
    from hub.jobs.documents import JobDoc
    from hub.media.documents import MEDIA_MODELS
    from hub.planning.documents import PLANNING_MODELS  # planning
    from hub.reach.documents import REACH_MODELS  # 传播效果 and 绩效
    from hub.search.lexicon import SearchLexiconDoc
    from hub.store.documents import CORE_MODELS
    from hub.store.idempotency import IdempotencyKeyDoc
    from hub.transports.token_store import PlatformTokenDoc
    from hub.wenzheng.documents import WENZHENG_MODELS  # 问政
    from hub.workflow.actions import PendingActionDoc
    from hub.workflow.chains import ReviewChainDoc
    from hub.workflow.rounds import ReviewRoundDoc
    from hub.workflow.wordlists import FindingAckDoc, WordListDoc

    models: list[type[Document]] = [*CORE_MODELS, JobDoc, PublicationDoc, *FEEDS_MODELS, SearchLexiconDoc, *MEDIA_MODELS, *IDENTITY_MODELS, ChannelConfigDoc, ReviewRoundDoc, WordListDoc]
    models.append(PlatformTokenDoc)
    models += PLANNING_MODELS  # planning
    # editing: locks, comments, notifications, proofreading rounds; the newsroom event log
    models += [*EDITING_MODELS, NewsroomEventDoc]
    models += [ReviewChainDoc, FindingAckDoc, PendingActionDoc]  # review
    models += WEBHOOK_MODELS  # webhooks
    models.append(IdempotencyKeyDoc)  # idempotent creates (hub/store/idempotency.py)
    models += WENZHENG_MODELS  # 问政: questions and the center's settings
    models.append(AuditDeferredDoc)  # audit entries left for the sweep (hub/audit/deferred.py)
    from hub.editing.preview_links import PREVIEW_MODELS
    from hub.graphql.persisted import PERSISTED_MODELS

    models += PERSISTED_MODELS  # trusted documents per client (hub/graphql/persisted.py)
    models += PREVIEW_MODELS  # revoked draft preview links (hub/editing/preview_links.py)
    models += REACH_MODELS  # 传播效果 and 绩效 (hub/reach/documents.py)
    return models
