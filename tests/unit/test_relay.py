"""The outbox relay: every effect reaches its service with its key; failures wait and retry, in order."""

from datetime import timedelta

import pytest

from disputes.ports import EffectRejected, EffectUnavailable
from disputes.relay import Attempt, Relay, Result
from disputes.work import WorkKind
from schemas.common import Outcome
from schemas.dispute import EffectKind, ReasonCode
from tests.factories import CUSTOMER, INVESTIGATOR, subjects


class Downstream:
    """Plays payments, fulfillment and notifications; `failures` scripts what the next calls raise (None: answer)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.failures: list[Exception | None] = []

    async def _take(self, service: str, key: str) -> None:
        self.calls.append((service, key))
        if self.failures and (failure := self.failures.pop(0)) is not None:
            raise failure

    async def refund(self, request, idempotency_key):
        await self._take("payments", idempotency_key)

    async def reship(self, request, idempotency_key):
        await self._take("fulfillment", idempotency_key)

    async def notify(self, request, idempotency_key):
        await self._take("notifications", idempotency_key)

    async def alert_staff(self, alert, idempotency_key):
        await self._take("staff_alerts", idempotency_key)

    async def report_risk(self, signal, idempotency_key):
        await self._take("accounts", idempotency_key)

    async def change_restriction(self, change, idempotency_key):
        await self._take("account_restrictions", idempotency_key)

    async def record_liability(self, liability, idempotency_key):
        await self._take("finance", idempotency_key)


@pytest.fixture
def downstream():
    return Downstream()


class Relayed:
    """The relay run as a worker runs it (claimed from the schedule); each pass answers its attempts."""

    def __init__(self, repository, downstream, clock, due_work, **settings) -> None:
        self.attempts: list[Attempt] = []
        d = downstream
        self.work = due_work(Relay(repository, d, d, d, d, d, clock, observe=self.attempts.append, **settings))

    async def run_once(self) -> list[Attempt]:
        self.attempts.clear()
        await self.work.run_once()
        return list(self.attempts)


@pytest.fixture
def make_relay(repository, downstream, clock, due_work):
    return lambda **settings: Relayed(repository, downstream, clock, due_work, **settings)


@pytest.fixture
def relay(make_relay):
    return make_relay(backoff=timedelta(seconds=10))


@pytest.fixture
async def refunded(service, request_for):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    await service.decide(INVESTIGATOR, dispute.id, {1}, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)
    return dispute


async def test_every_queued_effect_is_delivered_once_in_order(relay, refunded, downstream, repository):
    attempts = await relay.run_once()

    assert [a.result for a in attempts] == [Result.DELIVERED] * 3
    assert downstream.calls == [
        ("notifications", f"{refunded.id}:1:dispute_opened"),
        ("payments", f"{refunded.id}:d1:refund"),
        ("notifications", f"{refunded.id}:d1:decision_made"),
    ]
    stored = repository.docs[refunded.id]
    assert stored.outbox == [] and [e.kind for e in stored.effects_delivered] == [
        EffectKind.NOTIFICATION, EffectKind.REFUND, EffectKind.NOTIFICATION
    ]
    assert await relay.run_once() == [] and len(downstream.calls) == 3


async def test_a_transient_failure_holds_the_rest_back_until_the_retry_time(relay, refunded, downstream, clock, repository):
    downstream.failures = [EffectUnavailable("503")]
    first = await relay.run_once()
    assert [a.result for a in first] == [Result.RETRY]
    assert repository.docs[refunded.id].outbox[0].attempts == 1
    assert await relay.run_once() == []

    clock.advance(seconds=10)
    second = await relay.run_once()
    assert [a.result for a in second] == [Result.DELIVERED] * 3
    assert [key for _, key in downstream.calls].count(f"{refunded.id}:1:dispute_opened") == 2


async def test_a_service_that_said_when_to_come_back_is_not_tried_again_before(relay, refunded, downstream, clock):
    downstream.failures = [EffectUnavailable("429", retry_after=timedelta(minutes=2))]  # past the relay's backoff
    assert [a.result for a in await relay.run_once()] == [Result.RETRY]

    clock.advance(seconds=119)
    assert await relay.run_once() == []
    clock.advance(seconds=1)
    assert [a.result for a in await relay.run_once()] == [Result.DELIVERED] * 3


async def test_a_rejected_effect_is_parked_for_a_person_and_the_rest_continue(relay, refunded, downstream, repository):
    downstream.failures = [EffectRejected("400 bad request")]
    attempts = await relay.run_once()
    assert [a.result for a in attempts] == [Result.PARKED, Result.DELIVERED, Result.DELIVERED]
    stored = repository.docs[refunded.id]
    assert [m.kind for m in stored.effects_parked] == [EffectKind.NOTIFICATION] and stored.outbox == []


@pytest.mark.parametrize(
    ("outcome", "kind"), [(Outcome.REFUND, EffectKind.REFUND), (Outcome.RESHIP, EffectKind.RESHIP)]
)
async def test_a_decisions_notification_is_parked_with_a_refund_or_reship_its_service_refused(
    relay, service, request_for, downstream, repository, outcome, kind
):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    await service.decide(INVESTIGATOR, dispute.id, {1}, outcome, ReasonCode.CARRIER_NO_PROOF, "n", None)
    downstream.failures = [None, EffectRejected("HTTP 400")]

    attempts = await relay.run_once()

    assert [(a.kind, a.result) for a in attempts] == [
        (EffectKind.NOTIFICATION, Result.DELIVERED), (kind, Result.PARKED), (EffectKind.NOTIFICATION, Result.PARKED)
    ]
    assert [key for _, key in downstream.calls] == [
        f"{dispute.id}:1:dispute_opened", f"{dispute.id}:d1:{outcome.value}"
    ]
    stored = repository.docs[dispute.id]
    compensation, told = stored.effects_parked
    assert stored.outbox == [] and (told.key, told.attempts) == (f"{dispute.id}:d1:decision_made", 0)
    assert told.last_error == f"held: waits for {kind.value} {compensation.id}, which was parked"
    assert await relay.run_once() == [] and len(downstream.calls) == 2


async def test_a_notification_is_parked_with_a_refund_that_ran_out_of_attempts(
    make_relay, refunded, downstream, clock, repository
):
    relay = make_relay(max_attempts=2, backoff=timedelta(seconds=1))
    downstream.failures = [None, EffectUnavailable("503"), EffectUnavailable("503")]
    results = []
    for _ in range(2):
        results += [(a.kind, a.result) for a in await relay.run_once()]
        clock.advance(minutes=10)

    assert results[-2:] == [(EffectKind.REFUND, Result.PARKED), (EffectKind.NOTIFICATION, Result.PARKED)]
    assert [key for _, key in downstream.calls].count(f"{refunded.id}:d1:decision_made") == 0
    assert [m.kind for m in repository.docs[refunded.id].effects_parked] == [EffectKind.REFUND, EffectKind.NOTIFICATION]


async def test_an_effect_that_keeps_failing_is_parked_after_the_attempt_limit(make_relay, repository, downstream, clock, service, request_for):
    relay = make_relay(max_attempts=3, backoff=timedelta(seconds=1))
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    downstream.failures = [EffectUnavailable("down")] * 3
    results = []
    for _ in range(3):
        results += [a.result for a in await relay.run_once()]
        clock.advance(minutes=10)
    assert results == [Result.RETRY, Result.RETRY, Result.PARKED]
    assert repository.docs[dispute.id].effects_parked[0].attempts == 3


async def test_a_claimed_dispute_is_not_handed_to_a_second_relay_during_its_lease(schedule, refunded, clock):
    now, lease = clock.now(), timedelta(seconds=30)
    assert subjects(await schedule.claim_due(WorkKind.RELAY, now, lease, 10, "relay-1")) == [refunded.id]
    assert subjects(await schedule.claim_due(WorkKind.RELAY, now, lease, 10, "relay-2")) == []
    assert subjects(await schedule.claim_due(WorkKind.RELAY, now + timedelta(seconds=31), lease, 10, "relay-2")) == [refunded.id]
