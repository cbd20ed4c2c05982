"""Cross-border carriers' real proof-of-delivery payloads, mapped by their own carrier packages: the names they write
are read as names, and a place in another country than the order's address speaks against delivery. Sources:
tests/fixtures/carriers/*/PROVENANCE.md."""

import json
import pathlib
from datetime import UTC, datetime, timedelta

from carriers.dhl.mapping import parse_track_response as dhl_track
from carriers.fedex.documents import read_spod
from carriers.fedex.mapping import read_track_reply, track_proof
from carriers.http import HttpResponse
from carriers.parsing import ProofNotes
from carriers.ups.mapping import parse_track_response as ups_track
from disputes.policy import CustomerHistory, PolicySettings, recommend
from disputes.policy.findings import name_finding
from disputes.policy.receivers import read_receiver
from schemas.dispute import Evidence
from schemas.proof import ProofOfDelivery, RecipientRelation
from schemas.recommendation import PolicyRule
from schemas.recommendation import RecommendedAction as Act
from tests.unit.policy.builders import dispute

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures" / "carriers"
SETTINGS = PolicySettings()


def _fedex(name: str, *, received_by_name: str | None = None, location_type: str | None = None) -> ProofOfDelivery:
    """karrio's verbatim live FedEx reply (track-delivered.json: 738488882438, delivered, receivedByName "CREILLY"),
    with FedEx's sandbox SPOD (spod-documents-sandbox.json, a PDF) as its signature proof."""
    reply = json.loads((FIXTURES / "fedex" / name).read_text())
    result = reply["output"]["completeTrackResults"][0]["trackResults"][0]
    if received_by_name is not None:
        result["deliveryDetails"]["receivedByName"] = received_by_name
    if location_type is not None:
        result["deliveryDetails"]["locationType"] = location_type
    number = reply["output"]["completeTrackResults"][0]["trackingNumber"]
    found = read_track_reply(HttpResponse(200, {}, json.dumps(reply).encode()), number)
    notes = ProofNotes()
    spod = read_spod(HttpResponse(200, {}, (FIXTURES / "fedex" / "spod-documents-sandbox.json").read_bytes()), notes)
    return track_proof(found, number, datetime(2024, 8, 21, tzinfo=UTC), spod, notes)


def _case(proof: ProofOfDelivery, recipient: str, **address: object):
    """A case on the order of tests/factories.py (delivered in Kadıköy, İstanbul), for `recipient`, with the
    carrier's delivery time as the order's and the claim a day later."""
    assert proof.delivered_at is not None
    case = dispute(Evidence(key="ev-1", proof=proof.model_copy(update={"received_at": proof.delivered_at + timedelta(days=1)})))
    order = case.order.model_copy(update={
        "recipient_name": recipient, "buyer_name": recipient, "delivered_at": proof.delivered_at,
        "placed_at": proof.delivered_at - timedelta(days=5),
        "address": case.order.address.model_copy(update=address),
    })
    return case.model_copy(update={"order": order, "opened_at": proof.delivered_at + timedelta(days=1)})


# --- FedEx names who signed as initial + surname run together ------------------------------------------------


def test_fedex_initial_and_surname_run_together_match_like_the_dotted_form() -> None:
    """FedEx's live replies write the signer as initial + surname: "CREILLY" (karrio track-delivered.json),
    "EHILFERDING" (track-returned.json) and, dotted, "D.HERRERA" (track-duplicate-results.json). The dotted form
    matches its person; the same convention without the dot should too."""
    dotted = _case(_fedex("track-delivered.json", received_by_name="C.REILLY"), "Colleen Reilly")
    run_together = _case(_fedex("track-delivered.json"), "Colleen Reilly")  # verbatim "CREILLY"
    assert name_finding(dotted.evidence[0], dotted.order, SETTINGS).code == "recipient_name_matches"
    assert name_finding(run_together.evidence[0], run_together.order, SETTINGS).code == "recipient_name_matches"


def test_a_fedex_signer_with_a_short_surname_is_not_read_as_a_stranger() -> None:
    """Mehmet Öz signs for a FedEx parcel; FedEx writes him "MOZ" (its initial + surname form). The policy should
    not call that a name matching nobody and bill the carrier for a delivery its SPOD shows signed."""
    case = _case(_fedex("track-delivered.json", received_by_name="MOZ"), "Mehmet Öz", country="US")  # delivered there
    advice = recommend(case, CustomerHistory(), case.opened_at + timedelta(hours=1), SETTINGS)
    assert "recipient_name_mismatch" not in {f.code for f in advice.findings}, advice.findings
    assert not (advice.rule is PolicyRule.WEAK_PROOF and advice.carrier_liable)


# --- Turkish courier words read into foreign carriers' names ------------------------------------------------------


def _dhl_signed_by(given: str, family: str) -> ProofOfDelivery:
    """DHL Express's delivered shipment (express-delivered-signed.json), signed by the Person given (the published
    definition's `Person{givenName, familyName}`, as in DHL's own example `John`/`Doe`)."""
    reply = json.loads((FIXTURES / "dhl" / "express-delivered-signed.json").read_text())
    reply["shipments"][0]["details"]["proofOfDelivery"]["signed"].update(givenName=given, familyName=family, name=given)
    return dhl_track(HttpResponse(200, {}, json.dumps(reply).encode()), "1297318621", datetime(2021, 4, 27, tzinfo=UTC))


def test_a_signer_called_alicia_is_read_as_a_name_not_as_alici_with_a_dative_ending() -> None:
    """"ALICIA" is a first name, not Turkish ALICI ("the addressee") + dative: Turkish writes ALICIYA after a vowel."""
    case = _case(_dhl_signed_by("Alicia", "Keys"), "Alicia Keys")
    assert name_finding(case.evidence[0], case.order, SETTINGS).code == "recipient_name_matches"


# --- a delivery abroad -------------------------------------------------------------------------------------------


def test_a_fedex_pickup_point_in_another_country_is_no_place_the_customer_is_sent_to_check() -> None:
    """karrio's verbatim FedEx reply delivers in Blue Point, NY, US (`actualDeliveryAddress.countryCode` "US"), here at
    a FedEx location (`locationType` FEDEX_LOCATION, a value of the spec's enum): for an order to Kadıköy, İstanbul,
    the place is abroad, which speaks against delivery (weak proof, the carrier liable), and the customer is not
    sent to check at a pickup point in New York."""
    case = _case(_fedex("track-delivered.json", location_type="FEDEX_LOCATION"), "Colleen Reilly")
    assert case.evidence[0].proof.location.country == "US"
    advice = recommend(case, CustomerHistory(), case.opened_at + timedelta(hours=1), SETTINGS)
    abroad = next(f for f in advice.findings if f.code == "location_abroad")
    assert abroad.text == "Delivered in another country (US) than the order's address (TR)"
    assert (advice.action, advice.rule, advice.carrier_liable) == (Act.REFUND, PolicyRule.WEAK_PROOF, True)
    assert advice.customer_message is None


def test_a_dhl_delivery_in_another_country_speaks_against_delivery_to_the_order_address() -> None:
    """DHL Express's live delivered shipment (its status at EAST ELMHURST, its destination NEW YORK, NY - EAST ELMHURST
    - USA), signed by the person of DHL's published example, for an order to that person in İstanbul."""
    case = _case(_dhl_signed_by("John", "Doe"), "John Doe")
    assert case.evidence[0].proof.location.country == "US"
    advice = recommend(case, CustomerHistory(), case.opened_at + timedelta(hours=1), SETTINGS)
    assert "location_abroad" in {f.code for f in advice.findings}
    assert advice.rule is PolicyRule.WEAK_PROOF


def test_a_delivery_in_the_order_s_own_country_is_weighed_as_before() -> None:
    case = _case(_dhl_signed_by("John", "Doe"), "John Doe", country="US")
    advice = recommend(case, CustomerHistory(), case.opened_at + timedelta(hours=1), SETTINGS)
    assert "location_abroad" not in {f.code for f in advice.findings}
    assert "location_words_only" in {f.code for f in advice.findings}



def test_ups_names_the_delivery_place_s_country() -> None:
    """Tracking.yaml's example delivery in Wayne, NJ 07470, US (track-delivered-signature-photo.json)."""
    reply = (FIXTURES / "ups" / "track-delivered-signature-photo.json").read_bytes()
    proof = ups_track(HttpResponse(200, {}, reply), "1Z023E2X0214323462", datetime(2021, 2, 11, tzinfo=UTC))
    assert proof.location is not None and proof.location.country == "US"


def test_a_signer_abroad_called_esi_is_a_name_not_turkish_esi_the_spouse() -> None:
    """"Esi" (an Akan first name) folds to Turkish EŞİ ("his/her spouse"). Delivered in New York, the field is a name:
    the addressee who signed herself is not read as a household member."""
    case = _case(_dhl_signed_by("Esi", "Mensah"), "Esi Mensah", country="US")
    assert read_receiver(case.evidence[0].proof).relation is not RecipientRelation.HOUSEHOLD_MEMBER
    assert name_finding(case.evidence[0], case.order, SETTINGS).code == "recipient_name_matches"
    advice = recommend(case, CustomerHistory(), case.opened_at + timedelta(hours=1), SETTINGS)
    assert advice.action is not Act.WAIT_FOR_CUSTOMER_CHECK
