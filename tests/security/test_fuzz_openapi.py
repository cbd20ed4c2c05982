"""Schema-driven fuzzing of the served /openapi.json with schemathesis: every operation, as each role and as
nobody, with valid and invalid inputs (real dispute ids and carrier codes among the random ones).

No answer may be a 5xx, and every answer must be one the document promises: a listed status, its media type
and its schema (problems against `Problem`). Invalid input must be refused, a missing required header too,
and input the document calls valid must pass the server's own field validation (business rules may still
refuse it). A role an operation refuses is refused whatever it sends: nobody with a 401, anyone signed in with a
403; as that answer does not depend on the input, fewer inputs are tried for it than for a role admitted.
Bounded and seeded, so a failure in CI replays locally with the same requests."""

import asyncio
import base64
import io
import json
import re
import threading
import uuid
from collections.abc import Coroutine, Iterator
from importlib.metadata import version
from typing import Any

import hypothesis.strategies as st
import pytest
import requests
import schemathesis
from aiohttp import web
from hypothesis import Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.hypothesis.builder import ApiOperationMark
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    missing_required_header,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from adapters.bootstrap import ENDPOINTS, OPS_ENDPOINTS, Overrides, create_app
from adapters.demo.staff import seed_staff
from adapters.web.keys import STAFF_DIRECTORY
from adapters.observability import configure_logging
from sandbox.downstream import create_downstream_sandbox
from adapters.web.openapi import build_openapi
from adapters.web.openapi_partners import PARTNER_CARRIERS, WEBHOOK_PATH
from tests.e2e.conftest import (
    AGENT,
    CARRIERS,
    CUSTOMER,
    FINANCE,
    INVESTIGATOR,
    OTHER_CUSTOMER,
    SUPERVISOR,
    RunningClock,
    app_settings,
    dispute_work_intervals,
    e2e_orders,
)
from tests.factories import PERSONAL_VALUES
from tests.query_plans import CommandRecorder, unindexed
from tests.unit.carriers.test_partner_webhook import CREDENTIALS

ROLES = {"customer": CUSTOMER, "agent": AGENT, "investigator": INVESTIGATOR, "supervisor": SUPERVISOR, "finance": FINANCE,
         "anonymous": {}}
REFUSALS = ["400", "401", "403", "404", "405", "409", "412", "413", "415", "422", "428"]
CONFIG = schemathesis.Config.from_dict({
    "seed": 20260501,
    # How fast Hypothesis generates is the machine's, not the service's: on a loaded CI machine it is no failure.
    "suppress-health-check": ["too_slow"],
    "generation": {"max-examples": 25, "deterministic": True, "database": "none"},
    "checks": {
        "negative_data_rejection": {"expected-statuses": REFUSALS},
        "missing_required_header": {"expected-statuses": ["400", "401", "403", "422", "428"]},
    },
})
# Every carrier the document names a webhook for takes pushes here, so its required headers are what is checked.
DHL = {"base_url": "http://127.0.0.1:9", "api_key": "k", "webhook_token": "fuzz-dhl-token-0123456789abcdefghij"}
PUSHING = CARRIERS | {"dhl": DHL} | {
    code: CREDENTIALS[code][2] | {"base_url": "http://127.0.0.1:9",
                                  "partner_webhook": {"secrets": [f"whsec_fuzz_{code}_0123456789abcdef0123"]}}
    for code in PARTNER_CARRIERS
}
# The document the app serves (`create_app` builds it the same way; the first test checks they are equal).
DOCUMENT = build_openapi(ENDPOINTS + OPS_ENDPOINTS, version("dispute-service"))
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)
SEEDED: dict[str, list[str]] = {"id": []}
ADMITS = {(endpoint.method, endpoint.path): endpoint.roles for endpoint in ENDPOINTS + OPS_ENDPOINTS}
CARRIER_WEBHOOK = re.compile(r"/v1/carriers/\w+/webhooks")
"""A carrier's own webhook, documented at its address (its headers are its own) and served by the one route for all."""


def admitted(operation: schemathesis.APIOperation) -> list[str]:
    """The roles an operation admits: all of them, nobody too, when it is public; a HEAD's are its GET's."""
    method = operation.method.upper()
    path = WEBHOOK_PATH if CARRIER_WEBHOOK.fullmatch(operation.path) else operation.path
    roles = ADMITS["GET" if method == "HEAD" else method, path]
    return [role for role in ROLES if not roles or role in roles]


@schema.hook
def before_generate_path_parameters(context: schemathesis.HookContext, strategy: st.SearchStrategy) -> st.SearchStrategy:
    """Half the time, a real dispute id or carrier code instead of a random string."""
    known = {
        # Seeded when the app starts, after collection (where the documented examples are drawn already): read at
        # each draw, an id no dispute has until then.
        "id": st.integers(0, 2**16).map(lambda i: SEEDED["id"][i % len(SEEDED["id"])] if SEEDED["id"] else "dsp_none"),
        "carrier": st.sampled_from(sorted(CARRIERS) + ["aras", "unknown"]),
    }
    names = {p["name"] for p in context.operation.definition.raw.get("parameters", []) if p.get("in") == "path"}
    if not names or not names <= known.keys():
        return strategy
    return st.one_of(strategy, st.fixed_dictionaries({name: known[name] for name in names}))


def valid_input_passes_validation(ctx: schemathesis.CheckContext, response: schemathesis.Response,
                                  case: schemathesis.Case) -> None:
    """Input the document calls valid never gets a field-level validation problem: the published schemas
    are the ones the server enforces (a HEAD answer has no body to read)."""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 422 or case.method == "HEAD":
        return
    if errors := response.json().get("errors"):
        raise AssertionError(f"schema-valid input refused by the server's validation: {errors}")


CHECKS = [
    not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
    response_schema_conformance, negative_data_rejection, missing_required_header, valid_input_passes_validation,
]


class LoopThread:
    """An event loop on its own thread: the servers run there while the synchronous fuzzer calls them."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fuzzed-app", daemon=True)
        self.thread.start()

    def run[T](self, coroutine: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


def seed_disputes(url: str) -> list[str]:
    """Disputes in different states (opened, rejected, refunded, withdrawn), one of them another customer's."""

    def open_dispute(order_id: str, headers: dict[str, str] = CUSTOMER, **extra: str) -> str:
        body = {"order_id": order_id, "statement": "Gelmedi.", "preferred_resolution": "refund", **extra}
        response = requests.post(f"{url}/v1/disputes", json=body, headers=headers, timeout=10)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def act(dispute_id: str, action: str, headers: dict[str, str], body: dict[str, str]) -> None:
        response = requests.post(f"{url}/v1/disputes/{dispute_id}/{action}", json=body, headers=headers, timeout=10)
        assert response.status_code == 200, response.text

    opened = open_dispute("ord-1")
    rejected = open_dispute("ord-2")
    act(rejected, "decision", {**INVESTIGATOR, "If-Match": '"1"'},
        {"outcome": "rejected", "reason_code": "proof_of_delivery", "note": "İmzalı teslim."})
    refunded = open_dispute("ord-5", shipment_id="shp-5a")
    act(refunded, "decision", {**INVESTIGATOR, "If-Match": '"1"'},
        {"outcome": "refund", "reason_code": "carrier_no_proof", "note": "Kanıt yok."})
    withdrawn = open_dispute("ord-6")
    act(withdrawn, "withdraw", CUSTOMER, {})
    return [opened, rejected, refunded, withdrawn, open_dispute("ord-9", OTHER_CUSTOMER)]


@pytest.fixture(scope="module")
def live_url(mongo_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The whole app on a loopback port with the downstream sandbox, seeded; at the end its logs are audited
    and every query the fuzzer caused must have been served by a declared index."""
    logs = io.StringIO()
    configure_logging("DEBUG", json=True, stream=logs)
    orders_file = tmp_path_factory.mktemp("fuzz") / "orders.json"
    orders_file.write_text(json.dumps(e2e_orders()))
    loop = LoopThread()
    sandbox, sandbox_url = loop.run(serve(create_downstream_sandbox(e2e_orders())))
    settings = app_settings(
        mongo_uri, f"fuzz_{uuid.uuid4().hex[:10]}", orders_file, sandbox_url,
        relay_interval_seconds=0.05, carriers=PUSHING, **dispute_work_intervals(3600.0),
        # thousands of requests from one address, the anonymous ones sharing its bucket: limits are not under test
        rate_limit_client_burst=10**6, rate_limit_webhook_burst=10**6,
    )
    queries = CommandRecorder()
    app = create_app(settings, Overrides(clock=RunningClock(), mongo_listeners=(queries,)))
    runner, url = loop.run(serve(app))
    loop.run(seed_staff(app[STAFF_DIRECTORY].directory))  # as the embedded default: the people the tokens name
    try:
        SEEDED["id"] = seed_disputes(url)
        yield url
    finally:
        loop.run(runner.cleanup())
        loop.run(sandbox.cleanup())
        loop.close()
    problems = unindexed(queries.commands)
    assert not problems, "queries not served by a declared index:\n" + "\n".join(problems)
    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    assert any(line["event"] == "request" for line in lines), "nothing was logged: the audit would prove nothing"
    errors = [line for line in lines if line["level"] == "error"]
    assert not errors, f"the fuzzer caused errors: {errors}"
    assert not [value for value in PERSONAL_VALUES if value in logs.getvalue()], "personal data in logs"


def test_the_fuzzed_document_is_the_served_one(live_url):
    assert requests.get(f"{live_url}/openapi.json", timeout=10).json() == DOCUMENT


# The app's thread draws from the global `random` while Hypothesis generates (PyMongo numbers its commands
# at random once a listener, the index audit's, is attached); the strategies here do not use it.
@pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")
@schema.parametrize()
def test_every_answer_is_documented_and_never_a_server_error(case, role, live_url):
    case.call_and_validate(base_url=live_url, headers=ROLES[role], checks=CHECKS)


# A role an operation does not list is refused before anything it sent is read (`Endpoint.aiohttp_handler`): a few
# generated inputs show it, without the documented examples and the coverage phase's boundaries (which also send
# methods the path does not take: 405 to anyone) that the roles admitted are tried with.
@pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")
@settings(max_examples=5, phases=[Phase.generate, Phase.shrink])
@schema.include(func=lambda context: admitted(context.operation) != list(ROLES)).parametrize()
def test_a_role_refused_is_refused_whatever_it_sends(case, refused_role, live_url):
    response = case.call_and_validate(base_url=live_url, headers=ROLES[refused_role], checks=CHECKS)
    # nobody (whatever Authorization the case made up), or a role whose token the case left out, is not signed in
    signed_in = refused_role != "anonymous" and response.request.headers.get("Authorization") == ROLES[refused_role]["Authorization"]
    assert response.status_code == (403 if signed_in else 401), response.text


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Each fuzzed operation is called as each role it admits (`role`) or as each it refuses (`refused_role`): one
    item per operation and role, the operation read from the test schemathesis built for it."""
    for name, admitting in (("role", True), ("refused_role", False)):
        if name in metafunc.fixturenames:
            operation = ApiOperationMark.get(metafunc.function)
            assert operation is not None, f"{metafunc.function.__name__} fuzzes no operation"
            roles = admitted(operation)
            metafunc.parametrize(name, [role for role in ROLES if (role in roles) == admitting])


# What the fuzzer found, pinned: each once answered 500 or disagreed with the document.
FORGED_CURSOR = base64.urlsafe_b64encode(json.dumps(["0001-01-01T00:00:00+01:00", "x"]).encode()).decode().rstrip("=")
REFUSED = {
    "a number for a date-time": "/v1/disputes?opened_to=0.5",
    "Unix time for a date-time": "/v1/reports/sla?from=1700000000&to=2026-01-01T00:00:00Z",
    "a cursor with no UTC equivalent": f"/v1/disputes?cursor={FORGED_CURSOR}",
    "a period before 1970": "/v1/reports/sla?from=0001-01-01T00:00:00.0%2B00:01&to=0001-06-01T00:00:00Z",
    "a period past the year 9998": "/v1/reports/carriers?from=9999-12-01T00:00:00Z&to=9999-12-31T23:59:59-00:01",
}
READ_AS_RANGE_ENDS = [
    "/v1/disputes?due_before=0001-01-01T00:00:00%2B00:01",
    "/v1/disputes?opened_to=9999-12-31T23:59:59-00:01",
]


@pytest.mark.parametrize("target", REFUSED.values(), ids=REFUSED.keys())
def test_what_is_not_an_instant_is_refused(live_url, target):
    response = requests.get(live_url + target, headers=SUPERVISOR, timeout=10)
    assert response.status_code == 422 and response.json()["type"].endswith(":validation-failed")


@pytest.mark.parametrize("target", READ_AS_RANGE_ENDS)
def test_instants_beyond_the_utc_range_read_as_its_ends(live_url, target):
    assert requests.get(live_url + target, headers=SUPERVISOR, timeout=10).status_code == 200


@pytest.mark.parametrize("blank", [" ", "\u3000", "\t\n\u2028", "\u200b\u2060", "\ufeff\u202e",
                                   "Not\x00", "Not \x1b[2J", "\x85Not", "Not\x7f"])
def test_blank_or_control_holding_text_is_refused_as_the_document_says(live_url, blank):
    note = DOCUMENT["components"]["schemas"]["Note"]["properties"]["text"]
    assert not re.search(note["pattern"], blank)
    response = requests.post(f"{live_url}/v1/disputes/{SEEDED['id'][0]}/notes", json={"text": blank},
                             headers=INVESTIGATOR, timeout=10)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "text"
