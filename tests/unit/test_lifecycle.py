"""Working a case: assignment, notes, decisions and their effects, withdrawal, appeal, reopening (a withdrawn case's
too)."""

from datetime import timedelta

import pytest

from disputes.actors import SYSTEM
from disputes.errors import (
    ActiveDisputeExists,
    CompensationAlreadyIssued,
    Conflict,
    DecisionStands,
    Forbidden,
    IllegalTransition,
    NotFound,
    StaleVersion,
    Unprocessable,
)
from disputes.model import Dispute
from disputes.rules import Rules
from disputes.service import DisputeService
from disputes.sla import deadlines
from schemas.common import Outcome, RefundDestination, Role
from schemas.dispute import EffectKind, ReasonCode, Status
from tests.factories import AGENT, CUSTOMER, INVESTIGATOR, OTHER_CUSTOMER, OTHER_INVESTIGATOR, SUPERVISOR, order, shipment
from tests.unit.policy.builders import evidence


@pytest.fixture
async def dispute(service, request_for):
    return (await service.open(CUSTOMER, request_for(), None)).dispute


def outbox_kinds(repository, dispute_id):
    return [(m.kind, m.key.split(":", 1)[1]) for m in repository.docs[dispute_id].outbox]


async def decide(service, actor, dispute_id, outcome=Outcome.REFUND, reason=ReasonCode.CARRIER_NO_PROOF, version=None):
    if version is None:
        version = (await service.get(actor, dispute_id)).version
    return await service.decide(actor, dispute_id, {version}, outcome, reason, "Kargo teslim kanıtı sunamadı.", None)


async def test_assigning_to_oneself_starts_the_review(service, dispute):
    assigned = await service.assign(INVESTIGATOR, dispute.id, None)
    assert assigned.status is Status.UNDER_REVIEW and assigned.assignee == INVESTIGATOR.id
    assert assigned.timeline[-1].action == "assigned" and assigned.timeline[-1].to_status is Status.UNDER_REVIEW


async def test_only_a_supervisor_assigns_someone_else_or_takes_over(service, dispute):
    with pytest.raises(Forbidden):
        await service.assign(INVESTIGATOR, dispute.id, OTHER_INVESTIGATOR.id)
    await service.assign(SUPERVISOR, dispute.id, OTHER_INVESTIGATOR.id)
    with pytest.raises(Conflict, match="assigned to another"):
        await service.assign(INVESTIGATOR, dispute.id, None)
    with pytest.raises(Forbidden):
        await service.release(INVESTIGATOR, dispute.id)
    released = await service.release(OTHER_INVESTIGATOR, dispute.id)
    assert released.assignee is None and released.status is Status.UNDER_REVIEW


async def test_customers_cannot_work_cases(service, dispute):
    for action in (service.assign(CUSTOMER, dispute.id, None), service.add_note(CUSTOMER, dispute.id, "x")):
        with pytest.raises(Forbidden):
            await action


async def test_a_customer_sees_only_their_own_disputes(service, dispute, repository, monkeypatch):
    assert (await service.get(CUSTOMER, dispute.id)).id == dispute.id
    asked = []
    for name in ("get", "read"):
        looked_up = getattr(repository, name)
        monkeypatch.setattr(repository, name, lambda key, owner=None, f=looked_up: asked.append(owner) or f(key, owner))
    for look in (service.get, service.read):
        with pytest.raises(NotFound):
            await look(OTHER_CUSTOMER, dispute.id)
    assert len(asked) >= 2 and set(asked) == {OTHER_CUSTOMER.customer_id}, "looked up as the customer's: another's is missing"


async def test_notes_go_on_the_timeline(service, dispute):
    noted = await service.add_note(INVESTIGATOR, dispute.id, "Kapıcıyla görüşülecek.")
    assert noted.timeline[-1].details == {"text": "Kapıcıyla görüşülecek."} and noted.version == 2


async def test_a_refund_decision_queues_the_refund_and_the_customer_message(service, dispute, repository):
    decided = await decide(service, INVESTIGATOR, dispute.id)
    assert decided.status is Status.RESOLVED and decided.decision.outcome is Outcome.REFUND
    assert decided.decision.refund_to is RefundDestination.ORIGINAL_PAYMENT
    stored = repository.docs[dispute.id].outbox
    refund = next(m for m in stored if m.kind is EffectKind.REFUND)
    assert refund.key == f"{dispute.effects_prefix}:d1:refund" and refund.payload["amount_minor"] == 129_900
    assert outbox_kinds(repository, dispute.id)[-2:] == [(EffectKind.REFUND, "d1:refund"), (EffectKind.NOTIFICATION, "d1:decision_made")]


async def test_a_reship_decision_queues_a_replacement_for_the_disputed_items(service, dispute, repository):
    await decide(service, INVESTIGATOR, dispute.id, Outcome.RESHIP, ReasonCode.LOST_IN_TRANSIT)
    reship = next(m for m in repository.docs[dispute.id].outbox if m.kind is EffectKind.RESHIP)
    assert reship.payload["items"][0]["sku"] == "sku-kettle" and reship.payload["address"]["city"] == "İstanbul"


async def test_items_that_cannot_be_reshipped_must_be_refunded(service, orders, request_for):
    orders.orders["ord-1"] = order(shipments=[shipment(reshippable=False)])
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    with pytest.raises(Unprocessable, match="cannot be shipped again"):
        await decide(service, INVESTIGATOR, dispute.id, Outcome.RESHIP, ReasonCode.LOST_IN_TRANSIT)


async def test_a_rejection_needs_a_rejection_reason(service, dispute):
    with pytest.raises(Unprocessable, match="does not fit"):
        await decide(service, INVESTIGATOR, dispute.id, Outcome.REJECTED, ReasonCode.CARRIER_NO_PROOF)


async def test_a_decision_on_a_stale_version_is_refused_and_changes_nothing(service, dispute, repository):
    await service.add_note(INVESTIGATOR, dispute.id, "note")
    with pytest.raises(StaleVersion):
        await decide(service, INVESTIGATOR, dispute.id, version=1)
    assert repository.docs[dispute.id].status is Status.OPENED and repository.docs[dispute.id].version == 2


async def test_a_decision_holds_when_any_named_version_is_current_and_none_named_is_final(service, dispute, repository):
    await service.add_note(INVESTIGATOR, dispute.id, "note")
    with pytest.raises(StaleVersion, match="named no version"):
        await service.decide(INVESTIGATOR, dispute.id, frozenset(), Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)
    with pytest.raises(NotFound):  # who may see the case is settled before the precondition
        await service.decide(OTHER_CUSTOMER, dispute.id, frozenset(), Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)
    assert repository.docs[dispute.id].version == 2
    decided = await service.decide(INVESTIGATOR, dispute.id, {1, 2, 7}, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)
    assert decided.version == 3 and decided.decision.outcome is Outcome.REFUND


async def test_a_resolved_case_cannot_be_decided_again(service, dispute):
    await decide(service, INVESTIGATOR, dispute.id)
    with pytest.raises(IllegalTransition):
        await decide(service, INVESTIGATOR, dispute.id, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY)


async def test_reopening_needs_a_supervisor_and_never_pays_twice(service, dispute):
    await decide(service, INVESTIGATOR, dispute.id)
    with pytest.raises(Forbidden):
        await service.reopen(INVESTIGATOR, dispute.id, "Yeniden bak")
    reopened = await service.reopen(SUPERVISOR, dispute.id, "Yeniden bak")
    assert reopened.status is Status.UNDER_REVIEW
    with pytest.raises(CompensationAlreadyIssued):
        await decide(service, SUPERVISOR, dispute.id, Outcome.RESHIP, ReasonCode.LOST_IN_TRANSIT)


async def test_the_customer_withdraws_an_open_case(service, dispute, repository):
    withdrawn = await service.withdraw(CUSTOMER, dispute.id, "Komşuda buldum")
    assert withdrawn.status is Status.WITHDRAWN
    assert outbox_kinds(repository, dispute.id)[-1] == (EffectKind.NOTIFICATION, "2:dispute_withdrawn")
    with pytest.raises(NotFound):
        await service.withdraw(OTHER_CUSTOMER, dispute.id, None)
    with pytest.raises(Forbidden):
        await service.withdraw(INVESTIGATOR, dispute.id, None)
    with pytest.raises(IllegalTransition):
        await service.withdraw(CUSTOMER, dispute.id, None)


async def test_a_supervisor_restores_a_case_withdrawn_by_mistake_as_a_new_review(
    service, dispute, repository, clock, orders, request_for
):
    """An agent withdrew the wrong customer's case: a supervisor reopens it, saying why. Its review starts again with
    deadlines counted from then, the carrier is asked again for the proof it has not given (the case awaits it, as one
    whose evidence is requested again), the customer is told their claim is back, and it counts among their claims as
    any open one."""
    await service.withdraw(AGENT, dispute.id, "Müşteri paketi buldu.")
    clock.advance(days=1)
    with pytest.raises(Forbidden):
        await service.reopen(INVESTIGATOR, dispute.id, "Temsilci yanlış başvuruyu geri çekti.")

    restored = await service.reopen(SUPERVISOR, dispute.id, "Temsilci yanlış başvuruyu geri çekti.")

    assert restored.status is Status.AWAITING_EVIDENCE and restored.closed_at is None
    said = restored.timeline[-1]
    assert (said.action, said.actor, said.role, said.from_status, said.to_status, said.details) == (
        "reopened", SUPERVISOR.id, Role.SUPERVISOR, Status.WITHDRAWN, Status.AWAITING_EVIDENCE,
        {"reason": "Temsilci yanlış başvuruyu geri çekti."},
    )
    assert restored.sla == deadlines(clock.now(), Rules()) and restored.evidence_pull_due == clock.now()
    told = repository.docs[dispute.id].outbox[-1]
    assert (told.kind, told.payload["template"]) == (EffectKind.NOTIFICATION, "dispute_reopened")
    assert told.payload["message_en"].startswith("Your claim, which had been withdrawn, is under review again. ")
    assert told.payload["message"].startswith("Geri çekilen başvurunuz yeniden incelemeye alındı. ")
    orders.orders["ord-2"] = order(order_id="ord-2", shipments=[shipment(shipment_id="shp-2")])
    later = (await service.open(CUSTOMER, request_for(order_id="ord-2"), None)).dispute
    history = await repository.customer_history(later, later.opened_at - timedelta(days=30))
    assert [(claim.dispute_id, claim.withdrawal) for claim in history.claims] == [(dispute.id, None)]


async def test_a_withdrawn_case_restored_with_its_carrier_s_proof_is_under_review_at_once(service, dispute, clock):
    proof = evidence(key="push:signed")
    await service.apply(SYSTEM, dispute.id, lambda d: d.attach_evidence(SYSTEM, proof, clock.now()))
    await service.withdraw(AGENT, dispute.id, "Müşteri paketi buldu.")
    clock.advance(days=1)

    restored = await service.reopen(SUPERVISOR, dispute.id, "Temsilci yanlış başvuruyu geri çekti.")

    assert (restored.status, restored.timeline[-1].to_status) == (Status.UNDER_REVIEW, Status.UNDER_REVIEW)
    assert restored.evidence_pull_due is None


async def test_a_withdrawn_case_is_not_restored_once_another_case_holds_its_shipment(
    service, dispute, repository, request_for
):
    withdrawn = await service.withdraw(CUSTOMER, dispute.id, "Komşuda buldum")
    again = (await service.open(CUSTOMER, request_for(), None)).dispute

    with pytest.raises(ActiveDisputeExists) as refused:
        await service.reopen(SUPERVISOR, dispute.id, "Temsilci yanlış başvuruyu geri çekti.")

    assert refused.value.dispute_id == again.id
    stored = repository.docs[dispute.id]
    assert (stored.status, stored.version) == (Status.WITHDRAWN, withdrawn.version)


async def test_an_appeal_cannot_be_withdrawn_so_the_shipment_is_never_disputed_again_with_a_fresh_appeal(
    service, dispute, request_for, repository
):
    await decide(service, INVESTIGATOR, dispute.id, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY)
    await service.appeal(CUSTOMER, dispute.id, "İmza benim değil.")
    with pytest.raises(DecisionStands):
        await service.withdraw(CUSTOMER, dispute.id, "Vazgeçtim")
    await service.assign(INVESTIGATOR, dispute.id, None)  # the appeal under review: still decided once
    with pytest.raises(DecisionStands):
        await service.withdraw(CUSTOMER, dispute.id, "Vazgeçtim")
    with pytest.raises(ActiveDisputeExists) as refused:
        await service.open(CUSTOMER, request_for(), None)
    assert refused.value.dispute_id == dispute.id
    stored = repository.docs[dispute.id]
    assert stored.status is Status.UNDER_REVIEW and stored.appeal.statement == "İmza benim değil."
    assert "withdrawn" not in [e.action for e in stored.timeline]


async def test_a_reopened_refund_cannot_be_withdrawn_so_the_shipment_is_compensated_once(
    service, dispute, request_for, repository
):
    await decide(service, INVESTIGATOR, dispute.id)
    await service.reopen(SUPERVISOR, dispute.id, "Kurye kaydı yeniden incelenecek.")
    with pytest.raises(DecisionStands, match="decided"):
        await service.withdraw(CUSTOMER, dispute.id, "Buldum")
    with pytest.raises(ActiveDisputeExists) as refused:
        await service.open(CUSTOMER, request_for(), None)
    assert refused.value.dispute_id == dispute.id
    refunds = [m.key for d in repository.docs.values() for m in d.outbox if m.kind is EffectKind.REFUND]
    assert refunds == [f"{dispute.effects_prefix}:d1:refund"] and len(repository.docs) == 1


async def test_a_rejection_can_be_appealed_once_within_the_window(service, dispute, clock):
    await decide(service, INVESTIGATOR, dispute.id, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY)
    appealed = await service.appeal(CUSTOMER, dispute.id, "İmza benim değil.")
    assert appealed.status is Status.APPEALED and appealed.appeal.statement == "İmza benim değil."
    await decide(service, INVESTIGATOR, dispute.id, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY)
    with pytest.raises(Conflict, match="already appealed"):
        await service.appeal(CUSTOMER, dispute.id, "Tekrar")


async def test_an_appeal_that_repeats_the_claim_s_statement_is_refused_for_a_new_explanation(service, dispute, repository):
    await decide(service, INVESTIGATOR, dispute.id, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY)

    with pytest.raises(Unprocessable, match="new explanation") as refused:  # the claim's, in capitals: İ folds to i
        await service.appeal(CUSTOMER, dispute.id, "  TESLİM GÖRÜNÜYOR AMA GELMEDİ.\n")

    assert refused.value.facts["field"] == "statement"
    with pytest.raises(Unprocessable, match="new explanation"):  # a zero-width space and a word joiner read as nothing
        await service.appeal(CUSTOMER, dispute.id, "Teslim\u200b görünüyor ama gel\u2060medi.")
    stored = repository.docs[dispute.id]
    assert stored.status is Status.RESOLVED and stored.appeal is None and stored.customer_evidence == []
    appealed = await service.appeal(CUSTOMER, dispute.id, "Teslim görünüyor ama gelmedi; imza benim değil.")
    assert appealed.status is Status.APPEALED


async def test_an_appeal_after_the_window_or_of_a_refund_is_refused(service, dispute, clock, request_for, orders):
    await decide(service, INVESTIGATOR, dispute.id, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY)
    clock.advance(days=15)
    with pytest.raises(Conflict, match="window has closed"):
        await service.appeal(CUSTOMER, dispute.id, "Geç kaldım")
    orders.orders["ord-2"] = order("ord-2")
    refunded = (await service.open(CUSTOMER, request_for(order_id="ord-2"), None)).dispute
    await decide(service, INVESTIGATOR, refunded.id)
    with pytest.raises(Conflict, match="Only a rejected"):
        await service.appeal(CUSTOMER, refunded.id, "x")


async def test_an_appeal_is_taken_until_the_end_the_decision_named_whatever_window_is_configured_since(
    repository, orders, clock, request_for
):
    deciding = DisputeService(repository, orders, clock, Rules(appeal_window=timedelta(days=14)))
    receiving = DisputeService(repository, orders, clock, Rules(appeal_window=timedelta(days=7)))  # lowered since
    orders.orders["ord-2"] = order("ord-2")
    first, second = [(await deciding.open(CUSTOMER, request_for(order_id=o), None)).dispute for o in ("ord-1", "ord-2")]
    decided = await decide(deciding, INVESTIGATOR, first.id, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY)
    await decide(deciding, INVESTIGATOR, second.id, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY)
    assert decided.decision.appeal_ends == decided.decision.decided_at + timedelta(days=14)
    clock.advance(days=10)

    appealed = await receiving.appeal(CUSTOMER, first.id, "İmza benim değil.")

    assert appealed.status is Status.APPEALED
    clock.advance(days=4, seconds=1)
    widened = DisputeService(repository, orders, clock, Rules(appeal_window=timedelta(days=21)))
    with pytest.raises(Conflict, match="window has closed") as refused:  # nor is it longer than the decision named
        await widened.appeal(CUSTOMER, second.id, "İmza benim değil.")
    assert refused.value.facts["window_ended_at"] == "2026-12-02T09:30:00.000Z"  # decided at NOW, 14 days on


async def test_a_decision_stored_before_it_kept_its_appeal_end_is_appealed_within_the_window_configured(
    repository, orders, clock, request_for
):
    service = DisputeService(repository, orders, clock, Rules(appeal_window=timedelta(days=7)))
    orders.orders["ord-2"] = order("ord-2")
    for order_id in ("ord-1", "ord-2"):
        opened = (await service.open(CUSTOMER, request_for(order_id=order_id), None)).dispute
        await decide(service, INVESTIGATOR, opened.id, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY)
        stored = repository.docs[opened.id].model_dump(mode="json")
        del stored["decision"]["appeal_ends"]
        repository.docs[opened.id] = Dispute.model_validate(stored)
    within, late = list(repository.docs)
    clock.advance(days=7)

    assert (await service.appeal(CUSTOMER, within, "İmza benim değil.")).status is Status.APPEALED
    clock.advance(seconds=1)
    with pytest.raises(Conflict, match="window has closed"):
        await service.appeal(CUSTOMER, late, "İmza benim değil.")


async def test_a_decided_case_keeps_its_assignee_for_the_appeal_unless_released(service, dispute):
    await service.assign(INVESTIGATOR, dispute.id, None)
    decided = await decide(service, INVESTIGATOR, dispute.id, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY)
    assert decided.assignee == INVESTIGATOR.id
    await service.appeal(CUSTOMER, dispute.id, "İmza benim değil.")
    with pytest.raises(Conflict, match="assigned to another"):
        await service.assign(OTHER_INVESTIGATOR, dispute.id, None)

    await service.release(INVESTIGATOR, dispute.id)
    taken = await service.assign(OTHER_INVESTIGATOR, dispute.id, None)
    assert taken.assignee == OTHER_INVESTIGATOR.id and taken.status is Status.UNDER_REVIEW


async def test_overturning_another_investigators_rejection_needs_a_supervisor(service, dispute):
    await decide(service, INVESTIGATOR, dispute.id, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY)
    await service.appeal(CUSTOMER, dispute.id, "İmza benim değil.")
    await service.assign(SUPERVISOR, dispute.id, OTHER_INVESTIGATOR.id)
    with pytest.raises(Forbidden, match="supervisor"):
        await decide(service, OTHER_INVESTIGATOR, dispute.id)
    decided = await decide(service, SUPERVISOR, dispute.id)
    assert decided.decision.outcome is Outcome.REFUND and decided.decision.sequence == 2


async def test_a_concurrent_change_without_if_match_is_retried_on_fresh_state(service, dispute, repository):
    original_save = repository.save
    calls = 0

    async def racing_save(d, ending=None, taking=None):
        nonlocal calls
        calls += 1
        if calls == 1:  # another change lands first
            await original_save(await repository.get(d.id))
        await original_save(d, ending, taking)

    repository.save = racing_save
    noted = await service.add_note(INVESTIGATOR, dispute.id, "note")
    assert calls == 2 and noted.version == 3
