"""Aras Kargo ``GetQueryJSON``: the request, and every sample in ``tests/fixtures/carriers/aras`` read into a
proof. Expected values are written from the samples by hand."""

import json
from datetime import UTC, datetime

import pytest
from defusedxml.ElementTree import fromstring
from pydantic import SecretStr
from structlog.testing import capture_logs

from carriers.aras.mapping import ACTION, NAMESPACE, build_query_request, parse_query_response
from carriers.aras.settings import ArasSettings
from carriers.errors import CarrierAuthError, CarrierUnavailable, MalformedResponse
from carriers.http import HttpResponse
from carriers.soap import ENVELOPE_NS
from carriers.status import UNMAPPED
from schemas.proof import NoteCode, ProofSource, ProofStatus, RecipientRelation
from tests.unit.carriers.conftest import RECEIVED
from tests.unit.carriers.properties import sample

SETTINGS = ArasSettings(
    base_url="https://customerservicestest.araskargo.com.tr",
    username="aras<user>",
    password=SecretStr("p&ss"),
    customer_code="1234567",
)
CODE = "100"  # the samples' integration code (MUSTERI_OZEL_KODU)
TRACKING = "5392379038335"  # the samples' Aras tracking number (KARGO_TAKIP_NO)
DELIVERED_AT = datetime(2015, 2, 22, 12, 31, 5, tzinfo=UTC)  # 22.02.2015 14:31:05 in Istanbul (UTC+2 then)


def parse(name: str, number: str = CODE):
    return parse_query_response(HttpResponse(200, {}, sample("aras", name)), number, RECEIVED)


def document(payload: object) -> HttpResponse:
    """A GetQueryJSON reply carrying ``payload`` as its JSON document."""
    raw = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    escaped = raw.replace("&", "&amp;").replace("<", "&lt;")
    return HttpResponse(200, {}, (
        f'<s:Envelope xmlns:s="{ENVELOPE_NS}"><s:Body><GetQueryJSONResponse xmlns="{NAMESPACE}">'
        f"<GetQueryJSONResult>{escaped}</GetQueryJSONResult></GetQueryJSONResponse></s:Body></s:Envelope>"
    ).encode())


def cargo(**fields: object) -> HttpResponse:
    return document({"QueryResult": {"Cargo": {"MUSTERI_OZEL_KODU": CODE, **fields}}})


# --- the request ---------------------------------------------------------------------------------------------


def test_the_query_carries_login_and_query_documents_as_escaped_strings() -> None:
    request = build_query_request(SETTINGS, CODE)
    assert request.url == (
        "https://customerservicestest.araskargo.com.tr"
        "/ArasCargoCustomerIntegrationService/ArasCargoIntegrationService.svc"
    )
    assert request.headers()["SOAPAction"] == '"http://tempuri.org/IArasCargoIntegrationService/GetQueryJSON"'
    [body] = list(fromstring(request.envelope()))
    [operation] = list(body)
    assert operation.tag == "{http://tempuri.org/}GetQueryJSON"
    login, query = list(operation)
    assert (login.tag, query.tag) == ("{http://tempuri.org/}loginInfo", "{http://tempuri.org/}queryInfo")
    login_info, query_info = fromstring(login.text), fromstring(query.text)
    assert (login_info.tag, query_info.tag) == ("LoginInfo", "QueryInfo")
    assert [(c.tag, c.text) for c in login_info] == [
        ("UserName", "aras<user>"), ("Password", "p&ss"), ("CustomerCode", "1234567"),
    ]
    assert [(c.tag, c.text) for c in query_info] == [("QueryType", "1"), ("IntegrationCode", CODE)]
    assert ACTION.endswith("/GetQueryJSON")


# --- every sample --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", [CODE, TRACKING], ids=["integration code", "aras tracking number"])
def test_a_delivery_with_its_receiver(number: str) -> None:
    proof = parse("delivered.xml", number)

    assert (proof.carrier, proof.tracking_number, proof.status_code) == ("aras", number, "6")
    assert proof.status is ProofStatus.DELIVERED
    assert proof.delivered_at == DELIVERED_AT
    assert (proof.received_by, proof.recipient_relation) == ("NEBAHAT YILMAZ", RecipientRelation.RECIPIENT)
    assert proof.courier is not None and (proof.courier.name, proof.courier.unit) == (None, "MURATPAŞA")
    assert (proof.signature, proof.photo, proof.document, proof.location) == (None, None, None, None)
    assert (proof.package_number, proof.packages, proof.notes) == (None, (), ())
    assert (proof.source, proof.received_at) == (ProofSource.PULL, RECEIVED)
    [event] = proof.events
    assert (event.at, event.code, event.description) == (DELIVERED_AT, "6", "TESLİM EDİLDİ")


def test_a_delivery_without_receiver_or_time_of_day_has_neither() -> None:
    proof = parse("delivered-no-receiver.xml")

    assert (proof.status, proof.status_code) == (ProofStatus.DELIVERED, "6")
    assert (proof.delivered_at, proof.received_by, proof.recipient_relation) == (None, None, RecipientRelation.UNKNOWN)
    assert (proof.events, proof.notes) == ((), ())


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [
        ("in-transit.xml", ProofStatus.IN_TRANSIT, "2"),
        ("redirected.xml", ProofStatus.IN_TRANSIT, "7"),
        ("failed-attempt.xml", ProofStatus.FAILED_ATTEMPT, "3"),  # DEVIR_KODU NT: a note left at the door
    ],
)
def test_a_parcel_on_its_way(name: str, status: ProofStatus, code: str) -> None:
    proof = parse(name)

    assert (proof.status, proof.status_code, proof.delivered_at, proof.received_by) == (status, code, None, None)
    assert proof.courier is not None and proof.courier.unit == "MURATPAŞA"
    assert proof.events == ()


def test_a_partial_delivery_is_no_delivery() -> None:
    proof = parse("partial-delivery.xml")  # DURUM_KODU 5 of ADET 3, TESLIM_ALAN filled

    assert (proof.status, proof.status_code) == (ProofStatus.EXCEPTION, "5")
    assert (proof.delivered_at, proof.received_by, proof.recipient_relation) == (None, None, RecipientRelation.UNKNOWN)
    [event] = proof.events
    assert (event.at, event.code, event.description) == (DELIVERED_AT, "5", "PARÇALI TESLİMAT")


def test_a_return_delivered_to_the_sender_is_returned_not_delivered() -> None:
    proof = parse("returned.xml")  # TIP_KODU 3 with DURUM_KODU 6, TESLIM_ALAN NEODYUM (the sender)

    assert (proof.status, proof.status_code) == (ProofStatus.RETURNED, "6")
    assert (proof.delivered_at, proof.received_by) == (None, None)
    [event] = proof.events
    assert event.at == datetime(2015, 2, 27, 8, 5, 12, tzinfo=UTC)


@pytest.mark.parametrize(("number", "status"), [(CODE, ProofStatus.IN_TRANSIT), ("101", ProofStatus.DELIVERED)])
def test_of_several_records_only_the_asked_numbers_is_read(number: str, status: ProofStatus) -> None:
    proof = parse("several-records.xml", number)  # 101 (delivered) first, then ours, 100, in transit

    assert (proof.tracking_number, proof.status) == (number, status)
    if number == CODE:
        assert (proof.delivered_at, proof.received_by, proof.events) == (None, None, ())


def test_of_two_waybills_for_one_code_the_latest_is_read() -> None:
    proof = parse("duplicate-records.xml")  # a redirected waybill of 18.02, then the one delivered on 22.02

    assert (proof.status, proof.delivered_at) == (ProofStatus.DELIVERED, DELIVERED_AT)


def test_asked_by_the_older_waybills_number_only_that_waybill_is_read() -> None:
    proof = parse("duplicate-records.xml", "9093773579276")

    assert (proof.status, proof.status_code, proof.delivered_at, proof.received_by) == (
        ProofStatus.IN_TRANSIT, "7", None, None,
    )


@pytest.mark.parametrize("name", ["not-found.xml", "not-found-nil.xml"])
def test_an_unknown_code_is_a_not_found_result(name: str) -> None:
    proof = parse(name, "ORD-404")

    assert (proof.status, proof.tracking_number, proof.events) == (ProofStatus.NOT_FOUND, "ORD-404", ())


def test_the_services_internal_fault_is_the_service_failing_for_now() -> None:
    with pytest.raises(CarrierUnavailable, match="SOAP fault a:InternalServiceFault"):
        parse("fault.xml")


def test_a_fault_refusing_the_login_is_an_authentication_failure() -> None:
    fault = (
        f'<s:Envelope xmlns:s="{ENVELOPE_NS}"><s:Body><s:Fault><faultcode>s:Client</faultcode>'
        "<faultstring>Kullanıcı adı veya şifre hatalı</faultstring></s:Fault></s:Body></s:Envelope>"
    )
    with pytest.raises(CarrierAuthError):
        parse_query_response(HttpResponse(200, {}, fault.encode()), CODE, RECEIVED)


# --- regressions: what the guessed mapping got wrong -----------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        {"QueryResult": {"CargoInfo": [{"MUSTERI_OZEL_KODU": CODE, "DURUM_KODU": "6"}]}},
        {"QueryResult": {"MUSTERI_OZEL_KODU": CODE, "DURUM_KODU": "6"}},
        {"Table": [{"MUSTERI_OZEL_KODU": "7", "DURUM_KODU": "2"}, {"MUSTERI_OZEL_KODU": CODE, "DURUM_KODU": "6"}]},
        [{"MÜŞTERİ ÖZEL KODU": CODE, "DURUM KODU": "6"}],
    ],
    ids=["another wrapper key", "record under QueryResult", "array under another key", "spaced Turkish keys"],
)
def test_the_records_are_found_whatever_wraps_them(payload: object) -> None:
    assert parse_query_response(document(payload), CODE, RECEIVED).status is ProofStatus.DELIVERED


def test_a_record_of_another_number_is_never_read_as_ours() -> None:
    response = document({"QueryResult": {"Cargo": [
        {"MUSTERI_OZEL_KODU": "999", "KARGO_TAKIP_NO": "9093765601744", "DURUM_KODU": "6", "TESLIM_ALAN": "X"},
    ]}})
    proof = parse_query_response(response, CODE, RECEIVED)

    assert (proof.status, proof.received_by) == (ProofStatus.NOT_FOUND, None)


def test_an_unknown_status_code_stays_unknown_with_its_code_noted_and_counted() -> None:
    before = UNMAPPED[("aras", "9")]
    with capture_logs() as logs:
        proof = parse_query_response(cargo(DURUM_KODU="9", DURUMU="TESLİM EDİLDİ"), CODE, RECEIVED)

    assert (proof.status, proof.status_code) == (ProofStatus.UNKNOWN, "9")
    assert [(n.code, n.field) for n in proof.notes] == [(NoteCode.STATUS_UNMAPPED, "DURUM_KODU")]
    assert UNMAPPED[("aras", "9")] == before + 1
    assert any(e["event"] == "carrier_code_unmapped" and e["code"] == "9" for e in logs)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("TESLİM EDİLDİ", ProofStatus.DELIVERED),
        ("Teslim edildi", ProofStatus.DELIVERED),
        ("TESLİM EDİLEMEDİ", ProofStatus.FAILED_ATTEMPT),
        ("PARÇALI TESLİMAT", ProofStatus.EXCEPTION),
        ("YOLDA", ProofStatus.IN_TRANSIT),
        ("BİLİNMİYOR", ProofStatus.UNKNOWN),
    ],
)
def test_without_a_code_the_status_words_decide(words: str, expected: ProofStatus) -> None:
    proof = parse_query_response(cargo(DURUMU=words), CODE, RECEIVED)

    assert (proof.status, proof.status_code) == (expected, words)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("GÖNDERİCİYE TESLİM EDİLDİ", ProofStatus.RETURNED),
        ("Göndericisine Teslim Edildi", ProofStatus.RETURNED),
        ("ŞUBEYE TESLİM EDİLDİ", ProofStatus.IN_TRANSIT),
        ("TRANSFER MERKEZİNE TESLİM EDİLDİ", ProofStatus.IN_TRANSIT),
    ],
)
def test_words_handing_the_parcel_to_another_than_the_addressee_are_no_delivery(
    words: str, expected: ProofStatus
) -> None:
    """Turkish carriers word a parcel handed back to its sender, or to one of their own offices, with "Teslim
    Edildi": PTT's status table (tests/fixtures/carriers/ptt/durum-kodlari.md, from ahmeti/ptt-kargo-api @
    c79c757…, 03_PTT_Durum_Kodlari.md) has 120 "Göndericisine Teslim Edildi" in the group GÖNDERİCİSİNE TESLİM
    (returned) and 110 "PTT İşyerine Teslim Edildi" in the group TESLİM EDİLEMEDİ (not delivered)."""
    proof = parse_query_response(cargo(DURUMU=words), CODE, RECEIVED)

    assert (proof.status, proof.status_code, proof.delivered_at) == (expected, words, None)


def test_status_words_not_mapped_are_noted_and_mapped_ones_are_not() -> None:
    unmapped = parse_query_response(cargo(DURUMU="BİLİNMİYOR"), CODE, RECEIVED)
    mapped = parse_query_response(cargo(DURUMU="YOLDA"), CODE, RECEIVED)

    assert [(n.code, n.field) for n in unmapped.notes] == [(NoteCode.STATUS_UNMAPPED, "DURUMU")]
    assert mapped.notes == ()


@pytest.mark.parametrize(
    ("reason", "expected"),
    [("AY", ProofStatus.FAILED_ATTEMPT), ("ÜR", ProofStatus.FAILED_ATTEMPT), ("HT", ProofStatus.EXCEPTION),
     ("TL", ProofStatus.IN_TRANSIT), (None, ProofStatus.IN_TRANSIT)],
)
def test_a_non_delivery_reason_tells_an_attempt_from_a_wait(reason: str | None, expected: ProofStatus) -> None:
    assert parse_query_response(cargo(DURUM_KODU="3", DEVIR_KODU=reason), CODE, RECEIVED).status is expected


def test_someone_else_taking_the_parcel_is_not_called_the_recipient() -> None:
    response = cargo(DURUM_KODU="6", TESLIM_ALAN="MEHMET DEMİR", ALICI="NEBAHAT YILMAZ")
    proof = parse_query_response(response, CODE, RECEIVED)

    assert (proof.received_by, proof.recipient_relation) == ("MEHMET DEMİR", RecipientRelation.UNKNOWN)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"TESLIM_TARIHI": "22.02.2015 14:31"}, datetime(2015, 2, 22, 12, 31, tzinfo=UTC)),
        ({"TESLIM_TARIHI": "22.02.2015", "TESLIM_SAATI": "14:31:05"}, DELIVERED_AT),
        ({"TESLIM_TARIHI": "2015-02-22T14:31:05"}, DELIVERED_AT),
        # DOC §2.2.1: TESLİM TARİHİ is the day, TESLİM SAATİ the time of day, whatever time the day carries
        ({"TESLIM_TARIHI": "22.02.2015 00:00:00", "TESLIM_SAATI": "14:31:05"}, DELIVERED_AT),
        ({"TESLIM_TARIHI": "2015-02-22T00:00:00", "TESLIM_SAATI": "14:31:05"}, DELIVERED_AT),
        ({"TESLIM_TARIHI": "22.02.2015"}, None),
        # the time a date carries (as beside TESLİM SAATİ) is no time of day: a date alone, never midnight
        ({"TESLIM_TARIHI": "22.02.2015 00:00:00"}, None),
        ({"TESLIM_TARIHI": "2015-02-22T00:00:00"}, None),
        ({"TESLIM_TARIHI": "2015-02-22T00:00:00.000"}, None),  # SQL Server's default text of a datetime
        ({"TESLIM_TARIHI": "22.02.2015 0:00"}, None),
        ({}, None),
    ],
)
def test_the_delivery_time_is_read_in_istanbul_time(fields: dict[str, str], expected: datetime | None) -> None:
    assert parse_query_response(cargo(DURUM_KODU="6", **fields), CODE, RECEIVED).delivered_at == expected


def test_an_unreadable_delivery_time_costs_the_time_only() -> None:
    response = cargo(DURUM_KODU="6", TESLIM_TARIHI="dün", TESLIM_SAATI="öğlen", TESLIM_ALAN="NEBAHAT YILMAZ")
    proof = parse_query_response(response, CODE, RECEIVED)

    assert (proof.status, proof.delivered_at, proof.received_by) == (ProofStatus.DELIVERED, None, "NEBAHAT YILMAZ")
    assert [(n.code, n.field) for n in proof.notes] == [(NoteCode.FIELD_UNREADABLE, "TESLIM_TARIHI")]


def test_a_value_of_the_wrong_kind_is_left_out_and_noted() -> None:
    proof = parse_query_response(cargo(DURUM_KODU=6, TESLIM_ALAN={"AD": "NEBAHAT"}), CODE, RECEIVED)

    assert (proof.status, proof.received_by) == (ProofStatus.DELIVERED, None)
    assert [(n.code, n.field) for n in proof.notes] == [(NoteCode.FIELD_UNREADABLE, "TESLIM_ALAN")]
    assert "NEBAHAT" not in repr(proof.notes)


@pytest.mark.parametrize(
    "payload",
    ["", "null", "{}", "[]", {"QueryResult": {}}, {"QueryResult": {"Cargo": []}}, {"QueryResult": None}],
    ids=["empty", "null", "empty object", "empty list", "no cargo", "cargo list empty", "result null"],
)
def test_a_reply_without_any_value_is_not_found(payload: object) -> None:
    proof = parse_query_response(document(payload), "ORD-404", RECEIVED)

    assert (proof.status, proof.tracking_number) == (ProofStatus.NOT_FOUND, "ORD-404")


@pytest.mark.parametrize(
    "response",
    [
        document("Kullanıcı AYŞE YILMAZ bulunamadı"),
        document({"QueryResult": "AYŞE YILMAZ"}),
        document('"AYŞE YILMAZ"'),
        document('{"QueryResult":{"Cargo":{"ALICI":"AYŞE'),
        HttpResponse(200, {}, b"<html>AYSE</html>"),
    ],
    ids=["not json", "a value but no record", "a lone string", "cut short", "not soap"],
)
def test_malformed_replies_are_rejected_without_personal_data(response: HttpResponse) -> None:
    with pytest.raises(MalformedResponse) as caught:
        parse_query_response(response, CODE, RECEIVED)
    assert "AYŞE" not in str(caught.value) and "AYSE" not in str(caught.value) and caught.value.__cause__ is None
