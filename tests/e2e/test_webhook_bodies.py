"""Carriers' pushes over HTTP: bodies in each content coding, DHL's pushes that are not DHL's format, and the status
each carrier's documentation asks a stored push to be answered with."""

import gzip
import json
import zlib
from pathlib import Path

import pytest

from tests.e2e.conftest import CARRIERS, UPS_WEBHOOK_CREDENTIAL

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers"
UPS_PUSH = (FIXTURES / "ups" / "alert-delivered.json").read_bytes()
UPS = {"x-api-key": UPS_WEBHOOK_CREDENTIAL, "Content-Type": "application/json"}
DHL_TOKEN = "dhl-webhook-token-0123456789abcdef"
DHL = {"X-Webhook-Token": DHL_TOKEN, "Content-Type": "application/json"}


@pytest.fixture
def carrier_settings() -> dict:
    return CARRIERS | {"dhl": {"base_url": "http://127.0.0.1:9", "api_key": "e2e", "webhook_token": DHL_TOKEN}}


async def problem(response, status: int) -> dict:
    assert (response.status, response.content_type) == (status, "application/problem+json"), await response.text()
    return await response.json()


async def counted(api, carrier: str, outcome: str, reason: str = "none") -> float:
    metrics = await (await api.get("/metrics")).text()
    series = f'disputes_webhooks_total{{carrier="{carrier}",outcome="{outcome}",reason="{reason}"}} '
    return next((float(line.removeprefix(series)) for line in metrics.splitlines() if line.startswith(series)), 0.0)


def gz(data: bytes) -> bytes:
    """Gzipped with no time in its header: the same bytes on every run (test ids are made of them)."""
    return gzip.compress(data, mtime=0)


def raw_deflate(body: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-15)
    return compressor.compress(body) + compressor.flush()


@pytest.mark.parametrize("encoding", ["br", "zstd", "compress", "gzip, br", "gzip, gzip, gzip, gzip"])
async def test_a_push_in_a_coding_we_do_not_decode_is_a_415_naming_those_we_do(api, encoding):
    answer = await api.post("/v1/carriers/ups/webhooks", data=b"\x1b\x00\x00compressed",
                            headers={**UPS, "Content-Encoding": encoding})
    refused = await problem(answer, 415)
    assert (refused["type"], refused["reason"]) == (
        "urn:dispute-service:problem:unsupported-content-encoding", "unsupported_encoding")
    assert answer.headers["Accept-Encoding"] == "gzip, deflate"
    assert await counted(api, "ups", "rejected", "unsupported_encoding") == 1


CODED = [
    ("x-gzip", gz(UPS_PUSH)),  # RFC 9110 §8.4.1.3: read as gzip
    ("GZIP", gz(UPS_PUSH)),
    ("gzip, gzip", gz(gz(UPS_PUSH))),
    ("deflate, gzip", gz(zlib.compress(UPS_PUSH))),  # undone in the reverse order
    ("deflate", raw_deflate(UPS_PUSH)),  # without its zlib header, as some senders do
    ("gzip", gz(UPS_PUSH[:200]) + gz(UPS_PUSH[200:])),  # two gzip members
    ("identity", UPS_PUSH),
]


@pytest.mark.parametrize(("encoding", "sent"), CODED, ids=[encoding for encoding, _ in CODED])
async def test_a_push_in_the_codings_we_decode_is_verified_and_stored_decoded(api, encoding, sent):
    answer = await api.post("/v1/carriers/ups/webhooks", data=sent, headers={**UPS, "Content-Encoding": encoding})
    assert (answer.status, await answer.json()) == (200, {"received": 1, "duplicates": 0})


@pytest.mark.parametrize(("encoding", "sent"), [
    ("gzip", gz(UPS_PUSH)[:-10]),  # its CRC and length missing: the JSON itself is whole
    ("gzip", gz(UPS_PUSH)[:-30]),
    ("deflate", zlib.compress(UPS_PUSH)[:-8]),
    ("gzip, gzip", gz(gz(UPS_PUSH)[:-10])),
    ("gzip", gz(UPS_PUSH) + b"trailing"),
], ids=["gzip-without-trailer", "gzip-cut", "deflate-cut", "inner-gzip-cut", "gzip-then-garbage"])
async def test_a_push_that_does_not_decode_to_its_end_is_unreadable_never_a_bad_signature(api, encoding, sent):
    answer = await api.post("/v1/carriers/ups/webhooks", data=sent, headers={**UPS, "Content-Encoding": encoding})
    refused = await problem(answer, 400)
    assert (refused["type"], refused["reason"]) == ("urn:dispute-service:problem:unreadable-body", "unreadable_body")
    assert await counted(api, "ups", "rejected", "unreadable_body") == 1


async def test_a_stacked_bomb_is_too_large_without_being_inflated_whole(api):
    bomb = gz(gz(b" " * 50_000_000))  # a few kB that inflate to 50 MB, past the 256 KiB limit
    answer = await api.post("/v1/carriers/ups/webhooks", data=bomb, headers={**UPS, "Content-Encoding": "gzip, gzip"})
    assert (await problem(answer, 413))["reason"] == "too_large"


async def test_a_chunked_compressed_push_is_decoded_as_it_arrives(api):
    compressed = gz(UPS_PUSH)

    async def pieces():
        for start in range(0, len(compressed), 100):
            yield compressed[start:start + 100]

    answer = await api.post("/v1/carriers/ups/webhooks", data=pieces(), headers={**UPS, "Content-Encoding": "gzip"})
    assert (answer.status, await answer.json()) == (200, {"received": 1, "duplicates": 0})


async def test_ups_is_answered_200_as_its_track_alert_definition_asks(api):
    first = await api.post("/v1/carriers/ups/webhooks", data=UPS_PUSH, headers=UPS)
    again = await api.post("/v1/carriers/ups/webhooks", data=UPS_PUSH, headers=UPS)
    assert [(first.status, await first.json()), (again.status, await again.json())] == [
        (200, {"received": 1, "duplicates": 0}), (200, {"received": 1, "duplicates": 1})]
    assert (await counted(api, "ups", "accepted"), await counted(api, "ups", "duplicate")) == (1, 1)


DHL_PUSH = (FIXTURES / "dhl" / "push-delivered.json").read_bytes()


@pytest.mark.parametrize("body", [
    {"scope": "subscription.push", "shipment": json.loads(DHL_PUSH)["shipments"]},  # a misspelt key
    {"scope": "subscription.push", "shipments": []},
    {},
    {"scope": "subscription.pushed", "shipments": json.loads(DHL_PUSH)["shipments"]},
    json.loads(UPS_PUSH),
], ids=["misspelt-shipments", "no-shipment", "empty-object", "unknown-scope", "a-ups-body"])
async def test_an_authentic_dhl_push_that_is_not_dhls_format_is_malformed(api, body):
    answer = await api.post("/v1/carriers/dhl/webhooks", data=json.dumps(body).encode(), headers=DHL)
    assert (await problem(answer, 422))["reason"] == "malformed"
    assert (await counted(api, "dhl", "rejected", "malformed"), await counted(api, "dhl", "accepted")) == (1, 0)


async def test_dhl_pushes_are_answered_200_and_its_subscription_messages_counted_as_empty(api):
    pushed = await api.post("/v1/carriers/dhl/webhooks", data=DHL_PUSH, headers=DHL)
    assert (pushed.status, await pushed.json()) == (200, {"received": 1, "duplicates": 0})
    validate = (FIXTURES / "dhl" / "push-validate.json").read_bytes()
    handshake = await api.post("/v1/carriers/dhl/webhooks", data=validate, headers=DHL)
    assert (handshake.status, await handshake.json()) == (200, {"received": 0, "duplicates": 0})
    assert (await counted(api, "dhl", "accepted"), await counted(api, "dhl", "empty")) == (1, 1)


async def test_the_document_answers_each_carrier_as_it_asks(api):
    document = await (await api.get("/openapi.json")).json()
    paths = document["paths"]
    answers = {carrier: paths[f"/v1/carriers/{carrier}/webhooks"]["post"]["responses"]
               for carrier in ("ups", "dhl", "{carrier}")}
    assert {carrier: sorted(code for code in answer if code.startswith("2")) for carrier, answer in answers.items()} == {
        "ups": ["200"], "dhl": ["200"], "{carrier}": ["202"]}
    for answer in answers.values():
        assert "Accept-Encoding" in answer["415"]["headers"]
        reasons = answer["415"]["content"]["application/problem+json"]["schema"]["allOf"][1]["properties"]["reason"]
        assert "unsupported_encoding" in document["components"]["schemas"][reasons["$ref"].rsplit("/", 1)[-1]]["enum"]
