"""The worker loop: relay the outbox, claim jobs, run handlers, record outcomes.

An outage (the store does not answer, the disk is full) is nobody's fault: a job it
cuts short is given back without counting the attempt (or, if the store cannot even
take that, its lease runs out and it is claimed again), and the loop waits with a
growing pause instead of logging a stack trace five times a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence

import structlog

from hub.ids import new_id, now_ms
from hub.jobs import queue, relay, wakeup
from hub.jobs.consumers import Consumer, Deferred, PermanentFailure, RetryLater
from hub.jobs.documents import JobDoc
from hub.store.outages import as_outage

log = structlog.get_logger(__name__)

# After an outage: how long a job cut short waits, and the longest pause between passes.
OUTAGE_RETRY_MS = 2_000
MAX_OUTAGE_PAUSE = 5.0


class Worker:
    """Runs consumers' jobs. Any number of workers may run against the same store."""

    def __init__(
        self,
        consumers: Sequence[Consumer],
        idle_sleep: float = 0.2,
        owner: str | None = None,
        relay_also: Sequence[Consumer] = (),
    ) -> None:
        names = [c.name for c in [*consumers, *relay_also]]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate consumer names: {names}")
        self.consumers = list(consumers)
        # consumers another process runs (e.g. the embedded search index's one writer, the
        # API process): the relay clears the outbox, so it must make their jobs too
        self.relay_also = list(relay_also)
        self.idle_sleep = idle_sleep
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{new_id()[-6:]}"
        self.idle = False  # in the pause between passes that found nothing to do
        self._completions = _Completions()

    async def run_once(self) -> int:
        """One pass: relay pending events, then run every job due once. Returns jobs run.

        One look (`queue.due`) says which consumers have jobs due, so an idle pass costs
        two round trips (the relay's and this one) instead of a claim per consumer; the
        jobs seen are then claimed several at a time (`queue.claim_ids`), each consumer's
        side by side with the others'. Jobs made during the pass (a plan's deliveries) are
        run by the next one, which follows at once."""
        await relay.sweep([*self.consumers, *self.relay_also])
        seen = await queue.due([c.name for c in self.consumers], queue.DUE_LOOKAHEAD)
        due: dict[str, list[str]] = {}
        for job_id, name in seen:
            due.setdefault(name, []).append(job_id)
        # the consumers side by side: one after the other, a burst's deliveries waited for
        # every plan of the pass (each story's plan is a few round trips), and the plans
        # of the next approvals for the deliveries. A consumer whose drain fails (the store
        # went away while claiming) leaves the others to finish theirs; then the pass fails.
        drains = [self._drain(c, due[c.name]) for c in self.consumers if c.name in due]
        if len(drains) == 1:
            return await drains[0]
        outcomes = await asyncio.gather(*drains, return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return sum(n for n in outcomes if isinstance(n, int))

    async def _drain(self, consumer: Consumer, ids: list[str]) -> int:
        """Run `consumer`'s jobs among `ids`, up to `consumer.concurrency` at once. Returns
        jobs run.

        Jobs are claimed a slot's worth at a time (`concurrency` of them, one claim of two
        round trips) when a slot is free and none claimed is waiting: a slot that frees
        starts the next claimed job at once, and only every `concurrency`-th finish claims
        again (a claim per freed slot was a round trip per job). The jobs finished since
        the last claim are recorded with it (`queue.complete_and_claim`), and once nothing
        is left to claim as they finish (group commit). A finished job not yet recorded
        when the worker dies is run again when its lease runs out, as when its `complete`
        failed: handlers are idempotent (a delivered publication is not sent again)."""
        slots = max(1, consumer.concurrency)
        running: set[asyncio.Task[None]] = set()
        freed = asyncio.Event()

        def finished(task: asyncio.Task[None]) -> None:
            running.discard(task)
            freed.set()

        lease_ms = int(consumer.lease_seconds * 1000)
        ran = 0
        todo = list(ids)
        claimed: deque[JobDoc] = deque()
        unrecorded: list[tuple[JobDoc, dict[str, object]]] = []
        waiting_since = 0.0  # when the oldest of `unrecorded` finished (monotonic)

        hold_s = lease_ms / 4000  # how long a finished job waits for a claim to go with

        async def record(job: JobDoc, result: dict[str, object]) -> None:
            nonlocal waiting_since
            if not unrecorded:
                waiting_since = time.monotonic()
            if todo and time.monotonic() - waiting_since < hold_s:
                unrecorded.append((job, result))  # a claim is to come: the finish goes with it
                return
            # nothing left to claim, or the next claim is long in coming: recorded now
            if unrecorded:
                unrecorded.append((job, result))
                await record_waiting()
            else:
                await self._completions.record(job, result)

        async def record_waiting() -> None:
            """The finished jobs no claim took along in time (every slot busy with slow
            jobs), recorded before their leases, which no longer beat, run out."""
            batch, unrecorded[:] = [(j, dict(r)) for j, r in unrecorded], []
            kept = await queue.complete_many(batch)
            if kept < len(batch):
                log.info("worker.lease_lost", jobs=len(batch) - kept)

        try:
            while todo or claimed:
                if len(running) >= slots:
                    freed.clear()
                    if not unrecorded:
                        await freed.wait()
                        continue
                    try:
                        wait_s = max(0.0, hold_s - (time.monotonic() - waiting_since))
                        await asyncio.wait_for(freed.wait(), wait_s)
                    except TimeoutError:
                        await record_waiting()
                    continue
                if not claimed:
                    take, todo = todo[:slots], todo[slots:]
                    done, unrecorded[:] = list(unrecorded), []
                    jobs = await queue.complete_and_claim(
                        [(j, dict(r)) for j, r in done], consumer.name, take, self.owner, lease_ms
                    )
                    if jobs and consumer.claimed is not None:
                        consumer.claimed(jobs)  # e.g. their reads started together
                    claimed.extend(jobs)
                    continue
                job = claimed.popleft()
                if not await self._lease_holds(job, lease_ms):
                    continue
                task = asyncio.create_task(self._run(consumer, job, record))
                running.add(task)
                task.add_done_callback(finished)
                ran += 1
        except (asyncio.CancelledError, KeyboardInterrupt, SystemExit):
            # the worker is stopping: the jobs running end as a lone job would (cancelled,
            # their leases run out); a store that went away while claiming lets them finish
            for task in list(running):
                task.cancel()
            raise
        finally:
            if running:
                await asyncio.gather(*running, return_exceptions=True)
            if unrecorded:  # nothing more was claimed after them
                await self._record_left(unrecorded)
        return ran

    async def _record_left(self, left: list[tuple[JobDoc, dict[str, object]]]) -> None:
        """Record finished jobs no claim took along. A store that is away leaves them to
        be run again when their leases run out (their handlers are idempotent)."""
        try:
            await queue.complete_many([(j, dict(r)) for j, r in left])
        except Exception as exc:
            if as_outage(exc) is None:
                raise
            log.warning("worker.completions_lost", jobs=len(left), error=str(exc)[:300])

    @staticmethod
    async def _lease_holds(job: JobDoc, lease_ms: int) -> bool:
        """Whether a claimed job that waited for a slot still holds its lease: one that
        waited over a third of it is beaten first (its heartbeat comes a third of the
        lease after it starts). False when another worker took it meanwhile."""
        if now_ms() - (job.updated_at or 0) <= lease_ms // 3:
            return True
        try:
            await queue.heartbeat(job, lease_ms)
        except queue.LeaseLost:
            log.warning("worker.lease_lost", job=job.id)
            return False
        return True

    async def run(self, stop: asyncio.Event) -> None:
        """Work until `stop` is set; a failing pass is logged and the loop goes on."""
        log.info("worker.started", owner=self.owner, consumers=[c.name for c in self.consumers])
        outages = 0
        woken = wakeup.waiter()  # work made in this process ends an idle pause at once
        while not stop.is_set():
            pause = self.idle_sleep
            try:
                ran = await self.run_once()
                if outages:
                    log.info("worker.store_back", passes_missed=outages)
                outages = 0
            except Exception as exc:
                ran = 0
                outage = as_outage(exc)
                if outage is None:
                    log.exception("worker.pass_failed")
                else:
                    if outages == 0:
                        log.warning("worker.outage", code=outage.code, error=str(exc)[:300])
                    outages += 1
                    pause = min(MAX_OUTAGE_PAUSE, self.idle_sleep * 2**outages)
            if ran == 0 and outages:  # the store is away: the backoff holds, whatever is made
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), pause)
            elif ran == 0:
                self.idle = True
                try:
                    await wakeup.pause(stop, woken, pause)
                finally:
                    self.idle = False

    async def _run(
        self,
        consumer: Consumer,
        job: JobDoc,
        record: Callable[[JobDoc, dict[str, object]], Awaitable[None]],
    ) -> None:
        lease_ms = int(consumer.lease_seconds * 1000)
        beat = asyncio.create_task(self._heartbeat(job, lease_ms))
        try:
            result = await consumer.handler(job)
        except PermanentFailure as exc:
            await self._record_failure(consumer, job, exc.reason, permanent=True)
        except RetryLater as exc:
            await self._record_failure(consumer, job, exc.reason, retry_after=exc.after_seconds)
        except Deferred as exc:
            with contextlib.suppress(queue.LeaseLost):
                await queue.defer(job, exc.until_ms, exc.reason)
        except queue.LeaseLost:
            log.warning("worker.lease_lost", job=job.id)
        except Exception as exc:
            outage = as_outage(exc)
            if outage is not None:
                await self._give_back(job, outage.code)
            else:
                log.warning("worker.job_failed", job=job.id, exc_info=True)
                await self._record_failure(consumer, job, f"{type(exc).__name__}: {exc}")
        else:
            await record(job, dict(result or {}))
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat

    async def _record_failure(
        self,
        consumer: Consumer,
        job: JobDoc,
        reason: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
    ) -> None:
        with contextlib.suppress(queue.LeaseLost):
            state = await queue.fail(
                job, reason, consumer.policy, retry_after_s=retry_after, permanent=permanent
            )
            log.info("worker.job_failed", job=job.id, state=state.value, reason=reason[:200])

    @staticmethod
    async def _give_back(job: JobDoc, code: str) -> None:
        """Return a job an outage cut short, its attempt not counted."""
        log.warning("worker.job_outage", job=job.id, code=code)
        try:
            await queue.release(job, OUTAGE_RETRY_MS)
        except queue.LeaseLost:
            pass
        except Exception as exc:
            if as_outage(exc) is None:
                raise
            # the store is still away: the lease runs out and the job is claimed again

    @staticmethod
    async def _heartbeat(job: JobDoc, lease_ms: int) -> None:
        with contextlib.suppress(queue.LeaseLost):
            while True:
                await asyncio.sleep(lease_ms / 3000)
                try:
                    await queue.heartbeat(job, lease_ms)
                except Exception as exc:
                    if as_outage(exc) is None:
                        raise
                    # the store is away for now: keep beating, the lease may yet hold


class _Completions:
    """Finished jobs recorded together (group commit): the jobs that finish while one
    write is at the store go in the next one, a single `bulk_write` (side by side, a
    burst's deliveries finish a few at a time). A job whose lease was lost meanwhile is
    left to its new holder, as `complete` leaves it (its LeaseLost was never reported)."""

    def __init__(self) -> None:
        self._waiting: list[tuple[JobDoc, dict[str, object], asyncio.Future[None]]] = []
        self._turn: asyncio.Lock | None = None

    async def record(self, job: JobDoc, result: dict[str, object]) -> None:
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((job, result, done))
        if self._turn is None:
            self._turn = asyncio.Lock()
        async with self._turn:
            if not done.done():
                batch, self._waiting = self._waiting, []
                try:
                    kept = await queue.complete_many([(j, dict(r)) for j, r, _ in batch])
                except BaseException as exc:
                    # whether the write got in is unknown: each job's lease runs out and it is
                    # run again (handlers are idempotent), as when `complete` fails
                    for _, _, other in batch:
                        if other is not done and not other.done():
                            other.set_exception(exc)
                    raise
                for _, _, other in batch:
                    if not other.done():
                        other.set_result(None)
                if kept < len(batch):
                    log.info("worker.lease_lost", jobs=len(batch) - kept)
        await done
