"""What an operator sees of a journey: the metrics a scrape reads, the log lines, the trace carried from the
request to the downstream call its outbox message causes (here a notification service that answers only when
the test lets it, on loopback)."""

import asyncio
import json
from datetime import datetime, timedelta

import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from adapters.observability import configure_logging, process_fields
from tests.e2e.conftest import CUSTOMER, eventually

OPEN = {"order_id": "ord-1", "statement": "Teslim edildi görünüyor ama gelmedi.", "preferred_resolution": "refund"}
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{CALLER_SPAN}-01"
TRACESTATE = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
OPEN_STATES = ("appealed", "awaiting_evidence", "opened", "under_review")

type Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


class HeldNotifications:
    """The notification service: records each request's headers, answers once `release` is set."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.headers: list[dict[str, str]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.headers.append(dict(request.headers))
        await self.release.wait()
        return web.json_response({}, status=202)


@pytest.fixture
async def notifications(aiohttp_server):
    held = HeldNotifications()
    app = web.Application()
    app.router.add_post("/notifications/v1/messages", held.handle)
    server = await aiohttp_server(app)
    yield held, str(server.make_url("/")).rstrip("/")
    held.release.set()


@pytest.fixture
def app_changes(notifications) -> dict:
    return {"notifications_url": notifications[1], "downstream_timeout_seconds": 30.0, "metrics_storage_max_age_seconds": 0}


async def scrape(api) -> Samples:
    response = await api.get("/metrics")
    assert response.status == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(await response.text())
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


async def test_a_scrape_counts_requests_by_route_template_and_follows_cases_and_the_outbox(api, notifications, clock):
    held, _ = notifications
    before = await scrape(api)
    assert {value(before, "disputes_cases_open", state=state) for state in OPEN_STATES} == {0.0}
    assert (value(before, "disputes_sla_at_risk"), value(before, "disputes_sla_breached")) == (0.0, 0.0)
    assert value(before, "disputes_outbox_pending") == 0.0 and value(before, "disputes_outbox_oldest_age_seconds") == 0.0

    missing = await api.get("/v1/disputes/dsp-no-such-case", headers=CUSTOMER)
    assert missing.status == 404
    queued_by = clock.now()
    opened = await api.post("/v1/disputes", json=OPEN, headers=CUSTOMER)
    assert opened.status == 201
    dispute = await opened.json()
    await eventually(lambda: _true(held.headers))  # the relay is at the notification service, which holds it

    clock.offset += timedelta(seconds=90)  # the message has waited 90 seconds more (the clock also runs)
    during = await scrape(api)
    scraped_by = clock.now()
    not_found = {"method": "GET", "route": "/v1/disputes/{id}", "status": "404"}
    assert value(during, "disputes_http_requests_total", **not_found) == 1.0
    assert value(during, "disputes_http_requests_total", method="POST", route="/v1/disputes", status="201") == 1.0
    assert value(during, "disputes_http_request_duration_seconds_count", method="POST", route="/v1/disputes") == 1.0
    assert not any("dsp-no-such-case" in str(labels) for _, labels in during)  # the template, never the path
    assert value(during, "disputes_cases_open", state="opened") == 1.0
    assert value(during, "disputes_outbox_pending") == 1.0
    # queued after `queued_by`, read before `scraped_by`: at least the 90 seconds added, at most the time between
    age = value(during, "disputes_outbox_oldest_age_seconds")
    assert age is not None and 90.0 <= age <= (scraped_by - queued_by).total_seconds()

    held.release.set()
    delivered = {"kind": "notification", "result": "delivered"}
    await eventually(lambda: _relayed(api))
    after = await scrape(api)
    assert value(after, "disputes_outbox_pending") == 0.0 and value(after, "disputes_outbox_oldest_age_seconds") == 0.0
    assert value(after, "disputes_outbox_deliveries_total", **delivered) == 1.0
    assert value(after, "disputes_http_requests_total", **not_found) == 1.0  # the scrapes are counted apart

    due = datetime.fromisoformat(dispute["decision_due"])
    clock.offset += due - clock.now() - timedelta(hours=1)  # within the 12 hours before the deadline
    assert (value(await scrape(api), "disputes_sla_at_risk"), value(await scrape(api), "disputes_sla_breached")) == (1, 0)
    clock.offset += timedelta(hours=2)  # past it (the sweeper, idle here, has not resolved it)
    assert (value(await scrape(api), "disputes_sla_at_risk"), value(await scrape(api), "disputes_sla_breached")) == (0, 1)


async def test_log_lines_name_the_service_the_caller_the_dispute_and_the_trace_carried_downstream(
    api, notifications, log_audit
):
    held, _ = notifications
    held.release.set()
    configure_logging("DEBUG", json=True, stream=log_audit, process=process_fields("embedded"))
    start = len(log_audit.getvalue())  # what the app logged before is left to the audit
    opened = await api.post("/v1/disputes", json=OPEN, headers={**CUSTOMER, "traceparent": TRACEPARENT,
                                                                "tracestate": TRACESTATE})
    dispute_id = (await opened.json())["id"]
    read = await api.get(f"/v1/disputes/{dispute_id}", headers={**CUSTOMER, "traceparent": "00-not-a-trace"})
    assert read.status == 200
    await eventually(lambda: _true(held.headers))

    [sent] = held.headers
    version, trace_id, span_id, flags = sent["traceparent"].split("-")
    assert (version, trace_id, flags) == ("00", TRACE_ID, "01") and span_id != CALLER_SPAN
    assert sent["tracestate"] == TRACESTATE  # the caller's vendors' entries, passed on with its trace

    lines = [json.loads(line) for line in log_audit.getvalue()[start:].splitlines()]
    requests = [line for line in lines if line["event"] == "request"]
    assert all(line["service"] == "dispute-service" and line["component"] == "embedded" for line in lines)
    assert all(len(line["trace_id"]) == 32 and len(line["span_id"]) == 16 for line in lines)
    assert {(line["route"], line["dispute_id"], line["actor_id"], line["actor_role"]) for line in requests} == {
        ("/v1/disputes", dispute_id, "cust-1", "customer"), ("/v1/disputes/{id}", dispute_id, "cust-1", "customer"),
    }
    first, second = requests
    assert first["trace_id"] == TRACE_ID and first["span_id"] != CALLER_SPAN
    assert len(second["trace_id"]) == 32 and second["trace_id"] != TRACE_ID  # a malformed one starts a new trace
    [relayed] = await eventually(lambda: _lines_of(log_audit, "outbox_delivered"))
    assert (relayed["dispute_id"], relayed["trace_id"]) == (dispute_id, TRACE_ID)
    assert "t61rcWkgMzE" not in log_audit.getvalue()  # vendors' data: no line carries a tracestate


async def _true(value: object) -> object:
    return value


async def _relayed(api) -> bool:
    return value(await scrape(api), "disputes_outbox_pending") == 0.0


async def _lines_of(stream, event: str) -> list[dict]:
    return [line for line in map(json.loads, stream.getvalue().splitlines()) if line["event"] == event]
