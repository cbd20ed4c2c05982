"""The whole application over HTTP: real MongoDB wire server, the downstream sandbox on loopback, and a
clock that starts at a fixed instant and then runs in real time (deadlines are deterministic, retries due)."""

import asyncio
import functools
import io
import json
import re
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer
from yarl import URL

from adapters.bootstrap import ENDPOINTS, OPS_ENDPOINTS, Overrides, create_app
from adapters.demo.staff import seed_staff
from adapters.web import test_clocks_api
from adapters.web.openapi import build_openapi
from adapters.web.problems import PROBLEM_JSON
from adapters.web.keys import STAFF_DIRECTORY
from adapters.web.limits import server_options
from adapters.observability import configure_logging
from sandbox.carriers import SandboxShipment, create_carrier_sandbox
from sandbox.downstream import create_downstream_sandbox
from sandbox.signing import DEVELOPMENT_KEYS
from adapters.settings import Settings
from adapters.web.auth import HmacTokens
from adapters.mongo.client import connect
from schemas.common import Role
from schemas.orders import Order, ShipmentStatus
from tests.factories import NOW, PERSONAL_VALUES, effects_key, order, shipment
from tests.workers import SIGNING_KEYS
from tests.conftest import tier_database  # noqa: F401  (this tier's own stand-in database server)

SECRET = "e2e-secret-" + "x" * 32
UPS_TRACKING = "1Z204W4R0308071865"
UPS_WEBHOOK_CREDENTIAL = "ups-webhook-credential-0123456789"
CARRIERS = {
    # Pulls go to a closed port: UPS is "down", so evidence can only arrive by push in these tests.
    "ups": {
        "base_url": "http://127.0.0.1:9",
        "credentials": {"client_id": "e2e", "client_secret": "e2e-secret"},
        "webhook_credential": UPS_WEBHOOK_CREDENTIAL,
        "timeout_seconds": 0.5,
        "retry": {"attempts": 1, "total_seconds": 1},
    },
}


class RunningClock:
    def __init__(self) -> None:
        self.started = time.monotonic()
        self.offset = timedelta()

    def now(self):
        elapsed = timedelta(seconds=time.monotonic() - self.started)
        at = NOW + elapsed + self.offset
        return at.replace(microsecond=at.microsecond // 1000 * 1000)


def e2e_orders() -> dict:
    orders = [
        order("ord-1"),
        order("ord-2", shipments=[shipment("shp-2", carrier="aras")]),
        order("ord-3", shipments=[shipment("shp-3", status=ShipmentStatus.IN_TRANSIT, delivered_days_ago=None)]),
        order("ord-4", shipments=[shipment("shp-4", delivered_days_ago=45)]),
        order("ord-5", shipments=[shipment("shp-5a"), shipment("shp-5b", price=4_500)]),
        order("ord-6", shipments=[shipment("shp-6", reshippable=False)]),
        order("ord-9", customer_id="cust-2", shipments=[shipment("shp-9")]),
        order("ord-7", shipments=[shipment("shp-7", carrier="ups").model_copy(update={"tracking_number": UPS_TRACKING})]),
    ]
    return {"orders": [json.loads(o.model_dump_json()) for o in orders]}


@pytest.fixture(autouse=True)
def log_audit():
    """Every e2e test runs with production logging captured; no personal value may appear in it."""
    captured = io.StringIO()
    configure_logging("DEBUG", json=True, stream=captured)
    yield captured
    logs = captured.getvalue()
    assert logs, "nothing was logged: the audit would prove nothing"
    leaked = [value for value in PERSONAL_VALUES if value in logs]
    assert not leaked, f"personal data in logs: {leaked}"


@pytest.fixture
def orders_document() -> dict:
    return e2e_orders()


@pytest.fixture
def carrier_settings(carrier_cases) -> dict:
    """Where the carriers' own sandbox runs, every carrier is it (`carrier_sandbox_url`); otherwise UPS is down."""
    return {} if carrier_cases else CARRIERS


@pytest.fixture
def carrier_cases() -> list[tuple[Order, str, str]]:
    """The parcels a module's carriers answer for from the carriers' own sandbox, as `sandbox_shipments` takes them
    (order, scenario, the name the carrier reports); none: no carrier sandbox runs."""
    return []


@pytest.fixture
async def carrier_sandbox(aiohttp_server, carrier_cases):
    """The carriers' own sandbox, answering for `carrier_cases` (None: there are none)."""
    return await aiohttp_server(create_carrier_sandbox(sandbox_shipments(carrier_cases))) if carrier_cases else None


@pytest.fixture
def carrier_sandbox_url(carrier_sandbox) -> str | None:
    return str(carrier_sandbox.make_url("")).rstrip("/") if carrier_sandbox is not None else None


@pytest.fixture
async def sandbox(aiohttp_server, orders_document):
    """Trusts the app under test's development key and the key of the worker processes some tests start."""
    return await aiohttp_server(create_downstream_sandbox(orders_document, signing_keys=DEVELOPMENT_KEYS | SIGNING_KEYS))


@pytest.fixture
def clock():
    return RunningClock()


@pytest.fixture
def evidence_interval(carrier_cases) -> float:
    """The workers that change disputes pass once at start-up, then wait this long: decisions in these tests quote
    ETags, and a background pull would (rightly) make them stale. Where the carriers' own sandbox answers for a
    module's parcels, the module is about their evidence: the workers pass every 20 ms. Other evidence tests
    override it."""
    return 0.02 if carrier_cases else 3600.0


@pytest.fixture
def app_changes() -> dict:
    """Settings a test module changes for the app under test."""
    return {}


@pytest.fixture
def monotonic() -> Callable[[], float] | None:
    """The seconds the rate limits' buckets refill by (None: real time); rate limit tests move their own."""
    return None


class DocumentedProblems:
    """The problem types the service's document lists per operation and status (an unlisted status: those of its
    `default` answer); `check` fails the test that received a problem of a type not listed there."""

    def __init__(self, document: dict[str, Any]) -> None:
        examples = document["components"]["examples"]
        self.operations: list[tuple[str, re.Pattern[str], str, dict[str, Any]]] = []
        for path, methods in sorted(document["paths"].items(), key=lambda item: item[0].count("{")):  # literal first
            pattern = re.compile("".join("[^/]+" if part.startswith("{") else re.escape(part)
                                         for part in re.split(r"({\w+})", path)))
            for method, operation in methods.items():
                self.operations.append((method.upper(), pattern, path, operation["responses"]))
        self.examples = {f"#/components/examples/{name}": example["value"]["type"] for name, example in examples.items()}

    def check(self, method: str, path: str, status: int, kind: object) -> None:
        for documented_method, pattern, template, responses in self.operations:
            if documented_method == method and pattern.fullmatch(path):
                answer = responses.get(str(status), responses["default"])
                listed = answer.get("content", {}).get(PROBLEM_JSON, {}).get("examples", {}).values()
                types = sorted(self.examples[example["$ref"]] if "$ref" in example else example["value"]["type"]
                               for example in listed)
                if kind not in types:
                    pytest.fail(f"{method} {path} answered {status} {kind}, a type /openapi.json does not list for "
                                f"{method} {template} {status} (it lists {types or 'none'})", pytrace=False)
                return


@pytest.fixture(scope="session")
def documented_problems() -> Callable[[bool], DocumentedProblems]:
    """The app's document, as `create_app` builds it with the test clocks or without: each built once."""

    @functools.cache
    def documented(test_clocks: bool) -> DocumentedProblems:
        clocks = test_clocks_api.ENDPOINTS if test_clocks else ()
        return DocumentedProblems(build_openapi(ENDPOINTS + clocks + OPS_ENDPOINTS, "e2e"))

    return documented


def audited(client: TestClient, documented: DocumentedProblems) -> TestClient:
    """The client, each problem answer it receives checked against the document (a route the document does not
    name, such as an unknown path or method, is not checked)."""
    send = client._request

    async def request(method: str, path: Any, **kwargs: Any) -> ClientResponse:
        response = await send(method, path, **kwargs)
        if response.content_type == PROBLEM_JSON and method.upper() != "HEAD":
            body = json.loads(await response.read())
            documented.check(method.upper(), URL(str(path)).path, response.status, body.get("type"))
        return response

    client._request = request  # type: ignore[method-assign]
    return client


@pytest.fixture
async def api(
    aiohttp_client, sandbox, mongo_uri, tmp_path, clock, evidence_interval, orders_document, carrier_settings,
    carrier_sandbox_url, query_audit, app_changes, monotonic, documented_problems,
) -> TestClient:
    orders_file = tmp_path / "orders.json"
    orders_file.write_text(json.dumps(orders_document))
    settings = app_settings(
        mongo_uri,
        f"e2e_{uuid.uuid4().hex[:10]}",
        orders_file,
        str(sandbox.make_url("/")).rstrip("/"),
        carriers=carrier_settings,
        carrier_sandbox_url=carrier_sandbox_url,
        **dispute_work_intervals(evidence_interval) | app_changes,
    )
    overrides = Overrides(clock=clock, mongo_listeners=(query_audit,), monotonic=monotonic)
    served_app = await served(create_app(settings, overrides), settings)
    client = audited(await aiohttp_client(served_app), documented_problems(settings.test_clocks))
    await seed_staff(client.app[STAFF_DIRECTORY].directory)  # as the embedded default: the people the tokens name
    yield client
    await client.close()  # stop the workers before the audit and the clean-up
    cleaner = connect(mongo_uri)
    await cleaner.drop_database(settings.mongodb_database)
    await cleaner.close()


async def served(app: web.Application, settings: Settings) -> TestServer:
    """The app on a test server with the service's own server options (bodies reach it undecoded, as in
    `adapters/cli.py`); the test server sets `handler_cancellation` itself."""
    server = TestServer(app)
    options = server_options(settings)
    del options["handler_cancellation"]
    await server.start_server(**options)
    return server


def dispute_work_intervals(seconds: float) -> dict[str, float]:
    """The same pause for every worker loop that changes disputes (pull, push, assessment, SLA, restrictions), which
    only poll: no save wakes them, so nothing changes a dispute between two requests unless the test waits for it."""
    return {f"{kind}_interval_seconds": seconds for kind in ("evidence", "push", "assess", "sla", "restriction")} | {
        "wake_workers": False, "busy_interval_seconds": seconds,
    }


def app_settings(mongo_uri: str, database: str, orders_file, downstream_url: str, **changes) -> Settings:
    """Settings for the app under test: every downstream service on the sandbox, fast loops, small bodies."""
    defaults = dict(
        mongodb_uri=mongo_uri,
        mongodb_database=database,
        orders_file=orders_file,
        payments_url=downstream_url,
        fulfillment_url=downstream_url,
        notifications_url=downstream_url,
        accounts_url=downstream_url,
        finance_url=downstream_url,
        digital_url=downstream_url,
        jwt_secret=SECRET,
        relay_interval_seconds=0.1,
        downstream_timeout_seconds=1.0,
        max_body_bytes=16 * 1024,
        carriers=CARRIERS,
        webhook_max_bytes=256 * 1024,
    )
    return Settings(**(defaults | changes))


def orders_file_document(orders: list[Order]) -> dict:
    return {"orders": [json.loads(o.model_dump_json()) for o in orders]}


def sandbox_shipments(cases: list[tuple[Order, str, str]], now: datetime = NOW) -> list[SandboxShipment]:
    """The carrier sandbox's view of each (order, scenario, name the carrier reports): at the order's address,
    delivered two days before `now` unless the scenario is not a delivery."""
    shipments = []
    for placed, scenario, name in cases:
        address, parcel = placed.address, placed.shipments[0]
        delivered = scenario not in ("unknown", "in_transit")
        shipments.append(SandboxShipment(
            carrier=parcel.carrier, tracking_number=parcel.tracking_number, scenario=scenario,
            recipient_name=name, received_by=name, delivered_at=now - timedelta(days=2) if delivered else None,
            lat=address.lat, lon=address.lon, city=address.city, district=address.district,
        ))
    return shipments


TOKENS = HmacTokens(SECRET, "dispute-service", "dispute-service")


def bearer(role: Role, sub: str, customer_id: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS.mint(sub, role, customer_id)}"}


CUSTOMER = bearer(Role.CUSTOMER, "cust-1", "cust-1")
OTHER_CUSTOMER = bearer(Role.CUSTOMER, "cust-2", "cust-2")
INVESTIGATOR = bearer(Role.INVESTIGATOR, "inv-ayse")
OTHER_INVESTIGATOR = bearer(Role.INVESTIGATOR, "inv-mehmet")
SUPERVISOR = bearer(Role.SUPERVISOR, "sup-zeynep")
AGENT = bearer(Role.AGENT, "agent-elif")
FINANCE = bearer(Role.FINANCE, "fin-ledger")


def money_key(case: dict[str, Any]) -> str:
    """What the keys of the refunds, reshipments and carrier liability of `case` (as the API shows it) start with."""
    return effects_key(case["order"]["order_id"], case["order"]["shipment_id"])


async def eventually(
    check: Callable[[], Any], timeout: float = 5.0, interval: float = 0.02,
    explain: str | Callable[[], object] | None = None,
) -> Any:
    """Wait for an async condition to hold, with a bound; returns the value that held. Past the bound the test fails,
    naming the check, its last value and `explain` (a callable is asked only then)."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            name = getattr(check, "__qualname__", repr(check))
            said = "" if explain is None else f": {explain() if callable(explain) else explain}"
            pytest.fail(f"{name} did not hold within {timeout} s (last value {value!r}){said}")
        await asyncio.sleep(interval)


async def settled(api: TestClient, dispute_id: str, timeout: float = 5.0) -> dict[str, Any]:
    """The case as staff see it once the relay has nothing left to deliver for it (its outbox empty), with a bound:
    what downstream applied can be counted then, not when its first effect lands."""

    async def drained() -> dict[str, Any] | None:
        case: dict[str, Any] = await (await api.get(f"/v1/disputes/{dispute_id}", headers=INVESTIGATOR)).json()
        return case if case["effects"]["pending"] == [] else None

    return await eventually(drained, timeout, explain=f"effects of {dispute_id} still to deliver")
