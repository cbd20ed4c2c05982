"""Servers shared by the integration and e2e tiers: one embedded MongoDB per test session, on loopback,
stopped at the end. With MONGODB_URI set, the tests run against that server instead (a real replica set)."""

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from adapters.mongo.client import connect
from adapters.mongo.embedded import EmbeddedMongo
from adapters.mongo.indexes import ensure_indexes
from tests.query_plans import CommandRecorder, unindexed


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if uri := os.environ.get("MONGODB_URI"):
        yield uri
        return
    with EmbeddedMongo(tmp_path_factory.mktemp("mongo")) as server:
        yield server.uri


@pytest.fixture
def query_audit() -> Iterator[CommandRecorder]:
    """Records every command a test sends; at the end, each query must have been served by a declared index."""
    recorder = CommandRecorder()
    yield recorder
    problems = unindexed(recorder.commands)
    assert not problems, "queries not served by a declared index:\n" + "\n".join(problems)


@pytest.fixture
async def mongo_db(mongo_uri: str, query_audit: CommandRecorder) -> AsyncIterator[object]:
    """A fresh database per test, with the service's indexes; small collections keep the stand-in fast."""
    client = connect(mongo_uri, event_listeners=[query_audit])
    db = client[f"test_{uuid.uuid4().hex[:12]}"]
    await ensure_indexes(db)
    yield db
    query_audit.commands.clear()  # the clean-up below is the test's, not the service's
    await client.drop_database(db.name)
    await client.close()
