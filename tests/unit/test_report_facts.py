"""The facts a case keeps for the staff reports, read from the case as it stands."""

from datetime import timedelta

import pytest

from disputes.actors import SYSTEM
from disputes.reports import report_facts
from schemas.dispute import Evidence
from schemas.proof import ProofSource
from tests.factories import CUSTOMER, NOW
from tests.unit.test_evidence import proof


@pytest.mark.parametrize(("received", "hours"), [
    (NOW + timedelta(hours=2, minutes=15), 2.25),
    (NOW - timedelta(hours=30), 0.0),  # pushed when the carrier delivered, before the claim: in hand at the opening
])
async def test_the_hours_to_proof_count_from_the_opening_and_a_proof_in_hand_at_it_counts_as_none(
    service, request_for, received, hours
):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    assert dispute.opened_at == NOW
    evidence = Evidence(key="push:1", proof=proof(source=ProofSource.PUSH).model_copy(update={"received_at": received}))

    proved = await service.apply_timed(SYSTEM, dispute.id, lambda d, now: d.attach_evidence(SYSTEM, evidence, now))

    assert report_facts(proved).hours_to_proof == hours
