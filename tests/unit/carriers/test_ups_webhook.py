import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import SecretStr

from carriers.auth import ClientCredentials
from carriers.base import PushCarrier
from carriers.errors import MalformedResponse, WebhookRejected
from carriers.ups.client import UpsAdapter
from carriers.ups.settings import UpsSettings
from carriers.status import UNMAPPED
from schemas.proof import NoteCode, ProofSource, ProofStatus
from tests.unit.carriers.properties import sample, sample_json

EDT = timezone(-timedelta(hours=4))


@pytest.fixture
def ups(session, clock) -> UpsAdapter:
    settings = UpsSettings(
        credentials=ClientCredentials(client_id=SecretStr("id"), client_secret=SecretStr("secret")),
        webhook_credential=SecretStr("configured-with-ups-0123456789abcdef"),
    )
    return UpsAdapter(settings, session, clock=clock)


def test_ups_takes_pushed_events(ups) -> None:
    assert isinstance(ups, PushCarrier) and ups.capabilities.push


def test_a_request_with_the_configured_credential_is_accepted(ups, clock) -> None:
    ups.verify_webhook(
        {"x-api-key": "configured-with-ups-0123456789abcdef", "User-Agent": "UPSPubSubTrackingService"}, b"{}", clock.now()
    )


@pytest.mark.parametrize("headers", [{}, {"x-api-key": "guess"}, {"Authorization": "configured-with-ups-0123456789abcdef"}])
def test_a_request_without_the_credential_is_rejected(ups, clock, headers: dict[str, str]) -> None:
    with pytest.raises(WebhookRejected):
        ups.verify_webhook(headers, b"{}", clock.now())


def test_ups_delivery_example_maps_to_a_pushed_proof(ups, clock) -> None:
    [event] = ups.parse_webhook(sample("ups", "alert-delivered.json"))
    proof = event.proof

    assert (event.tracking_number, proof.carrier, proof.status) == ("1Z204W4R0308071865", "ups", ProofStatus.DELIVERED)
    assert (proof.status_code, proof.package_number) == ("D", "1Z204W4R0308071865")
    # local 09:50:04 and GMT 13:50:04: the place is 4 hours behind, and the actual delivery time is local
    assert proof.delivered_at == datetime(2024, 4, 23, 9, 50, 4, tzinfo=EDT)
    assert proof.received_by == "John"
    assert proof.location is not None and proof.location.address == "CHARLOTTE, NC, 28209, US"
    assert (proof.source, proof.received_at, proof.photo, proof.notes) == (ProofSource.PUSH, clock.now(), None, ())
    [scan] = proof.events
    assert (scan.code, scan.description, scan.at) == ("FS", "Delivered", datetime(2024, 4, 23, 13, 50, 4, tzinfo=UTC))


def test_a_delivery_stamped_with_the_largest_datetime_is_delivered_at_an_unreadable_time(ups) -> None:
    """.NET's `DateTime.MaxValue` (99991231 235959) is a placeholder, and has no local time in Istanbul, where the
    customer is told the delivery's time: the delivery stands, its time is unreadable and noted."""
    alert = json.loads(sample("ups", "alert-delivered.json"))
    for name in ("localActivity", "gmtActivity", "actualDelivery"):
        alert |= {f"{name}Date": "99991231", f"{name}Time": "235959"}
    [event] = ups.parse_webhook(json.dumps(alert).encode())

    assert (event.proof.status, event.proof.delivered_at, event.proof.events) == (ProofStatus.DELIVERED, None, ())
    assert [(n.code, n.field) for n in event.proof.notes] == [(NoteCode.FIELD_UNREADABLE, "localActivityDate")]


def test_ups_out_for_delivery_example_is_in_transit(ups) -> None:
    [event] = ups.parse_webhook(sample("ups", "alert-out-for-delivery.json"))
    proof = event.proof

    assert (proof.status, proof.status_code, proof.delivered_at, proof.location) == (
        ProofStatus.IN_TRANSIT,
        "I",
        None,
        None,
    )
    assert [(e.code, e.at) for e in proof.events] == [("OT", datetime(2024, 4, 23, 13, 15, 19, tzinfo=UTC))]


def test_an_enhanced_delivery_carries_the_photo_at_the_stated_offset(ups) -> None:
    [event] = ups.parse_webhook(sample("ups", "alert-delivered-photo.json"))
    proof = event.proof

    assert proof.delivered_at == datetime(2024, 4, 23, 9, 50, 4, tzinfo=EDT)
    assert proof.events[0].at == datetime(2024, 4, 23, 9, 50, 4, tzinfo=EDT)
    assert proof.photo is not None and proof.photo.media_type == "image/jpeg"


def test_a_placeholder_photo_is_dropped_and_the_delivery_stays(ups) -> None:
    body = sample_json("ups", "alert-delivered-photo.json") | {"deliveryPhoto": "encoding Base64"}

    [event] = ups.parse_webhook(json.dumps(body).encode())

    assert (event.proof.status, event.proof.received_by, event.proof.photo) == (ProofStatus.DELIVERED, "John", None)
    assert [(n.code, n.field) for n in event.proof.notes] == [(NoteCode.ATTACHMENT_DROPPED, "deliveryPhoto")]


def test_a_photo_on_an_event_that_is_not_a_delivery_is_not_kept(ups) -> None:
    body = sample_json("ups", "alert-delivered-photo.json")
    body["activityStatus"] |= {"code": "OT", "descriptionCode": "021", "description": "Out for Delivery"}

    [event] = ups.parse_webhook(json.dumps(body).encode())

    assert (event.proof.status, event.proof.status_code) == (ProofStatus.IN_TRANSIT, "021")  # a "D" that is not 011
    assert (event.proof.photo, event.proof.received_by, event.proof.delivered_at) == (None, None, None)


def test_a_delivery_type_event_without_a_delivery_code_is_not_read_as_delivered(ups) -> None:
    """UPS's "D" is "delivery information (loaded on delivery vehicle, out for delivery, delivered)", and the
    webhook's schema has no ``descriptionCode``: a "D" that neither carries 011 nor says delivered proves nothing."""
    [event] = ups.parse_webhook(sample("ups", "alert-delivery-type-out-for-delivery.json"))
    proof = event.proof

    assert (proof.status, proof.status_code, proof.delivered_at) == (ProofStatus.UNKNOWN, "D", None)
    assert [(n.code, n.field) for n in proof.notes] == [(NoteCode.STATUS_UNMAPPED, "activityStatus.type")]
    assert [(e.code, e.at) for e in proof.events] == [("OT", datetime(2024, 4, 23, 13, 15, 19, tzinfo=UTC))]


def test_a_delivery_type_event_that_says_delivered_is_a_delivery_without_its_description_code(ups) -> None:
    body = sample_json("ups", "alert-delivered.json")
    del body["activityStatus"]["descriptionCode"]

    [event] = ups.parse_webhook(json.dumps(body).encode())

    proof = event.proof
    assert (proof.status, proof.status_code, proof.received_by) == (ProofStatus.DELIVERED, "D", "John")
    assert proof.notes == ()


def test_an_unknown_status_type_is_kept_as_unknown_and_counted(ups) -> None:
    before = UNMAPPED[("ups", "QZ")]
    body = sample_json("ups", "alert-delivered.json")
    body["activityStatus"] = {"type": "QZ", "code": "Q1", "description": "Something new"}

    [event] = ups.parse_webhook(json.dumps(body).encode())

    assert (event.proof.status, event.proof.status_code, event.proof.received_by) == (ProofStatus.UNKNOWN, "QZ", None)
    assert [(n.code, n.field) for n in event.proof.notes] == [(NoteCode.STATUS_UNMAPPED, "activityStatus.type")]
    assert UNMAPPED[("ups", "QZ")] == before + 1


def test_a_redelivered_webhook_keeps_its_event_id(ups) -> None:
    first = ups.parse_webhook(sample("ups", "alert-delivered.json"))[0]
    again = ups.parse_webhook(json.dumps(sample_json("ups", "alert-delivered.json"), indent=4).encode())[0]
    other = ups.parse_webhook(sample("ups", "alert-out-for-delivery.json"))[0]
    assert first.event_id == again.event_id != other.event_id


def test_the_update_that_brings_the_delivery_photo_is_a_new_event_not_a_redelivery(ups) -> None:
    """UPSTrackAlert.yaml (shared/specs/ups): ``deliveryPhoto`` "is blank until the delivery photo is made available
    for enhanced subscriptions", and the enhanced preference ``D`` "Includes updates and delivery photo": the same
    activity (number, status, times) may be pushed before its photo exists and again with it."""
    with_photo = sample_json("ups", "alert-delivered-photo.json")
    before_photo = with_photo | {"deliveryPhoto": ""}

    [first] = ups.parse_webhook(json.dumps(before_photo).encode())
    [update] = ups.parse_webhook(json.dumps(with_photo).encode())
    [again] = ups.parse_webhook(json.dumps(with_photo, indent=2).encode())

    assert (first.proof.photo, update.proof.photo is not None) == (None, True)
    assert first.event_id != update.event_id == again.event_id


def test_an_event_without_a_photo_keeps_the_id_it_always_had(ups) -> None:
    """The id of an event without a photo is the digest of UPS's fields for it, joined by the unit separator: here
    those of UPSTrackAlert.yaml's delivery example (``receivedBy`` "John", ``deliveryPhoto`` blank), so events
    stored before stay redeliveries."""
    body = sample_json("ups", "alert-delivered.json")
    fields = ("ups", body["trackingNumber"], body["activityStatus"]["type"], body["activityStatus"]["code"],
              body["gmtActivityDate"], body["gmtActivityTime"])

    [event] = ups.parse_webhook(json.dumps(body).encode())

    assert event.event_id == hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"gmtOffset": "EST"}, "localActivityDate"), ({"receivedBy": ["John"]}, "TrackingEvent.receivedBy")],
    ids=["bad offset", "wrong type"],
)
def test_an_unreadable_optional_field_is_noted_and_the_rest_is_kept(ups, changes, field: str) -> None:
    body = sample_json("ups", "alert-delivered.json") | changes

    [event] = ups.parse_webhook(json.dumps(body).encode())

    assert event.proof.status is ProofStatus.DELIVERED
    assert event.proof.events[0].at == datetime(2024, 4, 23, 13, 50, 4, tzinfo=UTC)
    assert [(n.code, n.field) for n in event.proof.notes] == [(NoteCode.FIELD_UNREADABLE, field)]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        json.dumps({"activityStatus": {"type": "D"}}).encode(),
        json.dumps({"trackingNumber": "1Z204W4R0308071865"}).encode(),
        json.dumps({"trackingNumber": "1Z204W4R0308071865", "activityStatus": "D"}).encode(),
        json.dumps(["John"]).encode(),
    ],
    ids=["empty", "not json", "no tracking number", "no status", "status not an object", "not an object"],
)
def test_an_event_without_what_ups_requires_is_rejected_with_a_clear_message(ups, body: bytes) -> None:
    with pytest.raises(MalformedResponse) as caught:
        ups.parse_webhook(body)
    assert str(caught.value).startswith("ups: ") and "John" not in str(caught.value)


IMPOSSIBLE = [
    ({"localActivityDate": "20240231"}, "localActivityDate", "the local date"),
    ({"localActivityTime": "250004"}, "localActivityDate", "the local date"),
    ({"localActivityDate": "２０２４０４２３"}, "localActivityDate", "the local date"),  # digits, but not ASCII
    ({"gmtActivityDate": "20241301"}, "localActivityDate", "the GMT date"),
    ({"gmtActivityTime": "136004"}, "localActivityDate", "the GMT date"),
    ({"actualDeliveryDate": "20240230"}, "actualDeliveryDate", "the local date"),
    ({"actualDeliveryTime": "240000"}, "actualDeliveryDate", "the local date"),
]


@pytest.mark.parametrize(("changes", "field", "what"), IMPOSSIBLE,
                         ids=["31 February", "hour 25", "full-width digits", "month 13", "minute 60",
                              "delivered 30 February", "delivered at hour 24"])
def test_an_impossible_date_or_time_is_refused_with_a_note_and_the_readable_ones_are_kept(
        ups, changes, field: str, what: str) -> None:
    body = sample_json("ups", "alert-delivered.json") | changes

    [event] = ups.parse_webhook(json.dumps(body).encode())

    proof = event.proof
    assert (NoteCode.FIELD_UNREADABLE, field, f"{what} or time could not be read") in [
        (note.code, note.field, note.reason) for note in proof.notes]
    assert proof.status is ProofStatus.DELIVERED and proof.delivered_at is not None
    # what is kept is the readable local or GMT time of 23 April 2024 09:50:04 EDT, nothing made up
    assert {proof.delivered_at, *(e.at for e in proof.events)} <= {
        datetime(2024, 4, 23, 9, 50, 4, tzinfo=EDT), datetime(2024, 4, 23, 13, 50, 4, tzinfo=UTC),
        datetime(2024, 4, 23, 9, 50, 4, tzinfo=UTC)}


def test_a_delivery_whose_every_date_is_impossible_has_no_time_and_says_why(ups) -> None:
    body = sample_json("ups", "alert-delivered.json") | {
        "localActivityDate": "20240231", "gmtActivityDate": "20240231", "actualDeliveryDate": "20240231"}

    [event] = ups.parse_webhook(json.dumps(body).encode())

    assert (event.proof.delivered_at, event.proof.events) == (None, ())
    assert {(note.field, note.reason) for note in event.proof.notes} == {
        ("localActivityDate", "the local date or time could not be read"),
        ("localActivityDate", "the GMT date or time could not be read"),
        ("actualDeliveryDate", "the local date or time could not be read"),
    }


@pytest.mark.parametrize(
    "changes",
    [{"trackingNumber": "1Z 204; DROP"}, {"activityStatus": {"type": "Q" * 65, "code": "FS"}}],
    ids=["number not a plain identifier", "status code past the canonical bound"],
)
def test_an_event_that_makes_no_valid_proof_is_refused_without_its_values(ups, changes) -> None:
    body = sample_json("ups", "alert-delivered.json") | changes

    with pytest.raises(MalformedResponse) as caught:
        ups.parse_webhook(json.dumps(body).encode())

    assert str(caught.value).startswith("ups: Track Alert event") and "DROP" not in str(caught.value)


def test_a_field_ups_never_defined_is_ignored_however_deeply_nested(ups) -> None:
    deep = 300  # past the nesting pydantic's own JSON parser reads, within orjson's
    body = json.dumps(sample_json("ups", "alert-delivered.json")).encode()[:-1] + b', "extra": ' + b"[" * deep + b"]" * deep + b"}"

    [event] = ups.parse_webhook(body)

    assert (event.proof.status, event.proof.received_by, event.proof.notes) == (ProofStatus.DELIVERED, "John", ())


def test_a_delivery_time_apart_from_the_scan_s_is_read_in_the_scan_s_zone(ups) -> None:
    body = sample_json("ups", "alert-delivered.json") | {"actualDeliveryTime": "101500"}

    [event] = ups.parse_webhook(json.dumps(body).encode())

    # the scan: local 09:50:04, GMT 13:50:04, so four hours behind; the delivery at 10:15 local, the same place
    assert event.proof.delivered_at == datetime(2024, 4, 23, 10, 15, tzinfo=EDT)
    assert event.proof.events[0].at == datetime(2024, 4, 23, 9, 50, 4, tzinfo=EDT)
    assert event.proof.notes == ()


def test_a_delivery_at_the_scan_s_time_in_no_known_zone_says_so_for_both_times(ups) -> None:
    body = sample_json("ups", "alert-delivered.json")
    del body["gmtActivityDate"], body["gmtActivityTime"]  # the United States keep no one zone

    [event] = ups.parse_webhook(json.dumps(body).encode())

    assert event.proof.delivered_at == datetime(2024, 4, 23, 9, 50, 4, tzinfo=UTC)
    unknown = "a local time without offset, GMT time or known zone: read as UTC, may be hours off"
    assert [(note.field, note.reason) for note in event.proof.notes] == [
        ("localActivityDate", unknown), ("actualDeliveryDate", unknown)]
