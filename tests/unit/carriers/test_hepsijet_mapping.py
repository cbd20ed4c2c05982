import base64
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import SecretStr

from carriers.errors import BadRequest, CarrierAuthError, MalformedResponse
from carriers.hepsijet.mapping import (
    build_token_request,
    build_tracking_request,
    parse_tracking_response,
    read_token,
)
from carriers.hepsijet.settings import HepsijetSettings
from carriers.http import HttpRequest, HttpResponse
from schemas.proof import AttachmentKind, ProofSource, ProofStatus, RecipientRelation
from tests.unit.carriers.conftest import RECEIVED, ok

SETTINGS = HepsijetSettings(
    base_url="https://integration-apitest.hepsijet.com", username="pazaryeri", password=SecretStr("ş1fre")
)
NUMBER = "HJ100200300"


def test_the_token_request_is_a_get_with_basic_auth() -> None:
    assert build_token_request(SETTINGS) == HttpRequest(
        "GET",
        "https://integration-apitest.hepsijet.com/auth/getToken",
        headers={
            "Authorization": "Basic " + base64.b64encode("pazaryeri:ş1fre".encode()).decode(),
            "Accept": "application/json",
        },
    )


def test_the_tracking_request_posts_the_delivery_number_with_the_token() -> None:
    assert build_tracking_request(SETTINGS, NUMBER, token="tok") == HttpRequest(
        "POST",
        "https://integration-apitest.hepsijet.com/deliveryTransaction/getDeliveryTracking",
        headers={"X-Auth-Token": "tok", "Accept": "application/json"},
        json={"deliveries": [{"customerDeliveryNo": NUMBER}]},
    )


def test_the_token_reply_gives_a_token_with_the_configured_lifetime(payloads) -> None:
    grant = read_token(ok(payloads.json("hepsijet/token.json")), 1800)
    assert (grant.access_token, grant.expires_in) == ("hj-token-1", 1800)
    assert read_token(ok({"token": "flat"}), 60).access_token == "flat"


@pytest.mark.parametrize("body", [{"status": "FAIL", "data": None}, {"data": {"token": " "}}, {}])
def test_a_token_reply_without_a_token_is_an_auth_error(body: object) -> None:
    with pytest.raises(CarrierAuthError, match="no token"):
        read_token(ok(body), 1800)


def test_a_delivered_parcel_maps_to_a_full_proof(payloads) -> None:
    proof = parse_tracking_response(ok(payloads.json("hepsijet/tracking-delivered.json")), NUMBER, RECEIVED)
    istanbul = timezone(timedelta(hours=3))
    assert (proof.carrier, proof.tracking_number, proof.status) == ("hepsijet", NUMBER, ProofStatus.DELIVERED)
    assert proof.delivered_at == datetime(2024, 4, 22, 14, 31, 5, tzinfo=istanbul)
    assert (proof.received_by, proof.recipient_relation) == ("Ayşe Yılmaz", RecipientRelation.RECIPIENT)
    assert proof.signature is not None and proof.signature.kind is AttachmentKind.SIGNATURE
    assert proof.signature.url == "https://pod.hepsijet.test/signature/HJ100200300.png"
    assert proof.photo is not None and proof.photo.url == "https://pod.hepsijet.test/photo/HJ100200300.jpg"
    assert proof.location is not None
    assert (proof.location.lat, proof.location.lon, proof.location.accuracy_m) == (40.9869, 29.0266, 15)
    assert proof.location.address == "Caferağa Mah. Moda Cad. No:1 Kadıköy/İstanbul"
    assert proof.courier is not None
    assert (proof.courier.name, proof.courier.unit) == ("Emre Kaya", "Kadıköy Transfer Merkezi")
    assert (proof.source, proof.received_at) == (ProofSource.PULL, RECEIVED)
    assert [(e.code, e.at.hour, e.location_text) for e in proof.events] == [
        ("COLLECTED", 9, "Esenyurt, İstanbul"),
        ("DELIVERING", 8, "Kadıköy, İstanbul"),
        ("DELIVERED", 14, "Kadıköy, İstanbul"),
    ]


def test_a_failed_attempt_carries_the_non_delivery_reason_in_its_event(payloads) -> None:
    proof = parse_tracking_response(ok(payloads.json("hepsijet/tracking-undelivered.json")), "HJ100200301", RECEIVED)
    assert (proof.status, proof.delivered_at, proof.received_by) == (ProofStatus.FAILED_ATTEMPT, None, None)
    assert proof.events[-1].code == "UNDELIVERED"
    assert proof.events[-1].description == "Alıcı adreste yok — RECIPIENT_NOT_AVAILABLE"


def test_the_delivered_transaction_gives_the_time_when_no_delivery_date_is_stated(payloads) -> None:
    fixture = payloads.json("hepsijet/tracking-delivered.json")
    del fixture["data"][0]["deliveredDate"]
    proof = parse_tracking_response(ok(fixture), NUMBER, RECEIVED)
    assert proof.delivered_at == datetime(2024, 4, 22, 11, 31, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("COLLECTED", ProofStatus.IN_TRANSIT),
        ("READY", ProofStatus.IN_TRANSIT),
        ("DELIVERING", ProofStatus.IN_TRANSIT),
        ("DELIVERED", ProofStatus.DELIVERED),
        ("UNDELIVERED", ProofStatus.FAILED_ATTEMPT),
        ("RETURNED", ProofStatus.RETURNED),
        ("CANCELLED", ProofStatus.EXCEPTION),
        ("TELEPORTED", ProofStatus.UNKNOWN),
        (None, ProofStatus.UNKNOWN),
    ],
)
def test_each_hepsijet_status_is_normalised(status: str | None, expected: ProofStatus) -> None:
    body = {"status": "OK", "data": [{"customerDeliveryNo": NUMBER, "deliveryStatus": status}]}
    assert parse_tracking_response(ok(body), NUMBER, RECEIVED).status is expected


@pytest.mark.parametrize(
    ("relation", "expected"),
    [
        ("SELF", RecipientRelation.RECIPIENT),
        ("FAMILY_MEMBER", RecipientRelation.HOUSEHOLD_MEMBER),
        ("NEIGHBOUR", RecipientRelation.NEIGHBOUR),
        ("SECURITY", RecipientRelation.DOORMAN),
        ("HEPSIJET_BOX", RecipientRelation.PARCEL_LOCKER),
        ("PICKUP_POINT", RecipientRelation.PICKUP_POINT),
        ("OTHER", RecipientRelation.UNKNOWN),
    ],
)
def test_who_took_the_parcel_is_normalised(relation: str, expected: RecipientRelation) -> None:
    body = {"data": [{"customerDeliveryNo": NUMBER, "deliveryStatus": "DELIVERED", "deliveredToRelation": relation}]}
    assert parse_tracking_response(ok(body), NUMBER, RECEIVED).recipient_relation is expected


def test_only_the_delivery_asked_for_is_read() -> None:
    body = {"data": [
        {"customerDeliveryNo": "OTHER", "deliveryStatus": "RETURNED"},
        {"customerDeliveryNo": NUMBER.lower(), "deliveryStatus": "DELIVERING"},
    ]}
    assert parse_tracking_response(ok(body), NUMBER, RECEIVED).status is ProofStatus.IN_TRANSIT
    assert parse_tracking_response(ok(body), "HJ-UNKNOWN", RECEIVED).status is ProofStatus.NOT_FOUND


@pytest.mark.parametrize(
    "response",
    [
        HttpResponse(404, {}, b'{"status": "FAIL"}'),
        ok({"status": "OK", "data": []}),
        ok({"status": "OK"}),
        ok({"status": "OK", "data": [{"customerDeliveryNo": "SOMEONE-ELSE"}]}),
    ],
    ids=["404", "empty data", "no data", "another delivery"],
)
def test_an_unknown_delivery_is_a_not_found_result(response: HttpResponse) -> None:
    proof = parse_tracking_response(response, "HJ999", RECEIVED)
    assert (proof.status, proof.tracking_number) == (ProofStatus.NOT_FOUND, "HJ999")


def test_a_reply_with_a_failure_status_is_a_bad_request() -> None:
    with pytest.raises(BadRequest, match="status FAIL"):
        parse_tracking_response(ok({"status": "FAIL", "message": "Ayşe yetkisiz", "data": []}), NUMBER, RECEIVED)


def test_partial_evidence_is_kept_and_the_rest_left_empty() -> None:
    body = {"data": [{
        "customerDeliveryNo": NUMBER, "deliveryStatus": "DELIVERED", "signatureUrl": "ftp://not-a-link",
        "deliveryLocation": {"latitude": 41.0}, "transactions": [{"deliveryStatus": "DELIVERED"}],
    }]}
    proof = parse_tracking_response(ok(body), NUMBER, RECEIVED)
    assert (proof.delivered_at, proof.signature, proof.location, proof.courier) == (None, None, None, None)
    assert proof.events == ()


@pytest.mark.parametrize(
    "body",
    [
        b"<html>502</html>",
        b'["not", "an", "object"]',
        json.dumps({"data": {"customerDeliveryNo": NUMBER}}).encode(),
        json.dumps({"data": [{"customerDeliveryNo": NUMBER, "deliveredTo": ["Ayşe Yılmaz"]}]}).encode(),
        json.dumps({"data": [{"customerDeliveryNo": NUMBER, "deliveryStatus": "DELIVERED",
                              "deliveredDate": "Ayşe Yılmaz teslim aldı"}]}).encode(),
        json.dumps({"data": [{"customerDeliveryNo": NUMBER, "deliveryLocation": {
            "latitude": 410, "longitude": 29, "address": "Ayşe Yılmaz evi",
        }}]}).encode(),
    ],
    ids=["not json", "not an object", "data not a list", "wrong type", "bad date", "impossible coordinates"],
)
def test_malformed_replies_are_rejected_without_personal_data(body: bytes) -> None:
    with pytest.raises(MalformedResponse) as caught:
        parse_tracking_response(ok(body), NUMBER, RECEIVED)
    assert "Ayşe" not in str(caught.value) and caught.value.__cause__ is None
