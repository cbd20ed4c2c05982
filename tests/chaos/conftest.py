"""The chaos suite drives the whole app as the e2e tier does: the same fixtures, reused rather than copied."""

import json

import pytest
from aiohttp.test_utils import TestClient

from adapters.bootstrap import Overrides, create_app
from adapters.mongo.client import connect
from tests.e2e.conftest import (  # noqa: F401  (pytest finds fixtures by name)
    api,
    app_changes,
    carrier_cases,
    carrier_sandbox,
    carrier_sandbox_url,
    carrier_settings,
    clock,
    documented_problems,
    evidence_interval,
    log_audit,
    monotonic,
    orders_document,
    sandbox,
)
from tests.e2e.conftest import app_settings
from tests.conftest import tier_database  # noqa: F401  (this tier's own stand-in database server)


@pytest.fixture
def carrier_config() -> dict | None:
    """The carriers the API is configured with (None: the e2e defaults); a module overrides it to change them."""
    return None


@pytest.fixture
async def api_alone(
    aiohttp_client, sandbox, mongo_uri, tmp_path, database, orders_document, carrier_config, query_audit  # noqa: F811
):
    """The API alone, as the order page reaches it, on the module's `database`: it runs no workers (they run as
    processes of their own) and calls no carrier. The database is dropped afterwards."""
    orders_file = tmp_path / "orders.json"
    orders_file.write_text(json.dumps(orders_document))
    downstream = str(sandbox.make_url("/")).rstrip("/")
    carriers = {} if carrier_config is None else {"carriers": carrier_config}
    settings = app_settings(mongo_uri, database, orders_file, downstream, run_workers=False, **carriers)
    client: TestClient = await aiohttp_client(create_app(settings, Overrides(mongo_listeners=(query_audit,))))
    yield client
    await client.close()
    cleaner = connect(mongo_uri)
    await cleaner.drop_database(database)
    await cleaner.close()
