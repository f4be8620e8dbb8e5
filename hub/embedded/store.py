"""The embedded document store: nx-27017 (MongoDB wire protocol on SQLite) as a child process.

The hub starts it on a free loopback port with `--data-dir` under the data folder,
waits until it answers `ping`, and stops it on exit. A record file next to the data
names the store process and the hub that owns it, so a store left behind by a hub
that was killed is found and stopped at the next start. On Linux the child also
gets a parent-death signal, so it usually goes down with a killed hub by itself.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from pymongo import MongoClient
from pymongo.errors import PyMongoError

from hub.pids import alive as _alive

log = structlog.get_logger(__name__)

RECORD = "store.json"
_PR_SET_PDEATHSIG = 1


class EmbeddedStoreError(RuntimeError):
    """The embedded store could not be started; the message says why and what to do."""


# Why a file of the store could not be written: full disk, quota, permissions, read-only.
_UNWRITABLE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS})


def unwritable(path: Path, exc: OSError) -> EmbeddedStoreError:
    """One plain line for a file the start could not write (a full disk, most often)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return EmbeddedStoreError(
            f"磁盘已满,无法写入 {path},内嵌数据库未启动。请清理磁盘空间后再启动。"
            f" / The disk is full: could not write {path}, so the embedded store did not start. "
            "Free some disk space and start again."
        )
    return EmbeddedStoreError(
        f"无法写入 {path}({exc.strerror}),内嵌数据库未启动。"
        f" / Could not write {path} ({exc.strerror}), so the embedded store did not start."
    )


@dataclass(frozen=True)
class StoreRecord:
    pid: int
    port: int
    owner_pid: int
    data_dir: str
    owner_started: str | None = None  # the owner's start time (/proc), so a reused pid is not it

    @classmethod
    def read(cls, path: Path) -> StoreRecord | None:
        try:
            raw = json.loads(path.read_text())
            started = raw.get("owner_started")
            return cls(
                int(raw["pid"]),
                int(raw["port"]),
                int(raw["owner_pid"]),
                str(raw["data_dir"]),
                str(started) if started is not None else None,
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def owner_alive(self) -> bool:
        """The hub that wrote this record still runs (not merely a process with its pid)."""
        if not _alive(self.owner_pid):
            return False
        return self.owner_started is None or _start_time(self.owner_pid) in (
            None,
            self.owner_started,
        )

    def write(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.__dict__))
        os.replace(tmp, path)


def free_port(host: str = "127.0.0.1", avoid: frozenset[int] = frozenset()) -> int:
    """A port free now, other than those in `avoid` (ports another part of the same
    start-up is about to bind: the OS readily hands a just-released port out again)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((host, 0))
            port = int(s.getsockname()[1])
        if port not in avoid:
            return port


def _start_time(pid: int) -> str | None:
    """When pid started (clock ticks since boot, /proc/<pid>/stat field 22); None off Linux."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(") ", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _cmdline(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [p.decode(errors="replace") for p in f.read().split(b"\0") if p]
    except OSError:
        return []


def _is_our_store(pid: int, data_dir: Path) -> bool:
    """True if pid is an nx-27017 process serving data_dir (guards against pid reuse)."""
    cmd = _cmdline(pid)
    if not cmd:
        # No /proc (not Linux): trust the record only if the process is alive.
        return _alive(pid)
    return any("nx_27017" in part or "nx-27017" in part for part in cmd) and str(data_dir) in cmd


def _stores_serving(data_dir: Path) -> list[int]:
    """Live nx-27017 processes serving data_dir, from /proc (none found off Linux)."""
    found: list[int] = []
    proc = Path("/proc")
    if not proc.is_dir():
        return found
    for entry in proc.iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            pid = int(entry.name)
            if _alive(pid) and _cmdline(pid) and _is_our_store(pid, data_dir):
                found.append(pid)
    return found


def _terminate(pid: int, timeout: float = 10.0) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _set_parent_death_signal() -> None:  # runs in the child between fork and exec
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _disk_full_text(log_tail: str) -> bool:
    """The store's own output says it stopped on a full disk (its pid file, its log...)."""
    return "No space left on device" in log_tail or "database or disk is full" in log_tail


def _no_room(path: Path) -> bool:
    """Less than a page or so is free where the store writes (it could not write its log)."""
    try:
        return shutil.disk_usage(path).free < 64 * 1024
    except OSError:
        return False


def running_store_uri(store_dir: Path, host: str = "127.0.0.1") -> str | None:
    """The URI of the embedded store a running hub owns for this data folder, if any."""
    record = StoreRecord.read(store_dir.resolve() / RECORD)
    if record is None or not _alive(record.pid) or not _alive(record.owner_pid):
        return None
    return f"mongodb://{host}:{record.port}/?directConnection=true"


class EmbeddedStore:
    """Start, health-check and stop nx-27017 for one data folder."""

    def __init__(
        self,
        store_dir: Path,
        host: str = "127.0.0.1",
        startup_timeout: float = 30.0,
        avoid_ports: frozenset[int] = frozenset(),
    ):
        self.store_dir = store_dir.resolve()
        self.avoid_ports = avoid_ports  # e.g. the hub's own HTTP port, bound after the store starts
        self.data_dir = self.store_dir / "data"
        self.host = host
        self.startup_timeout = startup_timeout
        self.port: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        if self.port is None:
            raise EmbeddedStoreError("the embedded store is not running")
        return f"mongodb://{self.host}:{self.port}/?directConnection=true"

    @property
    def record_path(self) -> Path:
        return self.store_dir / RECORD

    def reap_orphan(self) -> bool:
        """Stop a store that a killed hub left behind. Returns True if one was stopped."""
        record = StoreRecord.read(self.record_path)
        if record is None:
            return False
        if (
            record.owner_pid != os.getpid()
            and record.owner_alive()
            and _alive(record.pid)
            and _is_our_store(record.pid, self.data_dir)
        ):
            raise EmbeddedStoreError(
                f"数据目录 {self.store_dir} 正被另一个 Ronghub 进程(pid {record.owner_pid})使用。"
                f" / The data folder is in use by another Ronghub process (pid {record.owner_pid}); "
                "stop it or set RONGHUB_DATA_DIR to another folder."
            )
        stopped = False
        if _alive(record.pid) and _is_our_store(record.pid, self.data_dir):
            log.warning("embedded_store.orphan_stopped", pid=record.pid, owner=record.owner_pid)
            _terminate(record.pid)
            stopped = True
        self.record_path.unlink(missing_ok=True)
        return stopped

    @property
    def pid_file(self) -> Path:
        return self.store_dir / "nx.pid"

    def clear_stale_pid_file(self) -> None:
        """Remove nx-27017's pid file unless it names a live store of this data folder.

        nx-27017 refuses to start while its pid file names *any* live process; after a
        SIGKILL or a power cut the file stays, and once its pid is reused (after a reboot
        pids start low again) the store, and so the hub, would never start again.
        """
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            # Missing, empty or garbled: nx-27017 creates the file before it writes its pid,
            # so a store starting this moment leaves it empty. Ask /proc who serves the folder.
            pid = next(iter(_stores_serving(self.data_dir)), 0)
            if not pid:
                self.pid_file.unlink(missing_ok=True)
                return
        if pid != os.getpid() and _alive(pid) and _is_our_store(pid, self.data_dir):
            raise EmbeddedStoreError(
                f"数据目录 {self.store_dir} 正被另一个内嵌数据库进程(pid {pid})使用。"
                f" / The data folder is in use by another embedded store process (pid {pid}); "
                "stop it or set RONGHUB_DATA_DIR to another folder."
            )
        self.pid_file.unlink(missing_ok=True)

    def start(self, port: int | None = None, abort: Callable[[], bool] | None = None) -> str:
        """Start the store and wait until it answers; on `port` if given (a restart keeps
        its port, so the hub's open client finds it again). `abort()` true ends the wait."""
        try:
            return self._start(port, abort)
        except OSError as exc:
            if exc.errno not in _UNWRITABLE:
                raise
            raise unwritable(Path(exc.filename or self.store_dir), exc) from None

    def _start(self, port: int | None, abort: Callable[[], bool] | None) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.reap_orphan()
        self.clear_stale_pid_file()
        self.port = port or free_port(self.host, self.avoid_ports)
        cmd = [
            sys.executable,
            "-m",
            "nx_27017.nx_27017",
            "--data-dir",
            str(self.data_dir),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--pid-file",
            str(self.pid_file),
            "--log-file",
            str(self.store_dir / "nx.log"),
        ]
        log_out = open(self.store_dir / "nx.stdout.log", "ab")  # noqa: SIM115 - owned by the child
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log_out,
            stderr=subprocess.STDOUT,
            preexec_fn=_set_parent_death_signal if sys.platform == "linux" else None,
            start_new_session=True,
        )
        log_out.close()
        try:
            StoreRecord(
                self._proc.pid, self.port, os.getpid(), str(self.data_dir), _start_time(os.getpid())
            ).write(self.record_path)
        except OSError as exc:
            self.stop()
            self.record_path.with_suffix(".tmp").unlink(missing_ok=True)
            raise unwritable(self.record_path, exc) from None
        self._wait_healthy(abort)
        log.info(
            "embedded_store.started", pid=self._proc.pid, port=self.port, dir=str(self.data_dir)
        )
        return self.uri

    def _wait_healthy(self, abort: Callable[[], bool] | None = None) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + self.startup_timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if abort is not None and abort():
                self.stop()
                raise EmbeddedStoreError(
                    "内嵌数据库启动已取消 / the embedded store's start was called off"
                )
            if self._proc.poll() is not None:
                code = self._proc.returncode
                tail = (self.store_dir / "nx.stdout.log").read_text(errors="replace")[-2000:]
                if _disk_full_text(tail) or _no_room(self.store_dir):
                    raise unwritable(
                        self.store_dir, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                    )
                raise EmbeddedStoreError(
                    f"内嵌数据库启动失败 / the embedded store exited with code {code}:\n{tail}"
                )
            try:
                client: MongoClient[dict[str, Any]] = MongoClient(
                    self.uri, serverSelectionTimeoutMS=500
                )
                with client:
                    client.admin.command("ping")
                return
            except PyMongoError as exc:
                last = exc
                time.sleep(0.1)
        self.stop()
        raise EmbeddedStoreError(
            f"the embedded store did not answer within {self.startup_timeout}s: {last}"
        )

    def ping(self, timeout: float) -> bool:
        """Whether the running store answers a ping within `timeout` seconds (a stopped or
        deadlocked process still accepts connections, so only an answer counts)."""
        if self.port is None:
            return False
        ms = max(1, int(timeout * 1000))
        try:
            client: MongoClient[dict[str, Any]] = MongoClient(
                self.uri, serverSelectionTimeoutMS=ms, connectTimeoutMS=ms, socketTimeoutMS=ms
            )
            with client:
                client.admin.command("ping")
            return True
        except PyMongoError:
            return False

    def kill(self) -> None:
        """SIGKILL the store process (a hung one ignores SIGTERM); its watcher then restarts it."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGKILL)

    def wait(self) -> int | None:
        """Block until the store process exits; its exit code (None: none was running)."""
        proc = self._proc
        return None if proc is None else proc.wait()

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return None if proc is None else proc.pid

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the store: SIGTERM, and SIGKILL if it is still running after `timeout`
        seconds (its data is safe either way: docs/storage.md)."""
        if self._proc is not None:
            _terminate(self._proc.pid, timeout)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=5)  # reaped at once after the SIGKILL
            self._proc = None
        record = StoreRecord.read(self.record_path)
        if record is not None and record.owner_pid == os.getpid():
            self.record_path.unlink(missing_ok=True)
        self.port = None

    def __enter__(self) -> EmbeddedStore:
        try:
            self.start()
        except BaseException:  # e.g. SIGTERM while waiting for it: do not leave it running
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
