import json
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from carriers.auth import ClientCredentials
from carriers.errors import CarrierAuthError, MalformedResponse
from carriers.http import HttpRequest, HttpResponse
from carriers.mng.mapping import (
    build_status_request,
    build_token_request,
    build_track_request,
    read_events,
    read_status,
    read_token,
    shipment_proof,
)
from carriers.mng.settings import MngSettings
from schemas.proof import ProofSource, ProofStatus
from tests.unit.carriers.conftest import RECEIVED, ok

SETTINGS = MngSettings(
    base_url="https://testapi.mngkargo.com.tr/mngapi/api",
    api_client=ClientCredentials(client_id=SecretStr("ibm-id"), client_secret=SecretStr("ibm-secret")),
    customer_number="332211",
    password=SecretStr("mng-pass"),
)
REF = "SIP-2024-0001"
CLIENT_HEADERS = {"x-ibm-client-id": "ibm-id", "x-ibm-client-secret": "ibm-secret", "Accept": "application/json"}


def proof_of(status: object, events: object = ()) -> object:
    return shipment_proof(read_status(ok(status), REF), read_events(ok(list(events))), REF, RECEIVED)


def test_the_token_request_posts_the_customer_account_with_the_client_keys() -> None:
    assert build_token_request(SETTINGS) == HttpRequest(
        "POST",
        "https://testapi.mngkargo.com.tr/mngapi/api/token",
        headers=CLIENT_HEADERS,
        json={"customerNumber": "332211", "password": "mng-pass", "identityType": 1},
    )


def test_status_and_track_requests_carry_client_keys_and_bearer_token() -> None:
    status = build_status_request(SETTINGS, REF, token="jwt")
    track = build_track_request(SETTINGS, "A/B?C", token="jwt")
    assert status == HttpRequest(
        "GET",
        "https://testapi.mngkargo.com.tr/mngapi/api/standardqueryapi/getshipmentstatus/SIP-2024-0001",
        headers={**CLIENT_HEADERS, "Authorization": "Bearer jwt"},
    )
    assert track.url.endswith("/standardqueryapi/trackshipment/A%2FB%3FC")


def test_the_token_reply_gives_the_jwt_with_the_configured_lifetime(payloads) -> None:
    grant = read_token(ok(payloads.json("mng/token.json")), 3600)
    assert (grant.access_token, grant.expires_in) == ("mng-jwt-1", 3600)
    with pytest.raises(CarrierAuthError, match="no jwt"):
        read_token(ok({"message": "invalid"}), 3600)


def test_a_delivered_shipment_maps_to_a_proof_with_its_history(payloads) -> None:
    status = read_status(ok(payloads.json("mng/status-delivered.json")), REF)
    events = read_events(ok(payloads.json("mng/track.json")))
    proof = shipment_proof(status, events, REF, RECEIVED)
    assert (proof.carrier, proof.tracking_number, proof.status) == ("mng", REF, ProofStatus.DELIVERED)
    assert proof.delivered_at == datetime(2024, 4, 22, 11, 31, 5, tzinfo=UTC)
    assert proof.received_by == "Ayşe Yılmaz"
    assert proof.courier is not None and proof.courier.unit == "Kadıköy Şube"
    assert (proof.source, proof.received_at) == (ProofSource.PULL, RECEIVED)
    assert [(e.code, e.description, e.location_text) for e in proof.events] == [
        ("KABUL", "Gönderi kabul edildi", "Esenyurt Şube"),
        ("DAGITIM", "Dağıtıma çıkarıldı", "Kadıköy Şube"),
        ("TESLIM", "Teslim edildi", "Kadıköy Şube"),
    ]


def test_a_single_status_object_is_read_like_a_list(payloads) -> None:
    [record] = payloads.json("mng/status-delivered.json")
    assert read_status(ok(record), REF) == read_status(ok([record]), REF)


def test_events_wrapped_in_an_object_are_read_too(payloads) -> None:
    events = payloads.json("mng/track.json")
    assert read_events(ok({"events": events})) == read_events(ok(events))


def test_without_a_delivery_time_the_latest_event_gives_it(payloads) -> None:
    events = payloads.json("mng/track.json")
    proof = proof_of({"referenceId": REF, "shipmentStatusCode": 5}, events)
    assert proof.delivered_at == datetime(2024, 4, 22, 11, 31, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (0, ProofStatus.PRE_TRANSIT),
        (1, ProofStatus.IN_TRANSIT),
        ("4", ProofStatus.IN_TRANSIT),
        (5, ProofStatus.DELIVERED),
        (6, ProofStatus.FAILED_ATTEMPT),
        (7, ProofStatus.RETURNED),
        (42, ProofStatus.UNKNOWN),
    ],
)
def test_each_status_code_is_normalised(code: object, expected: ProofStatus) -> None:
    assert proof_of({"referenceId": REF, "shipmentStatusCode": code}).status is expected


@pytest.mark.parametrize("flag", [1, True, "1", "true", "Evet"])
def test_the_delivered_flag_wins_over_the_code(flag: object) -> None:
    assert proof_of({"referenceId": REF, "shipmentStatusCode": 4, "isDelivered": flag}).status is ProofStatus.DELIVERED


def test_a_shipment_not_delivered_has_no_delivery_time() -> None:
    proof = proof_of(
        {"referenceId": REF, "shipmentStatusCode": 4, "isDelivered": 0, "deliveryDateTime": "2024-04-22T14:31:05"}
    )
    assert (proof.status, proof.delivered_at) == (ProofStatus.IN_TRANSIT, None)


def test_the_record_for_the_reference_asked_for_is_chosen() -> None:
    records = [{"referenceId": "OTHER", "shipmentStatusCode": 7}, {"referenceId": REF, "shipmentStatusCode": 1}]
    status = read_status(ok(records), REF)
    assert status is not None and status.shipment_status_code == 1


@pytest.mark.parametrize(
    "response",
    [HttpResponse(404, {}, b'{"error": "not found"}'), ok([]), ok(b""), ok(b"null")],
    ids=["404", "empty list", "empty body", "null"],
)
def test_an_unknown_reference_is_a_not_found_result(response: HttpResponse) -> None:
    proof = shipment_proof(read_status(response, "SIP-404"), (), "SIP-404", RECEIVED)
    assert (proof.status, proof.tracking_number) == (ProofStatus.NOT_FOUND, "SIP-404")


def test_a_missing_history_is_no_events() -> None:
    assert read_events(HttpResponse(404, {}, b"")) == ()
    assert read_events(ok([{"eventStatus": "KABUL"}, {"eventDateTime": "2024-04-21T09:12:00"}])) == ()


@pytest.mark.parametrize(
    ("reader", "body"),
    [
        (lambda r: read_status(r, REF), "<html>Ayşe</html>".encode()),
        (lambda r: read_status(r, REF), json.dumps([{"deliveredTo": {"name": "Ayşe Yılmaz"}}]).encode()),
        (lambda r: read_status(r, REF), json.dumps(["Ayşe Yılmaz"]).encode()),
        (lambda r: shipment_proof(read_status(r, REF), (), REF, RECEIVED),
         json.dumps({"isDelivered": 1, "deliveryDateTime": "Ayşe Yılmaz"}).encode()),
        (read_events, json.dumps([{"eventDateTime": "2024-04-21T09:12", "location": ["Ayşe"]}]).encode()),
        (read_events, json.dumps({"events": "Ayşe"}).encode()),
    ],
    ids=["not json", "wrong type", "record not an object", "bad date", "event wrong type", "events not a list"],
)
def test_malformed_replies_are_rejected_without_personal_data(reader, body: bytes) -> None:
    with pytest.raises(MalformedResponse) as caught:
        reader(ok(body))
    assert "Ayşe" not in str(caught.value) and caught.value.__cause__ is None
