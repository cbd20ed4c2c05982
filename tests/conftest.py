"""Servers shared by the integration and e2e tiers: one embedded MongoDB per test session, on loopback,
stopped at the end. With MONGODB_URI set, the tests run against that server instead (a real replica set)."""

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from adapters.mongo.client import connect
from adapters.mongo.embedded import EmbeddedMongo
from adapters.mongo.indexes import ensure_indexes


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if uri := os.environ.get("MONGODB_URI"):
        yield uri
        return
    with EmbeddedMongo(tmp_path_factory.mktemp("mongo")) as server:
        yield server.uri


@pytest.fixture
async def mongo_db(mongo_uri: str) -> AsyncIterator[object]:
    """A fresh database per test, with the service's indexes; small collections keep the stand-in fast."""
    client = connect(mongo_uri)
    db = client[f"test_{uuid.uuid4().hex[:12]}"]
    await ensure_indexes(db)
    yield db
    await client.drop_database(db.name)
    await client.close()
