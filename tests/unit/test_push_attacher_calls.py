"""What attaching a pushed event costs in storage calls: an event on a shipment without a case is read, its
shipment's cases asked for, and marked (the write that ends the attacher's lease); a burst on a shipment with a case
is read once per claimed event, then its shipment's waiting events once, the case saved once and the burst marked
once, the other places that claimed its events calling nothing more."""

import asyncio
from collections import Counter
from unittest.mock import Mock

from adapters.memory import FixedClock, InMemoryDisputes, InMemoryEvidenceStore, InMemoryOrders, InMemorySchedule
from disputes.evidence import PushAttacher
from disputes.lanes import Lanes
from disputes.rules import Rules
from disputes.service import DisputeService
from disputes.work import WorkKind
from schemas.dispute import Evidence
from tests.bursts import LEASE, open_both, scan, two_parcels
from tests.factories import NOW


class Answering(InMemoryEvidenceStore):
    """The in-memory events, answering the read of an event a turn of the event loop later, as a database does:
    every place of a pass has read its event before the first of them marks any."""

    async def waiting(self, key: str) -> Evidence | None:
        found = await super().waiting(key)
        await asyncio.sleep(0)
        return found


async def attach_in_one_pass(events: list[Evidence]) -> tuple[Counter[str], list[bool], InMemoryDisputes]:
    """Open cases on both parcels of `two_parcels` (TRKSHPA, TRKSHPB), record `events` and attach them in one pass of
    the attacher: the calls it made to the disputes and the events, by method; for each event it claimed, whether
    its lease on it ended; the cases."""
    repository, pushed, clock = InMemoryDisputes(), Answering(), FixedClock(NOW)
    await open_both(DisputeService(repository, InMemoryOrders([two_parcels()]), clock, Rules()))
    for event in events:
        await pushed.record(event, event.proof.received_at)
    disputes, evidence = Mock(wraps=repository), Mock(wraps=pushed)
    attacher = PushAttacher(DisputeService(disputes, InMemoryOrders([]), clock, Rules()), disputes, evidence)
    schedule = InMemorySchedule(repository, pushed)
    claimed = await schedule.claim_due(WorkKind.ATTACH_PUSHED, NOW + LEASE, LEASE, attacher.batch, "worker-1")
    lanes = Lanes(attacher.batch)
    await asyncio.gather(*(attacher.handle(claim, lanes.enter()) for claim in claimed))
    assert len(claimed) == len(events)
    calls = Counter(name for name, _, _ in [*disputes.mock_calls, *evidence.mock_calls])
    return calls, [claim.lease.ended for claim in claimed], repository


async def test_an_event_on_a_shipment_without_a_case_is_read_its_cases_asked_for_and_marked_ending_the_lease() -> None:
    events = [scan(f"e-{n}", f"TRKNOCASE{n}") for n in range(10)]

    calls, ended, _ = await attach_in_one_pass(events)

    assert calls == {"waiting": 10, "active_for_shipment": 10, "attached": 10}
    assert ended == [True] * 10


async def test_a_burst_on_a_shipment_with_a_case_is_read_once_saved_once_and_marked_once() -> None:
    burst = [scan(f"a-{n}", "TRKSHPA", seconds=n) for n in range(5)]

    calls, ended, repository = await attach_in_one_pass(burst)

    assert calls == {"waiting": 5, "active_for_shipment": 2, "waiting_with": 1, "get": 1, "save": 1, "attached": 1}
    assert ended.count(True) == 1  # the first place's, in the marking write; the others' are given back by the loop
    [case] = [case for case in repository.docs.values() if case.order.tracking_number == "TRKSHPA"]
    assert [e.key for e in case.evidence] == [e.key for e in burst]
