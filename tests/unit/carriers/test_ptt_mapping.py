"""PTT's ``gonderiSorgu`` mapping against the public samples in ``tests/fixtures/carriers/ptt/`` (see their
``PROVENANCE.md``). Every expected value below is read off the sample by hand."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from defusedxml.ElementTree import fromstring
from pydantic import SecretStr
from structlog.testing import capture_logs

from carriers.errors import CarrierAuthError, MalformedResponse
from carriers.http import HttpResponse
from carriers.ptt.codes import CODES, NOTES, STATES
from carriers.ptt.mapping import NAMESPACE, build_query_request, parse_query_response
from carriers.ptt.settings import PttSettings
from carriers.status import UNMAPPED
from schemas.proof import NoteCode, ProofSource, ProofStatus, RecipientRelation
from tests.unit.carriers.conftest import RECEIVED
from tests.unit.carriers.properties import FIXTURES, sample

TR = ZoneInfo("Europe/Istanbul")
SETTINGS = PttSettings(username="900123456", password=SecretStr("ptt<pass>"))


def reply(name: str) -> HttpResponse:
    return HttpResponse(200, {}, sample("ptt", name))


def parse(name: str, asked: str) -> object:
    return parse_query_response(reply(name), asked, RECEIVED)


def edited(name: str, old: str, new: str) -> HttpResponse:
    body = sample("ptt", name).decode()
    assert old in body
    return HttpResponse(200, {}, body.replace(old, new).encode())


def published() -> dict[str, tuple[str, str]]:
    """PTT's status table as published: code → (words, group name)."""
    rows = (FIXTURES / "ptt" / "durum-kodlari.md").read_text(encoding="utf-8").splitlines()
    cells = [[c.strip() for c in row.split("|")[1:-1]] for row in rows if re.match(r"^\| \d", row)]
    return {code: (words, group) for code, words, _, group, _ in cells}


# --- the request ----------------------------------------------------------------------------------------------


def operation_of(envelope: bytes) -> tuple[str, list[tuple[str, str | None]]]:
    [body] = list(fromstring(envelope))
    [operation] = list(body)
    [wrapper] = list(operation)
    assert wrapper.tag == f"{{{NAMESPACE}}}input"
    return operation.tag, [(child.tag, child.text) for child in wrapper]


def test_the_barcode_query_is_gonderiSorgu_with_its_input_in_sequence() -> None:
    request = build_query_request(SETTINGS, "KP02123456789")

    assert request.url == "https://pttws.ptt.gov.tr/GonderiTakipV2/services/Sorgu"
    assert request.headers()["SOAPAction"] == '"urn:gonderiSorgu"'
    assert operation_of(request.envelope()) == (
        f"{{{NAMESPACE}}}gonderiSorgu",
        [("barkod", "KP02123456789"), ("kullanici", "900123456"), ("sifre", "ptt<pass>")],
    )


def test_the_reference_query_sends_its_input_in_the_services_order() -> None:
    """Regression: the reference went first; Axis2 reads the input's fields in sequence (kullanici,
    referansNo, sifre: teknomavi's GetTrack and the service's alphabetical sequence)."""
    request = build_query_request(SETTINGS.model_copy(update={"key": "referansNo"}), "ORD-777")

    assert request.action == "urn:gonderiSorgu_referansNo"
    assert operation_of(request.envelope()) == (
        f"{{{NAMESPACE}}}gonderiSorgu_referansNo",
        [("kullanici", "900123456"), ("referansNo", "ORD-777"), ("sifre", "ptt<pass>")],
    )


# --- every sample -----------------------------------------------------------------------------------------------


def test_a_delivery_signed_by_the_addressee() -> None:
    proof = parse("gonderiSorgu-delivered-to-addressee.xml", "KP02123456789")

    assert (proof.carrier, proof.tracking_number, proof.package_number) == ("ptt", "KP02123456789", "KP02123456789")
    assert (proof.status, proof.status_code, proof.source, proof.received_at) == (
        ProofStatus.DELIVERED, "100", ProofSource.PULL, RECEIVED,
    )
    assert proof.delivered_at == datetime(2026, 3, 22, 14, 30, tzinfo=TR)
    assert (proof.received_by, proof.recipient_relation) == ("MEHMET DEMİR", RecipientRelation.RECIPIENT)
    assert proof.courier is not None and proof.courier.unit == "ANKARA/ÇANKAYA"
    assert (proof.signature, proof.photo, proof.location, proof.notes) == (None, None, None, ())
    assert [(e.code, e.description, e.location_text, e.at) for e in proof.events] == [
        ("1", "Kabul Edildi", "İSTANBUL/KADIKÖY", datetime(2026, 3, 20, 10, 0, tzinfo=TR)),
        ("77", "Sevk Edildi", "ANKARA AKTARMA", datetime(2026, 3, 21, 8, 0, tzinfo=TR)),
        ("7", "Dağıtıcıya Verildi", "ANKARA/ÇANKAYA", datetime(2026, 3, 22, 9, 0, tzinfo=TR)),
        ("100", "Teslim Edildi", "ANKARA/ÇANKAYA", datetime(2026, 3, 22, 14, 30, tzinfo=TR)),
    ]


def test_a_delivery_without_a_signer() -> None:
    proof = parse("gonderiSorgu-delivered-no-receiver.xml", "KP02123456789")

    assert (proof.status, proof.status_code, proof.delivered_at) == (
        ProofStatus.DELIVERED, "100", datetime(2026, 3, 22, 14, 30, tzinfo=TR),
    )
    assert (proof.received_by, proof.recipient_relation) == (None, RecipientRelation.UNKNOWN)
    assert len(proof.events) == 4


def test_a_delivery_to_a_relative_then_the_cash_on_delivery_fee_paid() -> None:
    """Regression: the state was read from the last movement's words, so "AYNI KONUTTA YAKINA TESLiM" and the
    fee paid after it (399) read as unknown. The fee is a note beside the state, not a state."""
    proof = parse("gonderiSorgu-delivered-to-relative.xml", "KP02987650001")

    assert (proof.status, proof.status_code) == (ProofStatus.DELIVERED, "812")
    assert proof.delivered_at == datetime(2026, 3, 19, 13, 2, 8, tzinfo=TR)
    assert (proof.received_by, proof.recipient_relation) == ("FATMA KAYA", RecipientRelation.HOUSEHOLD_MEMBER)
    assert proof.courier is not None and proof.courier.unit == "İZMİR/KARŞIYAKA"
    assert [e.code for e in proof.events] == ["1", "3", "77", "92", "7", "812", "399"]


@pytest.mark.parametrize(
    ("name", "asked", "status", "code"),
    [
        ("gonderiSorgu-accepted.xml", "KP02987654321", ProofStatus.IN_TRANSIT, "1"),
        ("gonderiSorgu-failed-attempt.xml", "KP02333333333", ProofStatus.FAILED_ATTEMPT, "101"),
        ("gonderiSorgu-returned.xml", "KP02111111111", ProofStatus.RETURNED, "99"),
    ],
)
def test_a_parcel_not_delivered_has_its_state_and_no_delivery_facts(name, asked, status, code) -> None:
    proof = parse(name, asked)

    assert (proof.status, proof.status_code, proof.package_number) == (status, code, asked)
    assert (proof.delivered_at, proof.received_by, proof.courier, proof.notes) == (None, None, None, ())
    [event] = proof.events
    assert event.code == code


def test_out_for_delivery_read_by_reference() -> None:
    """Regression: "Dağıtıcıya Verildi" (PTT's out-for-delivery words) read as unknown; and a reply to a
    reference query names PTT's barcode, which is not the number asked, so no package is claimed."""
    proof = parse("gonderiSorgu_referansNo-out-for-delivery.xml", "ORD-777")

    assert (proof.tracking_number, proof.package_number) == ("ORD-777", None)
    assert (proof.status, proof.status_code) == (ProofStatus.IN_TRANSIT, "7")
    assert [(e.code, e.at) for e in proof.events] == [
        ("1", datetime(2026, 3, 20, 10, 0, tzinfo=TR)),
        ("7", datetime(2026, 3, 22, 9, 0, tzinfo=TR)),
    ]


def test_a_barcode_known_without_movements_is_pre_transit() -> None:
    proof = parse("gonderiSorgu-no-movements.xml", "KP02777777777")

    assert (proof.status, proof.status_code, proof.package_number, proof.events) == (
        ProofStatus.PRE_TRANSIT, None, "KP02777777777", (),
    )


@pytest.mark.parametrize("name", ["gonderiSorgu-not-found.xml", "gonderiSorgu-empty-return.xml"])
def test_an_unknown_barcode_is_a_not_found_result(name: str) -> None:
    proof = parse(name, "KP02000000000")

    assert (proof.status, proof.tracking_number, proof.status_code) == (ProofStatus.NOT_FOUND, "KP02000000000", None)


def test_a_not_found_answer_with_any_result_code_is_still_not_found() -> None:
    """Regression: a reply without barcode and movements whose result words did not say "bulunamadı" was
    a BadRequest; PTT's sonucKodu is not reliable (10 for success in its test environment), absence is."""
    response = edited("gonderiSorgu-not-found.xml", "<ax21:sonucKodu>0</ax21:sonucKodu>",
                      "<ax21:sonucKodu>10</ax21:sonucKodu>")
    response = HttpResponse(200, {}, response.body.replace("Barkod bulunamadı".encode(), b"ISLEM BASARILI"))

    assert parse_query_response(response, "KP1", RECEIVED).status is ProofStatus.NOT_FOUND


def test_movements_are_read_in_siraNo_order_each_once() -> None:
    """Regression: movements were taken in the order sent and a repeated one counted twice."""
    proof = parse("gonderiSorgu-shuffled-duplicate.xml", "KP02444444444")

    assert (proof.status, proof.status_code) == (ProofStatus.DELIVERED, "100")
    assert proof.delivered_at == datetime(2026, 8, 7, 14, 22, tzinfo=TR)
    assert (proof.received_by, proof.recipient_relation) == ("AHMET ASLAN", RecipientRelation.RECIPIENT)
    assert [e.code for e in proof.events] == ["1", "7", "100"]


def test_the_latest_movement_by_siraNo_decides_not_the_last_one_sent() -> None:
    response = edited("gonderiSorgu-shuffled-duplicate.xml", "<ax21:siraNo>3</ax21:siraNo>",
                      "<ax21:siraNo>0</ax21:siraNo>")

    proof = parse_query_response(response, "KP02444444444", RECEIVED)

    assert (proof.status, proof.status_code, proof.delivered_at) == (ProofStatus.IN_TRANSIT, "7", None)


@pytest.mark.parametrize("number", ["³", "٣"])
def test_a_siraNo_in_digits_that_are_not_ascii_is_read_as_no_number(number: str) -> None:
    """Regression: ``"³".isdigit()`` is true and ``int("³")`` raises, so the reply was refused untyped; ``٣`` (an
    Arabic-Indic 3) would have ordered its movement as 3."""
    response = edited("gonderiSorgu-shuffled-duplicate.xml", "<ax21:siraNo>3</ax21:siraNo>",
                      f"<ax21:siraNo>{number}</ax21:siraNo>")

    proof = parse_query_response(response, "KP02444444444", RECEIVED)

    assert (proof.status, proof.status_code) == (ProofStatus.IN_TRANSIT, "1")  # the last sent: no siraNo to order by


def test_an_unknown_movement_code_is_kept_noted_counted_and_logged() -> None:
    before = UNMAPPED[("ptt", "9999")]
    with capture_logs() as logs:
        proof = parse("gonderiSorgu-unknown-code.xml", "KP02555555555")

    assert (proof.status, proof.status_code) == (ProofStatus.UNKNOWN, "9999")
    [note] = proof.notes
    assert (note.code, note.field) == (NoteCode.STATUS_UNMAPPED, "dongu.IKODU")
    assert UNMAPPED[("ptt", "9999")] == before + 1
    assert {"event": "carrier_code_unmapped", "carrier": "ptt", "field": "dongu.IKODU", "code": "9999",
            "log_level": "warning"} in logs
    assert "Unknown Event" not in repr(logs)


def test_a_reply_about_another_barcode_is_refused() -> None:
    """Regression: the reply's BARNO was never compared with the barcode asked, so another parcel's
    delivery could become this dispute's proof."""
    with pytest.raises(MalformedResponse, match="another barcode"):
        parse("gonderiSorgu-delivered-to-addressee.xml", "KP02999999999")


def test_the_barcode_is_compared_whatever_its_spacing_and_case() -> None:
    proof = parse("gonderiSorgu-delivered-to-addressee.xml", "kp02123456789")

    assert (proof.status, proof.package_number) == (ProofStatus.DELIVERED, "KP02123456789")  # in its one spelling


# --- what PTT refuses, and replies that are not PTT's ---------------------------------------------------------


def test_a_fault_refusing_the_credentials_is_an_authentication_failure() -> None:
    """Regression: PTT's fault for wrong credentials was a BadRequest, like a bad request of ours."""
    with pytest.raises(CarrierAuthError):
        parse("fault-bad-credentials.xml", "KP1")


def test_an_empty_reply_that_speaks_of_the_password_is_an_authentication_failure() -> None:
    response = edited("gonderiSorgu-not-found.xml", "Barkod bulunamadı", "Kullanıcı Şifre Hatalı")

    with pytest.raises(CarrierAuthError):
        parse_query_response(response, "KP1", RECEIVED)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("<ax21:BARNO>KP02123456789</ax21:BARNO>", "<ax21:BARNO><x>MEHMET DEMİR</x></ax21:BARNO>"),
        ("<ns:return xmlns:ax21=\"http://takip.ptt.gov.tr/xsd\">", "<ns:return>MEHMET DEMİR<x/>"),
        ("ns:gonderiSorguResponse", "ns:MEHMET"),
    ],
    ids=["structure where the barcode belongs", "text beside the fields", "not the operation's reply"],
)
def test_a_malformed_reply_is_refused_without_personal_data(old: str, new: str) -> None:
    body = sample("ptt", "gonderiSorgu-delivered-to-addressee.xml").decode().replace(old, new)
    with pytest.raises(MalformedResponse) as caught:
        parse_query_response(HttpResponse(200, {}, body.encode()), "KP02123456789", RECEIVED)

    assert "MEHMET" not in str(caught.value) and caught.value.__cause__ is None


def test_an_unreadable_movement_costs_that_movement_only() -> None:
    response = edited("gonderiSorgu-delivered-to-addressee.xml", "<ax21:ITARIH>21/03/2026</ax21:ITARIH>",
                      "<ax21:ITARIH>dün MEHMET</ax21:ITARIH>")

    proof = parse_query_response(response, "KP02123456789", RECEIVED)

    assert (proof.status, proof.delivered_at) == (ProofStatus.DELIVERED, datetime(2026, 3, 22, 14, 30, tzinfo=TR))
    assert [e.code for e in proof.events] == ["1", "7", "100"]
    [note] = proof.notes
    assert (note.code, note.field) == (NoteCode.FIELD_UNREADABLE, "dongu.ITARIH") and "MEHMET" not in repr(note)


def test_an_unreadable_delivery_time_keeps_the_delivery_without_a_time() -> None:
    response = edited("gonderiSorgu-delivered-to-addressee.xml", "<ax21:ISAAT>14:30:00</ax21:ISAAT>",
                      "<ax21:ISAAT>öğleden sonra</ax21:ISAAT>")

    proof = parse_query_response(response, "KP02123456789", RECEIVED)

    assert (proof.status, proof.delivered_at, proof.received_by) == (ProofStatus.DELIVERED, None, "MEHMET DEMİR")
    assert {note.field for note in proof.notes} == {"dongu.ITARIH"}


def test_a_latest_movement_without_its_code_is_an_unknown_state() -> None:
    response = edited("gonderiSorgu-delivered-to-addressee.xml", "<ax21:IKODU>100</ax21:IKODU>", "")

    proof = parse_query_response(response, "KP02123456789", RECEIVED)

    assert (proof.status, proof.status_code, proof.delivered_at, proof.received_by) == (
        ProofStatus.UNKNOWN, None, None, None,
    )
    assert [(n.code, n.field) for n in proof.notes] == [(NoteCode.FIELD_UNREADABLE, "dongu.IKODU")]


# --- PTT's status table -----------------------------------------------------------------------------------------


def test_every_published_code_is_mapped() -> None:
    assert set(CODES) == set(published())


def test_delivered_is_what_ptt_files_under_delivery_and_nothing_else() -> None:
    """A parcel is delivered only where PTT's own table says TESLİM (delivery), less the ways a legal notice
    is deemed served without a hand-over (left with the muhtar, the village council or the police under the
    Notification Law's article 21, posted on a board, stuck on the door, left before a refusing addressee), and
    less the return-receipt card's delivery (121)."""
    no_hand_over = {"813", "814", "815", "829", "816", "825", "826", "827", "828"}
    delivery = {code for code, (_, group) in published().items() if group == "TESLİM"}

    assert {code for code, status in STATES.items() if status is ProofStatus.DELIVERED} == (
        delivery - no_hand_over - {"121"}
    )


def test_returns_and_failed_deliveries_follow_ptts_groups() -> None:
    table = published()
    returned = {code for code, (_, group) in table.items() if group in ("İADE", "GÖNDERİCİSİNE TESLİM")}
    failed = {code for code, (_, group) in table.items() if group in ("TESLİM EDİLEMEDİ", "EL TERMİNALİ")}
    destroyed_seized_lost = {"109", "142", "143", "144", "145", "147", "716", "717", "718"}

    assert all(STATES[code] is ProofStatus.RETURNED for code in returned)
    assert all(STATES[code] is ProofStatus.FAILED_ATTEMPT for code in failed - destroyed_seized_lost)
    assert all(STATES[code] is ProofStatus.EXCEPTION for code in destroyed_seized_lost)


@pytest.mark.parametrize(
    ("code", "words"),
    [("399", "Teslim Edilen Gönderi Ücreti Yatırıldı."), ("121", "Alma Haber Kartı Teslimi"),
     ("159", "Güncelleme Yapıldı"), ("410", "Talimat Verildi(II.Adrese Git)"), ("210", "Telefonla Haber Verildi")],
)
def test_notes_beside_the_parcels_state_never_decide_it(code: str, words: str) -> None:
    assert code in NOTES and published()[code][0] == words


@pytest.mark.parametrize(
    ("code", "relation"),
    [("807", RecipientRelation.RECIPIENT), ("221", RecipientRelation.RECIPIENT),
     ("812", RecipientRelation.HOUSEHOLD_MEMBER), ("225", RecipientRelation.HOUSEHOLD_MEMBER),
     ("157", RecipientRelation.DOORMAN), ("202", RecipientRelation.PARCEL_LOCKER),
     ("228", RecipientRelation.UNKNOWN), ("818", RecipientRelation.UNKNOWN)],
)
def test_a_delivering_code_that_says_who_took_it_decides_the_relation(code: str, relation) -> None:
    response = edited("gonderiSorgu-delivered-to-addressee.xml", "<ax21:IKODU>100</ax21:IKODU>",
                      f"<ax21:IKODU>{code}</ax21:IKODU>")

    proof = parse_query_response(response, "KP02123456789", RECEIVED)

    assert (proof.status, proof.recipient_relation) == (ProofStatus.DELIVERED, relation)


@pytest.mark.parametrize(
    ("code", "words"),
    [("826", "BAĞIMSIZ BÖLÜMDE OTURAN YOK, PANOYA ASILDI"), ("813", "21.MAD. GORE MUHTARA TESLiM"),
     ("814", "21.MAD. GORE iHTiYAR HEYETi/AZAYA TESLiM"), ("815", "21.MAD. GORE ZABITA AMiRi/MEMURA TESLiM"),
     ("829", "21/2. Maddeye Göre Muhtara Teslim (MERNİS)")],
)
def test_a_notice_posted_on_the_board_or_left_with_an_official_is_no_delivery(code: str, words: str) -> None:
    response = edited("gonderiSorgu-delivered-to-addressee.xml", "<ax21:IKODU>100</ax21:IKODU>",
                      f"<ax21:IKODU>{code}</ax21:IKODU>")

    proof = parse_query_response(response, "KP02123456789", RECEIVED)

    assert published()[code][0] == words
    assert (proof.status, proof.status_code, proof.delivered_at, proof.received_by) == (
        ProofStatus.EXCEPTION, code, None, None,
    )


def test_a_delivery_cancelled_afterwards_is_no_longer_delivered() -> None:
    response = edited(
        "gonderiSorgu-delivered-to-addressee.xml", "        <ax21:sonucAciklama>",
        "        <ax21:dongu><ax21:IKODU>15</ax21:IKODU><ax21:ISAAT>16:00:00</ax21:ISAAT>"
        "<ax21:ITARIH>22/03/2026</ax21:ITARIH><ax21:siraNo>5</ax21:siraNo></ax21:dongu>\n        <ax21:sonucAciklama>",
    )

    proof = parse_query_response(response, "KP02123456789", RECEIVED)

    assert (proof.status, proof.status_code, proof.delivered_at) == (ProofStatus.EXCEPTION, "15", None)
