"""Models built without validating again (`trusted`) are what validation makes of the same values."""

from datetime import timedelta

import pytest

from disputes.model import Dispute
from schemas.api import CustomerDecision
from schemas.common import Outcome
from schemas.dispute import LineOutcome, ReasonCode, Sla, Status
from schemas.trusted import trusted
from tests.factories import CUSTOMER, NOW


async def test_an_opened_dispute_is_what_validating_its_values_makes(service, request_for, repository):
    dispute = (await service.open(CUSTOMER, request_for(), "key-1")).dispute

    validated = Dispute.model_validate(dispute.model_dump())
    assert validated == dispute
    assert validated.model_dump_json() == dispute.model_dump_json()
    assert repository.docs[dispute.id] == dispute


def test_fields_keep_their_order_defaults_and_what_was_given():
    sla = Sla(first_response_due=NOW, evidence_due=NOW + timedelta(days=1), decision_due=NOW + timedelta(days=3))
    given = {"decision_due": sla.decision_due, "evidence_due": sla.evidence_due, "first_response_due": NOW}

    built = trusted(Sla)(**given)

    assert built == sla and built.model_dump_json() == sla.model_dump_json()
    assert list(built.__dict__) == ["first_response_due", "evidence_due", "decision_due"]
    assert built.model_fields_set == sla.model_fields_set


def test_each_instance_gets_its_own_mutable_defaults():
    first, second = (
        trusted(CustomerDecision)(
            outcome=Outcome.REFUND, reason_code=ReasonCode.WEAK_PROOF, decided_at=NOW, refund_to=None
        )
        for _ in range(2)
    )
    first.lines.append(LineOutcome(sku="sku-1", quantity=1, outcome=Outcome.REFUND, amount_minor=100))

    assert second.lines == [] and first.lines is not second.lines
    assert second == CustomerDecision(outcome=Outcome.REFUND, reason_code=ReasonCode.WEAK_PROOF, decided_at=NOW, refund_to=None)


async def test_private_attributes_start_fresh(service, request_for):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    values = dict(dispute)

    one, other = trusted(Dispute)(**values), trusted(Dispute)(**values)

    assert one.new_messages == [] and one.__pydantic_private__ is not other.__pydantic_private__
    assert one.status is Status.OPENED


@pytest.mark.parametrize(
    "values",
    [
        {"first_response_due": NOW, "evidence_due": NOW},  # decision_due missing
        {"first_response_due": NOW, "evidence_due": NOW, "decision_due": NOW, "extra": 1},
    ],
)
def test_a_missing_or_unknown_field_is_refused(values):
    with pytest.raises(TypeError, match="Sla"):
        trusted(Sla)(**values)
