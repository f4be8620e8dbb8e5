"""Verifiers for partners receiving Ronghub content (sync and async).

- `WebhookVerifier` / `AsyncWebhookVerifier`: Standard Webhooks deliveries (`v1` HMAC,
  `v1a` Ed25519), timestamp tolerance and replay refusal.
- `FeedVerifier` / `AsyncFeedVerifier`: RFC 9421 signatures on `/feeds/…` responses.
- `JwksClient` / `AsyncJwksClient`: the hub's public keys, cached.

Every refusal raises a `VerificationError` subclass with a stable `reason`.
"""

from ronghub_sdk.verify.errors import (
    DigestMismatch,
    FutureTimestamp,
    InvalidSignature,
    KeyFetchError,
    MalformedHeader,
    MissingHeader,
    ProfileMismatch,
    ReplayedMessage,
    SignatureExpired,
    StaleTimestamp,
    UnknownKey,
    VerificationError,
)
from ronghub_sdk.verify.feeds import AsyncFeedVerifier, FeedSignature, FeedVerifier, signature_base
from ronghub_sdk.verify.keys import (
    AsyncJwksClient,
    JwksClient,
    StaticKeys,
    VerifyKey,
    key_from_jwk,
    keys_from_jwks,
    parse_public_key,
)
from ronghub_sdk.verify.replay import AsyncSeenIds, MemorySeenIds, SeenIds
from ronghub_sdk.verify.webhooks import AsyncWebhookVerifier, WebhookMessage, WebhookVerifier

__all__ = [
    "AsyncFeedVerifier",
    "AsyncJwksClient",
    "AsyncSeenIds",
    "AsyncWebhookVerifier",
    "DigestMismatch",
    "FeedSignature",
    "FeedVerifier",
    "FutureTimestamp",
    "InvalidSignature",
    "JwksClient",
    "KeyFetchError",
    "MalformedHeader",
    "MemorySeenIds",
    "MissingHeader",
    "ProfileMismatch",
    "ReplayedMessage",
    "SeenIds",
    "SignatureExpired",
    "StaleTimestamp",
    "StaticKeys",
    "UnknownKey",
    "VerificationError",
    "VerifyKey",
    "WebhookMessage",
    "WebhookVerifier",
    "key_from_jwk",
    "keys_from_jwks",
    "parse_public_key",
    "signature_base",
]
