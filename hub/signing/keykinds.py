"""What every kind of partner signing key shares (hub/signing/keys.py rotates and publishes
them; hub/signing/sm2.py is one kind): the algorithm names, the JWK thumbprint and the
`KeyKind` protocol. Kept free of both so each kind can import it."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from typing import Any, Protocol

ED25519 = "ed25519"  # the RFC 9421 algorithm name; JWK alg is "EdDSA"
SM2 = "sm2-sm3"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def thumbprint(members: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url) of the required members given."""
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return b64url(hashlib.sha256(canonical).digest())


class KeyKind(Protocol):
    """How one algorithm makes, publishes and uses a key pair."""

    alg: str

    def generate(self) -> tuple[str, dict[str, Any]]:
        """A new pair: the private half as text (stored encrypted) and the public JWK
        with its `kid`."""
        ...

    def signer(self, private: str, public_jwk: dict[str, Any]) -> Callable[[bytes], bytes]:
        """The signing function of a stored pair."""
        ...
