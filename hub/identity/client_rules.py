"""The rules of an OAuth client's lifecycle as plain code: secret rotation with an
overlap, which secrets a sign-in may use, disabling. No I/O.

Rotation: the new secret is current at once; the replaced one stays accepted for
`keep_old_seconds` (0 to `MAX_KEEP_OLD_SECONDS`, 7 days) so a partner can deploy the new
one. Secrets replaced earlier keep their own end, but never outlive the newest overlap,
so rotating with 0 after a leak ends every old secret at once. At most
`MAX_PREVIOUS_SECRETS` old ones are kept (each sign-in with a wrong secret checks them
all). `end_sessions` (refuse the tokens already issued) only goes with 0: while an old
secret still works its holder would just fetch a new token.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from hub.errors import invalid
from hub.identity.documents import PreviousClientSecret

MAX_KEEP_OLD_SECONDS = 7 * 86_400
MAX_PREVIOUS_SECRETS = 2
MAX_REASON_CHARS = 500
MARK_USE_EVERY_MS = 60_000  # an old secret's last use is written at most this often


class ClientStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


def status(disabled: bool) -> ClientStatus:
    return ClientStatus.DISABLED if disabled else ClientStatus.ACTIVE


def check_rotation(keep_old_seconds: int, end_sessions: bool) -> None:
    """INVALID_INPUT unless the overlap is within bounds and `end_sessions` comes without one."""
    if not 0 <= keep_old_seconds <= MAX_KEEP_OLD_SECONDS:
        raise invalid(
            "keepOldSeconds",
            f"旧密钥保留时间须在 0 到 {MAX_KEEP_OLD_SECONDS} 秒(7 天)之间",
            f"must be between 0 and {MAX_KEEP_OLD_SECONDS} seconds (7 days)",
        )
    if end_sessions and keep_old_seconds > 0:
        raise invalid(
            "endSessions",
            "旧密钥仍可使用时结束已签发的令牌没有意义(持有旧密钥者会立即换取新令牌):请将 keepOldSeconds 设为 0",
            "ending the issued tokens while the old secret still works is pointless (its holder gets a new "
            "token at once): use keepOldSeconds 0",
        )


def live(previous: Iterable[PreviousClientSecret], now: int) -> list[PreviousClientSecret]:
    """The old secrets still accepted at `now`."""
    return [p for p in previous if p.expires_at > now]


def after_rotation(
    current_hash: str, previous: Iterable[PreviousClientSecret], now: int, keep_old_seconds: int
) -> list[PreviousClientSecret]:
    """The old secrets accepted after replacing `current_hash` at `now`, oldest first."""
    until = now + keep_old_seconds * 1000
    kept = [
        p.model_copy(update={"expires_at": min(p.expires_at, until)}) for p in live(previous, now)
    ]
    if keep_old_seconds > 0:
        kept.append(
            PreviousClientSecret(secret_hash=current_hash, retired_at=now, expires_at=until)
        )
    kept = [p for p in kept if p.expires_at > now]
    return kept[-MAX_PREVIOUS_SECRETS:]


def should_mark_use(last_used_at: int | None, now: int) -> bool:
    return last_used_at is None or now - last_used_at >= MARK_USE_EVERY_MS


def check_reason(reason: str) -> str:
    """The reason for disabling a client: required (it goes to the audit log), bounded."""
    text = reason.strip()
    if not text:
        raise invalid(
            "reason", "请填写停用原因(写入审计日志)", "a reason is required (it is audited)"
        )
    if len(text) > MAX_REASON_CHARS:
        raise invalid(
            "reason",
            f"停用原因最多 {MAX_REASON_CHARS} 字",
            f"at most {MAX_REASON_CHARS} characters",
        )
    return text
