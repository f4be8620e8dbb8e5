"""Revocations between the API workers of one `ronghub serve` (hub/siblings.py): one made
through a worker reaches its sibling's memory without waiting for the key refresh."""

from __future__ import annotations

import asyncio
import multiprocessing

from hub import siblings
from hub.identity.state import AuthState, running
from hub.ids import new_id
from hub.settings import Settings

WITHIN_S = 10.0  # a bound for a busy machine; the sibling looks every 50 ms


async def test_a_revocation_through_one_worker_reaches_its_sibling_before_the_key_refresh(
    hub_url: str, hub_settings: Settings
) -> None:
    settings = hub_settings.model_copy(update={"key_refresh_seconds": 3600.0})
    shared = siblings.Shared(2, multiprocessing.get_context("spawn"))
    siblings.install(siblings.Worker(shared, 1))
    try:
        async with running(settings) as sibling:
            jti = "jti-" + new_id()
            assert not sibling.is_revoked(jti, None)
            revoking = AuthState(settings)  # the other worker's state: stores and announces
            await revoking.revoke("t-" + new_id(), "jti", jti)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + WITHIN_S
            while not sibling.is_revoked(jti, None):
                assert loop.time() < deadline, "the sibling never re-read the revocations"
                await asyncio.sleep(0.05)
    finally:
        siblings.install(None)


async def test_without_sibling_workers_a_process_waits_for_its_refresh_as_before(
    hub_url: str, hub_settings: Settings
) -> None:
    settings = hub_settings.model_copy(update={"key_refresh_seconds": 3600.0})
    async with running(settings) as alone:
        jti = "jti-" + new_id()
        await AuthState(settings).revoke("t-" + new_id(), "jti", jti)  # another process's
        assert siblings.seen(siblings.AUTH) == 0
        assert not alone.is_revoked(jti, None)  # until its next refresh
        await alone.refresh()
        assert alone.is_revoked(jti, None)
