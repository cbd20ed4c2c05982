"""A storage set-up that keeps failing while the database answers (an index of the service's name with other keys):
the process says so where an operator looks. /readyz names the set-up, not the database; /metrics has
`disputes_storage_set_up` 0 (its alert); the log names the database's error code; requests answer 503 with the
true reason. Once the conflict is gone, the set-up finishes by itself."""

import uuid

from prometheus_client.parser import text_string_to_metric_families
from structlog.testing import capture_logs

from adapters.bootstrap import create_app
from adapters.mongo.client import connect
from adapters.settings import Settings
from tests.e2e.conftest import eventually

NOWHERE = "http://127.0.0.1:9"
NOT_SET_UP = "Storage set-up has not finished: it fails and is tried again (storage_set_up_failed lines)."


async def _set_up(client) -> float:
    families = text_string_to_metric_families(await (await client.get("/metrics")).text())
    return next(family for family in families if family.name == "disputes_storage_set_up").samples[0].value


async def test_a_set_up_refused_by_a_database_that_answers_says_so_on_readiness_metrics_and_log(aiohttp_client, mongo_uri):
    database = f"setup_{uuid.uuid4().hex[:10]}"
    direct = connect(mongo_uri)
    disputes = direct[database].disputes
    await disputes.create_index([("status", 1), ("created_at", 1)], name="claim_relay")  # the service's name, other keys
    services = ("orders", "payments", "fulfillment", "notifications", "accounts", "finance")
    settings = Settings(mongodb_uri=mongo_uri, mongodb_database=database, run_workers=False,
                        **{f"{service}_url": NOWHERE for service in services})
    try:
        with capture_logs() as logs:
            client = await aiohttp_client(create_app(settings))
            ready = await client.get("/readyz")
            assert ready.status == 503 and (await ready.json())["detail"] == NOT_SET_UP
            assert await _set_up(client) == 0.0
            assert (await client.get("/v1/disputes")).status == 503
            failed = [line for line in logs if line["event"] == "storage_set_up_failed"]
            assert len(failed) == 1 and failed[0]["code"] in (85, 86), failed
            assert failed[0]["code_name"] in ("IndexOptionsConflict", "IndexKeySpecsConflict")
            unavailable = [line for line in logs if line["event"] == "dependency_unavailable"]
            assert [line["reason"] for line in unavailable] == [NOT_SET_UP]
            assert [(line["error"], line["detail"]) for line in logs if line["event"] == "not_ready"] == [
                ("StorageUnavailable", NOT_SET_UP)
            ]

            await disputes.drop_index("claim_relay")

            async def ready_again() -> bool:
                return (await client.get("/readyz")).status == 200

            await eventually(ready_again, timeout=10, explain="the set-up did not finish once the conflict was gone")
            assert await _set_up(client) == 1.0
    finally:
        await direct.drop_database(database)
        await direct.close()
