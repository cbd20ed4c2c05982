"""The outbox: the messages a change causes are stored with it, and each is recorded delivered or parked
exactly once, whatever two relays racing on it do. (Claiming due messages: test_claims.py.)"""

from datetime import timedelta

from schemas.common import Outcome
from schemas.dispute import EffectKind, OutboxMessage, ParkReason, ReasonCode
from tests.contract.conftest import Cases
from tests.factories import CUSTOMER, INVESTIGATOR, NOW

LATER = NOW + timedelta(minutes=5)


async def test_a_new_disputes_messages_are_stored_pending_with_it(cases: Cases) -> None:
    dispute = await cases.open()

    stored = await cases.storage.disputes.get(dispute.id)

    assert [m.kind for m in stored.outbox] == [EffectKind.NOTIFICATION] and stored.new_messages == []
    assert stored.outbox == dispute.outbox and stored.effects_delivered == [] == stored.effects_parked


async def test_a_saved_changes_messages_are_stored_after_those_still_pending(cases: Cases) -> None:
    dispute = await cases.open()

    decided = await cases.change(
        dispute.id, lambda d: d.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None, NOW)
    )

    assert [m.kind for m in decided.outbox] == [EffectKind.NOTIFICATION, EffectKind.REFUND, EffectKind.NOTIFICATION]
    assert decided.outbox[0] == dispute.outbox[0]
    assert decided.outbox[2].waits_for == [decided.outbox[1].id]  # the customer hears of the refund once it is taken


async def test_a_delivered_message_leaves_the_outbox_and_is_recorded_delivered(cases: Cases) -> None:
    dispute = await cases.open()
    [message] = dispute.outbox

    await cases.storage.disputes.delivered(dispute.id, message, LATER)

    stored = await cases.storage.disputes.get(dispute.id)
    assert stored.outbox == []
    assert [(e.id, e.kind, e.key, e.delivered_at) for e in stored.effects_delivered] == [
        (message.id, message.kind, message.key, LATER)
    ]


async def test_a_delivered_refund_keeps_the_id_payments_gave_it(cases: Cases) -> None:
    dispute = await cases.open()
    decided = await cases.change(
        dispute.id, lambda d: d.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None, NOW)
    )
    opened, refund, _ = decided.outbox

    await cases.storage.disputes.delivered(dispute.id, opened, LATER)
    await cases.storage.disputes.delivered(dispute.id, refund, LATER, reference="pay_7f3a9c")

    stored = await cases.storage.disputes.get(dispute.id)
    assert [(e.key, e.reference) for e in stored.effects_delivered] == [(opened.key, None), (refund.key, "pay_7f3a9c")]


async def test_a_message_delivered_twice_is_recorded_once(cases: Cases) -> None:
    dispute = await cases.open()
    [message] = dispute.outbox

    for _ in range(2):  # a relay whose lease ran out, and the one that took its batch over
        await cases.storage.disputes.delivered(dispute.id, message, LATER)

    assert [e.key for e in (await cases.storage.disputes.get(dispute.id)).effects_delivered] == [message.key]


async def test_a_save_from_a_read_older_than_a_delivery_neither_resends_nor_forgets_it(cases: Cases) -> None:
    dispute = await cases.open()
    read_before = await cases.storage.disputes.get(dispute.id)
    await cases.storage.disputes.delivered(dispute.id, dispute.outbox[0], LATER)

    read_before.add_note(INVESTIGATOR, "late", LATER)
    await cases.storage.disputes.save(read_before)

    stored = await cases.storage.disputes.get(dispute.id)
    assert stored.outbox == [] and [e.id for e in stored.effects_delivered] == [dispute.outbox[0].id]


async def test_a_failed_attempt_is_counted_with_its_error_and_the_message_stays_pending(cases: Cases) -> None:
    dispute = await cases.open()
    [message] = dispute.outbox

    await cases.storage.disputes.failed(dispute.id, message, "unavailable: 503", LATER, park=False)

    [pending] = (await cases.storage.disputes.get(dispute.id)).outbox
    assert (pending.id, pending.attempts, pending.last_error) == (message.id, 1, "unavailable: 503")


async def test_a_message_tried_before_its_send_stays_pending_with_when_it_was_tried(cases: Cases) -> None:
    dispute = await cases.open()
    [message] = dispute.outbox

    await cases.storage.disputes.sending(dispute.id, message, LATER)

    [pending] = (await cases.storage.disputes.get(dispute.id)).outbox
    assert (pending.id, pending.attempts, pending.tried_at) == (message.id, 0, LATER)


async def test_a_message_no_longer_pending_is_not_marked_as_sent_and_says_so(cases: Cases) -> None:
    """A pass that read the outbox before another parked the message must not send it: the mark says it is gone."""
    dispute = await cases.open()
    [message] = dispute.outbox
    assert await cases.storage.disputes.failed(dispute.id, message, "rejected: HTTP 401", LATER, park=True)

    assert await cases.storage.disputes.sending(dispute.id, message, LATER) is None
    stored = await cases.storage.disputes.get(dispute.id)
    assert stored.outbox == [] and [m.id for m in stored.effects_parked] == [message.id]


async def test_a_failed_attempt_recorded_after_the_mark_keeps_it(cases: Cases) -> None:
    dispute = await cases.open()
    [message] = dispute.outbox
    await cases.storage.disputes.sending(dispute.id, message, LATER)

    await cases.storage.disputes.failed(dispute.id, message, "unavailable: 503", LATER, park=False)

    [pending] = (await cases.storage.disputes.get(dispute.id)).outbox
    assert (pending.attempts, pending.tried_at) == (1, LATER)


async def test_an_attempt_that_never_reached_its_service_is_recorded_so_until_the_next_is_sent(cases: Cases) -> None:
    dispute = await cases.open()
    [message] = dispute.outbox
    await cases.storage.disputes.sending(dispute.id, message.model_copy(update={"tried_at": NOW}), NOW)
    unreached = message.model_copy(update={"tried_at": NOW, "never_reached": True})
    await cases.storage.disputes.failed(dispute.id, unreached, "unavailable: refused", LATER, park=False)
    [pending] = (await cases.storage.disputes.get(dispute.id)).outbox
    assert (pending.attempts, pending.never_reached) == (1, True)

    await cases.storage.disputes.sending(dispute.id, pending, LATER)  # in flight: it may reach the service

    [pending] = (await cases.storage.disputes.get(dispute.id)).outbox
    assert (pending.attempts, pending.never_reached, pending.tried_at) == (1, False, NOW)


async def test_an_attempt_that_never_reached_its_service_is_recorded_so_only_while_no_other_began_since(
    cases: Cases,
) -> None:
    dispute = await cases.open()
    [message] = dispute.outbox
    first, second = (message.model_copy(update={"tried_at": NOW, "attempt_token": token}) for token in ("t1", "t2"))
    assert await cases.storage.disputes.sending(dispute.id, first, NOW)  # nothing was tried before
    assert not await cases.storage.disputes.sending(dispute.id, second, LATER)  # the first may have reached it

    stale = first.model_copy(update={"never_reached": True})
    assert not await cases.storage.disputes.failed(dispute.id, stale, "unavailable: refused", LATER, park=False)
    parked = stale.model_copy(update={"parked": ParkReason.NEVER_REACHED, "parked_at": LATER})
    assert not await cases.storage.disputes.failed(dispute.id, parked, "unavailable: refused", LATER, park=True)
    stored = await cases.storage.disputes.get(dispute.id)
    assert stored.effects_parked == [] and len(stored.outbox) == 1
    assert (stored.outbox[0].attempts, stored.outbox[0].never_reached, stored.outbox[0].attempt_token) == (0, False, "t2")

    own = second.model_copy(update={"never_reached": True})
    assert await cases.storage.disputes.failed(dispute.id, own, "unavailable: refused", LATER, park=False)
    [pending] = (await cases.storage.disputes.get(dispute.id)).outbox
    assert (pending.attempts, pending.never_reached, pending.attempt_token) == (1, True, None)
    assert await cases.storage.disputes.sending(dispute.id, second, LATER)  # none so far reached it


async def test_a_message_parked_after_attempts_that_never_reached_its_service_keeps_the_marker(cases: Cases) -> None:
    dispute = await cases.open()
    [message] = dispute.outbox
    unreached = message.model_copy(
        update={"never_reached": True, "parked": ParkReason.NEVER_REACHED, "parked_at": LATER}
    )

    await cases.storage.disputes.failed(dispute.id, unreached, "unavailable: refused", LATER, park=True)

    [parked] = (await cases.storage.disputes.get(dispute.id)).effects_parked
    assert (parked.never_reached, parked.parked) == (True, ParkReason.NEVER_REACHED)


async def test_a_message_another_relay_delivered_is_not_marked_tried(cases: Cases) -> None:
    dispute = await cases.open()
    [message] = dispute.outbox
    await cases.storage.disputes.delivered(dispute.id, message, LATER)

    await cases.storage.disputes.sending(dispute.id, message, LATER)

    stored = await cases.storage.disputes.get(dispute.id)
    assert stored.outbox == [] and [e.id for e in stored.effects_delivered] == [message.id]


async def test_a_long_error_is_kept_to_its_first_500_characters(cases: Cases) -> None:
    dispute = await cases.open()
    [message] = dispute.outbox
    error = "unavailable: " + "x" * 1000

    await cases.storage.disputes.failed(dispute.id, message, error, LATER, park=False)

    assert (await cases.storage.disputes.get(dispute.id)).outbox[0].last_error == error[:500]


async def test_a_parked_message_leaves_the_outbox_and_is_kept_with_its_error(cases: Cases) -> None:
    dispute = await cases.open()
    [message] = dispute.outbox

    await cases.storage.disputes.failed(dispute.id, message, "rejected: 422", LATER, park=True)

    stored = await cases.storage.disputes.get(dispute.id)
    assert stored.outbox == [] and stored.effects_delivered == []
    assert [(m.id, m.attempts, m.last_error) for m in stored.effects_parked] == [(message.id, 1, "rejected: 422")]


async def test_parking_a_message_parks_the_messages_held_for_it_in_the_same_write(cases: Cases) -> None:
    dispute = await cases.open()
    decided = await cases.change(
        dispute.id, lambda d: d.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None, NOW)
    )
    opened, refund, told = decided.outbox
    held = told.model_copy(update={"last_error": "held: waits for refund"})

    await cases.storage.disputes.failed(dispute.id, refund, "rejected: 400", LATER, park=True, held=[held])

    stored = await cases.storage.disputes.get(dispute.id)
    assert stored.outbox == [opened]
    assert [(m.id, m.attempts, m.last_error) for m in stored.effects_parked] == [
        (refund.id, 1, "rejected: 400"), (told.id, 0, "held: waits for refund")
    ]


async def test_parking_a_message_queues_its_staff_alert_in_the_same_write_with_every_value_as_given(
    cases: Cases,
) -> None:
    dispute = await cases.open()
    decided = await cases.change(
        dispute.id, lambda d: d.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None, NOW)
    )
    opened, refund, told = decided.outbox
    alert = OutboxMessage(  # text that reads as an operator or a field path is stored as written
        id="alert-1", kind=EffectKind.STAFF_ALERT, key=f"{dispute.id}:parked:{refund.id}",
        payload={"error": "$outbox", "filter": {"$ne": 1}}, created_at=LATER,
    )

    await cases.storage.disputes.failed(dispute.id, refund, "rejected: $where", LATER, park=True, held=[told], queued=[alert])

    stored = await cases.storage.disputes.get(dispute.id)
    assert stored.outbox == [opened, alert]
    assert [(m.id, m.last_error) for m in stored.effects_parked] == [(refund.id, "rejected: $where"), (told.id, None)]


async def test_parking_a_message_again_or_by_a_racing_relay_queues_its_messages_once(cases: Cases) -> None:
    dispute = await cases.open()
    decided = await cases.change(
        dispute.id, lambda d: d.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None, NOW)
    )
    opened, refund, told = decided.outbox
    alert = OutboxMessage(id="alert-1", kind=EffectKind.STAFF_ALERT, key="k-alert", payload={}, created_at=LATER)
    instead = OutboxMessage(id="told-1", kind=EffectKind.NOTIFICATION, key=f"{told.key}:held", payload={},
                            created_at=LATER)

    for _ in range(2):  # a write made again, or the same parking by a relay whose lease ran out
        await cases.storage.disputes.failed(
            dispute.id, refund, "rejected: 400", LATER, park=True, held=[told], queued=[alert, instead]
        )

    stored = await cases.storage.disputes.get(dispute.id)
    assert stored.outbox == [opened, alert, instead]
    assert [m.id for m in stored.effects_parked] == [refund.id, told.id]


async def test_parking_a_message_another_relay_delivered_records_nothing(cases: Cases) -> None:
    dispute = await cases.open()
    [message] = dispute.outbox
    await cases.storage.disputes.delivered(dispute.id, message, LATER)

    await cases.storage.disputes.failed(dispute.id, message, "rejected: 422", LATER, park=True)

    stored = await cases.storage.disputes.get(dispute.id)
    assert stored.effects_parked == [] and [e.id for e in stored.effects_delivered] == [message.id]


async def test_a_failure_recorded_after_another_relay_delivered_the_message_changes_nothing(cases: Cases) -> None:
    dispute = await cases.open()
    withdrawn = await cases.change(dispute.id, lambda d: d.withdraw(CUSTOMER, None, NOW))
    first, second = withdrawn.outbox
    await cases.storage.disputes.delivered(dispute.id, first, LATER)

    await cases.storage.disputes.failed(dispute.id, first, "unavailable: 503", LATER, park=False)

    stored = await cases.storage.disputes.get(dispute.id)
    assert stored.outbox == [second] and [e.id for e in stored.effects_delivered] == [first.id]
