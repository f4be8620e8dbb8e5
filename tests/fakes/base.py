"""What every fake platform shares: scripted failures per path and request counting."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from litestar import Response


@dataclass
class Failure:
    """One scripted failure: an HTTP status, a platform error body, or a delay (timeout)."""

    status: int = 200
    body: dict[str, Any] | None = None
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


def rate_limited(retry_after: int = 1) -> Failure:
    """HTTP 429 with Retry-After."""
    return Failure(
        status=429, body={"error": "too many requests"}, headers={"retry-after": str(retry_after)}
    )


def server_error() -> Failure:
    """HTTP 503."""
    return Failure(status=503, body={"error": "unavailable"})


def slow(seconds: float) -> Failure:
    """Answer only after `seconds` (longer than the client's timeout)."""
    return Failure(delay_s=seconds)


@dataclass
class FakePlatform:
    """Scripted failures by path, consumed in order, and a count of calls by path."""

    failures: dict[str, list[Failure]] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)

    def fail(self, path: str, *failures: Failure) -> None:
        """Make the next calls to `path` fail in these ways, one per call."""
        self.failures.setdefault(path, []).extend(failures)

    async def scripted(self, path: str) -> Response[Any] | None:
        """Count the call; return the scripted failure response for it, if any."""
        self.calls[path] += 1
        queue = self.failures.get(path)
        if not queue:
            return None
        failure = queue.pop(0)
        if failure.delay_s:
            await asyncio.sleep(failure.delay_s)
            if failure.body is None:
                return None
        return Response(failure.body or {}, status_code=failure.status, headers=failure.headers)
