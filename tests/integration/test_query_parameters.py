"""Query parameters over HTTP: an operation of the API refuses every parameter it does not read (422, each named, as
one with a query model refuses a parameter it does not name) and does nothing; carriers' webhooks and the
operations endpoints take whatever query their callers add."""

import re
from pathlib import Path

import pytest

from adapters.bootstrap import ENDPOINTS, create_app
from adapters.settings import Settings
from adapters.web import test_clocks_api
from adapters.web.auth import HmacTokens
from adapters.web.endpoint import Endpoint
from schemas.common import Role
from tests.factories import order

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "ups"
SECRET = "query-test-secret-" + "q" * 32
UPS_CREDENTIAL = "ups-webhook-credential-for-queries"
TOKENS = HmacTokens(SECRET, "dispute-service", "dispute-service")
OPEN = {"order_id": "ord-1", "statement": "Teslim görünüyor ama gelmedi.", "preferred_resolution": "refund"}
EXTRA = {"field": "bogus", "message": "Extra inputs are not permitted"}
TAKING_NONE = [e for e in ENDPOINTS + test_clocks_api.ENDPOINTS
               if e.path.startswith("/v1/") and e.query is None and not e.path.endswith("/webhooks")]


def bearer(role: Role, sub: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS.mint(sub, role, sub if role is Role.CUSTOMER else None)}"}


CUSTOMER, SUPERVISOR = bearer(Role.CUSTOMER, "cust-1"), bearer(Role.SUPERVISOR, "sup-zeynep")


@pytest.fixture
async def api(aiohttp_client, tmp_path):
    orders = tmp_path / "orders.json"
    orders.write_text(f'{{"orders": [{order().model_dump_json()}]}}')
    ups = {"base_url": "http://127.0.0.1:9", "credentials": {"client_id": "q", "client_secret": "q-secret"},
           "webhook_credential": UPS_CREDENTIAL}
    settings = Settings(_env_file=None, storage="memory", run_workers=False, orders_file=orders, jwt_secret=SECRET,
                        test_clocks=True, carriers={"ups": ups})
    return await aiohttp_client(create_app(settings))


def url(endpoint: Endpoint) -> str:
    return re.sub(r"{\w+}", "x-1", endpoint.path)


async def problem(response, status: int) -> dict:
    assert response.status == status, await response.text()
    assert response.content_type == "application/problem+json"
    return await response.json()


@pytest.mark.parametrize("endpoint", TAKING_NONE, ids=[f"{e.method} {e.path}" for e in TAKING_NONE])
async def test_an_operation_that_reads_no_query_parameter_refuses_one_by_name(api, endpoint):
    role = min(endpoint.roles)
    headers = bearer(role, f"{role.value}-1")
    response = await api.request(endpoint.method, url(endpoint) + "?bogus=1", json={}, headers=headers)
    body = await problem(response, 422)
    assert body["type"] == "urn:dispute-service:problem:validation-failed" and body["errors"] == [EXTRA]


async def test_a_refused_parameter_changes_nothing_and_leaves_the_idempotency_key_unused(api):
    headers = {**CUSTOMER, "Idempotency-Key": "open-ord-1"}
    body = await problem(await api.post("/v1/disputes?dry_run=true&bogus", json=OPEN, headers=headers), 422)
    assert [error["field"] for error in body["errors"]] == ["dry_run", "bogus"]
    assert (await (await api.get("/v1/disputes", headers=SUPERVISOR)).json())["items"] == []

    opened = await api.post("/v1/disputes", json=OPEN, headers=headers)
    assert opened.status == 201 and "Idempotent-Replayed" not in opened.headers


async def test_a_parameter_given_twice_is_refused_as_unknown_when_it_is(api):
    for path in ("/v1/carriers?bogus=1&bogus=2", "/v1/disputes?bogus=1&bogus=2"):
        body = await problem(await api.get(path, headers=SUPERVISOR), 422)
        assert body["errors"] == [EXTRA] and "parameters" not in body, path


async def test_an_operation_without_a_query_string_or_with_an_empty_one_answers_as_ever(api):
    for path in ("/v1/carriers", "/v1/carriers?", "/v1/carriers?&"):
        response = await api.get(path, headers=SUPERVISOR)
        assert response.status == 200 and [c["code"] for c in (await response.json())["carriers"]] == ["ups"], path


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/docs/init.js"])
async def test_the_operations_endpoints_take_any_query(api, path):
    assert (await api.get(path + "?cache-buster=1&name[]=x")).status == 200


async def test_a_carrier_pushes_to_its_webhook_address_with_the_query_it_was_given(api):
    push = (FIXTURES / "alert-delivered.json").read_bytes()
    headers = {"x-api-key": UPS_CREDENTIAL, "Content-Type": "application/json"}
    response = await api.post("/v1/carriers/ups/webhooks?source=track-alert", data=push, headers=headers)
    assert response.status == 200, await response.text()
