"""Exceptions a plugin raises from deliver-side hooks; the engine maps them to retries.

`TransientDeliveryError`: try again later (rate limit, 5xx, timeout). The engine retries
with backoff, honouring `retry_after_s` when the platform gave one.
`PermanentDeliveryError`: the platform refused for good (review rejection, invalid
content). The engine dead-letters the publication and shows `reason_zh` to editors.
"""

from __future__ import annotations


class DeliveryError(Exception):
    """Base of the errors deliver/poll/retract/correct may raise."""

    def __init__(
        self,
        reason_zh: str,
        reason_en: str,
        *,
        platform_code: str | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(reason_en)
        self.reason_zh = reason_zh
        self.reason_en = reason_en
        self.platform_code = platform_code
        self.retry_after_s = retry_after_s


class TransientDeliveryError(DeliveryError):
    """Retry later: the platform throttled, failed or timed out."""


class PermanentDeliveryError(DeliveryError):
    """Do not retry: the platform rejected the item; an editor must act."""
