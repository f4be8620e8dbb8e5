"""Rate limit of the token endpoint per client address (`limits`, moving window, kept
in process memory).

The grants that check a secret with argon2 (`password`, `client_credentials`) are
limited per client address: this bounds the work one source can cause and guessing
across many names from one address. The refresh grant is not (its tokens are 256-bit
random and cheap to check, and a newsroom behind one NAT address refreshes often). A
refused request is not counted, so a flood does not extend the wait: a client that
waits `Retry-After` seconds gets through.

There is no request limit per username or client_id: anyone could use one to keep its
owner out. Failed attempts per name are throttled instead (hub/identity/throttle.py,
stored, holding across processes). This limit is per hub process: with N API
processes a client gets up to N times the configured rate.

The client address is the TCP peer unless the peer is a trusted proxy
(`RONGHUB_TRUSTED_PROXIES`): then the right-most X-Forwarded-For entry that is not a
trusted proxy itself (the left part of the header is whatever the client sent).
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Iterable, Sequence

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from hub.errors import HubError
from hub.identity.errors import AuthCodes
from hub.settings import Settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unknown"

# what each limited key is called in the error's details and messages
KEY_LABELS = {"ip": ("客户端地址", "client address")}


def networks(entries: Iterable[str]) -> list[Network]:
    return [ipaddress.ip_network(e.strip(), strict=False) for e in entries]


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, trusted: Sequence[Network]
) -> bool:
    return address is not None and any(address in net for net in trusted)


def client_address(
    peer: str | None, forwarded_for: Sequence[str], trusted: Sequence[Network]
) -> str:
    """Who is asking: the peer, or behind trusted proxies the address they name."""
    if not peer:
        return UNKNOWN
    if not trusted or not forwarded_for or not _trusted(_address(peer), trusted):
        return peer
    hops = [h.strip() for value in forwarded_for for h in value.split(",") if h.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if not _trusted(address, trusted):
            return str(address) if address is not None else hop
    return hops[0] if hops else peer  # every hop is a proxy of ours


def _items(notation: str) -> list[RateLimitItem]:
    return parse_many(notation) if notation.strip() else []


class TokenLimiter:
    """The token endpoint's limits for one process (built from the settings)."""

    def __init__(self, settings: Settings) -> None:
        self.limits: dict[str, list[RateLimitItem]] = {"ip": _items(settings.token_rate_limit_ip)}
        self.trusted = networks(settings.trusted_proxies)
        self._window = MovingWindowRateLimiter(MemoryStorage())

    def address(self, peer: str | None, forwarded_for: Sequence[str]) -> str:
        return client_address(peer, forwarded_for, self.trusted)

    async def enforce(self, **keys: str) -> None:
        """Count one request against each key (in the order given); RATE_LIMITED with the
        seconds to wait at the first limit that is exhausted (that request is not counted)."""
        for which, value in keys.items():
            for item in self.limits[which]:
                if await self._window.hit(item, which, value):
                    continue
                stats = await self._window.get_window_stats(item, which, value)
                seconds = max(1, math.ceil(stats.reset_time - time.time()))
                zh, en = KEY_LABELS[which]
                raise HubError(
                    AuthCodes.RATE_LIMITED, seconds=seconds, limit=which, what_zh=zh, what_en=en
                )
