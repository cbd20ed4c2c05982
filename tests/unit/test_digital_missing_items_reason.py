"""A missing-items claim on a digital order (one naming its lines as missing) takes `items_missing` as its refund's
reason, as the decision's documented contract says (schemas/api.py `DecisionRequest.reason_code`): "of a
missing-items claim, also items_missing"."""

from schemas.common import Outcome
from schemas.digital import DigitalState
from schemas.dispute import ReasonCode
from tests.factories import INVESTIGATOR, NOW
from tests.unit.test_digital_lines import case


def test_a_missing_items_claim_on_a_digital_order_takes_items_missing() -> None:
    d = case(DigitalState.SENT, DigitalState.SENT, partial=True)
    assert d.partial and d.order.is_digital and d.decision is None

    d.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "İki kod da eksik.", None, NOW,
             line_outcomes=[("GAME", Outcome.REFUND, 1), ("GC", Outcome.REFUND, 1)])

    assert d.decision is not None and d.decision.reason_code is ReasonCode.ITEMS_MISSING
