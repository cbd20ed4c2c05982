from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from carriers.dhl.mapping import build_track_request, parse_track_response
from carriers.dhl.settings import DhlSettings
from carriers.errors import MalformedResponse
from carriers.http import HttpRequest, HttpResponse
from schemas.proof import Attachment, AttachmentKind, ProofStatus, RecipientRelation
from tests.unit.carriers.conftest import RECEIVED, ok

SETTINGS = DhlSettings(api_key=SecretStr("dhl-key"))
NUMBER = "7777777770"


def delivered(example: dict) -> dict:
    """The spec example with a delivered status and a real signature link, as a delivered shipment reads."""
    shipment = example["shipments"][0]
    shipment["status"]["statusCode"] = "delivered"
    shipment["details"]["proofOfDelivery"]["signatureUrl"] = "https://webpod.dhl.com/signature/7777777770.png"
    return example


def test_the_track_request_sends_the_number_as_a_query_with_the_api_key_header() -> None:
    assert build_track_request(SETTINGS, NUMBER) == HttpRequest(
        "GET",
        "https://api-eu.dhl.com/track/shipments",
        headers={"DHL-API-Key": "dhl-key", "Accept": "application/json"},
        params={"trackingNumber": NUMBER},
    )


def test_the_spec_example_maps_faithfully(payloads) -> None:
    proof = parse_track_response(ok(payloads.json("dhl/shipments-example.json")), NUMBER, RECEIVED)
    assert (proof.carrier, proof.tracking_number, proof.status) == ("dhl", NUMBER, ProofStatus.PRE_TRANSIT)
    assert proof.delivered_at == datetime(2018, 9, 5, 16, 33, tzinfo=UTC)  # proofOfDelivery.timestamp
    assert proof.received_by == "John Doe"
    assert proof.recipient_relation is RecipientRelation.RECIPIENT  # signer and receiver are the same person
    assert proof.signature is None  # the example's signatureUrl is the placeholder "string"
    assert proof.document == Attachment(
        kind=AttachmentKind.DOCUMENT, url="https://webpod.dhl.com/webPOD/DHLePODRequest"
    )
    assert proof.location is None  # a location is only kept for a delivered status
    [event] = proof.events
    assert (event.at, event.code) == (datetime(2018, 3, 2, 7, 53, 47, tzinfo=UTC), "pre-transit")
    assert event.location_text == "Oderweg 2, AMSTERDAM, 1043 AG, NL"


def test_a_delivered_shipment_carries_signature_link_and_delivery_place(payloads) -> None:
    proof = parse_track_response(ok(delivered(payloads.json("dhl/shipments-example.json"))), NUMBER, RECEIVED)
    assert proof.status is ProofStatus.DELIVERED
    assert proof.signature is not None and proof.signature.url == "https://webpod.dhl.com/signature/7777777770.png"
    assert proof.location is not None and proof.location.address == "Oderweg 2, AMSTERDAM, 1043 AG, NL"


def test_without_a_pod_timestamp_the_delivered_status_time_is_used(payloads) -> None:
    example = delivered(payloads.json("dhl/shipments-example.json"))
    del example["shipments"][0]["details"]["proofOfDelivery"]
    proof = parse_track_response(ok(example), NUMBER, RECEIVED)
    assert proof.delivered_at == datetime(2018, 3, 2, 7, 53, 47, tzinfo=UTC)
    assert (proof.received_by, proof.recipient_relation) == (None, RecipientRelation.UNKNOWN)


def test_a_signer_other_than_the_receiver_is_of_unknown_relation(payloads) -> None:
    example = payloads.json("dhl/shipments-example.json")
    example["shipments"][0]["details"]["proofOfDelivery"]["signed"] = {"name": "JESSICA"}
    proof = parse_track_response(ok(example), NUMBER, RECEIVED)
    assert (proof.received_by, proof.recipient_relation) == ("JESSICA", RecipientRelation.UNKNOWN)


@pytest.mark.parametrize("code", ["pre-transit", "transit", "delivered", "failure", "unknown", "brand-new"])
def test_each_status_code_is_normalised(code: str) -> None:
    expected = {
        "pre-transit": ProofStatus.PRE_TRANSIT,
        "transit": ProofStatus.IN_TRANSIT,
        "delivered": ProofStatus.DELIVERED,
        "failure": ProofStatus.FAILED_ATTEMPT,
    }.get(code, ProofStatus.UNKNOWN)
    body = {"shipments": [{"id": NUMBER, "status": {"statusCode": code}}]}
    assert parse_track_response(ok(body), NUMBER, RECEIVED).status is expected


def test_the_shipment_for_the_number_asked_for_wins() -> None:
    body = {
        "shipments": [
            {"id": "other", "status": {"statusCode": "transit"}},
            {"id": 7777777770, "status": {"statusCode": "delivered"}},
        ]
    }
    assert parse_track_response(ok(body), NUMBER, RECEIVED).status is ProofStatus.DELIVERED


def test_a_404_or_no_shipments_means_not_found(payloads) -> None:
    not_found = HttpResponse(404, {}, payloads.raw("dhl/not-found.json"))
    assert parse_track_response(not_found, NUMBER, RECEIVED).status is ProofStatus.NOT_FOUND
    assert parse_track_response(ok({"shipments": []}), NUMBER, RECEIVED).status is ProofStatus.NOT_FOUND


@pytest.mark.parametrize(
    "body",
    [
        {"shipments": {"id": NUMBER}},
        {"shipments": [{"events": [{"timestamp": "yesterday", "statusCode": "transit"}]}]},
        {"shipments": [{"details": {"proofOfDelivery": {"signed": {"name": 7}}}}]},
    ],
    ids=["shipments not a list", "bad timestamp", "wrong type"],
)
def test_malformed_responses_are_rejected(body: object) -> None:
    with pytest.raises(MalformedResponse):
        parse_track_response(ok(body), NUMBER, RECEIVED)
