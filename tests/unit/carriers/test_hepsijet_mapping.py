"""HepsiJET's mapping against the replies its integration document publishes (``tests/fixtures/carriers/
hepsijet/``). Every expected value below is read off the sample by hand."""

import base64
import copy
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import SecretStr

from carriers.errors import BadRequest, CarrierAuthError, CarrierUnavailable, MalformedResponse
from carriers.hepsijet.mapping import (
    STATUS,
    build_token_request,
    build_track_request,
    build_tracking_request,
    parse_tracking_response,
    read_token,
)
from carriers.hepsijet.settings import HepsijetSettings
from carriers.http import HttpRequest, HttpResponse
from carriers.status import UNMAPPED
from schemas.proof import NoteCode, PackageState, ProofSource, ProofStatus, RecipientRelation
from tests.unit.carriers.conftest import GATEWAY_404, HTML_404, RECEIVED, ok
from tests.unit.carriers.properties import sample, sample_json

SETTINGS = HepsijetSettings(
    base_url="https://integration-apitest.hepsijet.com",
    username="pazaryeri",
    password=SecretStr("ş1fre"),
    apikey=SecretStr("hj-apikey-1"),
)
TR = timezone(timedelta(hours=3))
UNDELIVERED = "5000000879243"  # tracking-undelivered.json
DELIVERED = "3539185854"  # tracking-delivered.json, track-delivered.json (first result)
MASKED = "3539188794"  # track-delivered.json (second result); tracking-attached-parcels.json


def reply(name: str) -> HttpResponse:
    return ok(sample("hepsijet", name))


def parse(name: str, number: str, receiver: str | None = None) -> object:
    return parse_tracking_response(reply(name), number, RECEIVED, reply(receiver) if receiver else None)


def delivered_as(number: str) -> dict[str, object]:
    """``tracking-delivered.json`` about another number (the delivered state of ``track-delivered.json``'s
    second result)."""
    body = sample_json("hepsijet", "tracking-delivered.json")
    body["data"][0] |= {"customerDeliveryNo": number, "barcode": number}
    return body


# --- requests -------------------------------------------------------------------------------------------


def test_the_token_request_is_a_get_with_basic_auth_and_the_apikey() -> None:
    assert build_token_request(SETTINGS) == HttpRequest(
        "GET",
        "https://integration-apitest.hepsijet.com/auth/getToken",
        headers={
            "apikey": "hj-apikey-1",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Authorization": "Basic " + base64.b64encode("pazaryeri:ş1fre".encode()).decode(),
        },
    )


def test_the_tracking_request_posts_under_rest_with_the_token_and_the_apikey() -> None:
    assert build_tracking_request(SETTINGS, UNDELIVERED, token="tok") == HttpRequest(
        "POST",
        "https://integration-apitest.hepsijet.com/rest/deliveryTransaction/getDeliveryTracking",
        headers={"apikey": "hj-apikey-1", "Content-Type": "application/json", "Accept": "application/json",
                 "X-Auth-Token": "tok"},
        json={"deliveries": [{"customerDeliveryNo": UNDELIVERED}]},
    )


def test_the_receiver_request_asks_integration_track_for_the_number() -> None:
    assert build_track_request(SETTINGS, DELIVERED, token="tok") == HttpRequest(
        "POST",
        "https://integration-apitest.hepsijet.com/rest/delivery/integration/track",
        headers={"apikey": "hj-apikey-1", "Content-Type": "application/json", "Accept": "application/json",
                 "X-Auth-Token": "tok"},
        json={"barcodes": [DELIVERED], "isTrackAdded": True},
    )


# --- token ----------------------------------------------------------------------------------------------


def test_the_documented_token_reply_gives_its_token_for_the_configured_lifetime() -> None:
    grant = read_token(reply("token-ok.json"), 3600)
    assert (grant.access_token, grant.expires_in) == ("6322d15d-e3f2-4bea-90a3-d803fef33de8", 3600)


def test_the_documented_bad_login_reply_is_an_auth_error() -> None:
    with pytest.raises(CarrierAuthError, match="no token"):
        read_token(reply("token-fail.json"), 3600)


# --- the published replies, read ---------------------------------------------------------------------------


def test_real_transactions_become_events_all_six_of_them() -> None:
    # The defect: the names read were not HepsiJET's, and 0 of these 6 transactions became events.
    proof = parse("tracking-undelivered.json", UNDELIVERED)
    assert (proof.carrier, proof.tracking_number, proof.source, proof.received_at) == (
        "hepsijet", UNDELIVERED, ProofSource.PULL, RECEIVED
    )
    assert (proof.status, proof.status_code) == (ProofStatus.FAILED_ATTEMPT, "UNDELIVERED")
    assert (proof.delivered_at, proof.received_by, proof.package_number, proof.packages) == (None, None, None, ())
    assert [(e.at, e.code, e.location_text) for e in proof.events] == [
        (datetime(2019, 3, 2, 11, 31, 25, tzinfo=TR), "READY", "HB DEPO Transfer Merkezi"),
        (datetime(2019, 3, 2, 17, 10, 44, tzinfo=TR), "DISPATCHING", "KÜÇÜKÇEKMECE Dağıtım Merkezi"),
        (datetime(2019, 3, 4, 9, 12, 11, tzinfo=TR), "DELIVERING", "Dağıtım Aracında"),
        (datetime(2019, 3, 4, 13, 5, 53, tzinfo=TR), "RETRY", "Dağıtım Aracında"),
        (datetime(2019, 3, 5, 8, 38, 16, tzinfo=TR), "DELIVERING", "Dağıtım Aracında"),
        (datetime(2019, 3, 5, 13, 6, 41, tzinfo=TR), "UNDELIVERED", "Dağıtım Aracında"),
    ]
    assert proof.events[0].description == "Kargoya verildi"
    assert proof.events[3].description == (
        "Teslimat Denemesi - Alıcı Adreste Bulunamadı - (Tekrar Denenecek) — RECIPIENT_NOT_FOUND"
    )
    assert proof.notes == ()


def test_the_real_not_found_reply_is_a_not_found_result() -> None:
    # The defect: {"status":"FAIL","message":"Gönderi numarası bulunamadı."} raised instead.
    proof = parse("tracking-not-found.json", "5000000000000")
    assert (proof.status, proof.tracking_number, proof.events) == (ProofStatus.NOT_FOUND, "5000000000000", ())


def test_a_parcel_out_for_delivery_is_in_transit() -> None:
    proof = parse("tracking-in-transit.json", UNDELIVERED)
    assert (proof.status, proof.status_code, proof.delivered_at) == (ProofStatus.IN_TRANSIT, "DELIVERING", None)
    assert [e.code for e in proof.events] == ["READY", "DISPATCHING", "DELIVERING"]


def test_a_delivered_parcel_takes_its_time_from_the_delivered_step_and_its_receiver_from_integration_track() -> None:
    proof = parse("tracking-delivered.json", DELIVERED, "track-delivered.json")
    assert (proof.status, proof.status_code) == (ProofStatus.DELIVERED, "DELIVERED")
    assert proof.delivered_at == datetime(2018, 11, 15, 12, 53, 29, tzinfo=TR)
    assert proof.received_by == "Hassan Alzubieri"  # the sample's trailing blank dropped
    assert proof.recipient_relation is RecipientRelation.UNKNOWN  # the addressee is "SEDAT YILMAZ"
    assert (proof.signature, proof.photo, proof.location, proof.courier) == (None, None, None, None)
    assert [(e.code, e.description) for e in proof.events] == [
        ("READY", "Kargoya verildi"), ("DELIVERING", "Dağıtıma çıktı"), ("DELIVERED", "TESLİM EDİLDİ")
    ]


def test_a_masked_receiver_is_kept_as_printed_and_taken_from_the_asked_numbers_result() -> None:
    proof = parse_tracking_response(ok(delivered_as(MASKED)), MASKED, RECEIVED, reply("track-delivered.json"))
    assert proof.received_by == "Akın Er******"
    assert proof.recipient_relation is RecipientRelation.UNKNOWN


def test_a_delivery_without_a_named_receiver_has_none() -> None:
    for receiver in ("track-delivered-no-person.json", None):
        proof = parse("tracking-delivered.json", DELIVERED, receiver)
        assert (proof.status, proof.received_by) == (ProofStatus.DELIVERED, None)
        assert proof.delivered_at == datetime(2018, 11, 15, 12, 53, 29, tzinfo=TR)


def test_the_receiver_is_the_addressee_when_the_unmasked_names_agree() -> None:
    body = delivered_as(DELIVERED)
    body["data"][0]["recipientName"] = "HASSAN ALZUBIERI"
    proof = parse_tracking_response(ok(body), DELIVERED, RECEIVED, reply("track-delivered.json"))
    assert proof.recipient_relation is RecipientRelation.RECIPIENT


def test_masked_names_are_never_matched_to_the_addressee() -> None:
    body = delivered_as(MASKED)
    body["data"][0]["recipientName"] = "Akın Er******"
    proof = parse_tracking_response(ok(body), MASKED, RECEIVED, reply("track-delivered.json"))
    assert proof.recipient_relation is RecipientRelation.UNKNOWN


def test_the_delivered_step_of_integration_track_dates_a_delivery_whose_steps_carry_no_time() -> None:
    body = sample_json("hepsijet", "tracking-delivered.json")
    body["data"][0]["transactions"] = []
    proof = parse_tracking_response(ok(body), DELIVERED, RECEIVED, reply("track-delivered.json"))
    assert proof.delivered_at == datetime(2018, 11, 15, 12, 53, 29, tzinfo=TR)


def finalised_later(body: dict, at: str) -> dict:
    """The delivered entry with one more transaction after the hand-over: a FINALIZE_DELIVERY (a transaction type
    of enums.json) that, like every transaction, carries the state the delivery is in after it, DELIVERED."""
    finalised = copy.deepcopy(body["data"][0]["transactions"][-1])
    finalised |= {"transactionType": "FINALIZE_DELIVERY", "transactionDateTime": at}
    body["data"][0]["transactions"].append(finalised)
    return body


def test_the_delivery_time_is_the_hand_over_not_a_later_transaction_in_the_delivered_state() -> None:
    """HepsiJET gives each transaction the state after it (tracking-undelivered.json: the courier's departure
    after a failed attempt still carries RECIPIENT_NOT_FOUND), so a transaction recorded after the delivery says
    DELIVERED too. The parcel was handed over at 12:53:29, the DELIVERY_ATTEMPT that made it DELIVERED (and the
    time of integration/track's DELIVERED step for it), not at the evening's finalisation."""
    handed_over = datetime(2018, 11, 15, 12, 53, 29, tzinfo=TR)
    body = finalised_later(sample_json("hepsijet", "tracking-delivered.json"), "2018-11-15T23:40:02+03:00")
    for receiver in (None, reply("track-delivered.json")):
        proof = parse_tracking_response(ok(body), DELIVERED, RECEIVED, receiver)
        assert (proof.status, proof.delivered_at) == (ProofStatus.DELIVERED, handed_over)
    body["data"][0]["transactions"].reverse()  # HepsiJET's order is not relied on
    assert parse_tracking_response(ok(body), DELIVERED, RECEIVED).delivered_at == handed_over


def test_a_delivery_after_a_return_to_transit_is_dated_by_its_last_hand_over() -> None:
    """Only the last run in the DELIVERED state counts: a parcel DELIVERED, then DELIVERING again (a correction,
    a second parcel's attempt), then DELIVERED was handed over at the second DELIVERED."""
    body = sample_json("hepsijet", "tracking-delivered.json")
    steps = body["data"][0]["transactions"]
    steps += [copy.deepcopy(steps[1]) | {"transactionDateTime": "2018-11-16T09:00:00+03:00"},
              copy.deepcopy(steps[2]) | {"transactionDateTime": "2018-11-16T11:30:00+03:00"}]
    body = finalised_later(body, "2018-11-16T23:40:02+03:00")
    proof = parse_tracking_response(ok(body), DELIVERED, RECEIVED)
    assert proof.delivered_at == datetime(2018, 11, 16, 11, 30, tzinfo=TR)


def test_integration_tracks_delivered_step_dates_the_delivery_when_the_transactions_differ() -> None:
    """integration/track's DELIVERED step is the delivery itself (Hepsiburada's published pair for HJT1000000001:
    the step's time is the tracking reply's deliveredDate); it is preferred to the transactions."""
    body = sample_json("hepsijet", "tracking-delivered.json")
    body["data"][0]["transactions"][-1]["transactionDateTime"] = "2018-11-15T13:10:00+03:00"
    proof = parse_tracking_response(ok(body), DELIVERED, RECEIVED, reply("track-delivered.json"))
    assert proof.delivered_at == datetime(2018, 11, 15, 12, 53, 29, tzinfo=TR)


PUBLISHED = "HJT1000000001"  # tracking-delivered-published.json, track-delivered-published.json


def test_hepsiburadas_published_delivered_pair_gives_the_unmasked_receiver_and_the_delivery_time() -> None:
    """Hepsiburada's published replies for one delivered parcel: the tracking reply masks the taker ("Mehmet K*"),
    integration/track names them ("Mehmet Kürşad"), both at 2023-02-14 18:01:09 +03:00; HepsiJET's line "Teslim
    edildi - Mehmet K* (Kendisi)" says the taker was the addressee in person."""
    proof = parse("tracking-delivered-published.json", PUBLISHED, "track-delivered-published.json")
    assert (proof.status, proof.status_code) == (ProofStatus.DELIVERED, "DELIVERED")
    assert proof.received_by == "Mehmet Kürşad"
    assert proof.delivered_at == datetime(2023, 2, 14, 18, 1, 9, tzinfo=TR)
    assert proof.recipient_relation is RecipientRelation.RECIPIENT
    assert (proof.events, proof.notes) == ((), ())


@pytest.mark.parametrize(
    "receiver",
    [HttpResponse(404, {}, b""), ok(sample("hepsijet", "track-delivered.json")), ok({"status": "OK", "data": []}),
     ok({"status": "OK", "data": [sample_json("hepsijet", "track-delivered-published.json")["data"][0]
                                  | {"details": sample_json("hepsijet", "track-delivered-published.json")["data"][0]
                                     ["details"][:2]}]}),
     None],
    ids=["refused", "other numbers only", "empty", "no delivered step", "not asked"],
)
def test_the_receiver_and_time_named_in_the_tracking_reply_stand_when_integration_track_gives_none(
    receiver: HttpResponse | None,
) -> None:
    """The tracking reply's entry itself names who took the parcel and when (``deliveredPerson``,
    ``deliveredDate``): integration/track refused, or answering without a DELIVERED step for the number, costs
    neither."""
    proof = parse_tracking_response(reply("tracking-delivered-published.json"), PUBLISHED, RECEIVED, receiver)
    assert (proof.status, proof.received_by) == (ProofStatus.DELIVERED, "Mehmet K*")
    assert proof.delivered_at == datetime(2023, 2, 14, 18, 1, 9, tzinfo=TR)
    assert proof.recipient_relation is RecipientRelation.RECIPIENT  # "(Kendisi)", about "Mehmet K*"


def test_the_in_person_word_is_read_only_about_the_receiver_it_names() -> None:
    track = sample_json("hepsijet", "track-delivered-published.json")
    track["data"][0]["details"][-1]["deliveredPerson"] = "Ayşe Demir"  # someone else than "Mehmet K*"
    proof = parse_tracking_response(reply("tracking-delivered-published.json"), PUBLISHED, RECEIVED, ok(track))
    assert (proof.received_by, proof.recipient_relation) == ("Ayşe Demir", RecipientRelation.UNKNOWN)
    body = sample_json("hepsijet", "tracking-delivered-published.json")
    body["data"][0]["lastTransaction"] = "Teslim edildi - Mehmet K* (Komşusu)"  # a neighbour: the policy's word
    proof = parse_tracking_response(ok(body), PUBLISHED, RECEIVED)
    assert (proof.received_by, proof.recipient_relation) == ("Mehmet K*", RecipientRelation.UNKNOWN)


def test_a_receiver_or_time_named_on_an_entry_that_is_not_delivered_is_not_taken() -> None:
    body = sample_json("hepsijet", "tracking-delivered-published.json")
    body["data"][0]["deliveryStatus"] = "RETURNED"
    proof = parse_tracking_response(ok(body), PUBLISHED, RECEIVED, reply("track-delivered-published.json"))
    assert (proof.status, proof.received_by, proof.delivered_at) == (ProofStatus.RETURNED, None, None)
    assert proof.recipient_relation is RecipientRelation.UNKNOWN


def test_an_unreadable_delivered_date_is_noted_and_the_transactions_date_the_delivery() -> None:
    body = sample_json("hepsijet", "tracking-delivered.json")
    body["data"][0] |= {"deliveredPerson": "S*** Y****", "deliveredDate": "dün akşam"}
    proof = parse_tracking_response(ok(body), DELIVERED, RECEIVED)
    assert (proof.received_by, proof.delivered_at) == ("S*** Y****", datetime(2018, 11, 15, 12, 53, 29, tzinfo=TR))
    assert [(n.code, n.field) for n in proof.notes] == [(NoteCode.FIELD_UNREADABLE, "data.deliveredDate")]


# --- the asked number's entry only ------------------------------------------------------------------------


def test_proof_is_never_taken_from_another_delivery_in_the_same_reply() -> None:
    # The delivered entry comes first; the asked, undelivered one second.
    proof = parse("tracking-two-deliveries.json", UNDELIVERED, "track-delivered.json")
    assert (proof.status, proof.status_code, proof.delivered_at, proof.received_by) == (
        ProofStatus.FAILED_ATTEMPT, "UNDELIVERED", None, None
    )
    assert len(proof.events) == 6
    assert parse("tracking-two-deliveries.json", DELIVERED).status is ProofStatus.DELIVERED


def test_a_receiver_named_for_another_number_is_not_taken() -> None:
    track = sample_json("hepsijet", "track-delivered.json")
    track["data"] = track["data"][1:]  # only 3539188794's result
    proof = parse_tracking_response(reply("tracking-delivered.json"), DELIVERED, RECEIVED, ok(track))
    assert (proof.status, proof.received_by) == (ProofStatus.DELIVERED, None)


def test_a_delivery_whose_parcels_differ_is_reported_per_parcel() -> None:
    proof = parse("tracking-attached-parcels.json", MASKED, "track-delivered.json")
    assert (proof.status, proof.status_code, proof.package_number) == (ProofStatus.IN_TRANSIT, "DELIVERING", None)
    assert (proof.delivered_at, proof.received_by) == (None, None)
    assert proof.packages == (
        PackageState(number="3539188794-1", status=ProofStatus.DELIVERED, status_code="DELIVERED"),
        PackageState(number="3539188794-2", status=ProofStatus.IN_TRANSIT, status_code="DELIVERING"),
    )


def test_a_delivery_with_an_unreadable_entry_beside_its_parcel_is_no_answer() -> None:
    """Only the reply's only parcel answers for its delivery alone: here the other entry is not an object (the
    delivery's parcel still on its way, perhaps), so the delivered parcel does not make the delivery delivered."""
    body = sample_json("hepsijet", "tracking-attached-parcels.json")
    body["data"][1] = "damaged"
    with pytest.raises(MalformedResponse):
        parse_tracking_response(ok(body), MASKED, RECEIVED)
    del body["data"][1]
    assert parse_tracking_response(ok(body), MASKED, RECEIVED).status is ProofStatus.DELIVERED


def test_a_parcel_asked_by_its_barcode_is_read_alone_with_its_siblings_beside_it() -> None:
    delivered = parse("tracking-attached-parcels.json", "3539188794-1")
    assert (delivered.status, delivered.package_number) == (ProofStatus.DELIVERED, "3539188794-1")
    assert delivered.delivered_at == datetime(2018, 11, 15, 12, 55, 20, tzinfo=TR)
    assert delivered.packages == (
        PackageState(number="3539188794-2", status=ProofStatus.IN_TRANSIT, status_code="DELIVERING"),
    )
    pending = parse("tracking-attached-parcels.json", "3539188794-2")
    assert (pending.status, pending.package_number, pending.delivered_at) == (
        ProofStatus.IN_TRANSIT, "3539188794-2", None
    )
    assert [p.number for p in pending.packages] == ["3539188794-1"]


def test_the_same_delivery_listed_twice_is_read_from_its_latest_state() -> None:
    older = sample_json("hepsijet", "tracking-in-transit.json")["data"][0]
    newer = sample_json("hepsijet", "tracking-undelivered.json")["data"][0]
    body = {"status": "OK", "data": [newer, older]}
    assert parse_tracking_response(ok(body), UNDELIVERED, RECEIVED).status_code == "UNDELIVERED"
    body["data"] = [older, newer]
    assert parse_tracking_response(ok(body), UNDELIVERED, RECEIVED).status_code == "UNDELIVERED"


def test_an_ok_reply_without_the_asked_number_is_not_found() -> None:
    assert parse("tracking-undelivered.json", DELIVERED).status is ProofStatus.NOT_FOUND
    empty = ok({"status": "OK", "data": []})
    assert parse_tracking_response(empty, DELIVERED, RECEIVED).status is ProofStatus.NOT_FOUND


def test_an_ok_reply_without_data_is_a_parcel_not_yet_with_hepsijet() -> None:
    """Hepsiburada's page on getDeliveryTracking (PROVENANCE.md, ``tracking-no-transaction.json``): "Gönderi
    herhangi bir işlem almadıysa, yalnızca Status "OK" bilgisi dönmektedir" — a parcel that has had no transaction
    yet is answered with ``status`` OK alone. That is HepsiJET's answer: nothing handed over yet."""
    for body in (reply("tracking-no-transaction.json"), ok({"status": "OK", "data": None}), ok({"status": "ok"})):
        proof = parse_tracking_response(body, DELIVERED, RECEIVED)
        assert (proof.status, proof.status_code, proof.tracking_number) == (ProofStatus.PRE_TRANSIT, None, DELIVERED)
        assert (proof.events, proof.delivered_at, proof.received_by, proof.notes) == ((), None, None, ())


# --- statuses ---------------------------------------------------------------------------------------------


def test_every_published_delivery_status_is_mapped_and_only_delivered_is_a_delivery() -> None:
    published = sample_json("hepsijet", "enums.json")["deliveryStatus"]
    assert len(published) == 41
    assert [code for code in published if not STATUS.knows(code)] == []
    assert [code for code in published if STATUS(code) is ProofStatus.DELIVERED] == ["DELIVERED"]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("NEO", ProofStatus.PRE_TRANSIT),
        ("READY", ProofStatus.IN_TRANSIT),
        ("DISPATCHING", ProofStatus.IN_TRANSIT),
        ("DELIVERING", ProofStatus.IN_TRANSIT),
        ("RETRY", ProofStatus.FAILED_ATTEMPT),
        ("UNDELIVERED", ProofStatus.FAILED_ATTEMPT),
        ("REFUSED", ProofStatus.FAILED_ATTEMPT),
        ("PARTIALLY_DELIVERED", ProofStatus.EXCEPTION),
        ("RETURNED", ProofStatus.RETURNED),
        ("CANCELLED", ProofStatus.EXCEPTION),
        ("MISSING", ProofStatus.EXCEPTION),
    ],
)
def test_hepsijet_statuses_are_normalised(code: str, expected: ProofStatus) -> None:
    body = {"status": "OK", "data": [{"customerDeliveryNo": DELIVERED, "deliveryStatus": code}]}
    proof = parse_tracking_response(ok(body), DELIVERED, RECEIVED)
    assert (proof.status, proof.status_code) == (expected, code)


def test_an_unknown_status_is_unknown_with_its_code_kept_noted_and_counted() -> None:
    body = sample_json("hepsijet", "tracking-delivered.json")
    body["data"][0]["deliveryStatus"] = "TELEPORTED"
    before = UNMAPPED[("hepsijet", "TELEPORTED")]
    proof = parse_tracking_response(ok(body), DELIVERED, RECEIVED, reply("track-delivered.json"))
    assert (proof.status, proof.status_code) == (ProofStatus.UNKNOWN, "TELEPORTED")
    assert (proof.delivered_at, proof.received_by) == (None, None)
    assert [(n.code, n.field) for n in proof.notes] == [(NoteCode.STATUS_UNMAPPED, "data.deliveryStatus")]
    assert UNMAPPED[("hepsijet", "TELEPORTED")] == before + 1


def test_without_a_status_of_its_own_an_entry_takes_its_latest_steps() -> None:
    body = sample_json("hepsijet", "tracking-undelivered.json")
    del body["data"][0]["deliveryStatus"]
    body["data"][0]["transactions"].reverse()
    proof = parse_tracking_response(ok(body), UNDELIVERED, RECEIVED)
    assert (proof.status, proof.status_code) == (ProofStatus.FAILED_ATTEMPT, "UNDELIVERED")


# --- refusals and damaged replies --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("detail", "error"),
    [("UNAUTHORIZED", CarrierAuthError), ("SERVER_ERROR", CarrierUnavailable), ("VALIDATION_ERROR", BadRequest)],
)
def test_a_fail_reply_is_refused_by_its_detail_status(detail: str, error: type[Exception]) -> None:
    body = {"status": "FAIL", "detailStatus": detail, "message": "…"}
    with pytest.raises(error):
        parse_tracking_response(ok(body), DELIVERED, RECEIVED)


@pytest.mark.parametrize(("detail", "error"), [("UNAUTHORIZED", CarrierAuthError), ("SERVER_ERROR", CarrierUnavailable)])
def test_a_stated_refusal_is_never_read_as_not_found_from_its_message(detail: str, error: type[Exception]) -> None:
    body = {"status": "FAIL", "detailStatus": detail, "message": "Gönderi numarası bulunamadı."}
    with pytest.raises(error):
        parse_tracking_response(ok(body), DELIVERED, RECEIVED)


def test_a_fail_reply_that_is_not_about_the_number_is_a_bad_request() -> None:
    with pytest.raises(BadRequest, match="BARCODE_EXIST"):
        parse("fail-detail-status.json", DELIVERED)


def test_a_fail_saying_not_found_by_its_detail_status_is_not_found() -> None:
    body = {"status": "FAIL", "detailStatus": "NOT_FOUND", "message": "Not found"}
    assert parse_tracking_response(ok(body), DELIVERED, RECEIVED).status is ProofStatus.NOT_FOUND


def test_a_404_is_not_found_only_when_its_body_says_so() -> None:
    not_found = HttpResponse(404, {}, sample("hepsijet", "tracking-not-found.json"))
    assert parse_tracking_response(not_found, DELIVERED, RECEIVED).status is ProofStatus.NOT_FOUND
    for page in (GATEWAY_404, HTML_404):  # a gateway's or web server's 404 is no answer about the shipment
        with pytest.raises(MalformedResponse, match="HTTP 404"):
            parse_tracking_response(HttpResponse(404, {}, page), DELIVERED, RECEIVED)


@pytest.mark.parametrize(
    "body", [b"<html>502 Bad Gateway</html>", b'{"status": "OK", "data": {"customerDeliveryNo": 1}}', b"[]",
             b'{"data": null}', b'{"message": "OK"}']
)
def test_a_reply_that_is_not_hepsijets_envelope_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedResponse):
        parse_tracking_response(ok(body), DELIVERED, RECEIVED)


@pytest.mark.parametrize("time", ["yarın", "0001-01-01T00:00:00"])  # the second: .NET's DateTime.MinValue, "none"
def test_a_step_with_an_unreadable_time_is_left_out_with_a_note(time: str) -> None:
    body = sample_json("hepsijet", "tracking-undelivered.json")
    body["data"][0]["transactions"][1]["transactionDateTime"] = time
    proof = parse_tracking_response(ok(body), UNDELIVERED, RECEIVED)
    assert [e.code for e in proof.events] == ["READY", "DELIVERING", "RETRY", "DELIVERING", "UNDELIVERED"]
    assert [(n.code, n.field) for n in proof.notes] == [
        (NoteCode.FIELD_UNREADABLE, "data.transactions.1.transactionDateTime")
    ]


def test_an_unreadable_receiver_reply_costs_the_name_only() -> None:
    for receiver in (b"<html>oops</html>", sample("hepsijet", "token-fail.json")):
        proof = parse_tracking_response(reply("tracking-delivered.json"), DELIVERED, RECEIVED, ok(receiver))
        assert (proof.status, proof.received_by) == (ProofStatus.DELIVERED, None)
        assert proof.delivered_at == datetime(2018, 11, 15, 12, 53, 29, tzinfo=TR)
        assert [(n.code, n.field) for n in proof.notes] == [(NoteCode.FIELD_UNREADABLE, "integration/track")]


def test_a_customer_delivery_number_sent_as_a_number_is_read() -> None:
    body = copy.deepcopy(sample_json("hepsijet", "tracking-undelivered.json"))
    body["data"][0] |= {"customerDeliveryNo": 5000000879243, "barcode": None}
    assert parse_tracking_response(ok(body), UNDELIVERED, RECEIVED).status is ProofStatus.FAILED_ATTEMPT


# --- varied by hand from the samples ----------------------------------------------------------------------


@pytest.mark.parametrize("change", [
    lambda body: body | {"status": "FAIL", "message": "Kullanıcı Adı veya Şifre Hatalı"},  # a token, yet FAIL
    lambda body: body | {"data": {k: v for k, v in body["data"].items() if k != "token"}},  # OK, without a token
], ids=["token-but-fail", "ok-without-token"])
def test_a_token_reply_that_failed_or_carries_no_token_is_an_auth_error(change) -> None:
    body = change(sample_json("hepsijet", "token-ok.json"))
    with pytest.raises(CarrierAuthError, match="no token"):
        read_token(ok(body), 3600)


def test_of_two_delivered_steps_in_integration_track_the_latest_names_the_receiver_and_dates_the_delivery() -> None:
    track = sample_json("hepsijet", "track-delivered.json")
    earlier = {"transactionLocation": "Alıcıda", "transactionDate": "2018-11-14T18:20:00+03:00",
               "integrationStatus": "DELIVERED", "deliveredPerson": "Komşu Veli"}
    track["data"][0]["details"].append(earlier)  # listed last, but a day before the sample's own delivered step
    body = sample_json("hepsijet", "tracking-delivered.json")
    body["data"][0]["transactions"] = []  # so the delivered time comes from integration/track

    proof = parse_tracking_response(ok(body), DELIVERED, RECEIVED, ok(track))

    assert proof.received_by == "Hassan Alzubieri"
    assert proof.delivered_at == datetime(2018, 11, 15, 12, 53, 29, tzinfo=TR)


def test_an_entry_whose_number_cannot_name_a_package_is_left_out_of_the_delivery() -> None:
    body = sample_json("hepsijet", "tracking-attached-parcels.json")
    body["data"].append(copy.deepcopy(body["data"][0]) | {"barcode": "3539188794/3"})  # a number with a slash

    proof = parse_tracking_response(ok(body), MASKED, RECEIVED)

    assert (proof.status, proof.status_code) == (ProofStatus.IN_TRANSIT, "DELIVERING")
    assert proof.packages == (
        PackageState(number="3539188794-1", status=ProofStatus.DELIVERED, status_code="DELIVERED"),
        PackageState(number="3539188794-2", status=ProofStatus.IN_TRANSIT, status_code="DELIVERING"),
    )
