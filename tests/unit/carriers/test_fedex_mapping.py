"""FedEx mapping against FedEx's own reply samples (``tests/fixtures/carriers/fedex/``, see PROVENANCE.md).

Every expected value below is read off the sample by hand; none is produced by the code under test.
"""

import json
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import SecretStr

from carriers.auth import ClientCredentials
from carriers.errors import BadRequest, MalformedResponse
from carriers.fedex.documents import build_spod_request, offers_spod, read_spod
from carriers.fedex.mapping import (
    RELATION,
    build_token_request,
    build_track_request,
    parse_track_response,
    read_track_reply,
    track_proof,
)
from carriers.fedex.settings import FedexSettings
from carriers.fedex.wire import TrackingNumberInfo, TrackResult
from carriers.http import HttpRequest, HttpResponse
from carriers.parsing import ProofNotes
from schemas.proof import AttachmentKind, NoteCode, PackageState, ProofOfDelivery, ProofStatus, RecipientRelation
from tests.unit.carriers.conftest import GATEWAY_404, HTML_404, RECEIVED, ok
from tests.unit.carriers.properties import sample, sample_json

SETTINGS = FedexSettings(credentials=ClientCredentials(client_id=SecretStr("key"), client_secret=SecretStr("secret")))
EDT, CDT, PDT, MST = (timezone(timedelta(hours=h)) for h in (-4, -5, -7, -7))
HEADERS = {
    "Authorization": "Bearer tok",
    "Content-Type": "application/json",
    "X-locale": "en_US",
    "x-customer-transaction-id": "tx-1",
}


def parsed(name: str, number: str, status: int = 200) -> ProofOfDelivery:
    return parse_track_response(HttpResponse(status, {}, sample("fedex", name)), number, RECEIVED)


def one_result(latest_status: dict[str, str]) -> dict[str, object]:
    """A reply with one result for number "1", with the given ``latestStatusDetail``."""
    result = {"latestStatusDetail": latest_status}
    return {"output": {"completeTrackResults": [{"trackingNumber": "1", "trackResults": [result]}]}}


def result_of(name: str, number: str) -> TrackResult:
    result = read_track_reply(ok(sample("fedex", name)), number).result
    assert result is not None
    return result


# --- requests --------------------------------------------------------------------------------------------------


def test_the_token_request_puts_the_client_credentials_in_the_form_body() -> None:
    request = build_token_request(SETTINGS)
    assert (request.method, request.url) == ("POST", "https://apis.fedex.com/oauth/token")
    assert request.form == {"grant_type": "client_credentials", "client_id": "key", "client_secret": "secret"}


def test_the_track_request_asks_for_detailed_scans_of_one_number() -> None:
    assert build_track_request(SETTINGS, "738488882438", token="tok", transaction_id="tx-1") == HttpRequest(
        "POST",
        "https://apis.fedex.com/track/v1/trackingnumbers",
        headers=HEADERS,
        json={
            "includeDetailedScans": True,
            "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": "738488882438"}}],
        },
    )


def test_the_spod_request_names_the_exact_shipment_of_a_reused_number() -> None:
    result = result_of("track-duplicate-results.json", "776094337676")
    info = result.tracking_number_info
    request = build_spod_request(SETTINGS, "776094337676", info, token="tok", transaction_id="tx-1")
    assert (request.url, request.headers) == ("https://apis.fedex.com/track/v1/trackingdocuments", HEADERS)
    assert request.json == {
        "trackDocumentDetail": {"documentType": "SIGNATURE_PROOF_OF_DELIVERY", "documentFormat": "PNG"},
        "trackDocumentSpecification": [
            {
                "trackingNumberInfo": {
                    "trackingNumber": "776094337676",
                    "carrierCode": "FDXE",
                    "trackingNumberUniqueId": "2460426000~776094337676~FX",  # the delivered one, not the first
                }
            }
        ],
    }


def test_a_spod_request_without_track_details_names_the_number_only() -> None:
    request = build_spod_request(SETTINGS, "738488882438", TrackingNumberInfo(), token="tok", transaction_id="tx-1")
    assert request.json["trackDocumentSpecification"] == [{"trackingNumberInfo": {"trackingNumber": "738488882438"}}]


# --- every sample ----------------------------------------------------------------------------------------------


def test_a_delivered_parcel_with_proof() -> None:
    proof = parsed("track-delivered.json", "738488882438")

    assert (proof.status, proof.status_code) == (ProofStatus.DELIVERED, "DL")
    assert proof.delivered_at == datetime(2024, 8, 20, 12, 41, 57, tzinfo=EDT)
    assert proof.received_by == "CREILLY"
    assert proof.recipient_relation is RecipientRelation.UNKNOWN  # this reply names no location type
    assert proof.location is not None and (proof.location.text, proof.location.address) == (None, "Blue Point, NY, US")
    assert (proof.package_number, proof.packages, proof.notes) == ("738488882438", (), ())
    # 17 scans, the first a pickup dated "2024-08-15T00:00:00" (a date: ACTUAL_PICKUP gives it as 00:00 at -06:00), so
    # no instant, not midnight UTC: left out of the timeline
    assert len(proof.events) == 16 and "PU" not in [e.code for e in proof.events]
    assert (proof.events[0].code, proof.events[0].at) == ("OC", datetime(2024, 8, 15, 10, 36, tzinfo=CDT))
    newest = proof.events[-1]
    assert (newest.code, newest.description, newest.location_text) == ("DL", "Delivered", "Blue Point, NY, 11715, US")
    assert offers_spod(result_of("track-delivered.json", "738488882438"))


def delivered_reply(scan_date: str | None, actual: str) -> HttpResponse:
    """``track-delivered.json`` with its delivery scan dated ``scan_date`` (None: no DL scan) and ACTUAL_DELIVERY."""
    reply = json.loads(sample("fedex", "track-delivered.json"))
    result = reply["output"]["completeTrackResults"][0]["trackResults"][0]
    result["scanEvents"] = [e | ({"date": scan_date} if e["eventType"] == "DL" else {})
                            for e in result["scanEvents"] if scan_date is not None or e["eventType"] != "DL"]
    for dated in result["dateAndTimes"]:
        if dated["type"] == "ACTUAL_DELIVERY":
            dated["dateTime"] = actual
    return ok(json.dumps(reply).encode())


# FedEx's published example gives ACTUAL_DELIVERY as "2007-09-27T00:00:00", and the samples date ACTUAL_PICKUP and SHIP
# "…T00:00:00-06:00": a date, whose midnight is no instant
@pytest.mark.parametrize("actual", ["2024-08-20T00:00:00", "2024-08-20T00:00:00-06:00"])
def test_a_delivery_dated_without_a_time_gives_no_instant_and_says_so(actual: str) -> None:
    proof = parse_track_response(delivered_reply(None, actual), "738488882438", RECEIVED)

    assert (proof.status, proof.delivered_at) == (ProofStatus.DELIVERED, None)
    assert [(n.code, n.field) for n in proof.notes] == [(NoteCode.FIELD_UNREADABLE, "dateAndTimes.dateTime")]


def test_a_delivery_time_with_its_offset_wins_over_a_scan_time_without_one() -> None:
    proof = parse_track_response(
        delivered_reply("2024-08-20T12:41:57", "2024-08-20T12:41:57-04:00"), "738488882438", RECEIVED
    )

    assert proof.delivered_at == datetime(2024, 8, 20, 12, 41, 57, tzinfo=EDT)
    assert [(n.code, n.field) for n in proof.notes] == [(NoteCode.FIELD_UNREADABLE, "scanEvents.date")]  # once


def test_a_delivered_parcel_without_proof() -> None:
    proof = parsed("track-delivered-no-proof.json", "738488882438")

    assert (proof.status, proof.received_by, proof.document) == (ProofStatus.DELIVERED, None, None)
    assert proof.delivered_at == datetime(2024, 8, 20, 12, 41, 57, tzinfo=EDT)
    assert not offers_spod(result_of("track-delivered-no-proof.json", "738488882438"))


def test_a_parcel_out_for_delivery() -> None:
    proof = parsed("track-out-for-delivery.json", "231300687629630")

    assert (proof.status, proof.status_code, proof.delivered_at) == (ProofStatus.IN_TRANSIT, "OD", None)
    assert len(proof.events) == 11
    newest = proof.events[-1]
    assert (newest.at, newest.code) == (datetime(2014, 1, 4, 6, 55, tzinfo=timezone(timedelta(hours=-5))), "OD")
    assert (newest.description, newest.location_text) == ("On FedEx vehicle for delivery", "MIAMI, FL, 33178, US")


def test_a_failed_attempt_says_why() -> None:
    proof = parsed("track-failed-attempt.json", "377101283611590")

    assert (proof.status, proof.status_code) == (ProofStatus.FAILED_ATTEMPT, "DE")
    assert proof.events[-1].description == "Delivery exception: Customer not available or business closed"
    assert (proof.delivered_at, proof.received_by) == (None, None)


def test_a_parcel_going_back_is_returned_whatever_its_scan_is_derived_as() -> None:
    """Regression: the newest scan (RS) is derived "DL, Delivered", and the reply names a receiver."""
    proof = parsed("track-returned.json", "076288115212522")

    assert (proof.status, proof.status_code) == (ProofStatus.RETURNED, "DE")
    assert (proof.delivered_at, proof.received_by, proof.location) == (None, None, None)
    assert proof.events[-1].code == "RS"


def test_an_unknown_number_is_not_found_in_the_sandbox_and_the_live_wording() -> None:
    samples = (("track-not-found.json", "647719948679"), ("track-not-found-live.json", "02399989320920003663"))
    for name, number in samples:
        proof = parsed(name, number)
        assert (proof.status, proof.status_code) == (ProofStatus.NOT_FOUND, "TRACKING.TRACKINGNUMBER.NOTFOUND")
        assert proof.events == ()


def test_a_refusal_saying_not_found_is_not_found_and_any_other_refusal_is_a_bad_request() -> None:
    assert parsed("spod-not-found.json", "647719948679", status=400).status is ProofStatus.NOT_FOUND
    with pytest.raises(BadRequest, match=r"TRACKING\.TRACKINGNUMBER\.EMPTY") as refused:
        parsed("error-bad-request.json", "647719948679", status=400)
    assert refused.value.status == 400


# The spec's 404 example (shared/specs/fedex/track.json): a resource not found, no tracking number's.
FEDEX_404 = (
    b'{"transactionId":"624deea6-b709-470c-8c39-4b5511281492","errors":[{"code":"NOT.FOUND.ERROR","message":"The '
    b'resource you requested is no longer available. Please modify your request and try again."}]}'
)


@pytest.mark.parametrize("body", [FEDEX_404, GATEWAY_404, HTML_404], ids=["spec example", "gateway", "html"])
def test_a_404_without_a_not_found_code_is_no_answer_about_the_shipment(body: bytes) -> None:
    with pytest.raises(MalformedResponse, match="HTTP 404"):
        parse_track_response(HttpResponse(404, {}, body), "647719948679", RECEIVED)


# --- the defects this mapping fixes ----------------------------------------------------------------------------


def test_of_two_results_for_one_number_the_latest_state_is_taken() -> None:
    """Regression: FedEx lists an older in-transit shipment first and the delivered one second."""
    proof = parsed("track-duplicate-results.json", "776094337676")

    assert (proof.status, proof.status_code) == (ProofStatus.DELIVERED, "DL")
    assert proof.delivered_at == datetime(2024, 4, 26, 9, 26, tzinfo=PDT)
    # locationType RESIDENCE is the type of the place (here on an address FedEx marks not residential), not who
    # took the parcel: D.HERRERA's relation to the addressee is not stated
    assert (proof.received_by, proof.recipient_relation) == ("D.HERRERA", RecipientRelation.UNKNOWN)
    assert proof.location is not None and (proof.location.text, proof.location.address) == ("Residence", None)
    assert [e.code for e in proof.events] == ["OD", "DE", "DE", "AF", "PU", "AO", "OD", "DL"]


def test_the_latest_state_wins_in_either_order() -> None:
    body = sample_json("fedex", "track-duplicate-results.json")
    results = body["output"]["completeTrackResults"][0]["trackResults"]
    results.reverse()
    assert parse_track_response(ok(body), "776094337676", RECEIVED).status is ProofStatus.DELIVERED


def test_an_error_and_alerts_alongside_data_do_not_refuse_the_reply() -> None:
    """Regression: FedEx's example reply has ``error`` TRACKING.TRACKINGNUMBER.EMPTY on a result with data,
    and ``output.alerts`` as a string."""
    proof = parsed("track-published-example.json", "128667043726")

    assert (proof.status, proof.status_code) == (ProofStatus.IN_TRANSIT, "PU")
    assert [(e.code, e.at, e.description) for e in proof.events] == [
        ("PU", datetime(2018, 2, 2, 12, 1, tzinfo=MST), "Picked Up: Package available for clearance")
    ]


def test_a_parcel_that_is_not_delivered_gets_no_delivery_time() -> None:
    """Regression: the example reply is at PU ("Picked up") and still carries ACTUAL_DELIVERY 2007-09-27 and a
    receiver "Reciever"."""
    proof = parsed("track-published-example.json", "128667043726")

    assert (proof.delivered_at, proof.received_by, proof.location, proof.document) == (None, None, None, None)


def test_a_number_the_reply_only_lists_as_another_result_is_not_found_there() -> None:
    assert parsed("track-published-example.json", "39936862321").status is ProofStatus.NOT_FOUND
    with pytest.raises(MalformedResponse, match="no result for the asked number"):
        parsed("track-published-example.json", "123456789012")  # its one result says it is 128667043726


def test_proof_comes_from_the_asked_package_only() -> None:
    asked_in_transit = parsed("track-multi-package.json", "738488882449")
    assert (asked_in_transit.status, asked_in_transit.status_code) == (ProofStatus.IN_TRANSIT, "OD")
    assert (asked_in_transit.received_by, asked_in_transit.delivered_at, asked_in_transit.document) == (None,) * 3
    assert asked_in_transit.package_number == "738488882449"
    assert asked_in_transit.packages == (
        PackageState(number="738488882438", status=ProofStatus.DELIVERED, status_code="DL"),
    )

    asked_delivered = parsed("track-multi-package.json", "738488882438")
    assert (asked_delivered.status, asked_delivered.received_by) == (ProofStatus.DELIVERED, "CREILLY")
    assert asked_delivered.packages == (
        PackageState(number="738488882449", status=ProofStatus.IN_TRANSIT, status_code="OD"),
    )


def test_an_unknown_status_code_is_kept_raw_and_noted() -> None:
    body = sample_json("fedex", "track-delivered.json")
    body["output"]["completeTrackResults"][0]["trackResults"][0]["latestStatusDetail"]["code"] = "ZQ"

    proof = parse_track_response(ok(body), "738488882438", RECEIVED)

    assert (proof.status, proof.status_code, proof.delivered_at) == (ProofStatus.UNKNOWN, "ZQ", None)
    assert [(n.code, n.field) for n in proof.notes] == [(NoteCode.STATUS_UNMAPPED, "latestStatusDetail.code")]


def test_unreadable_scan_times_cost_those_scans_only() -> None:
    body = sample_json("fedex", "track-out-for-delivery.json")
    body["output"]["completeTrackResults"][0]["trackResults"][0]["scanEvents"][1]["date"] = "04/01/2014 05:10"

    proof = parse_track_response(ok(body), "231300687629630", RECEIVED)

    assert len(proof.events) == 10
    assert [(n.code, n.field) for n in proof.notes] == [(NoteCode.FIELD_UNREADABLE, "scanEvents.date")]


def test_fields_of_the_wrong_type_read_as_absent() -> None:
    body = sample_json("fedex", "track-delivered.json")
    result = body["output"]["completeTrackResults"][0]["trackResults"][0]
    result["deliveryDetails"]["receivedByName"] = 42
    result["availableImages"] = "SIGNATURE_PROOF_OF_DELIVERY"

    proof = parse_track_response(ok(body), "738488882438", RECEIVED)

    assert (proof.status, proof.received_by) == (ProofStatus.DELIVERED, None)


@pytest.mark.parametrize("body", [b"", b"{", b"[]", b'{"output": {"completeTrackResults": []}}'])
def test_a_reply_without_a_result_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedResponse):
        parse_track_response(ok(body), "738488882438", RECEIVED)


# --- the signature proof of delivery ---------------------------------------------------------------------------


def test_the_sandbox_spod_is_read_from_documents() -> None:
    """Regression: FedEx's sandbox answers ``output.documents``; only ``document`` used to be read."""
    notes = ProofNotes()
    document = read_spod(ok(sample("fedex", "spod-documents-sandbox.json")), notes)

    assert document is not None and document.media_type == "application/pdf"
    assert document.content().startswith(b"%PDF-1.4") and len(document.content()) == 18_150
    assert notes.items == ()


def test_the_spod_of_a_delivery_is_its_signature_and_its_document() -> None:
    """FedEx's definition (shared/specs/fedex/track.json, ``SPODResponseVO.document``): "the image of the
    recipient's signature (if the signature is available) once the shipment has been delivered"; karrio maps the
    same reply as the tracking's ``signature_image`` (karrioapi/karrio, modules/connectors/fedex/karrio/providers/
    fedex/tracking.py). The sandbox's SPOD is one PDF page of 18,150 bytes."""
    notes = ProofNotes()
    spod = read_spod(ok(sample("fedex", "spod-documents-sandbox.json")), notes)
    found = read_track_reply(ok(sample("fedex", "track-delivered.json")), "738488882438")

    proof = track_proof(found, "738488882438", RECEIVED, spod, notes)

    assert proof.signature is not None and proof.document is not None
    assert (proof.signature.kind, proof.signature.media_type) == (AttachmentKind.SIGNATURE, "application/pdf")
    assert (proof.document.kind, proof.document.media_type) == (AttachmentKind.DOCUMENT, "application/pdf")
    assert proof.signature.content().startswith(b"%PDF-1.4") and len(proof.signature.content()) == 18_150
    assert proof.signature.content() == proof.document.content()


def delivered_with_spod(**named: str) -> ProofOfDelivery:
    """FedEx's delivered sample with the sandbox's SPOD, its receiver and signer names replaced by ``named``."""
    track = sample_json("fedex", "track-delivered.json")
    details = track["output"]["completeTrackResults"][0]["trackResults"][0]["deliveryDetails"]
    details.pop("receivedByName")
    details.update(named)
    notes = ProofNotes()
    spod = read_spod(ok(sample("fedex", "spod-documents-sandbox.json")), notes)
    return track_proof(read_track_reply(ok(track), "738488882438"), "738488882438", RECEIVED, spod, notes)


def test_the_spod_of_a_delivery_that_names_no_one_is_the_document_only_and_says_why() -> None:
    """The SPOD holds the recipient's signature "if the signature is available" (track.json,
    ``SPODResponseVO.document``), and FedEx releases parcels without one: this very sample offers
    ``INDIRECT_SIGNATURE_RELEASE``. With neither ``receivedByName`` nor ``signedByName``, no one signed."""
    proof = delivered_with_spod()

    assert proof.received_by is None and proof.signature is None
    assert proof.document is not None and proof.document.media_type == "application/pdf"
    assert [(n.code, n.field) for n in proof.notes] == [(NoteCode.ATTACHMENT_DROPPED, "output.document")]


@pytest.mark.parametrize("field", ["receivedByName", "signedByName"])
def test_the_spod_of_a_delivery_that_names_who_signed_or_received_it_is_its_signature(field: str) -> None:
    """track.json: ``signedByName`` is "the name of the person who signed for the package", ``receivedByName``
    "the name of the person who received the package"."""
    proof = delivered_with_spod(**{field: "CREILLY"})

    assert proof.received_by == "CREILLY"
    assert proof.signature is not None and proof.signature.kind is AttachmentKind.SIGNATURE
    assert proof.notes == ()


def test_a_document_reply_of_another_type_is_no_spod_and_says_so() -> None:
    """We ask for ``SIGNATURE_PROOF_OF_DELIVERY`` only (track.json: "The types of tracking document.<br> Example:
    SIGNATURE_PROOF_OF_DELIVERY"); a reply naming another type is not the recipient's signature."""
    body = sample_json("fedex", "spod-documents-sandbox.json")
    body["output"]["documentType"] = "BILL_OF_LADING"
    notes = ProofNotes()

    assert read_spod(ok(body), notes) is None
    assert [(n.code, n.field) for n in notes.items] == [(NoteCode.ATTACHMENT_DROPPED, "output.documentType")]


def test_the_published_spod_is_read_from_document() -> None:
    body = sample_json("fedex", "spod-document-published.json")
    body["output"]["document"] = sample_json("fedex", "spod-documents-sandbox.json")["output"]["documents"]

    document = read_spod(ok(body), ProofNotes())

    assert document is not None and document.media_type == "application/pdf"  # the bytes say so, not "PNG"


def test_the_published_example_page_is_cut_short_and_dropped_with_a_note() -> None:
    notes = ProofNotes()

    assert read_spod(ok(sample("fedex", "spod-document-published.json")), notes) is None
    [note] = notes.items
    assert (note.code, note.field) == (NoteCode.ATTACHMENT_DROPPED, "output.document[0]")
    assert note.reason == "not valid base64"


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        ("iVBORw0KGgo=", "placeholder"),  # a PNG signature and nothing else
        ("PGI+bm90IGFuIGltYWdlIGF0IGFsbCwgcmVhbGx5IG5vdCBhdCBhbGw8L2I+", "not a"),  # "<b>not an image at all…"
        ("Ayşe", "base64"),
    ],
)
def test_an_unusable_spod_is_dropped_with_a_note_and_the_proof_stays(page: str, reason: str) -> None:
    body = sample_json("fedex", "spod-documents-sandbox.json")
    body["output"]["documents"] = [page]
    notes = ProofNotes()

    document = read_spod(ok(body), notes)
    found = read_track_reply(ok(sample("fedex", "track-delivered.json")), "738488882438")
    proof = track_proof(found, "738488882438", RECEIVED, document, notes)

    assert document is None
    assert (proof.status, proof.received_by) == (ProofStatus.DELIVERED, "CREILLY")
    [note] = proof.notes
    assert (note.code, note.field) == (NoteCode.ATTACHMENT_DROPPED, "output.documents[0]")
    assert reason in note.reason and "Ayşe" not in note.reason


def test_a_spod_reply_that_cannot_be_read_drops_the_document_only() -> None:
    notes = ProofNotes()
    assert read_spod(ok(b"<html>"), notes) is None
    assert [n.code for n in notes.items] == [NoteCode.ATTACHMENT_DROPPED]


def test_a_spod_reply_without_pages_gives_no_document() -> None:
    notes = ProofNotes()
    assert read_spod(ok({"output": {"alerts": [{"code": "TRACKING.DATA.NOTFOUND"}]}}), notes) is None
    assert read_spod(ok({"output": {"documentFormat": "PNG", "document": []}}), notes) is None
    assert notes.items == ()


# --- tables ----------------------------------------------------------------------------------------------------


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
    assert {code for code in enum if RELATION(code) is RecipientRelation.UNKNOWN} == {"OTHER", "RESIDENCE"}
    assert RecipientRelation.RECIPIENT not in {RELATION(code) for code in enum}  # a place's type names no person
    assert RELATION("SHIPPING_RECEIVING") is RecipientRelation.DOORMAN
    assert RELATION("FEDEX_EXPRESS_STATION") is RecipientRelation.UNKNOWN  # in the spec's example, not its enum


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("OC", ProofStatus.PRE_TRANSIT),  # the first scan of every sandbox capture
        ("PU", ProofStatus.IN_TRANSIT),
        ("OD", ProofStatus.IN_TRANSIT),  # track-out-for-delivery.json
        ("FD", ProofStatus.IN_TRANSIT),  # track-duplicate-results.json, the older shipment
        ("HL", ProofStatus.IN_TRANSIT),  # ready for pickup at a FedEx location
        ("DE", ProofStatus.FAILED_ATTEMPT),  # track-failed-attempt.json
        ("DL", ProofStatus.DELIVERED),
        ("RS", ProofStatus.RETURNED),
        ("Q9", ProofStatus.UNKNOWN),
    ],
)
def test_latest_status_codes_are_normalised(code: str, status: ProofStatus) -> None:
    assert parse_track_response(ok(one_result({"code": code})), "1", RECEIVED).status is status


def test_the_derived_code_stands_in_when_the_code_is_missing() -> None:
    proof = parse_track_response(ok(one_result({"derivedCode": "IN"})), "1", RECEIVED)
    assert (proof.status, proof.status_code) == (ProofStatus.PRE_TRANSIT, "IN")


def test_signed_by_name_stands_in_when_received_by_name_is_missing() -> None:
    body = sample_json("fedex", "track-delivered.json")
    details = body["output"]["completeTrackResults"][0]["trackResults"][0]["deliveryDetails"]
    details |= {"receivedByName": "", "signedByName": "J.SMITH"}
    assert parse_track_response(ok(body), "738488882438", RECEIVED).received_by == "J.SMITH"


# --- package weight --------------------------------------------------------------------------------------------


def test_the_package_weight_is_read_in_grams_from_the_kg_entry_with_the_shipment_s_package_count() -> None:
    proof = parsed("track-delivered.json", "738488882438")

    assert (proof.weight_grams, proof.package_count) == (13_060, 1)  # "13.06" KG, "count": "1"


def test_a_package_of_a_multi_piece_shipment_says_its_weight_is_one_package_s_of_several() -> None:
    first = parsed("track-multi-package.json", "738488882438")
    second = parsed("track-multi-package.json", "738488882449")

    assert (first.weight_grams, first.package_count) == (13_060, 2)  # "sequenceNumber": "1", "count": "2"
    assert (second.weight_grams, second.package_count) == (13_060, 2)  # "sequenceNumber": "2"


@pytest.mark.parametrize("count", [None, "", "two", "0", "-2", "2.5", "²", 2])
def test_a_weight_without_a_readable_package_count_is_not_kept(count: object) -> None:
    body = sample_json("fedex", "track-delivered.json")
    details = body["output"]["completeTrackResults"][0]["trackResults"][0]["packageDetails"]
    details["count"] = count

    proof = parse_track_response(ok(body), "738488882438", RECEIVED)

    assert (proof.weight_grams, proof.package_count) == (None, None)


def test_a_weight_only_in_pounds_is_converted_and_a_bad_entry_is_ignored() -> None:
    reply = one_result({"code": "DL"})
    [group] = reply["output"]["completeTrackResults"]  # type: ignore[index]
    group["trackResults"][0]["packageDetails"] = {"count": "1", "weightAndDimensions": {"weight": [
        {"value": "heavy", "unit": "KG"}, {"value": "28.8", "unit": "LB"}, {"value": "5", "unit": "STONE"},
    ]}}

    proof = parse_track_response(HttpResponse(200, {}, json.dumps(reply).encode()), "1", RECEIVED)

    assert proof.weight_grams == 13_063  # 28.8 lb


def test_a_reply_without_package_details_has_no_weight() -> None:
    body = json.dumps(one_result({"code": "DL"})).encode()

    assert parse_track_response(HttpResponse(200, {}, body), "1", RECEIVED).weight_grams is None
