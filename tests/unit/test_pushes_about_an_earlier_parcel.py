"""A push stored before the order was placed is about an earlier parcel under the same tracking number (carriers reuse
them: FedEx's Track API documents `trackingNumberUniqueId` "to distinguish duplicate FedEx tracking numbers"), kept
with the pushes for a year: a new case's first pull does not take it as this parcel's proof, and asks the carrier."""

from datetime import timedelta

import pytest

from disputes.evidence import EvidencePuller
from disputes.ports import EvidenceUnavailable
from disputes.rules import Rules
from tests.factories import CUSTOMER, NOW
from tests.unit.test_evidence import Gateway
from tests.unit.test_proof_pushed_by_the_deadline import push


@pytest.mark.parametrize(("stored_before_opening", "attached"), [(timedelta(days=200), False), (timedelta(days=1), True)],
                         ids=["stored months before the order", "stored since the order was placed"])
async def test_a_push_stored_before_the_order_was_placed_is_not_this_case_s_proof(
    service, request_for, repository, pushed, clock, due_work, stored_before_opening, attached
):
    clock.current = NOW - stored_before_opening
    event = await push(pushed, clock, "ev-1")
    clock.current = NOW
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    carrier = Gateway(EvidenceUnavailable("down"))

    await due_work(EvidencePuller(service, carrier, pushed, Rules())).run_once()

    stored = repository.docs[dispute.id]
    assert ([e.key for e in stored.evidence] == [event.key]) is attached
    assert carrier.calls == (0 if attached else 1)  # a proof on the case ends the first pull before it asks
