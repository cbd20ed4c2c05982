import json
from datetime import UTC, datetime

import pytest
from defusedxml.ElementTree import fromstring
from pydantic import SecretStr

from carriers.aras.mapping import ACTION, NAMESPACE, build_query_request, parse_query_response
from carriers.aras.settings import ArasSettings
from carriers.errors import BadRequest, MalformedResponse
from carriers.http import HttpResponse
from carriers.soap import ENVELOPE_NS
from schemas.proof import ProofSource, ProofStatus, RecipientRelation
from tests.unit.carriers.conftest import RECEIVED

SETTINGS = ArasSettings(
    base_url="https://customerservicestest.araskargo.com.tr",
    username="aras<user>",
    password=SecretStr("p&ss"),
    customer_code="1234567",
)
CODE = "ORD-777"


def document(payload: object) -> HttpResponse:
    """A GetQueryJSON reply carrying ``payload`` as its JSON document."""
    raw = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    escaped = raw.replace("&", "&amp;").replace("<", "&lt;")
    return HttpResponse(200, {}, (
        f'<s:Envelope xmlns:s="{ENVELOPE_NS}"><s:Body><GetQueryJSONResponse xmlns="{NAMESPACE}">'
        f"<GetQueryJSONResult>{escaped}</GetQueryJSONResult></GetQueryJSONResponse></s:Body></s:Envelope>"
    ).encode())


def cargo(**fields: object) -> HttpResponse:
    return document({"QueryResult": {"Cargo": fields}})


def test_the_query_carries_login_and_query_documents_as_escaped_strings() -> None:
    request = build_query_request(SETTINGS, CODE)
    assert request.url == (
        "https://customerservicestest.araskargo.com.tr"
        "/ArasCargoCustomerIntegrationService/ArasCargoIntegrationService.svc"
    )
    assert request.headers()["SOAPAction"] == f'"{ACTION}"'
    [body] = list(fromstring(request.envelope()))
    [operation] = list(body)
    assert operation.tag == f"{{{NAMESPACE}}}GetQueryJSON"
    login, query = list(operation)
    assert (login.tag, query.tag) == (f"{{{NAMESPACE}}}loginInfo", f"{{{NAMESPACE}}}queryInfo")
    login_info, query_info = fromstring(login.text), fromstring(query.text)
    assert [(c.tag, c.text) for c in login_info] == [
        ("UserName", "aras<user>"), ("Password", "p&ss"), ("CustomerCode", "1234567"),
    ]
    assert [(c.tag, c.text) for c in query_info] == [("QueryType", "1"), ("IntegrationCode", CODE)]


def test_a_delivered_cargo_maps_to_a_proof(payloads) -> None:
    proof = parse_query_response(HttpResponse(200, {}, payloads.raw("aras/query-delivered.xml")), CODE, RECEIVED)
    assert (proof.carrier, proof.tracking_number, proof.status) == ("aras", CODE, ProofStatus.DELIVERED)
    assert proof.delivered_at == datetime(2024, 4, 22, 11, 31, 5, tzinfo=UTC)
    assert proof.received_by == "Ayse Yilmaz"
    assert proof.recipient_relation is RecipientRelation.RECIPIENT  # "Ayse Yilmaz" is the addressee "AYŞE YILMAZ"
    assert proof.courier is not None and (proof.courier.name, proof.courier.unit) == (None, "KADIKÖY")
    assert (proof.source, proof.received_at) == (ProofSource.PULL, RECEIVED)
    [event] = proof.events
    assert (event.code, event.description, event.at) == ("6", "TESLİM EDİLDİ", proof.delivered_at)


def test_several_records_read_the_first(payloads) -> None:
    proof = parse_query_response(HttpResponse(200, {}, payloads.raw("aras/query-several.xml")), CODE, RECEIVED)
    assert (proof.status, proof.delivered_at, proof.events) == (ProofStatus.IN_TRANSIT, None, ())


def test_someone_else_taking_the_parcel_is_not_called_the_recipient() -> None:
    response = cargo(DURUM_KODU="6", TESLIM_ALAN="MEHMET DEMİR", ALICI="AYŞE YILMAZ")
    proof = parse_query_response(response, CODE, RECEIVED)
    assert (proof.received_by, proof.recipient_relation) == ("MEHMET DEMİR", RecipientRelation.UNKNOWN)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("1", ProofStatus.IN_TRANSIT),
        ("2", ProofStatus.IN_TRANSIT),
        ("3", ProofStatus.IN_TRANSIT),
        (4, ProofStatus.IN_TRANSIT),
        ("5", ProofStatus.EXCEPTION),
        (6, ProofStatus.DELIVERED),
        ("7", ProofStatus.IN_TRANSIT),
    ],
)
def test_each_status_code_is_normalised(code: object, expected: ProofStatus) -> None:
    assert parse_query_response(cargo(DURUM_KODU=code), CODE, RECEIVED).status is expected


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("TESLİM EDİLDİ", ProofStatus.DELIVERED),
        ("Teslim edildi", ProofStatus.DELIVERED),
        ("TESLİM EDİLEMEDİ", ProofStatus.FAILED_ATTEMPT),
        ("İADE SÜRECİNDE", ProofStatus.RETURNED),
        ("DAĞITIMDA", ProofStatus.IN_TRANSIT),
        ("BİLİNMİYOR", ProofStatus.UNKNOWN),
    ],
)
def test_the_status_text_decides_when_the_code_is_missing_or_new(words: str, expected: ProofStatus) -> None:
    assert parse_query_response(cargo(DURUMU=words), CODE, RECEIVED).status is expected
    assert parse_query_response(cargo(DURUM_KODU="99", DURUMU=words), CODE, RECEIVED).status is expected


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"TESLIM_TARIHI": "22.04.2024 14:31"}, datetime(2024, 4, 22, 11, 31, tzinfo=UTC)),
        ({"TESLIM_TARIHI": "22.04.2024", "TESLIM_SAATI": "14:31:05"}, datetime(2024, 4, 22, 11, 31, 5, tzinfo=UTC)),
        ({"TESLIM_TARIHI": "2024-04-22T14:31:05"}, datetime(2024, 4, 22, 11, 31, 5, tzinfo=UTC)),
        ({"TESLIM_TARIHI": "22.04.2024"}, None),
        ({}, None),
    ],
)
def test_the_delivery_time_is_read_in_istanbul_time(fields: dict[str, str], expected: datetime | None) -> None:
    assert parse_query_response(cargo(DURUM_KODU="6", **fields), CODE, RECEIVED).delivered_at == expected


@pytest.mark.parametrize(
    "payload",
    ["", "null", "{}", "[]", {"QueryResult": {}}, {"QueryResult": {"Cargo": []}}, {"QueryResult": None}],
    ids=["empty", "null", "empty object", "empty list", "no cargo", "cargo list empty", "result null"],
)
def test_an_unknown_integration_code_is_a_not_found_result(payload: object) -> None:
    proof = parse_query_response(document(payload), "ORD-404", RECEIVED)
    assert (proof.status, proof.tracking_number) == (ProofStatus.NOT_FOUND, "ORD-404")


def test_an_empty_result_element_is_not_found(payloads) -> None:
    proof = parse_query_response(HttpResponse(200, {}, payloads.raw("aras/query-empty.xml")), CODE, RECEIVED)
    assert proof.status is ProofStatus.NOT_FOUND


def test_a_fault_is_a_bad_request() -> None:
    fault = (
        f'<s:Envelope xmlns:s="{ENVELOPE_NS}"><s:Body><s:Fault><faultcode>a:InternalServiceFault</faultcode>'
        "</s:Fault></s:Body></s:Envelope>"
    )
    with pytest.raises(BadRequest, match="SOAP fault a:InternalServiceFault"):
        parse_query_response(HttpResponse(200, {}, fault.encode()), CODE, RECEIVED)


@pytest.mark.parametrize(
    "response",
    [
        document("Kullanıcı AYŞE YILMAZ bulunamadı"),
        document({"QueryResult": {"Cargo": {"TESLIM_ALAN": {"AD": "AYŞE YILMAZ"}}}}),
        document({"QueryResult": {"Cargo": {"DURUM_KODU": "6", "TESLIM_TARIHI": "dün AYŞE YILMAZ"}}}),
        document({"QueryResult": "AYŞE YILMAZ"}),
        HttpResponse(200, {}, b"<html>AYSE</html>"),
    ],
    ids=["not json", "wrong type", "bad date", "result not an object", "not soap"],
)
def test_malformed_replies_are_rejected_without_personal_data(response: HttpResponse) -> None:
    with pytest.raises(MalformedResponse) as caught:
        parse_query_response(response, CODE, RECEIVED)
    assert "AYŞE" not in str(caught.value) and "AYSE" not in str(caught.value) and caught.value.__cause__ is None
