"""The stored partner signing key (keys.py rotates, loads and publishes it); registered
with the feeds' documents (hub/feeds/models.py)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from hub.ids import now_ms
from hub.store.documents import TenantDocument


class FeedKeyDoc(TenantDocument):
    """A partner signing key pair (platform tenant). `_id` is the kid (RFC 7638
    thumbprint of the public JWK); the private half is encrypted at rest."""

    alg: str = "ed25519"  # ed25519 | sm2-sm3
    public_jwk: dict[str, Any]
    private_enc: str
    created_at: int = Field(default_factory=now_ms)
    activates_at: int = Field(default_factory=now_ms)
    retired_at: int | None = None  # stops signing at this time; stays published a while after

    class Settings:
        name = "feed_signing_keys"
