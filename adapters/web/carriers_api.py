"""Carrier-facing and carrier-status endpoints: webhooks in, the registry and its health."""

import contextlib
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import NoReturn, Protocol, runtime_checkable

import structlog
from aiohttp import hdrs, web
from prometheus_client import CollectorRegistry, Counter

from adapters.web.bodies import Decoder, Rejection, accept_encoding, content_codings, read_decoded, too_large
from adapters.web.endpoint import JSON_TYPES, UTF8_ONLY, Call, Endpoint, json_body, utf8_or_unsaid
from adapters.web.in_flight import InFlight, at_work
from adapters.web.keys import CARRIER_HEALTH, CARRIERS, INTAKE, PUSH_CARRIERS, WEBHOOK_MAX_BYTES
from adapters.web.problems import ProblemError
from adapters.web.rate_limit import RATE_LIMITS, limit
from adapters.web.rejections import problem_of
from carriers.auth import CREDENTIAL_SCHEME
from carriers.base import CarrierAdapter, PushCarrier, WebhookAuth
from carriers.breaker import BreakerRecord, BreakerState
from carriers.errors import CarrierRejected, WebhookReason, WebhookRejected
from carriers.partner.webhook import PartnerPush
from disputes.intake import PushedEvent
from schemas.api import (
    CarrierCapabilities,
    CarrierHealth,
    CarrierList,
    CarrierView,
    WebhookReceipt,
)
from schemas.common import Role

log = structlog.get_logger("webhooks")
STAFF = frozenset({Role.INVESTIGATOR, Role.SUPERVISOR})
JSON_MEDIA = "application/json"
UNKNOWN = "unknown"  # the carrier label of a code we do not know: the path cannot grow the metric's label set


def push_carriers(carriers: Mapping[str, CarrierAdapter]) -> dict[str, PushCarrier]:
    """The carriers whose pushes the webhook route takes, by code. One whose credential we do not hold offers no push
    (``capabilities.push`` is None) and is refused ``not_configured``; a partner carrier is taken once we hold its
    secret (docs/partners.md)."""
    return {
        code: adapter for code, adapter in carriers.items()
        if isinstance(adapter, PushCarrier) and (adapter.capabilities.push or not isinstance(adapter, PartnerPush))
    }


class WebhookCounter:
    """``disputes_webhooks_total{carrier, outcome, reason}``: accepted (new events stored), duplicate (every event
    seen before), empty (a push carrying no event: DHL's subscription messages) or rejected (by reason)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._counter = Counter(
            "disputes_webhooks", "Carrier webhook requests by carrier, outcome (accepted, duplicate, rejected) and "
            "rejection reason", ["carrier", "outcome", "reason"], registry=registry,
        )
        self._accepted: dict[tuple[str, str], Counter] = {}  # each series looked up once, not per push

    def accepted(self, carrier: str, received: int, duplicates: int) -> None:
        outcome = "empty" if not received else "duplicate" if duplicates == received else "accepted"
        if (series := self._accepted.get((carrier, outcome))) is None:
            series = self._accepted[carrier, outcome] = self._counter.labels(carrier, outcome, "none")
        series.inc()

    def rejected(self, carrier: str, reason: WebhookReason) -> None:
        self._counter.labels(carrier, "rejected", reason.value).inc()


WEBHOOK_COUNTER = web.AppKey("webhook_counter", WebhookCounter)
FULL_PUSHES_IN_FLIGHT = 2
"""Pushes at the body limit (`WEBHOOK_MAX_BYTES`) a process reads and holds at once for each carrier, or as many smaller
ones as fit."""
PUSHES_IN_FLIGHT: web.AppKey[dict[str, InFlight]] = web.AppKey("pushes_in_flight")
"""The bodies of pushes being read and held in this process, by carrier: each takes of its carrier's budget the bytes
of its body as they arrive (not what it declares: a client sending slowly, or nothing, holds only what it sent), until
it is answered, verified or not. Pushes to one carrier's address, whoever sends them, never take another carrier's
room; the process holds at most `FULL_PUSHES_IN_FLIGHT` bodies at the limit for each carrier that takes pushes."""


def pushes_in_flight(carriers: Iterable[str], max_bytes: int) -> dict[str, InFlight]:
    busy = "Too many pushes are being received at the moment; please retry shortly."
    return {code: InFlight(FULL_PUSHES_IN_FLIGHT * max_bytes, busy) for code in carriers}


def _problem(rejection: Rejection, challenge: str | None) -> ProblemError:
    return ProblemError(problem_of(rejection.reason), rejection.detail, challenge=challenge, reason=rejection.reason.value,
                        headers=accept_encoding(rejection.reason))


def challenge(carrier: str, auth: WebhookAuth) -> str:
    """A refused push's `WWW-Authenticate` (RFC 9110 §11.6.1): the carrier's scheme, its realm, and the header that
    carries the proof."""
    return f'{auth.scheme} realm="{carrier}", header="{auth.header}"'


def _declared_within(request: web.Request, limit: int) -> None:
    """A body whose declared length passes `limit` is refused (``too_large``) before it is read."""
    if (length := request.content_length) is not None and length > limit:
        raise too_large(limit)


def _json_or_unlabelled(request: web.Request) -> None:
    """A body labelled as anything but JSON is refused before it is read; an unlabelled one is read as JSON."""
    label = request.headers.get(hdrs.CONTENT_TYPE)
    if label is None or label in JSON_TYPES:  # the usual labels, known without parsing them
        return
    if request.content_type != JSON_MEDIA and not request.content_type.endswith("+json"):
        raise Rejection(WebhookReason.UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json.")
    if not utf8_or_unsaid(request):
        raise Rejection(WebhookReason.UNSUPPORTED_MEDIA_TYPE, UTF8_ONLY)


async def receive_webhook(call: Call) -> web.Response:
    """Verify, take from the rate limit, parse; the intake stores the events durably before the answer; they are
    attached later. A verified push takes from its carrier's bucket, which the answer's RateLimit fields then
    describe (so does one signed by the carrier for another carrier's body); a push refused before it proved to be the
    carrier's takes from the carrier's bucket of unverified ones instead, and past it is answered 429 rather than its
    refusal (not logged nor counted as one): forged pushes can never use up the carrier's own. Which bucket a push
    takes from is known only once it is verified, so only the refusals that need no body (no such carrier, not JSON,
    a coding we do not decode, declared too large, no credential header or a wrong static one) come before the body
    is read; so does a 503 when the bodies of the carrier's pushes in flight leave no room at all, and, as its body
    arrives, when they leave no room for its next bytes (`PUSHES_IN_FLIGHT`). Once verified, the push turns to its work (`at_work`): a 503 if as many pushes are at work.
    """
    request, app = call.request, call.request.app
    code = request.match_info["carrier"]
    adapter: PushCarrier | None = app[PUSH_CARRIERS].get(code)
    carrier = code if adapter is not None else UNKNOWN
    try:
        if adapter is None:  # whatever the path names, it is not repeated back
            raise Rejection(WebhookReason.UNKNOWN_CARRIER, "No carrier by this code takes pushes.")
        codings = _on_headers(adapter, request)
        arrived = app[PUSHES_IN_FLIGHT][code].taking()
        if adapter.webhook_auth.scheme == CREDENTIAL_SCHEME:  # an API key was checked on the headers alone
            raw = await read_decoded(request.content, codings, app[WEBHOOK_MAX_BYTES], arrived)
        elif isinstance(adapter, CheckedAsItArrives):
            raw = await _read_verified(adapter, request, codings, app[WEBHOOK_MAX_BYTES], arrived)
        else:
            raw = await read_decoded(request.content, codings, app[WEBHOOK_MAX_BYTES], arrived)
            _verify(adapter, request, raw, codings)
    except Rejection as rejection:
        if rejection.reason is WebhookReason.WRONG_CARRIER:  # signed by the carrier: its own mistake, its own bucket
            limit(request, app[RATE_LIMITS].webhooks, code)
        else:
            limit(request, app[RATE_LIMITS].unverified, carrier)
        _refuse(app, carrier, rejection, adapter)
    at_work()
    limit(request, app[RATE_LIMITS].webhooks, code)
    try:
        events = _events(adapter, raw)
    except Rejection as rejection:
        _refuse(app, code, rejection, adapter)
    kept = await app[INTAKE].receive_push(code, raw, events, adapter.capabilities.push)
    app[WEBHOOK_COUNTER].accepted(code, kept.received, kept.duplicates)
    # named on the request line, with what the carrier may ask about later: each event's id and parcel (no person's data)
    structlog.contextvars.bind_contextvars(
        carrier=code, events=kept.received, duplicates=kept.duplicates,
        event_ids=[event.event_id for event in events], tracking_numbers=[event.proof.tracking_number for event in events],
    )
    return json_body(_receipt(kept.received, kept.duplicates), status=adapter.received_status)


def _on_headers(adapter: PushCarrier, request: web.Request) -> tuple[str, ...]:
    """The body's codings, unless the push to `adapter`'s carrier is refused on its headers alone."""
    _json_or_unlabelled(request)
    codings = content_codings(request.headers)
    _declared_within(request, request.app[WEBHOOK_MAX_BYTES])
    _credential_first(adapter, request)
    return codings


def refused_on_headers(request: web.Request) -> bool:
    """Whether a push is refused on its headers alone, as `receive_webhook` refuses it before reading its body (the
    route's expectation: such a push is answered its refusal instead of `100 Continue`), or finds no room at all among
    the carrier's pushes in flight."""
    code = request.match_info["carrier"]
    if (adapter := request.app[PUSH_CARRIERS].get(code)) is None:
        return True
    try:
        _on_headers(adapter, request)
    except Rejection:
        return True
    return not request.app[PUSHES_IN_FLIGHT][code].fits()


@functools.lru_cache(maxsize=64)
def _receipt(received: int, duplicates: int) -> bytes:
    """The answer's body: the same few counts every time, rendered once each."""
    receipt = WebhookReceipt(received=received, duplicates=duplicates)
    return receipt.__pydantic_serializer__.to_json(receipt)


def _refuse(app: web.Application, carrier: str, rejection: Rejection, adapter: PushCarrier | None) -> NoReturn:
    """Logged, counted and answered; a 401 challenges with the carrier's scheme (no carrier: a 404 before that)."""
    log.warning("webhook_rejected", carrier=carrier, reason=rejection.reason.value)
    app[WEBHOOK_COUNTER].rejected(carrier, rejection.reason)
    raise _problem(rejection, None if adapter is None else challenge(carrier, adapter.webhook_auth)) from None


def _credential_first(adapter: PushCarrier, request: web.Request) -> None:
    """A push without the carrier's credential header cannot prove itself, whatever its body, nor can one whose
    static credential (an API key: ``CREDENTIAL_SCHEME``, which signs no body) is wrong: refused, or past the
    unverified bucket answered 429, before the body is read. The carrier's own verifier refuses it, asked with an
    empty body (``PushCarrier.verify_webhook``), so the answer, log line and metric are those of the body read."""
    auth = adapter.webhook_auth
    if auth.header not in request.headers or auth.scheme == CREDENTIAL_SCHEME:
        _verify(adapter, request, b"")


class BodyCheck(Protocol):
    """A push's verification as its decoded body arrives (``PushCarrier.verify_webhook`` in steps)."""

    def update(self, piece: bytes) -> None:
        """The next piece of the decoded body."""
        ...

    def verify(self, now: datetime) -> None:
        """Raise ``WebhookRejected`` unless the body given (all of it) carries the carrier's signature."""
        ...

    def verify_body(self, raw_body: bytes) -> None:
        """Raise ``WebhookRejected`` unless the whole body, its signature verified, is one the carrier may push."""
        ...


@runtime_checkable
class CheckedAsItArrives(Protocol):
    """A push carrier whose signature over the decoded body can be checked as the body arrives."""

    def webhook_check(self, headers: Mapping[str, str]) -> BodyCheck:
        ...


async def _read_verified(adapter: CheckedAsItArrives, request: web.Request, codings: tuple[str, ...],
                         limit: int, arrived: Callable[[int], None]) -> bytes:
    """The body decoded, once verified: until then only the bytes as sent are kept (bounded on the wire by `limit`),
    the decoded body going to the signature's check as it comes out, so that a forged push of a few kilobytes never
    makes the process hold what it inflates to; once the signature holds, it is decoded again."""
    check = adapter.webhook_check(request.headers)
    sent = await read_decoded(request.content, codings, limit, arrived, check.update)
    with _rejected(codings):
        # The replay window is about transport, so it is measured on the real clock, not the business one.
        check.verify(datetime.now(UTC))
    raw = Decoder(codings, limit).whole(sent)
    with _rejected():
        check.verify_body(raw)
    return raw


def _verify(adapter: PushCarrier, request: web.Request, raw: bytes, codings: tuple[str, ...] = ()) -> None:
    with _rejected(codings):
        # The replay window is about transport, so it is measured on the real clock, not the business one.
        adapter.verify_webhook(request.headers, raw, datetime.now(UTC))


SIGNED_DECODED = (" The body was sent compressed (Content-Encoding): the signature is checked over it decompressed, the "
                  "bytes you signed before compressing, not over the compressed bytes as sent.")
"""What a bad signature over a compressed body adds: signing the compressed bytes is the likely mistake."""


@contextlib.contextmanager
def _rejected(codings: tuple[str, ...] = ()) -> Iterator[None]:
    """A carrier's refusal as the web layer's; a bad signature over a body that came in `codings` says what is signed."""
    try:
        yield
    except WebhookRejected as rejected:
        why = str(rejected)  # names what is wrong, never quotes a value
        hint = SIGNED_DECODED if codings and rejected.reason is WebhookReason.BAD_SIGNATURE else ""
        raise Rejection(rejected.reason, f"{why[:1].upper()}{why[1:]}.{hint}") from None


def _events(adapter: PushCarrier, raw: bytes) -> list[PushedEvent]:
    try:
        return [PushedEvent(event.event_id, event.proof) for event in adapter.parse_webhook(raw)]
    except CarrierRejected as error:
        raise Rejection(WebhookReason.MALFORMED, str(error)) from None


def _view(adapter: CarrierAdapter, state: BreakerState, record: BreakerRecord) -> CarrierView:
    return CarrierView(
        code=adapter.code,
        name=adapter.name,
        capabilities=CarrierCapabilities.model_validate(adapter.capabilities.model_dump()),
        health=CarrierHealth(circuit=state.value, consecutive_failures=record.failures),
    )


async def list_carriers(call: Call) -> web.Response:
    """Health as the shared breakers record it, whichever process called the carrier."""
    health = await call.request.app[CARRIER_HEALTH].read()
    carriers = [_view(a, *health[code]) for code, a in sorted(call.request.app[CARRIERS].items())]
    return web.json_response(CarrierList(carriers=carriers).model_dump())


ENDPOINTS = (
    Endpoint("POST", "/v1/carriers/{carrier}/webhooks", receive_webhook,
             "Carrier evidence push (authenticated by the carrier's own signature or credential)",
             response=WebhookReceipt, status=202, errors=(400, 401, 403, 404, 413, 415, 417, 422), tag="carriers",
             keys="none", limit="carrier", body_in_handler=True),  # deduplicated by the carrier's event id; limited per carrier
    Endpoint("GET", "/v1/carriers", list_carriers, "Configured carriers, capabilities and health", STAFF,
             response=CarrierList, tag="carriers"),
)
