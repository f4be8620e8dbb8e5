"""Every Beanie document the hub stores. Each subsystem appends its own list here."""

from __future__ import annotations

from beanie import Document


def document_models() -> list[type[Document]]:
    from hub.distribution.channel_config import ChannelConfigDoc
    from hub.distribution.documents import PublicationDoc
    from hub.feeds.models import FEEDS_MODELS
    from hub.feeds.webhooks.documents import WEBHOOK_MODELS  # webhooks
    from hub.identity.documents import IDENTITY_MODELS
    from hub.jobs.documents import JobDoc
    from hub.media.documents import MEDIA_MODELS
    from hub.search.lexicon import SearchLexiconDoc
    from hub.store.documents import CORE_MODELS
    from hub.workflow.rounds import ReviewRoundDoc
    from hub.workflow.wordlists import WordListDoc

    models: list[type[Document]] = [*CORE_MODELS, JobDoc, PublicationDoc, *FEEDS_MODELS, SearchLexiconDoc, *MEDIA_MODELS, *IDENTITY_MODELS, ChannelConfigDoc, ReviewRoundDoc, WordListDoc]
    models += WEBHOOK_MODELS  # webhooks
    return models
