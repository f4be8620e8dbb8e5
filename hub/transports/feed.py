"""The signed pull feed, as channels see it: an interface only.

The feeds subsystem implements `ronghub_sdk.transports.PullFeed` (items signed with RFC
9421 HTTP Message Signatures, JSON Feed / ninjs bodies). Until a center configures it,
`UnconfiguredFeed` refuses with a message an administrator can act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ronghub_sdk import PermanentDeliveryError
from ronghub_sdk.transports import PullFeed

__all__ = ["PullFeed", "UnconfiguredFeed"]


class UnconfiguredFeed:
    """A PullFeed that is not set up: every call is a permanent, explained failure."""

    def _refuse(self) -> PermanentDeliveryError:
        return PermanentDeliveryError(
            "订阅源(拉取式推送)尚未配置,请管理员先在渠道设置中启用。",
            "the signed pull feed is not configured",
        )

    async def put_item(self, item_id: str, item: Mapping[str, Any]) -> str:
        """Refuse: no feed."""
        raise self._refuse()

    async def withdraw_item(self, item_id: str, reason: str) -> None:
        """Refuse: no feed."""
        raise self._refuse()
