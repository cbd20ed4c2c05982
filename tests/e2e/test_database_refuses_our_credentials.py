"""The service's MongoDB password changed in the database before the service was restarted with it (the window
`changeUserPassword` opens): a request that needs a new connection gets a 503 with Retry-After, not a 500, and
`/readyz` says the database refuses our credentials, so the load balancer stops sending traffic; the log names it
(`storage_auth_failed`) and never holds the password. Once the database takes the service's password again, both
recover by themselves. A user dropped while the service's connections are open logs them out: a request on one gets
the same 503, and the next one a connection authenticated afresh (the user given again)."""

import json
import uuid

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from mongoeco.wire.auth import WireAuthUser
from mongoeco.wire.proxy import AsyncMongoEcoProxyServer

from adapters.bootstrap import Overrides, create_app
from adapters.demo.staff import seed_staff
from adapters.web.keys import STAFF_DIRECTORY
from tests.e2e.conftest import INVESTIGATOR, app_settings, eventually, served

USER = "disputes-app"
PASSWORD, CHANGED = "the-password-the-service-has-0001", "a-password-it-was-not-given-0002"


def only_user_with(password: str) -> tuple[WireAuthUser, ...]:
    return (WireAuthUser(USER, password, "admin", roles=({"role": "root", "db": "admin"},)),)


def change_password(server: AsyncMongoEcoProxyServer, password: str) -> None:
    """As `changeUserPassword` does: connections already authenticated stay so, new ones need the new password
    (mongoeco has no such command: its users are replaced in place)."""
    server._auth._users = only_user_with(password)


def log_out_every_connection(server: AsyncMongoEcoProxyServer) -> None:
    """As `dropUser` does to the connections authenticated as the user: they stay open, no longer authenticated, and
    refuse every command (mongoeco has no such command: its connections are logged out in place)."""
    for connection in server._connections._connections.values():
        connection.logout()


@pytest.fixture
async def database():
    server = AsyncMongoEcoProxyServer(auth_users=only_user_with(PASSWORD))
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def uri_options() -> str:
    return ""


@pytest.fixture
async def api(aiohttp_client, database, sandbox, tmp_path, uri_options) -> TestClient:
    orders_file = tmp_path / "orders.json"
    orders_file.write_text(json.dumps({"orders": []}))
    address = database.address
    uri = (f"mongodb://{USER}@{address.host}:{address.port}/?directConnection=true&authSource=admin"
           f"&authMechanism=SCRAM-SHA-256{uri_options}")
    settings = app_settings(uri, f"auth_{uuid.uuid4().hex[:10]}", orders_file, str(sandbox.make_url("/")).rstrip("/"),
                            mongodb_password=PASSWORD, run_workers=False)
    client = await aiohttp_client(await served(create_app(settings, Overrides()), settings))
    await seed_staff(client.app[STAFF_DIRECTORY].directory)
    yield client
    await client.close()


EVERY_REQUEST_ITS_OWN_CONNECTION = "&maxIdleTimeMS=1"
"""As a request that finds the pool's connections busy opens one."""


@pytest.mark.parametrize("uri_options", [EVERY_REQUEST_ITS_OWN_CONNECTION])
async def test_a_password_the_database_no_longer_takes_is_a_503_until_it_takes_it_again(api, database, log_audit):
    assert (await api.get("/v1/disputes?limit=1", headers=INVESTIGATOR)).status == 200

    change_password(database, CHANGED)

    async def failed() -> ClientResponse | None:  # a connection idle for less than a millisecond is still reused
        answer = await api.get("/v1/disputes?limit=1", headers=INVESTIGATOR)
        return answer if answer.status != 200 else None

    refused = await eventually(failed)
    body = await refused.json()
    assert (refused.status, body["type"].rsplit(":", 1)[-1]) == (503, "unavailable"), body
    assert refused.headers["Retry-After"]
    logged = [json.loads(line) for line in log_audit.getvalue().splitlines()]
    assert [line["event"] for line in logged if line["event"] == "storage_auth_failed"] == ["storage_auth_failed"]
    assert not [line for line in logged if line["event"] == "unhandled_error"]
    assert PASSWORD not in log_audit.getvalue() and CHANGED not in log_audit.getvalue()

    change_password(database, PASSWORD)  # the service restarted with the new password, or the change undone

    assert (await api.get("/v1/disputes?limit=1", headers=INVESTIGATOR)).status == 200


async def test_a_user_dropped_while_its_connections_are_pooled_is_a_503_then_a_connection_authenticated_afresh(
    api, database, log_audit,
):
    assert (await api.get("/v1/disputes?limit=1", headers=INVESTIGATOR)).status == 200

    log_out_every_connection(database)  # the user dropped, then created again with the same password

    refused = await api.get("/v1/disputes?limit=1", headers=INVESTIGATOR)
    assert (refused.status, (await refused.json())["type"].rsplit(":", 1)[-1]) == (503, "unavailable")
    assert refused.headers["Retry-After"]
    assert [line["event"] for line in map(json.loads, log_audit.getvalue().splitlines())
            if line["event"] in ("storage_auth_failed", "unhandled_error")] == ["storage_auth_failed"]

    assert (await api.get("/v1/disputes?limit=1", headers=INVESTIGATOR)).status == 200


async def test_readiness_fails_while_the_database_refuses_our_password_though_its_connection_was_made_before(
    api, database, log_audit,
):
    async def ready() -> bool:  # storage set up (the app listens after 5 s at the latest, set up or not)
        return (await api.get("/readyz")).status == 200

    await eventually(ready, explain=lambda: log_audit.getvalue()[-1500:])
    change_password(database, CHANGED)

    async def not_ready() -> ClientResponse | None:  # a probe within a millisecond of the last reuses its connection
        answer = await api.get("/readyz")
        return answer if answer.status != 200 else None

    refused = await eventually(not_ready)
    assert refused.status == 503
    assert (await refused.json())["detail"] == "the database refused our credentials (authentication failed)"
    assert PASSWORD not in log_audit.getvalue() and CHANGED not in log_audit.getvalue()

    change_password(database, PASSWORD)

    await eventually(ready)
