"""Optional SM2/SM3 webhook signatures (GB/T 32918, GB/T 32905) for government partners.

Format: one more entry in `webhook-signature`, next to `v1`/`v1a`:

    sm2,<base64 of r‖s, 64 bytes>

over the same signed content as the other schemes, `{webhook-id}.{webhook-timestamp}.{body}`,
hashed with SM3 as SM3(Z_A ‖ content), Z_A computed with the default user id
`1234567812345678` (GM/T 0009) and the endpoint's SM2 public key. Each endpoint that asks
for SM2 gets its own key pair; the public key (uncompressed point, 128 hex digits, x‖y,
without the 04 prefix) is shown on the endpoint. The SDK verifies it with
`WebhookVerifier(sm2_public_keys=[...])` (extra `ronghub-sdk[sm2]`).
"""

from __future__ import annotations

import base64
import secrets

from gmssl import sm2

_N = int(sm2.default_ecc_table["n"], 16)


def generate_keypair() -> tuple[str, str]:
    """A new SM2 key pair as (private hex, public hex x‖y)."""
    d = secrets.randbelow(_N - 2) + 1
    private = f"{d:064x}"
    public = sm2.CryptSM2(private_key=private, public_key="")._kg(d, sm2.default_ecc_table["g"])
    return private, public


def sign_sm2(private_hex: str, public_hex: str, content: bytes) -> str:
    """The `sm2,<base64 r‖s>` entry for `content`."""
    crypt = sm2.CryptSM2(private_key=private_hex, public_key=public_hex)
    while True:
        # gmssl's own nonce comes from `random`; use the OS's CSPRNG instead
        k = f"{secrets.randbelow(_N - 1) + 1:064x}"
        signature = crypt.sign_with_sm3(content, k)
        if signature:
            return "sm2," + base64.b64encode(bytes.fromhex(signature)).decode()


def verify_sm2(public_hex: str, signature_b64: str, content: bytes) -> bool:
    try:
        raw = base64.b64decode(signature_b64, validate=True)
    except ValueError:
        return False
    if len(raw) != 64:
        return False
    return bool(
        sm2.CryptSM2(private_key="", public_key=public_hex).verify_with_sm3(raw.hex(), content)
    )
