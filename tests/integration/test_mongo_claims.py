"""Claims of many subjects against MongoDB (mongoeco over a socket): a batch is leased in a few round trips whatever
its size, not one per subject, and hands back the disputes it leased as stored. That each subject goes to one holder
and the batch is the earliest due, MongoDB and in memory alike, is proven in tests/contract/test_claims.py."""

from datetime import timedelta

from adapters.memory import FixedClock, InMemoryOrders
from adapters.mongo.disputes import MongoDisputes
from adapters.mongo.evidence_store import MongoEvidenceStore
from adapters.mongo.schedule import MongoSchedule
from disputes.rules import Rules
from disputes.service import DisputeService, OpenRequest
from disputes.work import WorkKind
from schemas.common import Resolution
from schemas.dispute import Evidence
from schemas.proof import ProofOfDelivery, ProofSource, ProofStatus
from tests.factories import CUSTOMER, NOW, order, shipment, subjects
from tests.query_plans import CommandRecorder

LEASE = timedelta(seconds=30)
EVENTS = 40


def delivered(number: int) -> Evidence:
    proof = ProofOfDelivery(
        carrier="dhl", tracking_number=str(4_000_000_000 + number), status=ProofStatus.DELIVERED,
        delivered_at=NOW - timedelta(days=1), source=ProofSource.PUSH, received_at=NOW,
    )
    return Evidence(key=f"push:dhl:{number}", proof=proof)


async def test_a_claim_of_many_pushed_events_leases_them_in_a_few_round_trips(mongo_db, query_audit: CommandRecorder):
    await MongoEvidenceStore(mongo_db).record_many([delivered(n) for n in range(EVENTS)], NOW)
    schedule = MongoSchedule(mongo_db)
    query_audit.commands.clear()

    claimed = await schedule.claim_due(WorkKind.ATTACH_PUSHED, NOW, LEASE, EVENTS, "worker-1")

    assert sorted(subjects(claimed)) == sorted(f"push:dhl:{n}" for n in range(EVENTS))
    assert len(query_audit.commands) <= 3, [name for name, _ in query_audit.commands]
    assert subjects(await schedule.claim_due(WorkKind.ATTACH_PUSHED, NOW, LEASE, EVENTS, "worker-2")) == []


async def test_a_claim_of_many_cases_hands_back_each_as_stored_in_a_few_round_trips(mongo_db, query_audit: CommandRecorder):
    orders = InMemoryOrders([order(f"ord-{n}", shipments=[shipment(f"shp-{n}")]) for n in range(5)])
    repository = MongoDisputes.in_database(mongo_db)
    service = DisputeService(repository, orders, FixedClock(NOW), Rules())
    opened = [
        (await service.open(CUSTOMER, OpenRequest(f"ord-{n}", f"shp-{n}", "Gelmedi.", Resolution.REFUND), None)).dispute
        for n in range(5)
    ]
    query_audit.commands.clear()

    claimed = await MongoSchedule(mongo_db).claim_due(WorkKind.RELAY, NOW, LEASE, 10, "relay-1")

    assert len(query_audit.commands) <= 3, [name for name, _ in query_audit.commands]
    assert sorted(subjects(claimed)) == sorted(dispute.id for dispute in opened)
    assert all(claim.dispute is not None and claim.dispute.id == claim.subject for claim in claimed)
    assert {claim.dispute.version for claim in claimed if claim.dispute} == {1}
