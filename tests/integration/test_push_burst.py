"""A burst of pushed events for one parcel against MongoDB (mongoeco over a socket): the other parcel's event is
attached within two passes of the attacher, each case saved once, and the backlog shows on the workload /metrics
reads until it is attached."""

from datetime import timedelta

from adapters.memory import FixedClock, InMemoryOrders
from adapters.mongo.disputes import MongoDisputes
from adapters.mongo.evidence_store import MongoEvidenceStore
from adapters.mongo.indexes import CARRIER_EVENTS, DISPUTES
from adapters.mongo.schedule import MongoSchedule
from adapters.mongo.workload import MongoWorkload
from disputes.evidence import PushAttacher
from disputes.model import MAX_EVIDENCE
from disputes.rules import Rules
from disputes.service import DisputeService
from schemas.proof import ProofStatus
from tests.bursts import attach_pass, open_both, scan, two_parcels
from tests.factories import NOW

BURST = 60


async def test_a_burst_for_parcel_a_does_not_hold_up_parcel_bs_event(mongo_db, monkeypatch) -> None:
    repository = MongoDisputes.in_database(mongo_db)
    saves: list[str] = []
    save = repository.save

    async def counted(dispute, ending=None, taking=None):
        saves.append(dispute.id)
        await save(dispute, ending, taking)

    monkeypatch.setattr(repository, "save", counted)
    service = DisputeService(repository, InMemoryOrders([two_parcels()]), FixedClock(NOW), Rules())
    case_a, case_b = await open_both(service)
    events, schedule = MongoEvidenceStore(mongo_db), MongoSchedule(mongo_db, repository.stored)
    for number in range(BURST):
        await events.record(scan(f"a-{number}", "TRKSHPA", seconds=number / 100), NOW + timedelta(seconds=number / 100))
    await events.record(scan("b-1", "TRKSHPB", ProofStatus.DELIVERED, seconds=1), NOW + timedelta(seconds=1))
    workload = MongoWorkload(mongo_db[DISPUTES], mongo_db[CARRIER_EVENTS])
    waiting = await workload.workload(NOW + timedelta(seconds=2), timedelta(hours=12))
    assert (waiting.pushed_waiting, waiting.pushed_oldest) == (BURST + 1, NOW)

    attacher = PushAttacher(service, repository, events, batch=50)
    passes = 0
    while "push:surat:b-1" not in {e.key for e in (await repository.get(case_b)).evidence} and passes < 5:
        await attach_pass(attacher, schedule, NOW + timedelta(seconds=2))
        passes += 1

    assert passes == 2  # the first pass claims the oldest (all A's) and attaches the whole burst; the second, B's
    assert sorted(saves) == sorted([case_a, case_b])  # one compare-and-set per case
    assert len((await repository.get(case_a)).evidence) == min(BURST, MAX_EVIDENCE)
    drained = await workload.workload(NOW + timedelta(seconds=2), timedelta(hours=12))
    assert (drained.pushed_waiting, drained.pushed_oldest) == (0, None)
