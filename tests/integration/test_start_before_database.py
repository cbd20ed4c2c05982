"""A worker process started while its database is away keeps running: alive (`/healthz` 200) and not ready
(`/readyz` 503) until the database answers, then it sets storage up and is ready, by itself. A start-up that
exited instead would be restarted again and again by the orchestrator, to no use. The wait is logged once, not
at every probe."""

import uuid

import aiohttp
from aiohttp.test_utils import unused_port

from adapters.mongo.client import connect
from adapters.mongo.embedded import EmbeddedMongo
from tests.e2e.conftest import eventually
from tests.workers import Workers

STARTED_WITHIN = 60.0  # a cold Python process on a shared machine
PROBES = 5  # as an orchestrator's readiness probe asks, again and again while the database is away
RECOVERED_WITHIN = 30.0  # the database's start, then one retry of the set-up (each waits up to 5 s for it)


async def status(session: aiohttp.ClientSession, url: str) -> int | None:
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as response:
            return response.status
    except (aiohttp.ClientError, TimeoutError):  # no answer within the probe's own 2 s, as an orchestrator's times out
        return None


async def test_a_worker_started_before_its_database_waits_for_it_and_becomes_ready_by_itself(tmp_path):
    db_port, ops_port = unused_port(), unused_port()
    uri = f"mongodb://127.0.0.1:{db_port}/?directConnection=true"
    database = f"late_{uuid.uuid4().hex[:10]}"
    workers = Workers(uri, database, "http://127.0.0.1:9", tmp_path)
    process = workers.start(worker_port=ops_port)
    base = f"http://127.0.0.1:{ops_port}"
    server = EmbeddedMongo(None, port=db_port)
    try:
        async with aiohttp.ClientSession() as session:
            async def alive_not_ready() -> bool:
                return (await status(session, f"{base}/healthz"), await status(session, f"{base}/readyz")) == (200, 503)

            await eventually(
                alive_not_ready, timeout=STARTED_WITHIN, interval=0.2, explain=lambda: workers.log_text()[-2000:]
            )
            assert process.poll() is None, workers.log_text()[-2000:]
            assert [await status(session, f"{base}/readyz") for _ in range(PROBES)] == [503] * PROBES
            async with session.get(f"{base}/readyz", headers={"X-Request-ID": "probe-7"}) as refused:
                assert (await refused.json(content_type=None))["request_id"] == "probe-7"  # as every problem body

            server.start()

            async def ready() -> bool:
                return await status(session, f"{base}/readyz") == 200

            await eventually(ready, timeout=RECOVERED_WITHIN, interval=0.2, explain=lambda: workers.log_text()[-2000:])
            assert process.poll() is None
        client = connect(server.uri)
        try:
            indexes = {index["name"] async for index in await client[database].disputes.list_indexes()}
        finally:
            await client.close()
        assert "one_dispute_per_shipment" in indexes  # the set-up ran once the database answered
    finally:
        workers.stop_all()
        server.stop()
    assert process.returncode == 0, workers.log_text()[-2000:]
    logs = workers.log_text()
    # Once each at most (none when the first attempt's wait for the database outlasted its absence): no flood.
    waited, ready_line = logs.count('"storage_waiting_for_database"'), logs.count('"storage_ready"')
    assert waited == ready_line <= 1, logs[-2000:]
    # Every probe has its request line; that it was not ready, and then ready again, is said once.
    assert logs.count('"route":"/readyz","status":503') >= PROBES + 1
    assert logs.count('"not_ready"') == 1 and logs.count('"ready_again"') == 1, logs[-2000:]


async def test_a_worker_whose_uri_keeps_connections_open_ahead_of_need_becomes_ready(tmp_path):
    """`minPoolSize` above 1 in the URI: readiness asks over a pool of one connection of its own, which takes it."""
    db_port, ops_port = unused_port(), unused_port()
    server = EmbeddedMongo(None, port=db_port)
    server.start()
    workers = Workers(f"mongodb://127.0.0.1:{db_port}/?directConnection=true&minPoolSize=5",
                      f"pool_{uuid.uuid4().hex[:10]}", "http://127.0.0.1:9", tmp_path)
    process = workers.start(worker_port=ops_port)
    try:
        async with aiohttp.ClientSession() as session:
            async def ready() -> bool:
                return process.poll() is None and await status(session, f"http://127.0.0.1:{ops_port}/readyz") == 200

            await eventually(ready, timeout=STARTED_WITHIN, interval=0.2, explain=lambda: workers.log_text()[-2000:])
    finally:
        workers.stop_all()
        server.stop()
