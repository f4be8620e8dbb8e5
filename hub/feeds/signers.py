"""Which keys sign a response: the partner Ed25519 keys, or SM2 for subscriptions that
chose it (government partners)."""

from __future__ import annotations

from hub.feeds import keys
from hub.feeds.signing import Signer
from hub.settings import Settings


async def signers_for(settings: Settings, algorithm: str = "ed25519") -> list[Signer]:
    """The signers of a response, newest key first."""
    if algorithm == "sm2":
        from hub.feeds import sm2

        return [await sm2.signer(settings)]
    return [Signer(k.kid, keys.ALG, k.private.sign) for k in await keys.signing_keys(settings)]
