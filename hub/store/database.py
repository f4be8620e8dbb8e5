"""Connecting to the document store and registering the Beanie documents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from beanie import Document, init_beanie
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.monitoring import CommandListener


@dataclass
class Database:
    client: AsyncMongoClient[dict[str, Any]]
    db: AsyncDatabase[dict[str, Any]]
    listeners: list[CommandListener] = field(default_factory=list)

    async def ping(self) -> bool:
        await self.db.command("ping")
        return True

    async def close(self, wait_for_store: bool = True) -> None:
        """Close the client. With `wait_for_store` False (the hub's shutdown) nothing is
        sent to the store on the way out: PyMongo's close ends the pooled server sessions
        and kills open cursors with commands that, the store being away, wait for it as
        long as any call (RONGHUB_STORE_TIMEOUT_SECONDS: a hub told to stop while its
        store restarted took 20 s). The server expires both itself (sessions after 30
        minutes idle, cursors after 10)."""
        if not wait_for_store:
            forget_server_state(self.client)
        await self.client.close()


def forget_server_state(client: AsyncMongoClient[dict[str, Any]]) -> None:
    """Drop the client's pooled server sessions and pending cursor kills, so that its
    `close()` sends the store nothing. PyMongo has no public switch for this: these are
    the same two queues its close empties (pinned by tests/process/test_store_restart.py)."""
    topology = getattr(client, "_topology", None)
    if topology is not None:
        topology.pop_all_sessions()
    queue = getattr(client, "_kill_cursors_queue", None)
    if queue is not None:
        queue.clear()


async def connect(
    uri: str,
    db_name: str,
    models: Sequence[type[Document]],
    listeners: list[CommandListener] | None = None,
    timeout_s: float = 5.0,
) -> Database:
    """Open the client, register `models` and create their indexes (the hub's list is
    `hub.wiring.document_models`; `hub.wiring.connect` passes it).

    `timeout_s` bounds how long a call waits for the store to be found and connected
    (PyMongo waits 30 s and 20 s by default): when the store is away a request fails
    with STORE_UNAVAILABLE after that long instead of hanging.
    """
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        uri,
        tz_aware=True,
        serverSelectionTimeoutMS=int(timeout_s * 1000),
        connectTimeoutMS=int(timeout_s * 1000),
        event_listeners=listeners or [],
        appname="ronghub",
    )
    db = client[db_name]
    try:
        await init_beanie(database=db, document_models=list(models))
    except BaseException:  # e.g. the store does not answer: do not leave the client open
        await client.close()
        raise
    return Database(client=client, db=db, listeners=list(listeners or []))
