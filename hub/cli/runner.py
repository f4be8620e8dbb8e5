"""What every `ronghub` command shares: the consoles, the command group that turns a known
failure into one line and exit code 2, and the runner that opens the configured store (or
starts the embedded one) around a command's work.

Exit codes: 0 done; 1 the command ran and found something wrong (a stale file, a broken
audit chain, a refused reindex); 2 a failure an operator can act on (a refused operation,
a store that does not start or answer). Anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import NoReturn, TextIO, TypeVar, cast

import click
import structlog
from rich.console import Console

from hub.settings import Settings

console = Console(stderr=True, soft_wrap=True)  # ids, keys and URLs stay on one line for copy-paste
out = Console(soft_wrap=True)  # tables still fit the terminal
T = TypeVar("T")
CLI_ACTOR = "cli"  # who the audit log names for a change made from the shell


def failure_line(exc: BaseException) -> str | None:
    """One line (Chinese / English) for a failure an operator can act on, or None (a bug:
    let its traceback show). Covers a refused operation (HubError, e.g. the search index
    held by a running hub), an embedded store that cannot start (the data folder is in
    use) and a store that does not answer."""
    from pymongo.errors import ConnectionFailure

    from hub.embedded.store import EmbeddedStoreError
    from hub.errors import Codes, HubError

    if isinstance(exc, ConnectionFailure):
        exc = HubError(Codes.STORE_UNAVAILABLE)
    if isinstance(exc, HubError):
        return f"{exc.code} {exc.message_zh} / {exc.message_en}"
    if isinstance(exc, EmbeddedStoreError):
        return str(exc).strip().splitlines()[0]
    return None


class Commands(click.Group):
    """Every command ends a known failure with one clear line and exit code 2."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            line = failure_line(exc)
            if line is None:
                raise
            console.print(line, markup=False, highlight=False)
            sys.exit(2)


def fail(exc: Exception) -> NoReturn:
    """End the command on a refused operation (HubError): its code in red, exit code 2;
    anything else is raised on."""
    from hub.errors import HubError

    if isinstance(exc, HubError):
        console.print(
            f"[red]{exc.code}[/red] {exc.message_zh} / {exc.message_en}", soft_wrap=True
        )  # one line
        sys.exit(2)
    raise exc


def logs_to_stderr() -> None:
    """Send log lines to stderr, so that what a command prints on stdout (JSON, the
    `client_id=` lines scripts parse) stays clean when something logs a warning, e.g. a
    plugin that fails to load. `serve` and `worker` keep their logs on stdout."""
    structlog.configure(logger_factory=lambda *_: structlog.PrintLogger(cast(TextIO, _STDERR)))


class _Stderr:
    """Whatever sys.stderr is when a line is written (a test runner swaps it per call)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


_STDERR = _Stderr()


def run_with_store(work: Callable[[Settings], Awaitable[T]]) -> T:
    """Open the configured store (starting the embedded one if no URI is set), connect the
    documents, run `work` and close everything again."""
    from hub.runtime import command_store
    from hub.wiring import connect

    logs_to_stderr()

    async def go(settings: Settings) -> T:
        from hub.identity import passwords

        passwords.configure(settings.password_memory_kib, settings.password_time_cost)
        assert settings.mongodb_uri
        database = await connect(settings.mongodb_uri, settings.mongodb_db)
        try:
            return await work(settings)
        finally:
            await database.close()

    with command_store(Settings()) as settings:
        return asyncio.run(go(settings))


def when(ms: int | None) -> str:
    """A stored millisecond time as UTC for a terminal, or '-'."""
    return (
        "-"
        if ms is None
        else datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    )
