"""Doorbells (hub/jobs/doorbell.py): work made in one process wakes the idle worker of
another at once, and a wake that is lost still leaves the work to the worker's own looks.
Real processes, real sockets, the real store."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.clock import SteppedClock
from hub.ids import new_id, now_ms
from hub.jobs import doorbell, queue
from hub.jobs.consumers import Consumer
from hub.jobs.documents import JobDoc, JobState
from hub.jobs.worker import Worker
from hub.settings import Settings
from tests.conftest import wait_until

pytestmark = pytest.mark.usefixtures("hub_url")  # Beanie is initialised by the hub

#: the other process's own looks: far longer than any test here may take
NEVER = 3_600


@pytest.fixture
def worker_elsewhere(
    hub_settings: Settings, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[str], str, Path]]:
    """A worker in another process, with a doorbell in a folder of its own, running the
    jobs of a consumer of its own; it looks for work on its own once an hour."""
    folder = tmp_path / "doorbells"
    name = "test-bell-" + new_id()
    assert hub_settings.mongodb_uri is not None
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.jobs.doorbell_worker",
            hub_settings.mongodb_uri,
            hub_settings.mongodb_db,
            name,
            str(folder),
            str(NEVER),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "idle"
        yield proc, name, folder
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()


async def _done(job_id: str) -> bool:
    job = await JobDoc.get(job_id)
    return job is not None and job.state == JobState.DONE


@pytest.fixture
async def ringing_to(
    worker_elsewhere: tuple[subprocess.Popen[str], str, Path],
) -> AsyncIterator[tuple[subprocess.Popen[str], str]]:
    proc, name, folder = worker_elsewhere
    async with doorbell.ringing(folder):
        yield proc, name


async def test_a_job_made_here_wakes_the_idle_worker_of_another_process_at_once(
    ringing_to: tuple[subprocess.Popen[str], str],
) -> None:
    proc, name = ringing_to
    tenant = "bell-" + new_id()
    rung = doorbell.rung()
    started = asyncio.get_running_loop().time()
    for n in range(3):  # each time: the other process looks again only in an hour
        assert await queue.enqueue(tenant, name, "direct", f"k{n}")
        await wait_until(lambda n=n: _done(JobDoc.make_id(name, f"k{n}")), "the rung job is done")
    # within the wait_until bound (a loaded machine), not the hour: the doorbell woke it
    assert asyncio.get_running_loop().time() - started < NEVER / 10
    assert doorbell.rung() - rung == 3
    done = await JobDoc.get(JobDoc.make_id(name, "k0"))
    assert done is not None and done.result == {"pid": proc.pid}  # the other process ran it


async def test_several_jobs_made_in_one_turn_ring_once(tmp_path: Path) -> None:
    """A plan makes a story's seven delivery jobs in one write; the doorbells are rung once
    per turn of the event loop, not once per job or per write."""
    folder = tmp_path / "bells"
    async with doorbell.ringing(folder):
        async with doorbell.listening(folder, lambda: None):  # ours: never rung by us
            pass
        other = asyncio.Event()
        async with doorbell.listening(folder, other.set) as path:
            assert path is not None
            doorbell._ringer.own.discard(path.name)  # as if it were another process's
            rung = doorbell.rung()
            for _ in range(5):
                doorbell.ring()
            await asyncio.wait_for(other.wait(), 30)
            assert doorbell.rung() - rung == 1


async def test_a_lost_wake_leaves_the_work_to_the_workers_own_look(clock: SteppedClock) -> None:
    """No doorbell rings for a job that falls due (a retry's back-off ends, a scheduled
    story's time comes) or whose ring is lost: the idle worker finds it on its next look."""
    seen = asyncio.Event()

    async def handle(job: JobDoc) -> dict[str, Any]:
        seen.set()
        return {}

    c = Consumer(name="test-" + new_id(), kinds=(), handler=handle)
    worker = Worker([c], idle_sleep=0.05)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        # made now, due in a minute: the wake it made finds nothing due yet
        assert await queue.enqueue("bell-" + new_id(), c.name, "later", "k", {}, now_ms() + 60_000)
        await wait_until(lambda: worker.idle, "the worker idles")
        assert not seen.is_set()
        clock.advance(60_000)  # no one is woken: the minute passes
        await asyncio.wait_for(seen.wait(), 30)
    finally:
        stop.set()
        await running


def _ended_pid() -> int:
    """The pid of a process that has ended."""
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(gone.stdout)


async def test_a_doorbell_of_an_ended_process_is_removed_and_ringing_it_is_harmless(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "doorbells"
    folder.mkdir()
    stale = folder / f"{doorbell._HOST}-{_ended_pid()}-dead"
    stale.write_text("9")  # a port nobody listens on
    unread = folder / f"{doorbell._HOST}-{os.getpid()}-junk"
    unread.write_text("not a port")
    async with doorbell.ringing(folder):
        doorbell.ring()
        await wait_until(lambda: not stale.exists(), "the ended process's doorbell is removed")
    assert unread.exists()  # a live process's file is left alone, whatever it holds


async def test_a_folder_that_cannot_be_written_gives_no_doorbell_and_the_worker_runs(
    tmp_path: Path,
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    async with doorbell.listening(blocked / "doorbells", lambda: None) as path:
        assert path is None
