"""SOAP 1.1 for the carriers that speak it: envelopes out, replies in, over the carrier's resilient link.

Out: ``SoapRequest`` renders the envelope itself, every value escaped; names are written as given, and a
name with the ``op:`` prefix is qualified with the operation's namespace (``.NET`` services want their
parameters qualified, JAX-WS ones usually do not).

In: replies are parsed with ``defusedxml`` only (no DTDs, no entities, no external references). Element
names lose their namespace; ``xml_data`` turns an element into plain data for a ``WireModel``, where a
repeated element becomes a list. XML cannot tell one repeated element from a single one, so wire fields
that may repeat are declared ``XmlList``.

Faults: SOAP 1.1 reports errors as a ``Fault`` with HTTP 500. A fault that refuses our credentials (WS-Security's
``FailedAuthentication`` family, or a fault string about the user name, password, authorisation or the gateway's
policy; the word "user" alone is not enough) is ``CarrierAuthError``: an alert for operators, never a retry storm.
Any other fault of the ``Server`` class (SOAP 1.1 §4.4.1: "The message may succeed at a later point in time";
``Receiver`` in SOAP 1.2), and WCF's ``InternalServiceFault`` (its answer to any unhandled error on the service's
side), is the carrier failing for now: ``CarrierUnavailable``, retried. Every other fault (``Client``/``Sender``, a
carrier's own code) is the carrier's answer to our request: ``BadRequest``, not retried. A 500 that is not a fault
is the carrier being down (``CarrierUnavailable``, retried). Fault codes are carrier vocabulary; fault strings may
echo our input, so they are matched against known words but never copied into errors.

Some carriers send every error, our request's too, as a ``Server`` fault whose ``detail`` holds the exception
their WSDL declares (Yurtiçi's ``YurticikargoWSException{errorCode, errText}``). Such a carrier reads its own
faults (``FaultReader``, given to ``SoapLink`` and ``operation_result``): after an authentication fault code or a
fault string naming the credentials, its reading decides, before any other word of the fault string is read;
when it has none (no declared exception in the detail), the rules above do. A fault that is the carrier's answer
about the shipment (Yurtiçi's code for a key it does not know) is no error: ``SoapLink`` hands it back as the
reply (``answers``, the carrier's test), for the mapping to read.
"""

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any
from xml.etree.ElementTree import Element  # the type only: parsing goes through defusedxml
from xml.sax.saxutils import escape, quoteattr

import aiohttp
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from pydantic import BeforeValidator

from carriers.base import CarrierSettings
from carriers.breaker import CircuitBreaker
from carriers.clock import Clock
from carriers.errors import BadRequest, CarrierAuthError, CarrierError, CarrierUnavailable, MalformedResponse
from carriers.http import HttpRequest, HttpResponse
from carriers.link import CarrierLink
from carriers.parsing import WireModel, reading, text

ENVELOPE_NS = "http://schemas.xmlsoap.org/soap/envelope/"
_XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_MAX_DEPTH = 32
_AUTH_CODES = ("FAILEDAUTHENTICATION", "INVALIDSECURITY", "INVALIDSECURITYTOKEN", "AUTHENTICATION", "UNAUTHORIZED")
# Fault codes of the service failing, not of our request: SOAP 1.1 ``Server`` (and its dotted subcodes,
# ``Server.userException``), SOAP 1.2 ``Receiver``, WCF's ``InternalServiceFault``.
_SERVER_CODES = ("SERVER", "RECEIVER", "INTERNALSERVICEFAULT")
# Folded (ASCII upper case) words that, in a fault string, mean our credentials were refused. Those that name
# the credentials themselves decide before a carrier's own reading of the fault: Turkish services say
# "Kullanıcı adı veya şifre hatalı", "Kullanıcı Şifre Hatalı", "Geçersiz kullanıcı". "Kullanıcı" (user)
# alone is no such word: Yurtiçi's "Kullanıcıya ait kargo anahtarı bulunamadı" is a key it does not know.
_CREDENTIAL_WORDS = re.compile(
    r"CREDENTIAL|PASSWORD|INVALID USER|SIFRE|PAROLA|\bKULLANICI ADI\b|GECERSIZ KULLANICI"
)
# Words of access refused that do not name the credentials ("Yetkisiz erişim", a session, a login): read only
# when the carrier's own reading has none. PTT's tracking gateway refuses an account not opened for tracking
# with "Policy Falsified".
_ACCESS_WORDS = re.compile(r"AUTHENTICAT|UNAUTHORI[SZ]|LOGIN|POLICY FALSIFIED|YETKI|OTURUM")

type XmlValue = str | None | Sequence[tuple[str, "XmlValue"]]
# A carrier's reading of its own fault (the fault element, its code, the HTTP status): the error the fault stands
# for, or None to leave it to the generic rules.
type FaultReader = Callable[[Element, str, int | None], CarrierError | None]
# Whether a fault is the carrier's answer about the shipment (read by its mapping), not an error.
type FaultAnswer = Callable[[Element], bool]


def _one_or_many(value: Any) -> Any:
    """One element or several → a list; empty elements (None) are dropped."""
    if value is None:
        return None
    return [v for v in (value if isinstance(value, list) else [value]) if v is not None]


type XmlList[T] = Annotated[list[T], BeforeValidator(_one_or_many)]


def xml_element(name: str, value: XmlValue, *, carrier: str) -> str:
    """``<name>value</name>``; a sequence of (name, value) pairs nests, None leaves the element empty."""
    if value is None:
        return f"<{name}/>"
    if isinstance(value, str):
        if _NOT_XML.search(value):
            raise BadRequest("a request value cannot be written as XML", carrier=carrier)
        return f"<{name}>{escape(value)}</{name}>"
    return f"<{name}>{''.join(xml_element(child, v, carrier=carrier) for child, v in value)}</{name}>"


@dataclass(frozen=True, slots=True)
class SoapRequest:
    carrier: str
    url: str
    action: str
    namespace: str
    operation: str
    # In the order the WSDL's sequence declares them. Out of repr: they include the credentials.
    params: Sequence[tuple[str, XmlValue]] = field(repr=False)

    def envelope(self) -> bytes:
        body = xml_element(f"op:{self.operation}", self.params, carrier=self.carrier)
        return (
            '<?xml version="1.0" encoding="utf-8"?>'
            f'<soapenv:Envelope xmlns:soapenv="{ENVELOPE_NS}" xmlns:op={quoteattr(self.namespace)}>'
            f"<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
        ).encode()

    def headers(self) -> dict[str, str]:
        return {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{self.action}"', "Accept": "text/xml"}

    def http_request(self) -> HttpRequest:
        return HttpRequest("POST", self.url, headers=self.headers(), body=self.envelope())


def local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def parse_xml(raw: bytes | str, *, carrier: str, what: str) -> Element:
    try:
        return fromstring(raw, forbid_dtd=True)
    except DefusedXmlException:
        raise MalformedResponse(f"{what} uses forbidden XML constructs", carrier=carrier) from None
    except ParseError:
        raise MalformedResponse(f"{what} is not well-formed XML", carrier=carrier) from None


def _fault(body: bytes, *, carrier: str) -> tuple[Element, str] | None:
    """The fault element and its code when ``body`` is a SOAP fault, else None (also for bodies not XML)."""
    try:
        envelope = parse_xml(body, carrier=carrier, what="reply")
    except MalformedResponse:
        return None
    element = _body_child(envelope)
    code = _fault_code(element)
    return (element, code) if element is not None and code is not None else None


def reply_fault(raw: bytes, *, carrier: str) -> Element | None:
    """The fault element when ``raw`` is a SOAP fault, else None (also for a reply that is not XML)."""
    found = _fault(raw, carrier=carrier)
    return found[0] if found is not None else None


def operation_result(raw: bytes, *, carrier: str, what: str, read_fault: FaultReader | None = None) -> Element:
    """The operation's response element, the first child of the SOAP body (``queryShipmentResponse``)."""
    envelope = parse_xml(raw, carrier=carrier, what=what)
    if local_name(envelope.tag) != "Envelope":
        raise MalformedResponse(f"{what} is not a SOAP envelope", carrier=carrier)
    result = _body_child(envelope)
    if result is None:
        raise MalformedResponse(f"{what} has an empty SOAP body", carrier=carrier)
    if (code := _fault_code(result)) is not None:
        raise fault_error(result, code, carrier=carrier, read_fault=read_fault)
    return result


def fault_error(
    fault: Element, code: str, *, carrier: str, status: int | None = None, read_fault: FaultReader | None = None
) -> CarrierError:
    """The error a fault stands for: our credentials refused (an authentication fault code, or a fault string
    naming the credentials: ``CarrierAuthError``), else the carrier's own reading of it (``read_fault``, its
    declared error code), else access refused in other words (``CarrierAuthError``), else the service failing
    (``CarrierUnavailable``) or our request refused (``BadRequest``), by the fault code's class."""
    words = _folded(" ".join(c.text or "" for c in fault.iter() if local_name(c.tag) in ("faultstring", "Text")))
    name = code.rpartition(":")[2].upper()
    refused = CarrierAuthError(f"SOAP fault {code} (credentials refused)", carrier=carrier, status=status)
    if name in _AUTH_CODES or _CREDENTIAL_WORDS.search(words):
        return refused
    if read_fault is not None and (error := read_fault(fault, code, status)) is not None:
        return error
    if _ACCESS_WORDS.search(words):
        return refused
    kind = CarrierUnavailable if name.partition(".")[0] in _SERVER_CODES else BadRequest
    return kind(f"SOAP fault {code}", carrier=carrier, status=status)


def fault_detail(fault: Element, name: str) -> Element | None:
    """The element named ``name`` (local name) inside the fault's ``detail`` (SOAP 1.1; ``Detail`` in 1.2)."""
    for part in fault:
        if local_name(part.tag) in ("detail", "Detail"):
            return next((c for c in part.iter() if local_name(c.tag) == name), None)
    return None


def _folded(value: str) -> str:
    bare = unicodedata.normalize("NFKD", value.replace("ı", "i"))
    return "".join(ch for ch in bare if not unicodedata.combining(ch)).upper()


def returned(raw: bytes, *, carrier: str, what: str, read_fault: FaultReader | None = None) -> Element | None:
    """What the operation returned: the response element's first child (``return``, ``XxxResult``, …)."""
    return next(iter(operation_result(raw, carrier=carrier, what=what, read_fault=read_fault)), None)


def xml_data(element: Element, *, carrier: str, what: str, depth: int = 0) -> Any:
    """An element as data: text for a leaf (None when empty or ``xsi:nil``), else a dict by local name."""
    if depth > _MAX_DEPTH:
        raise MalformedResponse(f"{what} nests deeper than {_MAX_DEPTH} levels", carrier=carrier)
    if len(element) == 0:
        return None if element.get(_XSI_NIL) in ("true", "1") else text(element.text)
    data: dict[str, Any] = {}
    repeated: set[str] = set()
    for child in element:
        name, value = local_name(child.tag), xml_data(child, carrier=carrier, what=what, depth=depth + 1)
        if name in repeated:
            data[name].append(value)
        elif name in data:
            data[name] = [data[name], value]
            repeated.add(name)
        else:
            data[name] = value
    return data


def read_xml[M: WireModel](model: type[M], element: Element, *, carrier: str, what: str) -> M:
    """An element validated against a wire model; ``MalformedResponse`` naming field paths only."""
    data = xml_data(element, carrier=carrier, what=what)
    with reading(carrier, what):
        return model.model_validate(data)


def _body_child(envelope: Element) -> Element | None:
    body = next((child for child in envelope if local_name(child.tag) == "Body"), None)
    return next(iter(body), None) if body is not None else None


def _fault_code(element: Element | None) -> str | None:
    if element is None or local_name(element.tag) != "Fault":
        return None
    # SOAP 1.1: <faultcode>; SOAP 1.2: <Code><Value>.
    code = next((c.text for c in element.iter() if local_name(c.tag) in ("faultcode", "Value")), None)
    return (text(code) or "unknown")[:64]


class SoapLink(CarrierLink):
    def __init__(
        self, carrier: str, settings: CarrierSettings, session: aiohttp.ClientSession, clock: Clock,
        breaker: CircuitBreaker, *, read_fault: FaultReader | None = None, answers: FaultAnswer | None = None,
    ) -> None:
        super().__init__(carrier, settings, session, clock, breaker)
        self._read_fault = read_fault
        self._answers = answers

    async def send_soap(self, request: SoapRequest) -> HttpResponse:
        """Post the envelope under breaker and retries; a fault of the service failing is retried as an outage,
        any other raises at once (``fault_error``, with the carrier's own ``read_fault``)."""
        return await self.call(lambda: self._attempt(request))

    async def _attempt(self, request: SoapRequest) -> HttpResponse:
        response = await self.send_data(request.http_request(), accept=(500,))
        if response.status == 500:
            if (found := _fault(response.body, carrier=self.carrier)) is None:
                raise CarrierUnavailable("HTTP 500", carrier=self.carrier, status=500)
            if self._answers is not None and self._answers(found[0]):
                return response  # the carrier's answer about the shipment, for the mapping to read
            raise fault_error(*found, carrier=self.carrier, status=500, read_fault=self._read_fault)
        return response
