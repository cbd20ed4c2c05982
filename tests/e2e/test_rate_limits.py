"""Rate limits over the whole app: a token bucket per client (the token's subject, the address without a valid one)
and per carrier's webhook (one for its verified pushes, one for the rest); past it a 429 problem with Retry-After,
and every answer carries the RateLimit and RateLimit-Policy fields (draft-ietf-httpapi-ratelimit-headers-10). The
buckets refill by a clock the test moves."""

import json
import time
from pathlib import Path

import pytest

from carriers.partner.signing import HEADER, sign
from sandbox.carriers import sandbox_carrier_settings
from tests.e2e.conftest import CARRIERS, CUSTOMER, INVESTIGATOR, OTHER_INVESTIGATOR, UPS_WEBHOOK_CREDENTIAL
from tests.e2e.test_access_and_bad_input import assert_problem
from tests.e2e.test_partner_webhooks import answer_to_an_unfinished_push

BURST, PER_SECOND = 3, 0.5
WEBHOOK_BURST = 2
HEPSIJET = sandbox_carrier_settings("http://127.0.0.1:9")["hepsijet"]  # pulls go to a closed port
UPS_DELIVERED = (Path(__file__).resolve().parents[1] / "fixtures" / "carriers" / "ups" / "alert-delivered.json").read_bytes()
JSON = {"Content-Type": "application/json"}


class Seconds:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def seconds() -> Seconds:
    return Seconds()


@pytest.fixture
def monotonic(seconds):
    return seconds


@pytest.fixture
def carrier_settings() -> dict:
    return CARRIERS | {"hepsijet": HEPSIJET}


@pytest.fixture
def app_changes() -> dict:
    return {"rate_limit_client_burst": BURST, "rate_limit_client_per_second": PER_SECOND,
            "rate_limit_webhook_burst": WEBHOOK_BURST, "rate_limit_webhook_per_second": 1.0}


async def test_a_client_past_its_bucket_gets_429_with_retry_after_and_recovers_when_it_refills(api, seconds):
    answers = [await api.get("/v1/disputes", headers=INVESTIGATOR) for _ in range(BURST)]
    assert [a.status for a in answers] == [200] * BURST
    assert [a.headers["RateLimit"] for a in answers] == ['"client";r=2;t=2', '"client";r=1;t=4', '"client";r=0;t=6']
    assert {a.headers["RateLimit-Policy"] for a in answers} == {'"client";q=3;w=6'}

    refused = await api.get("/v1/disputes", headers=INVESTIGATOR)
    problem = await assert_problem(refused, 429)
    assert problem["type"] == "urn:dispute-service:problem:rate-limited"
    assert refused.headers["Retry-After"] == "2" and refused.headers["RateLimit"] == '"client";r=0;t=6'
    assert refused.headers["RateLimit-Policy"] == '"client";q=3;w=6'
    assert (await api.get("/v1/disputes", headers=OTHER_INVESTIGATOR)).status == 200  # another client's bucket

    seconds.now += 1.9
    assert (await api.get("/v1/disputes", headers=INVESTIGATOR)).status == 429
    seconds.now += 0.1
    recovered = await api.get("/v1/disputes", headers=INVESTIGATOR)
    assert recovered.status == 200 and recovered.headers["RateLimit"] == '"client";r=0;t=6'
    seconds.now += 60
    assert (await api.get("/v1/disputes", headers=INVESTIGATOR)).headers["RateLimit"] == '"client";r=2;t=2'


async def test_a_refused_post_changes_nothing(api):
    for _ in range(BURST):
        await api.get("/v1/disputes", headers=CUSTOMER)
    refused = await api.post("/v1/disputes", json={"order_id": "ord-1", "statement": "Gelmedi.",
                                                   "preferred_resolution": "refund"}, headers=CUSTOMER)
    await assert_problem(refused, 429)
    assert (await (await api.get("/v1/disputes", headers=INVESTIGATOR)).json())["items"] == []


async def test_requests_without_a_valid_token_count_against_their_address(api):
    forged = {"Authorization": "Bearer not-a-token"}
    assert [(await api.get("/v1/disputes", headers=forged)).status for _ in range(BURST)] == [401] * BURST
    await assert_problem(await api.get("/v1/disputes"), 429)
    assert (await api.get("/v1/disputes", headers=INVESTIGATOR)).status == 200


async def test_each_carriers_webhook_has_its_own_bucket_and_operations_none(api, seconds):
    statuses = [(await api.post("/v1/carriers/ups/webhooks", data=b"{}")).status for _ in range(WEBHOOK_BURST)]
    assert 429 not in statuses
    refused = await api.post("/v1/carriers/ups/webhooks", data=b"{}")
    await assert_problem(refused, 429)
    assert refused.headers["Retry-After"] == "1" and refused.headers["RateLimit-Policy"] == '"webhook-unverified";q=2;w=2'
    assert (await api.post("/v1/carriers/hepsijet/webhooks", data=b"{}")).status != 429
    assert all([(await api.get("/healthz")).status == 200 for _ in range(3 * BURST)])
    seconds.now += 1
    assert (await api.post("/v1/carriers/ups/webhooks", data=b"{}")).status != 429


def genuine(carrier: str) -> tuple[bytes, dict[str, str]]:
    """A push as the carrier sends it: UPS's Track Alert with its credential, HepsiJET's partner event signed now
    (the replay window is measured on the real clock)."""
    if carrier == "ups":
        return UPS_DELIVERED, JSON | {"x-api-key": UPS_WEBHOOK_CREDENTIAL}
    body = json.dumps({"event_id": "hj-rate-1", "carrier": "hepsijet", "tracking_number": "HJ0000000001",
                       "status": "in_transit", "occurred_at": "2026-03-22T09:00:12+03:00"}).encode()
    return body, JSON | {HEADER: sign(HEPSIJET["partner_webhook"]["secrets"][0], body, int(time.time()))}


def forged(carrier: str) -> dict[str, str]:
    if carrier == "ups":
        return JSON | {"x-api-key": "a-guessed-ups-credential"}
    return JSON | {HEADER: f"t={int(time.time())},v1={'0' * 64}"}


@pytest.mark.parametrize("carrier", ["ups", "hepsijet"])
async def test_forged_pushes_past_the_burst_get_429_but_never_use_up_the_carriers_own_pushes(api, carrier):
    webhook = f"/v1/carriers/{carrier}/webhooks"
    body, headers = genuine(carrier)
    flood = [await api.post(webhook, data=body, headers=forged(carrier)) for _ in range(WEBHOOK_BURST + 2)]
    assert [answer.status for answer in flood] == [401] * WEBHOOK_BURST + [429, 429]
    first = await api.post(webhook, data=body, headers=headers)
    again = await api.post(webhook, data=body, headers=headers)
    stored = 200 if carrier == "ups" else 202  # as each carrier's documentation asks
    assert (first.status, await first.json()) == (stored, {"received": 1, "duplicates": 0})
    assert (again.status, await again.json()) == (stored, {"received": 1, "duplicates": 1}), "the first was not stored"
    assert [first.headers["RateLimit"], again.headers["RateLimit"]] == ['"webhook";r=1;t=1', '"webhook";r=0;t=2']
    assert first.headers["RateLimit-Policy"] == '"webhook";q=2;w=2'

    problem = await assert_problem(flood[-1], 429)
    assert problem["type"] == "urn:dispute-service:problem:rate-limited"
    assert flood[-1].headers["Retry-After"] == "1"
    assert flood[-1].headers["RateLimit-Policy"] == '"webhook-unverified";q=2;w=2'
    assert (await api.post(webhook, data=body, headers=forged(carrier))).status == 429  # still refused

    past_its_own = await api.post(webhook, data=body, headers=headers)  # the carrier's own pushes are limited too
    await assert_problem(past_its_own, 429)
    assert past_its_own.headers["RateLimit-Policy"] == '"webhook";q=2;w=2'


async def test_a_signed_push_for_another_carriers_body_takes_from_the_carriers_own_bucket(api):
    webhook = "/v1/carriers/hepsijet/webhooks"
    body = json.dumps({"event_id": "hj-rate-2", "carrier": "yurtici", "tracking_number": "HJ0000000001",
                       "status": "in_transit", "occurred_at": "2026-03-22T09:00:12+03:00"}).encode()
    secret = HEPSIJET["partner_webhook"]["secrets"][0]
    misdirected = [await api.post(webhook, data=body, headers=JSON | {HEADER: sign(secret, body, int(time.time()))})
                   for _ in range(WEBHOOK_BURST + 1)]
    assert [answer.status for answer in misdirected] == [403] * WEBHOOK_BURST + [429]
    assert misdirected[-1].headers["RateLimit-Policy"] == '"webhook";q=2;w=2'
    assert (await api.post(webhook, data=b"{}", headers=forged("hepsijet"))).status == 401  # that bucket is untouched


@pytest.mark.parametrize("carrier", ["ups", "hepsijet"])
async def test_an_unsigned_push_past_the_unverified_bucket_is_refused_before_its_body_is_read(api, carrier):
    webhook = f"/v1/carriers/{carrier}/webhooks"
    unsigned = [(await api.post(webhook, data=b"{}", headers=JSON)).status for _ in range(WEBHOOK_BURST)]
    assert unsigned == [401] * WEBHOOK_BURST
    head, problem = await answer_to_an_unfinished_push(api, webhook, JSON, 1)
    assert head.startswith(b"HTTP/1.1 429") and b'RateLimit-Policy: "webhook-unverified";q=2;w=2\r\n' in head
    assert problem["type"] == "urn:dispute-service:problem:rate-limited"


async def test_a_streamed_export_a_not_modified_and_a_refusal_carry_the_reading_too(api):
    export = await api.get("/v1/disputes.csv", headers=INVESTIGATOR)
    assert export.status == 200 and export.headers["RateLimit"] == '"client";r=2;t=2'
    await export.read()
    queue = await api.get("/v1/disputes", headers=INVESTIGATOR)
    unchanged = await api.get("/v1/disputes", headers={**INVESTIGATOR, "If-None-Match": queue.headers["ETag"]})
    assert unchanged.status == 304 and unchanged.headers["RateLimit"] == '"client";r=0;t=6'
    refused = await api.get("/v1/disputes/no-such-case", headers=INVESTIGATOR)
    assert refused.status == 429 and refused.headers["RateLimit-Policy"] == '"client";q=3;w=6'
