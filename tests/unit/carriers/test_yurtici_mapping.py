from datetime import UTC, datetime

import pytest
from defusedxml.ElementTree import fromstring
from pydantic import SecretStr

from carriers.errors import BadRequest, MalformedResponse
from carriers.http import HttpResponse
from carriers.soap import ENVELOPE_NS
from carriers.yurtici.mapping import NAMESPACE, RELATION, build_query_request, parse_query_response
from carriers.yurtici.settings import YurticiSettings
from schemas.proof import ProofSource, ProofStatus, RecipientRelation
from tests.unit.carriers.conftest import RECEIVED

SETTINGS = YurticiSettings(base_url="https://testws.yurticikargo.com", username="YKTEST", password=SecretStr("p<&>ss"))
NUMBER = "YK20240421001"


def reply(body: bytes | str) -> HttpResponse:
    return HttpResponse(200, {}, body.encode() if isinstance(body, str) else body)


def detail(inner: str, *, key: str = NUMBER, status: str = "DLV") -> bytes:
    return (
        f'<e:Envelope xmlns:e="{ENVELOPE_NS}"><e:Body><r:queryShipmentResponse xmlns:r="{NAMESPACE}">'
        f"<ShippingDeliveryVO><outFlag>0</outFlag><shippingDeliveryDetailVO><cargoKey>{key}</cargoKey>"
        f"<errCode>0</errCode><operationStatus>{status}</operationStatus>"
        f"<shippingDeliveryItemDetailVO>{inner}</shippingDeliveryItemDetailVO>"
        "</shippingDeliveryDetailVO></ShippingDeliveryVO></r:queryShipmentResponse></e:Body></e:Envelope>"
    ).encode()


def test_the_query_asks_for_the_key_with_its_history_and_escaped_credentials() -> None:
    request = build_query_request(SETTINGS, NUMBER)
    assert request.url == "https://testws.yurticikargo.com/KOPSWebServices/ShippingOrderDispatcherServices"
    assert request.headers()["SOAPAction"] == '""'
    [body] = list(fromstring(request.envelope()))
    [operation] = list(body)
    assert operation.tag == f"{{{NAMESPACE}}}queryShipment"
    assert [(child.tag, child.text) for child in operation] == [
        ("wsUserName", "YKTEST"),
        ("wsPassword", "p<&>ss"),
        ("wsLanguage", "TR"),
        ("keys", NUMBER),
        ("keyType", "0"),
        ("addHistoricalData", "true"),
        ("onlyTracking", "false"),
    ]
    assert b"p&lt;&amp;&gt;ss" in request.envelope()


def test_the_key_type_follows_the_settings() -> None:
    settings = SETTINGS.model_copy(update={"key_type": 1, "language": "EN"})
    params = dict(build_query_request(settings, NUMBER).params)
    assert (params["keyType"], params["wsLanguage"]) == ("1", "EN")


def test_a_parcel_left_with_the_neighbour_maps_to_a_proof(payloads) -> None:
    proof = parse_query_response(reply(payloads.raw("yurtici/query-delivered.xml")), NUMBER, RECEIVED)
    assert (proof.carrier, proof.tracking_number, proof.status) == ("yurtici", NUMBER, ProofStatus.DELIVERED)
    assert proof.delivered_at == datetime(2024, 4, 22, 11, 31, 5, tzinfo=UTC)  # 14:31:05 in Istanbul
    assert (proof.received_by, proof.recipient_relation) == (None, RecipientRelation.NEIGHBOUR)
    assert proof.courier is not None and (proof.courier.name, proof.courier.unit) == ("EMRE KAYA", "KADIKÖY")
    assert (proof.signature, proof.photo, proof.location) == (None, None, None)
    assert (proof.source, proof.received_at) == (ProofSource.PULL, RECEIVED)
    assert [(e.code, e.at) for e in proof.events] == [
        ("Kargo Teslim Alındı", datetime(2024, 4, 21, 6, 12, tzinfo=UTC)),
        ("Dağıtıma Çıkarıldı", datetime(2024, 4, 22, 5, 2, tzinfo=UTC)),
        ("Teslim Edildi", datetime(2024, 4, 22, 11, 31, 5, tzinfo=UTC)),
    ]
    assert proof.events[-1].description == "Teslim Edildi — Komşusuna teslim edildi"
    assert proof.events[-1].location_text == "KADIKÖY, KADIKÖY, İSTANBUL"


def test_a_parcel_taken_by_the_addressee_names_them(payloads) -> None:
    body = payloads.raw("yurtici/query-delivered.xml").replace("KOMŞUSU".encode(), "Kendisi".encode())
    proof = parse_query_response(reply(body), NUMBER, RECEIVED)
    assert (proof.received_by, proof.recipient_relation) == ("AYŞE YILMAZ", RecipientRelation.RECIPIENT)


def test_a_receiver_info_that_is_a_name_is_who_received_it(payloads) -> None:
    body = payloads.raw("yurtici/query-delivered.xml").replace("KOMŞUSU".encode(), "MEHMET DEMİR".encode())
    proof = parse_query_response(reply(body), NUMBER, RECEIVED)
    assert (proof.received_by, proof.recipient_relation) == ("MEHMET DEMİR", RecipientRelation.UNKNOWN)


@pytest.mark.parametrize(
    ("info", "relation"),
    [
        ("KENDİSİ", RecipientRelation.RECIPIENT),
        ("kendisi", RecipientRelation.RECIPIENT),
        ("EŞİ", RecipientRelation.HOUSEHOLD_MEMBER),
        ("ESI", RecipientRelation.HOUSEHOLD_MEMBER),
        ("Annesi", RecipientRelation.HOUSEHOLD_MEMBER),
        ("KOMŞUSU", RecipientRelation.NEIGHBOUR),
        ("KAPICI", RecipientRelation.DOORMAN),
        ("GÜVENLİK", RecipientRelation.DOORMAN),
        ("Site Güvenliği", RecipientRelation.DOORMAN),
        ("İŞ ARKADAŞI", RecipientRelation.DOORMAN),
        ("ŞUBEDEN TESLİM", RecipientRelation.PICKUP_POINT),
    ],
)
def test_receiver_info_words_map_to_a_relation(info: str, relation: RecipientRelation) -> None:
    assert RELATION(info) is relation


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("NOP", ProofStatus.PRE_TRANSIT),
        ("ISR", ProofStatus.IN_TRANSIT),
        ("IND", ProofStatus.IN_TRANSIT),
        ("DLV", ProofStatus.DELIVERED),
        ("CNL", ProofStatus.EXCEPTION),
        ("ISC", ProofStatus.EXCEPTION),
        ("BI", ProofStatus.EXCEPTION),
        ("XYZ", ProofStatus.UNKNOWN),
    ],
)
def test_each_operation_status_is_normalised(status: str, expected: ProofStatus) -> None:
    assert parse_query_response(reply(detail("", status=status)), NUMBER, RECEIVED).status is expected


def test_a_parcel_on_its_way_has_no_delivery_evidence(payloads) -> None:
    proof = parse_query_response(reply(payloads.raw("yurtici/query-in-transit.xml")), "YK20240421002", RECEIVED)
    assert proof.status is ProofStatus.IN_TRANSIT
    assert (proof.delivered_at, proof.received_by, proof.courier) == (None, None, None)
    assert [e.code for e in proof.events] == ["Kargo Teslim Alındı"]


def test_a_delivery_without_its_time_has_no_delivery_instant() -> None:
    proof = parse_query_response(reply(detail("<deliveryDate>20240422</deliveryDate>")), NUMBER, RECEIVED)
    assert (proof.status, proof.delivered_at) == (ProofStatus.DELIVERED, None)


def test_a_single_history_entry_is_read_as_a_list() -> None:
    entry = (
        "<cargoEventVO><eventName>Teslim Edildi</eventName>"
        "<eventDate>20240422</eventDate><eventTime>1431</eventTime></cargoEventVO>"
    )
    [event] = parse_query_response(reply(detail(entry)), NUMBER, RECEIVED).events
    assert event.at == datetime(2024, 4, 22, 11, 31, tzinfo=UTC)


@pytest.mark.parametrize(
    "body",
    [
        "yurtici/query-not-found.xml",
        f'<e:Envelope xmlns:e="{ENVELOPE_NS}"><e:Body><queryShipmentResponse/></e:Body></e:Envelope>',
        f'<e:Envelope xmlns:e="{ENVELOPE_NS}"><e:Body><r><ShippingDeliveryVO><outFlag>0</outFlag>'
        "</ShippingDeliveryVO></r></e:Body></e:Envelope>",
    ],
    ids=["errCode 80859", "nothing returned", "no detail"],
)
def test_an_unknown_key_is_a_not_found_result(payloads, body: str) -> None:
    raw = payloads.raw(body) if body.endswith(".xml") else body.encode()
    proof = parse_query_response(reply(raw), "YK404", RECEIVED)
    assert (proof.status, proof.tracking_number) == (ProofStatus.NOT_FOUND, "YK404")


def test_a_carrier_error_code_is_a_bad_request() -> None:
    body = detail("").replace(b"<errCode>0</errCode>", b"<errCode>936</errCode>")
    with pytest.raises(BadRequest, match="errCode 936"):
        parse_query_response(reply(body), NUMBER, RECEIVED)


def test_a_failed_call_without_details_is_a_bad_request() -> None:
    body = (f'<e:Envelope xmlns:e="{ENVELOPE_NS}"><e:Body><r><ShippingDeliveryVO><outFlag>1</outFlag>'
            "<outResult>Kullanıcı adı hatalı</outResult></ShippingDeliveryVO></r></e:Body></e:Envelope>")
    with pytest.raises(BadRequest, match="outFlag 1"):
        parse_query_response(reply(body), NUMBER, RECEIVED)


def test_a_soap_fault_is_a_bad_request_without_its_text(payloads) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_query_response(reply(payloads.raw("yurtici/fault.xml")), NUMBER, RECEIVED)
    assert str(caught.value) == "yurtici: SOAP fault env:Client"


@pytest.mark.parametrize(
    "body",
    [
        b"<html>Service Unavailable</html>",
        b'{"json": "instead"}',
        detail("<deliveryDate>22 Nisan</deliveryDate><deliveryTime>1431</deliveryTime>"
               "<receiverCustName>AYŞE YILMAZ</receiverCustName>"),
        detail("<receiverInfo><name>AYŞE YILMAZ</name></receiverInfo>"),
        detail("<invDocCargoVOArray>AYŞE YILMAZ</invDocCargoVOArray>"),
    ],
    ids=["html", "json", "bad date", "structure where text belongs", "text where structure belongs"],
)
def test_malformed_replies_are_rejected_without_personal_data(body: bytes) -> None:
    with pytest.raises(MalformedResponse) as caught:
        parse_query_response(reply(body), NUMBER, RECEIVED)
    assert "AYŞE" not in str(caught.value) and caught.value.__cause__ is None
