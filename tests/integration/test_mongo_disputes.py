"""The MongoDB adapter against a real wire-protocol server: the database enforces the rules."""

import asyncio
from datetime import timedelta

import pytest

from adapters.memory import FixedClock, InMemoryDisputes, InMemoryOrders
from adapters.mongo.disputes import MongoDisputes
from adapters.mongo.indexes import INDEXES
from disputes.errors import ActiveDisputeExists, StaleVersion
from disputes.ports import DisputeQuery
from disputes.relay import Relay, Result
from disputes.rules import Rules
from disputes.service import DisputeService, OpenRequest
from schemas.common import Outcome, Resolution
from schemas.dispute import EffectKind, ReasonCode, Status
from tests.factories import CUSTOMER, INVESTIGATOR, NOW, order, shipment


@pytest.fixture
def clock():
    return FixedClock(NOW)


@pytest.fixture
def repository(mongo_db):
    return MongoDisputes.in_database(mongo_db)


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


async def test_concurrent_retries_with_one_key_create_one_dispute(service, mongo_db):
    results = await asyncio.gather(*(service.open(CUSTOMER, opening(), "double-click") for _ in range(6)))
    assert len({r.dispute.id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert await mongo_db.disputes.count_documents({}) == 1


async def test_an_expired_idempotency_key_can_be_used_again(service, clock, mongo_db):
    await service.open(CUSTOMER, opening(), "reused")
    clock.advance(hours=25)
    assert (await service.open(CUSTOMER, opening("ord-2"), "reused")).created
    assert await mongo_db.disputes.count_documents({"idempotency.key": "cust-1:reused"}) == 1


async def test_a_write_on_a_stale_version_is_refused_and_changes_nothing(service, repository):
    opened = (await service.open(CUSTOMER, opening(), None)).dispute
    first, second = await repository.get(opened.id), await repository.get(opened.id)
    first.add_note(INVESTIGATOR, "first", NOW)
    await repository.save(first)
    second.add_note(INVESTIGATOR, "second", NOW)
    with pytest.raises(StaleVersion):
        await repository.save(second)
    stored = await repository.get(opened.id)
    assert stored.version == 2 and [e.details.get("text") for e in stored.timeline] == [None, "first"]


async def test_the_decision_and_its_messages_are_stored_in_one_write(service, repository, mongo_db):
    opened = (await service.open(CUSTOMER, opening(), None)).dispute
    await service.decide(INVESTIGATOR, opened.id, {1}, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)
    doc = await mongo_db.disputes.find_one({"_id": opened.id})
    assert doc["status"] == "resolved" and doc["version"] == 2
    assert [m["kind"] for m in doc["outbox"]] == ["notification", "refund", "notification"]
    assert doc["outbox_due"] <= NOW


async def test_the_relay_drains_the_outbox_and_leases_keep_relays_apart(service, repository, clock):
    opened = (await service.open(CUSTOMER, opening(), None)).dispute
    lease = clock.now() + timedelta(seconds=30)
    assert [b.dispute_id for b in await repository.claim(clock.now(), lease, 5)] == [opened.id]
    assert await repository.claim(clock.now(), lease, 5) == []

    sent = []

    class Downstream:
        async def notify(self, request, key):
            sent.append(key)

    clock.advance(seconds=31)
    relay = Relay(repository, Downstream(), Downstream(), Downstream(), Downstream(), Downstream(), clock)
    assert [a.result for a in await relay.run_once()] == [Result.DELIVERED]
    stored = await repository.get(opened.id)
    assert stored.outbox == [] and [e.kind for e in stored.effects_delivered] == [EffectKind.NOTIFICATION]
    assert sent == [f"{opened.id}:1:dispute_opened"]
    assert await repository.claim(clock.now() + timedelta(hours=1), lease, 5) == []


@pytest.mark.parametrize("store", ["memory", "mongo"])
async def test_a_message_two_relays_delivered_is_recorded_once(service, repository, clock, store):
    opened = (await service.open(CUSTOMER, opening(), None)).dispute
    storage = repository if store == "mongo" else InMemoryDisputes()
    if store == "memory":
        await storage.add(await repository.get(opened.id))
    [message] = (await storage.get(opened.id)).outbox
    for _ in range(2):  # a relay whose lease ran out, and the one that took its batch over
        await storage.delivered(opened.id, message, clock.now())
    stored = await storage.get(opened.id)
    assert stored.outbox == [] and [e.key for e in stored.effects_delivered] == [message.key]


async def test_the_queue_is_ordered_by_due_date_and_pages_with_a_cursor(service, orders, clock, repository):
    opened = []
    for i in range(5):  # Wednesday to Sunday: the weekend cases share Friday's due date, ties go by id
        orders.orders[f"ord-q{i}"] = order(f"ord-q{i}", shipments=[shipment(f"shp-q{i}", carrier="ups" if i % 2 else "ptt")])
        opened.append((await service.open(CUSTOMER, opening(f"ord-q{i}"), None)).dispute)
        clock.advance(days=1)
    ids = [d.id for d in sorted(opened, key=lambda d: (d.sla.decision_due, d.id))]
    assert len({d.sla.decision_due for d in opened}) == 3
    first = await repository.query(DisputeQuery(limit=2))
    second = await repository.query(DisputeQuery(limit=2, after=first.next_after))
    third = await repository.query(DisputeQuery(limit=2, after=second.next_after))
    assert [d.id for d in first.items + second.items + third.items] == ids and third.next_after is None
    ups = await repository.query(DisputeQuery(carrier="ups", statuses=(Status.OPENED,)))
    assert [d.id for d in ups.items] == [i for i in ids if i in (opened[1].id, opened[3].id)]


async def test_a_save_does_not_put_back_a_lease_taken_after_its_read(service, repository, clock):
    opened = (await service.open(CUSTOMER, OpenRequest("ord-1", None, "Gelmedi.", Resolution.REFUND), None)).dispute
    read_before_the_claim = await repository.get(opened.id)
    lease_until = clock.now() + timedelta(seconds=60)
    assert await repository.claim_evidence(clock.now(), lease_until, 5) == [opened.id]

    read_before_the_claim.assign(INVESTIGATOR, INVESTIGATOR.id, clock.now())
    await repository.save(read_before_the_claim)

    stored = await repository.get(opened.id)
    assert stored.assignee == INVESTIGATOR.id and stored.evidence_pull_due == lease_until
    assert await repository.claim_evidence(clock.now(), lease_until, 5) == []  # not due again: still leased


async def test_a_due_time_the_change_moves_is_written(service, repository, clock):
    opened = (await service.open(CUSTOMER, OpenRequest("ord-1", None, "Gelmedi.", Resolution.REFUND), None)).dispute
    read = await repository.get(opened.id)
    read.evidence_pull_failed(INVESTIGATOR, "carrier unavailable", clock.now() + timedelta(minutes=5), clock.now())
    await repository.save(read)

    assert (await repository.get(opened.id)).evidence_pull_due == clock.now() + timedelta(minutes=5)


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
