"""Token-signing keys: generated, encrypted at rest, rotated, and held in memory.

Keys are ES256 (P-256) JWKs whose `kid` is their RFC 7638 thumbprint. The private half
is stored encrypted (Fernet; the key is derived with HKDF from
RONGHUB_KEY_ENCRYPTION_SECRET). Rotation adds a key that starts signing only after
`key_activation_seconds`, so every process has published it by then; older keys keep
verifying until every token they signed has expired.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc.jwk import ECKey, KeySet

from hub.identity.documents import SigningKeyDoc
from hub.ids import now_ms
from hub.settings import Settings
from hub.store.tenanted import Tenanted

ALG = "ES256"


def _fernet(settings: Settings) -> Fernet:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"ronghub", info=b"signing-keys").derive(
        settings.effective_key_secret.encode()
    )
    return Fernet(base64.urlsafe_b64encode(raw))


def encrypt_text(settings: Settings, text: str) -> str:
    """Encrypt a stored secret (e.g. an OIDC client secret) like the signing keys."""
    return _fernet(settings).encrypt(text.encode()).decode()


def decrypt_text(settings: Settings, token: str) -> str:
    return _fernet(settings).decrypt(token.encode()).decode()


def encrypt_private(settings: Settings, key: ECKey) -> str:
    return _fernet(settings).encrypt(key.as_pem(private=True)).decode()


def decrypt_private(settings: Settings, doc: SigningKeyDoc) -> ECKey:
    pem = _fernet(settings).decrypt(doc.private_enc.encode())
    return ECKey.import_key(pem, {"kid": doc.id, "alg": doc.alg, "use": "sig"})


async def rotate(settings: Settings, immediate: bool = False) -> SigningKeyDoc:
    """Add a new signing key. It signs after `key_activation_seconds` (at once if
    `immediate` or if no key signs yet); earlier keys are marked retired from then."""
    key = ECKey.generate_key("P-256")
    kid = key.thumbprint()
    now = now_ms()
    keys = await SigningKeyDoc.find({"tenant": settings.platform_tenant}).to_list()
    any_active = any(k.activates_at <= now for k in keys)
    activates = (
        now if (immediate or not any_active) else now + settings.key_activation_seconds * 1000
    )
    public = {**key.as_dict(private=False), "kid": kid, "alg": ALG, "use": "sig"}
    doc = SigningKeyDoc(
        id=kid,
        tenant=settings.platform_tenant,
        alg=ALG,
        public_jwk=public,
        private_enc=encrypt_private(
            settings, ECKey.import_key(key.as_pem(private=True), {"kid": kid})
        ),
        created_at=now,
        activates_at=activates,
    )
    await doc.insert()
    for old in keys:
        if old.retired_at is None:
            await Tenanted(SigningKeyDoc, settings.platform_tenant).update_one(
                {"_id": old.id},
                {"$set": {"retired_at": activates}},
            )
    return doc


async def ensure_signing_key(settings: Settings) -> None:
    """Create the first key if the platform has none."""
    if await SigningKeyDoc.find_one({"tenant": settings.platform_tenant}) is None:
        await rotate(settings, immediate=True)


@dataclass
class _Entry:
    doc: SigningKeyDoc
    public: ECKey
    private: ECKey | None


class KeyRing:
    """The keys this process knows: which one signs now, which ones verify."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._entries: dict[str, _Entry] = {}

    async def refresh(self) -> None:
        """Re-read the keys that can still verify a live token."""
        horizon = now_ms() - (self.settings.access_token_seconds + 60) * 1000
        docs = await SigningKeyDoc.find({"tenant": self.settings.platform_tenant}).to_list()
        entries: dict[str, _Entry] = {}
        for d in docs:
            if d.retired_at is not None and d.retired_at < horizon:
                continue  # every token it signed has expired
            known = self._entries.get(d.id)
            if known is not None:
                known.doc = d
                entries[d.id] = known
                continue
            entries[d.id] = _Entry(
                d, ECKey.import_key(d.public_jwk), decrypt_private(self.settings, d)
            )
        self._entries = entries

    def signing_key(self) -> ECKey:
        now = now_ms()
        ready = [
            e
            for e in self._entries.values()
            if e.doc.activates_at <= now
            and (e.doc.retired_at is None or e.doc.retired_at > now)
            and e.private
        ]
        if not ready:
            raise RuntimeError("no signing key is active: run `ronghub keys rotate`")
        newest = max(ready, key=lambda e: (e.doc.activates_at, e.doc.created_at))
        assert newest.private is not None
        return newest.private

    def verifying_key(self, kid: str) -> ECKey | None:
        entry = self._entries.get(kid)
        return entry.public if entry else None

    def jwks(self) -> dict[str, Any]:
        """The public JWK Set published at /.well-known/jwks.json."""
        return dict(KeySet([e.public for e in self._entries.values()]).as_dict(private=False))

    def kids(self) -> list[str]:
        return sorted(self._entries)
