"""Servers shared by the tiers that store: one embedded MongoDB per tier (test package) in each test process, on
loopback, stopped when the tier's tests are done: no stand-in server (mongoeco) serves a whole run's thousands of
databases, and one that fails takes no other tier's tests with it. With MONGODB_URI set, the tests run against that
server instead (a real replica set)."""

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from adapters.mongo.client import connect
from adapters.mongo.embedded import EmbeddedMongo
from adapters.mongo.indexes import ensure_indexes
from tests.query_plans import CommandRecorder, unindexed


@pytest.fixture(scope="package", name="mongo_uri")
def tier_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Imported by each tier's conftest, so its package scope is that tier's (a package fixture lives as long as the
    package whose conftest holds it)."""
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
    await client.drop_database(db.name)  # not a query: the audit, at the end of the test, checks only the test's own
    await client.close()


@pytest.fixture
async def unaudited_db(mongo_uri: str, mongo_db: Any) -> AsyncIterator[object]:
    """The test's database through a client the index audit does not hear: a test counting what storage wrote
    (with queries of its own that no index need serve) inspects it here, and the audit judges the service alone."""
    client = connect(mongo_uri)
    yield client[mongo_db.name]
    await client.close()
