"""Signing: what the hub signs for partners, and the keys it signs with. Import from here.

- `sign_response` (http_signatures.py): RFC 9421 HTTP Message Signatures on feed
  responses, with a Content-Digest (RFC 9530); `signers_for` (signers.py) gives the keys
  that sign one, newest first.
- `sign_webhook` / `verify_webhook` (webhooks.py): the Standard Webhooks
  `webhook-signature` header, `v1` (HMAC-SHA256 with `whsec_` secrets) and `v1a`
  (Ed25519 with the partner keys); SM2 entries come in as `extra`.
- The partner signing keys (keys.py): Ed25519 and SM2/SM3 (sm2.py, for government
  partners; keykinds.py is what both kinds share), encrypted at rest, rotated with an
  activation delay and an overlap, published at /feeds/jwks.json (`jwks`). Stored as
  `FeedKeyDoc` (key_documents.py).

Kept elsewhere, on purpose: the hub's access-token keys (hub/identity/keys.py: ES256 tokens the
hub issues and checks itself), the preview links' HMAC (hub/editing/preview_links.py), the
SM2 primitives and the partners' verifiers (ronghub_sdk.sm2, ronghub_sdk.verify: shared
with plugins and partners, which do not import the hub).
"""

from hub.signing.http_signatures import Signer, sign_response
from hub.signing.key_documents import FeedKeyDoc
from hub.signing.keys import ED25519, SM2, PartnerKey, jwks, rotate, signing_keys
from hub.signing.signers import signers_for
from hub.signing.webhooks import (
    Signs,
    secret_key,
    sign_webhook,
    signed_content,
    verify_webhook,
)

__all__ = [
    "ED25519",
    "SM2",
    "FeedKeyDoc",
    "PartnerKey",
    "Signer",
    "Signs",
    "jwks",
    "rotate",
    "secret_key",
    "sign_response",
    "sign_webhook",
    "signed_content",
    "signers_for",
    "signing_keys",
    "verify_webhook",
]
