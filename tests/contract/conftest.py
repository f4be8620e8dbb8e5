"""The storage contract: what the hub asks of its document store, asked of the real server.

Runs against whatever `store_uri` gives (the embedded nx-27017 by default, a MongoDB server
when RONGHUB_MONGODB_URI is set). Each test module gets its own database, so the contract
never touches the hub's test database; it is dropped when the module ends.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from hub.ids import new_id


def embedded() -> bool:
    """True when the suite runs on the embedded store (no RONGHUB_MONGODB_URI)."""
    return not os.environ.get("RONGHUB_MONGODB_URI")


def client_for(uri: str) -> AsyncMongoClient:  # type: ignore[type-arg]
    """A client set up the way the hub sets up its own (hub/store/database.py)."""
    return AsyncMongoClient(
        uri, tz_aware=True, serverSelectionTimeoutMS=5_000, appname="ronghub-contract"
    )


@pytest.fixture(scope="module")
async def client(store_uri: str) -> AsyncIterator[AsyncMongoClient]:  # type: ignore[type-arg]
    c = client_for(store_uri)
    try:
        yield c
    finally:
        await c.close()


@pytest.fixture(scope="module")
async def db(
    client: AsyncMongoClient, request: pytest.FixtureRequest
) -> AsyncIterator[AsyncDatabase]:  # type: ignore[type-arg]
    """A database of this test module's own: `contract_<module>_<random>`."""
    module = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    name = f"contract_{module}_{new_id()[-6:]}"[:60]
    database = client[name]
    try:
        yield database
    finally:
        await client.drop_database(name)
