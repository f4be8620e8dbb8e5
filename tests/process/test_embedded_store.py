"""The embedded store's ownership rules: a store whose hub died is stopped at the next start,
a store whose hub is alive is left alone with a clear error, and stale files never block."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.embedded.store import (
    EmbeddedStore,
    EmbeddedStoreError,
    StoreRecord,
    _start_time,
    free_port,
)
from tests.process.procs import kill_pid, store_pids, wait_until

pytestmark = pytest.mark.slow


def dead_pid() -> int:
    """The pid of a process that has already exited (and been reaped)."""
    done = subprocess.run([sys.executable, "-c", "pass"], check=True)
    assert done.returncode == 0
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


class Started:
    """Processes a test starts; all killed (by pid) when it ends."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []

    def sleeper(self) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
        self.procs.append(proc)
        return proc

    def bare_store(self, store: EmbeddedStore) -> tuple[subprocess.Popen[bytes], int]:
        """nx-27017 on the store's data folder, as EmbeddedStore starts it but with no
        parent-death signal: what survives a killed hub where that signal is missing."""
        store.data_dir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "nx_27017.nx_27017",
                "--data-dir",
                str(store.data_dir),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--pid-file",
                str(store.pid_file),
                "--log-file",
                str(store.store_dir / "nx.log"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.procs.append(proc)
        wait_until(lambda: proc.pid in store_pids(store.data_dir), 30, "the bare store to run")
        # nx-27017 creates its pid file, then writes the pid: an empty file (seen beside a
        # CPU hog) reads as stale, and a second store would start on the folder
        wait_until(lambda: _read(store.pid_file) == str(proc.pid), 30, "the bare store's pid file")
        return proc, port

    def stop_all(self, store: EmbeddedStore) -> None:
        for proc in self.procs:
            kill_pid(proc.pid)
            proc.wait(timeout=30)
        for pid in store_pids(store.data_dir):
            kill_pid(pid)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    s = EmbeddedStore(tmp_path / "store")
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def started(store: EmbeddedStore) -> Iterator[Started]:
    helper = Started()
    try:
        yield helper
    finally:
        helper.stop_all(store)


async def test_a_store_whose_hub_died_is_stopped_by_reap_orphan(
    store: EmbeddedStore, started: Started
) -> None:
    orphan, port = started.bare_store(store)
    StoreRecord(orphan.pid, port, dead_pid(), str(store.data_dir), None).write(store.record_path)
    assert await asyncio.to_thread(store.reap_orphan) is True
    assert orphan.wait(timeout=30) is not None
    assert store_pids(store.data_dir) == []
    assert not store.record_path.exists()


async def test_the_next_start_reaps_the_orphan_and_runs_exactly_one_store(
    store: EmbeddedStore, started: Started
) -> None:
    orphan, port = started.bare_store(store)
    StoreRecord(orphan.pid, port, dead_pid(), str(store.data_dir), None).write(store.record_path)
    await asyncio.to_thread(store.start)
    assert orphan.wait(timeout=30) is not None
    assert store_pids(store.data_dir) == [store._proc.pid]  # type: ignore[union-attr]
    record = StoreRecord.read(store.record_path)
    assert (
        record is not None
        and record.owner_pid == os.getpid()
        and record.owner_started == _start_time(os.getpid())
    )


async def test_a_store_whose_hub_is_alive_is_refused_and_left_running(
    store: EmbeddedStore, started: Started
) -> None:
    live, port = started.bare_store(store)
    owner = started.sleeper()
    StoreRecord(live.pid, port, owner.pid, str(store.data_dir), _start_time(owner.pid)).write(
        store.record_path
    )
    with pytest.raises(EmbeddedStoreError) as caught:
        await asyncio.to_thread(store.start)
    message = str(caught.value)
    assert (
        f"pid {owner.pid}" in message and "RONGHUB_DATA_DIR" in message and "正被另一个" in message
    )
    assert live.poll() is None, "the other hub's store must not be stopped"
    assert store_pids(store.data_dir) == [live.pid]
    assert StoreRecord.read(store.record_path) is not None  # the other hub's record stays


async def test_a_reused_owner_pid_does_not_protect_an_orphan(
    store: EmbeddedStore, started: Started
) -> None:
    """The owner pid is alive, but it is another process now (its start time differs)."""
    orphan, port = started.bare_store(store)
    impostor = started.sleeper()
    StoreRecord(orphan.pid, port, impostor.pid, str(store.data_dir), "1").write(store.record_path)
    assert await asyncio.to_thread(store.reap_orphan) is True
    assert orphan.wait(timeout=30) is not None
    assert impostor.poll() is None


async def test_a_record_naming_an_unrelated_process_kills_nothing(
    store: EmbeddedStore, started: Started
) -> None:
    bystander = started.sleeper()
    store.store_dir.mkdir(parents=True)
    StoreRecord(bystander.pid, 1, dead_pid(), str(store.data_dir), None).write(store.record_path)
    assert await asyncio.to_thread(store.reap_orphan) is False
    assert bystander.poll() is None
    assert not store.record_path.exists()


@pytest.mark.parametrize("content", ["own", "garbage", ""])
async def test_a_stale_pid_file_does_not_block_the_start(
    store: EmbeddedStore, content: str
) -> None:
    """After SIGKILL or a power cut nx.pid stays; its pid may since belong to anything."""
    store.store_dir.mkdir(parents=True)
    store.pid_file.write_text(str(os.getpid()) if content == "own" else content)
    await asyncio.to_thread(store.start)
    assert store_pids(store.data_dir) == [store._proc.pid]  # type: ignore[union-attr]


async def test_a_pid_file_naming_a_live_store_of_this_folder_is_refused(
    store: EmbeddedStore, started: Started
) -> None:
    live, _ = started.bare_store(store)  # no record: its owner is unknown
    with pytest.raises(EmbeddedStoreError, match=f"pid {live.pid}"):
        await asyncio.to_thread(store.start)
    assert live.poll() is None


async def test_an_empty_pid_file_beside_a_live_store_of_this_folder_is_refused(
    store: EmbeddedStore, started: Started
) -> None:
    """nx-27017 creates its pid file before writing the pid: a start in that moment must not
    take the empty file for a stale one and put a second store on the folder."""
    live, _ = started.bare_store(store)
    store.pid_file.write_text("")
    with pytest.raises(EmbeddedStoreError, match=f"pid {live.pid}"):
        await asyncio.to_thread(store.start)
    assert live.poll() is None
