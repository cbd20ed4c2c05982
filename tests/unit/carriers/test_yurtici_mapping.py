"""Yurtiçi's ``queryShipment``: the request we send and every reply sample read into a proof.

Expected values are written by hand from the samples in ``tests/fixtures/carriers/yurtici/`` (times there are
Istanbul wall-clock, UTC+3); nothing here is produced by the code under test.
"""

from datetime import UTC, datetime

import pytest
from defusedxml.ElementTree import fromstring
from pydantic import SecretStr

from carriers.errors import BadRequest, CarrierAuthError, CarrierUnavailable, MalformedResponse
from carriers.http import HttpResponse
from carriers.soap import ENVELOPE_NS
from carriers.status import UNMAPPED
from carriers.yurtici.mapping import NAMESPACE, build_query_request, parse_query_response
from carriers.yurtici.settings import YurticiSettings
from schemas.proof import NoteCode, PackageState, ProofOfDelivery, ProofSource, ProofStatus, RecipientRelation
from tests.unit.carriers.conftest import RECEIVED
from tests.unit.carriers.properties import sample

SETTINGS = YurticiSettings(base_url="https://testws.yurticikargo.com", username="YKTEST", password=SecretStr("p<&>ss"))


def reply(body: bytes | str) -> HttpResponse:
    return HttpResponse(200, {}, body.encode() if isinstance(body, str) else body)


def parse(name: str, number: str) -> ProofOfDelivery:
    return parse_query_response(reply(sample("yurtici", name)), number, RECEIVED)


def envelope(result: str) -> str:
    return (
        f'<e:Envelope xmlns:e="{ENVELOPE_NS}"><e:Body><r:queryShipmentResponse xmlns:r="{NAMESPACE}">'
        f"<ShippingDeliveryVO><outFlag>0</outFlag>{result}</ShippingDeliveryVO></r:queryShipmentResponse>"
        "</e:Body></e:Envelope>"
    )


def detail(inner: str, *, key: str = "12520") -> str:
    return envelope(f"<shippingDeliveryDetailVO><cargoKey>{key}</cargoKey>{inner}</shippingDeliveryDetailVO>")


# --- the request ------------------------------------------------------------------------------------------


def test_the_query_asks_for_the_key_with_its_history_and_escaped_credentials() -> None:
    request = build_query_request(SETTINGS, "12520")
    assert request.url == "https://testws.yurticikargo.com/KOPSWebServices/ShippingOrderDispatcherServices"
    assert request.headers()["SOAPAction"] == '""'
    [body] = list(fromstring(request.envelope()))
    [operation] = list(body)
    assert operation.tag == f"{{{NAMESPACE}}}queryShipment"
    assert [(child.tag, child.text) for child in operation] == [
        ("wsUserName", "YKTEST"),
        ("wsPassword", "p<&>ss"),
        ("wsLanguage", "TR"),
        ("keys", "12520"),
        ("keyType", "0"),
        ("addHistoricalData", "true"),
        ("onlyTracking", "false"),
    ]
    assert b"p&lt;&amp;&gt;ss" in request.envelope()


def test_the_key_type_and_language_follow_the_settings() -> None:
    settings = SETTINGS.model_copy(update={"key_type": 1, "language": "EN"})
    params = dict(build_query_request(settings, "A123456").params)
    assert (params["keyType"], params["wsLanguage"]) == ("1", "EN")


# --- every sample -----------------------------------------------------------------------------------------


def test_a_delivered_parcel_names_who_took_it_when_and_where() -> None:
    proof = parse("query-delivered.xml", "12520")
    assert (proof.carrier, proof.tracking_number, proof.status, proof.status_code) == (
        "yurtici", "12520", ProofStatus.DELIVERED, "5"
    )
    assert proof.delivered_at == datetime(2024, 1, 15, 11, 25, 30, tzinfo=UTC)  # 14:25:30 in Istanbul
    # receiverInfo is who took it: Ali Veli, not the addressee Mehmet Yılmaz.
    assert (proof.received_by, proof.recipient_relation) == ("Ali Veli", RecipientRelation.UNKNOWN)
    assert proof.courier is not None and (proof.courier.name, proof.courier.unit) == ("EMRE KAYA", "MASLAK")
    assert (proof.signature, proof.photo, proof.document, proof.location) == (None, None, None, None)
    assert (proof.package_number, proof.packages, proof.notes) == (None, (), ())
    assert (proof.source, proof.received_at) == (ProofSource.PULL, RECEIVED)
    assert [(e.code, e.at) for e in proof.events] == [
        ("Kargo Kabul Edildi", datetime(2024, 1, 14, 12, 32, 10, tzinfo=UTC)),
        ("Kargo Yüklendi", datetime(2024, 1, 14, 15, 30, 45, tzinfo=UTC)),
        ("Dağıtıma Çıkarıldı", datetime(2024, 1, 15, 6, 12, tzinfo=UTC)),  # eventTime 91200: 09:12:00
        ("Kargo Teslim Edildi", datetime(2024, 1, 15, 11, 25, 30, tzinfo=UTC)),
    ]
    assert proof.events[1].description == "Kargo Yüklendi — Sorun Yok"
    assert proof.events[1].location_text == "TRANSFER MERKEZİ, Bağcılar, İstanbul"


def test_a_delivery_without_receiver_or_time_is_delivered_without_that_proof() -> None:
    proof = parse("query-delivered-no-proof.xml", "12521")
    assert (proof.status, proof.status_code) == (ProofStatus.DELIVERED, "5")
    assert (proof.delivered_at, proof.received_by, proof.recipient_relation) == (None, None, RecipientRelation.UNKNOWN)
    assert (proof.courier, proof.events, proof.notes) == (None, (), ())


def test_a_parcel_in_delivery_after_a_failed_attempt_has_no_delivery_evidence() -> None:
    proof = parse("query-in-transit.xml", "12522")
    assert (proof.status, proof.status_code) == (ProofStatus.IN_TRANSIT, "1")
    assert (proof.delivered_at, proof.received_by) == (None, None)
    assert proof.events[-1].description == "Teslim Edilemedi — Alıcı Adreste Yok"
    assert proof.events[-1].at == datetime(2024, 1, 15, 8, 30, 5, tzinfo=UTC)


def test_a_parcel_not_processed_yet_is_pre_transit() -> None:
    proof = parse("query-not-processed.xml", "TEST001")
    assert (proof.status, proof.status_code, proof.events) == (ProofStatus.PRE_TRANSIT, "0", ())


def test_an_unknown_key_is_a_not_found_result() -> None:
    assert parse("query-not-found.xml", "KEY404").status is ProofStatus.NOT_FOUND


def test_credentials_refused_in_the_reply_are_an_authentication_failure() -> None:
    with pytest.raises(CarrierAuthError):
        parse("query-auth-error.xml", "12520")


def test_credentials_refused_by_a_fault_are_an_authentication_failure() -> None:
    with pytest.raises(CarrierAuthError):
        parse("fault-auth.xml", "12520")


def test_a_key_yurtici_does_not_know_sent_as_a_fault_in_turkish_is_not_found_not_refused_credentials() -> None:
    """D: 82519 ERR_INTG_CARGO_KEY_NOT_FOUND reads "Kullanıcıya ait kargo anahtarı bulunamadı" ("no cargo key of
    this user") in the TR language our requests ask for; W, F: Yurtiçi sends its errors as the declared fault.
    "Kullanıcı" (user) in it names no credentials: Yurtiçi's code decides, and it says the key is unknown — not
    found, as the same code is read in band (query-not-found.xml)."""
    proof = parse("fault-key-not-found.xml", "KEY404")
    assert (proof.status, proof.tracking_number, proof.events) == (ProofStatus.NOT_FOUND, "KEY404", ())


def test_a_fault_in_turkish_naming_the_user_but_not_the_credentials_is_read_by_yurticis_code() -> None:
    fault = sample("yurtici", "fault-key-not-found.xml").replace(b"82519", b"82527")  # keyType missing (D)
    with pytest.raises(BadRequest, match="errorCode 82527"):
        parse_query_response(reply(fault), "KEY404", RECEIVED)


def test_a_request_error_sent_as_a_fault_in_the_reply_is_a_bad_request() -> None:
    """W: every operation's fault is YurticikargoWSException{errorCode, errText}; F: Yurtiçi sends its errors as
    server exceptions; D: 82527 ERR_INTG_KEY_TYPE_NOT_FOUND is a request error."""
    body = envelope_fault(
        '<faultcode>S:Server</faultcode><faultstring>ERR_INTG_KEY_TYPE_NOT_FOUND</faultstring><detail>'
        '<w:YurticikargoWSException xmlns:w="http://yurticikargo.com.tr/WSExceptions/"><errorCode>82527</errorCode>'
        "<errText>ERR_INTG_KEY_TYPE_NOT_FOUND</errText></w:YurticikargoWSException></detail>"
    )
    with pytest.raises(BadRequest, match="errorCode 82527"):
        parse_query_response(reply(body), "12520", RECEIVED)


def envelope_fault(fault: str) -> str:
    return f'<e:Envelope xmlns:e="{ENVELOPE_NS}"><e:Body><e:Fault>{fault}</e:Fault></e:Body></e:Envelope>'


def test_yurticis_unexpected_error_is_worth_trying_again() -> None:
    with pytest.raises(CarrierUnavailable):
        parse("query-unexpected-error.xml", "12520")


@pytest.mark.parametrize(("flag", "error"), [("2", "0"), ("1", "936")], ids=["outFlag 2 alone", "errCode 936 alone"])
def test_either_sign_of_yurticis_unexpected_error_alone_is_worth_trying_again(flag: str, error: str) -> None:
    """The source's table: ``outFlag`` 2 is an unexpected error, and so is ``errCode`` 936, whatever the other says."""
    body = sample("yurtici", "query-unexpected-error.xml").decode()
    body = body.replace("<outFlag>2</outFlag>", f"<outFlag>{flag}</outFlag>").replace(
        "<errCode>936</errCode>", f"<errCode>{error}</errCode>")
    with pytest.raises(CarrierUnavailable):
        parse_query_response(reply(body), "12520", RECEIVED)


def test_a_query_without_keys_is_our_bad_request() -> None:
    with pytest.raises(BadRequest):
        parse("query-keys-missing.xml", "12520")


# --- packages ---------------------------------------------------------------------------------------------


def test_the_delivered_package_of_two_is_reported_with_the_other_beside_it() -> None:
    proof = parse("query-multi-package.xml", "10012")
    assert (proof.status, proof.package_number) == (ProofStatus.DELIVERED, "10012")
    assert (proof.received_by, proof.recipient_relation) == ("Ali Veli", RecipientRelation.RECIPIENT)  # the addressee
    assert proof.packages == (PackageState(number="10013", status=ProofStatus.IN_TRANSIT, status_code="1"),)


def test_the_package_still_on_its_way_gets_no_proof_from_its_delivered_sibling() -> None:
    proof = parse("query-multi-package.xml", "10013")
    assert (proof.status, proof.status_code, proof.package_number) == (ProofStatus.IN_TRANSIT, "1", "10013")
    assert (proof.delivered_at, proof.received_by, proof.courier and proof.courier.name) == (None, None, None)
    assert [e.code for e in proof.events] == ["Kargo Yüklendi"]
    assert proof.packages == (PackageState(number="10012", status=ProofStatus.DELIVERED, status_code="5"),)


def test_an_invoice_with_a_package_still_on_its_way_is_not_delivered() -> None:
    proof = parse("query-multi-package.xml", "A123456")
    assert (proof.status, proof.package_number, proof.delivered_at, proof.received_by) == (
        ProofStatus.IN_TRANSIT, None, None, None
    )
    assert [(p.number, p.status) for p in proof.packages] == [
        ("10012", ProofStatus.DELIVERED), ("10013", ProofStatus.IN_TRANSIT)
    ]


def test_an_invoice_with_an_unreadable_detail_beside_its_delivered_package_is_no_answer() -> None:
    """The package still on its way has text instead of Yurtiçi's elements: the invoice is not delivered for it."""
    body = sample("yurtici", "query-multi-package.xml").decode()
    start = body.index("<shippingDeliveryDetailVO>", body.index("<cargoKey>10013</cargoKey>") - 80)
    end = body.index("</shippingDeliveryDetailVO>", start)
    damaged = f"{body[:start]}<shippingDeliveryDetailVO>10013{body[end:]}"
    with pytest.raises(MalformedResponse):
        parse_query_response(reply(damaged), "A123456", RECEIVED)


def test_an_invoice_whose_packages_all_arrived_is_delivered_with_the_latest_delivery() -> None:
    body = sample("yurtici", "query-multi-package.xml").decode()
    body = body.replace("<operationCode>1</operationCode>", "<operationCode>5</operationCode>")
    proof = parse_query_response(reply(body), "A123456", RECEIVED)
    assert (proof.status, proof.delivered_at) == (ProofStatus.DELIVERED, datetime(2024, 1, 15, 11, 25, 30, tzinfo=UTC))
    assert [p.status for p in proof.packages] == [ProofStatus.DELIVERED, ProofStatus.DELIVERED]


def test_a_reply_about_other_keys_only_gives_no_proof_of_ours() -> None:
    """Regression: the old mapping took the first detail when none was ours, so another parcel's delivery
    became our proof."""
    with pytest.raises(MalformedResponse):
        parse("query-delivered.xml", "99999")


def test_a_detail_without_a_key_beside_an_unreadable_one_is_no_answer() -> None:
    """Only the reply's only detail answers without a key: here the other entry has text, not Yurtiçi's
    elements (our key's detail, perhaps), so the keyless detail's delivery may be another parcel's."""
    keyless = sample("yurtici", "query-delivered.xml").decode().replace("<cargoKey>12520</cargoKey>", "")
    damaged = keyless.replace("<count>1</count>", "<count>1</count><shippingDeliveryDetailVO>12520</shippingDeliveryDetailVO>")
    with pytest.raises(MalformedResponse):
        parse_query_response(reply(damaged), "12520", RECEIVED)
    assert parse_query_response(reply(keyless), "12520", RECEIVED).status is ProofStatus.DELIVERED


def test_of_two_details_for_our_key_the_one_with_the_latest_scan_counts() -> None:
    def about_us(code: str, event: str, day: str) -> str:
        scan = f"<eventName>{event}</eventName><eventDate>202401{day}</eventDate><eventTime>1000</eventTime>"
        item = f"<shippingDeliveryItemDetailVO><invDocCargoVOArray>{scan}</invDocCargoVOArray>"
        inner = f"<operationCode>{code}</operationCode>{item}</shippingDeliveryItemDetailVO>"
        return f"<shippingDeliveryDetailVO><cargoKey>12520</cargoKey>{inner}</shippingDeliveryDetailVO>"

    older_first = about_us("1", "Kargo Yüklendi", "14") + about_us("5", "Kargo Teslim Edildi", "15")
    proof = parse_query_response(reply(envelope(older_first)), "12520", RECEIVED)
    assert (proof.status, [e.code for e in proof.events]) == (ProofStatus.DELIVERED, ["Kargo Teslim Edildi"])


# --- statuses ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("0", ProofStatus.PRE_TRANSIT),
        ("1", ProofStatus.IN_TRANSIT),
        ("2", ProofStatus.IN_TRANSIT),
        ("3", ProofStatus.EXCEPTION),
        ("4", ProofStatus.EXCEPTION),
        ("5", ProofStatus.DELIVERED),
        ("6", ProofStatus.EXCEPTION),
    ],
)
def test_each_operation_code_is_normalised(code: str, expected: ProofStatus) -> None:
    proof = parse_query_response(reply(detail(f"<operationCode>{code}</operationCode>")), "12520", RECEIVED)
    assert (proof.status, proof.status_code, proof.notes) == (expected, code, ())


def test_the_numeric_operation_code_decides_the_status() -> None:
    """Regression: the old mapping read only the operationStatus word and left the numeric code unread."""
    body = detail("<operationCode>5</operationCode><operationStatus>IND</operationStatus>")
    assert parse_query_response(reply(body), "12520", RECEIVED).status is ProofStatus.DELIVERED


@pytest.mark.parametrize(
    ("word", "expected"),
    [("NOP", ProofStatus.PRE_TRANSIT), ("ISR", ProofStatus.IN_TRANSIT), ("DLV", ProofStatus.DELIVERED),
     ("CNL", ProofStatus.EXCEPTION), ("ISC", ProofStatus.EXCEPTION), ("BI", ProofStatus.EXCEPTION)],
)
def test_without_a_code_the_operation_status_word_decides(word: str, expected: ProofStatus) -> None:
    proof = parse_query_response(reply(detail(f"<operationStatus>{word}</operationStatus>")), "12520", RECEIVED)
    assert (proof.status, proof.status_code) == (expected, word)


def test_an_unknown_operation_code_is_kept_counted_and_noted() -> None:
    before = UNMAPPED[("yurtici", "7")]
    body = detail(
        "<operationCode>7</operationCode><shippingDeliveryItemDetailVO><receiverInfo>Ali Veli</receiverInfo>"
        "<deliveryDate>20240115</deliveryDate><deliveryTime>142530</deliveryTime></shippingDeliveryItemDetailVO>"
    )
    proof = parse_query_response(reply(body), "12520", RECEIVED)
    assert (proof.status, proof.status_code, proof.delivered_at, proof.received_by) == (
        ProofStatus.UNKNOWN, "7", None, None
    )
    assert [(n.code, n.field) for n in proof.notes] == [
        (NoteCode.STATUS_UNMAPPED, "shippingDeliveryDetailVO.operationCode")
    ]
    assert UNMAPPED[("yurtici", "7")] == before + 1


def test_a_return_made_is_returned_without_delivery_facts() -> None:
    body = detail(
        "<operationCode>1</operationCode><shippingDeliveryItemDetailVO><rejectStatus>9</rejectStatus>"
        "<deliveryDate>20240115</deliveryDate><deliveryTime>142530</deliveryTime></shippingDeliveryItemDetailVO>"
    )
    proof = parse_query_response(reply(body), "12520", RECEIVED)
    assert (proof.status, proof.status_code, proof.delivered_at) == (ProofStatus.RETURNED, "1", None)


def test_a_parcel_returned_to_its_sender_is_returned_though_yurtici_reports_it_delivered() -> None:
    proof = parse("query-returned-delivered.xml", "12523")
    assert (proof.status, proof.status_code) == (ProofStatus.RETURNED, "5")
    assert (proof.delivered_at, proof.received_by, proof.recipient_relation) == (None, None, RecipientRelation.UNKNOWN)
    assert [event.description for event in proof.events][-2:] == [
        "Teslim Edilemedi — Alıcı Kabul Etmedi (Ücret, Ürün Bedeli, Eksik İrsaliye/Fatura vb.)",
        "Kargo Teslim Edildi — Sorun Yok",
    ]


def returned_delivered(reject_status: str, reason: str | None = None) -> ProofOfDelivery:
    """query-returned-delivered.xml (DLV, rejectStatus 10) with another rejectStatus, and another reason if given."""
    body = sample("yurtici", "query-returned-delivered.xml").decode()
    status, sent = "<rejectStatus>10</rejectStatus>", "Alıcı Kabul Etmedi (Ücret, Ürün Bedeli, Eksik İrsaliye/Fatura vb.)"
    assert status in body and f"{sent}</rejectReasonExplanation>" in body
    body = body.replace(status, f"<rejectStatus>{reject_status}</rejectStatus>")
    if reason is not None:
        body = body.replace(f"{sent}</rejectReasonExplanation>", f"{reason}</rejectReasonExplanation>")
    return parse_query_response(reply(body), "12523", RECEIVED)


@pytest.mark.parametrize("reject_status", ["1", "2", "3", "9"])
def test_a_delivery_with_a_return_under_way_for_a_reason_is_returned(reject_status: str) -> None:
    """M (live replies): any rejectStatus but 0 whose reason is not "Sorun Yok" is a return; D: 1, 2, 3 are steps of
    a return in progress ("İade süreci devam ediyor")."""
    proof = returned_delivered(reject_status)

    assert (proof.status, proof.status_code) == (ProofStatus.RETURNED, "5")
    assert (proof.delivered_at, proof.received_by) == (None, None)


@pytest.mark.parametrize("reject_status", ["4", "7", "8", "11"])
def test_a_delivery_whose_return_was_called_off_stays_delivered_whatever_reason_the_return_had(
    reject_status: str,
) -> None:
    """D, "İade Durum Kodları (rejectStatus)": 4 "İade beklemede", 7 "Teslimat iptal edildi", 8 "Borçlandırma iptal
    edildi", 11 "İade onaylanmadı", and "rejectStatus 4, 7, 8, 11 → İade iptal edildi, normal süreç başladı" (the
    return was called off, the normal process resumed): a DLV beside one of them is a delivery to the addressee,
    though the reason the return was asked for ("Alıcı Kabul Etmedi…") is still written beside it."""
    proof = returned_delivered(reject_status)

    assert (proof.status, proof.status_code, proof.received_by) == (ProofStatus.DELIVERED, "5", "Ali Veli")
    assert proof.delivered_at == datetime(2024, 1, 18, 8, 15, tzinfo=UTC)  # 20240118 111500 Istanbul


def test_a_delivery_with_a_return_status_and_no_reason_is_returned() -> None:
    """M's rule for a rejectStatus D does not list (5): a blank reason counts as a return."""
    proof = returned_delivered("5", reason="")

    assert (proof.status, proof.delivered_at, proof.received_by) == (ProofStatus.RETURNED, None, None)


@pytest.mark.parametrize(("reject_status", "reason"), [("0", None), ("7", "Sorun Yok"), ("4", "SORUN YOK")])
def test_a_delivery_stays_delivered_with_return_status_0_or_a_reason_of_no_problem(
    reject_status: str, reason: str | None
) -> None:
    """M reads rejectStatus 0, and any whose reason is "Sorun Yok" (seen with 7 on real deliveries), as no return."""
    proof = returned_delivered(reject_status, reason)

    assert (proof.status, proof.received_by) == (ProofStatus.DELIVERED, "Ali Veli")


def test_a_cancelled_return_request_leaves_a_delivery_delivered() -> None:
    body = detail(
        "<operationCode>5</operationCode><operationStatus>DLV</operationStatus><shippingDeliveryItemDetailVO>"
        "<receiverInfo>Ali Veli</receiverInfo><deliveryDate>20240115</deliveryDate><deliveryTime>142530</deliveryTime>"
        "<rejectStatus>7</rejectStatus><rejectStatusExplanation>Teslim İptal</rejectStatusExplanation>"
        "<rejectDescription>POS Entegrasyon</rejectDescription><rejectReasonExplanation>Sorun Yok"
        "</rejectReasonExplanation></shippingDeliveryItemDetailVO>"
    )
    proof = parse_query_response(reply(body), "12520", RECEIVED)
    assert (proof.status, proof.received_by) == (ProofStatus.DELIVERED, "Ali Veli")
    assert proof.delivered_at == datetime(2024, 1, 15, 11, 25, 30, tzinfo=UTC)


def test_a_delivery_time_on_a_parcel_not_delivered_is_not_a_delivery() -> None:
    body = detail(
        "<operationCode>1</operationCode><shippingDeliveryItemDetailVO><receiverInfo>Ali Veli</receiverInfo>"
        "<deliveryDate>20240115</deliveryDate><deliveryTime>142530</deliveryTime></shippingDeliveryItemDetailVO>"
    )
    proof = parse_query_response(reply(body), "12520", RECEIVED)
    assert (proof.status, proof.delivered_at, proof.received_by) == (ProofStatus.IN_TRANSIT, None, None)


# --- the receiver -----------------------------------------------------------------------------------------


def delivered_to(info: str, addressee: str = "Mehmet Yılmaz") -> ProofOfDelivery:
    item = f"<receiverCustName>{addressee}</receiverCustName><receiverInfo>{info}</receiverInfo>"
    body = detail(f"<operationCode>5</operationCode><shippingDeliveryItemDetailVO>{item}"
                  "</shippingDeliveryItemDetailVO>")
    return parse_query_response(reply(body), "12520", RECEIVED)


def test_the_addressee_by_name_is_the_recipient_whatever_the_spelling() -> None:
    proof = delivered_to("MEHMET YILMAZ")
    assert (proof.received_by, proof.recipient_relation) == ("MEHMET YILMAZ", RecipientRelation.RECIPIENT)


@pytest.mark.parametrize("info", ["KOMŞUSU", "KOMŞU MEHMET", "Kendisi", "KENDİSİ AYŞE", "BİZZAT", "KAPICI", "EŞİ"])
def test_the_couriers_relation_words_are_passed_on_as_written_never_as_the_addressees_name(info: str) -> None:
    assert (delivered_to(info).received_by, delivered_to(info).recipient_relation) == (info, RecipientRelation.UNKNOWN)


# --- odd replies ------------------------------------------------------------------------------------------


def test_an_unreadable_delivery_time_costs_the_time_only() -> None:
    body = detail(
        "<operationCode>5</operationCode><shippingDeliveryItemDetailVO><receiverInfo>Ali Veli</receiverInfo>"
        "<deliveryDate>2024-13-45</deliveryDate><deliveryTime>142530</deliveryTime></shippingDeliveryItemDetailVO>"
    )
    proof = parse_query_response(reply(body), "12520", RECEIVED)
    assert (proof.status, proof.delivered_at, proof.received_by) == (ProofStatus.DELIVERED, None, "Ali Veli")
    assert [(n.code, n.field) for n in proof.notes] == [
        (NoteCode.FIELD_UNREADABLE, "shippingDeliveryItemDetailVO.deliveryDate")
    ]


def test_a_time_of_day_missing_its_leading_zeros_is_still_hhmmss() -> None:
    """D: eventTime and deliveryTime are HHmmss (142530); with the leading zeros dropped (as 91200 in
    query-delivered.xml), a scan just after midnight keeps only minutes and seconds."""
    entries = "".join(
        f"<invDocCargoVOArray><eventName>{name}</eventName><eventDate>20240115</eventDate><eventTime>{time}"
        "</eventTime></invDocCargoVOArray>"
        for name, time in (("Kargo Yüklendi", "30"), ("Kargo Yüklendi", "512"), ("Kargo Yüklendi", "1512"))
    )
    item = f"<shippingDeliveryItemDetailVO>{entries}</shippingDeliveryItemDetailVO>"
    body = detail(f"<operationCode>1</operationCode>{item}")
    proof = parse_query_response(reply(body), "12520", RECEIVED)
    assert [event.at for event in proof.events] == [
        datetime(2024, 1, 14, 21, 0, 30, tzinfo=UTC),
        datetime(2024, 1, 14, 21, 5, 12, tzinfo=UTC),
        datetime(2024, 1, 14, 21, 15, 12, tzinfo=UTC),
    ]


def test_history_entries_without_a_readable_time_are_left_out_and_noted() -> None:
    entries = "".join(
        f"<invDocCargoVOArray><eventName>{name}</eventName><eventDate>{date}</eventDate><eventTime>1000</eventTime>"
        "</invDocCargoVOArray>"
        for name, date in (("A", "20240114"), ("B", "x"))
    )
    item = f"<shippingDeliveryItemDetailVO>{entries}</shippingDeliveryItemDetailVO>"
    body = detail(f"<operationCode>1</operationCode>{item}")
    proof = parse_query_response(reply(body), "12520", RECEIVED)
    assert [e.code for e in proof.events] == ["A"]
    assert [n.code for n in proof.notes] == [NoteCode.FIELD_UNREADABLE]


def test_a_reply_without_any_detail_is_not_found() -> None:
    assert parse_query_response(reply(envelope("")), "12520", RECEIVED).status is ProofStatus.NOT_FOUND


def test_a_per_key_error_flagged_on_the_whole_reply_is_still_a_not_found() -> None:
    body = envelope(
        "<shippingDeliveryDetailVO><cargoKey>12520</cargoKey><errCode>82519</errCode></shippingDeliveryDetailVO>"
    ).replace("<outFlag>0</outFlag>", "<outFlag>1</outFlag>")
    assert parse_query_response(reply(body), "12520", RECEIVED).status is ProofStatus.NOT_FOUND


@pytest.mark.parametrize(
    "body",
    [
        b"<html>Bad gateway</html>",
        b"not xml at all",
        f'<e:Envelope xmlns:e="{ENVELOPE_NS}"><e:Body/></e:Envelope>'.encode(),
        f'<e:Envelope xmlns:e="{ENVELOPE_NS}"><e:Body><queryShipmentResponse/></e:Body></e:Envelope>'.encode(),
    ],
)
def test_a_reply_that_is_no_query_answer_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedResponse):
        parse_query_response(reply(body), "12520", RECEIVED)
