import base64
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import SecretStr

from carriers.auth import ClientCredentials
from carriers.errors import MalformedResponse
from carriers.http import HttpRequest, HttpResponse
from carriers.ups import times
from carriers.ups.mapping import build_token_request, build_track_request, parse_track_response, relation_from_place
from carriers.ups.settings import UpsSettings
from schemas.proof import AttachmentKind, ProofSource, ProofStatus, RecipientRelation
from tests.unit.carriers.conftest import RECEIVED, ok

SETTINGS = UpsSettings(
    base_url="https://onlinetools.ups.com",
    credentials=ClientCredentials(client_id=SecretStr("ups-id"), client_secret=SecretStr("ups-secret")),
    transaction_src="disputes",
)
EST = timezone(timedelta(hours=-5))


def test_the_track_request_asks_for_signature_and_pod_with_transaction_headers() -> None:
    request = build_track_request(SETTINGS, "1Z023E2X0214323462", token="tok", trans_id="t-1")
    assert request == HttpRequest(
        "GET",
        "https://onlinetools.ups.com/api/track/v1/details/1Z023E2X0214323462",
        headers={
            "Authorization": "Bearer tok",
            "transId": "t-1",
            "transactionSrc": "disputes",
            "Accept": "application/json",
        },
        params={"locale": "en_US", "returnSignature": "true", "returnPOD": "true"},
    )


def test_the_tracking_number_cannot_escape_the_path() -> None:
    request = build_track_request(SETTINGS, "../../security/x?y", token="t", trans_id="t")
    assert request.url.endswith("/details/..%2F..%2Fsecurity%2Fx%3Fy")


def test_the_token_request_uses_basic_auth_against_the_oauth_endpoint() -> None:
    request = build_token_request(SETTINGS)
    assert request.url == "https://onlinetools.ups.com/security/v1/oauth/token"
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"ups-id:ups-secret").decode()
    assert request.form == {"grant_type": "client_credentials"}


def test_a_delivered_package_maps_to_a_full_proof(payloads) -> None:
    fixture = payloads.json("ups/track-delivered.json")
    info = fixture["trackResponse"]["shipment"][0]["package"][0]["deliveryInformation"]
    proof = parse_track_response(ok(fixture), "1Z023E2X0214323462", RECEIVED)

    assert (proof.carrier, proof.tracking_number, proof.status) == ("ups", "1Z023E2X0214323462", ProofStatus.DELIVERED)
    assert proof.delivered_at == datetime(2021, 2, 10, 7, 13, 56, tzinfo=EST)
    assert proof.received_by == "JOHN"
    assert proof.recipient_relation is RecipientRelation.SAFE_PLACE
    assert proof.location is not None
    assert (proof.location.text, proof.location.address) == ("Front Door", "Wayne, NJ, 07470, US")
    assert proof.signature is not None and proof.signature.content_b64 == info["signature"]["image"]
    assert proof.signature.media_type == "image/png"
    assert proof.photo is not None and proof.photo.kind is AttachmentKind.PHOTO
    assert proof.photo.media_type == "image/jpeg"
    assert proof.document is not None and proof.document.media_type == "text/html"
    assert (proof.source, proof.received_at, proof.raw_ref) == (ProofSource.PULL, RECEIVED, None)
    assert [(e.at, e.code) for e in proof.events] == [
        (datetime(2021, 2, 9, 18, tzinfo=EST), "MP"),
        (datetime(2021, 2, 10, 3, 15, tzinfo=EST), "OT"),
        (datetime(2021, 2, 10, 7, 13, 56, tzinfo=EST), "FS"),
    ]
    assert proof.events[-1].location_text == "Wayne, NJ, 07470, US"


def test_a_package_on_its_way_is_in_transit_without_delivery_evidence(payloads) -> None:
    proof = parse_track_response(ok(payloads.json("ups/track-in-transit.json")), "1Z1234567891234556", RECEIVED)
    assert proof.status is ProofStatus.IN_TRANSIT
    assert (proof.delivered_at, proof.received_by, proof.signature, proof.location) == (None, None, None, None)
    assert proof.events[0].at == datetime(2024, 4, 23, 13, 15, 19, tzinfo=UTC)


def test_a_404_means_the_number_is_not_found(payloads) -> None:
    response = HttpResponse(404, {}, payloads.raw("ups/track-not-found.json"))
    assert parse_track_response(response, "1Z999", RECEIVED).status is ProofStatus.NOT_FOUND


@pytest.mark.parametrize(
    "body",
    [{}, {"trackResponse": {}}, {"trackResponse": {"shipment": [{"inquiryNumber": "1Z", "warnings": [{}]}]}}],
    ids=["empty", "no shipments", "shipment without package"],
)
def test_a_response_without_a_package_means_not_found(body: object) -> None:
    assert parse_track_response(ok(body), "1Z999", RECEIVED).status is ProofStatus.NOT_FOUND


def test_missing_gmt_fields_fall_back_to_local_time_and_offset() -> None:
    activity = {"date": "20240423", "time": "95004", "gmtOffset": "-04:00", "status": {"type": "D", "code": "FS"}}
    proof = parse_track_response(
        ok({"trackResponse": {"shipment": [{"package": [{"activity": [activity]}]}]}}), "1Z", RECEIVED
    )
    assert proof.delivered_at == datetime(2024, 4, 23, 13, 50, 4, tzinfo=UTC)


def test_an_unknown_status_type_is_unknown_not_an_error() -> None:
    package = {"currentStatus": {"type": "ZZ"}, "futureField": {"nested": [1, 2]}}
    proof = parse_track_response(ok({"trackResponse": {"shipment": [{"package": [package]}]}}), "1Z", RECEIVED)
    assert proof.status is ProofStatus.UNKNOWN


@pytest.mark.parametrize(
    "body",
    [
        b"<html>502 Bad Gateway</html>",
        b'["not", "an", "object"]',
        json.dumps(
            {"trackResponse": {"shipment": [{"package": [{"deliveryInformation": {"receivedBy": 42}}]}]}}
        ).encode(),
        json.dumps(
            {
                "trackResponse": {
                    "shipment": [
                        {
                            "package": [
                                {
                                    "activity": [
                                        {
                                            "date": "2024-04-23",
                                            "time": "1",
                                            "gmtOffset": "-04:00",
                                            "status": {"type": "I"},
                                        }
                                    ]
                                }
                            ]
                        }
                    ]
                }
            }
        ).encode(),
        json.dumps(
            {
                "trackResponse": {
                    "shipment": [
                        {
                            "package": [
                                {
                                    "deliveryInformation": {
                                        "receivedBy": "Ayşe Yılmaz",
                                        "signature": {"image": "%%% not base64 %%%"},
                                    }
                                }
                            ]
                        }
                    ]
                }
            }
        ).encode(),
    ],
    ids=["not json", "not an object", "wrong type", "bad date", "bad image"],
)
def test_malformed_responses_are_rejected_without_personal_data(body: bytes) -> None:
    with pytest.raises(MalformedResponse) as caught:
        parse_track_response(ok(body), "1Z", RECEIVED)
    assert "Ayşe" not in str(caught.value) and "not base64" not in str(caught.value)
    assert caught.value.__cause__ is None


@pytest.mark.parametrize(
    ("place", "relation"),
    [
        ("Front Door", RecipientRelation.SAFE_PLACE),
        ("BACK PORCH", RecipientRelation.SAFE_PLACE),
        ("Left with neighbour", RecipientRelation.NEIGHBOUR),
        ("NEIGHBOR", RecipientRelation.NEIGHBOUR),
        ("Doorman", RecipientRelation.DOORMAN),
        ("Front Desk", RecipientRelation.DOORMAN),
        ("UPS Access Point", RecipientRelation.PICKUP_POINT),
        ("Receiver", RecipientRelation.RECIPIENT),
        ("Somewhere", RecipientRelation.UNKNOWN),
        (None, RecipientRelation.UNKNOWN),
    ],
)
def test_the_delivery_place_text_suggests_who_has_the_parcel(place: str | None, relation: RecipientRelation) -> None:
    assert relation_from_place(place) is relation


@pytest.mark.parametrize(
    ("date", "time", "expected"),
    [
        ("20240423", "095004", datetime(2024, 4, 23, 9, 50, 4, tzinfo=UTC)),
        ("20240423", "74700", datetime(2024, 4, 23, 7, 47, tzinfo=UTC)),  # UPS drops the leading zero
        ("20240423", None, None),
    ],
)
def test_compact_dates_and_times_are_read_exactly(date, time, expected):
    assert times.compact(date, time, UTC) == expected


@pytest.mark.parametrize(
    ("date", "time"), [("20241323", "095004"), ("20240431", "095004"), ("20240423", "250000"), ("2024-04-23", "0950"),
                       ("２０２４０４２３", "095004"), ("20240423", "1095004")],
)
def test_unreadable_compact_dates_are_malformed(date, time):
    with pytest.raises(MalformedResponse):
        times.compact(date, time, UTC)
