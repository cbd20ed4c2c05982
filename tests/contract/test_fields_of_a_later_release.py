"""During a rolling deploy a later release stores fields this one does not know (an optional field added to the proof,
to a part of it, to the case). This release reads such a case, decides it and saves it again, and reads a pushed event
or a staff record alike: the unknown fields are ignored, what it knows is kept as stored. Only MongoDB can hold such a
document (the in-memory store holds only what this release built)."""

import pytest

from adapters.mongo.indexes import CARRIER_EVENTS, DISPUTES, STAFF
from adapters.mongo.staff import MongoStaffDirectory
from disputes.actors import SYSTEM
from schemas.common import Outcome, Role
from schemas.dispute import ReasonCode, Status
from schemas.staff import StaffMember
from tests.contract.conftest import Cases, Storage, pushed
from tests.factories import INVESTIGATOR, NOW

LATER = {"locker_pin_logged_at": NOW, "signature.pin_checked": True}
"""Fields a later release writes into a stored proof (one of the proof's own, one of a part of it)."""


def with_later_fields(path: str) -> dict[str, object]:
    return {f"{path}.{name}": value for name, value in LATER.items()}


@pytest.mark.parametrize("storage", ["mongo"], indirect=True)
async def test_a_case_holding_fields_of_a_later_release_is_read_decided_and_saved_again(cases: Cases) -> None:
    case = await cases.open()
    await cases.change(case.id, lambda d: d.attach_evidence(SYSTEM, pushed("yurtici:ev-1", case.order.tracking_number), NOW))
    before = await cases.storage.disputes.get(case.id)
    collection = cases.storage.schedule.db[DISPUTES]
    await collection.update_one({"_id": case.id}, {"$set": with_later_fields("evidence.0.proof") | {"on_hold": None}})

    read = await cases.storage.disputes.get(case.id)
    assert read is not None and read.evidence == before.evidence
    decided = await cases.change(
        case.id, lambda d: d.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None, NOW)
    )

    assert decided.status is Status.RESOLVED and decided.evidence == before.evidence
    stored = await collection.find_one({"_id": case.id})
    assert "on_hold" in stored  # a field of the case this release does not know stays as the later release wrote it


@pytest.mark.parametrize("storage", ["mongo"], indirect=True)
async def test_a_pushed_event_holding_fields_of_a_later_release_is_read(storage: Storage) -> None:
    event = pushed("yurtici:ev-1")
    await storage.evidence.record(event, NOW)
    await storage.schedule.db[CARRIER_EVENTS].update_one({"_id": event.key}, {"$set": with_later_fields("proof")})

    assert await storage.evidence.for_shipment("yurtici", "TRKSHP1", 10) == [event]
    assert await storage.evidence.waiting(event.key) == event


async def test_a_staff_record_holding_fields_of_a_later_release_is_read(mongo_db) -> None:
    directory = MongoStaffDirectory(mongo_db)
    member = StaffMember(id="inv-ayse", name="Ayşe Demir", role=Role.INVESTIGATOR)
    await directory.put(member)
    await mongo_db[STAFF].update_one({"_id": member.id}, {"$set": {"team": "istanbul"}})

    assert await directory.get(member.id) == member
    assert await directory.page(None, 10) == [member]
