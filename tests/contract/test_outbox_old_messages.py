"""Messages stored before attempt tokens were kept (no attempt_token field at all) go through sending/failed
as any other does, on both stores."""

from datetime import timedelta

from disputes.model import Dispute
from schemas.dispute import OutboxMessage, ParkReason
from tests.contract.conftest import Cases
from tests.factories import NOW

LATER = NOW + timedelta(minutes=5)


async def _drop_attempt_tokens(cases: Cases, dispute_id: str) -> None:
    if cases.storage.name == "mongo":
        collection = cases.storage.disputes.collection
        await collection.update_one({"_id": dispute_id}, {"$unset": {"outbox.$[].attempt_token": ""}})
        raw = await collection.find_one({"_id": dispute_id})
        assert all("attempt_token" not in m for m in raw["outbox"])


async def _old_never_reached(cases: Cases) -> tuple[Dispute, OutboxMessage]:
    """A case whose message failed once without reaching its service, stored as before attempt tokens were kept."""
    dispute = await cases.open()
    [message] = dispute.outbox
    unreached = message.model_copy(update={"tried_at": NOW, "never_reached": True})
    assert await cases.storage.disputes.failed(dispute.id, unreached, "unavailable: refused", LATER, park=False)
    await _drop_attempt_tokens(cases, dispute.id)
    [stored] = (await cases.storage.disputes.get(dispute.id)).outbox
    return dispute, stored


async def test_an_old_message_never_reached_with_no_token_field_is_sent_and_failed_again(cases: Cases) -> None:
    dispute, stored = await _old_never_reached(cases)

    attempt = stored.model_copy(update={"never_reached": False, "attempt_token": "t1"})
    assert await cases.storage.disputes.sending(dispute.id, attempt, LATER)  # none reached it so far
    failed = attempt.model_copy(update={"never_reached": True})
    assert await cases.storage.disputes.failed(dispute.id, failed, "unavailable: refused", LATER, park=False)
    [pending] = (await cases.storage.disputes.get(dispute.id)).outbox
    assert (pending.attempts, pending.never_reached, pending.attempt_token) == (2, True, None)


async def test_an_old_message_never_reached_with_no_token_field_can_be_parked_unsent(cases: Cases) -> None:
    """As the relay's hold does: the stored message, never reached, parked without a new attempt."""
    dispute, stored = await _old_never_reached(cases)
    assert stored.never_reached and stored.attempt_token is None

    parked = stored.model_copy(update={"parked": ParkReason.NEVER_REACHED, "parked_at": LATER})
    assert await cases.storage.disputes.failed(dispute.id, parked, "unavailable: refused", LATER, park=True)
    after = await cases.storage.disputes.get(dispute.id)
    assert after.outbox == [] and [m.parked for m in after.effects_parked] == [ParkReason.NEVER_REACHED]


async def test_an_old_message_in_flight_with_no_token_field_counts_as_maybe_reached(cases: Cases) -> None:
    """An old release's attempt in flight (tried, not never_reached, no token): a new attempt is told it may have
    reached the service."""
    dispute = await cases.open()
    [message] = dispute.outbox
    old = message.model_copy(update={"tried_at": NOW})
    await cases.storage.disputes.sending(dispute.id, old, NOW)
    await _drop_attempt_tokens(cases, dispute.id)

    attempt = message.model_copy(update={"tried_at": NOW, "attempt_token": "t1"})
    assert not await cases.storage.disputes.sending(dispute.id, attempt, LATER)
