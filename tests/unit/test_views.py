"""The queue page is written straight to JSON from the aggregates; it must be what the published model writes."""

from datetime import timedelta

import pytest

from adapters.memory import InMemoryOrders
from adapters.web.views import page_json, summary_fields
from schemas.api import DisputePageView, DisputeSummary
from schemas.common import Outcome, Resolution
from schemas.dispute import ReasonCode
from schemas.recommendation import PolicyRule, Recommendation, RecommendedAction
from tests.factories import CUSTOMER, INVESTIGATOR, NOW, order

ADVICE = Recommendation(
    action=RecommendedAction.REJECT, rule=PolicyRule.STRONG_PROOF, confidence=0.85, findings=[], auto_resolve=False,
    carrier_liable=False, needs_supervisor=True, priority=2, abuse_flags=["shared_address"], computed_at=NOW,
)


@pytest.fixture
def orders() -> InMemoryOrders:
    return InMemoryOrders([order("ord-1"), order("ord-2")])


async def test_the_queue_page_is_byte_for_byte_what_its_model_writes(service, request_for, clock) -> None:
    first = (await service.open(CUSTOMER, request_for("ord-1"), None)).dispute
    clock.advance(milliseconds=123)  # a time with a fraction of a second
    second = (await service.open(CUSTOMER, request_for("ord-2", resolution=Resolution.RESHIP), None)).dispute
    assigned = await service.assign(INVESTIGATOR, second.id, None)
    first.recommendation = ADVICE  # assessed, flagged and decided: every optional field of the row is set
    first.abuse_flags, first.needs_supervisor, first.priority = ["shared_address"], True, 2
    first.decide(INVESTIGATOR, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "n", None, NOW + timedelta(seconds=1.5))
    disputes = [first, assigned]

    written = page_json(disputes, "next-page")

    model = DisputePageView(items=[DisputeSummary(**summary_fields(d)) for d in disputes], next_cursor="next-page")
    assert written == model.model_dump_json().encode()
    assert page_json([], None) == DisputePageView(items=[], next_cursor=None).model_dump_json().encode()
