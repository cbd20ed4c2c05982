"""What every carrier module of the sandbox is made of, and the helpers they share.

A carrier module declares a ``SandboxCarrier``: its routes (below ``/<code>``), the credentials its
adapter needs to get in, its error reply, and, when the carrier pushes, its webhook. Handlers read the
request the carrier's way, check its credentials, and answer through a pure renderer
``(SandboxShipment, View) → body``.

Replies are built from the carriers' own public reply samples in ``tests/fixtures/carriers/<carrier>/``
(``template`` loads one; the renderer changes values only), never from the service's mapping code, so a
mapping tested against the sandbox can still disagree with the carrier's real format.
"""

import base64
import copy
import functools
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from sandbox.carriers.auth import TokenIssuer
from sandbox.carriers.shipments import SandboxShipment, Scenario
from sandbox.carriers.state import PULLS, SCRIPTED_FAULT, SHIPMENTS, TOKENS

SAMPLES = Path(__file__).parents[2] / "tests" / "fixtures" / "carriers"

ISTANBUL = ZoneInfo("Europe/Istanbul")
SIGNATURE_PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAABgAAAAICAAAAADGymC/AAAAJ0lEQVR42mP4jw0wAAFWURCJVRRdAtkABqyiCAlMyxiwiuJ0"
    "GBAAAGL3p1kzn2hKAAAAAElFTkSuQmCC"
)
PHOTO_PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAnElEQVR42gXBsQoAEBAA0PsvpZRSV4rhBoNiOKVYTCbTTffV3gPd"
    "RrfV7XR73UE36o66E8g0Mq1MJ9PLDDJRZpSZ4LF5bB+7x/5xeIyP4+MEt5vb7e3udn97uB1vj7cnONWcak91p/pTw6l4ajw1wSpm"
    "FbuKW8WvElbBVeIqCQaZQXaQG+QHhUE4KA5K0LJp2bbsWvYth5ax5dhy+sgcRmEGeLr5AAAAAElFTkSuQmCC"
)
IMAGES = {"signature": SIGNATURE_PNG, "photo": PHOTO_PNG, "pod": SIGNATURE_PNG}

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str  # below the carrier's prefix: "/track/shipments" is served at /dhl/track/shipments
    handler: Handler
    name: str
    auth: bool = False  # a token endpoint: faults leave it alone, so `times` counts the carrier's data calls


@dataclass(frozen=True, slots=True)
class Webhook:
    body: bytes
    headers: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class View:
    """What a renderer may know beyond the shipment: the time, and the carrier's base URL as the caller
    reached it (signature and photo links point back at the sandbox, which serves the images)."""

    now: datetime
    base: str

    def image_link(self, tracking_number: str, kind: str) -> str:
        return f"{self.base}/_pod/{tracking_number}/{kind}.png"


def text_error(status: int, message: str) -> web.Response:
    return web.Response(status=status, text=message)


@dataclass(frozen=True, slots=True)
class SandboxCarrier:
    code: str
    credentials: Mapping[str, Any]  # what the adapter's settings need to get in (base URL and timeouts aside)
    failure: Callable[[int, str], web.Response] = text_error  # the carrier's error reply for a status
    routes: tuple[Route, ...] = ()
    token_lifetime: float | None = None  # set when the carrier issues bearer tokens (``expired_token`` applies)
    webhook: Callable[[SandboxShipment, View], Webhook] | None = None

    @property
    def pulls(self) -> bool:
        return bool(self.routes)


def view(request: web.Request, code: str) -> View:
    return View(now=datetime.now(UTC), base=f"{request.url.origin()}/{code}")


def lookup(request: web.Request, code: str, tracking_number: str) -> SandboxShipment | None:
    """The shipment the carrier knows by this number, as this data call finds it (its scripted status
    sequence so far); None when it knows none (the ``unknown`` scenario too). Counts the call, and hands
    the number's next scripted fault and latency to the sandbox's middleware."""
    key = (code, tracking_number.strip())
    shipment = request.app[SHIPMENTS].get(key)
    if shipment is None:
        return None
    pulls = request.app[PULLS]
    pulls[key] += 1
    if shipment.latency_seconds:
        request[SCRIPTED_FAULT] = ("latency", shipment.latency_seconds)
    if pulls[key] <= len(shipment.faults):
        request[SCRIPTED_FAULT] = (shipment.faults[pulls[key] - 1], shipment.latency_seconds or 30.0)
    # Calls refused by a scripted fault do not move the parcel along its status sequence.
    return None if shipment.scenario is Scenario.UNKNOWN else shipment.at_pull(pulls[key] - len(shipment.faults))


def current(request: web.Request, code: str, tracking_number: str) -> SandboxShipment | None:
    """The shipment as this pull's ``lookup`` found it, for a carrier's further calls in the same pull (a
    second endpoint, a proof document): counts no call and applies no fault."""
    key = (code, tracking_number.strip())
    shipment = request.app[SHIPMENTS].get(key)
    if shipment is None or shipment.scenario is Scenario.UNKNOWN:
        return None
    return shipment.at_pull(max(request.app[PULLS][key] - len(shipment.faults), 1))


@functools.cache
def _sample(carrier: str, name: str) -> bytes:
    return (SAMPLES / carrier / name).read_bytes()


def template(carrier: str, name: str) -> Any:
    """A fresh copy of one of the carrier's public JSON reply samples, for a renderer to fill in."""
    return copy.deepcopy(_parsed(carrier, name))


@functools.cache
def _parsed(carrier: str, name: str) -> Any:
    return json.loads(_sample(carrier, name))


def template_text(carrier: str, name: str) -> str:
    """One of the carrier's public reply samples as text (SOAP envelopes), for a renderer to fill in."""
    return _sample(carrier, name).decode()


def tokens(request: web.Request, code: str) -> TokenIssuer:
    return request.app[TOKENS][code]


async def json_body(request: web.Request) -> Any:
    """The request's JSON, or None when it is not JSON (the handler answers the carrier's 400)."""
    try:
        return await request.json()
    except ValueError:
        return None


async def serve_image(request: web.Request) -> web.Response:
    """A stand-in signature, photo or POD image, so the links carriers send resolve."""
    if (image := IMAGES.get(request.match_info["kind"])) is None:
        raise web.HTTPNotFound()
    return web.Response(body=base64.b64decode(image), content_type="image/png")


def local(moment: datetime) -> datetime:
    """The Turkish carriers, and the international ones for Turkish scans, state local Istanbul time."""
    return moment.astimezone(ISTANBUL)


def wall_clock(moment: datetime) -> str:
    """Istanbul wall-clock time in ISO 8601 without an offset, as DHL Express writes a scan in Turkey."""
    return local(moment).replace(tzinfo=None).isoformat()


def compact(moment: datetime) -> tuple[str, str]:
    """``YYYYMMDD`` and ``HHMMSS``, the date and time format of UPS and Yurtiçi."""
    return moment.strftime("%Y%m%d"), moment.strftime("%H%M%S")


def upper_tr(value: str) -> str:
    """Upper case the Turkish way (``i`` → ``İ``, ``ı`` → ``I``), as the Turkish carriers print names."""
    return value.replace("i", "İ").replace("ı", "I").upper()


def problem(status: int, title: str, **extra: Any) -> web.Response:
    """The sandbox's own errors (its /_sandbox endpoints), RFC 9457 like the service's."""
    body = {"type": "about:blank", "title": title, "status": status, **extra}
    return web.json_response(body, status=status, content_type="application/problem+json")
