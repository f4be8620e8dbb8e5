"""What a story's channels may receive now: its release record. Plain code, no I/O.

The story head carries `release` (hub/store/documents.py StoryDoc), written in the same
compare-and-set as the approval (签发) or takedown (撤稿) event it records:

    {"approvals": {<channel> | "_default": {"revision": n, "version": v, "embargo_until": ms | None}},
     "withdrawn_version": v}

An approval records the revision it approved for each channel of that revision's plan
(`_default` when the plan names none: the deployment's default channels), and the
story version the approval made. A takedown records its version: every approval made
before it is withdrawn. A later approval (a correction, an urgent broadcast, a
re-approval after a takedown) is newer and wins.

Every send (first delivery, retry, replay, a job whose due time came) asks `refusal`
right before it calls the platform, so nothing withdrawn or superseded goes out however
late its job runs; `hold_until` says when an embargo (禁发期) still holds it back.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from hub.errors import ErrorKind

DEFAULT_KEY = "_default"  # the approval of a revision whose plan names no channel


class ReleaseCodes:
    """Why a publication was not sent (ledger entries and `replayPublication` refusals)."""

    WITHDRAWN = ErrorKind(
        "PUBLICATION_WITHDRAWN",
        "稿件已撤稿,这条发布记录不再投递(撤稿后需重新签发才能再发)。",
        "The story was taken down; this publication is no longer sent (approve it again to send it).",
        409,
    )
    SUPERSEDED = ErrorKind(
        "PUBLICATION_SUPERSEDED",
        "「{channel}」渠道已签发更新的版本 {approved}(本记录为版本 {revision}),旧版本不再投递。",
        "A later revision ({approved}) is approved for {channel}; revision {revision} is no longer sent.",
        409,
    )
    NOT_APPROVED = ErrorKind(
        "PUBLICATION_NOT_APPROVED",
        "版本 {revision} 未签发到「{channel}」渠道,不能投递。",
        "Revision {revision} is not approved for {channel}; it is not sent.",
        409,
    )


@dataclass(frozen=True)
class Approval:
    revision: int
    version: int
    embargo_until: int | None = None


@dataclass(frozen=True)
class Refusal:
    """A send refused: the error kind and its parameters (for the ledger and the API)."""

    kind: ErrorKind
    params: dict[str, Any]

    @property
    def code(self) -> str:
        return self.kind.code

    @property
    def message_zh(self) -> str:
        return self.kind.zh.format(**self.params)

    @property
    def message_en(self) -> str:
        return self.kind.en.format(**self.params)


def approval_fields(
    *, channels: Collection[str], revision: int, version: int, embargo_until: int | None
) -> dict[str, Any]:
    """The `$set` fields recording an approval of `revision` (made at story `version`) for
    `channels` (empty: the default channels)."""
    entry = {"revision": revision, "version": version, "embargo_until": embargo_until}
    return {f"release.approvals.{c}": entry for c in (channels or (DEFAULT_KEY,))}


def embargo_fields(release: Mapping[str, Any], until: int | None) -> dict[str, Any]:
    """The `$set` fields moving the embargo of every standing approval to `until`."""
    return {f"release.approvals.{k}.embargo_until": until for k in (release.get("approvals") or {})}


def takedown_fields(version: int) -> dict[str, Any]:
    """The `$set` fields recording a takedown made at story `version`."""
    return {"release.withdrawn_version": version}


def approval_for(
    release: Mapping[str, Any], channel: str, default_channels: Collection[str]
) -> Approval | None:
    """The newest approval that covers `channel`, or None."""
    approvals = release.get("approvals") or {}
    found = [approvals.get(channel)]
    if channel in default_channels:
        found.append(approvals.get(DEFAULT_KEY))
    best = max((a for a in found if a), key=lambda a: int(a["version"]), default=None)
    if best is None:
        return None
    until = best.get("embargo_until")
    return Approval(int(best["revision"]), int(best["version"]), int(until) if until else None)


def withdrawn(release: Mapping[str, Any], approval: Approval | None) -> bool:
    """True when a takedown came after the approval (or there is a takedown and no approval)."""
    taken_down = int(release.get("withdrawn_version") or 0)
    return bool(taken_down) and (approval is None or approval.version < taken_down)


def refusal(
    release: Mapping[str, Any] | None,
    channel: str,
    revision: int,
    default_channels: Collection[str],
) -> Refusal | None:
    """Why revision `revision` must not be sent (published or corrected) to `channel` now,
    or None when it may. A story without a release record predates it: only what the
    record would say is checked, so nothing is refused for want of one."""
    if not release:
        return None
    approval = approval_for(release, channel, default_channels)
    if withdrawn(release, approval):
        return Refusal(ReleaseCodes.WITHDRAWN, {})
    if approval is None:
        return Refusal(ReleaseCodes.NOT_APPROVED, {"revision": revision, "channel": channel})
    if approval.revision != revision:
        return Refusal(
            ReleaseCodes.SUPERSEDED,
            {"channel": channel, "revision": revision, "approved": approval.revision},
        )
    return None


def hold_until(
    release: Mapping[str, Any] | None, channel: str, default_channels: Collection[str], now: int
) -> int | None:
    """The embargo end (ms) still holding the channel's approved revision back, or None."""
    approval = approval_for(release or {}, channel, default_channels)
    if approval is None or approval.embargo_until is None or approval.embargo_until <= now:
        return None
    return approval.embargo_until


def unchanged_approval(
    release: Mapping[str, Any] | None, revision: int, channels: Collection[str]
) -> bool:
    """True when `revision` is already the approved, not-withdrawn revision of every
    channel in `channels` (empty: the default channels): approving it again changes nothing."""
    if not release:
        return False
    approvals = release.get("approvals") or {}
    for key in channels or (DEFAULT_KEY,):
        entry = approvals.get(key)
        if not entry or int(entry["revision"]) != revision:
            return False
        if withdrawn(release, Approval(int(entry["revision"]), int(entry["version"]))):
            return False
    return True
