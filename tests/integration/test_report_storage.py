"""The reports port counts the same on both backends, and MongoDB storage speaks of an outage only in the
core's own terms."""

from datetime import timedelta

import pytest

from adapters.memory import FixedClock, InMemoryDisputes, InMemoryOrders, InMemoryReports
from adapters.mongo.breakers import MongoBreakerStore
from adapters.mongo.client import connect
from adapters.mongo.disputes import MongoDisputes
from adapters.mongo.evidence_store import MongoEvidenceStore
from adapters.mongo.reports import MongoReports
from disputes.ports import CarrierFigures, SlaFigures, StorageUnavailable
from disputes.rules import Rules
from disputes.service import DisputeService, OpenRequest
from schemas.common import Outcome, Resolution
from schemas.dispute import ReasonCode
from tests.factories import CUSTOMER, INVESTIGATOR, NOW, order, shipment

ORDERS = [
    order("ord-1"),
    order("ord-2", shipments=[shipment("shp-2", carrier="aras")]),
    order("ord-3", shipments=[shipment("shp-3")]),
]
PERIOD = (NOW - timedelta(days=1), NOW + timedelta(days=1))


@pytest.fixture(params=["memory", "mongo"])
async def storage(request, mongo_db):
    if request.param == "memory":
        memory = InMemoryDisputes()
        return memory, InMemoryReports(memory)
    return MongoDisputes.in_database(mongo_db), MongoReports(mongo_db.disputes)


async def test_both_backends_count_the_same_reports(storage) -> None:
    repository, reports = storage
    clock = FixedClock(NOW)
    service = DisputeService(repository, InMemoryOrders(ORDERS), clock, Rules())
    opened = [await service.open(CUSTOMER, OpenRequest(o.order_id, None, "Gelmedi.", Resolution.REFUND), None)
              for o in ORDERS]
    clock.advance(hours=2)
    await service.decide(INVESTIGATOR, opened[0].dispute.id, None, Outcome.REFUND, ReasonCode.GOODWILL, "iyi niyet", None)

    carriers = await reports.carriers(*PERIOD)
    sla = await reports.sla(*PERIOD)

    assert carriers == [
        CarrierFigures("aras", 1, {"refund": 0, "reship": 0, "rejected": 0, "undecided": 1}, 0, 0, 0, 0, None, 0),
        CarrierFigures("yurtici", 2, {"refund": 1, "reship": 0, "rejected": 0, "undecided": 1}, 0, 0, 0, 0, None, 0),
    ]
    assert sla == SlaFigures(disputes=3, decided=1, within_sla=1, automatic=0,
                             median_hours_to_decision=2.0, p95_hours_to_decision=2.0)
    assert await reports.carriers(NOW + timedelta(days=1), NOW + timedelta(days=2)) == []
    assert await reports.sla(NOW + timedelta(days=1), NOW + timedelta(days=2)) == SlaFigures(0, 0, 0, 0, None, None)


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

