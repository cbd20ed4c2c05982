import base64
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import SecretStr

from carriers.auth import ClientCredentials
from carriers.base import PushCarrier
from carriers.errors import MalformedResponse, WebhookRejected
from carriers.ups.client import UpsAdapter
from carriers.ups.settings import UpsSettings
from schemas.proof import ProofSource, ProofStatus

JPEG = "/9j/4AAQSkZJRgABAQAAAQABAAD/"


@pytest.fixture
def ups(session, clock) -> UpsAdapter:
    settings = UpsSettings(
        credentials=ClientCredentials(client_id=SecretStr("id"), client_secret=SecretStr("secret")),
        webhook_credential=SecretStr("configured-with-ups"),
    )
    return UpsAdapter(settings, session, clock=clock)


def test_ups_takes_pushed_events(ups) -> None:
    assert isinstance(ups, PushCarrier) and ups.capabilities.push


def test_a_request_with_the_configured_credential_is_accepted(ups, clock) -> None:
    ups.verify_webhook(
        {"x-api-key": "configured-with-ups", "User-Agent": "UPSPubSubTrackingService"}, b"{}", clock.now()
    )


@pytest.mark.parametrize("headers", [{}, {"x-api-key": "guess"}, {"Authorization": "configured-with-ups"}])
def test_a_request_without_the_credential_is_rejected(ups, clock, headers: dict[str, str]) -> None:
    with pytest.raises(WebhookRejected):
        ups.verify_webhook(headers, b"{}", clock.now())


def test_the_delivery_example_maps_to_a_pushed_proof(ups, payloads, clock) -> None:
    [event] = ups.parse_webhook(payloads.raw("ups/alert-delivered.json"))
    proof = event.proof
    assert (event.tracking_number, proof.carrier, proof.status) == ("1Z204W4R0308071865", "ups", ProofStatus.DELIVERED)
    assert proof.delivered_at == datetime(2024, 4, 23, 13, 50, 4, tzinfo=UTC)  # from the GMT activity time
    assert proof.received_by == "John"
    assert proof.location is not None and proof.location.address == "CHARLOTTE, NC, 28209, US"
    assert (proof.source, proof.received_at) == (ProofSource.PUSH, clock.now())
    [scan] = proof.events
    assert (scan.code, scan.description, scan.at) == ("FS", "Delivered", datetime(2024, 4, 23, 13, 50, 4, tzinfo=UTC))


def test_the_out_for_delivery_example_is_in_transit(ups, payloads) -> None:
    [event] = ups.parse_webhook(payloads.raw("ups/alert-out-for-delivery.json"))
    assert event.proof.status is ProofStatus.IN_TRANSIT
    assert (event.proof.delivered_at, event.proof.location) == (None, None)


def test_local_time_with_gmt_offset_gives_the_delivery_time(ups, payloads) -> None:
    body = payloads.json("ups/alert-delivered.json") | {"gmtOffset": "-04.00", "deliveryPhoto": JPEG}
    del body["gmtActivityDate"], body["gmtActivityTime"]
    [event] = ups.parse_webhook(json.dumps(body).encode())
    edt = timezone(-timedelta(hours=4))
    assert event.proof.delivered_at == datetime(2024, 4, 23, 9, 50, 4, tzinfo=edt)
    assert event.proof.events[0].at == datetime(2024, 4, 23, 9, 50, 4, tzinfo=edt)
    assert event.proof.photo is not None and event.proof.photo.media_type == "image/jpeg"
    assert base64.b64decode(event.proof.photo.content_b64 or "").startswith(b"\xff\xd8")


def test_a_redelivered_webhook_keeps_its_event_id(ups, payloads) -> None:
    first = ups.parse_webhook(payloads.raw("ups/alert-delivered.json"))[0]
    again = ups.parse_webhook(json.dumps(payloads.json("ups/alert-delivered.json"), indent=4).encode())[0]
    other = ups.parse_webhook(payloads.raw("ups/alert-out-for-delivery.json"))[0]
    assert first.event_id == again.event_id != other.event_id


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        json.dumps({"activityStatus": {"type": "D"}}).encode(),
        json.dumps({"trackingNumber": "1Z204W4R0308071865"}).encode(),
        json.dumps({"trackingNumber": "1Z1", "activityStatus": {"type": "D"}, "gmtOffset": "EST"}).encode(),
        json.dumps({"trackingNumber": "1Z1", "activityStatus": {"type": "D"}, "receivedBy": ["John"]}).encode(),
    ],
    ids=["empty", "not json", "no tracking number", "no status", "bad offset", "wrong type"],
)
def test_a_malformed_event_is_rejected_with_a_clear_message(ups, body: bytes) -> None:
    with pytest.raises(MalformedResponse) as caught:
        ups.parse_webhook(body)
    assert str(caught.value).startswith("ups: ") and "John" not in str(caught.value)
