"""The outbox relay: every effect reaches its service with its key; failures wait and retry, in order."""

import asyncio
import random
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from structlog.testing import capture_logs

from adapters.memory import InMemoryOrders
from adapters.workers import log_attempt
from disputes.actors import SYSTEM, Actor
from disputes.errors import Forbidden
from disputes.lanes import Lanes, Place
from disputes.next_step import next_step
from disputes.ports import Claimed, CredentialsRefused, EffectRejected, EffectUnavailable, Lease
from disputes.relay import Relay, Result
from disputes.rules import Rules
from disputes.service import DisputeService
from disputes.work import WorkKind
from schemas.common import Outcome, RefundDestination
from schemas.dispute import DeliveredEffect, EffectKind, OutboxMessage, ParkReason, ReasonCode
from tests.factories import CUSTOMER, INVESTIGATOR, SUPERVISOR, order, shipment, subjects
from tests.unit.relay_fakes import Downstream, Relayed
from tests.unit.test_missing_items import BOX, Records, claim


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
        ("payments", f"{refunded.effects_prefix}:d1:refund"),
        ("notifications", f"{refunded.id}:d1:decision_made"),
    ]
    stored = repository.docs[refunded.id]
    assert stored.outbox == [] and [e.kind for e in stored.effects_delivered] == [
        EffectKind.NOTIFICATION, EffectKind.REFUND, EffectKind.NOTIFICATION
    ]
    assert await relay.run_once() == [] and len(downstream.calls) == 3


async def test_a_delivered_carrier_liability_keeps_finance_s_id(relay, service, request_for, repository):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    late = await repository.get(dispute.id)
    late.evidence_deadline_passed(SYSTEM, late.opened_at)
    await repository.save(late)
    await service.decide(INVESTIGATOR, dispute.id, {2}, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)

    await relay.run_once()

    delivered = {e.kind: e.reference for e in repository.docs[dispute.id].effects_delivered}
    assert delivered[EffectKind.CARRIER_LIABILITY].startswith("liab_")


async def test_a_delivered_refund_keeps_payments_id_and_is_told_by_the_day_payments_took_it(
    relay, refunded, downstream, clock, repository
):
    pending = next_step(repository.docs[refunded.id], Rules().appeal_window)
    assert pending[0].endswith("your refund of 1,299.00 TRY to your original payment method is being sent.")
    assert pending[1].endswith("1.299,00 TL tutarındaki ücret iadeniz orijinal ödeme yönteminize yapılmak üzere gönderiliyor.")

    clock.advance(days=1)  # the refund reaches payments the day after the decision
    await relay.run_once()

    stored = repository.docs[refunded.id]
    assert [(e.kind, e.reference) for e in stored.effects_delivered] == [
        (EffectKind.NOTIFICATION, None), (EffectKind.REFUND, "pay_2"), (EffectKind.NOTIFICATION, None)
    ]
    older = stored.effects_delivered[1].model_dump(mode="json", exclude={"reference"})  # delivered before it was kept
    assert DeliveredEffect.model_validate(older).reference is None
    en, tr = next_step(stored, Rules().appeal_window)
    assert en.startswith("Decided on 18.11.2026: we refunded 1,299.00 TRY to your original payment method on 19.11.2026.")
    assert tr.startswith("18.11.2026 tarihinde karar verildi: 1.299,00 TL tutarındaki ücret iadeniz 19.11.2026 tarihinde "
                         "orijinal ödeme yönteminize yapıldı.")


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
    assert [m.kind for m in stored.effects_parked] == [EffectKind.NOTIFICATION]
    assert [m.kind for m in stored.outbox] == [EffectKind.STAFF_ALERT]  # queued by the parking, sent next


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
        f"{dispute.id}:1:dispute_opened", f"{dispute.effects_prefix}:d1:{outcome.value}"
    ]
    stored = repository.docs[dispute.id]
    compensation, told = stored.effects_parked
    assert [m.kind for m in stored.outbox] == [EffectKind.STAFF_ALERT, EffectKind.NOTIFICATION]
    assert (told.key, told.attempts) == (f"{dispute.id}:d1:decision_made", 0)
    assert told.last_error == f"held: waits for {kind.value} {compensation.id}, which was parked"
    assert [(a.kind, a.result) for a in await relay.run_once()] == [
        (EffectKind.STAFF_ALERT, Result.DELIVERED), (EffectKind.NOTIFICATION, Result.DELIVERED)
    ]
    assert downstream.calls[2:] == [
        ("staff_alerts", f"{dispute.id}:parked:{compensation.id}"), ("notifications", f"{dispute.id}:d1:decision_made:held")
    ]
    assert await relay.run_once() == []


async def test_parking_a_refused_refund_alerts_staff_naming_the_case_the_refund_and_what_to_do(
    relay, refunded, downstream, repository
):
    downstream.failures = [None, EffectRejected("HTTP 400: account closed")]
    await relay.run_once()
    alert, _ = repository.docs[refunded.id].outbox  # and the customer's message told instead

    await relay.run_once()

    refund = repository.docs[refunded.id].effects_parked[0]
    assert (alert.kind, alert.key) == (EffectKind.STAFF_ALERT, f"{refunded.id}:parked:{refund.id}")
    assert downstream.alerts[0] | {"parked": None} == {
        "dispute_id": refunded.id, "reason": "effect_parked", "decision_due": refunded.sla.decision_due,
        "first_response_due": None, "priority": refunded.priority, "parked": None,
    }
    parked = downstream.alerts[0]["parked"]
    assert (parked.kind, parked.key, parked.reason, parked.error, parked.held) == (
        "refund", f"{refunded.effects_prefix}:d1:refund", "refused", "rejected: HTTP 400: account closed", ["notification"]
    )
    assert parked.to_do.startswith("Refused for good: it did not happen. A supervisor may reopen the case")


async def test_a_refund_out_of_attempts_alerts_staff_to_check_with_payments_before_deciding_again(
    make_relay, refunded, downstream, clock, repository
):
    relay = make_relay(max_attempts=2, backoff=timedelta(seconds=1))
    downstream.failures = [None, EffectUnavailable("timed out"), EffectUnavailable("timed out")]
    for _ in range(3):
        await relay.run_once()
        clock.advance(minutes=10)

    [parked] = [alert["parked"] for alert in downstream.alerts]
    assert (parked.key, parked.reason, parked.error) == (
        f"{refunded.effects_prefix}:d1:refund", "out_of_attempts", "unavailable: timed out"
    )
    assert "it may have happened. Check with the service by its key first" in parked.to_do
    assert "override_reason" in parked.to_do


async def test_a_refund_refused_on_the_pass_after_one_with_no_answer_alerts_staff_that_it_may_have_been_paid(
    make_relay, refunded, downstream, clock, repository
):
    relay = make_relay(max_attempts=5, backoff=timedelta(seconds=1))
    downstream.failures = [None, EffectUnavailable("timed out"), EffectRejected("HTTP 409: key in progress")]
    for _ in range(3):
        await relay.run_once()
        clock.advance(minutes=10)

    refund = repository.docs[refunded.id].effects_parked[0]
    assert (refund.key, refund.parked, refund.attempts) == (f"{refunded.effects_prefix}:d1:refund", ParkReason.REFUSED_ON_RETRY, 2)
    [parked] = [alert["parked"] for alert in downstream.alerts]
    assert (parked.key, parked.reason, parked.error) == (
        f"{refunded.effects_prefix}:d1:refund", "refused_on_retry", "rejected: HTTP 409: key in progress"
    )
    assert parked.to_do.startswith("Refused on a retry, after an attempt that got no clear answer: it may have happened.")
    assert "override_reason" in parked.to_do and "did not happen" not in parked.to_do


async def test_a_refusal_after_an_unanswered_attempt_of_the_same_pass_parks_the_refund_as_maybe_paid(
    relay, refunded, downstream, repository
):
    downstream.failures = [None, EffectRejected("HTTP 401, after an attempt that may have been applied", maybe_applied=True)]

    await relay.run_once()

    refund = repository.docs[refunded.id].effects_parked[0]
    assert (refund.kind, refund.parked, refund.attempts) == (EffectKind.REFUND, ParkReason.REFUSED_ON_RETRY, 1)


async def test_a_refusal_on_the_first_attempt_is_parked_as_refused_for_good(relay, refunded, downstream, repository):
    downstream.failures = [None, EffectRejected("HTTP 400")]

    await relay.run_once()

    assert repository.docs[refunded.id].effects_parked[0].parked is ParkReason.REFUSED


UNAUTHENTICATED = CredentialsRefused("payments refused our credentials: HTTP 401")


async def test_a_refund_whose_service_refused_our_credentials_is_sent_again_and_goes_out_once_it_takes_them(
    make_relay, refunded, downstream, clock, repository
):
    relay = make_relay(max_attempts=5, backoff=timedelta(seconds=1))
    downstream.failures = [None, UNAUTHENTICATED, UNAUTHENTICATED, None]
    for _ in range(3):
        await relay.run_once()
        clock.advance(minutes=10)

    assert [key for service, key in downstream.calls if service == "payments"] == [f"{refunded.effects_prefix}:d1:refund"] * 3
    assert repository.docs[refunded.id].effects_parked == [] and downstream.alerts == []
    assert [m.kind for m in repository.docs[refunded.id].outbox] == []  # the decision's notification went out after it


async def test_a_refund_refused_our_credentials_until_out_of_attempts_is_parked_saying_so_and_staff_alerted(
    make_relay, refunded, downstream, clock, repository
):
    relay = make_relay(max_attempts=2, backoff=timedelta(seconds=1))
    downstream.failures = [None, UNAUTHENTICATED, UNAUTHENTICATED]
    for _ in range(3):
        await relay.run_once()
        clock.advance(minutes=10)

    refund = next(m for m in repository.docs[refunded.id].effects_parked if m.kind is EffectKind.REFUND)
    assert (refund.parked, refund.attempts) == (ParkReason.CREDENTIALS_REFUSED, 2)
    assert not refund.parked.did_not_happen  # an earlier attempt may have gone unanswered: never a second refund
    [parked] = [alert["parked"] for alert in downstream.alerts]
    assert (parked.key, parked.reason, parked.error) == (
        f"{refunded.effects_prefix}:d1:refund", "credentials_refused",
        "rejected: payments refused our credentials: HTTP 401",
    )
    assert parked.to_do.startswith("Its service refused our credentials (HTTP 401)") and "override_reason" in parked.to_do


async def test_a_parked_staff_alert_queues_no_alert_of_its_own(relay, service, request_for, downstream, repository, clock):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    downstream.failures = [EffectRejected("HTTP 400")]
    await relay.run_once()  # the opening's notification parked: its alert queued
    downstream.failures = [EffectRejected("HTTP 400")]

    assert [(a.kind, a.result) for a in await relay.run_once()] == [(EffectKind.STAFF_ALERT, Result.PARKED)]
    stored = repository.docs[dispute.id]
    assert stored.outbox == [] and [m.kind for m in stored.effects_parked] == [EffectKind.NOTIFICATION, EffectKind.STAFF_ALERT]
    clock.advance(hours=1)
    assert await relay.run_once() == []


async def test_the_timeline_says_which_effect_was_parked_why_and_whether_staff_were_alerted(
    relay, refunded, downstream, repository, clock
):
    downstream.failures = [None, EffectRejected("HTTP 400")]
    await relay.run_once()

    stored = repository.docs[refunded.id]
    [entry] = [e for e in stored.full_timeline if e.action == "effect_parked"]
    assert (entry.at, entry.actor, entry.details) == (clock.now(), "system", {
        "effect": "refund", "key": f"{refunded.effects_prefix}:d1:refund", "reason": "refused", "error": "rejected: HTTP 400",
        "staff_alerted": False, "staff_alert": "pending",
    })
    assert entry == stored.full_timeline[-1] and entry not in stored.timeline  # parked with no new version
    await relay.run_once()
    [entry] = [e for e in repository.docs[refunded.id].full_timeline if e.action == "effect_parked"]
    assert (entry.details["staff_alerted"], entry.details["staff_alert"]) == (True, "sent")


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


class Jitter(random.Random):
    """Draws the given fractions of [0, 1), in order, for every `uniform` the relay asks for."""

    def __init__(self, *fractions: float) -> None:
        super().__init__()
        self.fractions = list(fractions)

    def random(self) -> float:
        return self.fractions.pop(0)


class RetryTimes:
    """The dispute storage, with the retry time of every failed attempt written down."""

    def __init__(self, repository) -> None:
        self.repository = repository
        self.retry_at: list[datetime] = []

    def __getattr__(self, name: str):
        return getattr(self.repository, name)

    async def failed(self, dispute_id, message, error, retry_at, park, held=(), queued=()):
        self.retry_at.append(retry_at)
        return await self.repository.failed(dispute_id, message, error, retry_at, park, held, queued)


async def test_retries_back_off_exponentially_up_to_the_cap_each_shortened_by_up_to_half_at_random(
    repository, downstream, clock, due_work, refunded
):
    # 1 s doubled per attempt, capped at 10 s: 1, 2, 4, 8, 10, 10 s, each times 0.5 + 0.5 × the fraction drawn.
    fractions = (0.0, 0.5, 0.5, 0.0, 0.5, 0.0)
    expected = [0.5, 1.5, 3.0, 4.0, 7.5, 5.0]
    outbox = RetryTimes(repository)
    relay = Relay(outbox, downstream, downstream, downstream, downstream, downstream, clock, backoff=timedelta(seconds=1),
                  max_backoff=timedelta(seconds=10), _rng=Jitter(*fractions))
    work = due_work(relay)
    downstream.failures = [EffectUnavailable("503")] * len(expected)

    waited = []
    for _ in expected:
        failed_at = clock.now()
        await work.run_once()
        waited.append((outbox.retry_at[-1] - failed_at).total_seconds())
        clock.current = outbox.retry_at[-1]

    assert waited == expected
    assert repository.docs[refunded.id].outbox[0].attempts == len(expected)


async def test_a_message_queued_after_what_it_waits_for_was_parked_is_held_not_sent(
    relay, refunded, downstream, repository, clock
):
    """A later decision's message, waiting for the earlier refund, saved after the pass that parked that refund had
    read the outbox: the next pass holds it with the refund, so the customer is never told of money not sent."""
    downstream.failures = [None, EffectRejected("HTTP 400")]
    await relay.run_once()  # the opening's message sent; the refund refused and parked with its message
    stored = repository.docs[refunded.id]
    refund = next(m for m in stored.effects_parked if m.kind is EffectKind.REFUND)
    late = stored.outbox[0].model_copy(update={
        "id": "late-notice", "kind": EffectKind.NOTIFICATION, "key": f"{refunded.id}:d2:decision_made",
        "waits_for": [refund.id], "payload": next(m for m in stored.effects_parked
                                                  if m.kind is EffectKind.NOTIFICATION).payload,
    })
    repository.docs[refunded.id] = stored.model_copy(update={"outbox": [*stored.outbox, late]})
    repository.due[WorkKind.RELAY][refunded.id] = clock.now()
    sent_before = list(downstream.calls)

    attempts = await relay.run_once()

    assert ("late-notice", Result.PARKED) in [(a.message_id, a.result) for a in attempts]
    assert [key for _, key in downstream.calls[len(sent_before):]] == [
        f"{refunded.id}:parked:{refund.id}", f"{refunded.id}:d1:decision_made:held"  # both queued by the first pass
    ]
    held = next(m for m in repository.docs[refunded.id].effects_parked if m.id == "late-notice")
    assert held.parked is ParkReason.HELD and held.last_error == f"held: waits for refund {refund.id}, which was parked"


async def test_a_notice_waiting_for_two_refunds_both_refused_in_one_pass_is_parked_once(
    relay, repository, clock, downstream
):
    boxes = DisputeService(repository, InMemoryOrders([BOX]), clock, Rules(), packing_records=Records())
    dispute = (await boxes.open(CUSTOMER, claim(("sku-glass", 2), ("sku-spoon", 3)), None)).dispute
    await boxes.decide(INVESTIGATOR, dispute.id, None, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "Eksik.",
                       RefundDestination.WALLET)
    downstream.failures = [None, EffectRejected("HTTP 400"), EffectRejected("HTTP 400")]

    attempts = await relay.run_once()

    parked = repository.docs[dispute.id].effects_parked
    assert sorted(m.kind.value for m in parked) == ["notification", "refund", "refund"]
    assert all(n == 1 for n in Counter(m.id for m in parked).values())
    assert [a.kind for a in attempts if a.result is Result.PARKED].count(EffectKind.NOTIFICATION) == 1
    await relay.run_once()  # the two alerts, one for each refund
    assert sorted(alert["parked"].held for alert in downstream.alerts) == [[], ["notification"]]


class Killed(BaseException):
    """The worker process dies (SIGKILL) while the service holds its answer: nothing after the call runs."""


class AppliesThenDies(Downstream):
    """Payments applies each refund it is sent; the first time, the worker dies before hearing the answer."""

    def __init__(self) -> None:
        super().__init__()
        self.paid: list[str] = []
        self.die = True

    async def refund(self, request, idempotency_key):
        await self._take("payments", idempotency_key)
        self.paid.append(idempotency_key)
        if self.die:
            self.die = False
            raise Killed()


async def killed_mid_refund_then_refused(dispute, repository, clock, due_work) -> AppliesThenDies:
    """Payments applied the decided refund while its worker died before recording anything; the next worker's
    re-send, once the dead worker's lease ran out, is answered 401 (after a key rotation, docs/downstream.md)."""
    d = AppliesThenDies()
    with pytest.raises(Killed):
        await due_work(Relay(repository, d, d, d, d, d, clock), holder="worker-1", lease=timedelta(seconds=10)).run_once()
    assert d.paid == [f"{dispute.effects_prefix}:d1:refund"]
    clock.advance(seconds=30)
    d.failures = [EffectRejected("HTTP 401")]
    await due_work(Relay(repository, d, d, d, d, d, clock), holder="worker-2", lease=timedelta(seconds=10)).run_once()
    return d


async def test_a_refusal_of_a_resend_after_a_pass_that_died_mid_attempt_parks_the_refund_as_maybe_paid(
    refunded, repository, clock, due_work
):
    await killed_mid_refund_then_refused(refunded, repository, clock, due_work)

    refund = next(m for m in repository.docs[refunded.id].effects_parked if m.kind is EffectKind.REFUND)
    assert (refund.key, refund.parked) == (f"{refunded.effects_prefix}:d1:refund", ParkReason.REFUSED_ON_RETRY)


async def test_a_reopened_case_pays_again_such_a_refund_only_with_a_supervisors_override(
    service, refunded, repository, clock, due_work
):
    d = await killed_mid_refund_then_refused(refunded, repository, clock, due_work)
    await service.reopen(SUPERVISOR, refunded.id, "Ödeme reddedildi, tekrar.", {repository.docs[refunded.id].version})

    with pytest.raises(Forbidden, match="may have been applied"):
        await service.decide(INVESTIGATOR, refunded.id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)
    assert d.paid == [f"{refunded.effects_prefix}:d1:refund"]


async def test_a_message_queued_after_a_throttled_one_waits_with_it_for_its_retry_after(
    relay, refunded, service, downstream, clock, repository
):
    downstream.failures = [None, EffectUnavailable("HTTP 429", retry_after=timedelta(minutes=10))]
    await relay.run_once()
    assert [key for _, key in downstream.calls] == [f"{refunded.id}:1:dispute_opened", f"{refunded.effects_prefix}:d1:refund"]
    throttled_at = clock.now()

    clock.advance(seconds=30)
    await service.message_customer(INVESTIGATOR, refunded.id, "Ödemeniz işleniyor.")  # queues a notification
    clock.advance(seconds=1)
    assert await relay.run_once() == []

    assert len(downstream.calls) == 2  # payments asked for 10 minutes
    assert repository.due[WorkKind.RELAY][refunded.id] == throttled_at + timedelta(minutes=10)
    clock.current = throttled_at + timedelta(minutes=10)
    assert [a.result for a in await relay.run_once()] == [Result.DELIVERED] * 3
    assert [key.rsplit(":", 1)[-1] for _, key in downstream.calls[2:]] == ["refund", "decision_made", "staff_message"]


NOT_CONNECTED = EffectUnavailable("payments unavailable: ClientConnectorError (never reached payments)", reached=False)


async def test_a_refund_no_attempt_of_which_reached_payments_is_parked_as_never_reached_and_safe_to_decide_again(
    make_relay, service, refunded, downstream, clock, repository
):
    relay = make_relay(max_attempts=3, backoff=timedelta(seconds=1))
    downstream.failures = [None, NOT_CONNECTED, NOT_CONNECTED, NOT_CONNECTED]
    for _ in range(4):  # the last pass sends the staff alert
        await relay.run_once()
        clock.advance(minutes=10)

    refund = next(m for m in repository.docs[refunded.id].effects_parked if m.kind is EffectKind.REFUND)
    assert (refund.parked, refund.attempts, refund.never_reached) == (ParkReason.NEVER_REACHED, 3, True)
    [parked] = [alert["parked"] for alert in downstream.alerts]
    assert (parked.key, parked.reason) == (f"{refunded.effects_prefix}:d1:refund", "never_reached")
    assert parked.to_do.startswith("Never reached the service: no attempt made a connection, so nothing was sent and it "
                                   "did not happen; there is nothing to check with the service.")
    assert "with no override_reason" in parked.to_do
    entry = repository.docs[refunded.id].full_timeline[-1]
    assert (entry.action, entry.details["reason"]) == ("effect_parked", "never_reached")

    await service.reopen(SUPERVISOR, refunded.id, "Ödeme servisine ulaşılamadı.", {repository.docs[refunded.id].version})
    decided = await service.decide(SUPERVISOR, refunded.id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)
    assert [m.key for m in decided.outbox if m.kind is EffectKind.REFUND] == [f"{refunded.effects_prefix}:d2:refund"]


async def test_a_refund_one_attempt_of_which_may_have_reached_payments_is_parked_as_maybe_paid(
    make_relay, refunded, downstream, clock, repository
):
    relay = make_relay(max_attempts=3, backoff=timedelta(seconds=1))
    downstream.failures = [None, NOT_CONNECTED, EffectUnavailable("payments unavailable: HTTP 503"), NOT_CONNECTED]
    for _ in range(4):
        await relay.run_once()
        clock.advance(minutes=10)

    refund = next(m for m in repository.docs[refunded.id].effects_parked if m.kind is EffectKind.REFUND)
    assert (refund.parked, refund.never_reached) == (ParkReason.OUT_OF_ATTEMPTS, False)
    assert downstream.alerts[0]["parked"].reason == "out_of_attempts"


async def test_a_refusal_after_attempts_that_never_reached_payments_is_parked_as_refused_for_good(
    relay, refunded, downstream, clock, repository
):
    downstream.failures = [None, NOT_CONNECTED]
    await relay.run_once()
    assert repository.docs[refunded.id].outbox[0].never_reached  # recorded with the failed attempt
    clock.advance(minutes=10)
    downstream.failures = [EffectRejected("HTTP 400")]
    await relay.run_once()

    assert repository.docs[refunded.id].effects_parked[0].parked is ParkReason.REFUSED


class DiesWhenReached(Downstream):
    """Payments takes the first refund that reaches it, and its worker dies before hearing the answer."""

    async def refund(self, request, idempotency_key):
        await self._take("payments", idempotency_key)
        raise Killed()


async def test_an_attempt_whose_pass_died_after_attempts_that_never_reached_payments_counts_as_reached(
    refunded, repository, clock, due_work
):
    d = Downstream()
    d.failures = [None, NOT_CONNECTED]
    await due_work(Relay(repository, d, d, d, d, d, clock, max_attempts=2)).run_once()
    clock.advance(minutes=10)
    dies = DiesWhenReached()
    with pytest.raises(Killed):
        await due_work(Relay(repository, dies, dies, dies, dies, dies, clock), holder="worker-2").run_once()
    assert not repository.docs[refunded.id].outbox[0].never_reached  # recorded as in flight before it was sent
    clock.advance(minutes=10)
    d.failures = [NOT_CONNECTED]
    await due_work(Relay(repository, d, d, d, d, d, clock, max_attempts=2), holder="worker-3").run_once()

    assert repository.docs[refunded.id].effects_parked[0].parked is ParkReason.OUT_OF_ATTEMPTS


class RefusedAfterALostLease(Downstream):
    """A worker's refund whose connection is slow, then refused (it never reaches payments), while its lease runs out."""

    def __init__(self) -> None:
        super().__init__()
        self.connecting, self.refused = asyncio.Event(), asyncio.Event()

    async def refund(self, request, idempotency_key):
        self.connecting.set()
        await self.refused.wait()
        await self._take("payments", idempotency_key)


async def test_a_stale_attempt_that_never_reached_payments_does_not_mark_as_never_reached_one_made_since(
    refunded, repository, clock
):
    async def handle(relay: Relay, holder: str) -> None:  # each relay with the case as its own claim read it
        claimed = Claimed(refunded.id, Lease(WorkKind.RELAY, holder), repository.docs[refunded.id])
        await relay.handle(claimed, Place(Lanes(20)))

    d = Downstream()
    d.failures = [None, NOT_CONNECTED]
    await handle(Relay(repository, d, d, d, d, d, clock, max_attempts=2), "worker-1")
    clock.advance(minutes=10)
    stale = RefusedAfterALostLease()
    stale.failures = [NOT_CONNECTED]
    first = asyncio.create_task(handle(Relay(repository, stale, stale, stale, stale, stale, clock, max_attempts=2),
                                       "worker-2"))
    await asyncio.wait_for(stale.connecting.wait(), 5)
    dies = DiesWhenReached()  # the worker that took the case over: payments takes its refund, and it dies
    with pytest.raises(Killed):
        await handle(Relay(repository, dies, dies, dies, dies, dies, clock, max_attempts=2), "worker-3")
    stale.refused.set()
    await asyncio.wait_for(first, 5)  # the last attempt allowed: it parks the refund

    refund = next(m for m in repository.docs[refunded.id].effects_parked if m.kind is EffectKind.REFUND)
    assert dies.calls == [("payments", f"{refunded.effects_prefix}:d1:refund")]
    assert (refund.parked, refund.never_reached) == (ParkReason.OUT_OF_ATTEMPTS, False)
    [alert] = [m.payload for m in repository.docs[refunded.id].outbox if m.kind is EffectKind.STAFF_ALERT]
    assert alert["parked"]["reason"] == "out_of_attempts"


async def test_a_refund_tried_before_the_marker_was_kept_is_parked_as_one_that_may_have_reached_payments(
    make_relay, refunded, downstream, clock, repository
):
    relay = make_relay(max_attempts=3, backoff=timedelta(seconds=1))
    stored = repository.docs[refunded.id]
    [opened, refund, decided] = stored.outbox
    old = refund.model_dump(exclude={"never_reached", "tried_at"}) | {"attempts": 2}  # as stored before
    repository.docs[refunded.id] = stored.model_copy(
        update={"outbox": [opened, OutboxMessage.model_validate(old), decided]}
    )
    downstream.failures = [None, NOT_CONNECTED]

    await relay.run_once()

    assert downstream.calls[1] == ("payments", refund.key)
    assert repository.docs[refunded.id].effects_parked[0].parked is ParkReason.OUT_OF_ATTEMPTS


async def test_each_failed_attempt_says_whether_it_may_have_reached_the_service_and_its_log_line_why_it_was_parked(
    make_relay, refunded, downstream, clock
):
    relay = make_relay(max_attempts=2, backoff=timedelta(seconds=1))
    downstream.failures = [None, NOT_CONNECTED, NOT_CONNECTED]
    first = await relay.run_once()
    clock.advance(minutes=10)
    second = await relay.run_once()

    assert [(a.kind, a.result, a.reached, a.parked) for a in (*first, *second)] == [
        (EffectKind.NOTIFICATION, Result.DELIVERED, True, None),
        (EffectKind.REFUND, Result.RETRY, False, None),
        (EffectKind.REFUND, Result.PARKED, False, ParkReason.NEVER_REACHED),
        (EffectKind.NOTIFICATION, Result.PARKED, True, ParkReason.HELD),
    ]
    with capture_logs() as logs:
        log_attempt(second[0])
    assert [(line["event"], line["reached"], line["reason"]) for line in logs] == [
        ("outbox_parked", False, "never_reached")
    ]


def _parked_refund(repository, dispute_id: str) -> OutboxMessage:
    return next(m for m in repository.docs[dispute_id].effects_parked if m.kind is EffectKind.REFUND)


async def test_a_refund_another_relay_parked_as_never_reached_is_not_sent_by_a_relay_whose_claim_read_it_before(
    refunded, repository, clock
):
    """Two relays overlap for up to a heartbeat after a lease lapses: the one whose claim read the refund pending must
    not send it once the other parked it as never reached (payments would take it while the case says it did not
    happen, and a reopened case would pay it again with no override)."""
    failing = Downstream()
    failing.failures = [None, NOT_CONNECTED]
    await Relay(repository, failing, failing, failing, failing, failing, clock, max_attempts=2).handle(
        Claimed(refunded.id, Lease(WorkKind.RELAY, "worker-1"), repository.docs[refunded.id]), Place(Lanes(20)))
    clock.advance(minutes=10)
    slow = RefusedAfterALostLease()  # the last attempt, slow to be refused: its lease runs out meanwhile
    slow.failures = [NOT_CONNECTED]
    first = asyncio.create_task(Relay(repository, slow, slow, slow, slow, slow, clock, max_attempts=2).handle(
        Claimed(refunded.id, Lease(WorkKind.RELAY, "worker-2"), repository.docs[refunded.id]), Place(Lanes(20))))
    await asyncio.wait_for(slow.connecting.wait(), 5)
    read_before = Claimed(refunded.id, Lease(WorkKind.RELAY, "worker-3"), repository.docs[refunded.id])
    slow.refused.set()
    await asyncio.wait_for(first, 5)
    assert _parked_refund(repository, refunded.id).parked is ParkReason.NEVER_REACHED

    payments_back = Downstream()
    await Relay(repository, payments_back, payments_back, payments_back, payments_back, payments_back, clock,
                max_attempts=2).handle(read_before, Place(Lanes(20)))

    assert [key for service, key in payments_back.calls if service == "payments"] == []
    assert _parked_refund(repository, refunded.id).parked is ParkReason.NEVER_REACHED


async def test_a_refund_another_relay_parked_as_refused_is_not_sent_by_a_relay_whose_claim_read_it_before(
    refunded, repository, clock
):
    read_before = Claimed(refunded.id, Lease(WorkKind.RELAY, "worker-2"), repository.docs[refunded.id])
    refusing = Downstream()
    refusing.failures = [None, EffectRejected("payments rejected the request: HTTP 401")]
    await Relay(repository, refusing, refusing, refusing, refusing, refusing, clock).handle(
        Claimed(refunded.id, Lease(WorkKind.RELAY, "worker-1"), repository.docs[refunded.id]), Place(Lanes(20)))
    assert _parked_refund(repository, refunded.id).parked is ParkReason.REFUSED

    rotated = Downstream()  # the key rotation is over: payments takes what it is sent
    await Relay(repository, rotated, rotated, rotated, rotated, rotated, clock).handle(read_before, Place(Lanes(20)))

    assert [key for service, key in rotated.calls if service == "payments"] == []



class SlowNotifications(Downstream):
    """Payments answer at once; notifications only once `answer` is set (a slow service, not a failing one)."""

    def __init__(self) -> None:
        super().__init__()
        self.answer = asyncio.Event()
        self.waiting = 0  # notifications sent and not answered yet

    async def notify(self, request, idempotency_key):
        self.waiting += 1
        await self.answer.wait()
        self.waiting -= 1
        await super().notify(request, idempotency_key)


async def until(condition, seconds: float = 5.0) -> None:
    """Let the relay run until `condition` holds, `seconds` at most."""
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.005)


async def test_a_slow_service_fills_only_its_own_places_so_another_cases_refund_goes_out_meanwhile(
    service, orders, request_for, repository, clock, due_work
):
    batch = 3
    for n in ["refund", *range(batch)]:  # each case its own customer's
        orders.orders[f"ord-{n}"] = order(f"ord-{n}", f"cust-{n}", [shipment(f"shp-{n}")])
    downstream = d = SlowNotifications()
    work = due_work(Relay(repository, d, d, d, d, d, clock, batch=batch))
    refunded = (await service.open(customer("cust-refund"), request_for("ord-refund"), None)).dispute
    downstream.answer.set()
    await work.run_once()  # its opening notification is delivered while notifications are quick
    downstream.answer.clear()
    for n in range(batch):  # openings whose notifications fall due before the refund
        await service.open(customer(f"cust-{n}"), request_for(f"ord-{n}"), None)
    clock.advance(seconds=1)
    await service.decide(INVESTIGATOR, refunded.id, {1}, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)

    running = asyncio.create_task(work.run_once())
    try:
        await until(lambda: downstream.waiting >= batch)  # every place of the notifications' lane is taken
        await until(lambda: ("payments", f"{refunded.effects_prefix}:d1:refund") in downstream.calls)
        assert [key for key, _ in downstream.told] == [f"{refunded.id}:1:dispute_opened"]  # none of the others yet
    finally:
        downstream.answer.set()
        await running

    assert not any(dispute.outbox for dispute in repository.docs.values())


async def test_a_case_whose_notification_goes_to_a_full_lane_is_given_back_so_the_other_refunds_go_out(
    service, orders, request_for, repository, clock, due_work
):
    batch = 3
    cases = 2 * batch + 2  # more than the places of the two lanes met, and the one kept for a lane not met yet
    for n in range(cases):
        orders.orders[f"ord-{n}"] = order(f"ord-{n}", f"cust-{n}", [shipment(f"shp-{n}")])
    downstream = d = SlowNotifications()
    work = due_work(Relay(repository, d, d, d, d, d, clock, batch=batch))
    opened = [(await service.open(customer(f"cust-{n}"), request_for(f"ord-{n}"), None)).dispute for n in range(cases)]
    downstream.answer.set()
    await work.run_once()  # the openings' notifications go out while notifications are quick
    downstream.answer.clear()
    for dispute in opened:  # each outbox: the refund (payments), then the decision's notification
        clock.advance(seconds=1)
        await service.decide(INVESTIGATOR, dispute.id, {1}, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)

    running = asyncio.create_task(work.run_once())
    try:
        await until(lambda: sum(1 for service, _ in downstream.calls if service == "payments") == cases)
        assert downstream.waiting == batch  # the notifications' lane holds its share, no more
    finally:
        downstream.answer.set()
        await running

    assert not any(dispute.outbox for dispute in repository.docs.values())  # the cases given back were sent later


def customer(customer_id: str) -> Actor:
    return replace(CUSTOMER, id=customer_id, customer_id=customer_id)


class OneAtATimeNotifications(Downstream):
    """Payments answer at once; notifications each once `answers` lets one through (a service that stays full)."""

    def __init__(self) -> None:
        super().__init__()
        self.answers = asyncio.Semaphore(1_000)  # quick until the test takes the answers away
        self.waiting = 0

    async def notify(self, request, idempotency_key):
        self.waiting += 1
        await self.answers.acquire()
        self.waiting -= 1
        await super().notify(request, idempotency_key)


async def test_while_a_service_stays_full_its_cases_are_not_claimed_only_to_be_given_back(
    service, orders, request_for, repository, clock, schedule, due_work, monkeypatch
):
    batch, cases = 3, 12
    for n in range(cases):
        orders.orders[f"ord-{n}"] = order(f"ord-{n}", f"cust-{n}", [shipment(f"shp-{n}")])
    downstream = d = OneAtATimeNotifications()
    work = due_work(Relay(repository, d, d, d, d, d, clock, batch=batch), poll=timedelta(minutes=1))
    opened = [(await service.open(customer(f"cust-{n}"), request_for(f"ord-{n}"), None)).dispute for n in range(cases)]
    await work.run_once()  # the openings' notifications go out while notifications are quick
    downstream.answers = asyncio.Semaphore(0)
    for dispute in opened:  # each outbox: the refund (payments), then the decision's notification
        clock.advance(seconds=1)
        await service.decide(INVESTIGATOR, dispute.id, {1}, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)
    claimed: list[int] = []
    claim_due = schedule.claim_due

    async def counted(*args, **kwargs):
        found = await claim_due(*args, **kwargs)
        claimed.append(len(found))
        return found

    monkeypatch.setattr(schedule, "claim_due", counted)

    running = asyncio.create_task(work.run_once())
    try:
        await until(lambda: sum(1 for service, _ in downstream.calls if service == "payments") == cases)
        for told in range(1, cases + 1):  # the notifications' lane frees one place at a time, and is full again
            await until(lambda told=told: downstream.waiting == min(batch, cases - told + 1))
            downstream.answers.release()
            await until(lambda told=told: len(downstream.told) == cases + told)
    finally:
        for _ in range(cases):
            downstream.answers.release()
    await asyncio.wait_for(running, 5)  # once the lane frees, nothing waits for a poll (a minute here)

    assert not any(dispute.outbox for dispute in repository.docs.values())
    assert sum(claimed) <= 2 * cases, claimed  # each case for its refund, then once more for its notification


class HeldPayments(Downstream):
    """Notifications answer at once; payments once `answers` lets one through (a slow service, not full)."""

    def __init__(self) -> None:
        super().__init__()
        self.answers = asyncio.Semaphore(0)
        self.waiting = 0

    async def refund(self, request, idempotency_key):
        self.waiting += 1
        await self.answers.acquire()
        self.waiting -= 1
        return await super().refund(request, idempotency_key)


async def test_a_slow_service_with_a_place_free_does_not_cut_the_claims_for_other_services_to_one_case(
    service, orders, request_for, repository, clock, schedule, due_work, monkeypatch
):
    batch, refunded, cases = 3, 2, 12
    for n in range(cases):
        orders.orders[f"ord-{n}"] = order(f"ord-{n}", f"cust-{n}", [shipment(f"shp-{n}")])
    downstream = d = HeldPayments()
    work = due_work(Relay(repository, d, d, d, d, d, clock, batch=batch), poll=timedelta(milliseconds=10))
    for n in range(refunded):  # their refunds wait in payments, which keeps a place free
        dispute = (await service.open(customer(f"cust-{n}"), request_for(f"ord-{n}"), None)).dispute
        await service.decide(INVESTIGATOR, dispute.id, {1}, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)
    claimed: list[int] = []
    claim_due = schedule.claim_due

    async def counted(*args, **kwargs):
        found = await claim_due(*args, **kwargs)
        claimed.extend([len(found)] if found else [])
        return found

    monkeypatch.setattr(schedule, "claim_due", counted)

    running = asyncio.create_task(work.run_once())
    try:
        await until(lambda: downstream.waiting == refunded and len(downstream.told) == refunded)
        claimed.clear()
        for n in range(refunded, cases):
            await service.open(customer(f"cust-{n}"), request_for(f"ord-{n}"), None)
        await until(lambda: len(downstream.told) == cases)
        assert len(claimed) <= 3, claimed  # ten openings' notifications, claimed several at once
    finally:
        for _ in range(refunded):
            downstream.answers.release()
    await asyncio.wait_for(running, 5)
    assert not any(dispute.outbox for dispute in repository.docs.values())
