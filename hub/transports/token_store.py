"""Platform OAuth tokens kept in the store, so a restart or another worker keeps using them.

抖音 rotates its refresh token on every refresh: the old one stops working at once. A
token held only in memory would be lost with the process that fetched it, and the
configured refresh token would then be refused (the channel dead until someone
re-authorizes). So every refresh is saved at once (encrypted, like channel secrets),
and a client loads the saved token before it refreshes. The key includes a hash of the
configured credentials: an operator who re-authorizes and enters new credentials
starts afresh instead of reusing a token of the old grant.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import Field

from hub.identity.keys import decrypt_text, encrypt_text
from hub.ids import now_ms
from hub.settings import Settings
from hub.store.documents import TenantDocument
from hub.store.tenanted import Tenanted


@dataclass
class TokenState:
    """One platform account's tokens (`expires_at` in Unix seconds)."""

    access_token: str | None = None
    expires_at: float = 0.0
    refresh_token: str | None = None


class PlatformTokenDoc(TenantDocument):
    """`_id` = `{tenant}:{channel}:{credentials hash}`; both tokens encrypted."""

    channel: str
    access_enc: str | None = None
    refresh_enc: str | None = None
    expires_at: float = 0.0
    updated_at: int = Field(default_factory=now_ms)

    class Settings:
        name = "platform_tokens"


def credentials_key(credentials: Mapping[str, str]) -> str:
    return hashlib.sha256(json.dumps(dict(credentials), sort_keys=True).encode()).hexdigest()[:24]


class StoredTokens:
    """The TokenStore of one (tenant, channel, credentials)."""

    def __init__(
        self, settings: Settings, tenant: str, channel: str, credentials: Mapping[str, str]
    ) -> None:
        self.settings = settings
        self.tenant = tenant
        self.channel = channel
        self.id = f"{tenant}:{channel}:{credentials_key(credentials)}"

    def _open(self, value: str | None) -> str | None:
        return decrypt_text(self.settings, value) if value else None

    def _seal(self, value: str | None) -> str | None:
        return encrypt_text(self.settings, value) if value else None

    async def load(self) -> TokenState | None:
        doc = await PlatformTokenDoc.find_one({"_id": self.id, "tenant": self.tenant})
        if doc is None:
            return None
        return TokenState(self._open(doc.access_enc), doc.expires_at, self._open(doc.refresh_enc))

    async def save(self, state: TokenState) -> None:
        await Tenanted(PlatformTokenDoc, self.tenant).update_one(
            {"_id": self.id},
            {
                "$set": {
                    "channel": self.channel,
                    "access_enc": self._seal(state.access_token),
                    "refresh_enc": self._seal(state.refresh_token),
                    "expires_at": state.expires_at,
                    "updated_at": now_ms(),
                }
            },
            upsert=True,
        )
