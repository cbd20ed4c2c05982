from datetime import datetime, timedelta, timezone

import pytest
from pydantic import SecretStr

from carriers.auth import ClientCredentials
from carriers.errors import BadRequest, MalformedResponse
from carriers.fedex.documents import build_spod_request, offers_spod, parse_spod_response
from carriers.fedex.mapping import (
    RELATION,
    build_token_request,
    build_track_request,
    read_track_result,
    status_of,
    track_proof,
)
from carriers.fedex.settings import FedexSettings
from carriers.fedex.wire import TrackingNumberInfo, TrackResult
from carriers.http import HttpRequest
from carriers.parsing import reading
from schemas.proof import AttachmentKind, ProofStatus, RecipientRelation
from tests.unit.carriers.conftest import RECEIVED, ok

SETTINGS = FedexSettings(credentials=ClientCredentials(client_id=SecretStr("key"), client_secret=SecretStr("secret")))
MST = timezone(-timedelta(hours=7))
NUMBER = "128667043726"
HEADERS = {
    "Authorization": "Bearer tok",
    "Content-Type": "application/json",
    "X-locale": "en_US",
    "x-customer-transaction-id": "tx-1",
}


def result_from(payloads, name: str = "fedex/track-delivered.json") -> TrackResult:
    result = read_track_result(ok(payloads.raw(name)))
    assert result is not None
    return result


def test_the_token_request_puts_the_client_credentials_in_the_form_body() -> None:
    request = build_token_request(SETTINGS)
    assert (request.method, request.url) == ("POST", "https://apis.fedex.com/oauth/token")
    assert request.form == {"grant_type": "client_credentials", "client_id": "key", "client_secret": "secret"}


def test_the_track_request_asks_for_detailed_scans_of_one_number() -> None:
    assert build_track_request(SETTINGS, NUMBER, token="tok", transaction_id="tx-1") == HttpRequest(
        "POST",
        "https://apis.fedex.com/track/v1/trackingnumbers",
        headers=HEADERS,
        json={"includeDetailedScans": True, "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": NUMBER}}]},
    )


def test_the_spod_request_asks_for_a_png_and_identifies_the_exact_shipment() -> None:
    info = TrackingNumberInfo(tracking_number=NUMBER, carrier_code="FDXE", tracking_number_unique_id="245822~1~FDEG")
    assert build_spod_request(SETTINGS, NUMBER, info, token="tok", transaction_id="tx-1") == HttpRequest(
        "POST",
        "https://apis.fedex.com/track/v1/trackingdocuments",
        headers=HEADERS,
        json={
            "trackDocumentDetail": {"documentType": "SIGNATURE_PROOF_OF_DELIVERY", "documentFormat": "PNG"},
            "trackDocumentSpecification": [
                {
                    "trackingNumberInfo": {
                        "trackingNumber": NUMBER,
                        "carrierCode": "FDXE",
                        "trackingNumberUniqueId": "245822~1~FDEG",
                    }
                }
            ],
        },
    )


def test_a_delivered_shipment_maps_to_a_full_proof(payloads) -> None:
    result = result_from(payloads)
    document = parse_spod_response(ok(payloads.raw("fedex/spod.json")))
    with reading("fedex", "test"):
        proof = track_proof(result, NUMBER, RECEIVED, document)
    assert (proof.carrier, proof.status) == ("fedex", ProofStatus.DELIVERED)
    assert proof.delivered_at == datetime(2018, 2, 2, 12, 1, tzinfo=MST)
    assert proof.received_by == "Reciever"
    assert proof.recipient_relation is RecipientRelation.DOORMAN  # APARTMENT_OFFICE
    assert proof.location is not None
    assert proof.location.text == "Receptionist/Front Desk"
    assert proof.location.address == "1043 North Easy Street, Suite 999, SEATTLE, WA, 98101, US"
    assert proof.document is not None and proof.document.kind is AttachmentKind.DOCUMENT
    assert proof.document.media_type == "image/png" and proof.document.content().startswith(b"\x89PNG")
    assert (proof.signature, proof.photo) == (None, None)
    assert [e.code for e in proof.events] == ["PU", "OD", "DL"]
    assert proof.events[-1].location_text == "SEATTLE, WA, 98101, US"


def test_signed_by_name_stands_in_when_received_by_name_is_missing(payloads) -> None:
    body = payloads.json("fedex/track-delivered.json")
    details = body["output"]["completeTrackResults"][0]["trackResults"][0]["deliveryDetails"]
    details |= {"receivedByName": "", "signedByName": "J.SMITH"}
    with reading("fedex", "test"):
        assert track_proof(read_track_result(ok(body)), NUMBER, RECEIVED, None).received_by == "J.SMITH"


def test_an_unknown_number_reads_as_no_result(payloads) -> None:
    assert read_track_result(ok(payloads.raw("fedex/track-not-found.json"))) is None
    assert read_track_result(ok({"output": {"completeTrackResults": []}})) is None


def test_any_other_track_error_is_a_bad_request() -> None:
    body = {
        "output": {"completeTrackResults": [{"trackResults": [{"error": {"code": "TRACKING.TRACKINGNUMBER.INVALID"}}]}]}
    }
    with pytest.raises(BadRequest, match=r"TRACKING\.TRACKINGNUMBER\.INVALID"):
        read_track_result(ok(body))


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("OC", ProofStatus.PRE_TRANSIT),
        ("PU", ProofStatus.IN_TRANSIT),
        ("DP", ProofStatus.IN_TRANSIT),
        ("HL", ProofStatus.IN_TRANSIT),
        ("DL", ProofStatus.DELIVERED),
        ("DE", ProofStatus.FAILED_ATTEMPT),
        ("SE", ProofStatus.EXCEPTION),
        ("RS", ProofStatus.RETURNED),
        ("Q9", ProofStatus.UNKNOWN),
    ],
)
def test_latest_status_codes_are_normalised(code: str, status: ProofStatus) -> None:
    assert status_of(TrackResult.model_validate({"latestStatusDetail": {"code": code}})) is status


def test_every_location_type_in_the_spec_enum_has_a_relation() -> None:
    enum = [
        "RECEPTIONIST_OR_FRONT_DESK",
        "SHIPPING_RECEIVING",
        "MAILROOM",
        "RESIDENCE",
        "GUARD_OR_SECURITY_STATION",
        "FEDEX_LOCATION",
        "IN_BOND_OR_CAGE",
        "PHARMACY",
        "GATE_HOUSE",
        "MANAGER_OFFICE",
        "MAIN_OFFICE",
        "LEASING_OFFICE",
        "RENTAL_OFFICE",
        "APARTMENT_OFFICE",
        "OTHER",
    ]
    assert {code: RELATION(code) for code in enum if RELATION(code) is RecipientRelation.UNKNOWN} == {
        "OTHER": RecipientRelation.UNKNOWN
    }
    assert RELATION("RESIDENCE") is RecipientRelation.RECIPIENT
    assert RELATION("FEDEX_LOCATION") is RecipientRelation.PICKUP_POINT


def test_the_spod_is_requested_only_when_fedex_lists_it_or_lists_nothing(payloads) -> None:
    assert offers_spod(result_from(payloads))
    assert offers_spod(TrackResult())
    assert not offers_spod(TrackResult.model_validate({"availableImages": [{"type": "BILL_OF_LADING"}]}))


def test_a_spod_without_a_document_gives_no_attachment() -> None:
    assert parse_spod_response(ok({"output": {"documentFormat": "PNG", "document": []}})) is None
    assert parse_spod_response(ok({"output": {"alerts": [{"code": "TRACKING.DATA.NOTFOUND"}]}})) is None


@pytest.mark.parametrize(
    "body",
    [
        b"",
        {"output": {"completeTrackResults": "none"}},
        {
            "output": {
                "completeTrackResults": [
                    {"trackResults": [{"scanEvents": [{"date": "02/02/2018", "eventType": "DL"}]}]}
                ]
            }
        },
    ],
    ids=["empty", "wrong type", "bad date"],
)
def test_malformed_track_responses_are_rejected(body: object) -> None:
    with pytest.raises(MalformedResponse):
        result = read_track_result(ok(body))
        with reading("fedex", "test"):
            track_proof(result, NUMBER, RECEIVED, None)  # type: ignore[arg-type]


def test_a_spod_that_is_not_base64_is_rejected_without_echoing_it() -> None:
    with pytest.raises(MalformedResponse) as caught:
        parse_spod_response(ok({"output": {"documentFormat": "PNG", "document": ["Ayşe's signature"]}}))
    assert "Ayşe" not in str(caught.value)
