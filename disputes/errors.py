"""Domain errors. The web edge maps each branch to one HTTP status; nothing here knows HTTP.

    DomainError
    ├── NotFound                 the dispute does not exist, or is not the caller's to see
    ├── Forbidden                the caller's role may not do this
    ├── Conflict                 the request clashes with the dispute's state
    │   ├── IllegalTransition
    │   ├── ActiveDisputeExists  (names the dispute that holds the shipment)
    │   ├── CompensationAlreadyIssued
    │   ├── Contended            other changes kept winning the race for the dispute; try again shortly
    │   └── KeyInFlight          a request with the same Idempotency-Key is still being answered
    ├── StaleVersion             the caller acted on an older version
    └── Unprocessable            the request is well-formed but breaks a rule
        └── IdempotencyKeyReused
"""


class DomainError(Exception):
    code = "domain-error"
    title = "The request could not be completed"

    def __init__(self, detail: str, **facts: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.facts = facts


class NotFound(DomainError):
    code = "not-found"
    title = "Not found"


class Forbidden(DomainError):
    code = "forbidden"
    title = "Not allowed for this role"


class Conflict(DomainError):
    code = "conflict"
    title = "Conflicts with the dispute's current state"


class IllegalTransition(Conflict):
    code = "illegal-transition"
    title = "Not possible in the dispute's current status"


class ActiveDisputeExists(Conflict):
    code = "dispute-exists"
    title = "This shipment already has a dispute"

    def __init__(self, dispute_id: str) -> None:
        super().__init__(f"Shipment already has dispute {dispute_id}.", dispute_id=dispute_id)
        self.dispute_id = dispute_id


class CompensationAlreadyIssued(Conflict):
    code = "compensation-issued"
    title = "A refund or reship was already issued for this dispute"


class Contended(Conflict):
    """Raised to a caller who quoted no version, after bounded retries; never StaleVersion for them."""

    code = "contended"
    title = "The dispute is busy with other changes; try again shortly"


class KeyInFlight(Conflict):
    code = "idempotency-key-in-flight"
    title = "A request with this Idempotency-Key is still being answered"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"Retry in {retry_after_seconds} s to get its answer.", retry_after=retry_after_seconds)
        self.retry_after_seconds = retry_after_seconds


class StaleVersion(DomainError):
    code = "stale-version"
    title = "The dispute changed since you read it"


class Unprocessable(DomainError):
    code = "unprocessable"
    title = "The request breaks a rule"


class IdempotencyKeyReused(Unprocessable):
    code = "idempotency-key-reused"
    title = "This Idempotency-Key was used with a different request"
