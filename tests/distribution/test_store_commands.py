"""Store commands of the worker, pinned (issue 15): what an idle pass costs, and what a
fan-out costs per publication, so that neither can quietly grow back. A burst of
publications on the embedded store is bound by its round trips (each about a millisecond
of the store's one core, and as much again in PyMongo on the worker)."""

from __future__ import annotations

from collections import Counter

import pytest
from litestar import Litestar

from hub.distribution.states import PubState
from hub.jobs.worker import Worker
from hub.wiring import builtin_consumers
from tests.conftest import CommandCounter, run_until_idle
from tests.distribution.test_engine import Rig

pytestmark = pytest.mark.usefixtures("hub_url")

# Background polls of the hub that may fall inside a measured stretch (auth state).
POLLED = {"signing_keys", "revocations", "users", "oauth_clients", "counters"}


def _commands(counter: CommandCounter) -> Counter[tuple[str, str]]:
    return Counter(
        (cmd, coll)
        for (cmd, coll), flt in zip(counter.targets, counter.filters, strict=True)
        if coll not in POLLED
        or (coll == "counters" and not (isinstance(flt, dict) and isinstance(flt.get("_id"), dict)))
    )


async def test_an_idle_pass_of_the_hubs_worker_costs_two_round_trips(
    command_counter: CommandCounter, hub_app: Litestar
) -> None:
    # every consumer of the hub: an idle pass claimed once per consumer (16 round trips)
    consumers = builtin_consumers(hub_app.state)
    assert len(consumers) > 10
    await run_until_idle(Worker(consumers, idle_sleep=0))
    worker = Worker(consumers, idle_sleep=0)
    command_counter.clear()
    assert await worker.run_once() == 0
    # the relay's look for pending events, and one look for due jobs of any consumer
    assert _commands(command_counter) == Counter({("find", "stories"): 1, ("find", "jobs"): 1})


async def test_a_fan_out_costs_a_bounded_number_of_round_trips_per_publication(
    command_counter: CommandCounter,
) -> None:
    rig = Rig()
    stories = [await rig.approve(await rig.story(["paper", "wall"])) for _ in range(6)]
    command_counter.clear()
    await rig.drain()
    for story in stories:
        found = await rig.publications(story.id)
        assert {k: p.state for k, p in found.items()} == {
            ("paper", "publish"): PubState.LIVE,
            ("wall", "publish"): PubState.LIVE,
        }
    publications = 2 * len(stories)
    trips = _commands(command_counter)
    jobs = sum(n for (_, coll), n in trips.items() if coll == "jobs")
    # the queue: per story a plan job (made with the relay's other jobs, claimed, done) and
    # per publication a delivery job (made with the others of its story, claimed and done
    # with others); the passes' looks. One at a time it was 5.5 a publication (with a job
    # for each status event the planner skipped), and an idle pass claimed 16 times.
    assert jobs <= JOB_TRIPS_PER_PUBLICATION * publications, trips
    # publications: one insert per story, two moves each (planned→rendering→validated→
    # delivering with the variant, delivering→live) and their reads
    assert trips[("insert", "publications")] == len(stories), trips
    assert trips[("findAndModify", "publications")] == 2 * publications, trips
    assert sum(trips.values()) <= TRIPS_PER_PUBLICATION * publications, trips


# Measured when pinned (issue 15), bounds so that a fan-out cannot quietly grow:
# all round trips of a drained fan-out (relay, plan, render, send, the app channel's
# public copy, partner log, audit and events of the story's status), per publication
# (29.6 before batching claims, plans and completions, sharing the reads of the story and
# the publications and writing `rendering` with the rendering's outcome; 19.7 after; 16.8
# once claims took a slot's worth with the finished jobs' records and a render that draws
# no number was no longer checked before it: jobs 2.7 a publication, 3.5 before).
TRIPS_PER_PUBLICATION = 18
JOB_TRIPS_PER_PUBLICATION = 3
