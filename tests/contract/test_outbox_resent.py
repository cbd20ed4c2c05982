"""A parked message a supervisor sends again (`Dispute.resend_effect`): the save moves it from the parked effects back
to the outbox, under its key, with its timeline entry, in its one write, and keeps what a relay did meanwhile."""

from datetime import timedelta

from disputes.relay import waiting_for
from schemas.common import Outcome
from schemas.dispute import OutboxMessage, ParkReason, ReasonCode
from tests.contract.conftest import Cases
from tests.factories import INVESTIGATOR, NOW, SUPERVISOR

LATER = NOW + timedelta(minutes=5)
REASON = "Bildirim servisi düzeltildi; karar mesajı yeniden gönderiliyor."


async def _told_parked(cases: Cases) -> tuple[str, OutboxMessage, OutboxMessage]:
    """A rejected case whose decision's message its service refused (parked): its id, the opening's message (still
    pending) and the decision's."""
    dispute = await cases.open()
    decided = await cases.change(
        dispute.id, lambda d: d.decide(INVESTIGATOR, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "n", "o", NOW)
    )
    opened, told = decided.outbox
    refused = told.model_copy(update={"parked_at": LATER, "parked": ParkReason.REFUSED})
    await cases.storage.disputes.failed(dispute.id, refused, "rejected: 400", LATER, park=True)
    return dispute.id, opened, told


async def test_a_message_sent_again_leaves_the_parked_effects_for_the_outbox_under_its_key(cases: Cases) -> None:
    dispute_id, opened, told = await _told_parked(cases)

    stored = await cases.change(dispute_id, lambda d: d.resend_effect(SUPERVISOR, told.key, REASON, LATER))

    assert stored.effects_parked == []
    assert [(m.id, m.key, m.attempts, m.parked, m.parked_at) for m in stored.outbox] == [
        (opened.id, opened.key, 0, None, None), (told.id, told.key, 0, None, None),
    ]
    assert stored.outbox == await cases.storage.disputes.pending(dispute_id)
    entry = stored.timeline[-1]
    assert (entry.action, entry.actor, entry.details["reason"], entry.details["parked"]) == (
        "effect_resent", SUPERVISOR.id, REASON, "refused"
    )


async def test_a_send_again_saved_after_a_relay_delivered_another_message_neither_sends_it_again_nor_forgets_it(
    cases: Cases,
) -> None:
    dispute_id, opened, told = await _told_parked(cases)
    read = await cases.storage.disputes.get(dispute_id)
    await cases.storage.disputes.delivered(dispute_id, opened, LATER)

    read.resend_effect(SUPERVISOR, told.id, REASON, LATER)
    await cases.storage.disputes.save(read)

    stored = await cases.storage.disputes.get(dispute_id)
    assert [m.id for m in stored.outbox] == [told.id]
    assert [e.id for e in stored.effects_delivered] == [opened.id]
    assert stored.effects_parked == []


async def test_a_message_held_behind_one_sent_again_goes_back_with_it_after_it_in_the_one_write(cases: Cases) -> None:
    dispute = await cases.open()
    decided = await cases.change(
        dispute.id, lambda d: d.decide(INVESTIGATOR, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "n", "o", NOW)
    )
    opened, told = decided.outbox
    refused = opened.model_copy(update={"parked_at": LATER, "parked": ParkReason.REFUSED})
    held = waiting_for(refused, [told.model_copy(update={"waits_for": [opened.id]})], LATER)  # as one that speaks of it
    await cases.storage.disputes.failed(dispute.id, refused, "rejected: 400", LATER, park=True, held=held)

    stored = await cases.change(dispute.id, lambda d: d.resend_effect(SUPERVISOR, opened.key, REASON, LATER))

    assert stored.effects_parked == []
    assert [(m.id, m.parked, m.last_error) for m in stored.outbox] == [
        (opened.id, None, "rejected: 400"), (told.id, None, None)
    ]
    assert stored.outbox == await cases.storage.disputes.pending(dispute.id)
    assert stored.timeline[-1].details["held"] == [told.key]
