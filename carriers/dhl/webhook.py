"""DHL push (Shipment Tracking – Unified – Push) → canonical proofs (pure).

A push carries the Unified tracking shape: ``{"scope": "subscription.push", "shipments": [...]}``, one
event per shipment (fixture push-delivered.json), at least one. A shipment entry that cannot be read (not DHL's
shape, no id, a value the canonical proof cannot hold) is skipped, logged and counted (``SKIPPED``: by its place in
the push, never its content) when another entry of the push reads: the others' proof is kept, since DHL would send
the whole push again and then drop it. A push none of whose entries reads is malformed. The subscription's own messages (``scope``
``subscription.validate`` / ``subscription.ready``, push-validate.json; ``subscription.failure`` in the push
message schema of Beeceptor's DHL UTAPI Push sandbox, tests/fixtures/carriers/dhl/PROVENANCE.md) carry no
shipment and give no events. Anything else (another scope, no shipment in a push, a body that names neither)
is not DHL's push: malformed, so that the sender is not told it was kept. DHL sends no event identifier:
``event_id`` is derived from shipment id, status code and time, and from the shipment's
``details.proofOfDelivery`` when it has one (its content, however written): a push that brings the proof of
delivery (signer, signature and ePOD links) for a status already pushed is a new event, not a redelivery, while a
push sent again is the same. A shipment without it keeps the id it always had.
"""

import json
from collections import Counter
from datetime import datetime

import structlog

from carriers.base import WebhookEvent, derive_event_id
from carriers.dhl.mapping import CODE, read_part, shipment_id, shipment_proof
from carriers.dhl.wire import Shipment, Shipments, Status
from carriers.errors import MalformedResponse
from carriers.parsing import ProofNotes, read_wire, text
from schemas.proof import ProofSource

log = structlog.get_logger("carriers.dhl")
WHAT = "push body"
SKIPPED: Counter[str] = Counter()
"""Shipment entries of pushes that could not be read and were skipped, by carrier, since the process started; read
by the service's metrics."""
_LOGGED_PLACES = 20  # the places of skipped entries a log line names, at most
PUSH_SCOPE = "subscription.push"
SUBSCRIPTION_SCOPES = frozenset({"subscription.validate", "subscription.ready", "subscription.failure"})


def parse_push(raw_body: bytes, received_at: datetime) -> list[WebhookEvent]:
    body = read_wire(Shipments, raw_body, carrier=CODE, what=WHAT)
    scope = text(body.scope)
    if scope in SUBSCRIPTION_SCOPES:
        return []
    if scope not in (None, PUSH_SCOPE):
        raise MalformedResponse(f"{WHAT}: scope is none of DHL's", carrier=CODE)
    if not body.shipments:  # a push without its scope is still one when it carries shipments
        raise MalformedResponse(f"{WHAT}: shipments names no shipment", carrier=CODE)
    events: list[WebhookEvent] = []
    unreadable: list[tuple[int, MalformedResponse]] = []
    for index, raw in enumerate(body.shipments):
        try:
            events.append(_event(raw, index, received_at))
        except MalformedResponse as error:
            unreadable.append((index, error))
    if not events:
        raise unreadable[0][1]
    if unreadable:
        SKIPPED[CODE] += len(unreadable)
        log.warning(
            "carrier_push_entries_skipped", carrier=CODE, skipped=len(unreadable), shipments=len(body.shipments),
            places=[index for index, _ in unreadable[:_LOGGED_PLACES]],
        )
    return events


def _event(raw: object, index: int, received_at: datetime) -> WebhookEvent:
    notes = ProofNotes()
    shipment = read_part(Shipment, raw, f"shipments.{index}", notes)
    if shipment is None or not (number := shipment_id(shipment)):
        raise MalformedResponse(f"{WHAT}: shipments.{index} names no shipment", carrier=CODE)
    status = read_part(Status, shipment.status, "status", ProofNotes()) or Status()
    return WebhookEvent(
        event_id=derive_event_id(CODE, number, status.status_code, status.timestamp, *_carried_proof(raw)),
        tracking_number=number,
        proof=shipment_proof(shipment, number, ProofSource.PUSH, received_at, notes),
    )


def _carried_proof(raw: object) -> tuple[str, ...]:
    """The shipment's proofOfDelivery as a part of its event's id, written one way (keys sorted, no spacing), or
    nothing when it has none."""
    details = raw.get("details") if isinstance(raw, dict) else None
    pod = details.get("proofOfDelivery") if isinstance(details, dict) else None
    if not pod:
        return ()
    try:
        written = json.dumps(pod, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except RecursionError:  # nested past what can be written back: still a proof part, told apart by none
        written = "(too deeply nested)"
    return (f"proofOfDelivery:{written}",)
