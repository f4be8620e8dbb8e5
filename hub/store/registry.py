"""Every Beanie document the hub stores. Each subsystem appends its own list here."""

from __future__ import annotations

from beanie import Document


def document_models() -> list[type[Document]]:
    from hub.media.documents import MEDIA_MODELS
    from hub.store.documents import CORE_MODELS

    models: list[type[Document]] = [*CORE_MODELS, *MEDIA_MODELS]
    return models
