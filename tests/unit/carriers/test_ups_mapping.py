"""UPS Track API mapping, against UPS's published and public client samples (``tests/fixtures/carriers/ups``).

Every expected value below is read by hand from the sample named in the test (see its PROVENANCE.md).
"""

import base64
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import SecretStr

from carriers.auth import ClientCredentials
from carriers.errors import BadRequest, CarrierAuthError, MalformedResponse
from carriers.http import HttpRequest, HttpResponse
from carriers.status import UNMAPPED
from carriers.ups.mapping import build_token_request, build_track_request, parse_track_response
from carriers.ups.settings import UpsSettings
from schemas.proof import NoteCode, PackageState, ProofOfDelivery, ProofStatus, RecipientRelation
from tests.unit.carriers.conftest import GATEWAY_404, HTML_404, RECEIVED, ok
from tests.unit.carriers.properties import sample, sample_json

SETTINGS = UpsSettings(
    base_url="https://onlinetools.ups.com",
    credentials=ClientCredentials(client_id=SecretStr("ups-id"), client_secret=SecretStr("ups-secret")),
    transaction_src="disputes",
)
EST = timezone(timedelta(hours=-5))
SIGNED = "1Z023E2X0214323462"  # the Tracking.yaml example number; in track-multi-package the delivered package
ON_ITS_WAY = "1Z023E2X0214323471"  # track-multi-package's second package
INFO = "trackResponse.shipment.package.deliveryInformation"
NO_ZONE = (NoteCode.FIELD_UNREADABLE, "trackResponse.shipment.package.activity")


def parse(name: str, number: str, status: int = 200) -> ProofOfDelivery:
    return parse_track_response(HttpResponse(status, {}, sample("ups", name)), number, RECEIVED)


def notes(proof: ProofOfDelivery) -> list[tuple[NoteCode, str]]:
    return [(note.code, note.field) for note in proof.notes]


def events(proof: ProofOfDelivery) -> list[tuple[datetime, str, str | None]]:
    return [(event.at, event.code, event.location_text) for event in proof.events]


# --- requests ----------------------------------------------------------------------------------------------


def test_the_track_request_asks_for_signature_and_pod_with_transaction_headers() -> None:
    request = build_track_request(SETTINGS, SIGNED, token="tok", trans_id="t-1")
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


# --- every sample ------------------------------------------------------------------------------------------


def test_a_delivered_package_with_full_proof() -> None:
    proof = parse("track-delivered-signature-photo.json", SIGNED)

    assert (proof.status, proof.status_code, proof.package_number) == (ProofStatus.DELIVERED, "D", SIGNED)
    assert proof.delivered_at == datetime(2021, 2, 10, 7, 13, 56, tzinfo=EST)
    assert (proof.received_by, proof.recipient_relation) == ("John", RecipientRelation.UNKNOWN)  # named, not left
    assert proof.signature and proof.signature.media_type == "image/png"
    assert proof.photo and proof.photo.media_type == "image/jpeg"
    assert proof.document and proof.document.media_type == "text/html"
    assert proof.location and (proof.location.text, proof.location.address) == ("Front Door", "Wayne, NJ, 07470, US")
    assert events(proof) == [
        (datetime(2021, 2, 9, 18, 0, tzinfo=EST), "MP", "US"),
        (datetime(2021, 2, 10, 3, 15, tzinfo=EST), "OT", "Wayne, NJ, US"),
        (datetime(2021, 2, 10, 7, 13, 56, tzinfo=EST), "FS", "Wayne, NJ, 07470, US"),
    ]
    assert (proof.packages, proof.notes) == ((), ())


def delivered_at_the_front_door(received_by: str | None) -> ProofOfDelivery:
    reply = sample_json("ups", "track-delivered-signature-photo.json")
    info = reply["trackResponse"]["shipment"][0]["package"][0]["deliveryInformation"]
    if received_by is None:
        del info["receivedBy"]
    else:
        info["receivedBy"] = received_by
    return parse_track_response(ok(reply), SIGNED, RECEIVED)


def test_a_named_receiver_at_the_front_door_is_no_safe_place() -> None:
    """Tracking.yaml: receivedBy is "The individual who took possession of the package at delivery"; the
    place says where, the name who (left for the order's names to be matched against)."""
    proof = delivered_at_the_front_door("Ayşe Yılmaz")

    assert (proof.received_by, proof.recipient_relation) == ("Ayşe Yılmaz", RecipientRelation.UNKNOWN)


@pytest.mark.parametrize("received_by", [None, "  "])
def test_a_parcel_left_at_the_front_door_with_no_one_named_is_in_a_safe_place(received_by: str | None) -> None:
    proof = delivered_at_the_front_door(received_by)

    assert (proof.received_by, proof.recipient_relation) == (None, RecipientRelation.SAFE_PLACE)


def test_ups_own_sample_without_gmt_fields_is_delivered_with_both_scans() -> None:
    proof = parse("track-delivered-no-proof.json", "1Z1442YY7229014688")

    assert (proof.status, proof.status_code) == (ProofStatus.DELIVERED, "D")
    # PARAMUS, NJ: a US place, whose zone UPS does not state and the mapping does not guess
    assert proof.delivered_at == datetime(2022, 1, 26, 16, 30, tzinfo=UTC)
    assert events(proof) == [
        (datetime(2022, 1, 26, 15, 16, 41, tzinfo=UTC), "MP", "US"),
        (datetime(2022, 1, 26, 16, 30, tzinfo=UTC), "F4", "PARAMUS, NJ, US"),
    ]
    assert proof.events[-1].description == "DELIVERED"
    assert proof.location and (proof.location.text, proof.location.address) == (None, "PARAMUS, NJ, US")
    assert (proof.received_by, proof.signature, proof.photo, proof.document) == (None, None, None, None)
    assert notes(proof) == [NO_ZONE]


def test_a_real_twelve_scan_reply_keeps_every_scan() -> None:
    proof = parse("track-delivered-no-offsets.json", "1ZR760R60332160282")

    assert (proof.status, proof.package_number) == (ProofStatus.DELIVERED, "1ZR760R60332160282")
    assert proof.delivered_at == datetime(2021, 10, 21, 14, 33, 16, tzinfo=UTC)
    assert [event.code for event in proof.events] == [
        *("MP", "XD", "OR", "DP", "AR", "DP"),
        *("AR", "DP", "AR", "YP", "OT", "FS"),
    ]
    assert proof.events[0].at == datetime(2021, 10, 18, 14, 2, 29, tzinfo=UTC)
    assert proof.location and proof.location.address == "ADRIAN, MI, US"
    assert notes(proof) == [NO_ZONE]


def test_a_package_in_transit_with_a_flags_only_delivery_photo() -> None:
    proof = parse("track-in-transit.json", SIGNED)

    assert (proof.status, proof.status_code) == (ProofStatus.IN_TRANSIT, "I")
    assert (proof.delivered_at, proof.photo, proof.location) == (None, None, None)
    assert (proof.events, proof.notes) == ((), ())  # its one scan carries no time


# UPSTrackAlert.yaml's 404 example: "URL does not exist or resource not found", in UPS's own error envelope.
UPS_URL_NOT_FOUND = b'{"response":{"errors":[{"code":"404","message":"The requested resource was not found."}]}}'


@pytest.mark.parametrize("body", [UPS_URL_NOT_FOUND, GATEWAY_404, HTML_404], ids=["ups url", "gateway", "html"])
def test_a_404_without_ups_not_found_error_is_no_answer_about_the_shipment(body: bytes) -> None:
    with pytest.raises(MalformedResponse, match="HTTP 404") as caught:
        parse_track_response(HttpResponse(404, {}, body), "1Z12345E6205277936", RECEIVED)
    assert caught.value.status == 404


@pytest.mark.parametrize(("name", "status"), [("track-not-found.json", 200), ("track-not-found-404.json", 404)])
def test_an_unknown_number_is_a_not_found_result(name: str, status: int) -> None:
    proof = parse(name, "1Z12345E6205277936", status)

    assert (proof.status, proof.tracking_number, proof.received_at) == (
        ProofStatus.NOT_FOUND,
        "1Z12345E6205277936",
        RECEIVED,
    )


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("error-auth.json", CarrierAuthError),
        ("error-invalid-inquiry.json", BadRequest),
        ("error-server.json", BadRequest),
    ],
)
def test_an_error_envelope_is_a_typed_refusal(name: str, error: type[Exception]) -> None:
    with pytest.raises(error, match=json.loads(sample("ups", name))["response"]["errors"][0]["code"]):
        parse(name, SIGNED)


def test_a_body_that_is_not_json_is_malformed() -> None:
    with pytest.raises(MalformedResponse, match="not JSON"):
        parse_track_response(ok(b"<html>gateway</html>"), SIGNED, RECEIVED)


# --- the defects of issue 16 -------------------------------------------------------------------------------


def test_asked_about_the_undelivered_package_no_proof_of_the_delivered_one_is_taken() -> None:
    proof = parse("track-multi-package.json", ON_ITS_WAY)

    assert (proof.status, proof.status_code, proof.package_number) == (ProofStatus.IN_TRANSIT, "I", ON_ITS_WAY)
    assert (proof.received_by, proof.signature, proof.photo, proof.document, proof.delivered_at) == (None,) * 5
    assert proof.packages == (PackageState(number=SIGNED, status=ProofStatus.DELIVERED, status_code="D"),)
    assert [event.code for event in proof.events] == ["MP", "AR"]


def test_asked_about_the_delivered_package_its_own_proof_is_taken() -> None:
    proof = parse("track-multi-package.json", SIGNED)

    assert (proof.status, proof.package_number, proof.received_by) == (ProofStatus.DELIVERED, SIGNED, "John")
    assert proof.signature and proof.photo and proof.document
    assert proof.packages == (PackageState(number=ON_ITS_WAY, status=ProofStatus.IN_TRANSIT, status_code="I"),)


def test_the_asked_package_is_found_whatever_its_place_in_the_list() -> None:
    reply = sample_json("ups", "track-multi-package.json")
    reply["trackResponse"]["shipment"][0]["package"].reverse()

    proof = parse_track_response(ok(reply), ON_ITS_WAY, RECEIVED)

    assert (proof.status, proof.signature, proof.packages[0].number) == (ProofStatus.IN_TRANSIT, None, SIGNED)


def test_a_reply_whose_only_package_has_another_number_gives_no_proof() -> None:
    proof = parse("track-placeholder-images.json", SIGNED)  # the inquiry number; its package says "string"

    assert (proof.status, proof.package_number, proof.received_by, proof.signature) == (
        ProofStatus.UNKNOWN,
        None,
        None,
        None,
    )
    assert proof.packages == (PackageState(number="string", status=ProofStatus.EXCEPTION, status_code="X"),)
    assert notes(proof) == [(NoteCode.FIELD_UNREADABLE, "trackResponse.shipment.package.trackingNumber")]


def test_a_package_without_a_number_beside_an_unreadable_one_is_no_answer() -> None:
    """Only the reply's only package answers without a number: here the other entry is not an object (the asked
    package, perhaps), so the numberless package's delivery may be another parcel's."""
    reply = sample_json("ups", "track-delivered-signature-photo.json")
    shipment = reply["trackResponse"]["shipment"][0]
    del shipment["package"][0]["trackingNumber"]
    shipment["package"].insert(0, "damaged")
    with pytest.raises(MalformedResponse):
        parse_track_response(ok(reply), SIGNED, RECEIVED)
    del shipment["package"][0]
    assert parse_track_response(ok(reply), SIGNED, RECEIVED).status is ProofStatus.DELIVERED


def test_a_placeholder_and_an_undecodable_image_are_dropped_and_the_signature_stays() -> None:
    proof = parse("track-delivered-bad-attachments.json", SIGNED)

    assert proof.status is ProofStatus.DELIVERED
    assert proof.signature and proof.signature.media_type == "image/png"
    assert (proof.photo, proof.document) == (None, None)
    assert (proof.received_by, proof.delivered_at) == ("John", datetime(2021, 2, 10, 7, 13, 56, tzinfo=EST))
    assert notes(proof) == [
        (NoteCode.ATTACHMENT_DROPPED, f"{INFO}.deliveryPhoto.photo"),
        (NoteCode.ATTACHMENT_DROPPED, f"{INFO}.pod.content"),
    ]
    assert all(note.reason == "not valid base64" for note in proof.notes)


def test_an_image_that_decodes_to_a_few_bytes_is_a_placeholder() -> None:
    reply = sample_json("ups", "track-delivered-signature-photo.json")
    info = reply["trackResponse"]["shipment"][0]["package"][0]["deliveryInformation"]
    info["signature"]["image"] = "c3RyaW5n"  # base64 of "string"

    proof = parse_track_response(ok(reply), SIGNED, RECEIVED)

    assert (proof.signature, proof.photo is not None) == (None, True)
    assert [note.reason for note in proof.notes] == ["only 6 bytes: a placeholder, not an image"]


def test_activities_without_gmt_offset_are_kept_as_local_times_in_their_country() -> None:
    reply = sample_json("ups", "track-delivered-no-proof.json")
    for activity in reply["trackResponse"]["shipment"][0]["package"][0]["activity"]:
        activity["location"]["address"] |= {"countryCode": "TR", "country": "TR"}

    proof = parse_track_response(ok(reply), "1Z1442YY7229014688", RECEIVED)

    istanbul = timezone(timedelta(hours=3))
    assert [event.at for event in proof.events] == [
        datetime(2022, 1, 26, 15, 16, 41, tzinfo=istanbul),
        datetime(2022, 1, 26, 16, 30, tzinfo=istanbul),
    ]
    assert (proof.delivered_at, proof.notes) == (datetime(2022, 1, 26, 16, 30, tzinfo=istanbul), ())


def test_gmt_times_as_live_replies_write_them_place_a_scan_without_offset() -> None:
    reply = sample_json("ups", "track-delivered-signature-photo.json")
    scan = reply["trackResponse"]["shipment"][0]["package"][0]["activity"][0]
    del scan["gmtOffset"]  # "gmtDate": "20210210", "gmtTime": "12:13:56", local 07:13:56

    proof = parse_track_response(ok(reply), SIGNED, RECEIVED)

    assert proof.delivered_at == datetime(2021, 2, 10, 12, 13, 56, tzinfo=UTC)
    assert proof.notes == ()


# --- status --------------------------------------------------------------------------------------------------


def test_a_customs_exception_is_not_delivered_whatever_the_simplified_text_says() -> None:
    proof = parse("track-placeholder-images.json", "string")

    assert (proof.status, proof.status_code) == (ProofStatus.EXCEPTION, "X")
    assert (proof.received_by, proof.signature, proof.photo, proof.location) == (None, None, None, None)
    assert events(proof) == [(datetime(2021, 2, 10, 7, 13, 56, tzinfo=UTC), "SR", "Wayne, NJ, 07470, US")]
    assert notes(proof) == [NO_ZONE]  # no attachment notes: a package that is not delivered has no proof to read


def test_a_delivery_type_scan_that_is_not_code_011_is_not_a_delivery() -> None:
    reply = _with_scan_status({"type": "D", "code": "OF", "statusCode": "072", "description": "Loaded on Vehicle"})

    proof = parse_track_response(ok(reply), SIGNED, RECEIVED)

    assert (proof.status, proof.status_code, proof.signature) == (ProofStatus.IN_TRANSIT, "072", None)


def test_a_delivery_type_scan_without_a_code_that_does_not_say_delivered_is_not_a_delivery() -> None:
    """UPSTrackAlert.yaml: "D = delivery information (loaded on delivery vehicle, out for delivery, delivered)"."""
    reply = _with_scan_status({"type": "D", "code": "OT", "description": "Out For Delivery Today"})

    proof = parse_track_response(ok(reply), SIGNED, RECEIVED)

    assert (proof.status, proof.status_code, proof.delivered_at) == (ProofStatus.UNKNOWN, "D", None)
    assert proof.signature is None
    assert notes(proof) == [(NoteCode.STATUS_UNMAPPED, "trackResponse.shipment.package.activity.status.type")]


def test_an_unknown_status_type_is_kept_counted_and_noted() -> None:
    before = UNMAPPED[("ups", "ZQ")]
    reply = _with_scan_status({"type": "ZQ", "code": "QQ", "description": "New"})

    proof = parse_track_response(ok(reply), SIGNED, RECEIVED)

    assert (proof.status, proof.status_code, proof.delivered_at) == (ProofStatus.UNKNOWN, "ZQ", None)
    assert notes(proof) == [(NoteCode.STATUS_UNMAPPED, "trackResponse.shipment.package.activity.status.type")]
    assert UNMAPPED[("ups", "ZQ")] == before + 1


def test_a_type_less_current_status_with_code_011_and_no_scans_is_delivered() -> None:
    reply = sample_json("ups", "track-delivered-signature-photo.json")
    del reply["trackResponse"]["shipment"][0]["package"][0]["activity"]

    proof = parse_track_response(ok(reply), SIGNED, RECEIVED)

    assert (proof.status, proof.status_code) == (ProofStatus.DELIVERED, "011")
    # the package's delivered date and time, read as UTC: no scan tells the zone
    assert proof.delivered_at == datetime(2021, 2, 10, 7, 13, 56, tzinfo=UTC)


def test_a_wrongly_typed_optional_field_costs_that_field_only() -> None:
    reply = sample_json("ups", "track-delivered-signature-photo.json")
    reply["trackResponse"]["shipment"][0]["package"][0]["deliveryInformation"]["signature"] = "xxxxxxx"

    proof = parse_track_response(ok(reply), SIGNED, RECEIVED)

    assert (proof.status, proof.signature, proof.photo is not None) == (ProofStatus.DELIVERED, None, True)
    assert notes(proof) == [(NoteCode.FIELD_UNREADABLE, "trackResponse.signature")]


def _with_scan_status(status: dict[str, Any]) -> Any:
    reply = sample_json("ups", "track-delivered-signature-photo.json")
    package = reply["trackResponse"]["shipment"][0]["package"][0]
    package["activity"][0]["status"] = status
    return reply


# --- impossible dates ---------------------------------------------------------------------------------------

ACTIVITY = "trackResponse.shipment.package.activity"
DELIVERY_SCAN = datetime(2021, 2, 10, 7, 13, 56, tzinfo=EST)  # the delivery scan, its GMT time 12:13:56


def delivered_with(scan_changes: dict[str, str], package_changes: dict[str, Any] | None = None) -> ProofOfDelivery:
    reply = sample_json("ups", "track-delivered-signature-photo.json")
    package = reply["trackResponse"]["shipment"][0]["package"][0]
    package["activity"][0] |= scan_changes
    package |= package_changes or {}
    return parse_track_response(ok(reply), SIGNED, RECEIVED)


@pytest.mark.parametrize(
    ("changes", "what"),
    [({"date": "20210231"}, "the local date"), ({"time": "251356"}, "the local date"),
     ({"date": "２０２１０２１０"}, "the local date"), ({"gmtDate": "20211310"}, "the GMT date"),
     ({"gmtTime": "12:60:56"}, "the GMT date")],
    ids=["31 February", "hour 25", "full-width digits", "month 13", "minute 60"],
)
def test_an_impossible_scan_date_or_time_is_refused_with_a_note_and_the_readable_one_is_kept(
        changes: dict[str, str], what: str) -> None:
    proof = delivered_with(changes)

    assert proof.status is ProofStatus.DELIVERED and proof.delivered_at == DELIVERY_SCAN  # local or GMT, same moment
    assert [(note.code, note.field, note.reason) for note in proof.notes] == [
        (NoteCode.FIELD_UNREADABLE, ACTIVITY, f"{what} or time could not be read")]


def test_a_delivery_scan_whose_dates_are_all_impossible_proves_no_delivery_and_says_why() -> None:
    proof = delivered_with({"date": "20210231", "gmtDate": "20210231"},
                           {"deliveryDate": [{"type": "DEL", "date": "20210230"}]})

    assert (proof.status, proof.delivered_at) == (ProofStatus.IN_TRANSIT, None)  # the latest readable scan: OT
    assert DELIVERY_SCAN not in [event.at for event in proof.events]
    assert {(note.field, note.reason) for note in proof.notes} == {
        (ACTIVITY, "the local date or time could not be read"),
        (ACTIVITY, "the GMT date or time could not be read"),
    }


# --- which time and which scan say delivered -----------------------------------------------------------------


def test_an_estimated_delivery_window_is_no_delivered_time() -> None:
    """Tracking.yaml's ``deliveryTime.type``: EDW is an estimated window, only DEL the delivered time."""
    reply = sample_json("ups", "track-delivered-signature-photo.json")
    package = reply["trackResponse"]["shipment"][0]["package"][0]
    del package["activity"]
    package["deliveryTime"] = {"type": "EDW", "startTime": "060000", "endTime": "090000"}

    proof = parse_track_response(ok(reply), SIGNED, RECEIVED)

    assert (proof.status, proof.delivered_at) == (ProofStatus.DELIVERED, None)


def test_an_out_for_delivery_scan_of_the_delivery_type_is_not_the_delivery_scan() -> None:
    """The delivery scan has lost its date and time but kept its offset; the package's own delivered date and time
    date it. The out-for-delivery scan before it is type D too (UPSTrackAlert.yaml: "D = delivery information
    (loaded on delivery vehicle, out for delivery, delivered)"), and timed: it is not the delivery."""
    reply = sample_json("ups", "track-delivered-signature-photo.json")
    package = reply["trackResponse"]["shipment"][0]["package"][0]
    for stamp in ("date", "time", "gmtDate", "gmtTime"):
        del package["activity"][0][stamp]
    package["currentStatus"] = dict(package["activity"][0]["status"])  # type D, statusCode 011
    package["activity"][1]["status"] = {"type": "D", "code": "OT", "description": "Out For Delivery Today"}

    proof = parse_track_response(ok(reply), SIGNED, RECEIVED)

    assert (proof.status, proof.delivered_at) == (ProofStatus.DELIVERED, DELIVERY_SCAN)


def test_without_types_the_scan_with_code_011_is_the_delivery_scan() -> None:
    """Scans that carry only UPS's three-digit codes (003 label, 021 out for delivery, 011 delivered)."""
    reply = sample_json("ups", "track-delivered-signature-photo.json")
    for activity in reply["trackResponse"]["shipment"][0]["package"][0]["activity"]:
        del activity["status"]["type"]

    proof = parse_track_response(ok(reply), SIGNED, RECEIVED)

    assert (proof.status, proof.status_code, proof.delivered_at) == (ProofStatus.DELIVERED, "011", DELIVERY_SCAN)
