"""A case opened on a parcel while the push attacher works on the parcel's events gets every event it marks: those
stored before the case's first pull looked, by that pull; those stored after, by the attacher."""

import pytest

from adapters.memory import InMemoryDisputes, InMemoryOrders
from disputes.evidence import EvidencePuller, PushAttacher
from disputes.ports import EvidenceUnavailable
from disputes.rules import Rules
from disputes.service import OpenRequest
from schemas.common import Resolution
from schemas.dispute import Evidence
from schemas.proof import ProofSource, ProofStatus
from tests.factories import CUSTOMER, order, shipment
from tests.unit.test_evidence import Gateway, proof


def on_one_tracking_number(shipment_id: str):
    return shipment(shipment_id).model_copy(update={"tracking_number": "TRKSHARED"})


@pytest.fixture
def orders() -> InMemoryOrders:
    """One order whose two shipments the carrier tracks under one number."""
    return InMemoryOrders([order(shipments=[on_one_tracking_number("shp-a"), on_one_tracking_number("shp-b")])])


class Interrupted(InMemoryDisputes):
    """Runs `meanwhile` once, right after the attacher's first look for a shipment's cases."""

    meanwhile = None

    async def active_for_shipment(self, carrier: str, tracking_number: str) -> list[str]:
        found = await super().active_for_shipment(carrier, tracking_number)
        if self.meanwhile is not None:
            meanwhile, self.meanwhile = self.meanwhile, None
            await meanwhile()
        return found


@pytest.fixture
def repository() -> Interrupted:
    return Interrupted()


def pushed_event(key: str, status: ProofStatus = ProofStatus.IN_TRANSIT) -> Evidence:
    return Evidence(key=key, proof=proof(status, source=ProofSource.PUSH, tracking="TRKSHARED"))


def opening(shipment_id: str) -> OpenRequest:
    return OpenRequest("ord-1", shipment_id, "Gelmedi.", Resolution.REFUND)


async def test_an_event_stored_while_a_case_opens_between_the_attachers_reads_reaches_that_case(
    service, repository, pushed, due_work, clock
):
    first = (await service.open(CUSTOMER, opening("shp-a"), None)).dispute
    puller = due_work(EvidencePuller(service, Gateway(EvidenceUnavailable("503")), pushed, Rules()))
    await puller.run_once()  # the first case's first pull: nothing pushed yet
    await pushed.record(pushed_event("push:yurtici:early"), clock.now())
    opened = []

    async def second_case_opens_and_an_event_comes():
        opened.append((await service.open(CUSTOMER, opening("shp-b"), None)).dispute.id)
        await puller.run_once()  # its first pull reads the pushes stored so far: 'early'
        await pushed.record(pushed_event("push:yurtici:late", ProofStatus.DELIVERED), clock.now())

    repository.meanwhile = second_case_opens_and_an_event_comes
    attacher = due_work(PushAttacher(service, repository, pushed))
    await attacher.run_once()
    clock.advance(seconds=30)
    await attacher.run_once()

    assert await pushed.waiting("push:yurtici:late") is None
    for case in (first.id, *opened):
        assert {e.key for e in repository.docs[case].evidence} == {"push:yurtici:early", "push:yurtici:late"}, case
