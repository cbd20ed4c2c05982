"""PTT Kargo ``GonderiTakipV2``: request builder and reply → canonical proof mapping (pure).

Request (``gonderiSorgu`` by barcode, ``gonderiSorgu_referansNo`` by our reference; SOAP 1.1 at
``/GonderiTakipV2/services/Sorgu``, namespace ``http://takip.ptt.gov.tr``)::

    <op:gonderiSorgu><op:input><barkod/><kullanici/><sifre/></op:input></op:gonderiSorgu>
    <op:gonderiSorgu_referansNo><op:input><kullanici/><referansNo/><sifre/></op:input></…>

Reply: the ``return`` of ``gonderiSorguResponse`` / ``gonderiSorgu_referansNoResponse``. Fields relied on,
and where they are documented (``Sn`` are the sources in ``tests/fixtures/carriers/ptt/PROVENANCE.md``):

    BARNO                     the barcode the reply is about → package_number (S1, S2, S4, S5); a barcode
                              query answered about another barcode is refused (MalformedResponse)
    dongu[]                   the movements (S1, S2, S4, S5), ordered by siraNo when every one has it (S5),
                              else as sent; repeats of one movement are read once
      IKODU                   PTT's status id (gonderi_durum_id, S1, S2; table S3, ``codes``) → status of
                              the latest movement that reports a state (``codes.STATES``; ``codes.NOTES``
                              record something else and never decide); kept as status_code
      ITARIH + ISAAT          dd/MM/yyyy + HH:mm:ss, Istanbul time (S1, S4) → the events' times; the
                              delivering movement's → delivered_at
      ISLEM, IMERK            its words and office (S1, S4) → events; the delivering office → courier.unit
    TESALAN                   who signed for it, present once delivered (S5) → received_by
    ALICI                     the addressee (S1, S4, S5): TESALAN equal to it → recipient, for the plain
                              "Teslim Edildi"; codes that say who took it decide first (``codes.RELATIONS``)
    no BARNO, no movement     not found, whatever sonucKodu / sonucAciklama say (S1: 0 "Barkod
                              bulunamadı"; S4: an empty reply) — sonucKodu is not relied on (S4: "unreliable")
    BARNO, no state movement  pre_transit: PTT knows the barcode, nothing has happened to the parcel (S1)

Assumed (no public source shows it): the request's SOAPAction ``urn:<operation>`` (Axis2's default) and
its children unqualified (S5 found them accepted on PTT's Axis2 acceptance service); the element order of
``gonderiSorgu_referansNo``'s input (alphabetical, Axis2's sequence order, S4); that an empty reply whose
``sonucAciklama`` speaks of the password or authorisation is a refusal of our credentials (S5 saw the
acceptance service refuse in band so; the tracking service refuses with a SOAP fault, S4, which
``carriers.soap`` reads as ``CarrierAuthError``). PTT sends no signature, photo or coordinates.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any
from xml.etree.ElementTree import Element

from pydantic import ValidationError

from carriers import soap
from carriers.errors import CarrierAuthError, MalformedResponse
from carriers.http import HttpResponse
from carriers.parsing import ProofNotes, digits, not_found, reading, text, timeline
from carriers.ptt.codes import NOTES, RELATIONS, STATES
from carriers.ptt.settings import PttSettings
from carriers.ptt.wire import Inquiry, Movement
from carriers.soap import SoapRequest
from carriers.status import status_table
from carriers.turkish import ascii_key, local_time, relation_by_name
from schemas.proof import Courier, ProofOfDelivery, ProofSource, ProofStatus, RecipientRelation, TrackingEvent

CODE = "ptt"
SERVICE_PATH = "/GonderiTakipV2/services/Sorgu"
NAMESPACE = "http://takip.ptt.gov.tr"
WHAT = "gonderiSorgu reply"
BY_REFERENCE = "gonderiSorgu_referansNo"
_RESPONSES = frozenset({"gonderiSorguResponse", f"{BY_REFERENCE}Response"})
STATUS = status_table(CODE, "dongu.IKODU", STATES)
_REFUSED = ("SIFRE", "PAROLA", "YETKI")  # folded words of a credentials refusal
_MAX_EVENTS = 1000


def build_query_request(settings: PttSettings, tracking_number: str) -> SoapRequest:
    key, operation = ("barkod", "gonderiSorgu") if settings.key == "barkod" else ("referansNo", BY_REFERENCE)
    credentials = (("kullanici", settings.username), ("sifre", settings.password.get_secret_value()))
    params = sorted(((key, tracking_number), *credentials))  # Axis2 reads the input's fields in this order
    return SoapRequest(
        carrier=CODE,
        url=settings.url(SERVICE_PATH),
        action=f"urn:{operation}",
        namespace=NAMESPACE,
        operation=operation,
        params=(("op:input", tuple(params)),),
    )


def parse_query_response(response: HttpResponse, tracking_number: str, received_at: datetime) -> ProofOfDelivery:
    result = soap.operation_result(response.body, carrier=CODE, what=WHAT)
    operation = soap.local_name(result.tag)
    if operation not in _RESPONSES:
        raise MalformedResponse(f"{WHAT} is not the answer of gonderiSorgu", carrier=CODE)
    returned = next(iter(result), None)
    inquiry = _inquiry(returned) if returned is not None else Inquiry()
    notes = ProofNotes()
    barcode = _leaf(inquiry.barno, "BARNO")
    movements = _movements(inquiry.movements or [], notes)
    if barcode is None and not movements:
        _refused_in_band(inquiry)
        return not_found(CODE, tracking_number, received_at)
    by_reference = operation == f"{BY_REFERENCE}Response"
    if barcode is not None and not by_reference and ascii_key(barcode) != ascii_key(tracking_number):
        raise MalformedResponse(f"{WHAT} is about another barcode", carrier=CODE)
    with reading(CODE, WHAT):
        return _proof(
            inquiry, movements, notes,
            tracking_number=tracking_number,
            package=None if by_reference or barcode is None else tracking_number,
            received_at=received_at,
        )


def _inquiry(returned: Element) -> Inquiry:
    data = soap.xml_data(returned, carrier=CODE, what=WHAT)
    if data is None:
        return Inquiry()
    if not isinstance(data, dict):
        raise MalformedResponse(f"{WHAT} holds text where its fields belong", carrier=CODE)
    with reading(CODE, WHAT):
        return Inquiry.model_validate(data)


def _leaf(value: Any, field: str) -> str | None:
    """A field that must be one text: ``BARNO`` identifies the parcel, so anything else refuses the reply."""
    if value is None or isinstance(value, str):
        return text(value)
    raise MalformedResponse(f"{WHAT} field {field} is not a text", carrier=CODE)


def _optional(value: Any, field: str, notes: ProofNotes) -> str | None:
    """An optional text field; anything but one text is noted and left out."""
    if value is None or isinstance(value, str):
        return text(value)
    notes.unreadable(field, "not a single text")
    return None


def _movements(raw: Sequence[Any], notes: ProofNotes) -> list[Movement]:
    """The movements in PTT's order (``siraNo`` when every one has it), each once; unreadable ones noted."""
    read = [movement for item in raw if (movement := _movement(item)) is not None]
    if len(read) < len(raw):
        notes.unreadable("dongu", "a movement that could not be read was left out")
    unique = list(dict.fromkeys(read))
    numbered = [(number, m) for m in unique if (number := _number(m.sira_no)) is not None]
    if len(numbered) < len(unique):
        return unique
    return [m for _, m in sorted(numbered, key=itemgetter(0))]


def _movement(item: Any) -> Movement | None:
    try:
        return Movement.model_validate(item)
    except ValidationError:
        return None


def _number(value: str | None) -> int | None:
    return digits(text(value))


def _refused_in_band(inquiry: Inquiry) -> None:
    words = ascii_key(inquiry.sonuc_aciklama if isinstance(inquiry.sonuc_aciklama, str) else None)
    if any(word in words for word in _REFUSED):
        raise CarrierAuthError("gonderiSorgu refused the credentials", carrier=CODE)


def _proof(
    inquiry: Inquiry,
    movements: list[Movement],
    notes: ProofNotes,
    *,
    tracking_number: str,
    package: str | None,
    received_at: datetime,
) -> ProofOfDelivery:
    latest = next((m for m in reversed(movements) if text(m.ikodu) not in NOTES), None)
    code = text(latest.ikodu) if latest else None
    if latest is None:
        status = ProofStatus.PRE_TRANSIT
    elif code is None:
        notes.unreadable("dongu.IKODU", "the latest movement has no status code")
        status = ProofStatus.UNKNOWN
    else:
        status = notes.status(STATUS, code, "dongu.IKODU")
    delivered = status is ProofStatus.DELIVERED and latest is not None
    receiver = _optional(inquiry.tesalan, "TESALAN", notes) if delivered else None
    return ProofOfDelivery(
        carrier=CODE,
        tracking_number=tracking_number,
        package_number=package,
        status=status,
        status_code=code[:64] if code else None,
        delivered_at=_delivered_at(latest, notes) if delivered else None,
        received_by=receiver,
        recipient_relation=_relation(code, receiver, _optional(inquiry.alici, "ALICI", notes)),
        courier=_courier(latest) if delivered else None,
        source=ProofSource.PULL,
        received_at=received_at,
        events=_events(movements, notes),
        notes=notes.items,
    )


def _delivered_at(movement: Movement | None, notes: ProofNotes) -> datetime | None:
    return notes.optional("dongu.ITARIH", lambda: _time(movement)) if movement else None


def _relation(code: str | None, receiver: str | None, addressee: str | None) -> RecipientRelation:
    return RELATIONS[code] if code in RELATIONS else relation_by_name(receiver, addressee)


def _courier(movement: Movement | None) -> Courier | None:
    unit = text(movement.imerk) if movement else None
    return Courier(unit=unit) if unit else None


def _events(movements: Iterable[Movement], notes: ProofNotes) -> tuple[TrackingEvent, ...]:
    unreadable = False
    events: list[TrackingEvent | None] = []
    for movement in movements:
        try:
            events.append(_event(movement))
        except MalformedResponse:
            unreadable = True
    if unreadable:
        notes.unreadable("dongu.ITARIH", "a movement's date or time could not be read; it is left out")
    return timeline(events)[-_MAX_EVENTS:]


def _event(movement: Movement) -> TrackingEvent | None:
    at, code = _time(movement), text(movement.ikodu)
    if at is None or code is None:
        return None
    return TrackingEvent(at=at, code=code[:64], description=text(movement.islem), location_text=text(movement.imerk))


def _time(movement: Movement) -> datetime | None:
    return local_time(movement.itarih, movement.isaat, carrier=CODE, what="a PTT movement date")
