"""What can go wrong when we talk to a carrier, and whether trying again can help.

    CarrierError
    ├── CarrierUnavailable      retryable: timeout, connection error, 5xx, 429 (``retry_after``)
    │   └── CircuitOpen         we stopped calling for a cool-down; the retry loop does not spin on it
    └── CarrierRejected         not retryable: the same request would fail the same way
        ├── CarrierAuthError    401/403, or credentials the token endpoint refused
        ├── MalformedResponse   a response or webhook body that does not match the carrier's shape
        └── BadRequest          any other 4xx, or a carrier-reported error for our request

    WebhookRejected             an inbound webhook failed authentication (answer 401, keep nothing)

"Tracking number not found" and "not delivered yet" are results (status ``not_found`` / ``in_transit``),
not exceptions. Messages never contain personal data: they name the carrier, the HTTP status and, for
malformed payloads, the field path, never a value.
"""


class CarrierError(Exception):
    def __init__(self, message: str, *, carrier: str, status: int | None = None) -> None:
        super().__init__(f"{carrier}: {message}")
        self.carrier = carrier
        self.status = status


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


class MalformedResponse(CarrierRejected):
    pass


class BadRequest(CarrierRejected):
    pass


class WebhookRejected(Exception):
    """Raised by ``verify_webhook``; the message says why (missing or wrong credential), never its value."""
