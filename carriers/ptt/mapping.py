"""PTT Kargo ``gonderiSorgu``: request builder and reply → canonical proof mapping (pure).

Field mapping (``return`` of ``gonderiSorgu`` / ``gonderiSorgu_referansNo``; ``delivery`` = the last
movement whose ``ISLEM`` reads as delivered):

    the latest movement's ISLEM (text)        → status, through STATUS (keywords)
    delivery ITARIH + ISAAT (Istanbul)        → delivered_at
    TESALAN (assumed)                         → received_by
    TESALAN equal to ALICI (Turkish-folded)   → recipient_relation recipient; else unknown
    delivery IMERK                            → courier.unit
    dongu[] (assumed name): ISLEM, ITARIH + ISAAT, IYER, IMERK → events
    no BARNO, no movements, sonucAciklama "… bulunamadı" (or an empty return) → status not_found
"""

from datetime import datetime

from carriers import soap
from carriers.errors import BadRequest
from carriers.http import HttpResponse
from carriers.parsing import join_text, not_found, reading, text
from carriers.ptt.settings import PttSettings
from carriers.ptt.wire import Inquiry, Movement
from carriers.soap import SoapRequest
from carriers.turkish import fold, keyword_table, local_time, relation_by_name
from schemas.proof import Courier, ProofOfDelivery, ProofSource, ProofStatus, TrackingEvent

CODE = "ptt"
SERVICE_PATH = "/GonderiTakipV2/services/Sorgu"
NAMESPACE = "http://takip.ptt.gov.tr"
WHAT = "gonderiSorgu reply"
_OPERATIONS = {"barkod": "gonderiSorgu", "referansNo": "gonderiSorgu_referansNo"}

# PTT describes each movement in words; the first keyword found decides (longer phrases first).
STATUS = keyword_table(CODE, "ISLEM", (
    ("TESLİM EDİLEMEDİ", ProofStatus.FAILED_ATTEMPT),
    ("ADRESTE BULUNAMADI", ProofStatus.FAILED_ATTEMPT),
    ("İADE", ProofStatus.RETURNED),
    ("TESLİM EDİLDİ", ProofStatus.DELIVERED),
    ("DAĞITIM", ProofStatus.IN_TRANSIT),
    ("KABUL", ProofStatus.IN_TRANSIT),
    ("TESLİM ALINDI", ProofStatus.IN_TRANSIT),
    ("SEVK", ProofStatus.IN_TRANSIT),
    ("ULAŞTI", ProofStatus.IN_TRANSIT),
    ("GÖNDERİLDİ", ProofStatus.IN_TRANSIT),
    ("ŞUBEDE", ProofStatus.IN_TRANSIT),
), ProofStatus.UNKNOWN)


def build_query_request(settings: PttSettings, tracking_number: str) -> SoapRequest:
    operation = _OPERATIONS[settings.key]
    return SoapRequest(
        carrier=CODE,
        url=settings.url(SERVICE_PATH),
        action=f"urn:{operation}",
        namespace=NAMESPACE,
        operation=operation,
        params=((
            "op:input",
            (
                (settings.key, tracking_number),
                ("kullanici", settings.username),
                ("sifre", settings.password.get_secret_value()),
            ),
        ),),
    )


def parse_query_response(response: HttpResponse, tracking_number: str, received_at: datetime) -> ProofOfDelivery:
    returned = soap.returned(response.body, carrier=CODE, what=WHAT)
    if returned is None or (len(returned) == 0 and not text(returned.text)):
        return not_found(CODE, tracking_number, received_at)
    inquiry = soap.read_xml(Inquiry, returned, carrier=CODE, what=WHAT)
    movements = inquiry.movements or []
    if text(inquiry.barno) is None and not movements:
        if "BULUNAMADI" in fold(inquiry.sonuc_aciklama) or "KAYIT YOK" in fold(inquiry.sonuc_aciklama):
            return not_found(CODE, tracking_number, received_at)
        raise BadRequest(f"{WHAT} sonucKodu {fold(inquiry.sonuc_kodu)[:16] or 'missing'}", carrier=CODE)
    with reading(CODE, WHAT):
        return _proof(inquiry, movements, tracking_number, received_at)


def _proof(inquiry: Inquiry, movements: list[Movement], tracking_number: str, received_at: datetime) -> ProofOfDelivery:
    timed = sorted(((at, m) for m in movements if (at := _time(m)) is not None), key=lambda pair: pair[0])
    events = tuple(_event(at, m) for at, m in timed if text(m.islem))
    latest = timed[-1][1] if timed else (movements[-1] if movements else None)
    status = STATUS(latest.islem) if latest else ProofStatus.UNKNOWN
    delivery = next(((at, m) for at, m in reversed(timed) if STATUS(m.islem) is ProofStatus.DELIVERED), None)
    receiver, addressee = text(inquiry.tesalan), text(inquiry.alici)
    unit = text(delivery[1].imerk) if delivery else None
    return ProofOfDelivery(
        carrier=CODE,
        tracking_number=tracking_number,
        status=status,
        delivered_at=delivery[0] if delivery and status is ProofStatus.DELIVERED else None,
        received_by=receiver,
        recipient_relation=relation_by_name(receiver, addressee),
        courier=Courier(unit=unit) if unit else None,
        source=ProofSource.PULL,
        received_at=received_at,
        events=events,
    )


def _event(at: datetime, movement: Movement) -> TrackingEvent:
    words = text(movement.islem) or ""
    return TrackingEvent(
        at=at, code=words[:64], description=words, location_text=join_text(movement.iyer, movement.imerk)
    )


def _time(movement: Movement) -> datetime | None:
    return local_time(movement.itarih, movement.isaat, carrier=CODE, what="a PTT movement date")
