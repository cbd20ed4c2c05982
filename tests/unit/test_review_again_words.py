"""What the customer hears when a decided case is looked at again, and when its promised date passes."""

from datetime import timedelta
from typing import Any

from disputes.actors import SYSTEM
from disputes.model import Dispute
from disputes.rules import Rules
from disputes.sla import deadlines
from schemas.common import Outcome
from schemas.dispute import EffectKind, ReasonCode
from tests.factories import NOW, SUPERVISOR
from tests.unit.test_next_step_table import DUE, case, decided


def notifications(d: Dispute) -> list[dict[str, Any]]:
    return [m.payload for m in d.outbox if m.kind is EffectKind.NOTIFICATION]


def test_the_reopening_receipt_of_a_refunded_case_says_the_refund_stands() -> None:
    """Refunded on 18.11.2026 ("we are refunding 1.299,00 TL"); a supervisor reopens it two days later. Whatever the
    review finds, the refund stands (a later rejection says "nothing changes": next_step._ALREADY_PAID). The receipt
    must not read as if the claim were open again from the start."""
    d = decided(case("delivered"), Outcome.REFUND, ReasonCode.WEAK_PROOF)
    at = NOW + timedelta(days=2)
    d.reopen(SUPERVISOR, "Kurye kaydı yeniden incelenecek.", at)
    d.restart_sla(deadlines(at, Rules()), timedelta(hours=12))
    receipt = next(p for p in notifications(d) if p["template"] == "dispute_reopened")
    en, tr = receipt["message_en"], receipt["message"]
    assert en.startswith("An investigator is reviewing your claim again. The refund decided before stands.")
    assert tr.startswith("Bir uzmanımız başvurunuzu yeniden inceliyor. Daha önce kararlaştırılan iade geçerlidir.")
    assert "neighbours" not in en and "komşu" not in tr  # no new search for a parcel already paid for


def test_a_promised_date_passing_without_a_decision_is_told_to_the_customer() -> None:
    """The receipt said "En geç 23.11.2026 tarihinde yanıt vereceğiz". The case is flagged, so at the deadline it
    goes to a supervisor instead of being resolved: the customer is told that the answer is late, once."""
    d = case("delivered")
    d.needs_supervisor = True
    d.deadline_reached(SYSTEM, DUE)
    [told] = [p for p in notifications(d) if p["template"] == "decision_delayed"]
    assert told["message"].endswith(
        "Yanıtımızı en geç 23.11.2026 tarihinde vermemiz gerekiyordu ve gecikti; en kısa sürede vereceğiz.")
    assert told["message_en"].endswith("Our answer was due by 23.11.2026 and is late; we will give it as soon as we can.")


def test_a_case_handed_to_a_supervisor_at_its_deadline_is_handed_over_once_however_often_the_sweeper_comes() -> None:
    """A test clock's advance runs the sweeper on its cases while a worker may run it too: the second visit at the
    same deadline recorded a second hand-over and alerted the supervisors again. A later deadline is handed over anew."""
    d = case("delivered")
    d.needs_supervisor = True
    d.deadline_reached(SYSTEM, DUE)
    d.deadline_reached(SYSTEM, DUE + timedelta(seconds=1))

    handed = [e for e in d.timeline if e.action == "sla_deadline_reached"]
    alerts = [m.payload["reason"] for m in d.outbox if m.kind is EffectKind.STAFF_ALERT]
    assert len(handed) == 1 and d.sla_check_due is None
    assert alerts.count("deadline_reached_needs_supervisor") == 1
    d.sla = d.sla.model_copy(update={"decision_due": DUE + timedelta(days=1)})
    d.deadline_reached(SYSTEM, DUE + timedelta(days=1))
    assert len([e for e in d.timeline if e.action == "sla_deadline_reached"]) == 2
