"""Waking the idle workers of the other processes on this host: a doorbell per worker.

`wakeup.notify` wakes this process's idle workers when work is made here. A worker in
another process (`ronghub worker` beside `ronghub serve`, the primary API worker's
in-process one) found an approval made in the API process only on its next look
(`idle_sleep`, 0.2 s, after a relay and a look for due jobs): up to a fifth of a second of
a lone story's way to its channels, spent waiting. So each process that runs a worker
opens a doorbell, a UDP socket on loopback whose port it writes into a file of
`<data dir>/run/doorbells/`, and work made in any process of the deployment rings the
other processes' doorbells (one empty datagram each, at most once per turn of the event
loop however many jobs a write made). A ring carries nothing: it only makes the worker
look now, so a forged one costs a pass and a lost one (a datagram dropped, a worker on
another host, a doorbell file not yet seen) costs the wait for the worker's own next
look, which stays as it was: the store is still the only channel of work.

The doorbell files are read again at most once a second (and after a send fails); a file
whose process has ended is removed by the next process that reads the folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import structlog

from hub.pids import alive as _alive

log = structlog.get_logger(__name__)

#: how long a listing of the doorbell folder is used before it is read again
REREAD_SECONDS = 1.0
_HOST = socket.gethostname().replace("-", "_")[:40] or "host"


def folder_of(data_dir: Path) -> Path:
    """The doorbell folder of a deployment's data folder."""
    return data_dir / "run" / "doorbells"


class _Ringer:
    """The folders this process rings, and what it last read in them."""

    def __init__(self) -> None:
        self.folders: list[Path] = []
        self.own: set[str] = set()  # this process's doorbell files: never rung
        self._ports: list[int] = []
        self._read_at = -REREAD_SECONDS
        self._pending = False
        self._sock: socket.socket | None = None
        self.rung = 0  # datagrams sent (tests, benches)

    def ring(self) -> None:
        """Ring every other doorbell of the folders, once per turn of the event loop."""
        if not self.folders or self._pending:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._ring_now()
            return
        self._pending = True
        loop.call_soon(self._ring_now)

    def _ring_now(self) -> None:
        self._pending = False
        if time.monotonic() - self._read_at >= REREAD_SECONDS:
            self._read()
        if not self._ports:
            return
        if self._sock is None:
            self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._sock.setblocking(False)
        failed = False
        for port in self._ports:
            try:
                self._sock.sendto(b"", ("127.0.0.1", port))
                self.rung += 1
            except OSError:  # a full buffer, a port gone: that worker finds it on its own look
                failed = True
        if failed:
            self._read_at = -REREAD_SECONDS

    def _read(self) -> None:
        """The ports of this host's other live doorbells (the files of ended processes removed)."""
        self._read_at = time.monotonic()
        ports: list[int] = []
        for folder in self.folders:
            with contextlib.suppress(OSError):
                for entry in os.scandir(folder):
                    host, _, rest = entry.name.partition("-")
                    if host != _HOST or entry.name in self.own or entry.name.endswith(".tmp"):
                        continue
                    pid = rest.split("-", 1)[0]
                    if pid.isdigit() and not _alive(int(pid)):
                        with contextlib.suppress(OSError):
                            os.unlink(entry.path)
                        continue
                    with contextlib.suppress(OSError, ValueError):
                        ports.append(int(Path(entry.path).read_text()))
        self._ports = sorted(set(ports))

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


_ringer = _Ringer()


def ring() -> None:
    """Work was just made in this process: the workers of the other processes look now."""
    _ringer.ring()


def rung() -> int:
    """Doorbells rung by this process so far."""
    return _ringer.rung


@contextlib.asynccontextmanager
async def ringing(folder: Path) -> AsyncIterator[None]:
    """While the block runs, work made in this process rings the doorbells in `folder`."""
    _ringer.folders.append(folder)
    _ringer._read_at = -REREAD_SECONDS
    try:
        yield
    finally:
        _ringer.folders.remove(folder)
        if not _ringer.folders:
            _ringer.close()


class _Listener(asyncio.DatagramProtocol):
    def __init__(self, on_ring: Callable[[], None]) -> None:
        self.on_ring = on_ring

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        self.on_ring()

    def error_received(self, exc: Exception) -> None:  # nothing to answer: the polls go on
        log.debug("doorbell.error", error=str(exc))


def _register(folder: Path, port: int) -> Path | None:
    """Write the doorbell's file (None if the folder cannot be written: no doorbell, the
    worker's own looks find the work as before)."""
    name = f"{_HOST}-{os.getpid()}-{secrets.token_hex(4)}"
    path = folder / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / (name + ".tmp")
        tmp.write_text(str(port))
        tmp.replace(path)  # a reader sees the whole port or no file
    except OSError as exc:
        log.warning("doorbell.unavailable", folder=str(folder), error=str(exc))
        return None
    _ringer.own.add(name)
    _ringer._read_at = -REREAD_SECONDS
    return path


@contextlib.asynccontextmanager
async def listening(folder: Path, on_ring: Callable[[], None]) -> AsyncIterator[Path | None]:
    """A doorbell in `folder` while the block runs: each ring calls `on_ring` (which must
    only wake this process's workers: ringing on would echo between the processes).
    Yields the doorbell's file (None: no doorbell). The processes that ring see it within
    `REREAD_SECONDS`."""
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: _Listener(on_ring), local_addr=("127.0.0.1", 0)
    )
    path = _register(folder, transport.get_extra_info("sockname")[1])
    try:
        yield path
    finally:
        if path is not None:
            _ringer.own.discard(path.name)
            with contextlib.suppress(OSError):
                path.unlink()
        transport.close()
