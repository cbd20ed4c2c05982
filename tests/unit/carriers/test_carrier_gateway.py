"""The gateway between the evidence worker and the carriers: what a carrier answered is kept for audit, the
proof says what the carrier can supply, and an authentication failure is an alert, not a verdict."""

import json
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest
from pydantic import SecretStr
from structlog.testing import capture_logs

from adapters.carrier_gateway import CarrierCounters, CarrierMetrics, RegistryGateway
from adapters.memory import InMemoryEvidenceStore
from carriers.parsing import attachment_media_type
from carriers.dhl.client import DhlAdapter
from carriers.dhl.settings import DhlSettings
from carriers.dhl.webhook import parse_push
from carriers.retry import RetryBudget
from carriers.status import count_unmapped
from disputes.intake import EvidenceIntake
from disputes.ports import EvidenceRejected, EvidenceUnavailable
from tests.unit.carriers.conftest import FakeClock
from tests.unit.carriers.properties import sample

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
# The smallest Unified Tracking reply: one shipment, its status (DHL's published shape).
REPLY = {"shipments": [{"id": "7777777770", "service": "express",
                        "status": {"statusCode": "transit", "status": "transit", "timestamp": "2026-11-30T10:00:00Z"}}]}


class Clock:
    def now(self) -> datetime:
        return NOW


ONE_TRY = RetryBudget(attempts=1)


async def gateway_for(
    carrier_server, session: aiohttp.ClientSession, handler, retry: RetryBudget = ONE_TRY
) -> tuple[RegistryGateway, InMemoryEvidenceStore, CollectorRegistry]:
    base = await carrier_server([("GET", "/track/shipments", handler)])
    settings = DhlSettings(base_url=base, api_key=SecretStr("k"), retry=retry)
    store, registry = InMemoryEvidenceStore(), CollectorRegistry()
    gateway = RegistryGateway({"dhl": DhlAdapter(settings, session)}, intake_over(store), Clock(), CarrierMetrics(registry))
    CarrierCounters(registry)
    return gateway, store, registry


def intake_over(store: InMemoryEvidenceStore) -> EvidenceIntake:
    return EvidenceIntake(store, store, Clock(), attachment_media_type)


async def test_a_pulled_proof_keeps_what_the_carrier_answered_and_what_it_can_supply(carrier_server, session) -> None:
    body = json.dumps(REPLY).encode()

    async def track(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    gateway, store, _ = await gateway_for(carrier_server, session, track)
    proof = await gateway.pull("dhl", "7777777770")
    assert proof.raw_ref is not None and proof.received_at == NOW
    kept = json.loads(store.raw[proof.raw_ref])
    assert [(r["status"], r["url"].rsplit("/", 2)[-2:], r["body"]) for r in kept["replies"]] == [
        (200, ["track", "shipments"], body.decode())
    ]
    assert proof.offer == gateway.carriers["dhl"].capabilities.pull
    assert (await gateway.pull("dhl", "7777777770")).raw_ref == proof.raw_ref  # the same answer is stored once
    assert len(store.raw) == 1


async def test_refused_credentials_are_an_alert_and_the_case_waits(carrier_server, session) -> None:
    async def refuse(request: web.Request) -> web.Response:
        return web.json_response({"status": 401, "title": "Unauthorized"}, status=401)

    gateway, store, registry = await gateway_for(carrier_server, session, refuse)
    with capture_logs() as logs, pytest.raises(EvidenceUnavailable) as waits:
        await gateway.pull("dhl", "7777777770")
    assert waits.value.why == "auth_failed"  # what the work log says, as the metric does
    assert {"event": "carrier_auth_failed", "carrier": "dhl", "status": 401, "error": "dhl: HTTP 401",
            "log_level": "error"} in logs
    assert 'disputes_evidence_pulls_total{carrier="dhl",result="auth_failed"} 1.0' in generate_latest(registry).decode()
    assert store.raw == {}


async def test_unmapped_status_codes_are_counted_by_carrier_and_code(carrier_server, session) -> None:
    async def never(request: web.Request) -> web.Response:
        raise AssertionError("not called")

    _, _, registry = await gateway_for(carrier_server, session, never)
    count_unmapped("dhl", "ZZ-NEW")
    assert 'disputes_carrier_unmapped_statuses_total{carrier="dhl",code="ZZ-NEW"}' in generate_latest(registry).decode()


async def test_skipped_push_entries_are_counted_by_carrier_and_logged_without_their_content(
    carrier_server, session
) -> None:
    async def never(request: web.Request) -> web.Response:
        raise AssertionError("not called")

    _, _, registry = await gateway_for(carrier_server, session, never)
    before = registry.get_sample_value("disputes_carrier_push_entries_skipped_total", {"carrier": "dhl"}) or 0
    body = {"scope": "subscription.push", "shipments": [*REPLY["shipments"], {"id": "Ayşe Yılmaz", "events": "x"}]}

    with capture_logs() as logs:
        [event] = parse_push(json.dumps(body).encode(), NOW)

    assert event.tracking_number == "7777777770"
    after = registry.get_sample_value("disputes_carrier_push_entries_skipped_total", {"carrier": "dhl"})
    assert after == before + 1
    [line] = [entry for entry in logs if entry["event"] == "carrier_push_entries_skipped"]
    assert (line["carrier"], line["skipped"], line["shipments"], line["places"]) == ("dhl", 1, 2, [1])
    assert "Ayşe" not in repr(logs)


async def down_carrier(
    carrier_server, session: aiohttp.ClientSession, threshold: int, attempts: int, clock: FakeClock | None = None
) -> tuple[RegistryGateway, list[int], CollectorRegistry]:
    """DHL answering every call 503, its breaker opening after `threshold` failures; and the calls it got."""
    calls: list[int] = []

    async def down(request: web.Request) -> web.Response:
        calls.append(1)
        return web.Response(status=503)

    base = await carrier_server([("GET", "/track/shipments", down)])
    breaker = {"failure_threshold": threshold, "cool_down_seconds": 30}
    settings = DhlSettings(base_url=base, api_key=SecretStr("k"), retry=RetryBudget(attempts=attempts), breaker=breaker)
    registry = CollectorRegistry()
    adapters = {"dhl": DhlAdapter(settings, session, **({"clock": clock} if clock else {}))}
    gateway = RegistryGateway(adapters, intake_over(InMemoryEvidenceStore()), Clock(), CarrierMetrics(registry))
    return gateway, calls, registry


async def test_a_call_the_breaker_refuses_names_when_to_ask_again(carrier_server, session) -> None:
    gateway, calls, registry = await down_carrier(carrier_server, session, threshold=1, attempts=1)
    with pytest.raises(EvidenceUnavailable) as failed:
        await gateway.pull("dhl", "7777777770")
    assert failed.value.retry_at is None  # the carrier itself failed: the evidence backoff decides
    with pytest.raises(EvidenceUnavailable, match="circuit open") as refused:
        await gateway.pull("dhl", "7777777770")
    assert calls == [1] and refused.value.retry_at is not None
    assert NOW + timedelta(seconds=29) <= refused.value.retry_at <= NOW + timedelta(seconds=30)
    assert 'disputes_evidence_pulls_total{carrier="dhl",result="refused"} 1.0' in generate_latest(registry).decode()


async def test_a_pull_whose_failures_open_the_breaker_is_the_carrier_unavailable_not_a_refusal(
    carrier_server, session, clock
) -> None:
    """`refused` is a pull the breaker turned away before it called the carrier; one that called it, failed, and
    was stopped by the breaker its failures opened, met a carrier that did not answer."""
    gateway, calls, registry = await down_carrier(carrier_server, session, threshold=2, attempts=4, clock=clock)
    with pytest.raises(EvidenceUnavailable) as failed:
        await gateway.pull("dhl", "7777777770")
    assert calls == [1, 1] and failed.value.why == "unavailable"  # the third try met the breaker the two opened
    assert failed.value.retry_at is not None  # asked again when the breaker lets calls through, not sooner
    assert NOW + timedelta(seconds=29) <= failed.value.retry_at <= NOW + timedelta(seconds=30)
    assert pulls_counted(registry, "unavailable") and pulls_counted(registry, "refused", 0)
    with pytest.raises(EvidenceUnavailable, match="circuit open") as refused:
        await gateway.pull("dhl", "7777777770")
    assert calls == [1, 1] and refused.value.why == "refused" and pulls_counted(registry, "refused")


def pulls_counted(registry: CollectorRegistry, result: str, count: int = 1) -> bool:
    exposed = generate_latest(registry).decode()
    return f'disputes_evidence_pulls_total{{carrier="dhl",result="{result}"}} {count:.1f}' in exposed


async def test_every_result_of_a_pull_carrier_is_counted_from_0_before_its_first_pull(carrier_server, session) -> None:
    """A rate over a process's first pulls counts them all: a series that first appears at 1 loses that pull to
    Prometheus's `increase` (deploy/prometheus/alerts.yml)."""
    async def unused(request: web.Request) -> web.Response:
        return web.json_response({})

    _, _, registry = await gateway_for(carrier_server, session, unused)

    for result in ("delivered", "not_found", "unavailable", "refused", "throttled", "auth_failed", "malformed"):
        assert pulls_counted(registry, result, 0), result


async def test_a_reply_cut_short_is_asked_for_again_later_not_given_up(carrier_server, session) -> None:
    """A broken proxy's half answer says nothing of the shipment: the case waits for the next pull."""

    async def cut(request: web.Request) -> web.Response:
        return web.Response(body=json.dumps(REPLY).encode()[:40], content_type="application/json")

    gateway, store, registry = await gateway_for(carrier_server, session, cut)
    with pytest.raises(EvidenceUnavailable) as failed:
        await gateway.pull("dhl", "7777777770")
    assert (failed.value.why, failed.value.retry_at) == ("malformed", None)  # the evidence backoff decides
    assert pulls_counted(registry, "malformed") and store.raw == {}


async def test_a_request_the_carrier_refuses_as_ours_is_still_rejected(carrier_server, session) -> None:
    async def refuse(request: web.Request) -> web.Response:
        return web.json_response({"status": 400, "title": "Bad Request"}, status=400)

    gateway, _, registry = await gateway_for(carrier_server, session, refuse)
    with pytest.raises(EvidenceRejected):
        await gateway.pull("dhl", "7777777770")
    assert pulls_counted(registry, "rejected")


@pytest.mark.parametrize(("status", "why"), [(429, "throttled"), (503, "unavailable")])
async def test_a_retry_after_beyond_the_calls_budget_is_when_the_case_is_pulled_again(
    carrier_server, session, status, why
) -> None:
    calls: list[int] = []

    async def busy(request: web.Request) -> web.Response:
        calls.append(1)
        return web.json_response({"status": status}, status=status, headers={"Retry-After": "30"})

    budget = RetryBudget(attempts=3, total_seconds=5)
    gateway, _, registry = await gateway_for(carrier_server, session, busy, budget)
    with pytest.raises(EvidenceUnavailable) as failed:
        await gateway.pull("dhl", "7777777770")
    assert calls == [1]  # not called again within the call: the carrier allows it only 30 s later
    assert (failed.value.why, failed.value.retry_at) == (why, NOW + timedelta(seconds=30))
    assert pulls_counted(registry, why)


async def test_a_carriers_huge_retry_after_is_a_day_not_a_crash(carrier_server, session) -> None:
    """RFC 9110 §10.2.3 sets no upper bound on delay-seconds; DHL's 429 (error-rate-limited.json, its daily and
    per-second quota answer) with one past the range of dates (~31,700 years) is throttled, asked again in a day."""
    async def throttled(request: web.Request) -> web.Response:
        return web.Response(body=sample("dhl", "error-rate-limited.json"), status=429,
                            content_type="application/json", headers={"Retry-After": "999999999999"})

    gateway, _, registry = await gateway_for(carrier_server, session, throttled)
    with pytest.raises(EvidenceUnavailable) as failed:
        await gateway.pull("dhl", "7777777770")
    assert (failed.value.why, failed.value.retry_at) == ("throttled", NOW + timedelta(days=1))
    assert pulls_counted(registry, "throttled")
