"""The digital delivery provider's HTTP client: ``GET {base}/digital/v1/orders/{orderId}/lines/{sku}/delivery``.

    EvidenceUnavailable   transient failures (connection, timeout, 408, 429, 5xx) outlasted every retry; its
                          ``retry_at`` is the provider's ``Retry-After``, when it named one
    EvidenceRejected      any other answer that is not a record: an unexpected status, or a body that is not one
                          (or runs past ``MAX_ANSWER_BYTES``)

200 is the record; 404 with the provider's problem document (``application/problem+json``) is "never sent" (data,
not an error). Any other 404 (a gateway's or a web server's page, a base URL missing its path) says nothing of the
line: refused, so the case is asked again, never refunded on it (`disputes/digital.py`: at the evidence deadline it goes
to a person). Every refusal is logged as `digital_provider_refused` (its status and words). Retries are the shared
``DownstreamClient``'s. The reader is tolerant: unknown fields are ignored, an unknown channel is kept as ``unknown``, and what the provider
says about the payload (``code`` or ``link``) counts as present when either is; a record that says nothing of it
(no ``payload``) leaves it unknown, never "sent without the code or link", which is refunded."""

from datetime import datetime, timedelta
from urllib.parse import quote

import aiohttp
import structlog
from pydantic import AliasPath, AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from adapters.downstream import MAX_ANSWER_BYTES, Backoff, DownstreamClient, Transient
from adapters.web.problems import PROBLEM_JSON
from disputes.ports import Clock, EvidenceRejected, EvidenceUnavailable, PullTrouble
from schemas.digital import DigitalChannel, DigitalDelivery

log = structlog.get_logger(__name__)


class _Reply(BaseModel):
    model_config = ConfigDict(extra="ignore")

    channel: str | None = None
    recipient: str | None = None
    sent_at: AwareDatetime | None = Field(default=None, alias="sentAt")
    code: bool | None = Field(default=None, validation_alias=AliasPath("payload", "code"))
    link: bool | None = Field(default=None, validation_alias=AliasPath("payload", "link"))
    opened_at: AwareDatetime | None = Field(default=None, alias="openedAt")
    activated_at: AwareDatetime | None = Field(default=None, alias="activatedAt")


def parse_delivery(order_id: str, sku: str, body: bytes, received_at: datetime) -> DigitalDelivery:
    """The provider's 200 body as the canonical record; raises ValidationError for a body that is not a record."""
    reply = _Reply.model_validate_json(body)
    channel = (reply.channel or "").lower()
    return DigitalDelivery(
        order_id=order_id, sku=sku, found=True,
        channel=DigitalChannel(channel) if channel in DigitalChannel else DigitalChannel.UNKNOWN,
        sent_to=reply.recipient, sent_at=reply.sent_at, link_present=_carried(reply.code, reply.link),
        opened_at=reply.opened_at, activated_at=reply.activated_at, received_at=received_at,
    )


def _carried(code: bool | None, link: bool | None) -> bool | None:
    """Whether the message carried the code or a link: either said so; neither said (no `payload`): unknown."""
    if code is None and link is None:
        return None
    return bool(code or link)


class HttpDigitalDeliveries(DownstreamClient):
    service = "digital"

    def __init__(
        self, session: aiohttp.ClientSession, base_url: str, timeout: float, attempts: int, clock: Clock,
        *, backoff: Backoff = Backoff(),
    ) -> None:
        super().__init__(session, base_url, timeout, attempts, backoff=backoff)
        self._clock = clock

    async def record(self, order_id: str, sku: str) -> DigitalDelivery:
        path = f"/digital/v1/orders/{quote(order_id, safe='')}/lines/{quote(sku, safe='')}/delivery"
        try:
            reply = await self._request("GET", path)
        except Transient as error:
            # Its `Retry-After` (a 429's, or a 5xx's that outlasted the retry budget; at most a day) is passed on, as
            # a carrier's is: the case is pulled again once it has passed, not sooner.
            retry_at = None if error.retry_after is None else self._clock.now() + timedelta(seconds=error.retry_after)
            why: PullTrouble = "throttled" if error.status == 429 else "unavailable"
            raise EvidenceUnavailable(f"digital provider unavailable: {error}", retry_at, why) from error
        now = self._clock.now()
        if reply.status == 404 and reply.media_type == PROBLEM_JSON:
            return DigitalDelivery(order_id=order_id, sku=sku, found=False, received_at=now)
        if reply.status == 404:
            raise _refused(f"digital provider answered HTTP 404 as {reply.media_type or 'no type'}, not its problem "
                           "document: is DISPUTES_DIGITAL_URL its address?", reply.status)
        if reply.status != 200:
            raise _refused(f"digital provider answered HTTP {reply.status}", reply.status)
        if reply.oversized:
            raise _refused(f"digital provider answered an invalid record (over {MAX_ANSWER_BYTES} bytes)", reply.status)
        try:
            return parse_delivery(order_id, sku, reply.body, now)
        except ValidationError as error:
            fields = ", ".join(sorted({".".join(map(str, e["loc"])) for e in error.errors()}))
            raise _refused(f"digital provider answered an invalid record (fields: {fields})", reply.status) from None


def _refused(reason: str, status: int) -> EvidenceRejected:
    """A refusal, logged (`digital_provider_refused`, a warning: a credential, an address or the provider to fix, not
    an outage to wait out) with its status and words, never the answer's contents or the order."""
    log.warning("digital_provider_refused", status=status, reason=reason)
    return EvidenceRejected(reason)
