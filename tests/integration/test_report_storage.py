"""MongoDB storage speaks of an outage only in the core's own terms. (What the reports count, on both
backends: tests/contract/test_reports.py.)"""

from datetime import timedelta

import pytest

from adapters.mongo.breakers import MongoBreakerStore
from adapters.mongo.client import connect
from adapters.mongo.disputes import MongoDisputes
from adapters.mongo.evidence_store import MongoEvidenceStore
from adapters.mongo.reports import MongoReports
from disputes.ports import StorageUnavailable
from schemas.common import Outcome
from schemas.dispute import ReasonCode
from tests.factories import INVESTIGATOR, NOW
from tests.unit.policy.builders import dispute as with_evidence
from tests.unit.policy.builders import evidence

PERIOD = (NOW - timedelta(days=1), NOW + timedelta(days=1))


async def test_an_unreachable_database_is_storage_unavailable_from_the_driver_error() -> None:
    client = connect("mongodb://127.0.0.1:9/?directConnection=true", timeout_seconds=0.2)
    db = client["unreachable"]
    try:
        calls = [
            MongoDisputes.in_database(db).get("dsp-1"),
            MongoEvidenceStore(db).put_raw("raw_1", "yurtici", b"{}", NOW),
            MongoEvidenceStore(db).attachment("att_1"),
            MongoReports(db.disputes).sla(*PERIOD),
            MongoBreakerStore(db).read_all(["yurtici"]),
        ]
        for call in calls:
            with pytest.raises(StorageUnavailable) as raised:
                await call
            assert type(raised.value.__cause__).__module__ == "pymongo.errors"
    finally:
        await client.close()



async def test_a_dispute_whose_facts_predate_the_count_of_decisions_counts_its_latest_decision(
    mongo_db, unaudited_db
) -> None:
    disputes = MongoDisputes.in_database(mongo_db)
    dispute = with_evidence(evidence("ev-1"))
    dispute.decide(INVESTIGATOR, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "n", None, NOW)
    await disputes.add(dispute, NOW)
    await unaudited_db.disputes.update_one({"_id": dispute.id}, {"$unset": {"facts.decisions": ""}})  # as stored then

    [carrier] = await MongoReports(mongo_db.disputes).carriers(*PERIOD)

    assert carrier.outcomes == {"refund": 0, "reship": 0, "rejected": 1, "undecided": 0}
