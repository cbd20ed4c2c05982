"""Claiming due work (`Schedule.claim_due`): a worker leases what is due, earliest first, up to its limit;
nobody else gets it until the lease ends, after which it is due again (the worker may have died); finished
work is never handed out again; only the holder renews or releases a lease. Each behaviour is one test over
every kind of work storage hands out."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from disputes.errors import StaleVersion
from disputes.model import Dispute
from disputes.ports import Claimed, Lease, Taking
from disputes.work import WorkKind
from schemas.common import Outcome
from schemas.dispute import EffectKind, OutboxMessage, ReasonCode, Restriction, RestrictionState
from tests.contract.conftest import Cases, Storage, pushed
from tests.factories import CUSTOMER, INVESTIGATOR, NOW, subjects

LEASE = timedelta(seconds=30)
HOLDER = "worker-1"


async def _claim_due(work: WorkKind, storage: Storage, now: datetime, lease_until: datetime, limit: int) -> list[str]:
    return subjects(await storage.schedule.claim_due(work, now, lease_until - now, limit, HOLDER))


@dataclass(frozen=True)
class ClaimKind:
    """One kind of due work: how a test makes an item of it due, claims items (their ids), and finishes one."""

    name: str
    work: WorkKind
    make_due: Callable[[Cases, datetime], Awaitable[str]]
    finish: Callable[[Cases, str], Awaitable[None]]
    due_time: str | None = None  # the dispute's field that holds when the work is due, if a dispute holds it

    def __str__(self) -> str:
        return self.name

    async def claim(self, storage: Storage, now: datetime, lease_until: datetime, limit: int) -> list[str]:
        return await _claim_due(self.work, storage, now, lease_until, limit)


def _held_in_a_due_time(name: str, due_time: str, work: WorkKind) -> ClaimKind:
    """Work a dispute holds in one of its due times: due when the time comes, finished when it is cleared."""

    async def make_due(cases: Cases, at: datetime) -> str:
        dispute = await cases.draft()
        setattr(dispute, due_time, at)
        await cases.storage.disputes.add(dispute, cases.clock.now())
        return dispute.id

    async def finish(cases: Cases, dispute_id: str) -> None:
        await cases.change(dispute_id, lambda d: setattr(d, due_time, None))

    return ClaimKind(name, work, make_due, finish, due_time)


async def _message_due(cases: Cases, at: datetime) -> str:
    """A dispute opened at `at`: its opening notification is due then."""
    now, cases.clock.current = cases.clock.current, at
    try:
        return (await cases.open()).id
    finally:
        cases.clock.current = now


async def _deliver_all(cases: Cases, dispute_id: str) -> None:
    for message in (await cases.storage.disputes.get(dispute_id)).outbox:
        await cases.storage.disputes.delivered(dispute_id, message, NOW)


async def _event_due(cases: Cases, at: datetime) -> str:
    event = pushed(f"yurtici:ev-{cases.number()}", at=at)
    await cases.storage.evidence.record(event, at)
    return event.key


async def _attached(cases: Cases, key: str) -> None:
    await cases.storage.evidence.attached(key)


async def _restriction_due(cases: Cases, at: datetime) -> str:
    """A dispute whose account restriction reaches the end of its review window at `at`."""
    dispute = await cases.draft()
    dispute.restriction = Restriction(flags=["repeat_claims"], raised_at=NOW, raised_by="system", review_due=at)
    await cases.storage.disputes.add(dispute, cases.clock.now())
    return dispute.id


async def _restriction_confirmed(cases: Cases, dispute_id: str) -> None:
    def confirm(dispute: Dispute) -> None:
        assert dispute.restriction is not None
        dispute.restriction = dispute.restriction.model_copy(update={"state": RestrictionState.CONFIRMED})

    await cases.change(dispute_id, confirm)


EVIDENCE_PULL = _held_in_a_due_time("evidence pull", "evidence_pull_due", WorkKind.PULL_EVIDENCE)
SLA_CHECK = _held_in_a_due_time("sla check", "sla_check_due", WorkKind.SLA_CHECK)
ASSESSMENT = _held_in_a_due_time("assessment", "assess_due", WorkKind.ASSESS)
OUTBOX = ClaimKind("outbox", WorkKind.RELAY, _message_due, _deliver_all)
PUSHED_EVIDENCE = ClaimKind("pushed evidence", WorkKind.ATTACH_PUSHED, _event_due, _attached)
RESTRICTION_REVIEW = ClaimKind(
    "restriction review", WorkKind.RESTRICTION_REVIEW, _restriction_due, _restriction_confirmed
)

KINDS = (EVIDENCE_PULL, SLA_CHECK, ASSESSMENT, OUTBOX, PUSHED_EVIDENCE, RESTRICTION_REVIEW)
HELD_BY_A_DISPUTE = (EVIDENCE_PULL, SLA_CHECK, ASSESSMENT, OUTBOX, RESTRICTION_REVIEW)
HELD_IN_A_DUE_TIME = tuple(kind for kind in KINDS if kind.due_time)

every_kind = pytest.mark.parametrize("kind", KINDS, ids=str)


@every_kind
async def test_work_is_claimed_once_it_is_due_and_not_before(cases: Cases, kind: ClaimKind) -> None:
    item = await kind.make_due(cases, NOW + timedelta(hours=1))

    assert await kind.claim(cases.storage, NOW, NOW + LEASE, 10) == []
    assert await kind.claim(cases.storage, NOW + timedelta(hours=1), NOW + timedelta(hours=1) + LEASE, 10) == [item]


@every_kind
async def test_claimed_work_is_not_claimed_again_until_its_lease_ends(cases: Cases, kind: ClaimKind) -> None:
    item = await kind.make_due(cases, NOW)
    assert await kind.claim(cases.storage, NOW, NOW + LEASE, 10) == [item]

    assert await kind.claim(cases.storage, NOW + LEASE - timedelta(seconds=1), NOW + 2 * LEASE, 10) == []
    assert await kind.claim(cases.storage, NOW + LEASE, NOW + 2 * LEASE, 10) == [item]


@every_kind
async def test_a_claim_takes_at_most_its_limit_earliest_due_first(cases: Cases, kind: ClaimKind) -> None:
    last = await kind.make_due(cases, NOW + timedelta(minutes=2))
    first = await kind.make_due(cases, NOW)
    second = await kind.make_due(cases, NOW + timedelta(minutes=1))
    later = NOW + timedelta(minutes=5)

    assert await kind.claim(cases.storage, later, later + LEASE, 2) == [first, second]
    assert await kind.claim(cases.storage, later, later + LEASE, 2) == [last]


@every_kind
async def test_concurrent_claims_never_hand_out_one_item_twice(cases: Cases, kind: ClaimKind) -> None:
    items = [await kind.make_due(cases, NOW) for _ in range(4)]

    claimed = await asyncio.gather(*(kind.claim(cases.storage, NOW, NOW + LEASE, 2) for _ in range(3)))

    handed_out = [item for claim in claimed for item in claim]
    assert sorted(handed_out) == sorted(items)


@every_kind
async def test_finished_work_is_not_claimed_again(cases: Cases, kind: ClaimKind) -> None:
    item = await kind.make_due(cases, NOW)
    assert await kind.claim(cases.storage, NOW, NOW + LEASE, 10) == [item]

    await kind.finish(cases, item)

    assert await kind.claim(cases.storage, NOW + timedelta(days=30), NOW + timedelta(days=31), 10) == []


@every_kind
async def test_only_the_holder_renews_or_releases_a_lease(cases: Cases, kind: ClaimKind) -> None:
    item = await kind.make_due(cases, NOW)
    schedule = cases.storage.schedule
    assert await kind.claim(cases.storage, NOW, NOW + LEASE, 10) == [item]

    assert await schedule.renew(kind.work, [item], "worker-2", NOW + 2 * LEASE) == set()
    await schedule.release(kind.work, item, "worker-2")
    assert subjects(await schedule.claim_due(kind.work, NOW, LEASE, 10, "worker-2")) == []  # neither changed the lease

    assert await schedule.renew(kind.work, [item], HOLDER, NOW + 2 * LEASE) == {item}
    assert subjects(await schedule.claim_due(kind.work, NOW + LEASE, LEASE, 10, "worker-2")) == []  # renewed past it
    await schedule.release(kind.work, item, HOLDER)
    assert subjects(await schedule.claim_due(kind.work, NOW, LEASE, 10, "worker-2")) == [item]  # due again once released


@every_kind
async def test_a_holder_whose_lease_another_took_over_cannot_renew_it(cases: Cases, kind: ClaimKind) -> None:
    item = await kind.make_due(cases, NOW)
    schedule = cases.storage.schedule
    assert await kind.claim(cases.storage, NOW, NOW + LEASE, 10) == [item]

    assert subjects(await schedule.claim_due(kind.work, NOW + LEASE, LEASE, 10, "worker-2")) == [item]

    assert await schedule.renew(kind.work, [item], HOLDER, NOW + 2 * LEASE) == set()
    await schedule.release(kind.work, item, HOLDER)
    assert subjects(await schedule.claim_due(kind.work, NOW + LEASE, LEASE, 10, HOLDER)) == []  # worker-2 still holds it


@pytest.mark.parametrize("kind", HELD_BY_A_DISPUTE, ids=str)
async def test_a_save_from_a_read_older_than_the_claim_keeps_the_lease(cases: Cases, kind: ClaimKind) -> None:
    item = await kind.make_due(cases, NOW)
    read_before_the_claim = await cases.storage.disputes.get(item)
    assert await kind.claim(cases.storage, NOW, NOW + LEASE, 10) == [item]

    read_before_the_claim.add_note(INVESTIGATOR, "a note while the worker holds the case", NOW)
    await cases.storage.disputes.save(read_before_the_claim)

    assert await kind.claim(cases.storage, NOW, NOW + LEASE, 10) == []
    assert await kind.claim(cases.storage, NOW + LEASE, NOW + 2 * LEASE, 10) == [item]


@pytest.mark.parametrize("kind", HELD_IN_A_DUE_TIME, ids=str)
async def test_a_due_time_a_change_moves_is_stored_even_while_leased(cases: Cases, kind: ClaimKind) -> None:
    item = await kind.make_due(cases, NOW)
    read_before_the_claim = await cases.storage.disputes.get(item)
    assert await kind.claim(cases.storage, NOW, NOW + LEASE, 10) == [item]
    retry_at = NOW + timedelta(minutes=5)

    setattr(read_before_the_claim, kind.due_time, retry_at)
    await cases.storage.disputes.save(read_before_the_claim)

    assert await kind.claim(cases.storage, NOW + LEASE, retry_at, 10) == []
    assert await kind.claim(cases.storage, retry_at, retry_at + LEASE, 10) == [item]


@pytest.mark.parametrize("kind", HELD_BY_A_DISPUTE, ids=str)
async def test_a_claim_hands_back_the_dispute_as_stored(cases: Cases, kind: ClaimKind) -> None:
    item = await kind.make_due(cases, NOW)
    stored = await cases.storage.disputes.get(item)

    [claimed] = await cases.storage.schedule.claim_due(kind.work, NOW, LEASE, 10, HOLDER)

    assert claimed.subject == item and claimed.lease == Lease(kind.work, HOLDER)
    assert claimed.dispute == stored and claimed.dispute.version == stored.version


async def test_a_claimed_pushed_event_comes_without_a_dispute(cases: Cases) -> None:
    key = await PUSHED_EVIDENCE.make_due(cases, NOW)

    [claimed] = await cases.storage.schedule.claim_due(WorkKind.ATTACH_PUSHED, NOW, LEASE, 10, HOLDER)

    assert claimed.subject == key and claimed.dispute is None


@pytest.mark.parametrize("kind", HELD_IN_A_DUE_TIME, ids=str)
async def test_a_save_that_ends_the_work_ends_its_holders_lease_in_the_same_write(cases: Cases, kind: ClaimKind) -> None:
    item = await kind.make_due(cases, NOW)
    [claimed] = await cases.storage.schedule.claim_due(kind.work, NOW, LEASE, 10, HOLDER)
    retry_at, claimed_version = NOW + timedelta(seconds=1), claimed.dispute.version  # before the lease would end
    setattr(claimed.dispute, kind.due_time, retry_at)

    await cases.storage.disputes.save(claimed.dispute, claimed.lease)

    stored = await cases.storage.disputes.get(item)
    assert claimed.lease.ended and stored.version == claimed_version + 1
    assert getattr(stored, kind.due_time) == retry_at  # the change is stored
    assert await kind.claim(cases.storage, retry_at, retry_at + LEASE, 10) == [item]  # no longer held


@pytest.mark.parametrize("kind", HELD_IN_A_DUE_TIME, ids=str)
async def test_a_save_that_ends_the_work_leaves_alone_a_lease_another_took_over(cases: Cases, kind: ClaimKind) -> None:
    item = await kind.make_due(cases, NOW)
    [claimed] = await cases.storage.schedule.claim_due(kind.work, NOW, LEASE, 10, HOLDER)
    assert subjects(await cases.storage.schedule.claim_due(kind.work, NOW + LEASE, LEASE, 10, "worker-2")) == [item]
    claimed.dispute.add_note(INVESTIGATOR, "found by the first holder", NOW)

    await cases.storage.disputes.save(claimed.dispute, claimed.lease)

    assert not claimed.lease.ended
    assert [e.action for e in (await cases.storage.disputes.get(item)).timeline][-1] == "note_added"
    assert await kind.claim(cases.storage, NOW + LEASE, NOW + 2 * LEASE, 10) == []  # worker-2 still holds it


@pytest.mark.parametrize("kind", HELD_IN_A_DUE_TIME, ids=str)
async def test_a_stale_save_that_would_end_the_work_stores_nothing_and_keeps_the_lease(
    cases: Cases, kind: ClaimKind
) -> None:
    item = await kind.make_due(cases, NOW)
    [claimed] = await cases.storage.schedule.claim_due(kind.work, NOW, LEASE, 10, HOLDER)
    await cases.change(item, lambda d: d.add_note(INVESTIGATOR, "a note after the claim", NOW))
    setattr(claimed.dispute, kind.due_time, None)

    with pytest.raises(StaleVersion):
        await cases.storage.disputes.save(claimed.dispute, claimed.lease)

    assert not claimed.lease.ended and getattr(await cases.storage.disputes.get(item), kind.due_time) == NOW
    assert await kind.claim(cases.storage, NOW, NOW + LEASE, 10) == []
    assert await kind.claim(cases.storage, NOW + LEASE, NOW + 2 * LEASE, 10) == [item]


# --- what only one kind does ---------------------------------------------------------------------------


async def test_an_evidence_pull_claim_skips_the_carriers_it_is_told_to(cases: Cases) -> None:
    yurtici = (await cases.open(carrier="yurtici")).id
    aras = (await cases.open(carrier="aras")).id
    ptt = (await cases.open(carrier="ptt")).id

    schedule = cases.storage.schedule
    claimed = subjects(await schedule.claim_due(WorkKind.PULL_EVIDENCE, NOW, LEASE, 10, HOLDER, frozenset({"aras", "ptt"})))

    assert claimed == [yurtici]
    assert sorted(subjects(await schedule.claim_due(WorkKind.PULL_EVIDENCE, NOW, LEASE, 10, HOLDER))) == sorted([aras, ptt])


async def test_an_outbox_claim_skips_the_disputes_whose_next_message_goes_to_a_service_it_is_told_to(
    cases: Cases,
) -> None:
    notifying = (await cases.open()).id  # its opening notification is next
    refunding = (await cases.open()).id
    await _deliver_all(cases, refunding)
    decided = await cases.change(
        refunding, lambda d: d.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None, NOW)
    )
    assert decided.outbox[0].kind is EffectKind.REFUND

    schedule = cases.storage.schedule
    claimed = subjects(await schedule.claim_due(WorkKind.RELAY, NOW, LEASE, 10, HOLDER, frozenset({"notifications"})))

    assert claimed == [refunding]
    assert subjects(await schedule.claim_due(WorkKind.RELAY, NOW, LEASE, 10, HOLDER, frozenset({"payments"}))) == [
        notifying
    ]


async def test_a_claimed_disputes_pending_messages_are_read_in_order(cases: Cases) -> None:
    dispute = await cases.open()
    withdrawn = await cases.change(dispute.id, lambda d: d.withdraw(CUSTOMER, None, NOW))

    assert await OUTBOX.claim(cases.storage, NOW, NOW + LEASE, 10) == [dispute.id]

    pending = await cases.storage.disputes.pending(dispute.id)
    assert pending == withdrawn.outbox
    assert [m.kind for m in pending] == [EffectKind.NOTIFICATION, EffectKind.NOTIFICATION]


@pytest.mark.parametrize("retry_after", [timedelta(minutes=5), timedelta(seconds=10)], ids=["after", "before"])
async def test_a_failed_message_is_claimed_again_at_its_retry_time_whether_before_or_after_the_lease_ends(
    cases: Cases, retry_after: timedelta
) -> None:
    dispute = await cases.open()
    assert await OUTBOX.claim(cases.storage, NOW, NOW + LEASE, 10) == [dispute.id]
    [message] = await cases.storage.disputes.pending(dispute.id)
    retry_at = NOW + retry_after

    await cases.storage.disputes.failed(dispute.id, message, "unavailable: 503", retry_at, park=False)
    await cases.storage.schedule.release(WorkKind.RELAY, dispute.id, HOLDER)

    assert await OUTBOX.claim(cases.storage, retry_at - timedelta(seconds=1), retry_at + LEASE, 10) == []
    assert await OUTBOX.claim(cases.storage, retry_at, retry_at + LEASE, 10) == [dispute.id]


async def test_a_dispute_whose_last_message_was_parked_is_not_claimed_again(cases: Cases) -> None:
    dispute = await cases.open()
    assert await OUTBOX.claim(cases.storage, NOW, NOW + LEASE, 10) == [dispute.id]
    [message] = await cases.storage.disputes.pending(dispute.id)

    await cases.storage.disputes.failed(dispute.id, message, "rejected: 422", NOW + LEASE, park=True)

    assert await OUTBOX.claim(cases.storage, NOW + timedelta(days=1), NOW + timedelta(days=2), 10) == []


async def test_a_dispute_whose_parking_queued_a_staff_alert_is_claimed_again_for_it(cases: Cases) -> None:
    dispute = await cases.open()
    assert await OUTBOX.claim(cases.storage, NOW, NOW + LEASE, 10) == [dispute.id]
    [message] = await cases.storage.disputes.pending(dispute.id)
    alert = OutboxMessage(id="alert-1", kind=EffectKind.STAFF_ALERT, key="k", payload={}, created_at=NOW)

    await cases.storage.disputes.failed(dispute.id, message, "rejected: 422", NOW + LEASE, park=True, queued=[alert])
    await cases.storage.schedule.release(WorkKind.RELAY, dispute.id, HOLDER)

    assert await OUTBOX.claim(cases.storage, NOW, NOW + LEASE, 10) == [dispute.id]
    assert await cases.storage.disputes.pending(dispute.id) == [alert]


async def test_a_failure_recorded_for_a_message_another_relay_delivered_does_not_delay_the_rest(cases: Cases) -> None:
    dispute = await cases.open()
    first, second = (await cases.change(dispute.id, lambda d: d.withdraw(CUSTOMER, None, NOW))).outbox
    await cases.storage.disputes.delivered(dispute.id, first, NOW)

    await cases.storage.disputes.failed(dispute.id, first, "unavailable: 503", NOW + timedelta(hours=1), park=False)

    assert await OUTBOX.claim(cases.storage, NOW, NOW + LEASE, 10) == [dispute.id]
    assert await cases.storage.disputes.pending(dispute.id) == [second]


async def test_new_messages_make_a_dispute_due_for_the_relay_at_once(cases: Cases) -> None:
    dispute = await cases.open()
    await _deliver_all(cases, dispute.id)
    later = NOW + timedelta(hours=1)

    await cases.change(dispute.id, lambda d: d.withdraw(CUSTOMER, None, later))

    assert await OUTBOX.claim(cases.storage, later, later + LEASE, 10) == [dispute.id]
    assert [m.payload.get("template") for m in await cases.storage.disputes.pending(dispute.id)] == ["dispute_withdrawn"]


async def test_a_failed_message_defers_the_relay_to_its_retry_time_past_a_message_queued_after_it(
    cases: Cases,
) -> None:
    dispute = await cases.open()
    assert await OUTBOX.claim(cases.storage, NOW, NOW + LEASE, 10) == [dispute.id]
    [message] = await cases.storage.disputes.pending(dispute.id)
    retry_at = NOW + timedelta(minutes=10)
    await cases.storage.disputes.failed(dispute.id, message, "unavailable: 429", retry_at, park=False)
    await cases.storage.schedule.release(WorkKind.RELAY, dispute.id, HOLDER)
    later = NOW + timedelta(seconds=30)
    await cases.change(dispute.id, lambda d: d.withdraw(CUSTOMER, None, later))  # due at once
    assert await OUTBOX.claim(cases.storage, later, later + LEASE, 10) == [dispute.id]
    [failed, _] = await cases.storage.disputes.pending(dispute.id)
    assert failed.not_before == retry_at

    await cases.storage.disputes.deferred(dispute.id, failed)
    await cases.storage.schedule.release(WorkKind.RELAY, dispute.id, HOLDER)

    assert await OUTBOX.claim(cases.storage, retry_at - timedelta(seconds=1), retry_at + LEASE, 10) == []
    assert await OUTBOX.claim(cases.storage, retry_at, retry_at + LEASE, 10) == [dispute.id]


async def test_deferring_for_a_message_another_relay_delivered_does_not_delay_the_rest(cases: Cases) -> None:
    dispute = await cases.open()
    first, second = (await cases.change(dispute.id, lambda d: d.withdraw(CUSTOMER, None, NOW))).outbox
    await cases.storage.disputes.delivered(dispute.id, first, NOW)

    await cases.storage.disputes.deferred(dispute.id, first.model_copy(update={"not_before": NOW + timedelta(hours=1)}))

    assert await OUTBOX.claim(cases.storage, NOW, NOW + LEASE, 10) == [dispute.id]
    assert await cases.storage.disputes.pending(dispute.id) == [second]


async def test_a_claimed_pushed_event_is_read_with_its_proof(cases: Cases) -> None:
    event = pushed("yurtici:ev-1")
    await cases.storage.evidence.record(event, NOW)

    assert await PUSHED_EVIDENCE.claim(cases.storage, NOW, NOW + LEASE, 10) == [event.key]
    assert await cases.storage.evidence.waiting(event.key) == event


async def test_delivering_the_last_pending_message_ends_the_relays_lease_in_the_same_write(cases: Cases) -> None:
    dispute = await cases.open()
    await cases.change(dispute.id, lambda d: d.withdraw(CUSTOMER, None, NOW))
    [claimed] = await cases.storage.schedule.claim_due(WorkKind.RELAY, NOW, LEASE, 10, HOLDER)
    first, last = claimed.dispute.outbox

    await cases.storage.disputes.delivered(dispute.id, first, NOW, claimed.lease)
    assert not claimed.lease.ended  # a message is still pending: the relay holds on
    await cases.storage.disputes.delivered(dispute.id, last, NOW, claimed.lease)

    assert claimed.lease.ended and await cases.storage.disputes.pending(dispute.id) == []
    assert await cases.storage.schedule.renew(WorkKind.RELAY, [dispute.id], HOLDER, NOW + LEASE) == set()  # no lease


async def test_delivering_the_last_message_leaves_alone_a_relay_lease_another_took_over(cases: Cases) -> None:
    dispute = await cases.open()
    [claimed] = await cases.storage.schedule.claim_due(WorkKind.RELAY, NOW, LEASE, 10, HOLDER)
    assert subjects(await cases.storage.schedule.claim_due(WorkKind.RELAY, NOW + LEASE, LEASE, 10, "worker-2")) == [
        dispute.id
    ]
    [message] = claimed.dispute.outbox

    await cases.storage.disputes.delivered(dispute.id, message, NOW, claimed.lease)

    assert not claimed.lease.ended and await cases.storage.disputes.pending(dispute.id) == []
    assert await cases.storage.schedule.renew(WorkKind.RELAY, [dispute.id], "worker-2", NOW + LEASE) == {dispute.id}


async def test_marking_a_pushed_event_attached_ends_the_attachers_lease_in_the_same_write(cases: Cases) -> None:
    key = await _event_due(cases, NOW)
    [claimed] = await cases.storage.schedule.claim_due(WorkKind.ATTACH_PUSHED, NOW, LEASE, 10, HOLDER)

    await cases.storage.evidence.attached(key, claimed.lease)

    assert claimed.lease.ended
    assert await PUSHED_EVIDENCE.claim(cases.storage, NOW + LEASE, NOW + 2 * LEASE, 10) == []  # attached: not due
    assert await cases.storage.schedule.renew(WorkKind.ATTACH_PUSHED, [key], HOLDER, NOW + LEASE) == set()  # no lease


async def test_marking_a_pushed_event_attached_leaves_alone_a_lease_another_took_over(cases: Cases) -> None:
    key = await _event_due(cases, NOW)
    schedule = cases.storage.schedule
    [claimed] = await schedule.claim_due(WorkKind.ATTACH_PUSHED, NOW, LEASE, 10, HOLDER)
    assert subjects(await schedule.claim_due(WorkKind.ATTACH_PUSHED, NOW + LEASE, LEASE, 10, "worker-2")) == [key]

    await cases.storage.evidence.attached(key, claimed.lease)

    assert not claimed.lease.ended
    assert await schedule.renew(WorkKind.ATTACH_PUSHED, [key], "worker-2", NOW + 2 * LEASE) == {key}  # still its own
    assert await PUSHED_EVIDENCE.claim(cases.storage, NOW + 3 * LEASE, NOW + 4 * LEASE, 10) == []  # attached: not due


# --- a save that ends a work takes the next one's lease for its holder ----------------------------------


async def _pulled_with_assessment_due(cases: Cases, assess_due: datetime, assessed_by: str | None = None) -> Claimed:
    """A dispute whose evidence pull HOLDER claimed (after `assessed_by` claimed its assessment, if given); the
    claimed copy changed as the pull's last save changes it: the pull over, the assessment due at `assess_due`."""
    dispute = await cases.draft()
    dispute.evidence_pull_due = NOW
    dispute.assess_due = NOW if assessed_by else None
    await cases.storage.disputes.add(dispute, cases.clock.now())
    if assessed_by:
        assert subjects(await cases.storage.schedule.claim_due(WorkKind.ASSESS, NOW, LEASE, 10, assessed_by)) == [
            dispute.id
        ]
    [claimed] = await cases.storage.schedule.claim_due(WorkKind.PULL_EVIDENCE, NOW, LEASE, 10, HOLDER)
    claimed.dispute.evidence_pull_due, claimed.dispute.assess_due = None, assess_due
    return claimed


def _assessment(holder: str = HOLDER, now: datetime = NOW) -> Taking:
    return Taking(Lease(WorkKind.ASSESS, holder), now, now + LEASE)


async def test_a_save_that_ends_the_work_takes_the_next_works_lease_for_its_holder_in_the_same_write(
    cases: Cases,
) -> None:
    claimed = await _pulled_with_assessment_due(cases, NOW)
    taking = _assessment()

    await cases.storage.disputes.save(claimed.dispute, claimed.lease, taking)

    stored, schedule = await cases.storage.disputes.get(claimed.subject), cases.storage.schedule
    assert claimed.lease.ended and taking.taken and stored == claimed.dispute
    assert await ASSESSMENT.claim(cases.storage, NOW, NOW + LEASE, 10) == []  # held for HOLDER
    assert await schedule.renew(WorkKind.ASSESS, [claimed.subject], "worker-2", NOW + LEASE) == set()
    assert await schedule.renew(WorkKind.ASSESS, [claimed.subject], HOLDER, NOW + LEASE) == {claimed.subject}
    assert await EVIDENCE_PULL.claim(cases.storage, NOW + LEASE, NOW + 2 * LEASE, 10) == []  # the pull is over


async def test_a_lease_a_save_took_runs_out_as_a_claims_does_and_its_work_is_claimed_again(cases: Cases) -> None:
    claimed = await _pulled_with_assessment_due(cases, NOW)
    await cases.storage.disputes.save(claimed.dispute, claimed.lease, _assessment())

    assert await ASSESSMENT.claim(cases.storage, NOW + LEASE, NOW + 2 * LEASE, 10) == [claimed.subject]


@pytest.mark.parametrize("holder", ["worker-2", HOLDER], ids=["another holder", "its own claim"])
async def test_a_save_that_ends_the_work_does_not_take_a_lease_someone_holds(cases: Cases, holder: str) -> None:
    claimed = await _pulled_with_assessment_due(cases, NOW, assessed_by=holder)
    taking = _assessment()

    await cases.storage.disputes.save(claimed.dispute, claimed.lease, taking)

    assert claimed.lease.ended and not taking.taken
    assert (await cases.storage.disputes.get(claimed.subject)).evidence_pull_due is None  # the change is stored
    schedule = cases.storage.schedule
    assert await schedule.renew(WorkKind.ASSESS, [claimed.subject], holder, NOW + LEASE) == {claimed.subject}
    assert await ASSESSMENT.claim(cases.storage, NOW, NOW + LEASE, 10) == []  # still its holder's alone


async def test_a_save_takes_no_lease_on_work_it_leaves_not_yet_due(cases: Cases) -> None:
    later = NOW + timedelta(minutes=5)
    claimed = await _pulled_with_assessment_due(cases, later)
    taking = _assessment()

    await cases.storage.disputes.save(claimed.dispute, claimed.lease, taking)

    assert claimed.lease.ended and not taking.taken
    assert await ASSESSMENT.claim(cases.storage, later, later + LEASE, 10) == [claimed.subject]


async def test_a_save_whose_lease_another_took_over_takes_no_lease(cases: Cases) -> None:
    claimed = await _pulled_with_assessment_due(cases, NOW)
    taken_over = await cases.storage.schedule.claim_due(WorkKind.PULL_EVIDENCE, NOW + LEASE, LEASE, 10, "worker-2")
    assert subjects(taken_over) == [claimed.subject]
    taking = _assessment(now=NOW + LEASE)

    await cases.storage.disputes.save(claimed.dispute, claimed.lease, taking)

    assert not claimed.lease.ended and not taking.taken
    assert await ASSESSMENT.claim(cases.storage, NOW + LEASE, NOW + 2 * LEASE, 10) == [claimed.subject]


async def test_a_stale_save_takes_no_lease(cases: Cases) -> None:
    claimed = await _pulled_with_assessment_due(cases, NOW)
    await cases.change(claimed.subject, lambda d: d.add_note(INVESTIGATOR, "a note after the claim", NOW))
    taking = _assessment()

    with pytest.raises(StaleVersion):
        await cases.storage.disputes.save(claimed.dispute, claimed.lease, taking)

    assert not claimed.lease.ended and not taking.taken
    assert await ASSESSMENT.claim(cases.storage, NOW, NOW + LEASE, 10) == []  # not due: the change was not stored


# --- a save that ends no lease (attaching a pushed event: that lease is on the event) takes one all the same ------


async def test_a_save_that_ends_no_lease_takes_the_next_works_lease_for_its_caller_in_the_same_write(
    cases: Cases,
) -> None:
    claimed = await _pulled_with_assessment_due(cases, NOW)
    taking = _assessment()

    await cases.storage.disputes.save(claimed.dispute, None, taking)

    stored, schedule = await cases.storage.disputes.get(claimed.subject), cases.storage.schedule
    assert taking.taken and stored == claimed.dispute
    assert await ASSESSMENT.claim(cases.storage, NOW, NOW + LEASE, 10) == []  # held for HOLDER
    assert await schedule.renew(WorkKind.ASSESS, [claimed.subject], "worker-2", NOW + LEASE) == set()
    assert await schedule.renew(WorkKind.ASSESS, [claimed.subject], HOLDER, NOW + LEASE) == {claimed.subject}
    assert not claimed.lease.ended  # the pull's lease, not the save's to end, is still its holder's
    assert await schedule.renew(WorkKind.PULL_EVIDENCE, [claimed.subject], HOLDER, NOW + LEASE) == {claimed.subject}


async def test_a_save_that_ends_no_lease_does_not_take_a_lease_someone_holds(cases: Cases) -> None:
    claimed = await _pulled_with_assessment_due(cases, NOW, assessed_by="worker-2")
    taking = _assessment()

    await cases.storage.disputes.save(claimed.dispute, None, taking)

    assert not taking.taken and (await cases.storage.disputes.get(claimed.subject)).evidence_pull_due is None
    schedule = cases.storage.schedule
    assert await schedule.renew(WorkKind.ASSESS, [claimed.subject], "worker-2", NOW + LEASE) == {claimed.subject}
    assert await schedule.renew(WorkKind.ASSESS, [claimed.subject], HOLDER, NOW + LEASE) == set()
