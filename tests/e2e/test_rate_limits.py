"""Rate limits over the whole app: a token bucket per client (the token's subject, the address without a valid one)
and per carrier's webhook; past it a 429 problem with Retry-After, and every answer carries the RateLimit and
RateLimit-Policy fields (draft-ietf-httpapi-ratelimit-headers-10). The buckets refill by a clock the test moves."""

import pytest

from tests.e2e.conftest import CUSTOMER, INVESTIGATOR, OTHER_INVESTIGATOR
from tests.e2e.test_access_and_bad_input import assert_problem

BURST, PER_SECOND = 3, 0.5
WEBHOOK_BURST = 2


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
    assert refused.headers["Retry-After"] == "1" and refused.headers["RateLimit-Policy"] == '"webhook";q=2;w=2'
    assert (await api.post("/v1/carriers/hepsijet/webhooks", data=b"{}")).status != 429
    assert all([(await api.get("/healthz")).status == 200 for _ in range(3 * BURST)])
    seconds.now += 1
    assert (await api.post("/v1/carriers/ups/webhooks", data=b"{}")).status != 429
