"""Which keys sign a response: the partner Ed25519 keys, or the SM2 keys for
subscriptions that chose SM2 (government partners). Both rotate (hub/signing/keys.py)."""

from __future__ import annotations

from hub.settings import Settings
from hub.signing import keys
from hub.signing.http_signatures import Signer


async def signers_for(settings: Settings, algorithm: str = "ed25519") -> list[Signer]:
    """The signers of a response, newest key first (two during a rotation)."""
    alg = keys.SM2 if algorithm == "sm2" else keys.ED25519
    return [Signer(k.kid, k.alg, k.sign) for k in await keys.signing_keys(settings, alg)]
