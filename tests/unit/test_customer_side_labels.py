"""The customer's side (their view, and the notification the marketplace writes to them from) carries no fraud label."""

from typing import Any

from adapters.web.views import agent_view, customer_view
from schemas.common import Outcome
from schemas.dispute import EffectKind, ReasonCode
from tests.unit.test_next_step_table import READ_AT, WINDOW, case, decided


def test_a_rejection_after_reviewing_the_account_s_claims_is_not_labelled_abuse_on_the_customer_s_side() -> None:
    d = decided(case("delivered"), Outcome.REJECTED, ReasonCode.SUSPECTED_ABUSE)
    notification: dict[str, Any] = next(
        m.payload for m in d.outbox if m.kind is EffectKind.NOTIFICATION and m.payload["template"] == "decision_made"
    )
    seen = {
        "customer view": customer_view(d, WINDOW, READ_AT)["decision"]["reason_code"],
        "agent view": agent_view(d, WINDOW, READ_AT)["decision"]["reason_code"],
        "notification": notification["reason"],
    }
    assert seen == {"customer view": None, "agent view": None, "notification": None}
    assert "hesabınızdan yapılan başvuruları" in customer_view(d, WINDOW, READ_AT)["next_step"]["tr"]  # what was weighed
    assert d.decision.reason_code is ReasonCode.SUSPECTED_ABUSE  # staff keep it


def test_other_reasons_reach_the_customer_s_side_as_they_are() -> None:
    d = decided(case("delivered"), Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY)
    assert customer_view(d, WINDOW, READ_AT)["decision"]["reason_code"] is ReasonCode.PROOF_OF_DELIVERY
