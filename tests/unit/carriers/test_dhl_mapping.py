"""DHL Unified tracking replies (public samples in tests/fixtures/carriers/dhl/) → canonical proof.

Expected values are read off the samples by hand; see the fixtures' PROVENANCE.md for where each comes from.
"""

import copy
import json
from datetime import datetime, timedelta, timezone, UTC
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from carriers.dhl.mapping import build_track_request, parse_track_response
from carriers.dhl.settings import DhlSettings
from carriers.dhl.webhook import parse_push
from carriers.errors import MalformedResponse
from carriers.http import HttpRequest, HttpResponse
from carriers.status import UNMAPPED
from disputes.errors import SignatureRequired
from disputes.model import Dispute
from disputes.policy import PolicySettings
from disputes.policy.findings import signature_finding
from schemas.common import Outcome
from schemas.dispute import Evidence, ReasonCode
from schemas.proof import (
    Attachment,
    AttachmentKind,
    NoteCode,
    PackageState,
    ProofOfDelivery,
    ProofStatus,
    RecipientRelation,
)
from tests.factories import INVESTIGATOR, NOW
from tests.unit.carriers.conftest import GATEWAY_404, HTML_404, RECEIVED, ok
from tests.unit.carriers.properties import sample, sample_json
from tests.unit.policy.builders import HIGH_VALUE, dispute

SETTINGS = DhlSettings(api_key=SecretStr("dhl-key"))
ISTANBUL, BERLIN, KARACHI = ZoneInfo("Europe/Istanbul"), ZoneInfo("Europe/Berlin"), ZoneInfo("Asia/Karachi")
EPOD_DELIVERED = (
    "https://webpod.dhl.com/webPOD/DHLePODRequest?hwb=a%2FWPGBbwKAuAhUodE78X3Q%3D%3D&pudate=tXMCnmf%2BbnPg9tzxoYCXdQ"
    "%3D%3D&appuid=4L5D0s%2BN1GZjoQHER9S9XA%3D%3D&language=en&country=G0"
)
PIECES = ("JD014600012592400513", "JD014600012592400514", "JD014600012592400515", "JD014600012592400516")


def parse(name: str, number: str, status: int = 200) -> ProofOfDelivery:
    return parse_track_response(HttpResponse(status, {}, sample("dhl", name)), number, RECEIVED)


def notes_of(proof: ProofOfDelivery) -> set[tuple[NoteCode, str]]:
    return {(note.code, note.field) for note in proof.notes}


def test_the_track_request_sends_the_number_as_a_query_with_the_api_key_header() -> None:
    assert build_track_request(SETTINGS, "1297318621") == HttpRequest(
        "GET",
        "https://api-eu.dhl.com/track/shipments",
        headers={"DHL-API-Key": "dhl-key", "Accept": "application/json"},
        params={"trackingNumber": "1297318621"},
    )


# --- delivered ------------------------------------------------------------------------------------------------


def test_a_delivered_express_shipment_carries_its_epod_document_and_place() -> None:
    proof = parse("express-three-numbers.json", "1297318621")

    assert (proof.status, proof.status_code) == (ProofStatus.DELIVERED, "delivered")
    assert proof.delivered_at == datetime(2021, 4, 26, 11, 42, tzinfo=UTC)  # a time in the USA: no one zone, noted
    assert proof.document == Attachment(kind=AttachmentKind.DOCUMENT, url=EPOD_DELIVERED)
    assert proof.location is not None and proof.location.address == "EAST ELMHURST"
    assert (proof.package_number, proof.packages) == (None, ())
    assert len(proof.events) == 15
    first, last = proof.events[0], proof.events[-1]
    assert (first.at, first.code, first.description) == (
        datetime(2021, 4, 22, 16, 41, tzinfo=KARACHI),  # "KARACHI - PAKISTAN"
        "unknown",
        "Shipment picked up",
    )
    assert (last.at, last.description, last.location_text) == (
        datetime(2021, 4, 26, 11, 42, tzinfo=UTC),
        "Delivered",
        "EAST ELMHURST",
    )


def test_the_epod_page_as_signature_link_is_the_document_only_when_dhl_names_no_signer() -> None:
    """DHL's definition 1.5.8 (``ProofOfDelivery``): signatureUrl is "The link to related electronic signature",
    documentUrl "The link to related electronic proof of delivery document". The live Express reply gives its
    ePOD page as both, with ``signed.name`` "Delivered" (DHL's status word, no one) and no
    proofOfDeliverySignedAvailable: nothing says anyone signed, so the page is no signature."""
    proof = parse("express-three-numbers.json", "1297318621")

    assert (proof.received_by, proof.signature) == (None, None)
    assert proof.document == Attachment(kind=AttachmentKind.DOCUMENT, url=EPOD_DELIVERED)
    assert (NoteCode.ATTACHMENT_DROPPED, "details.proofOfDelivery.signatureUrl") in notes_of(proof)


def test_the_epod_page_as_signature_link_is_the_signature_and_the_document_when_dhl_names_the_signer() -> None:
    proof = parse("express-delivered-signed.json", "1297318621")  # signed: John Doe

    assert proof.received_by == "John Doe"
    assert proof.signature == Attachment(kind=AttachmentKind.SIGNATURE, url=EPOD_DELIVERED)
    assert proof.document == Attachment(kind=AttachmentKind.DOCUMENT, url=EPOD_DELIVERED)
    assert (NoteCode.ATTACHMENT_DROPPED, "details.proofOfDelivery.signatureUrl") not in notes_of(proof)


def test_the_epod_page_as_signature_link_is_the_signature_when_dhl_says_signer_identification_is_available() -> None:
    """Definition 1.5.8: proofOfDeliverySignedAvailable is "'Yes' if signer identification is available"."""
    reply = sample_json("dhl", "express-three-numbers.json")
    delivered = next(s for s in reply["shipments"] if s["id"] == "1297318621")
    delivered["details"]["proofOfDeliverySignedAvailable"] = True

    proof = parse_track_response(ok(reply), "1297318621", RECEIVED)

    assert proof.received_by is None  # the name is still DHL's status word
    assert proof.signature == Attachment(kind=AttachmentKind.SIGNATURE, url=EPOD_DELIVERED)
    assert proof.document == Attachment(kind=AttachmentKind.DOCUMENT, url=EPOD_DELIVERED)


def test_a_signature_link_is_no_signature_when_dhl_says_no_signer_identification_is_available() -> None:
    """DHL (definition 1.5.8): proofOfDeliverySignedAvailable is "'Yes' if signer identification is available". The
    public sample's signatureUrl, a proview notification link, comes with it false."""
    reply = sample_json("dhl", "express-transit-pod-links.json")
    reply["shipments"][0]["status"]["statusCode"] = "delivered"

    proof = parse_track_response(ok(reply), "7777777770", RECEIVED)

    assert proof.status is ProofStatus.DELIVERED and proof.signature is None
    assert proof.document == Attachment(
        kind=AttachmentKind.DOCUMENT, url="https://proview.dhl.com/proview/adhocnotify?id=vQg5"
    )
    assert (NoteCode.ATTACHMENT_DROPPED, "details.proofOfDelivery.signatureUrl") in notes_of(proof)


def test_dhls_status_word_in_the_signer_slot_is_no_name() -> None:
    proof = parse("express-three-numbers.json", "1297318621")  # signed: {"@type": "Person", "name": "Delivered"}

    assert proof.received_by is None
    assert (NoteCode.FIELD_UNREADABLE, "details.proofOfDelivery.signed") in notes_of(proof)


def test_a_named_signer_is_the_receiver() -> None:
    proof = parse("express-delivered-signed.json", "1297318621")

    assert (proof.received_by, proof.recipient_relation) == ("John Doe", RecipientRelation.UNKNOWN)


def test_a_signer_who_is_the_addressee_is_the_recipient() -> None:
    reply = sample_json("dhl", "express-delivered-signed.json")
    reply["shipments"][0]["details"]["receiver"] = {"@type": "Person", "givenName": "John", "familyName": "Doe"}

    proof = parse_track_response(ok(reply), "1297318621", RECEIVED)

    assert (proof.received_by, proof.recipient_relation) == ("John Doe", RecipientRelation.RECIPIENT)


def test_a_signer_named_as_the_addressee_in_turkish_capitals_is_the_recipient() -> None:
    reply = sample_json("dhl", "express-delivered-signed.json")
    reply["shipments"][0]["details"]["receiver"] = {"@type": "Person", "name": "AYŞE YILMAZ"}
    reply["shipments"][0]["details"]["proofOfDelivery"]["signed"] = {"@type": "Person", "name": "Ayşe Yılmaz"}

    proof = parse_track_response(ok(reply), "1297318621", RECEIVED)

    assert (proof.received_by, proof.recipient_relation) == ("Ayşe Yılmaz", RecipientRelation.RECIPIENT)


def test_a_parcel_delivered_without_proof_has_its_time_in_the_places_zone() -> None:
    proof = parse("parcel-de-delivered.json", "470800204932")

    assert (proof.status, proof.status_code) == (ProofStatus.DELIVERED, "delivered")
    assert proof.delivered_at == datetime(2023, 3, 13, 9, 50, tzinfo=BERLIN)  # destination DE
    assert (proof.received_by, proof.signature, proof.document) == (None, None, None)
    assert proof.location is not None and proof.location.address == "Deutschland"
    assert [e.code for e in proof.events] == ["transit", "pre-transit", *["transit"] * 7, "delivered"]
    assert proof.events[-1].description == "Die Sendung wurde zugestellt."
    assert proof.notes == ()


# --- not delivered ------------------------------------------------------------------------------------------


def test_a_proof_of_delivery_time_on_a_shipment_not_delivered_is_no_delivery_time() -> None:
    """DHL's published example: statusCode pre-transit, yet proofOfDelivery.timestamp and signed are set."""
    proof = parse("express-spec-example.json", "7777777770")

    assert (proof.status, proof.status_code) == (ProofStatus.PRE_TRANSIT, "pre-transit")
    assert (proof.delivered_at, proof.received_by, proof.signature, proof.document) == (None, None, None, None)
    [event] = proof.events
    assert (event.at, event.code, event.description) == (
        datetime(2018, 3, 2, 7, 53, 47, tzinfo=ZoneInfo("Europe/Amsterdam")),  # no offset, placed in NL
        "pre-transit",
        "JESSICA",
    )
    assert event.location_text == "Oderweg 2, AMSTERDAM, 1043 AG, NL"


def test_pod_links_on_a_returned_shipment_are_not_evidence_of_delivery() -> None:
    proof = parse("express-three-numbers.json", "7837361350")

    assert (proof.status, proof.status_code) == (ProofStatus.RETURNED, "failure")  # "Returned to shipper"
    assert (proof.delivered_at, proof.signature, proof.document, proof.location) == (None, None, None, None)
    assert [e.description for e in proof.events][-2:] == [
        "Arrived at Sort Facility DUBAI - UNITED ARAB EMIRATES",
        "Returned to shipper",
    ]


def test_a_delivered_shipment_flagged_as_returned_is_returned_without_delivery_facts() -> None:
    """DHL (definition 1.5.8, ``ReturnFlag``): "A flag whether the delivery is returned back to consignor"."""
    reply = sample_json("dhl", "parcel-de-delivered.json")
    reply["shipments"][0]["returnFlag"] = True

    proof = parse_track_response(ok(reply), "470800204932", RECEIVED)

    assert (proof.status, proof.status_code) == (ProofStatus.RETURNED, "delivered")
    assert (proof.delivered_at, proof.received_by, proof.location) == (None, None, None)


def test_a_pushed_delivery_flagged_as_returned_is_returned() -> None:
    body = sample_json("dhl", "push-delivered.json")
    body["shipments"][0]["returnFlag"] = True

    [event] = parse_push(json.dumps(body).encode(), RECEIVED)

    assert (event.proof.status, event.proof.delivered_at, event.proof.document) == (ProofStatus.RETURNED, None, None)


def pushed(name: str) -> ProofOfDelivery:
    """The proof of DHL's push of sample ``name`` (a push carries the tracking reply's shipments)."""
    [event] = parse_push(sample("dhl", name), RECEIVED)
    return event.proof


def rejected_by_an_investigator(proof: ProofOfDelivery) -> Dispute:
    """A high-value order's case holding ``proof``, which an investigator rejects on the proof of delivery."""
    case = dispute(Evidence(key="push:dhl", proof=proof), value_minor=HIGH_VALUE)
    case.decide(INVESTIGATOR, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "Teslim edildi.", None, NOW,
                high_value_minor=PolicySettings().high_value_minor)
    return case


def test_a_pushed_epod_page_that_names_no_signer_reads_as_no_signature() -> None:
    """DHL's push sample sends its ePOD page as both links, with ``signed.name`` "Delivered": DHL's status word."""
    proof = pushed("push-delivered.json")

    assert (proof.received_by, proof.signature) == (None, None) and proof.document is not None
    assert signature_finding(Evidence(key="push:dhl", proof=proof)).code == "signature_missing"


def test_an_investigator_may_not_reject_a_high_value_parcel_on_an_epod_page_that_names_no_signer() -> None:
    """README ("Deciding against..."): rejecting a high-value order needs a signature in the carrier's proof, else a
    supervisor with an override reason."""
    with pytest.raises(SignatureRequired):
        rejected_by_an_investigator(pushed("push-delivered.json"))


def test_an_investigator_may_reject_a_high_value_parcel_on_an_epod_page_that_names_the_signer() -> None:
    body = sample_json("dhl", "push-delivered.json")
    body["shipments"][0]["details"]["proofOfDelivery"]["signed"] = {"@type": "Person", "name": "Ayşe Yılmaz"}
    [event] = parse_push(json.dumps(body).encode(), RECEIVED)

    case = rejected_by_an_investigator(event.proof)

    assert case.decision is not None and case.decision.outcome is Outcome.REJECTED


def test_a_return_flag_that_is_no_boolean_is_read_as_absent() -> None:
    reply = sample_json("dhl", "parcel-de-delivered.json")
    reply["shipments"][0]["returnFlag"] = "maybe"

    assert parse_track_response(ok(reply), "470800204932", RECEIVED).status is ProofStatus.DELIVERED


def test_pod_links_in_transit_are_not_evidence_of_delivery() -> None:
    proof = parse("express-transit-pod-links.json", "7777777770")

    assert (proof.status, proof.status_code) == (ProofStatus.IN_TRANSIT, "transit")
    assert (proof.signature, proof.document) == (None, None)
    [event] = proof.events  # "Shipment picked up" has no time
    assert event.description == "Arrived at DHL Delivery Facility NUREMBERG - GERMANY"


def test_an_ecommerce_shipment_in_transit_keeps_every_timed_scan() -> None:
    proof = parse("ecommerce-in-transit.json", "GMDBD8E9CCE94842E495B7")

    assert (proof.status, proof.status_code, proof.delivered_at) == (ProofStatus.IN_TRANSIT, "transit", None)
    assert len(proof.events) == 8
    assert (proof.events[0].code, proof.events[0].description) == ("unknown", "LABEL CREATED")
    assert proof.events[-1].at == datetime(2023, 1, 29, 16, 2, tzinfo=ZoneInfo("Europe/London"))  # DHL's "UK"


def test_a_scan_in_a_country_of_several_zones_is_not_read_in_the_destination_s_zone() -> None:
    """DHL (definition 1.5.8): a time without offset is local to the event's place. Whittier, CA is not London:
    with no zone known for the United States, the scan is read as UTC and the proof says it may be hours off."""
    proof = parse("ecommerce-in-transit.json", "GMDBD8E9CCE94842E495B7")

    assert datetime(2023, 1, 23, 8, 52, 15, tzinfo=UTC) in [event.at for event in proof.events]
    assert datetime(2023, 1, 20, 10, 21, 25, tzinfo=ZoneInfo("Europe/London")) in [event.at for event in proof.events]
    assert [(note.code, note.field) for note in proof.notes] == [(NoteCode.FIELD_UNREADABLE, "events.timestamp")]


def test_an_express_scan_is_read_in_the_zone_of_the_country_its_place_names() -> None:
    """Express writes no countryCode, but the country's name after the place ("KARACHI - PAKISTAN"); a place naming
    no country ("EAST ELMHURST") is read in its destination's ("NEW YORK, NY - USA"): the United States have no one
    zone, so the delivery is read as UTC and the proof says it may be hours off."""
    proof = parse("express-three-numbers.json", "1297318621")
    at = {(event.description, event.location_text): event.at for event in proof.events}

    assert at["Processed at KARACHI - PAKISTAN", "KARACHI - PAKISTAN"] == datetime(2021, 4, 22, 21, 26, tzinfo=KARACHI)
    assert at["Processed at BRUSSELS - BELGIUM", "BRUSSELS - BELGIUM"] == datetime(
        2021, 4, 23, 18, 53, tzinfo=ZoneInfo("Europe/Brussels")
    )
    assert at["Delivered", "EAST ELMHURST"] == datetime(2021, 4, 26, 11, 42, tzinfo=UTC)
    assert [(note.code, note.field) for note in proof.notes if note.field == "events.timestamp"] == [
        (NoteCode.FIELD_UNREADABLE, "events.timestamp")
    ]


def test_a_returned_express_shipment_s_scans_are_read_where_they_happened() -> None:
    proof = parse("express-three-numbers.json", "7837361350")

    assert [(event.at, event.location_text) for event in proof.events][-2:] == [
        (datetime(2021, 5, 4, 15, 53, tzinfo=ZoneInfo("Asia/Dubai")), "DUBAI - UNITED ARAB EMIRATES"),
        (datetime(2021, 5, 4, 17, 47, tzinfo=KARACHI), "KARACHI - PAKISTAN"),
    ]


# --- which shipment and which piece -------------------------------------------------------------------------


def test_a_reply_about_other_numbers_never_answers_for_the_number_asked() -> None:
    assert parse("express-three-numbers.json", "1600370450").status is ProofStatus.RETURNED
    assert parse("express-three-numbers.json", "4191468945").status is ProofStatus.NOT_FOUND


def test_a_piece_the_delivery_scan_leaves_out_is_not_delivered_with_its_shipment() -> None:
    proof = parse("express-four-pieces.json", PIECES[2])

    assert (proof.status, proof.package_number) == (ProofStatus.UNKNOWN, PIECES[2])
    assert (proof.delivered_at, proof.signature, proof.document) == (None, None, None)
    assert proof.packages == (
        PackageState(number=PIECES[0], status=ProofStatus.DELIVERED, status_code="delivered"),
        PackageState(number=PIECES[1], status=ProofStatus.DELIVERED, status_code="delivered"),
        PackageState(number=PIECES[3], status=ProofStatus.UNKNOWN),
    )


def test_a_piece_the_delivery_scan_names_is_delivered() -> None:
    proof = parse("express-four-pieces.json", PIECES[0])

    assert (proof.status, proof.package_number) == (ProofStatus.DELIVERED, PIECES[0])
    # delivered in New York, a place of no single zone: read as UTC and noted, never as Istanbul's time
    assert proof.delivered_at == datetime(2026, 5, 6, 14, 31, tzinfo=UTC)
    assert (NoteCode.FIELD_UNREADABLE, "status.timestamp") in notes_of(proof)
    assert [p.number for p in proof.packages] == [PIECES[1], PIECES[2], PIECES[3]]


def test_a_shipment_asked_by_its_waybill_is_not_delivered_while_its_delivery_scan_leaves_pieces_out() -> None:
    # The sample's only "Delivered" scan names two of the shipment's four pieces (QUANWEIRU/Logistics_order).
    proof = parse("express-four-pieces.json", "4191468945")

    assert (proof.status, proof.package_number) == (ProofStatus.UNKNOWN, None)
    assert (proof.delivered_at, proof.signature, proof.document, proof.received_by) == (None, None, None, None)
    assert [(p.number, p.status) for p in proof.packages] == [
        (PIECES[0], ProofStatus.DELIVERED),
        (PIECES[1], ProofStatus.DELIVERED),
        (PIECES[2], ProofStatus.UNKNOWN),
        (PIECES[3], ProofStatus.UNKNOWN),
    ]


@pytest.mark.parametrize("named", [PIECES, None], ids=["every piece named", "no piece named"])
def test_a_shipment_asked_by_its_waybill_is_delivered_when_its_delivery_scan_covers_every_piece(named) -> None:
    # express-four-pieces.json varied by hand: the delivery scan names all four pieces, or none (then it covers all).
    body = sample_json("dhl", "express-four-pieces.json")
    body["shipments"][0]["events"][0]["pieceIds"] = named

    proof = parse_track_response(ok(body), "4191468945", RECEIVED)

    assert (proof.status, proof.package_number) == (ProofStatus.DELIVERED, None)
    assert proof.signature == Attachment(kind=AttachmentKind.SIGNATURE, url="https://example/sig.png")
    assert [(p.number, p.status) for p in proof.packages] == [(piece, ProofStatus.DELIVERED) for piece in PIECES]


def split_delivery() -> dict:
    """express-four-pieces.json varied by hand: the two pieces its 14:31 "Delivered" scan leaves out were
    delivered that morning, in a "Delivered" scan of their own (a copy of the sample's, at 10:05)."""
    body = sample_json("dhl", "express-four-pieces.json")
    events = body["shipments"][0]["events"]
    events.insert(1, events[0] | {"timestamp": "2026-05-06T10:05:00", "pieceIds": PIECES[2:]})
    return body


def test_a_shipment_delivered_in_two_scans_is_delivered_asked_by_its_waybill() -> None:
    proof = parse_track_response(ok(split_delivery()), "4191468945", RECEIVED)

    assert (proof.status, proof.package_number) == (ProofStatus.DELIVERED, None)
    assert proof.delivered_at == datetime(2026, 5, 6, 14, 31, tzinfo=UTC)  # the status: the last piece's delivery
    assert proof.signature == Attachment(kind=AttachmentKind.SIGNATURE, url="https://example/sig.png")
    assert [(p.number, p.status) for p in proof.packages] == [(piece, ProofStatus.DELIVERED) for piece in PIECES]


def test_a_piece_delivered_before_the_latest_scan_is_delivered_at_its_own_scans_time() -> None:
    proof = parse_track_response(ok(split_delivery()), PIECES[2], RECEIVED)

    assert (proof.status, proof.package_number) == (ProofStatus.DELIVERED, PIECES[2])
    assert proof.delivered_at == datetime(2026, 5, 6, 10, 5, tzinfo=UTC)  # New York: no single zone, read as UTC
    assert [(p.number, p.status) for p in proof.packages] == [
        (PIECES[0], ProofStatus.DELIVERED), (PIECES[1], ProofStatus.DELIVERED), (PIECES[3], ProofStatus.DELIVERED),
    ]


def test_a_scan_that_delivers_nothing_leaves_a_piece_of_a_delivered_shipment_undelivered() -> None:
    # As split_delivery, but the morning scan for the pieces left out is "Departure from facility": only the
    # 14:31 scan delivers, and it names two pieces, so the waybill stands as the third piece.
    body = sample_json("dhl", "express-four-pieces.json")
    events = body["shipments"][0]["events"]
    events.insert(1, events[1] | {"timestamp": "2026-05-06T10:05:00", "pieceIds": PIECES[2:]})

    proof = parse_track_response(ok(body), "4191468945", RECEIVED)

    assert (proof.status, proof.delivered_at) == (ProofStatus.UNKNOWN, None)
    assert [(p.number, p.status) for p in proof.packages] == [
        (PIECES[0], ProofStatus.DELIVERED),
        (PIECES[1], ProofStatus.DELIVERED),
        (PIECES[2], ProofStatus.UNKNOWN),
        (PIECES[3], ProofStatus.UNKNOWN),
    ]


def test_of_two_entries_for_one_number_the_latest_status_wins() -> None:
    proof = parse("duplicate-results.json", "470800204932")  # a stale pre-transit entry comes first

    assert (proof.status, proof.delivered_at) == (ProofStatus.DELIVERED, datetime(2023, 3, 13, 9, 50, tzinfo=BERLIN))


# --- tolerance ----------------------------------------------------------------------------------------------


def test_a_placeholder_signature_link_is_dropped_and_the_rest_of_the_proof_stays() -> None:
    reply = sample_json("dhl", "express-spec-example.json")  # signatureUrl is the placeholder "string"
    reply["shipments"][0]["status"]["statusCode"] = "delivered"

    proof = parse_track_response(ok(reply), "7777777770", RECEIVED)

    assert proof.signature is None
    assert proof.document == Attachment(
        kind=AttachmentKind.DOCUMENT, url="https://webpod.dhl.com/webPOD/DHLePODRequest"
    )
    assert (proof.received_by, proof.recipient_relation) == ("John Doe", RecipientRelation.RECIPIENT)
    assert proof.delivered_at == datetime(2018, 3, 2, 7, 53, 47, tzinfo=UTC)  # the status's own time
    assert (NoteCode.ATTACHMENT_DROPPED, "details.proofOfDelivery.signatureUrl") in notes_of(proof)


def test_an_unknown_status_code_is_kept_noted_and_counted() -> None:
    reply = sample_json("dhl", "parcel-de-delivered.json")
    reply["shipments"][0]["status"]["statusCode"] = "held-at-customs"
    before = UNMAPPED[("dhl", "HELD-AT-CUSTOMS")]

    proof = parse_track_response(ok(reply), "470800204932", RECEIVED)

    assert (proof.status, proof.status_code, proof.delivered_at) == (ProofStatus.UNKNOWN, "held-at-customs", None)
    assert (NoteCode.STATUS_UNMAPPED, "status.statusCode") in notes_of(proof)
    assert UNMAPPED[("dhl", "HELD-AT-CUSTOMS")] == before + 1


def test_an_unreadable_event_costs_that_event_only() -> None:
    reply = sample_json("dhl", "parcel-de-delivered.json")
    reply["shipments"][0]["events"][1] = {"timestamp": "yesterday", "statusCode": "transit"}
    reply["shipments"][0]["events"][2] = ["not", "an", "event"]

    proof = parse_track_response(ok(reply), "470800204932", RECEIVED)

    assert proof.status is ProofStatus.DELIVERED and len(proof.events) == 8
    assert {(NoteCode.FIELD_UNREADABLE, "events.1.timestamp"), (NoteCode.FIELD_UNREADABLE, "events.2")} <= notes_of(
        proof
    )


def test_a_time_with_an_offset_is_taken_as_written() -> None:
    reply = sample_json("dhl", "parcel-de-delivered.json")
    reply["shipments"][0]["status"]["timestamp"] = "2023-03-13T09:50:00+02:00"

    proof = parse_track_response(ok(reply), "470800204932", RECEIVED)

    assert proof.delivered_at == datetime(2023, 3, 13, 9, 50, tzinfo=timezone(timedelta(hours=2)))


@pytest.mark.parametrize("written", ["0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00"])  # the latter in Istanbul
def test_a_delivery_time_with_no_instant_in_utc_costs_that_time_only(written: str) -> None:
    reply = sample_json("dhl", "parcel-de-delivered.json")
    reply["shipments"][0]["status"]["timestamp"] = written

    proof = parse_track_response(ok(reply), "470800204932", RECEIVED)
    assert (proof.status, proof.delivered_at) == (ProofStatus.DELIVERED, None)
    assert [(n.code, n.field) for n in proof.notes] == [(NoteCode.FIELD_UNREADABLE, "status.timestamp")]


def test_an_entry_without_an_id_beside_the_asked_numbers_unreadable_one_is_no_answer() -> None:
    """Only the reply's only entry answers without an id: here the entry naming the number is not DHL's shape, so
    the reply says nothing readable about it (the other entry's delivery may be another parcel's)."""
    mine = sample_json("dhl", "parcel-de-delivered.json")["shipments"][0]
    other = {**copy.deepcopy(mine), "id": None}
    damaged = {**copy.deepcopy(mine), "destination": {"address": False}}
    with pytest.raises(MalformedResponse):
        parse_track_response(ok({"shipments": [damaged, other]}), "470800204932", RECEIVED)
    assert parse_track_response(ok({"shipments": [other]}), "470800204932", RECEIVED).status is ProofStatus.DELIVERED


@pytest.mark.parametrize("body", [GATEWAY_404, HTML_404, b'{"title":"Not Found","status":404}'],
                         ids=["gateway", "html", "problem naming no shipment"])
def test_a_404_that_is_not_dhls_no_shipment_problem_is_no_answer_about_the_shipment(body: bytes) -> None:
    with pytest.raises(MalformedResponse, match="HTTP 404"):
        parse_track_response(HttpResponse(404, {}, body), "8264715546", RECEIVED)


def test_a_404_or_no_shipments_means_not_found() -> None:
    assert parse("not-found.json", "8264715546", status=404).status is ProofStatus.NOT_FOUND
    assert parse_track_response(ok({"shipments": []}), "8264715546", RECEIVED).status is ProofStatus.NOT_FOUND


@pytest.mark.parametrize(
    "body",
    [b"<html>Service Unavailable</html>", json.dumps({"shipments": {"id": "1"}}).encode(), b"[]"],
    ids=["not JSON", "shipments not a list", "not an object"],
)
def test_a_reply_without_dhls_shape_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedResponse):
        parse_track_response(HttpResponse(200, {}, body), "470800204932", RECEIVED)


def test_each_piece_takes_its_state_from_the_scans_that_name_it() -> None:
    # express-four-pieces.json varied by hand: the delivery scan states DHL's code for its two pieces, and a scan
    # the evening before names only the third piece, in transit (statusCode as in ecommerce-in-transit.json).
    body = sample_json("dhl", "express-four-pieces.json")
    events = body["shipments"][0]["events"]
    events[0]["statusCode"] = "delivered"
    events.insert(1, {
        "timestamp": "2026-05-05T20:00:00", "statusCode": "transit", "description": "Arrived at facility",
        "location": {"address": {"addressLocality": "CINCINNATI HUB - USA"}}, "pieceIds": [PIECES[2]],
    })

    proof = parse_track_response(ok(body), PIECES[0], RECEIVED)

    assert (proof.status, proof.package_number) == (ProofStatus.DELIVERED, PIECES[0])
    assert proof.packages == (
        PackageState(number=PIECES[1], status=ProofStatus.DELIVERED, status_code="delivered"),
        PackageState(number=PIECES[2], status=ProofStatus.UNKNOWN, status_code="transit"),
        PackageState(number=PIECES[3], status=ProofStatus.UNKNOWN),
    )


@pytest.mark.parametrize(
    ("locality", "at_utc"),
    [
        # express-four-pieces.json's own spelling of its origin (HONG KONG, UTC+8): the country after the comma
        ("HONG KONG - HONG KONG, HONG KONG", datetime(2026, 5, 4, 2, 0, tzinfo=UTC)),
        ("SEOUL - KOREA, REPUBLIC OF (SOUTH K.)", datetime(2026, 5, 4, 1, 0, tzinfo=UTC)),  # as DHL Express writes it
        # a country named that no table knows: read as UTC (and noted), never in the destination's zone
        ("ATLANTIS - NOWHERELAND", datetime(2026, 5, 4, 10, 0, tzinfo=UTC)),
    ],
)
def test_an_origin_scan_is_read_in_its_own_country_s_zone(locality: str, at_utc: datetime) -> None:
    # express-four-pieces.json varied by hand: bound for Istanbul (UTC+3), a pickup scan at 10:00 local time whose
    # place is named by its locality alone
    body = sample_json("dhl", "express-four-pieces.json")
    body["shipments"][0]["destination"]["address"] = {"addressLocality": "ISTANBUL - TURKEY"}
    body["shipments"][0]["events"].append({
        "timestamp": "2026-05-04T10:00:00", "location": {"address": {"addressLocality": locality}},
        "description": "Shipment picked up",
    })

    proof = parse_track_response(ok(body), "4191468945", RECEIVED)

    [pickup] = [event for event in proof.events if event.description == "Shipment picked up"]
    assert pickup.at == at_utc
