"""Every Beanie document the hub stores. Each subsystem appends its own list here."""

from __future__ import annotations

from beanie import Document


def document_models() -> list[type[Document]]:
    from hub.identity.documents import IDENTITY_MODELS
    from hub.store.documents import CORE_MODELS

    models: list[type[Document]] = [*CORE_MODELS]
    models += IDENTITY_MODELS
    return models
