"""A save made in this process wakes the loops of the work it made due, except the work whose lease it took for
its caller to go on with: that work is handed over, and a claim would only find it held. A push's events stored
wake the attacher for each of them, not for those sent before."""

from datetime import timedelta

from adapters.memory import InMemoryEvidenceStore
from adapters.wake import WakingInbox, WakingRepository, Wakeups
from disputes.actors import SYSTEM
from disputes.ports import Lease, Taking
from disputes.work import WorkKind
from tests.bursts import scan
from tests.factories import CUSTOMER, NOW, subjects

LEASE = timedelta(seconds=10)


async def pull_ending(service, request_for, schedule, assessed_by=None):
    """worker-1's claimed pull of a new case (after `assessed_by` claimed its assessment, if given), changed as
    the pull's last save changes it: the pull over, the assessment due."""
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    if assessed_by:
        await service.apply_timed(SYSTEM, dispute.id, lambda d, now: setattr(d, "assess_due", now))
        assert subjects(await schedule.claim_due(WorkKind.ASSESS, NOW, LEASE, 10, assessed_by)) == [dispute.id]
    [claimed] = await schedule.claim_due(WorkKind.PULL_EVIDENCE, NOW, LEASE, 10, "worker-1")
    claimed.dispute.evidence_pull_due, claimed.dispute.assess_due = None, NOW
    return claimed


async def test_a_save_that_took_the_next_works_lease_does_not_wake_that_works_loop(
    service, request_for, repository, schedule, clock
):
    claimed = await pull_ending(service, request_for, schedule)
    wakeups = Wakeups()
    taking = Taking(Lease(WorkKind.ASSESS, "worker-1"), NOW, NOW + LEASE)

    await WakingRepository(repository, wakeups, clock).save(claimed.dispute, claimed.lease, taking)

    assert taking.taken and not wakeups.event(WorkKind.ASSESS).is_set()


async def test_a_save_that_could_not_take_the_next_works_lease_wakes_that_works_loop(
    service, request_for, repository, schedule, clock
):
    claimed = await pull_ending(service, request_for, schedule, assessed_by="worker-2")
    wakeups = Wakeups()
    taking = Taking(Lease(WorkKind.ASSESS, "worker-1"), NOW, NOW + LEASE)

    await WakingRepository(repository, wakeups, clock).save(claimed.dispute, claimed.lease, taking)

    assert not taking.taken and wakeups.event(WorkKind.ASSESS).is_set()


async def test_a_pushs_events_wake_the_attacher_for_those_stored_not_for_those_sent_before() -> None:
    store, wakeups = InMemoryEvidenceStore(), Wakeups()
    await store.record(scan("ev-1", "TRK1"), NOW)
    events = [scan("ev-1", "TRK1"), scan("ev-2", "TRK1"), scan("ev-3", "TRK2"), scan("ev-2", "TRK1")]

    stored = await WakingInbox(store, wakeups).record_many(events, NOW)

    assert stored == [False, True, True, False]
    assert wakeups.event(WorkKind.ATTACH_PUSHED).take() == {"push:surat:ev-2", "push:surat:ev-3"}
