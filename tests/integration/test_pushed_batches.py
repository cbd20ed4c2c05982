"""A carrier's push of many shipments against MongoDB (mongoeco over a socket): its events are inserted together,
a bounded number per insert (a push of one event with one insert, as alone), a resend is all duplicates, and a write
refused for another reason than a duplicate is raised, never counted as stored nor as a duplicate."""

from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo import monitoring
from pymongo.errors import BulkWriteError

from adapters.memory import FixedClock
from adapters.mongo import evidence_store
from adapters.mongo.client import connect
from adapters.mongo.evidence_store import MongoEvidenceStore
from adapters.mongo.indexes import CARRIER_EVENTS
from carriers.dhl.webhook import parse_push
from carriers.parsing import attachment_media_type
from disputes.intake import EvidenceIntake, PushedEvent, PushReceipt, raw_ref
from tests.bursts import dhl_push
from tests.factories import NOW


class Inserts(monitoring.CommandListener):
    """The inserts sent, per collection: the documents each carried."""

    def __init__(self) -> None:
        self.into: defaultdict[str, list[int]] = defaultdict(list)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "insert":
            self.into[event.command["insert"]].append(len(event.command["documents"]))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None


@pytest.fixture
def inserts() -> Inserts:
    return Inserts()


@pytest.fixture
async def store(mongo_uri: str, mongo_db: Any, inserts: Inserts) -> AsyncIterator[MongoEvidenceStore]:
    """The test's database through a client whose inserts are counted."""
    client = connect(mongo_uri, event_listeners=[inserts])
    yield MongoEvidenceStore(client[mongo_db.name])
    await client.close()


def intake(store: MongoEvidenceStore) -> EvidenceIntake:
    return EvidenceIntake(store, store, FixedClock(NOW), attachment_media_type)


def dhl_events(body: bytes) -> list[PushedEvent]:
    return [PushedEvent(event.event_id, event.proof) for event in parse_push(body, NOW)]


async def test_a_dhl_push_of_300_shipments_is_inserted_128_at_a_time_and_sent_again_is_all_duplicates(
    store: MongoEvidenceStore, inserts: Inserts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evidence_store, "RECORD_CHUNK", 128)
    body = dhl_push(300)

    first = await intake(store).receive_push("dhl", body, dhl_events(body), None)
    again = await intake(store).receive_push("dhl", body, dhl_events(body), None)

    assert (first, again) == (PushReceipt(received=300, duplicates=0), PushReceipt(received=300, duplicates=300))
    assert inserts.into[CARRIER_EVENTS] == [128, 128, 44] * 2
    assert await store.events.count_documents({"carrier": "dhl"}) == 300


async def test_a_push_of_one_event_is_one_insert_of_it(store: MongoEvidenceStore, inserts: Inserts) -> None:
    body = dhl_push(1)

    receipt = await intake(store).receive_push("dhl", body, dhl_events(body), None)

    assert receipt == PushReceipt(received=1, duplicates=0)
    assert inserts.into[CARRIER_EVENTS] == [1]


async def test_an_event_refused_for_another_reason_than_a_duplicate_fails_the_push_and_a_resend_stores_it(
    store: MongoEvidenceStore,
) -> None:
    body, resent = dhl_push(3), dhl_push(3) + b"\n"
    # A rule of the database's that the second shipment's event breaks when it comes in `body`, not in `resent`.
    rule = {"$or": [{"tracking_number": {"$ne": "4000000001"}}, {"proof.raw_ref": {"$ne": raw_ref(body)}}]}
    await store.events.drop()
    await store.events.database.create_collection(CARRIER_EVENTS, validator=rule)

    with pytest.raises(BulkWriteError):
        await intake(store).receive_push("dhl", body, dhl_events(body), None)
    stored = await store.events.distinct("tracking_number")
    again = await intake(store).receive_push("dhl", resent, dhl_events(resent), None)

    assert sorted(stored) == ["4000000000", "4000000002"]  # the others were stored: duplicates when sent again
    assert again == PushReceipt(received=3, duplicates=2)
    assert await store.events.count_documents({"carrier": "dhl"}) == 3
