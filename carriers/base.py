"""The contract every carrier package fulfils, and the settings every carrier shares.

A carrier adapter pulls proof of delivery on demand (``CarrierAdapter``); a carrier that also pushes
events to us by webhook additionally verifies and parses them (``PushCarrier``). The web layer checks
``isinstance(adapter, PushCarrier)`` before routing a webhook to it.
"""

import hashlib
import ipaddress
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, NamedTuple, Protocol, runtime_checkable
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator, BaseModel, ConfigDict, Field, SecretStr, StringConstraints, TypeAdapter, ValidationError,
    ValidationInfo, field_validator,
)

from carriers.breaker import BreakerSettings, CircuitBreaker
from carriers.errors import BadRequest
from carriers.retry import RetryBudget
from schemas.common import Id
from schemas.proof import ProofOfDelivery, ProofOffer

_TRACKING_NUMBER = TypeAdapter(Id)


class Capabilities(BaseModel):
    """What a carrier can give us on each channel: the proof fields a pull (on demand) and a push (webhook)
    carry, or None where the carrier has no such channel. Set where the proof enters the service, on the
    proof itself (``ProofOfDelivery.offer``), so the decision engine can tell proof a carrier never supplies
    from proof it withheld."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pull: ProofOffer | None
    push: ProofOffer | None


BaseUrl = Annotated[str, StringConstraints(pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")]
PLAIN_HTTP_TO = "plain_http_to"
"""The validation context's key (``model_validate(..., context={PLAIN_HTTP_TO: url})``) that lets a base URL be
http:// to the origin (scheme, host and port) of ``url``: the carrier sandbox's, on another host, for the carriers it
stands in for; a base URL anywhere else still has to be https://."""


def same_origin(url: str, other: str | None) -> bool:
    """Whether ``url`` has the scheme, host and port of ``other`` (RFC 6454 §4; never when ``other`` is None)."""
    if other is None:
        return False
    mine, theirs = urlsplit(url), urlsplit(other)
    return (mine.scheme.lower(), mine.hostname, mine.port) == (theirs.scheme.lower(), theirs.hostname, theirs.port)


def is_loopback(host: str | None) -> bool:
    """`localhost` (RFC 6761 §6.3: always the loopback interface) or a loopback address (127.0.0.0/8, ::1)."""
    if host is None:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _trimmed(credential: SecretStr) -> SecretStr:
    """Without the blanks around it (a pasted value, a file's last newline), which no header carries: HTTP strips them
    from a header's value, so a push credential kept with them would match no push. A template's variable left unset
    (``"${DHL_API_KEY}"``) is no credential at all: the carrier would refuse every call, and the cases wait for proof
    until their deadline. The message never repeats the value."""
    if not (value := credential.get_secret_value().strip()):
        raise ValueError("is blank: give the credential agreed with the carrier")
    return SecretStr(value)


Credential = Annotated[SecretStr, AfterValidator(_trimmed)]
"""A credential of ours at a carrier (an API key, a client id or secret, a password) or a carrier's at ours (a push
secret): kept secret, never blank, without surrounding blanks."""


class CarrierSettings(BaseModel):
    """Settings shared by every carrier; each carrier subclasses it with its credentials (``Credential``)."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)  # errors never echo a credential

    base_url: BaseUrl = Field(description="The carrier's API; each carrier's default is its production address.")
    timeout_seconds: float = Field(default=10, gt=0, le=120, description="Time one request to the carrier may take.")
    retry: RetryBudget = Field(default=RetryBudget(), description="How one call is retried.")
    breaker: BreakerSettings = Field(default=BreakerSettings(), description="The carrier's circuit breaker.")

    @field_validator("base_url")
    @classmethod
    def _encrypted(cls, url: str, info: ValidationInfo) -> str:
        """Every call carries credentials (a client secret, an API key, a password, a token): over plain http://
        only to this machine (a stand-in on loopback), or to the origin the context allows (``PLAIN_HTTP_TO``)."""
        parts = urlsplit(url)
        allowed = (info.context or {}).get(PLAIN_HTTP_TO)
        if parts.scheme.lower() == "http" and not is_loopback(parts.hostname) and not same_origin(url, allowed):
            raise ValueError("must be an https:// URL: every call carries credentials (http:// only to a loopback "
                             "host: localhost, 127.0.0.0/8 or ::1; or to the carrier sandbox's own address, when it "
                             "is allowed)")
        return url

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path


class WebhookEvent(BaseModel):
    """One pushed fact; ``event_id`` is the carrier's identity for it, used to drop duplicates."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    tracking_number: Id
    proof: ProofOfDelivery


class WebhookAuth(NamedTuple):
    """How a carrier's pushes prove they are the carrier's: the HTTP authentication scheme a refusal's challenge
    names (RFC 9110 §11.6.1; none registered fits, so a name in use elsewhere), and the header carrying the proof."""

    scheme: str
    header: str


def checked_tracking_number(carrier: str, tracking_number: str) -> str:
    """Refuse, before any call, a number that is not a plain identifier (the canonical proof needs one)."""
    try:
        return _TRACKING_NUMBER.validate_python(tracking_number)
    except ValidationError:
        raise BadRequest("tracking number is not a plain identifier", carrier=carrier) from None


def is_tracking_number(value: str) -> bool:
    """Whether a number a carrier's reply names could be a tracking number of ours (a plain identifier)."""
    try:
        _TRACKING_NUMBER.validate_python(value)
    except ValidationError:
        return False
    return True


def derive_event_id(*parts: str | None) -> str:
    """A stable event identity for carriers that send none: a hash of the fields that make the event."""
    return hashlib.sha256("\x1f".join([p or "" for p in parts]).encode()).hexdigest()


@runtime_checkable
class CarrierAdapter(Protocol):
    code: str
    name: str
    capabilities: Capabilities
    breaker: CircuitBreaker

    async def pull(self, tracking_number: str) -> ProofOfDelivery:
        """The carrier's current evidence; status ``not_found`` when it does not know the number.

        Raises ``CarrierUnavailable`` once the retry budget is spent, ``CarrierRejected`` at once.
        """
        ...


@runtime_checkable
class PushCarrier(CarrierAdapter, Protocol):
    @property
    def webhook_auth(self) -> WebhookAuth:
        """What ``verify_webhook`` checks, for the challenge of a refused push."""
        ...

    @property
    def received_status(self) -> int:
        """The HTTP status the carrier's documentation asks a push we stored to be answered with."""
        ...

    def verify_webhook(self, headers: Mapping[str, str], raw_body: bytes, now: datetime) -> None:
        """Raise ``WebhookRejected`` unless the request carries the carrier's credential.

        ``now`` serves signature schemes with a timestamp window against replays; static credential
        headers (UPS, DHL) have no timestamp, and their replays are caught by ``event_id``.

        A request without the ``webhook_auth`` header is refused whatever ``raw_body`` is: the web layer then asks
        with an empty body, and does not read the request's.
        """
        ...

    def parse_webhook(self, raw_body: bytes) -> list[WebhookEvent]:
        """The events in a verified body; ``MalformedResponse`` if it does not match the carrier's shape."""
        ...
