"""The rules of the media cleanup (清理), without I/O: when an upload counts as
abandoned, which stored bytes nothing uses, and when the next sweep is due. `gc.py`
applies them to the store.

Where an upload's bytes live: every part, the direct upload's staging object and any
unfinished write of them sit under the upload's own folder `t/{tenant}/uploads/{id}/`;
a `complete` writes the asset's original under `t/{tenant}/a/{asset}/`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from hub.media.blobs import BlobEntry

LIVE = ("open", "completing")
"""Upload statuses whose stored parts are in use."""
COMPLETING_LEASE_MS = 10 * 60 * 1000
"""A `complete` that has not finished after this long counts as crashed (and may be retried)."""


def tenant_prefix(tenant: str) -> str:
    return f"t/{tenant}/"


def uploads_prefix(tenant: str) -> str:
    return f"t/{tenant}/uploads/"


def upload_prefix(tenant: str, upload_id: str) -> str:
    return f"t/{tenant}/uploads/{upload_id}/"


def asset_prefix(tenant: str, asset_id: str) -> str:
    return f"t/{tenant}/a/{asset_id}/"


def upload_id_of(key: str, tenant: str) -> str | None:
    """The upload whose folder holds `key`; None for keys outside the upload folders."""
    rest = key.removeprefix(uploads_prefix(tenant))
    if rest == key or "/" not in rest:
        return None
    return rest.split("/", 1)[0]


def idle_limit_ms(status: str, abandon_ms: int) -> int | None:
    """How long an upload in `status` may stay untouched; None: it cannot be abandoned
    (completed, aborted, expired). A `completing` upload gets at least the lease of a
    running `complete`, so a slow join is never taken for a crashed one."""
    if status == "open":
        return abandon_ms
    if status == "completing":
        return max(abandon_ms, COMPLETING_LEASE_MS)
    return None


def is_abandoned(status: str, updated_at: int, now: int, abandon_ms: int) -> bool:
    """An open (or crashed completing) upload untouched for longer than allowed."""
    limit = idle_limit_ms(status, abandon_ms)
    return limit is not None and updated_at + limit < now


def abandoned_at(status: str, updated_at: int, abandon_ms: int) -> int | None:
    """When (ms) an upload untouched since `updated_at` becomes abandoned."""
    limit = idle_limit_ms(status, abandon_ms)
    return None if limit is None else updated_at + limit + 1


@dataclass(frozen=True)
class UploadUse:
    """What a stored upload still uses: its status and the keys of its parts (and the
    direct upload's staging object)."""

    status: str
    keys: frozenset[str]


def leftovers(
    entries: Iterable[BlobEntry], use: UploadUse | None, cutoff: float
) -> list[BlobEntry]:
    """The entries under one upload's folder that nothing uses and that were last
    touched before `cutoff` (unix seconds): everything of an upload that is gone or
    closed; of a live upload, unfinished writes and blobs that are not its parts
    (a part whose recording lost a race, left by a crash before it was deleted)."""
    found = []
    for entry in entries:
        if entry.modified >= cutoff:
            continue  # may be a write that is about to be recorded
        if (
            use is None
            or use.status not in LIVE
            or entry.partial is not None
            or entry.key not in use.keys
        ):
            found.append(entry)
    return found


def sweep_granularity_ms(abandon_ms: int) -> int:
    """Sweeps are due on multiples of this (a 24th of the abandon time, at least a
    second), so uploads started close together share one sweep job."""
    return max(1_000, abandon_ms // 24)


def sweep_slot(due: int, granularity: int, after: int | None = None) -> int:
    """The sweep time (ms) that serves `due`: the next multiple of `granularity` at or
    after it, and strictly after `after` (the sweep running now, which cannot schedule
    itself)."""
    slot = math.ceil(due / granularity) * granularity
    if after is not None and slot <= after:
        slot = (after // granularity + 1) * granularity
    return slot


def idle_text(seconds: int) -> tuple[str, str]:
    """A duration as an editor reads it, in Chinese and English ("24 小时", "24 hours")."""
    units = (
        (86_400, 2 * 86_400, "天", "day"),
        (3_600, 3_600, "小时", "hour"),
        (60, 60, "分钟", "minute"),
    )
    for size, smallest, zh, en in units:  # a day is still "24 小时"; days from two on
        if seconds >= smallest and seconds % size == 0:
            n = seconds // size
            return f"{n} {zh}", f"{n} {en}{'s' if n != 1 else ''}"
    return f"{seconds} 秒", f"{seconds} second{'s' if seconds != 1 else ''}"
