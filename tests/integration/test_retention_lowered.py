"""A retention setting lowered after cases closed: at the next start-up storage dates the cases and pushes still
waiting for retention by the settings in force, so a case closed before the change loses its images, and its personal
data, by the shorter time, not the date the longer one gave it. Raised, nothing is moved (the pass checks the longer
one itself)."""

from datetime import timedelta

from adapters.memory import FixedClock
from adapters.mongo.disputes import MongoDisputes
from adapters.mongo.evidence_store import MongoEvidenceStore
from adapters.mongo.reports import MongoReports
from adapters.mongo.retention import AttachmentRetention, PushRetention
from adapters.mongo.retention_dates import date_retention
from adapters.mongo.schedule import MongoSchedule
from adapters.mongo.setup import StorageSetup
from disputes.model import Dispute
from disputes.schedule import DueWork
from disputes.work import WorkKind
from schemas.dispute import Evidence
from tests.contract.conftest import Cases, Storage
from tests.contract.test_retention import OTHER_SIGNATURE, kept, on_a_push, push, withdrawn
from tests.factories import NOW

YEAR, MONTH = timedelta(days=365), timedelta(days=30)


def storage_with(db, retention: timedelta, personal_data: timedelta, keep_pushes: timedelta) -> Storage:
    disputes = MongoDisputes.in_database(db, retention, personal_data)
    evidence = MongoEvidenceStore(db, keep_pushes)
    return Storage("mongo", disputes, evidence, MongoReports(db.disputes), MongoSchedule(db, disputes.stored))


async def started(db, storage: Storage, clock: FixedClock) -> None:
    """Storage set up as a process starting with `storage`'s settings sets it up."""
    keep_pushes = storage.evidence.keep_for
    setup = StorageSetup(db, then=lambda: date_retention(db, storage.disputes, keep_pushes, clock))
    dating = await setup.start()
    setup.check()  # set up, serving, while retention is dated in the background
    assert dating is not None
    await dating


async def due(db, collection: str, key: str, kind: WorkKind):
    return (await db[collection].find_one({"_id": key}))["due"][kind]


async def closed_a_year_kept(db, clock: FixedClock) -> tuple[Storage, Cases, Dispute, Evidence]:
    """Storage started with a year's image retention (two for personal data), and a case on a push, withdrawn."""
    before = storage_with(db, YEAR, 2 * YEAR, YEAR)
    await started(db, before, clock)
    cases = Cases(before, clock)
    case, event = await on_a_push(before, cases, clock)
    await withdrawn(cases, case.id)
    return before, cases, case, event


async def test_a_lowered_retention_dates_the_cases_and_pushes_closed_before_it_at_the_next_start(mongo_db):
    clock = FixedClock(NOW)
    before, _, case, event = await closed_a_year_kept(mongo_db, clock)
    waiting = await push(before, clock, "ev-2", "TRKSHP2", OTHER_SIGNATURE)  # on no case: kept its time since receipt
    assert await due(mongo_db, "disputes", case.id, WorkKind.RETENTION) == NOW + YEAR

    after = storage_with(mongo_db, MONTH, 2 * MONTH, timedelta(days=40))  # DISPUTES_*_RETENTION_DAYS lowered
    await started(mongo_db, after, clock)

    assert await due(mongo_db, "disputes", case.id, WorkKind.RETENTION) == NOW + MONTH
    assert await due(mongo_db, "carrier_events", waiting.key, WorkKind.PUSH_RETENTION) == NOW + timedelta(days=40)
    worker_clock = FixedClock(NOW + MONTH + timedelta(days=1))
    cases_retention = DueWork(after.schedule, AttachmentRetention(mongo_db, after.disputes, worker_clock), worker_clock, "w")
    assert await cases_retention.run_once() == 1
    assert (await after.disputes.read(case.id)).images_deleted_at == worker_clock.current
    assert not await kept(after, event.proof.signature.ref)
    worker_clock.current = NOW + 2 * MONTH - timedelta(days=1)
    assert await cases_retention.run_once() == 0
    worker_clock.current = NOW + 2 * MONTH + timedelta(days=1)  # its personal data is due
    assert await cases_retention.run_once() == 1
    worker_clock.current = NOW + timedelta(days=41)
    pushes = DueWork(after.schedule, PushRetention(mongo_db, timedelta(days=40), worker_clock), worker_clock, "w")
    assert await pushes.run_once() == 1
    assert await mongo_db.carrier_events.count_documents({"_id": waiting.key}) == 0


async def test_dating_again_moves_nothing_once_done_nor_when_a_setting_is_raised(mongo_db):
    clock = FixedClock(NOW)
    _, _, case, _ = await closed_a_year_kept(mongo_db, clock)
    after = storage_with(mongo_db, MONTH, 2 * MONTH, timedelta(days=40))
    assert await date_retention(mongo_db, after.disputes, timedelta(days=40), clock) == 2  # the case and its push
    assert await date_retention(mongo_db, after.disputes, timedelta(days=40), clock) == 0  # the same settings again

    longer = storage_with(mongo_db, 2 * YEAR, 3 * YEAR, 2 * YEAR)
    assert await date_retention(mongo_db, longer.disputes, 2 * YEAR, clock) == 0
    assert await due(mongo_db, "disputes", case.id, WorkKind.RETENTION) == NOW + MONTH  # the pass checks the longer one
    assert await date_retention(mongo_db, after.disputes, timedelta(days=40), clock) == 0  # nothing later than a month


async def test_a_case_this_release_cannot_read_keeps_its_date_and_stops_no_start(mongo_db):
    clock = FixedClock(NOW)
    _, cases, case, _ = await closed_a_year_kept(mongo_db, clock)
    unreadable = await cases.open(2, carrier="surat")
    await withdrawn(cases, unreadable.id)
    await mongo_db.disputes.update_one({"_id": unreadable.id}, {"$set": {"status": "from_a_later_release"}})

    after = storage_with(mongo_db, MONTH, 2 * MONTH, timedelta(days=40))
    await started(mongo_db, after, clock)

    assert await due(mongo_db, "disputes", case.id, WorkKind.RETENTION) == NOW + MONTH
    assert await due(mongo_db, "disputes", unreadable.id, WorkKind.RETENTION) == NOW + 2 * YEAR  # its personal data's
