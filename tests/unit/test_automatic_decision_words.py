"""A decision the service takes by itself gives its reasons in English and in Turkish, so staff read them on a
console page in either language (the note is shown as stored)."""

from datetime import timedelta

import pytest

from disputes.sla_sweeper import SlaSweeper
from schemas.common import Resolution
from schemas.dispute import ReasonCode
from tests.factories import CUSTOMER


@pytest.fixture
def sweeper(service, due_work):
    return due_work(SlaSweeper(service))


async def test_a_case_resolved_at_its_deadline_says_why_in_english_and_in_turkish(
    service, request_for, sweeper, repository, clock
):
    dispute = (await service.open(CUSTOMER, request_for(resolution=Resolution.REFUND), None)).dispute
    clock.current = dispute.sla.decision_due + timedelta(seconds=1)
    await sweeper.run_once()
    decision = repository.docs[dispute.id].decision
    assert decision.reason_code is ReasonCode.DEADLINE_REACHED
    assert "deadline was reached without a decision" in decision.note
    assert "Karar süresi karar verilmeden doldu" in decision.note
