"""The decision policy's recommendation: what it advises, how sure it is, and the findings it rests on.

It is stored on the dispute and shown to investigators, so every finding is plain language in English and
Turkish. Findings and the customer message may name people (who signed, who received the parcel), so the
``repr``/``str`` of these models show only allow-listed, harmless fields, as in ``schemas.proof``.
"""

from collections.abc import Iterator
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from schemas.common import Timestamp

from schemas.dispute import MissingItem


class _Private(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    _shown: ClassVar[tuple[str, ...]] = ()

    def __repr_args__(self) -> Iterator[tuple[str, Any]]:
        return ((name, getattr(self, name)) for name in self._shown)


class Effect(StrEnum):
    """Which way a finding points: towards the carrier's "delivered", against it, or neither."""

    SUPPORTS_DELIVERY = "supports_delivery"
    AGAINST_DELIVERY = "against_delivery"
    NEUTRAL = "neutral"


class Citation(_Private):
    """A piece of the case a finding rests on: a field of one carrier proof (with the stored attachment it holds,
    if any), or of the case and its order."""

    _shown = ("evidence_key", "field", "attachment")

    evidence_key: str | None = Field(default=None, description="The Evidence.key of the proof cited; none: the case's.")
    field: str = Field(pattern=r"^[a-z_]+(\.[a-z_]+)*$", description="proof.signature, order.address, ...")
    attachment: str | None = Field(
        default=None, description="The stored attachment the field holds: /v1/disputes/{id}/attachments/{attachment}."
    )


class Finding(_Private):
    _shown = ("code", "effect")

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$", description="Stable slug, e.g. signature_present.")
    text: str = Field(description="English, plain language; may name the person who received the parcel.")
    text_tr: str = Field(description="The same in Turkish.")
    effect: Effect
    evidence_keys: list[str] = Field(default=[], description="The Evidence.key values the finding rests on.")
    evidence: list[Citation] = Field(default=[], description="The fields (and stored attachments) the finding cites.")
    facts: dict[str, int | str] = Field(
        default={}, description="What the finding rests on as data (a score, metres, a count); the texts word it."
    )


class RecommendedAction(StrEnum):
    REFUND = "refund"
    RESHIP = "reship"
    REJECT = "reject"
    WAIT_FOR_CUSTOMER_CHECK = "wait_for_customer_check"
    NEEDS_PERSON = "needs_person"


class PolicyRule(StrEnum):
    """The rule that decided the action, so a decision taken on the recommendation can cite a reason."""

    AWAITING_CARRIER_EVIDENCE = "awaiting_carrier_evidence"
    NO_PROOF_BY_DEADLINE = "no_proof_by_deadline"
    WEAK_PROOF = "weak_proof"
    THIRD_PARTY_CHECK = "third_party_check"
    THIRD_PARTY_CHECK_OVER = "third_party_check_over"
    STRONG_PROOF = "strong_proof"
    HIGH_VALUE_WITHOUT_SIGNATURE = "high_value_without_signature"
    INCONCLUSIVE_PROOF = "inconclusive_proof"
    ITEMS_NOT_PACKED = "items_not_packed"
    PACKED_UNDERWEIGHT = "packed_underweight"
    MISSING_ITEMS_REVIEW = "missing_items_review"
    CUSTOMER_EVIDENCE = "customer_evidence"  # the customer added information or images a person must weigh
    AWAITING_DIGITAL_RECORD = "awaiting_digital_record"
    DIGITAL_PROVIDER_REFUSED = "digital_provider_refused"  # refused us until the deadline: no record to wait for
    DIGITAL_ACTIVATED = "digital_activated"
    DIGITAL_NOT_DELIVERED = "digital_not_delivered"  # never sent, or sent without the code or link
    DIGITAL_NOT_ACTIVATED = "digital_not_activated"  # sent (perhaps opened), not activated


class Recommendation(_Private):
    _shown = ("action", "rule", "confidence", "auto_resolve", "carrier_liable", "needs_supervisor", "priority",
              "abuse_flags", "findings", "computed_at")

    action: RecommendedAction
    rule: PolicyRule
    confidence: float = Field(ge=0, le=1)
    findings: list[Finding] = Field(description="Most important first: the findings that decided come first.")
    auto_resolve: bool = Field(description="The service may carry out the action without a person.")
    carrier_liable: bool = Field(description="The loss is the carrier's: it could not prove delivery.")
    needs_supervisor: bool
    priority: int = Field(ge=0, le=3, description="0 normal .. 3 urgent.")
    abuse_flags: list[str] = Field(description="Risk signals for the account service; slugs, no personal data.")
    lines: list[MissingItem] = Field(
        default=[],
        description="Missing-item claims: the claimed lines, and how many of each, the evidence shows missing; digital "
                    "orders: the claimed lines whose delivery record does not show them delivered (none when that is "
                    "every line of a whole order, refunded whole). An automatic resolution compensates these only "
                    "and rejects the rest of the claim.",
    )
    customer_message: str | None = Field(
        default=None,
        description="Turkish, for the customer only, while waiting for their check: who received it and where.",
    )
    check_by: Timestamp | None = Field(
        default=None,
        description="While waiting for the customer's check with a third party: when their time to check ends.",
    )
    computed_at: Timestamp
