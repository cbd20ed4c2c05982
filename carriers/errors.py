"""What can go wrong when we talk to a carrier, and whether trying again can help.

    CarrierError
    ├── CarrierUnavailable      retried within the call: timeout, connection error, 5xx, 429; a ``retry_after``
    │                           beyond the call's budget ends the call, and the caller asks again no sooner
    │   └── CircuitOpen         we stopped calling for a cool-down; the retry loop does not spin on it
    └── CarrierRejected         not retried within the call: trying again at once would not help
        ├── CarrierAuthError    401/403, or credentials the token endpoint refused: the case waits, operators act
        │   └── TokenRefused    a reply's body refuses the token we sent (as a 401 would): fetched again once
        ├── MalformedResponse   a response or webhook body that does not match the carrier's shape: a pull's
        │                       reply is asked for again later (a proxy may have cut it), a push is refused
        └── BadRequest          any other 4xx, or a carrier-reported error for our request: the same request
                                would fail the same way

    WebhookRejected             an inbound webhook was refused before anything was kept, with its ``reason``

"Tracking number not found" and "not delivered yet" are results (status ``not_found`` / ``in_transit``),
not exceptions. A failure the token cache repeats to a caller without asking the carrier again is marked
``repeated``: it reached no carrier, so it tells nothing about whether the carrier is up.
Messages never contain personal data: they name the carrier, the HTTP status and, for
malformed payloads, the field path, never a value.
"""

from enum import StrEnum


class CarrierError(Exception):
    def __init__(self, message: str, *, carrier: str, status: int | None = None) -> None:
        super().__init__(f"{carrier}: {message}")
        self.carrier = carrier
        self.status = status
        self.repeated = False


class CarrierUnavailable(CarrierError):
    def __init__(
        self, message: str, *, carrier: str, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, carrier=carrier, status=status)
        self.retry_after = retry_after


class CircuitOpen(CarrierUnavailable):
    pass


class CarrierRejected(CarrierError):
    pass


class CarrierAuthError(CarrierRejected):
    pass


class TokenRefused(CarrierAuthError):
    pass


class MalformedResponse(CarrierRejected):
    pass


class BadRequest(CarrierRejected):
    pass


class WebhookReason(StrEnum):
    """Why an inbound webhook was refused: a stable code a partner can act on (``docs/partners.md``). The
    verifiers raise the credential and size reasons; the web layer adds the last five."""

    MISSING_SIGNATURE = "missing_signature"  # no signature or credential header
    MALFORMED_SIGNATURE = "malformed_signature"  # the header is repeated, too long or not in its format
    UNKNOWN_SIGNATURE_VERSION = "unknown_signature_version"  # signed only under schemes we do not know
    STALE_TIMESTAMP = "stale_timestamp"  # signed outside the replay window
    BAD_SIGNATURE = "bad_signature"  # matches none of the carrier's current secrets or credential
    NOT_CONFIGURED = "not_configured"  # we hold no secret or credential for the carrier: it cannot push
    WRONG_CARRIER = "wrong_carrier"  # the body is another carrier's than the secret's
    TOO_LARGE = "too_large"
    UNKNOWN_CARRIER = "unknown_carrier"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    UNSUPPORTED_ENCODING = "unsupported_encoding"  # a Content-Encoding we do not decode
    UNREADABLE_BODY = "unreadable_body"  # the body does not decode as its Content-Encoding says
    MALFORMED = "malformed"  # verified, but the body is not the carrier's shape


class WebhookRejected(Exception):
    """Raised by ``verify_webhook``; the message says why (missing or wrong credential), never its value."""

    def __init__(self, message: str, reason: WebhookReason) -> None:
        super().__init__(message)
        self.reason = reason
