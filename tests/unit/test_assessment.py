"""The assessor: the policy's advice recorded on the case and acted on through the ordinary paths."""

from datetime import timedelta

import pytest

from adapters.web.views import customer_view, staff_view
from disputes.actors import SYSTEM
from disputes.assessment import Assessor
from disputes.errors import Forbidden, Unprocessable
from disputes.policy import PolicySettings
from schemas.common import Outcome
from schemas.dispute import EffectKind, ReasonCode, Status
from schemas.recommendation import RecommendedAction
from tests.factories import CUSTOMER, INVESTIGATOR, NOW, SUPERVISOR, order, shipment
from tests.unit.policy.builders import evidence


@pytest.fixture
def assessor(service, repository, clock, due_work):
    return due_work(Assessor(service, repository, PolicySettings()))


@pytest.fixture
async def dispute(service, request_for):
    return (await service.open(CUSTOMER, request_for(), None)).dispute


async def attach(service, dispute_id, clock, **proof):
    ev = evidence(key=f"push:{len(proof)}", **proof)
    await service.apply(SYSTEM, dispute_id, lambda d: d.attach_evidence(SYSTEM, ev, clock.now()))


async def pull_failed(service, dispute_id, clock):
    """The carrier could not be reached: the case waits for its proof."""
    await service.apply(SYSTEM, dispute_id, lambda d: d.evidence_pull_failed(SYSTEM, "away", None, clock.now()))


def kinds(repository, dispute_id):
    return [m.kind for m in repository.docs[dispute_id].outbox]


async def test_an_opened_dispute_is_first_assessed_when_its_first_pull_ends(assessor, service, dispute, clock):
    assert await assessor.run_once() == 0  # the pull's outcome comes first: advice now would be superseded at once
    await pull_failed(service, dispute.id, clock)
    assert await assessor.run_once() == 1


async def test_while_the_carrier_is_awaited_a_person_is_advised_and_nothing_is_decided(
    assessor, service, dispute, repository, clock
):
    await pull_failed(service, dispute.id, clock)
    assert await assessor.run_once() == 1
    stored = repository.docs[dispute.id]
    assert stored.recommendation.action is RecommendedAction.NEEDS_PERSON and stored.status is Status.AWAITING_EVIDENCE
    assert stored.timeline[-1].action == "assessed" and stored.assess_due is None


async def test_no_proof_by_the_deadline_refunds_and_makes_the_carrier_liable(assessor, service, dispute, repository, clock):
    clock.current = dispute.sla.evidence_due
    await service.apply(SYSTEM, dispute.id, lambda d: d.evidence_deadline_passed(SYSTEM, clock.now()))
    await assessor.run_once()
    stored = repository.docs[dispute.id]
    assert stored.status is Status.RESOLVED and stored.decision.outcome is Outcome.REFUND
    assert stored.decision.reason_code is ReasonCode.CARRIER_NO_PROOF and stored.decision.decided_by == "system"
    assert EffectKind.CARRIER_LIABILITY in kinds(repository, dispute.id)
    liability = next(m for m in stored.outbox if m.kind is EffectKind.CARRIER_LIABILITY)
    assert liability.payload["amount_minor"] == 129_900 and liability.payload["carrier"] == "yurtici"


class Assessments:
    def __init__(self):
        self.lines = []

    def pulled(self, dispute_id, carrier, outcome, seconds):
        raise AssertionError("the assessor pulls nothing")

    def assessed(self, dispute_id, advice, status):
        self.lines.append((dispute_id, advice.rule.value, advice.action, status))


async def test_each_assessment_is_reported_with_the_advice_and_the_status_it_left(
    service, repository, clock, dispute, due_work
):
    log = Assessments()
    await attach(service, dispute.id, clock, signature=False, photo=False, received_by="Mehmet Kaya", metres=None)
    await due_work(Assessor(service, repository, PolicySettings(), log=log)).run_once()
    stored = repository.docs[dispute.id]
    assert log.lines == [(dispute.id, "weak_proof", stored.recommendation.action, Status.RESOLVED)]


async def test_weak_proof_is_resolved_for_the_customer(assessor, service, dispute, repository, clock):
    await attach(service, dispute.id, clock, signature=False, photo=False, received_by="Mehmet Kaya", metres=None)
    await assessor.run_once()
    stored = repository.docs[dispute.id]
    assert stored.recommendation.rule.value == "weak_proof" and stored.status is Status.RESOLVED
    assert any("Mehmet Kaya" in f.text for f in stored.recommendation.findings)


async def test_strong_proof_recommends_rejection_but_a_person_decides(assessor, service, dispute, repository, clock):
    await attach(service, dispute.id, clock, photo=True, metres=20)
    await assessor.run_once()
    stored = repository.docs[dispute.id]
    assert stored.recommendation.action is RecommendedAction.REJECT and not stored.recommendation.auto_resolve
    assert stored.status is Status.UNDER_REVIEW and stored.decision is None


async def test_deciding_against_the_advice_needs_a_written_reason(assessor, service, dispute, clock):
    await attach(service, dispute.id, clock, photo=True, metres=20)
    await assessor.run_once()
    version = {(await service.get(INVESTIGATOR, dispute.id)).version}
    with pytest.raises(Unprocessable, match="override_reason"):
        await service.decide(INVESTIGATOR, dispute.id, version, Outcome.REFUND, ReasonCode.GOODWILL, "iyi niyet", None)
    decided = await service.decide(
        INVESTIGATOR, dispute.id, version, Outcome.REFUND, ReasonCode.GOODWILL, "iyi niyet", None, "Müşteri 10 yıllık."
    )
    assert decided.decision.overridden and decided.decision.recommended == "reject"
    assert decided.decision.override_reason == "Müşteri 10 yıllık."


async def test_a_neighbour_delivery_tells_the_customer_whom_to_ask_and_waits(assessor, service, dispute, repository, clock):
    await attach(service, dispute.id, clock, relation="neighbour", received_by="Fatma Demir")
    await assessor.run_once()
    stored = repository.docs[dispute.id]
    assert stored.recommendation.action is RecommendedAction.WAIT_FOR_CUSTOMER_CHECK
    message = next(m for m in reversed(stored.outbox) if m.kind is EffectKind.NOTIFICATION)
    assert message.payload["template"] == "check_with_third_party" and "Fatma Demir" in message.payload["message"]
    assert stored.assess_due == clock.now() + timedelta(hours=24)
    clock.advance(hours=25)
    await assessor.run_once()
    after = repository.docs[dispute.id]
    assert after.recommendation.rule.value == "third_party_check_over"
    assert [m.payload.get("template") for m in after.outbox].count("check_with_third_party") == 1


@pytest.fixture
async def repeat_claims(service, orders, request_for, assessor, clock):
    """Three claims by one customer on three days, assessed: the third is a pattern."""
    ids = []
    for i in range(3):
        orders.orders[f"ord-r{i}"] = order(f"ord-r{i}", shipments=[shipment(f"shp-r{i}")])
        ids.append((await service.open(CUSTOMER, request_for(order_id=f"ord-r{i}"), None)).dispute.id)
        await pull_failed(service, ids[-1], clock)
        clock.advance(days=1)
    await assessor.run_once()
    return ids


async def test_a_repeat_claimer_is_flagged_for_a_supervisor_and_the_account_service(repeat_claims, repository):
    ids = repeat_claims
    flagged = repository.docs[ids[-1]]
    assert flagged.needs_supervisor and flagged.priority >= 2 and flagged.abuse_flags
    risk = [m for m in flagged.outbox if m.kind is EffectKind.CUSTOMER_RISK]
    assert len(risk) == 1 and risk[0].payload["customer_id"] == "cust-1"


async def test_a_supervisor_clears_flags_with_a_reason_and_they_stay_cleared(service, repeat_claims, assessor, repository):
    ids = repeat_claims
    with pytest.raises(Forbidden, match="roles: supervisor"):
        await service.clear_flags(INVESTIGATOR, ids[-1], "Hepsi farklı adresler")
    cleared = await service.clear_flags(SUPERVISOR, ids[-1], "Kargo firmasının bilinen sorunu")
    assert not cleared.abuse_flags and not cleared.needs_supervisor and cleared.assess_due is not None
    assert cleared.timeline[-1].details["reason"] == "Kargo firmasının bilinen sorunu"
    await assessor.run_once()
    reassessed = repository.docs[ids[-1]]
    assert not reassessed.abuse_flags and not reassessed.needs_supervisor
    assert [m.kind for m in reassessed.outbox].count(EffectKind.CUSTOMER_RISK) == 1


async def test_abuse_signals_raised_at_opening_still_hold_when_weak_proof_arrives_a_day_later(
    service, orders, request_for, assessor, repository, clock
):
    """Claims opened 180.5 and 100 days before NOW are both within 180 days of this one's opening (a day before
    NOW), though the first is not within 180 days of NOW: the window ends at the opening, whenever it is assessed."""
    for name, days in (("old", 180.5), ("mid", 100)):
        delivered = shipment(f"shp-{name}", delivered_days_ago=days + 1)
        orders.orders[f"ord-{name}"] = order(f"ord-{name}", shipments=[delivered])
        clock.current = NOW - timedelta(days=days)
        await service.open(CUSTOMER, request_for(order_id=f"ord-{name}"), None)
    clock.current = NOW - timedelta(days=1)
    opened = (await service.open(CUSTOMER, request_for(), None)).dispute
    await pull_failed(service, opened.id, clock)
    await assessor.run_once()
    assert repository.docs[opened.id].recommendation.abuse_flags == ["repeat_claims"]

    clock.current = NOW
    await attach(service, opened.id, clock, signature=False, photo=False, received_by="Mehmet Kaya", metres=None)
    await assessor.run_once()

    stored = repository.docs[opened.id]
    assert stored.recommendation.rule.value == "weak_proof" and stored.recommendation.abuse_flags == ["repeat_claims"]
    assert not stored.recommendation.auto_resolve and stored.needs_supervisor
    assert stored.status is Status.UNDER_REVIEW and stored.decision is None


async def test_a_proof_of_delivery_before_the_order_was_placed_is_not_rejected_automatically(
    service, orders, request_for, repository, clock, due_work
):
    delivered_early = order("ord-x", shipments=[shipment("shp-x", delivered_days_ago=10)])
    orders.orders["ord-x"] = delivered_early.model_copy(update={"placed_at": NOW - timedelta(days=5)})
    assessor = due_work(Assessor(service, repository, PolicySettings(auto_reject_enabled=True)))
    opened = (await service.open(CUSTOMER, request_for(order_id="ord-x"), None)).dispute
    assert opened.order.placed_at == NOW - timedelta(days=5)

    await attach(service, opened.id, clock, photo=True, delivered_at=NOW - timedelta(days=10), received_at=NOW)
    await assessor.run_once()

    stored = repository.docs[opened.id]
    assert stored.recommendation.action is RecommendedAction.NEEDS_PERSON
    assert "delivered_before_order" in [f.code for f in stored.recommendation.findings]
    assert stored.status is Status.UNDER_REVIEW and stored.decision is None


async def test_advice_given_before_the_carrier_proof_is_shown_as_provisional_until_the_proof_is_assessed(
    assessor, service, dispute, repository, clock
):
    await pull_failed(service, dispute.id, clock)
    await assessor.run_once()
    waiting = repository.docs[dispute.id]
    assert waiting.recommendation.rule.value == "awaiting_carrier_evidence"
    assert staff_view(waiting)["recommendation_provisional"]
    assert customer_view(waiting, timedelta(days=14))["assessment_provisional"]

    await attach(service, dispute.id, clock)
    proof_not_yet_assessed = repository.docs[dispute.id]
    assert staff_view(proof_not_yet_assessed)["recommendation_provisional"]
    clock.advance(seconds=1)
    await assessor.run_once()
    assessed = repository.docs[dispute.id]
    assert assessed.recommendation.rule.value != "awaiting_carrier_evidence"
    assert not staff_view(assessed)["recommendation_provisional"]
    assert not customer_view(assessed, timedelta(days=14))["assessment_provisional"]
