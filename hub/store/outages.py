"""Telling an outage (the store is away, the disk is full) from a bug.

A request that fails because the document store does not answer, or because the
disk under the store or the blobs is full, is not the hub's fault and not the
caller's: it gets STORE_UNAVAILABLE or STORAGE_FULL (both say "try again later"),
never INTERNAL with a stack trace. GraphQL, REST and the job worker all ask here.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator

from pymongo.errors import ConnectionFailure, PyMongoError

from hub.errors import Codes, HubError

# ENOSPC: no space left; EDQUOT: the user's quota is used up (the same to an editor).
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
# What SQLite (SQLITE_FULL), and so nx-27017 over the wire, says when its disk is full;
# and ENOSPC as libraries that do not raise OSError put it (Rust's io::Error: the
# tantivy search index).
_FULL_TEXTS = ("database or disk is full", "No space left on device", "(os error 28)")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """exc and the exceptions it was raised from or while handling (no cycles)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def disk_full(exc: BaseException) -> bool:
    """The disk (blobs or the store's) is full."""
    for e in _chain(exc):
        if isinstance(e, OSError) and e.errno in DISK_FULL_ERRNOS:
            return True
        if isinstance(e, OSError):
            continue  # its errno says it all (ENOSPC above)
        text = f"{e} {getattr(e, 'details', '')}" if isinstance(e, PyMongoError) else str(e)
        if any(t in text for t in _FULL_TEXTS):
            return True
    return False


def store_unreachable(exc: BaseException) -> bool:
    """The store did not answer: refused, closed the connection, or no server in time."""
    return any(isinstance(e, ConnectionFailure) for e in _chain(exc))


def as_outage(exc: BaseException) -> HubError | None:
    """STORAGE_FULL or STORE_UNAVAILABLE if `exc` comes from an outage; None otherwise."""
    if isinstance(exc, HubError):
        return exc if exc.kind in (Codes.STORAGE_FULL, Codes.STORE_UNAVAILABLE) else None
    if disk_full(exc):
        return HubError(Codes.STORAGE_FULL)
    if store_unreachable(exc):
        return HubError(Codes.STORE_UNAVAILABLE)
    return None
