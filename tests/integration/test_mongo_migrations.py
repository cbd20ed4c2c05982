"""Documents stored before background work was scheduled by storage are brought to the current shape at
start-up, so their due work runs; running the migration again changes nothing."""

from datetime import UTC, datetime, timedelta

import pytest
from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from adapters.memory import FixedClock, InMemoryOrders
from adapters.mongo.disputes import MongoDisputes, from_doc
from adapters.mongo.indexes import CARRIER_EVENTS, DISPUTES
from adapters.mongo.evidence_store import MongoEvidenceStore
from adapters.mongo.reports import MongoReports
from adapters.mongo import migrations
from adapters.mongo.migrations import COPIES_RECHECKED, SHIPMENT_ON_CLOCK, migrate
from adapters.mongo.retention import AttachmentRetention, PushRetention, StoredCopyCheck
from adapters.mongo.schedule import MongoSchedule
from adapters.mongo.test_clocks import MongoTestClocks
from disputes.actors import SYSTEM
from disputes.evidence import EARLIER_PUSHES
from disputes.intake import EvidenceIntake, PushedEvent, raw_ref
from disputes.errors import Forbidden
from disputes.model import CLOCK_MARK, Dispute
from disputes.ports import CUSTOMER_IMAGE, DisputeQuery, CustomerSource, StoredAttachment
from disputes.rules import Rules
from disputes.schedule import DueWork
from disputes.service import DisputeService, OpenRequest, Upload
from disputes.sla import deadlines
from disputes import test_clocks as clocks_use_case
from disputes.work import WorkKind
from schemas.common import Outcome, Resolution
from schemas.dispute import Channel, Evidence, ReasonCode, pull_key
from schemas.proof import ProofOfDelivery, ProofSource, ProofStatus
from tests.factories import CUSTOMER, INVESTIGATOR, NOW, SUPERVISOR, CountedCleaner, order, shipment, subjects
from tests.integration.test_attachment_retention import PNG, signed_proof
from tests.unit.test_tracking_spelling import pulled_before_the_one_spelling

LEASE = timedelta(seconds=30)
EVERY_START = [("find", DISPUTES), ("find", CARRIER_EVENTS), ("find", DISPUTES), ("find", "migrations"), ("find", DISPUTES),
               ("find", DISPUTES)]
"""What every start-up reads: the numbers not in the one spelling, the queue keys holding the id alone, and the cases
without money rows decided since the latest decision the start-up before saw (and the latest decision now)."""


@pytest.fixture
async def old_shape(mongo_db, query_audit):
    """One open dispute and one unattached pushed event, as the previous version stored them."""
    service = DisputeService(MongoDisputes.in_database(mongo_db), InMemoryOrders([order()]), FixedClock(NOW), Rules())
    opened = (await service.open(CUSTOMER, OpenRequest("ord-1", None, "Gelmedi.", Resolution.REFUND), None)).dispute
    await mongo_db[DISPUTES].update_one(  # the previous version made the first assessment due at opening
        {"_id": opened.id}, {"$unset": {"due": ""}, "$set": {"outbox_due": NOW, "assess_due": NOW}}
    )
    await mongo_db[CARRIER_EVENTS].insert_one({"_id": "ups:evt-1", "carrier": "ups", "attach_due": NOW})
    await mongo_db[DISPUTES].create_index([("outbox_due", ASCENDING)], name="outbox_due")
    await mongo_db[CARRIER_EVENTS].create_index([("attach_due", ASCENDING)], name="events_attach_due")
    await mongo_db[CARRIER_EVENTS].create_index(
        [("carrier", ASCENDING), ("tracking_number", ASCENDING), ("received_at", ASCENDING)], name="events_by_tracking_number"
    )
    changed = await migrate(mongo_db)
    query_audit.commands.clear()  # the migration scans once, on purpose; what follows is the service's own work
    return opened.id, changed


async def test_old_due_times_become_the_schedule_and_their_work_is_claimed(mongo_db, old_shape):
    dispute_id, changed = old_shape
    schedule = MongoSchedule(mongo_db)
    assert changed == 3  # the dispute, the event's due time, and the references the event holds (none)
    for kind in (WorkKind.PULL_EVIDENCE, WorkKind.ASSESS, WorkKind.SLA_CHECK, WorkKind.RELAY):
        assert subjects(await schedule.claim_due(kind, NOW + timedelta(days=30), LEASE, 5, "w")) == [dispute_id], kind
    assert subjects(await schedule.claim_due(WorkKind.ATTACH_PUSHED, NOW, LEASE, 5, "w")) == ["ups:evt-1"]


async def test_fields_and_indexes_only_storage_used_are_gone(mongo_db, old_shape):
    dispute_id, _ = old_shape
    doc = await mongo_db[DISPUTES].find_one({"_id": dispute_id})
    event = await mongo_db[CARRIER_EVENTS].find_one({"_id": "ups:evt-1"})
    assert "outbox_due" not in doc and doc["evidence_pull_due"] == doc["due"]["pull_evidence"]
    assert "attach_due" not in event and event["due"] == {"attach_pushed": NOW}
    assert "outbox_due" not in await mongo_db[DISPUTES].index_information()
    assert not {"events_attach_due", "events_by_tracking_number"} & set(await mongo_db[CARRIER_EVENTS].index_information())


async def test_a_second_run_changes_nothing_and_reads_no_collection(mongo_db, old_shape, query_audit):
    before = await mongo_db[DISPUTES].find_one({"_id": old_shape[0]})
    query_audit.commands.clear()
    assert await migrate(mongo_db) == 0
    assert [(name, command[name]) for name, command in query_audit.commands] == [("find", "migrations"), *EVERY_START]
    assert await mongo_db[DISPUTES].find_one({"_id": old_shape[0]}) == before


async def test_disputes_stored_before_the_queue_key_get_it_and_page_in_due_date_order_and_old_indexes_go(mongo_db, query_audit):
    disputes = MongoDisputes.in_database(mongo_db)
    orders = InMemoryOrders([order(f"ord-{n}") for n in range(3)])
    opened = []
    for n, days in enumerate((2, 0, 1)):  # opened out of due-date order
        service = DisputeService(disputes, orders, FixedClock(NOW + timedelta(days=days)), Rules())
        request = OpenRequest(f"ord-{n}", None, "Gelmedi.", Resolution.REFUND)
        opened.append((await service.open(CUSTOMER, request, None)).dispute)
    await mongo_db[DISPUTES].update_many({}, {"$unset": {"queue_key": ""}})
    await mongo_db[DISPUTES].create_index([("sla.decision_due", ASCENDING), ("_id", ASCENDING)], name="queue")
    await mongo_db[DISPUTES].create_index([("due.assess", ASCENDING), ("lease.assess.until", ASCENDING)], name="due_assess")

    assert await migrate(mongo_db) == 3
    query_audit.commands.clear()  # the migration scans once, on purpose

    pages = [await disputes.query(DisputeQuery(limit=2))]
    pages.append(await disputes.query(DisputeQuery(limit=2, after=pages[0].next_after)))
    by_due = [d.id for d in sorted(opened, key=lambda d: d.sla.decision_due)]
    assert [[d.id for d in page.items] for page in pages] == [by_due[:2], by_due[2:]]
    assert pages[1].next_after is None
    assert {"queue", "due_assess"}.isdisjoint(await mongo_db[DISPUTES].index_information())


async def test_disputes_stored_before_the_flagged_filter_get_it_from_their_abuse_flags(mongo_db, query_audit):
    disputes = MongoDisputes.in_database(mongo_db)
    service = DisputeService(disputes, InMemoryOrders([order("ord-0"), order("ord-1")]), FixedClock(NOW), Rules())
    plain, flagged = [
        (await service.open(CUSTOMER, OpenRequest(f"ord-{n}", None, "Gelmedi.", Resolution.REFUND), None)).dispute
        for n in range(2)
    ]
    await mongo_db[DISPUTES].update_one({"_id": flagged.id}, {"$set": {"abuse_flags": ["shared_address"]}})
    await mongo_db[DISPUTES].update_many({}, {"$unset": {"flagged": ""}})

    assert await migrate(mongo_db) == 2
    query_audit.commands.clear()  # the migration scans once, on purpose

    found = {value: await disputes.query(DisputeQuery(flagged=value)) for value in (True, False)}
    assert {value: [d.id for d in page.items] for value, page in found.items()} == {True: [flagged.id], False: [plain.id]}


async def test_a_clock_s_case_stored_before_it_held_its_shipment_on_its_clock_no_longer_blocks_the_real_one(
    mongo_db, query_audit
):
    clocks = MongoTestClocks(mongo_db)
    service = DisputeService(MongoDisputes.in_database(mongo_db), InMemoryOrders([order()]), FixedClock(NOW), Rules(),
                             test_clocks=clocks)
    on_clock = await clocks_use_case.TestClockService(clocks, service, FixedClock(NOW)).create(CUSTOMER, NOW, None)
    tried = (await service.open(CUSTOMER, OpenRequest("ord-1", None, "Gelmedi.", Resolution.REFUND,
                                                      test_clock=on_clock.id), None)).dispute
    stored = await mongo_db[DISPUTES].find_one({"_id": tried.id})
    old_key = stored["shipment_key"].split(CLOCK_MARK)[0]
    await mongo_db[DISPUTES].update_one({"_id": tried.id}, {"$set": {"shipment_key": old_key}})  # as stored before
    await mongo_db["migrations"].delete_one({"_id": SHIPMENT_ON_CLOCK})

    assert await migrate(mongo_db) == 1
    query_audit.commands.clear()  # the migration scans once, on purpose
    real = (await service.open(CUSTOMER, OpenRequest("ord-1", None, "Gelmedi.", Resolution.REFUND), None)).dispute
    assert real.clock_id is None and (await mongo_db[DISPUTES].find_one({"_id": tried.id}))["shipment_key"] == tried.shipment_key


async def test_a_case_whose_images_were_deleted_before_cases_recorded_it_is_recorded_by_the_next_retention_pass(
    mongo_db, query_audit
):
    clock = FixedClock(NOW)
    repository, store = MongoDisputes.in_database(mongo_db, timedelta(days=30)), MongoEvidenceStore(mongo_db)
    service = DisputeService(
        repository, InMemoryOrders([order()]), clock, Rules(), attachments=store, clean_image=CountedCleaner()
    )
    opened = (await service.open(CUSTOMER, OpenRequest("ord-1", None, "Gelmedi.", Resolution.REFUND), None)).dispute
    await service.add_information(CUSTOMER, opened.id, "Kapı.", [Upload("ayse-0532.png", "image/png", PNG)])
    await service.withdraw(CUSTOMER, opened.id, "Buldum")
    doc = await mongo_db[DISPUTES].find_one({"_id": opened.id})
    [ref] = doc["evidence_refs"]
    await mongo_db.attachments.delete_one({"_id": ref})  # as retention left such a case: its images gone, itself unchanged
    await mongo_db[DISPUTES].update_one({"_id": opened.id}, {"$set": {"purged": True}, "$unset": {"due.retention": ""}})

    assert await migrate(mongo_db) == 2  # made due for retention, and its flag dropped
    assert "purged" not in await mongo_db[DISPUTES].find_one({"_id": opened.id})
    query_audit.commands.clear()  # the migration scans once, on purpose
    worker_clock = FixedClock(NOW + timedelta(days=400))
    job = AttachmentRetention(mongo_db, repository, worker_clock)
    assert await DueWork(MongoSchedule(mongo_db, repository.stored), job, worker_clock, "worker-1").run_once() == 1

    recorded = await repository.read(opened.id)
    assert recorded.images_deleted_at == worker_clock.now() and recorded.timeline[-1].action == "images_deleted"
    assert recorded.customer_evidence[0].images == [] and len(recorded.customer_evidence[0].deleted_images) == 1
    assert "ayse-0532" in str(doc) and "ayse-0532" not in str(await mongo_db[DISPUTES].find_one({"_id": opened.id}))


async def pushed(mongo_db) -> tuple[MongoEvidenceStore, Evidence]:
    """A push of one event with a signature, as the webhook stores it: the store, and the event as recorded."""
    store = MongoEvidenceStore(mongo_db)
    intake = EvidenceIntake(store, store, FixedClock(NOW), lambda kind, content: "image/png")
    await intake.receive_push("yurtici", b'{"event": 1}', [PushedEvent("ev-1", signed_proof("TRKSHP9"))], None)
    [event] = await store.for_shipment("yurtici", "TRKSHP9", EARLIER_PUSHES)
    return store, event


async def test_pushes_stored_before_they_were_kept_for_a_bounded_time_are_kept_until_then_and_then_deleted(
    mongo_db, query_audit
):
    store, event = await pushed(mongo_db)
    await mongo_db[CARRIER_EVENTS].update_one({}, {"$unset": {"refs": "", "due.push_retention": ""}})  # as stored before

    assert await migrate(mongo_db) == 1
    query_audit.commands.clear()  # the migration scans once, on purpose
    stored = await mongo_db[CARRIER_EVENTS].find_one({"_id": event.key})
    assert stored["refs"] == sorted([event.proof.signature.ref, event.proof.raw_ref])
    worker_clock = FixedClock(NOW + timedelta(days=1))
    job = PushRetention(mongo_db, timedelta(days=30), worker_clock)
    retention = DueWork(MongoSchedule(mongo_db), job, worker_clock, "worker-1")
    assert await retention.run_once() == 1  # due at its receipt: moved to the end of its keeping
    assert await store.for_shipment("yurtici", "TRKSHP9", EARLIER_PUSHES) == [event]
    worker_clock.current = NOW + timedelta(days=30)
    assert await retention.run_once() == 1
    assert await store.for_shipment("yurtici", "TRKSHP9", EARLIER_PUSHES) == []
    assert await store.attachment(event.proof.signature.ref) is None
    assert await mongo_db.raw_payloads.find_one({"_id": event.proof.raw_ref}) is None


async def test_images_and_raw_bodies_stored_before_they_were_checked_are_checked_and_those_nothing_cites_are_deleted(
    mongo_db, query_audit
):
    store, event = await pushed(mongo_db)
    lost = StoredAttachment(CUSTOMER_IMAGE, "image/png", b"\x89PNG\r\n\x1a\nlost-upload", CustomerSource("dsp-1", "cust-1"))
    await store.put_attachment("att_lost", lost, NOW)  # its case's save never came
    await store.put_raw("raw_lost", "yurtici", b'{"event": 1, "retry": true}', NOW)  # its events were recorded before
    for collection, ref in ((mongo_db.attachments, event.proof.signature.ref), (mongo_db.attachments, "att_lost"),
                            (mongo_db.raw_payloads, event.proof.raw_ref), (mongo_db.raw_payloads, "raw_lost")):
        await collection.update_one({"_id": ref}, {"$unset": {"due": "", "last_stored_at": ""}})  # as stored before

    assert await migrate(mongo_db) == 4
    query_audit.commands.clear()  # the migration scans once, on purpose
    worker_clock = FixedClock(NOW + timedelta(hours=1))
    for kind in (WorkKind.ATTACHMENT_CHECK, WorkKind.RAW_CHECK):
        check = DueWork(MongoSchedule(mongo_db), StoredCopyCheck(mongo_db, worker_clock, kind), worker_clock, "worker-1")
        assert await check.run_once() == 2

    assert await store.attachment(event.proof.signature.ref) is not None, "the stored push cites it"
    assert await mongo_db.raw_payloads.find_one({"_id": event.proof.raw_ref}) is not None, "the stored push cites it"
    assert await store.attachment("att_lost") is None
    assert await mongo_db.raw_payloads.find_one({"_id": "raw_lost"}) is None


async def test_a_case_stored_before_it_listed_the_raw_replies_it_cites_keeps_them_through_the_check_of_copies(
    mongo_db, query_audit
):
    disputes, store = MongoDisputes.in_database(mongo_db), MongoEvidenceStore(mongo_db)
    service = DisputeService(disputes, InMemoryOrders([order()]), FixedClock(NOW), Rules())
    opened = (await service.open(CUSTOMER, OpenRequest("ord-1", None, "Gelmedi.", Resolution.REFUND), None)).dispute
    body = b'{"replies": ["the carrier said delivered"]}'
    await store.put_raw(raw_ref(body), "yurtici", body, NOW)
    pulled = signed_proof("TRKSHP1").model_copy(update={"raw_ref": raw_ref(body), "signature": None, "source": ProofSource.PULL})
    pull = Evidence(key="pull:1", proof=pulled)
    await service.apply_timed(SYSTEM, opened.id, lambda d, now: d.attach_evidence(SYSTEM, pull, now))
    await mongo_db[DISPUTES].update_one({"_id": opened.id}, {"$set": {"evidence_refs": []}})  # as stored before
    await mongo_db.raw_payloads.update_one({"_id": raw_ref(body)}, {"$unset": {"due": ""}})

    await migrate(mongo_db)
    query_audit.commands.clear()  # the migration scans once, on purpose
    worker_clock = FixedClock(NOW + timedelta(days=1))
    check = DueWork(MongoSchedule(mongo_db), StoredCopyCheck(mongo_db, worker_clock, WorkKind.RAW_CHECK), worker_clock, "w")
    assert await check.run_once() == 1

    assert await mongo_db.raw_payloads.find_one({"_id": raw_ref(body)}) is not None, "the case cites it"
    assert (await mongo_db[DISPUTES].find_one({"_id": opened.id}))["evidence_refs"] == [raw_ref(body)]


async def test_cases_stored_before_they_listed_what_they_cite_get_their_lists_a_batch_of_cases_to_a_write(
    mongo_db, query_audit, monkeypatch
):
    monkeypatch.setattr(migrations, "BATCH", 2)
    orders = [order(f"ord-{n}", shipments=[shipment(f"shp-{n}")]) for n in range(3)]
    service = DisputeService(MongoDisputes.in_database(mongo_db), InMemoryOrders(orders), FixedClock(NOW), Rules())
    cited = {}
    for n in range(3):
        opened = (await service.open(CUSTOMER, OpenRequest(f"ord-{n}", None, "Gelmedi.", Resolution.REFUND), None)).dispute
        pulled = signed_proof(f"TRKSHP{n}").model_copy(
            update={"raw_ref": f"raw:{n}", "signature": None, "source": ProofSource.PULL}
        )
        await service.apply_timed(SYSTEM, opened.id, lambda d, now, p=pulled: d.attach_evidence(
            SYSTEM, Evidence(key=f"pull:{p.tracking_number}", proof=p), now))
        cited[opened.id] = [f"raw:{n}"]
    await mongo_db[DISPUTES].update_many({}, {"$set": {"evidence_refs": []}})  # as stored before
    query_audit.commands.clear()

    await migrate(mongo_db)

    writes = [c for name, c in query_audit.commands if name == "update" and c["update"] == DISPUTES
              and any("evidence_refs" in str(u["u"]) for u in c["updates"])]
    assert [len(c["updates"]) for c in writes] == [2, 1]
    stored = {doc["_id"]: doc["evidence_refs"] async for doc in mongo_db[DISPUTES].find({})}
    assert stored == cited
    query_audit.commands.clear()  # the migration scans once, on purpose


async def test_copies_a_full_case_dropped_before_it_recorded_them_for_deletion_are_checked_again_and_deleted(
    mongo_db, query_audit
):
    await migrate(mongo_db)
    await mongo_db["migrations"].delete_one({"_id": COPIES_RECHECKED})  # a database the version before migrated
    disputes, store = MongoDisputes.in_database(mongo_db), MongoEvidenceStore(mongo_db)
    service = DisputeService(disputes, InMemoryOrders([order()]), FixedClock(NOW), Rules())
    opened = (await service.open(CUSTOMER, OpenRequest("ord-1", None, "Gelmedi.", Resolution.REFUND), None)).dispute
    replies = [b'{"replies": ["dropped"]}', b'{"replies": ["kept"]}']
    for body in replies:
        await store.put_raw(raw_ref(body), "yurtici", body, NOW)
    kept = signed_proof("TRKSHP1").model_copy(update={"raw_ref": raw_ref(replies[1]), "signature": None,
                                                      "source": ProofSource.PULL})
    await service.apply_timed(SYSTEM, opened.id, lambda d, now: d.attach_evidence(SYSTEM, Evidence(key="pull:2", proof=kept), now))
    worker_clock = FixedClock(NOW + timedelta(hours=1))
    check = DueWork(MongoSchedule(mongo_db), StoredCopyCheck(mongo_db, worker_clock, WorkKind.RAW_CHECK), worker_clock, "w")
    await mongo_db.raw_payloads.update_one({"_id": raw_ref(replies[0])}, {"$unset": {"due.raw_check": ""}})
    # as an entry's drop left it: its check ran while the case cited it, and the case cites it no more
    assert await check.run_once() == 1  # the kept reply's own check: cited

    assert await migrate(mongo_db) == 2
    query_audit.commands.clear()  # the migration scans once, on purpose
    assert await check.run_once() == 2

    assert await mongo_db.raw_payloads.find_one({"_id": raw_ref(replies[0])}) is None
    assert await mongo_db.raw_payloads.find_one({"_id": raw_ref(replies[1])}) is not None, "the case cites it"


ALL_MIGRATIONS = {  # the migrations the module's docstring lists, by the names they are recorded under
    "schedule_in_due", "queue_key", "claim_indexes", "flagged", "shipment_on_clock", "purge_recorded",
    "purge_flags_dropped", "pushes_kept", "refs_cited", "images_checked", "raws_checked", "copies_rechecked",
    "events_in_order", "earlier_pushes_read", "events_by_push", "proof_hours_not_negative",
    "decisions_in_their_deadline", "channels_recorded", "personal_data_due", "anonymised_again",
    "placeholder_times", "order_placeholder_time", "handed_over_marked", "deadline_rule_apart",
}


async def test_a_new_database_records_every_migration_at_once_and_still_drops_an_earlier_version_s_indexes(
    mongo_db, query_audit
):
    """A first start writes no document in an old shape: nothing is scanned or updated, yet an index an earlier
    version created on the still empty collections is dropped."""
    await mongo_db[DISPUTES].create_index([("due.assess", ASCENDING), ("lease.assess.until", ASCENDING)], name="due_assess")
    await mongo_db[CARRIER_EVENTS].create_index([("received_at", ASCENDING)], name="events_in_order")
    query_audit.commands.clear()

    assert await migrate(mongo_db) == 0

    sent = [(name, command[name]) for name, command in query_audit.commands]
    assert not [(name, target) for name, target in sent if name in ("update", "aggregate", "insert", "delete")
                and target != "migrations"], sent
    assert len([1 for name, target in sent if name == "update" and target == "migrations"]) == 1, "one write records all"
    recorded = {doc["_id"]: doc["changed"] async for doc in mongo_db["migrations"].find({})}
    assert recorded == dict.fromkeys(ALL_MIGRATIONS, 0)
    assert "due_assess" not in await mongo_db[DISPUTES].index_information()
    assert "events_in_order" not in await mongo_db[CARRIER_EVENTS].index_information()
    query_audit.commands.clear()
    assert await migrate(mongo_db) == 0
    assert [(name, command[name]) for name, command in query_audit.commands] == [("find", "migrations"), *EVERY_START]


async def test_an_old_index_another_process_starting_at_once_dropped_first_is_gone_all_the_same(
    mongo_db, query_audit, monkeypatch
):
    await mongo_db[CARRIER_EVENTS].create_index([("received_at", ASCENDING)], name="events_by_tracking_number")
    drop_index = AsyncCollection.drop_index

    async def dropped_first_by_the_other(collection, name, *args, **kwargs):
        await drop_index(collection, name)  # the other process, between this one's listing and its drop
        return await drop_index(collection, name, *args, **kwargs)

    monkeypatch.setattr(AsyncCollection, "drop_index", dropped_first_by_the_other)
    await migrate(mongo_db)
    query_audit.commands.clear()  # the migration scans once, on purpose

    assert "events_by_tracking_number" not in await mongo_db[CARRIER_EVENTS].index_information()


async def test_events_stored_before_pushes_were_told_apart_keep_their_order_ahead_of_a_push_of_their_millisecond(
    mongo_db, unaudited_db, query_audit
):
    before = [("carrier", ASCENDING), ("tracking_number", ASCENDING), ("received_at", ASCENDING), ("seq", ASCENDING)]
    await mongo_db[CARRIER_EVENTS].create_index(before, name="events_in_order")
    store = MongoEvidenceStore(mongo_db)
    old = [Evidence(key=f"push:yurtici:ev-b{n}", proof=signed_proof("TRKSHP1")) for n in range(2)]  # keys not in order
    await store.record_many(old, NOW)
    await unaudited_db[CARRIER_EVENTS].update_many({}, {"$unset": {"push": ""}})  # as stored before
    await migrate(mongo_db)
    query_audit.commands.clear()  # the migration scans once, on purpose

    new = Evidence(key="push:yurtici:ev-a0", proof=signed_proof("TRKSHP1"))
    await store.record(new, NOW + timedelta(microseconds=500))  # a date is kept to the millisecond

    assert await store.for_shipment("yurtici", "TRKSHP1", EARLIER_PUSHES) == [*old, new]
    assert await store.waiting_with(new, 10) == [*old, new]
    indexes = set(await mongo_db[CARRIER_EVENTS].index_information())
    assert "events_by_push" in indexes and "events_in_order" not in indexes


async def test_cases_stored_before_they_recorded_reading_earlier_pushes_record_it_where_their_first_pull_is_over(
    mongo_db, query_audit
):
    service = DisputeService(MongoDisputes.in_database(mongo_db), InMemoryOrders([order("ord-1"), order("ord-2")]),
                             FixedClock(NOW), Rules())
    over, pending = [(await service.open(CUSTOMER, OpenRequest(o, None, "Gelmedi.", Resolution.REFUND), None)).dispute.id
                     for o in ("ord-1", "ord-2")]
    await mongo_db[DISPUTES].update_one({"_id": over}, {"$set": {"evidence_pull_due": None}})  # a pushed proof ended it
    await mongo_db[DISPUTES].update_many({}, {"$unset": {"earlier_pushes_read": ""}})  # as stored before

    await migrate(mongo_db)
    query_audit.commands.clear()  # the migration scans once, on purpose

    assert (await mongo_db[DISPUTES].find_one({"_id": over}))["earlier_pushes_read"] is True
    assert "earlier_pushes_read" not in await mongo_db[DISPUTES].find_one({"_id": pending})


async def test_cases_stored_with_negative_hours_to_proof_report_none_and_a_second_run_changes_nothing(mongo_db, query_audit):
    service = DisputeService(MongoDisputes.in_database(mongo_db), InMemoryOrders([order()]), FixedClock(NOW), Rules())
    opened = (await service.open(CUSTOMER, OpenRequest("ord-1", None, "Gelmedi.", Resolution.REFUND), None)).dispute
    await mongo_db[DISPUTES].update_one({"_id": opened.id}, {"$set": {"facts.hours_to_proof": -30.0}})  # as stored before

    assert await migrate(mongo_db) >= 1
    assert (await mongo_db[DISPUTES].find_one({"_id": opened.id}))["facts"]["hours_to_proof"] == 0.0
    assert await migrate(mongo_db) == 0
    query_audit.commands.clear()  # the migration scans once, on purpose


async def test_a_late_decision_appealed_before_decisions_kept_their_deadline_reports_late_and_a_second_run_changes_nothing(
    mongo_db, query_audit
):
    disputes = MongoDisputes.in_database(mongo_db)
    service = DisputeService(disputes, InMemoryOrders([order()]), FixedClock(NOW), Rules())
    opened = (await service.open(CUSTOMER, OpenRequest("ord-1", None, "Gelmedi.", Resolution.REFUND), None)).dispute
    due, reports = opened.sla.decision_due, MongoReports(mongo_db[DISPUTES])

    def late_then_appealed(d: Dispute, now: datetime) -> None:
        d.escalate(SYSTEM, due - timedelta(hours=4), Rules().escalate_before_deadline)  # records the deadline
        d.decide(SUPERVISOR, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "n", None, due + timedelta(days=2))
        appealed_at = due + timedelta(days=2, hours=1)
        d.file_appeal(CUSTOMER, "Kapıcı da almadı.", appealed_at, appealed_at + timedelta(days=1))
        d.restart_sla(deadlines(appealed_at, Rules()), Rules().escalate_before_deadline)

    await service.apply_timed(SUPERVISOR, opened.id, late_then_appealed)
    as_stored_before = {"$unset": {"decision.decision_due": ""}, "$set": {"facts.within_sla": True}}
    await mongo_db[DISPUTES].update_one({"_id": opened.id}, as_stored_before)  # judged by the appeal's deadline
    assert (await reports.sla(NOW - timedelta(days=1), NOW + timedelta(days=1))).within_sla == 1

    assert await migrate(mongo_db) >= 1
    sla = await reports.sla(NOW - timedelta(days=1), NOW + timedelta(days=1))
    assert (sla.decided, sla.within_sla) == (1, 0)
    assert await migrate(mongo_db) == 0
    query_audit.commands.clear()  # the migration scans once, on purpose


async def test_a_case_the_deadline_rule_resolved_before_it_was_told_apart_is_no_automatic_resolution(mongo_db, query_audit):
    disputes = MongoDisputes.in_database(mongo_db)
    service = DisputeService(disputes, InMemoryOrders([order()]), FixedClock(NOW), Rules())
    opened = (await service.open(CUSTOMER, OpenRequest("ord-1", None, "Gelmedi.", Resolution.REFUND), None)).dispute
    reports = MongoReports(mongo_db[DISPUTES])
    await service.apply_timed(SYSTEM, opened.id, lambda d, now: d.deadline_reached(SYSTEM, d.sla.decision_due))
    as_stored_before = {"$unset": {"facts.by_deadline_rule": ""}, "$set": {"facts.automatic": True}}
    await mongo_db[DISPUTES].update_one({"_id": opened.id}, as_stored_before)

    assert await migrate(mongo_db) >= 1
    sla = await reports.sla(NOW - timedelta(days=1), NOW + timedelta(days=1))
    assert (sla.decided, sla.automatic, sla.by_deadline_rule) == (1, 0, 1)
    assert await migrate(mongo_db) == 0


async def test_cases_stored_before_channels_were_recorded_are_found_by_the_order_page_filter(mongo_db, query_audit):
    disputes = MongoDisputes.in_database(mongo_db)
    service = DisputeService(disputes, InMemoryOrders([order("ord-0"), order("ord-1")]), FixedClock(NOW), Rules())
    old, chat = [
        (await service.open(CUSTOMER, OpenRequest(f"ord-{n}", None, "Gelmedi.", Resolution.REFUND), None)).dispute
        for n in range(2)
    ]
    await mongo_db[DISPUTES].update_one({"_id": old.id}, {"$unset": {"channel": ""}})  # as stored before channels
    await mongo_db[DISPUTES].update_one({"_id": chat.id}, {"$set": {"channel": "live_chat"}})
    assert (await disputes.query(DisputeQuery(channel=Channel.ORDER_PAGE))).items == []

    assert await migrate(mongo_db) == 1
    query_audit.commands.clear()  # the migration scans once, on purpose

    found = {channel: await disputes.query(DisputeQuery(channel=channel)) for channel in (Channel.ORDER_PAGE, Channel.LIVE_CHAT)}
    assert {channel: [d.id for d in page.items] for channel, page in found.items()} == {
        Channel.ORDER_PAGE: [old.id], Channel.LIVE_CHAT: [chat.id]
    }
    assert await migrate(mongo_db) == 0


async def test_a_closed_case_stored_before_personal_data_was_anonymised_is_anonymised_its_retention_after_closing(
    mongo_db, query_audit
):
    clock = FixedClock(NOW)
    repository = MongoDisputes.in_database(mongo_db)  # personal data kept 730 days after closing
    service = DisputeService(repository, InMemoryOrders([order()]), clock, Rules())
    opened = (await service.open(CUSTOMER, OpenRequest("ord-1", None, "Gelmedi.", Resolution.REFUND), None)).dispute
    await service.withdraw(CUSTOMER, opened.id, "Buldum")
    for message in await repository.pending(opened.id):  # the customer was told
        await repository.delivered(opened.id, message, NOW)
    closed_at = (await repository.read(opened.id)).closed_at
    await mongo_db[DISPUTES].update_one({"_id": opened.id}, {"$unset": {"due.retention": ""}})  # as stored before

    await migrate(mongo_db)
    assert (await mongo_db[DISPUTES].find_one({"_id": opened.id}))["due"]["retention"] == closed_at
    query_audit.commands.clear()  # the migration scans once, on purpose
    worker_clock = FixedClock(NOW + timedelta(days=100))
    job = AttachmentRetention(mongo_db, repository, worker_clock)
    retention = DueWork(MongoSchedule(mongo_db, repository.stored), job, worker_clock, "worker-1")
    assert await retention.run_once() == 1  # too early: made due when it is
    assert (await mongo_db[DISPUTES].find_one({"_id": opened.id}))["due"]["retention"] == closed_at + timedelta(days=730)
    assert await retention.run_once() == 0

    worker_clock.current = closed_at + timedelta(days=730)
    assert await retention.run_once() == 1
    stored = await mongo_db[DISPUTES].find_one({"_id": opened.id})
    assert stored["anonymised_at"] is not None and "retention" not in stored["due"]
    assert "Gelmedi." not in str(stored) and "Ayşe Yılmaz" not in str(stored) and "Buldum" not in str(stored)


async def test_a_case_anonymised_before_it_hid_an_accessibility_need_is_anonymised_again_and_a_second_run_changes_nothing(
    mongo_db, query_audit
):
    """As anonymised before: the opening's `accessibility_need`, the declaration relabelled `decision_deadline_moved`,
    the priority of 1 it raised (in a staff alert kept with the case too), and the retention's own note replaced."""
    clock = FixedClock(NOW)
    repository = MongoDisputes.in_database(mongo_db)
    service = DisputeService(repository, InMemoryOrders([order()]), clock, Rules())
    opened = (await service.open(CUSTOMER, OpenRequest("ord-1", None, "Gelmedi.", Resolution.REFUND), None)).dispute
    await service.withdraw(CUSTOMER, opened.id, "Buldum")
    for message in await repository.pending(opened.id):
        await repository.delivered(opened.id, message, NOW)
    job = AttachmentRetention(mongo_db, repository, FixedClock(NOW + timedelta(days=800)))
    retention = DueWork(MongoSchedule(mongo_db, repository.stored), job, job.clock, "worker-1")
    await mongo_db[DISPUTES].update_one({"_id": opened.id}, {"$set": {"due.retention": NOW}})
    while await retention.run_once():
        pass
    await migrate(mongo_db)  # every other migration recorded
    now_written = await mongo_db[DISPUTES].find_one({"_id": opened.id})
    assert now_written["anonymised_at"] is not None
    timeline = now_written["timeline"]
    as_before = [
        {**timeline[0], "details": {**timeline[0]["details"], "accessibility_need": False}},
        {**timeline[0], "action": "decision_deadline_moved", "details": {"decision_due": "2026-11-20T21:00:00Z"}},
        {**timeline[-1], "action": "images_deleted", "actor": "system", "details": {"note": "[anonymised]"}},
        *timeline[1:],
    ]
    alert = {"kind": "staff_alert", "key": "k-1", "payload": {"alert": "deadline_near", "priority": 1}}
    await mongo_db[DISPUTES].update_one({"_id": opened.id}, {"$set": {
        "timeline": as_before, "priority": 1, "effects_parked": [alert]}})
    await mongo_db[migrations.MIGRATIONS].delete_one({"_id": migrations.ANONYMISED_AGAIN})

    assert await migrate(mongo_db) == 1
    again = await mongo_db[DISPUTES].find_one({"_id": opened.id})
    assert again["version"] == now_written["version"] + 1, "a client's copy of the case (its ETag) is out of date"
    assert [e["action"] for e in again["timeline"]] == [timeline[0]["action"], "images_deleted",
                                                         *(e["action"] for e in timeline[1:])]
    assert "accessibility_need" not in again["timeline"][0]["details"]
    assert [e["details"] for e in again["timeline"] if e["action"] == "images_deleted"] == [
        {"note": "images and carrier replies deleted under retention"}]
    assert (again["priority"], again["effects_parked"][0]["payload"]["priority"]) == (0, 0)
    await mongo_db[migrations.MIGRATIONS].delete_one({"_id": migrations.ANONYMISED_AGAIN})
    assert await migrate(mongo_db) == 0
    query_audit.commands.clear()  # the migration scans every case, on purpose


async def test_a_proof_stored_with_a_year_9999_time_reads_it_as_none_and_a_second_run_changes_nothing(
    mongo_db, query_audit
):
    """Read before the carriers' readers refused .NET's `MaxValue`: the customer's view of such a case failed (no local
    time in Istanbul), and so did its assessment (no room for the policy's tolerances)."""
    from disputes.next_step import next_step
    from schemas.proof import ProofStatus, TrackingEvent

    service = DisputeService(MongoDisputes.in_database(mongo_db), InMemoryOrders([order()]), FixedClock(NOW), Rules())
    opened = (await service.open(CUSTOMER, OpenRequest("ord-1", None, "Gelmedi.", Resolution.REFUND), None)).dispute
    await migrate(mongo_db)  # every migration recorded
    max_value = datetime(9999, 12, 31, 20, 59, 59, tzinfo=NOW.tzinfo)
    proof = signed_proof("YT1").model_copy(update={"delivered_at": max_value, "status": ProofStatus.DELIVERED, "events": (
        TrackingEvent(at=NOW, code="OFD"), TrackingEvent(at=max_value, code="DLV"))})
    stored = proof.model_dump()
    await mongo_db[DISPUTES].update_one({"_id": opened.id}, {"$set": {"evidence": [{"key": "pull:1", "proof": stored}]}})
    await mongo_db[CARRIER_EVENTS].insert_one({"_id": "yurtici:ev-1", "proof": stored})
    await mongo_db[migrations.MIGRATIONS].delete_one({"_id": migrations.PLACEHOLDER_TIMES})

    assert await migrate(mongo_db) == 2
    case = from_doc(await mongo_db[DISPUTES].find_one({"_id": opened.id}))
    assert case.version == opened.version + 1, "a client's copy of the case (its ETag) is out of date"
    [evidence] = case.evidence
    assert evidence.proof.delivered_at is None and [e.code for e in evidence.proof.events] == ["OFD"]
    assert [(n.field, n.reason) for n in evidence.proof.notes] == [("delivered_at", "a placeholder time")]
    assert next_step(case, timedelta(days=14), NOW)
    pushed = await mongo_db[CARRIER_EVENTS].find_one({"_id": "yurtici:ev-1"})
    assert pushed["proof"]["delivered_at"] is None
    await mongo_db[migrations.MIGRATIONS].delete_one({"_id": migrations.PLACEHOLDER_TIMES})
    assert await migrate(mongo_db) == 0
    query_audit.commands.clear()  # the migration scans every case and event, on purpose


async def test_a_case_stored_with_the_order_service_s_placeholder_time_has_none_and_takes_its_carrier_s_pushes(
    mongo_db, query_audit
):
    """Opened before `0001-01-01T00:00:00Z` (.NET's `DateTime.MinValue`) read as no time: the push attacher subtracted
    a day from it (`EARLIER_PARCEL`) and failed on every pass."""
    service = DisputeService(MongoDisputes.in_database(mongo_db), InMemoryOrders([order()]), FixedClock(NOW), Rules())
    opened = (await service.open(CUSTOMER, OpenRequest("ord-1", None, "Gelmedi.", Resolution.REFUND), None)).dispute
    await migrate(mongo_db)  # every migration recorded
    await mongo_db[DISPUTES].update_one({"_id": opened.id}, {"$set": {"order.placed_at": datetime(1, 1, 1, tzinfo=UTC)}})
    await mongo_db[migrations.MIGRATIONS].delete_one({"_id": migrations.ORDER_PLACEHOLDER})

    assert await migrate(mongo_db) == 1
    case = from_doc(await mongo_db[DISPUTES].find_one({"_id": opened.id}))
    assert case.order.placed_at is None and case.version == opened.version + 1
    pushed = Evidence(key="push:yurtici:ev-1", proof=signed_proof(case.order.tracking_number))
    case.attach_pushed(SYSTEM, [pushed], NOW + timedelta(hours=1))
    assert [e.key for e in case.evidence] == ["push:yurtici:ev-1"]
    await mongo_db[migrations.MIGRATIONS].delete_one({"_id": migrations.ORDER_PLACEHOLDER})
    assert await migrate(mongo_db) == 0
    query_audit.commands.clear()  # the migration scans once, on purpose


async def test_a_case_handed_to_a_supervisor_at_its_deadline_unmarked_is_marked_and_no_investigator_decides_it(
    mongo_db, query_audit
):
    """Handed over (compensated before it was reopened) when a case handed over was not yet marked `needs_supervisor`:
    out of the supervisors' queue, an investigator's rejection of it was taken; the deadline does not hand it over
    again (once a deadline)."""
    repository = MongoDisputes.in_database(mongo_db)
    service = DisputeService(repository, InMemoryOrders([order()]), FixedClock(NOW), Rules())
    opened = (await service.open(CUSTOMER, OpenRequest("ord-1", None, "Gelmedi.", Resolution.REFUND), None)).dispute
    await service.decide(INVESTIGATOR, opened.id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "iade", None)
    await service.reopen(SUPERVISOR, opened.id, "Tekrar bakılacak")
    case = await repository.get(opened.id)
    case.deadline_reached(SYSTEM, case.sla.decision_due)
    await repository.save(case)
    await migrate(mongo_db)  # every migration recorded
    await mongo_db[DISPUTES].update_one({"_id": opened.id}, {"$set": {"needs_supervisor": False}})  # as stored before
    before = await mongo_db[DISPUTES].find_one({"_id": opened.id})
    await mongo_db[migrations.MIGRATIONS].delete_one({"_id": migrations.HANDED_OVER_MARKED})

    assert await migrate(mongo_db) == 1
    marked = await repository.get(opened.id)
    assert marked.needs_supervisor and marked.version == before["version"] + 1
    assert [d.id for d in (await repository.query(DisputeQuery(needs_supervisor=True))).items] == [opened.id]
    with pytest.raises(Forbidden):
        await service.decide(INVESTIGATOR, opened.id, None, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "ret",
                             None, override_reason="Teslim kanıtı yeterli")
    await mongo_db[migrations.MIGRATIONS].delete_one({"_id": migrations.HANDED_OVER_MARKED})
    assert await migrate(mongo_db) == 0
    query_audit.commands.clear()  # the migration scans once, on purpose


async def test_a_case_and_a_push_stored_with_the_number_in_another_spelling_match_pushes_in_the_one_spelling(
    mongo_db, query_audit
):
    """Stored before tracking numbers had one spelling: the case keeps its keys, and the pushes and searches now
    written in capitals and without blanks find it, as they find the event pushed before."""
    disputes = MongoDisputes.in_database(mongo_db)
    service = DisputeService(disputes, InMemoryOrders([order()]), FixedClock(NOW), Rules())
    opened = (await service.open(CUSTOMER, OpenRequest("ord-1", None, "Gelmedi.", Resolution.REFUND), None)).dispute
    store, event = await pushed(mongo_db)
    await migrate(mongo_db)  # every migration recorded
    spelt = opened.order.tracking_number
    as_written = {"$set": {"order.tracking_number": "trk shp1"}}  # as the orders service wrote it
    await mongo_db[DISPUTES].update_one({"_id": opened.id}, as_written)
    await mongo_db[CARRIER_EVENTS].update_one({"_id": event.key}, {"$set": {"tracking_number": "trkshp9"}})
    assert await disputes.active_for_shipment("yurtici", spelt) == []

    assert await migrate(mongo_db) == 2
    case = from_doc(await mongo_db[DISPUTES].find_one({"_id": opened.id}))
    assert case.order.tracking_number == spelt == "TRKSHP1" and case.version == opened.version + 1
    assert (case.shipment_key, case.effects_key) == (opened.shipment_key, opened.effects_key)
    assert await disputes.active_for_shipment("yurtici", spelt) == [opened.id]
    assert [d.id for d in (await disputes.query(DisputeQuery(tracking_number=spelt))).items] == [opened.id]
    assert [e.key for e in await store.for_shipment("yurtici", "TRKSHP9", EARLIER_PUSHES)] == [event.key]
    assert await migrate(mongo_db) == 0


async def test_what_the_release_before_writes_after_a_start_up_is_respelt_at_the_next_one(mongo_db, query_audit):
    """During a rolling deploy the release before keeps writing numbers as it got them after an instance of this one
    started: the next start-up respells them, so the pushes and pulls in the one spelling find them."""
    disputes = MongoDisputes.in_database(mongo_db)
    service = DisputeService(disputes, InMemoryOrders([order()]), FixedClock(NOW), Rules())
    opened = (await service.open(CUSTOMER, OpenRequest("ord-1", None, "Gelmedi.", Resolution.REFUND), None)).dispute
    store, event = await pushed(mongo_db)
    await migrate(mongo_db)  # an instance of this release started
    await mongo_db[CARRIER_EVENTS].update_one({"_id": event.key}, {"$set": {"tracking_number": "trkshp9",
                                                                              "proof.tracking_number": "trkshp9"}})
    await mongo_db[DISPUTES].update_one({"_id": opened.id}, {"$set": {"order.tracking_number": "trkshp1"}})

    assert await migrate(mongo_db) == 2  # the next start-up
    assert [e.key for e in await store.for_shipment("yurtici", "TRKSHP9", EARLIER_PUSHES)] == [event.key]
    assert await disputes.active_for_shipment("yurtici", "TRKSHP1") == [opened.id]
    raw = await mongo_db[CARRIER_EVENTS].find_one({"_id": event.key})
    assert (raw["tracking_number"], raw["proof"]["tracking_number"]) == ("TRKSHP9", "TRKSHP9")


async def test_a_proof_pulled_before_the_one_spelling_is_recognised_when_the_same_answer_is_pulled_again(
    mongo_db, query_audit
):
    """Stored with the number as the carrier wrote it and keyed by that content: read back in the one spelling, it is
    the same answer a pull brings now, not a second piece of evidence."""
    service = DisputeService(MongoDisputes.in_database(mongo_db), InMemoryOrders([order()]), FixedClock(NOW), Rules())
    opened = (await service.open(CUSTOMER, OpenRequest("ord-1", None, "Gelmedi.", Resolution.REFUND), None)).dispute
    answer = ProofOfDelivery(carrier="yurtici", tracking_number="trkshp1", status=ProofStatus.DELIVERED,
                             delivered_at=NOW - timedelta(hours=1), source=ProofSource.PULL, received_at=NOW)
    before = pulled_before_the_one_spelling(answer, "trkshp1")
    await service.apply(SYSTEM, opened.id, lambda d: d.attach_evidence(SYSTEM, before, NOW))
    await mongo_db[DISPUTES].update_one({"_id": opened.id}, {"$set": {"evidence.0.proof.tracking_number": "trkshp1"}})
    await migrate(mongo_db)

    again = Evidence(key=pull_key(answer), proof=answer)
    await service.apply(SYSTEM, opened.id, lambda d: d.attach_evidence(SYSTEM, again, NOW))

    assert [e.key for e in (await service.get(SYSTEM, opened.id)).evidence] == [before.key]


async def test_cases_keyed_by_their_id_alone_are_keyed_in_full_at_every_start_up_and_old_cursors_still_page(
    mongo_db, query_audit
):
    """The release before ordered the cases due at one time by id (`<due>|<id>`), and keeps writing such keys during
    a rolling deploy: each start-up keys them by priority and opening too; a cursor it handed out pages again from the start of its due time,
    skipping none of the cases due then."""
    disputes = MongoDisputes.in_database(mongo_db)
    orders = InMemoryOrders([order(f"ord-{n}") for n in range(3)])
    opened = []

    async def keyed_by_id(dispute: Dispute) -> None:
        due = dispute.sla.decision_due.astimezone(UTC).isoformat(timespec="milliseconds")[:23]
        await mongo_db[DISPUTES].update_one({"_id": dispute.id}, {"$set": {"queue_key": f"{due}|{dispute.id}"}})

    for n, (minutes, priority) in enumerate(((60, 2), (0, 0), (30, 0))):  # one due time
        service = DisputeService(disputes, orders, FixedClock(NOW + timedelta(minutes=minutes)), Rules())
        dispute = (await service.open(CUSTOMER, OpenRequest(f"ord-{n}", None, "Gelmedi.", Resolution.REFUND), None)).dispute
        opened.append(dispute)
        await mongo_db[DISPUTES].update_one({"_id": dispute.id}, {"$set": {"priority": priority}})
        await keyed_by_id(dispute)
    assert await migrate(mongo_db) == 3  # an instance of this release started
    old_cursor = (opened[1].sla.decision_due, opened[1].id)
    await keyed_by_id(opened[2])  # saved by an instance of the release before

    assert await migrate(mongo_db) == 1  # the next start-up
    assert await migrate(mongo_db) == 0
    page = await disputes.query(DisputeQuery(limit=10))
    assert [d.id for d in page.items] == [opened[0].id, opened[1].id, opened[2].id]  # priority 2, then by opening
    resumed = await disputes.query(DisputeQuery(after=old_cursor))  # at the start of its due time: none skipped
    assert [d.id for d in resumed.items] == [opened[0].id, opened[1].id, opened[2].id]
