"""Why a delivery or a feed response was refused.

Every refusal is a `VerificationError` with a short machine-readable `reason` (stable,
for logs and metrics) and a human message. Catch the base class to refuse the request;
catch a subclass to tell partners' operators what went wrong.
"""

from __future__ import annotations


class VerificationError(Exception):
    """The message must not be trusted. `reason` is a stable code such as "stale"."""

    reason: str = "invalid"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason


class MissingHeader(VerificationError):
    """A required header (webhook-id, Signature-Input, Content-Digest ...) is absent."""

    reason = "missing_header"


class MalformedHeader(VerificationError):
    """A header is present but cannot be parsed."""

    reason = "malformed_header"


class InvalidSignature(VerificationError):
    """No offered signature matches: the body or a covered header was changed, or it was
    signed with a key/secret this verifier does not know."""

    reason = "bad_signature"


class StaleTimestamp(VerificationError):
    """`webhook-timestamp` is older than the tolerance: possibly a captured message replayed."""

    reason = "stale"


class FutureTimestamp(VerificationError):
    """`webhook-timestamp` (or a signature's `created`) lies too far in the future."""

    reason = "future"


class ReplayedMessage(VerificationError):
    """This `webhook-id` was already accepted: a replay (or a redelivery you already processed)."""

    reason = "replayed"


class DigestMismatch(VerificationError):
    """`Content-Digest` does not match the body: the body was changed in transit."""

    reason = "digest_mismatch"


class SignatureExpired(VerificationError):
    """The feed signature's `expires` has passed."""

    reason = "expired"


class ProfileMismatch(VerificationError):
    """The signature does not follow Ronghub's profile (covered components, alg, tag)."""

    reason = "profile"


class UnknownKey(VerificationError):
    """The `keyid` is not in the hub's JWKS, even after fetching it again."""

    reason = "unknown_key"


class KeyFetchError(VerificationError):
    """The JWKS could not be fetched or parsed, and no cached keys are available."""

    reason = "key_fetch"
