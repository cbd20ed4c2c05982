"""The facts a case keeps for the staff reports, read from the case as it stands."""

from datetime import datetime, timedelta

import pytest

from disputes.actors import SYSTEM
from disputes.model import Dispute
from disputes.reports import report_facts
from disputes.rules import Rules
from disputes.sla import deadlines
from schemas.common import Outcome
from schemas.dispute import Evidence, ReasonCode
from schemas.proof import ProofSource
from tests.factories import CUSTOMER, INVESTIGATOR, NOW
from tests.unit.test_evidence import proof
from tests.unit.test_next_step_table import DUE, case


@pytest.mark.parametrize(("received", "hours"), [
    (NOW + timedelta(hours=2, minutes=15), 2.25),
    (NOW - timedelta(hours=30), 0.0),  # pushed when the carrier delivered, before the claim: in hand at the opening
])
async def test_the_hours_to_proof_count_from_the_opening_and_a_proof_in_hand_at_it_counts_as_none(
    service, request_for, received, hours
):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    assert dispute.opened_at == NOW
    evidence = Evidence(key="push:1", proof=proof(source=ProofSource.PUSH).model_copy(update={"received_at": received}))

    proved = await service.apply_timed(SYSTEM, dispute.id, lambda d, now: d.attach_evidence(SYSTEM, evidence, now))

    assert report_facts(proved).hours_to_proof == hours


def _stored_before_decisions_kept_their_deadline(dispute: Dispute) -> Dispute:
    """`dispute` as a document stored before each decision kept the deadline it was taken against reads back."""
    data = dispute.model_dump(mode="json")
    del data["decision"]["decision_due"]
    for entry in data["timeline"]:
        if entry["action"] == "decided":
            del entry["details"]["decision_due"]
    return Dispute.model_validate(data)


def _rejected_late(dispute: Dispute, escalated: bool) -> datetime:
    """Escalated by the sweeper (which records the deadline) or not, then rejected two days past the deadline."""
    due = dispute.sla.decision_due
    if escalated:
        dispute.escalate(SYSTEM, due - timedelta(hours=4), Rules().escalate_before_deadline)
    dispute.decide(INVESTIGATOR, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "n", None, due + timedelta(days=2))
    return due


def _appealed(dispute: Dispute) -> None:
    now = dispute.decision.decided_at + timedelta(hours=1)
    dispute.file_appeal(CUSTOMER, "Kapıcı da almadı, komşular da.", now, now + timedelta(days=1))
    dispute.restart_sla(deadlines(now, Rules()), Rules().escalate_before_deadline)


async def test_a_decision_keeps_the_deadline_it_was_taken_against_when_an_appeal_sets_a_new_one(service, request_for):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    due = _rejected_late(dispute, escalated=False)
    _appealed(dispute)

    assert dispute.decision.decision_due == due < dispute.sla.decision_due
    assert report_facts(dispute).within_sla is False


@pytest.mark.parametrize("appealed", [False, True])
async def test_a_decision_stored_without_its_deadline_reads_the_one_its_review_had(service, request_for, appealed):
    """Not reviewed again: the case's deadline is still the decision's. Appealed: the latest deadline the decision's
    review recorded (here the escalation's), not the appeal's."""
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    due = _rejected_late(dispute, escalated=True)
    if appealed:
        _appealed(dispute)

    old = _stored_before_decisions_kept_their_deadline(dispute)

    assert old.decision.decision_due == due
    assert report_facts(old).within_sla is False


async def test_a_decision_stored_without_its_deadline_whose_review_recorded_none_reads_the_current_one(
    service, request_for
):
    """Best effort: the first deadline of a review is kept nowhere but in the case's current deadline."""
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    _rejected_late(dispute, escalated=False)
    _appealed(dispute)

    assert _stored_before_decisions_kept_their_deadline(dispute).decision.decision_due == dispute.sla.decision_due


def test_a_decision_the_deadline_rule_forced_is_told_apart_from_the_policy_s_automatic_one() -> None:
    forced = case("delivered")
    forced.deadline_reached(SYSTEM, DUE)  # nobody decided by the deadline: resolved for the customer by the rule
    by_policy = case("delivered")
    by_policy.decide(SYSTEM, Outcome.REFUND, ReasonCode.WEAK_PROOF, "Politika.", None, NOW)

    assert (report_facts(forced).automatic, report_facts(forced).by_deadline_rule) == (False, True)
    assert (report_facts(by_policy).automatic, report_facts(by_policy).by_deadline_rule) == (True, False)
