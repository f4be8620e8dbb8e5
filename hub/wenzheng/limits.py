"""Rate limits of 问政 intake: per submitting client and per citizen contact (moving
windows, in process memory like the token endpoint's; with N API processes a sender gets
up to N times the rate). Only questions recorded are counted: a refused one or a resend
of one already recorded (racing resends included) uses up nothing. `check` runs before the
write and `count` after it, so concurrent new questions may pass a limit by the few that
were checked at the same moment."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from hub.errors import HubError
from hub.wenzheng.errors import WenzhengCodes
from hub.wenzheng.masking import fold

LABELS = {"client": ("该应用", "client"), "contact": ("同一联系人", "contact")}


def contact_key(tenant: str, phone: str | None, name: str | None) -> str | None:
    """One citizen however the number is written: its digits (folded), else the name."""
    digits = "".join(ch for ch in fold(phone or "") if ch.isdigit())
    if digits:
        return f"{tenant}:p:{digits[-11:]}"
    name = (name or "").strip()
    return f"{tenant}:n:{name}" if name else None


class IntakeLimiter:
    def __init__(
        self, per_client: str, per_contact: str, clock: Callable[[], float] = time.time
    ) -> None:
        self.limits: dict[str, list[RateLimitItem]] = {
            "client": parse_many(per_client) if per_client.strip() else [],
            "contact": parse_many(per_contact) if per_contact.strip() else [],
        }
        self.clock = clock
        self._window = MovingWindowRateLimiter(MemoryStorage())

    @staticmethod
    def _keys(client: str, contact: str | None) -> list[tuple[str, str]]:
        return [("client", client)] + ([("contact", contact)] if contact else [])

    async def check(self, client: str, contact: str | None) -> None:
        """WENZHENG_RATE_LIMITED (with the seconds to wait) at the first exhausted limit."""
        for which, value in self._keys(client, contact):
            for item in self.limits[which]:
                if not await self._window.test(item, which, value):
                    stats = await self._window.get_window_stats(item, which, value)
                    zh, en = LABELS[which]
                    raise HubError(
                        WenzhengCodes.RATE_LIMITED,
                        seconds=max(1, math.ceil(stats.reset_time - self.clock())),
                        what_zh=zh,
                        what_en=en,
                        limit=which,
                    )

    async def count(self, client: str, contact: str | None) -> None:
        """One recorded question against every limit."""
        for which, value in self._keys(client, contact):
            for item in self.limits[which]:
                await self._window.hit(item, which, value)
