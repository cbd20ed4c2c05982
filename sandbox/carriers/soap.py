"""SOAP 1.1 on the carrier's side of the wire, for the sandbox's Yurtiçi, Aras and PTT.

In: the adapter's envelope, parsed with ``defusedxml``; the operation is the Body's first element and its
parameters are every leaf below it by local name (wrappers such as PTT's ``input`` are flattened).
Out: the carrier's envelope (each carrier its own prefix), a ``Fault`` with HTTP 500, or the web server's
HTML error page for 429/5xx, which is what sits in front of these services.
"""

from dataclasses import dataclass
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

from aiohttp import web
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

ENVELOPE_NS = "http://schemas.xmlsoap.org/soap/envelope/"
type Xml = str | None | list[str]  # text (escaped here), an empty element, or rendered children


@dataclass(frozen=True, slots=True)
class SoapCall:
    operation: str
    params: dict[str, str]


def el(name: str, value: Xml) -> str:
    """``<name>value</name>``: text is escaped, a list holds children rendered already, None is empty."""
    if value is None:
        return f"<{name}/>"
    return f"<{name}>{escape(value) if isinstance(value, str) else ''.join(value)}</{name}>"


def leaves(xml: str | bytes) -> dict[str, str] | None:
    """Every leaf element's text by local name; None when ``xml`` is not safe, well-formed XML."""
    root = _parse(xml)
    return None if root is None else _leaves(root)


def read_call(body: bytes) -> SoapCall | None:
    """The operation and parameters of a SOAP request; None when the body is no SOAP envelope."""
    envelope = _parse(body)
    if envelope is None or _local(envelope.tag) != "Envelope":
        return None
    soap_body = next((child for child in envelope if _local(child.tag) == "Body"), None)
    operation = next(iter(soap_body), None) if soap_body is not None else None
    if operation is None:
        return None
    return SoapCall(_local(operation.tag), _leaves(operation))


def reply(content: str, *, prefix: str, declarations: str = "") -> web.Response:
    """A 200 carrying ``content`` in the Body of an envelope whose namespace prefix is ``prefix``."""
    envelope = (
        f'<?xml version="1.0" encoding="utf-8"?><{prefix}:Envelope xmlns:{prefix}="{ENVELOPE_NS}"{declarations}>'
        f"<{prefix}:Body>{content}</{prefix}:Body></{prefix}:Envelope>"
    )
    return web.Response(body=envelope.encode(), content_type="text/xml", charset="utf-8")


def fault(code: str, message: str, *, prefix: str) -> web.Response:
    """A SOAP 1.1 fault, HTTP 500, as these services report wrong credentials or a bad request."""
    content = f"<{prefix}:Fault>{el('faultcode', f'{prefix}:{code}')}{el('faultstring', message)}</{prefix}:Fault>"
    response = reply(content, prefix=prefix)
    response.set_status(500)
    return response


def http_error(status: int, message: str) -> web.Response:
    """The HTML page the web server in front of a SOAP service answers with when the service is not there."""
    page = f"<html><head><title>{status}</title></head><body><h1>{status}</h1><p>{escape(message)}</p></body></html>"
    return web.Response(status=status, body=page.encode(), content_type="text/html", charset="utf-8")


def _parse(xml: str | bytes) -> Element | None:
    try:
        return fromstring(xml, forbid_dtd=True)
    except (DefusedXmlException, ParseError):
        return None


def _leaves(root: Element) -> dict[str, str]:
    return {_local(e.tag): (e.text or "").strip() for e in root.iter() if e is not root and len(e) == 0}


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]
