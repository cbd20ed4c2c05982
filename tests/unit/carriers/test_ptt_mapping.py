from datetime import UTC, datetime

import pytest
from defusedxml.ElementTree import fromstring
from pydantic import SecretStr

from carriers.errors import BadRequest, MalformedResponse
from carriers.http import HttpResponse
from carriers.ptt.mapping import NAMESPACE, STATUS, build_query_request, parse_query_response
from carriers.ptt.settings import PttSettings
from carriers.soap import ENVELOPE_NS
from schemas.proof import ProofSource, ProofStatus, RecipientRelation
from tests.unit.carriers.conftest import RECEIVED

SETTINGS = PttSettings(username="900123456", password=SecretStr("ptt<pass>"))
BARCODE = "KP01234567890"


def returning(inner: str) -> HttpResponse:
    return HttpResponse(200, {}, (
        f'<e:Envelope xmlns:e="{ENVELOPE_NS}"><e:Body><n:gonderiSorguResponse xmlns:n="{NAMESPACE}">'
        f"<n:return>{inner}</n:return></n:gonderiSorguResponse></e:Body></e:Envelope>"
    ).encode())


def movement(islem: str, date: str = "22.04.2024", time: str = "14:31", unit: str = "KADIKÖY") -> str:
    return f"<dongu><ISLEM>{islem}</ISLEM><ITARIH>{date}</ITARIH><ISAAT>{time}</ISAAT><IMERK>{unit}</IMERK></dongu>"


def test_the_barcode_query_wraps_its_parameters_in_input() -> None:
    request = build_query_request(SETTINGS, BARCODE)
    assert request.url == "https://pttws.ptt.gov.tr/GonderiTakipV2/services/Sorgu"
    assert request.headers()["SOAPAction"] == '"urn:gonderiSorgu"'
    [body] = list(fromstring(request.envelope()))
    [operation] = list(body)
    [wrapper] = list(operation)
    assert (operation.tag, wrapper.tag) == (f"{{{NAMESPACE}}}gonderiSorgu", f"{{{NAMESPACE}}}input")
    assert [(c.tag, c.text) for c in wrapper] == [
        ("barkod", BARCODE), ("kullanici", "900123456"), ("sifre", "ptt<pass>"),
    ]


def test_the_reference_query_uses_its_own_operation() -> None:
    request = build_query_request(SETTINGS.model_copy(update={"key": "referansNo"}), "ORD-777")
    [body] = list(fromstring(request.envelope()))
    [operation] = list(body)
    assert operation.tag == f"{{{NAMESPACE}}}gonderiSorgu_referansNo"
    assert request.action == "urn:gonderiSorgu_referansNo"
    assert [(c.tag, c.text) for c in operation[0]][0] == ("referansNo", "ORD-777")


def test_a_delivered_parcel_maps_to_a_proof(payloads) -> None:
    proof = parse_query_response(HttpResponse(200, {}, payloads.raw("ptt/query-delivered.xml")), BARCODE, RECEIVED)
    assert (proof.carrier, proof.tracking_number, proof.status) == ("ptt", BARCODE, ProofStatus.DELIVERED)
    assert proof.delivered_at == datetime(2024, 4, 22, 11, 31, 5, tzinfo=UTC)
    assert (proof.received_by, proof.recipient_relation) == ("AYSE YILMAZ", RecipientRelation.RECIPIENT)
    assert proof.courier is not None and proof.courier.unit == "KADIKÖY"
    assert (proof.source, proof.received_at) == (ProofSource.PULL, RECEIVED)
    assert [e.code for e in proof.events] == ["KABUL EDİLDİ", "DAĞITIMA ÇIKARILDI", "ALICIYA TESLİM EDİLDİ"]
    assert proof.events[0].location_text == "ESENYURT PTT MERKEZİ, ESENYURT"


def test_movements_out_of_order_are_sorted_and_the_latest_decides() -> None:
    later, earlier = movement("ALICIYA TESLİM EDİLDİ", time="14:31"), movement("DAĞITIMA ÇIKARILDI", time="08:02")
    inner = "<BARNO>KP1</BARNO>" + later + earlier
    proof = parse_query_response(returning(inner), "KP1", RECEIVED)
    assert proof.status is ProofStatus.DELIVERED
    assert [e.at.hour for e in proof.events] == [8, 14]  # Istanbul time


def test_a_parcel_out_for_delivery_has_no_delivery_evidence() -> None:
    movements = movement("KABUL EDİLDİ", "21.04.2024", "09:12") + movement("DAĞITIMA ÇIKARILDI")
    inner = "<BARNO>KP1</BARNO><TESALAN/>" + movements
    proof = parse_query_response(returning(inner), "KP1", RECEIVED)
    assert proof.status is ProofStatus.IN_TRANSIT
    assert (proof.delivered_at, proof.received_by, proof.courier) == (None, None, None)


def test_a_parcel_returned_after_a_failed_attempt_is_returned() -> None:
    movements = movement("ADRESTE BULUNAMADI", time="10:00") + movement("GÖNDERİCİYE İADE", time="16:00")
    inner = "<BARNO>KP1</BARNO>" + movements
    assert parse_query_response(returning(inner), "KP1", RECEIVED).status is ProofStatus.RETURNED


@pytest.mark.parametrize(
    ("islem", "expected"),
    [
        ("KABUL EDİLDİ", ProofStatus.IN_TRANSIT),
        ("Dağıtıma çıkarıldı", ProofStatus.IN_TRANSIT),
        ("ALICIYA TESLİM EDİLDİ", ProofStatus.DELIVERED),
        ("TESLİM EDİLEMEDİ - ALICI ADRESTE YOK", ProofStatus.FAILED_ATTEMPT),
        ("ADRESTE BULUNAMADI", ProofStatus.FAILED_ATTEMPT),
        ("İADE EDİLDİ", ProofStatus.RETURNED),
        ("GÜMRÜKTE", ProofStatus.UNKNOWN),
    ],
)
def test_movement_wording_is_normalised(islem: str, expected: ProofStatus) -> None:
    assert STATUS(islem) is expected


def test_someone_other_than_the_addressee_is_not_called_the_recipient() -> None:
    people = "<ALICI>AYŞE YILMAZ</ALICI><TESALAN>KAPICI MEHMET</TESALAN>"
    inner = "<BARNO>KP1</BARNO>" + people + movement("TESLİM EDİLDİ")
    proof = parse_query_response(returning(inner), "KP1", RECEIVED)
    assert (proof.received_by, proof.recipient_relation) == ("KAPICI MEHMET", RecipientRelation.UNKNOWN)


@pytest.mark.parametrize(
    "response",
    [
        None,
        returning(""),
        HttpResponse(200, {}, f'<e:Envelope xmlns:e="{ENVELOPE_NS}"><e:Body><r/></e:Body></e:Envelope>'.encode()),
        returning("<sonucKodu>0</sonucKodu><sonucAciklama>Kayıt yok</sonucAciklama>"),
    ],
    ids=["fixture", "empty return", "nothing returned", "no record"],
)
def test_an_unknown_barcode_is_a_not_found_result(payloads, response: HttpResponse | None) -> None:
    response = response or HttpResponse(200, {}, payloads.raw("ptt/query-not-found.xml"))
    proof = parse_query_response(response, "KP404", RECEIVED)
    assert (proof.status, proof.tracking_number) == (ProofStatus.NOT_FOUND, "KP404")


def test_a_refusal_that_is_not_not_found_is_a_bad_request() -> None:
    with pytest.raises(BadRequest, match="sonucKodu 99"):
        refusal = returning("<sonucKodu>99</sonucKodu><sonucAciklama>Yetkisiz kullanıcı</sonucAciklama>")
        parse_query_response(refusal, "KP1", RECEIVED)


@pytest.mark.parametrize(
    "response",
    [
        HttpResponse(200, {}, "<html>AYŞE</html>".encode()),
        returning("<BARNO>KP1</BARNO>" + movement("TESLİM EDİLDİ", date="dün AYŞE")),
        returning("<BARNO><x>AYŞE</x></BARNO>"),
        returning("<BARNO>KP1</BARNO><dongu>AYŞE YILMAZ</dongu>"),
    ],
    ids=["not xml", "bad date", "structure where text belongs", "text where a movement belongs"],
)
def test_malformed_replies_are_rejected_without_personal_data(response: HttpResponse) -> None:
    with pytest.raises(MalformedResponse) as caught:
        parse_query_response(response, "KP1", RECEIVED)
    assert "AYŞE" not in str(caught.value) and caught.value.__cause__ is None
