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

    async def close(self) -> None:
        await self.client.close()


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
