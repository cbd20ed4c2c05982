"""`decision_delayed` is told once a review: a case reopened after a refund that also carries flags goes to a supervisor
at its deadline (the customer told "our answer is late"); the supervisor clears the flags past the deadline, which
re-arms the sweeper, but the reopened-after-refund case still needs a supervisor, so the sweeper hands it over again:
the customer is not told a second time that the same answer is late."""

from datetime import timedelta

from disputes.actors import SYSTEM
from disputes.rules import Rules
from disputes.sla import deadlines
from schemas.common import Outcome
from schemas.dispute import EffectKind, ReasonCode
from tests.factories import NOW, SUPERVISOR
from tests.unit.test_next_step_table import case, decided


def test_the_customer_is_told_once_that_an_answer_is_late() -> None:
    d = decided(case("delivered"), Outcome.REFUND, ReasonCode.WEAK_PROOF)
    at = NOW + timedelta(days=2)
    d.reopen(SUPERVISOR, "Kurye kaydı yeniden incelenecek.", at)
    d.restart_sla(deadlines(at, Rules()), timedelta(hours=12))
    d.needs_supervisor = True
    d.abuse_flags = ["claim_soon_after_delivery"]  # what sends a case to a supervisor before its deadline
    due = d.sla.decision_due
    d.deadline_reached(SYSTEM, due)
    d.clear_flags(SUPERVISOR, "Bayraklar yanlış.", due + timedelta(hours=1), timedelta(hours=12))
    assert d.sla_check_due is not None and d.sla_check_due <= due + timedelta(hours=1)  # the sweeper comes at once
    d.deadline_reached(SYSTEM, due + timedelta(hours=1))  # what the sweeper then does
    delayed = [m for m in d.outbox if m.kind is EffectKind.NOTIFICATION and m.payload["template"] == "decision_delayed"]
    assert len(delayed) == 1, [m.payload["message_en"] for m in delayed]
