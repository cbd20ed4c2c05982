"""MNG's mapping against its public reply samples (``tests/fixtures/carriers/mng``): every expected value
below is read off the sample by hand, never produced by the mapping."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import SecretStr
from structlog.testing import capture_logs

from carriers.auth import ClientCredentials
from carriers.errors import CarrierAuthError, MalformedResponse
from carriers.http import HttpRequest, HttpResponse
from carriers.mng.mapping import (
    build_shipment_request,
    build_token_request,
    build_track_request,
    read_events,
    read_shipment,
    read_token,
    shipment_proof,
)
from carriers.mng.settings import MngSettings
from carriers.status import UNMAPPED
from schemas.proof import NoteCode, PackageState, ProofOfDelivery, ProofSource, ProofStatus
from schemas.proof import RecipientRelation as R
from tests.unit.carriers.conftest import GATEWAY_404, HTML_404, RECEIVED, ok
from tests.unit.carriers.properties import sample, sample_json

SETTINGS = MngSettings(
    base_url="https://testapi.mngkargo.com.tr/mngapi/api",
    api_client=ClientCredentials(client_id=SecretStr("ibm-id"), client_secret=SecretStr("ibm-secret")),
    customer_number="332211",
    password=SecretStr("mng-pass"),
)
REF = "SIPARIS-001"  # the samples' referenceId
CLIENT_HEADERS = {"x-ibm-client-id": "ibm-id", "x-ibm-client-secret": "ibm-secret", "Accept": "application/json"}


def utc(day: int, hour: int, minute: int, second: int) -> datetime:
    return datetime(2019, 2, day, hour, minute, second, tzinfo=UTC)


def reply(name: str) -> HttpResponse:
    return HttpResponse(200, {}, sample("mng", name))


def proof_from(shipment: HttpResponse, track: HttpResponse | None = None, asked: str = REF) -> ProofOfDelivery:
    events = read_events(track) if track is not None else []
    return shipment_proof(read_shipment(shipment, asked), events, asked, RECEIVED)


def delivered_with(**changes: Any) -> HttpResponse:
    """The delivered sample with some of its ``shipment`` fields changed."""
    records = sample_json("mng", "getshipment-delivered.json")
    records[0]["shipment"].update(changes)
    return ok(records)


# --- requests ------------------------------------------------------------------------------------------------


def test_the_token_request_posts_the_customer_account_with_the_client_keys() -> None:
    assert build_token_request(SETTINGS) == HttpRequest(
        "POST",
        "https://testapi.mngkargo.com.tr/mngapi/api/token",
        headers=CLIENT_HEADERS,
        json={"customerNumber": 332211, "password": "mng-pass", "identityType": 1},
    )


def test_a_customer_number_that_is_no_number_is_sent_as_written() -> None:
    settings = SETTINGS.model_copy(update={"customer_number": "MNG-77"})

    assert build_token_request(settings).json["customerNumber"] == "MNG-77"


def test_shipment_and_track_requests_carry_the_client_keys_and_the_bearer_token() -> None:
    shipment = build_shipment_request(SETTINGS, REF, token="jwt")
    track = build_track_request(SETTINGS, "A/B?C", token="jwt")

    assert shipment == HttpRequest(
        "GET",
        "https://testapi.mngkargo.com.tr/mngapi/api/standardqueryapi/getshipment/SIPARIS-001",
        headers={**CLIENT_HEADERS, "Authorization": "Bearer jwt"},
    )
    assert track.url == "https://testapi.mngkargo.com.tr/mngapi/api/standardqueryapi/trackshipment/A%2FB%3FC"


def test_a_shipment_id_is_asked_on_mngs_by_shipment_id_paths() -> None:
    # OmerKilic0/MngKargoIntegration mng.properties: get-shipment-by-shipment-id, track-shipment-by-shipment-id.
    by_id = SETTINGS.model_copy(update={"key": "shipmentId"})

    shipment = build_shipment_request(by_id, "14556546", token="jwt")
    track = build_track_request(by_id, "14556546", token="jwt")

    assert shipment == HttpRequest(
        "GET",
        "https://testapi.mngkargo.com.tr/mngapi/api/standardqueryapi/getshipmentByShipmentId/14556546",
        headers={**CLIENT_HEADERS, "Authorization": "Bearer jwt"},
    )
    assert track.url == "https://testapi.mngkargo.com.tr/mngapi/api/standardqueryapi/trackshipmentByShipmentId/14556546"


def test_the_api_version_header_goes_out_only_when_configured() -> None:
    versioned = SETTINGS.model_copy(update={"api_version": "v1"})

    assert build_shipment_request(versioned, REF, token="jwt").headers["x-api-version"] == "v1"
    assert "x-api-version" not in build_shipment_request(SETTINGS, REF, token="jwt").headers


def test_the_token_reply_gives_the_jwt_with_the_configured_lifetime() -> None:
    grant = read_token(reply("token.json"), 3600)

    assert (grant.access_token, grant.expires_in) == ("test.jwt.token", 3600)


@pytest.mark.parametrize("body", [{"refreshToken": "rt-1"}, {"jwt": ""}, {"jwt": None}])
def test_a_token_reply_without_a_jwt_is_an_authentication_failure(body: object) -> None:
    with pytest.raises(CarrierAuthError, match="no jwt"):
        read_token(ok(body), 3600)


# --- the samples ---------------------------------------------------------------------------------------------


def test_a_delivered_shipment_gives_its_receiver_time_branch_and_history() -> None:
    proof = proof_from(reply("getshipment-delivered.json"), reply("trackshipment-delivered.json"))

    assert (proof.carrier, proof.tracking_number, proof.source, proof.received_at) == (
        "mng", REF, ProofSource.PULL, RECEIVED,
    )
    assert (proof.status, proof.status_code) == (ProofStatus.DELIVERED, "5")
    assert proof.delivered_at == utc(13, 11, 56, 0)  # 13-02-2019 14:56:00 in Istanbul
    assert (proof.received_by, proof.recipient_relation) == ("Sema Kudu", R.RECIPIENT)
    assert proof.courier is not None and proof.courier.unit == "Adana Şube"
    assert (proof.package_number, proof.packages, proof.notes) == (None, (), ())
    assert (proof.signature, proof.photo, proof.location) == (None, None, None)
    assert [(e.code, e.at, e.description, e.location_text) for e in proof.events] == [
        ("1", utc(12, 17, 30, 45), "Gönderi Hazırlandı", "Atalar Şube, İSTANBUL"),
        ("2", utc(12, 20, 10, 2), "Transfer Aşamasında", "İstanbul Aktarma, İSTANBUL"),
        ("4", utc(13, 6, 2, 11), "Alıcı Adresine Yönlendirildi", "Adana Şube, ADANA"),
        ("5", utc(13, 11, 56, 0), "Teslim Edildi", "Adana Şube, ADANA"),
    ]


def test_the_published_track_sample_reads_in_words() -> None:
    proof = proof_from(reply("getshipment-delivered-no-receiver.json"), reply("trackshipment-sample.json"))

    assert [(e.code, e.at, e.location_text) for e in proof.events] == [
        ("1", utc(12, 17, 30, 45), "Atalar Şube, İSTANBUL"),
        ("5", utc(13, 11, 56, 0), "Adana Şube, ADANA"),
    ]


def test_delivered_without_a_receiver_name_is_delivered_at_the_scans_time() -> None:
    proof = proof_from(reply("getshipment-delivered-no-receiver.json"), reply("trackshipment-sample.json"))

    assert (proof.status, proof.delivered_at) == (ProofStatus.DELIVERED, utc(13, 11, 56, 0))
    assert (proof.received_by, proof.recipient_relation) == (None, R.UNKNOWN)


def test_delivered_without_any_history_has_no_delivery_time() -> None:
    proof = proof_from(reply("getshipment-delivered.json"), reply("trackshipment-empty.json"))

    assert (proof.status, proof.delivered_at, proof.received_by, proof.events) == (
        ProofStatus.DELIVERED, None, "Sema Kudu", (),
    )


def test_a_shipment_at_its_delivery_branch_is_in_transit_without_delivery_facts() -> None:
    proof = proof_from(reply("getshipment-in-transit.json"), reply("trackshipment-in-transit.json"))

    assert (proof.status, proof.status_code) == (ProofStatus.IN_TRANSIT, "3")
    assert (proof.delivered_at, proof.received_by, proof.courier) == (None, None, None)
    assert [(e.code, e.at) for e in proof.events][-1] == ("3", utc(13, 4, 41, 37))


def test_a_failed_attempt_keeps_its_reason_on_the_last_scan() -> None:
    proof = proof_from(reply("getshipment-failed-attempt.json"), reply("trackshipment-failed-attempt.json"))

    assert (proof.status, proof.status_code, proof.delivered_at) == (ProofStatus.FAILED_ATTEMPT, "6", None)
    assert [(e.code, e.description) for e in proof.events][-1] == ("6", "Adres bulunamadı")


def test_a_shipment_of_two_pieces_lists_both_pieces_in_its_state() -> None:
    proof = proof_from(reply("getshipment-multi-piece.json"), reply("trackshipment-multi-piece.json"))

    assert (proof.status, proof.package_number) == (ProofStatus.DELIVERED, None)
    assert proof.packages == (
        PackageState(number="SIPARIS-001_PARCA1", status=ProofStatus.DELIVERED, status_code="5"),
        PackageState(number="SIPARIS-001_PARCA2", status=ProofStatus.DELIVERED, status_code="5"),
    )


@pytest.mark.parametrize("order", [1, -1], ids=["as sent", "reversed"])
def test_of_two_records_for_one_reference_the_latest_shipment_is_read(order: int) -> None:
    records = sample_json("mng", "getshipment-duplicate.json")[::order]

    proof = proof_from(ok(records), reply("trackshipment-delivered.json"))

    assert (proof.status, proof.status_code, proof.received_by) == (ProofStatus.DELIVERED, "5", "Sema Kudu")


def test_event_statuses_sent_as_numbers_read_like_words() -> None:
    proof = proof_from(reply("getshipment-delivered.json"), reply("trackshipment-numeric-status.json"))

    assert [(e.code, e.description) for e in proof.events] == [
        ("1", "Gönderi Hazırlandı"),
        ("2", "Transfer Aşamasında"),
        ("4", "Alıcı Adresine Yönlendirildi"),
        ("5", "Teslim Edildi"),
    ]
    assert proof.delivered_at == utc(13, 11, 56, 0)


@pytest.mark.parametrize(
    "response",
    [reply("getshipment-not-found.json"), HttpResponse(404, {}, sample("mng", "error-404-not-found.json"))],
    ids=["empty list", "404"],
)
def test_an_unknown_reference_is_a_not_found_result(response: HttpResponse) -> None:
    assert read_shipment(response, "SIPARIS-404") is None
    proof = shipment_proof(None, [], "SIPARIS-404", RECEIVED)
    assert (proof.status, proof.tracking_number) == (ProofStatus.NOT_FOUND, "SIPARIS-404")


@pytest.mark.parametrize("body", [GATEWAY_404, HTML_404], ids=["gateway", "html"])
def test_a_404_without_mngs_error_envelope_is_no_answer_about_the_shipment_or_its_history(body: bytes) -> None:
    with pytest.raises(MalformedResponse, match="HTTP 404"):
        read_shipment(HttpResponse(404, {}, body), "SIPARIS-404")
    with pytest.raises(MalformedResponse, match="HTTP 404"):
        read_events(HttpResponse(404, {}, body))


def test_a_missing_history_is_no_events() -> None:
    assert read_events(HttpResponse(404, {}, sample("mng", "error-404-not-found.json"))) == []
    assert read_events(reply("trackshipment-empty.json")) == []


# --- regressions: the shapes the old mapping guessed -------------------------------------------------------


def test_the_receiver_is_read_from_deliveryTo_not_from_a_guessed_deliveredTo() -> None:
    guessed = delivered_with(deliveryTo=None, deliveredTo="Ayşe Yılmaz")

    assert proof_from(delivered_with(deliveryTo="Ayşe Yılmaz")).received_by == "Ayşe Yılmaz"
    assert proof_from(guessed).received_by is None


def test_the_status_is_read_from_the_record_nested_under_shipment() -> None:
    flat = [{"referenceId": REF, "shipmentStatusCode": 5, "isDelivered": 1, "deliveryTo": "Sema Kudu"}]

    with pytest.raises(MalformedResponse, match="no record of the asked reference"):
        read_shipment(ok(flat), REF)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (1, ProofStatus.PRE_TRANSIT),  # Gönderi_Hazırlandı: not handed over yet
        (2, ProofStatus.IN_TRANSIT),
        ("3", ProofStatus.IN_TRANSIT),
        (4, ProofStatus.IN_TRANSIT),  # Alıcı_Adresine_Yönlendirildi: out for delivery
        (6, ProofStatus.FAILED_ATTEMPT),
        (7, ProofStatus.RETURNED),  # Geri_Geliyor
        (8, ProofStatus.EXCEPTION),  # Destek_Gerekiyor
    ],
)
def test_status_codes_follow_the_published_dictionary(code: object, expected: ProofStatus) -> None:
    proof = proof_from(delivered_with(shipmentStatusCode=code, isDelivered=0, deliveryTo=""))

    assert (proof.status, proof.status_code, proof.notes) == (expected, str(code), ())


@pytest.mark.parametrize("code", [0, 9, "TESLIM"])
def test_a_code_outside_the_dictionary_is_unknown_kept_noted_and_counted(code: object) -> None:
    before = UNMAPPED[("mng", str(code))]

    with capture_logs() as logs:
        proof = proof_from(delivered_with(shipmentStatusCode=code))

    assert (proof.status, proof.status_code, proof.delivered_at, proof.received_by) == (
        ProofStatus.UNKNOWN, str(code), None, None,
    )
    assert NoteCode.STATUS_UNMAPPED in {note.code for note in proof.notes}
    assert UNMAPPED[("mng", str(code))] == before + 1
    assert any(e["event"] == "carrier_code_unmapped" and e["code"] == str(code) for e in logs)


def test_a_record_of_another_reference_is_never_read() -> None:
    [delivered] = sample_json("mng", "getshipment-delivered.json")
    [in_transit] = sample_json("mng", "getshipment-in-transit.json")
    delivered["shipment"].update(referenceId="SIPARIS-002", shipmentId="99")

    assert proof_from(ok([delivered, in_transit])).status is ProofStatus.IN_TRANSIT
    with pytest.raises(MalformedResponse):
        read_shipment(ok([delivered]), REF)


def test_the_delivery_time_never_comes_from_another_shipments_scan() -> None:
    events = sample_json("mng", "trackshipment-delivered.json")
    events[3]["shipmentId"] = "614118757013"  # the delivered scan belongs to an earlier shipment

    proof = proof_from(reply("getshipment-delivered.json"), ok(events))

    assert (proof.status, proof.delivered_at) == (ProofStatus.DELIVERED, None)
    assert [e.code for e in proof.events] == ["1", "2", "4"]


SHIPMENT_ID = "14556546"  # the samples' shipmentId, on the record and on every trackshipment event


@pytest.mark.parametrize("shipment", ["getshipment-delivered.json", "getshipment-delivered-no-receiver.json"])
def test_asked_by_mngs_shipment_id_the_proof_is_the_one_asked_by_reference(shipment: str) -> None:
    # Both records and every event of trackshipment-delivered.json name SIPARIS-001 and 14556546. The delivery
    # scan (13-02-2019 14:56:00, Adana Şube) names "Sema Kudu", the addressee: with no deliveryTo on the
    # record, that scan's receiver is the receiver.
    proof = proof_from(reply(shipment), reply("trackshipment-delivered.json"), asked=SHIPMENT_ID)

    assert (proof.tracking_number, proof.status, proof.delivered_at) == (
        SHIPMENT_ID, ProofStatus.DELIVERED, utc(13, 11, 56, 0),
    )
    assert (proof.received_by, proof.recipient_relation) == ("Sema Kudu", R.RECIPIENT)
    assert proof.courier is not None and proof.courier.unit == "Adana Şube"
    assert [(e.code, e.at) for e in proof.events] == [
        ("1", utc(12, 17, 30, 45)), ("2", utc(12, 20, 10, 2)), ("4", utc(13, 6, 2, 11)), ("5", utc(13, 11, 56, 0)),
    ]


def test_asked_by_shipment_id_the_events_of_another_shipment_are_still_left_out() -> None:
    events = sample_json("mng", "trackshipment-delivered.json")
    events[3]["shipmentId"] = "614118757013"  # the delivered scan belongs to an earlier shipment

    proof = proof_from(reply("getshipment-delivered.json"), ok(events), asked=SHIPMENT_ID)

    assert (proof.status, proof.delivered_at) == (ProofStatus.DELIVERED, None)
    assert [e.code for e in proof.events] == ["1", "2", "4"]


def test_a_reference_is_matched_whatever_its_case() -> None:
    assert proof_from(reply("getshipment-delivered.json"), asked="siparis-001").status is ProofStatus.DELIVERED


def test_code_five_with_the_delivered_flag_at_zero_is_not_delivered() -> None:
    proof = proof_from(delivered_with(isDelivered=0), reply("trackshipment-delivered.json"))

    assert (proof.status, proof.status_code, proof.delivered_at) == (ProofStatus.UNKNOWN, "5", None)
    assert [note.field for note in proof.notes] == ["shipment.isDelivered"]


@pytest.mark.parametrize(("flag", "expected"), [(1, ProofStatus.DELIVERED), (0, ProofStatus.UNKNOWN)])
def test_without_a_status_code_the_delivered_flag_decides(flag: int, expected: ProofStatus) -> None:
    records = sample_json("mng", "getshipment-delivered.json")
    del records[0]["shipment"]["shipmentStatusCode"]
    records[0]["shipment"]["isDelivered"] = flag

    assert proof_from(ok(records)).status is expected


def test_a_single_object_reply_is_read_as_a_list_of_one() -> None:
    [record] = sample_json("mng", "getshipment-delivered.json")

    assert read_shipment(ok(record), REF) == read_shipment(reply("getshipment-delivered.json"), REF)


def test_an_unreadable_delivery_time_costs_only_that_time() -> None:
    events = sample_json("mng", "trackshipment-delivered.json")
    events[3]["deliveryDateTime"] = "yarın öğlen"

    proof = proof_from(reply("getshipment-delivered.json"), ok(events))

    assert (proof.status, proof.delivered_at) == (ProofStatus.DELIVERED, utc(13, 11, 56, 0))
    assert [(n.code, n.field) for n in proof.notes] == [(NoteCode.FIELD_UNREADABLE, "trackshipment[].deliveryDateTime")]


def test_scans_without_a_readable_time_are_left_out_with_a_note() -> None:
    events = sample_json("mng", "trackshipment-delivered.json")
    events[1]["eventDateTime"] = "31-02-2019 10:00:00"
    del events[2]["eventDateTime"]

    proof = proof_from(reply("getshipment-delivered.json"), ok(events))

    assert [e.code for e in proof.events] == ["1", "5"]
    assert [n.field for n in proof.notes] == ["trackshipment[].eventDateTime"]


def test_a_piece_barcode_that_is_no_identifier_is_left_out_with_a_note() -> None:
    records = sample_json("mng", "getshipment-multi-piece.json")
    records[0]["shipmentPieceList"][1]["barcode"] = "PARCA 2 / ÇANTA"

    proof = proof_from(ok(records))

    assert [p.number for p in proof.packages] == ["SIPARIS-001_PARCA1"]
    assert [n.field for n in proof.notes] == ["shipmentPieceList[].barcode"]


@pytest.mark.parametrize(
    "body",
    [
        "<html>Ayşe</html>".encode(),
        sample("mng", "getshipment-delivered.json")[:200],
        b"",
        json.dumps(["Sema Kudu"]).encode(),
        json.dumps("Sema Kudu").encode(),
        b"null",
    ],
    ids=["html", "truncated", "empty", "list of names", "a name", "null"],
)
def test_a_reply_that_is_not_a_list_of_records_is_malformed_and_names_no_value(body: bytes) -> None:
    with pytest.raises(MalformedResponse) as caught:
        read_shipment(ok(body), REF)
    assert "Sema" not in str(caught.value) and "Ayşe" not in str(caught.value)
    with pytest.raises(MalformedResponse):
        read_events(ok(body))
