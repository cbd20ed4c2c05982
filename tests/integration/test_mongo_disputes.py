"""The service on the MongoDB adapter against a real wire-protocol server: the database enforces the rules.
What every store must do, MongoDB and in memory alike, is proven in tests/contract/."""

import asyncio
from datetime import timedelta

import pytest

from adapters.memory import FixedClock, InMemoryDisputes, InMemoryEvidenceStore, InMemoryOrders, InMemorySchedule
from adapters.mongo.disputes import MongoDisputes
from adapters.mongo.indexes import INDEXES
from adapters.mongo.schedule import MongoSchedule
from disputes.errors import ActiveDisputeExists
from disputes.relay import Relay, Result
from disputes.rules import Rules
from disputes.schedule import DueWork
from disputes.work import WorkKind
from disputes.service import DisputeService, OpenRequest
from schemas.common import Outcome, Resolution
from schemas.dispute import EffectKind, ReasonCode
from tests.factories import CUSTOMER, INVESTIGATOR, NOW, order, shipment, subjects


@pytest.fixture
def clock():
    return FixedClock(NOW)


@pytest.fixture
def repository(mongo_db):
    return MongoDisputes.in_database(mongo_db)


@pytest.fixture
def schedule(mongo_db):
    return MongoSchedule(mongo_db)


@pytest.fixture(params=["memory", "mongo"])
def backend(request, mongo_db, orders, clock):
    """Storage and schedule on either backend: the lease rules hold the same on both."""
    if request.param == "mongo":
        repository, scheduled = MongoDisputes.in_database(mongo_db), MongoSchedule(mongo_db)
    else:
        repository = InMemoryDisputes()
        scheduled = InMemorySchedule(repository, InMemoryEvidenceStore())
    return DisputeService(repository, orders, clock, Rules()), repository, scheduled


@pytest.fixture
def orders():
    return InMemoryOrders([order(), order("ord-2", shipments=[shipment("shp-9", carrier="aras")])])


@pytest.fixture
def service(repository, orders, clock):
    return DisputeService(repository, orders, clock, Rules())


def opening(order_id="ord-1", statement="Teslim görünüyor ama gelmedi."):
    return OpenRequest(order_id, None, statement, Resolution.REFUND)


async def test_every_declared_index_exists_with_its_options(mongo_db):
    for index in INDEXES:
        info = await mongo_db[index.collection].index_information()
        assert info[index.name]["key"] == list(index.keys)
        assert info[index.name].get("unique", False) == index.options.get("unique", False)


async def test_a_dispute_round_trips_with_aware_datetimes(service, repository):
    opened = (await service.open(CUSTOMER, opening(), None)).dispute
    loaded = await repository.get(opened.id)
    assert loaded.model_dump() == opened.model_dump()
    assert loaded.sla.decision_due.tzinfo is not None and loaded.version == 1


async def test_concurrent_opens_for_one_shipment_let_exactly_one_win(service):
    results = await asyncio.gather(
        *(service.open(CUSTOMER, opening(statement=f"attempt {i}"), None) for i in range(8)), return_exceptions=True
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, ActiveDisputeExists)]
    assert len(winners) == 1 and len(losers) == 7
    assert {loser.dispute_id for loser in losers} == {winners[0].dispute.id}


async def test_concurrent_retries_with_one_key_create_one_dispute(service, unaudited_db):
    results = await asyncio.gather(*(service.open(CUSTOMER, opening(), "double-click") for _ in range(6)))
    assert len({r.dispute.id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert await unaudited_db.disputes.count_documents({}) == 1


async def test_an_expired_idempotency_key_can_be_used_again(service, clock, mongo_db):
    await service.open(CUSTOMER, opening(), "reused")
    clock.advance(hours=25)
    assert (await service.open(CUSTOMER, opening("ord-2"), "reused")).created
    assert await mongo_db.disputes.count_documents({"idempotency.key": "cust-1:reused"}) == 1


async def test_the_decision_and_its_messages_are_stored_in_one_write(service, repository, mongo_db):
    opened = (await service.open(CUSTOMER, opening(), None)).dispute
    await service.decide(INVESTIGATOR, opened.id, {1}, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)
    doc = await mongo_db.disputes.find_one({"_id": opened.id})
    assert doc["status"] == "resolved" and doc["version"] == 2
    assert [m["kind"] for m in doc["outbox"]] == ["notification", "refund", "notification"]
    assert doc["due"]["relay"] <= NOW and "lease" not in doc


async def test_the_relay_drains_the_outbox_and_leases_keep_relays_apart(service, repository, schedule, clock):
    opened = (await service.open(CUSTOMER, opening(), None)).dispute
    lease = timedelta(seconds=30)
    assert subjects(await schedule.claim_due(WorkKind.RELAY, clock.now(), lease, 5, "relay-1")) == [opened.id]
    assert subjects(await schedule.claim_due(WorkKind.RELAY, clock.now(), lease, 5, "relay-2")) == []

    sent = []

    class Downstream:
        async def notify(self, request, key):
            sent.append(key)

    clock.advance(seconds=31)
    d = Downstream()
    attempts = []
    relay = DueWork(schedule, Relay(repository, d, d, d, d, d, clock, observe=attempts.append), clock, "relay-2")
    assert await relay.run_once() == 1 and [a.result for a in attempts] == [Result.DELIVERED]
    stored = await repository.get(opened.id)
    assert stored.outbox == [] and [e.kind for e in stored.effects_delivered] == [EffectKind.NOTIFICATION]
    assert sent == [f"{opened.id}:1:dispute_opened"]
    assert subjects(await schedule.claim_due(WorkKind.RELAY, clock.now() + timedelta(hours=1), lease, 5, "relay-1")) == []


async def test_a_save_neither_puts_back_nor_erases_a_lease_taken_after_its_read(backend, clock):
    service, repository, schedule = backend
    opened = (await service.open(CUSTOMER, opening(), None)).dispute
    read_before_the_claim = await repository.get(opened.id)
    lease = timedelta(seconds=60)
    assert subjects(await schedule.claim_due(WorkKind.PULL_EVIDENCE, clock.now(), lease, 5, "worker-1")) == [opened.id]

    read_before_the_claim.assign(INVESTIGATOR, INVESTIGATOR.id, clock.now())
    await repository.save(read_before_the_claim)
    again = await repository.get(opened.id)
    again.request_evidence(INVESTIGATOR, clock.now())  # moves the due time itself
    await repository.save(again)

    stored = await repository.get(opened.id)
    assert stored.assignee == INVESTIGATOR.id and stored.evidence_pull_due == clock.now()
    assert subjects(await schedule.claim_due(WorkKind.PULL_EVIDENCE, clock.now(), lease, 5, "worker-2")) == []  # still held
    assert await schedule.renew(WorkKind.PULL_EVIDENCE, [opened.id], "worker-1", clock.now() + lease) == {opened.id}


async def test_notes_from_two_processes_racing_on_one_dispute_are_all_stored_once_in_order_of_acceptance(
    repository, orders, clock
):
    """Each service stands for a process; they share only the database, so their writers race on its
    compare-and-set, and the losers apply their note again on fresh state."""
    processes = [DisputeService(repository, orders, clock, Rules()) for _ in range(2)]
    dispute = (await processes[0].open(CUSTOMER, opening(), None)).dispute
    texts = [f"note {n}" for n in range(40)]
    noted = await asyncio.gather(
        *(processes[n % 2].add_note(INVESTIGATOR, dispute.id, text) for n, text in enumerate(texts))
    )
    accepted = [text for _, text in sorted(zip((d.version for d in noted), texts, strict=False))]
    stored = await repository.get(dispute.id)
    assert [e.details["text"] for e in stored.timeline if e.action == "note_added"] == accepted
    assert sorted(accepted) == sorted(texts) and stored.version == 41


async def test_processes_each_writing_only_what_its_saves_changed_lose_no_change_of_the_other(mongo_db, orders, clock):
    """Each process keeps the state it last saw stored; one whose copy another process's save made stale loses on
    the version and applies its change again on fresh state, so a field set back (released) is stored as well."""
    processes = [DisputeService(MongoDisputes.in_database(mongo_db), orders, clock, Rules()) for _ in range(2)]
    dispute = (await processes[0].open(CUSTOMER, opening(), None)).dispute
    for n in range(6):
        first, second = processes[n % 2], processes[(n + 1) % 2]
        await first.assign(INVESTIGATOR, dispute.id, None)
        await second.add_note(INVESTIGATOR, dispute.id, f"note {n}")
        await first.release(INVESTIGATOR, dispute.id)
    stored = await processes[0].get(INVESTIGATOR, dispute.id)
    assert stored.assignee is None and stored.version == 19
    assert [e.action for e in stored.timeline[-3:]] == ["assigned", "note_added", "released"]
    assert [e.details["text"] for e in stored.timeline if e.action == "note_added"] == [f"note {n}" for n in range(6)]


async def test_a_save_from_a_claimed_dispute_writes_only_the_fields_its_change_made(repository, clock, mongo_db, query_audit):
    service = DisputeService(repository, InMemoryOrders([order()]), clock, Rules())
    opened = (await service.open(CUSTOMER, opening(), None)).dispute
    schedule = MongoSchedule(mongo_db, repository.stored)
    [claimed] = await schedule.claim_due(WorkKind.PULL_EVIDENCE, clock.now(), timedelta(seconds=30), 1, "worker-1")
    query_audit.commands.clear()

    claimed.dispute.add_note(INVESTIGATOR, "Kargoyu aradım.", clock.now())
    await repository.save(claimed.dispute)

    [(name, command)] = query_audit.commands
    written = set(command["updates"][0]["u"]["$set"])
    assert name == "update" and "timeline" in written
    assert not written & {"order", "statement", "sla", "customer_id", "shipment_key", "evidence"}
    assert (await repository.get(opened.id)).timeline[-1].details["text"] == "Kargoyu aradım."


async def test_the_relay_is_due_until_the_last_message_is_delivered_whichever_relay_delivers_it(
    service, repository, schedule, clock
):
    opened = (await service.open(CUSTOMER, opening(), None)).dispute
    await service.decide(INVESTIGATOR, opened.id, {1}, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)
    first, second, third = await repository.pending(opened.id)
    later, lease = clock.now() + timedelta(hours=1), timedelta(seconds=30)
    await repository.delivered(opened.id, first, clock.now())
    await repository.delivered(opened.id, first, clock.now())  # a second relay delivered it too
    assert subjects(await schedule.claim_due(WorkKind.RELAY, later, lease, 5, "relay-1")) == [opened.id]
    await schedule.release(WorkKind.RELAY, opened.id, "relay-1")
    await repository.delivered(opened.id, third, clock.now())  # out of order: another relay's view
    await repository.delivered(opened.id, second, clock.now())
    assert await repository.pending(opened.id) == []
    assert subjects(await schedule.claim_due(WorkKind.RELAY, later, lease, 5, "relay-1")) == []
