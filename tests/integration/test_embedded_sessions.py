"""The embedded server ends the sessions its clients stop using once they have gone unused for the time its handshake
advertises (`logicalSessionTimeoutMinutes`, 30, MongoDB's default), as MongoDB does: PyMongo drops a session that
failed or went stale without ending it, and counts on the server for that (`adapters/mongo/engine.py`, change 13)."""

from typing import Any

import pytest
from mongoeco.engines.memory import MemoryEngine
from mongoeco.wire import AsyncMongoEcoProxyServer
from pymongo.client_session_shared import _ServerSession

from adapters.mongo.client import connect
from adapters.mongo.engine import EmbeddedServer, ExpiringSessions

MINUTE = 60.0
DROPPED = 20


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def drop_sessions(server: AsyncMongoEcoProxyServer, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, int]:
    """Finds whose client drops its session after each one, as PyMongo drops a stale one (unused for 29 minutes) or
    one that failed, without `endSessions`: the client, and the sessions the server holds after them."""
    client = connect(server.address.uri)
    coll = client["db"]["things"]
    await coll.insert_one({"_id": 1})
    with monkeypatch.context() as patched:
        patched.setattr(_ServerSession, "timed_out", lambda self, minutes: True)
        for _ in range(DROPPED):
            await coll.find_one({"_id": 1})
    return client, len(server._session_store)


async def test_mongoeco_keeps_every_session_a_client_drops(monkeypatch):
    async with AsyncMongoEcoProxyServer(engine=MemoryEngine(), host="127.0.0.1", port=0) as server:
        client, held = await drop_sessions(server, monkeypatch)
        await client.close()
    assert held > DROPPED


async def test_the_embedded_server_ends_the_sessions_unused_for_the_advertised_timeout(monkeypatch):
    clock = Clock()
    sessions = ExpiringSessions(clock=clock)
    async with EmbeddedServer(engine=MemoryEngine(), host="127.0.0.1", port=0, sessions=sessions) as server:
        client, held = await drop_sessions(server, monkeypatch)
        assert held > DROPPED
        assert (await client.admin.command("hello"))["logicalSessionTimeoutMinutes"] == 30

        clock.now += 29 * MINUTE
        await client["db"]["things"].find_one({"_id": 1})  # looks for unused sessions: none unused for 30 minutes
        assert len(sessions) > DROPPED

        clock.now += 2 * MINUTE
        await client["db"]["things"].find_one({"_id": 1})
        assert len(sessions) == 1  # the session in use, used two minutes ago; those dropped 31 minutes ago are ended

        await client.close()  # ends its sessions
        assert len(sessions) == 0
