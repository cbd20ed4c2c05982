"""One carrier's partner webhook, composed into its adapter: verify the signature, then parse the body.

``PartnerPush`` gives an adapter the ``PushCarrier`` entry points by delegating to its ``partner``; the adapter's
``capabilities`` declare ``PARTNER_PUSH``, what the pushes can give us.
"""

from collections.abc import Mapping
from datetime import datetime

import orjson

from carriers.base import Capabilities, WebhookAuth, WebhookEvent
from carriers.clock import Clock
from carriers.errors import WebhookReason, WebhookRejected
from carriers.partner import signing
from carriers.partner.mapping import WHAT, event_proof, read_event
from carriers.partner.settings import PartnerWebhookSettings
from carriers.parsing import reading
from schemas.proof import ProofOffer


class PartnerWebhook:
    def __init__(self, carrier: str, settings: PartnerWebhookSettings, clock: Clock) -> None:
        self.carrier = carrier
        self._settings = settings
        self._clock = clock

    def verify(self, headers: Mapping[str, str], raw_body: bytes, now: datetime) -> None:
        """The signature must hold under one of this carrier's secrets, and the body be this carrier's."""
        check = self.check(headers)
        check.update(raw_body)
        check.verify(now)
        check.verify_body(raw_body)

    def check(self, headers: Mapping[str, str]) -> "PushCheck":
        """``verify`` for a body yet to arrive, given to the check in pieces as it does."""
        return PushCheck(self.carrier, self._settings, headers)

    def parse(self, raw_body: bytes) -> list[WebhookEvent]:
        event = read_event(raw_body, carrier=self.carrier, max_body_bytes=self._settings.max_body_bytes)
        with reading(self.carrier, WHAT):
            return [event_proof(event, self._clock.now())]


class PushCheck:
    """A push checked as its body arrives, none of it kept: the body's size and signature piece by piece
    (``update``), the size and signature once it has all come (``verify``), then the whole body, which the signature
    was found to cover, for this carrier's (``verify_body``). Refused in the order ``PartnerWebhook.verify`` refuses:
    a body over the limit, then a missing or malformed header (known from the start, told at the end), a stale
    timestamp, a bad signature, and last another carrier's body."""

    def __init__(self, carrier: str, settings: PartnerWebhookSettings, headers: Mapping[str, str]) -> None:
        self._carrier, self._settings = carrier, settings
        self._size = 0
        self._signed: signing.SignedBody | WebhookRejected
        try:
            self._signed = signing.signed_body(headers, secrets=settings.secrets)
        except WebhookRejected as refused:
            self._signed = refused

    def update(self, piece: bytes) -> None:
        self._size += len(piece)
        if isinstance(self._signed, signing.SignedBody) and self._size <= self._settings.max_body_bytes:
            self._signed.update(piece)

    def verify(self, now: datetime) -> None:
        if self._size > self._settings.max_body_bytes:
            raise WebhookRejected(f"body over {self._settings.max_body_bytes} bytes", WebhookReason.TOO_LARGE)
        if isinstance(self._signed, WebhookRejected):
            raise self._signed
        self._signed.verify(now=now, tolerance_seconds=self._settings.tolerance_seconds)

    def verify_body(self, raw_body: bytes) -> None:
        if (claimed := _claimed_carrier(raw_body)) is not None and claimed != self._carrier:
            raise WebhookRejected("body is for another carrier than the secret's", WebhookReason.WRONG_CARRIER)


class PartnerPush:
    """``verify_webhook`` / ``parse_webhook`` for an adapter that holds a ``PartnerWebhook``."""

    code: str
    capabilities: Capabilities
    partner: PartnerWebhook
    webhook_auth: WebhookAuth = signing.AUTH
    received_status = 202  # our own contract (docs/partners.md): stored, attached to its dispute later

    def _accept_partner_push(self, settings: PartnerWebhookSettings, clock: Clock) -> None:
        """Compose the carrier's partner webhook."""
        self.partner = PartnerWebhook(self.code, settings, clock)

    def verify_webhook(self, headers: Mapping[str, str], raw_body: bytes, now: datetime) -> None:
        self.partner.verify(headers, raw_body, now)

    def webhook_check(self, headers: Mapping[str, str]) -> PushCheck:
        """``verify_webhook`` for a body yet to arrive: the web layer need not hold the decoded body before the
        push proves to be the carrier's."""
        return self.partner.check(headers)

    def parse_webhook(self, raw_body: bytes) -> list[WebhookEvent]:
        return self.partner.parse(raw_body)


PARTNER_PUSH = ProofOffer(signature=True, photo=True, gps=True, place_text=True, receiver_name=True, masked_names=False)
"""What the partner webhook can carry (``schemas.partner_webhook``)."""


def _claimed_carrier(raw_body: bytes) -> str | None:
    """The body's ``carrier``, read only to match it against the secret; shape errors are ``parse``'s."""
    try:
        body = orjson.loads(raw_body)
    except orjson.JSONDecodeError:
        return None
    claimed = body.get("carrier") if isinstance(body, dict) else None
    return claimed if isinstance(claimed, str) else None
