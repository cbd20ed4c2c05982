"""A question put to the customer on a case already past its decision deadline (one the deadline rule handed to a
supervisor, who keeps working it): no time is left on the decision clock to stop, so the pause counts from the
question (README "Waiting for the customer": the deadline moves on by the business time the customer may take, and is
never earlier than the real one). The customer is never promised an answer before the day they may answer by."""

from datetime import datetime
from zoneinfo import ZoneInfo

from disputes.actors import SYSTEM
from schemas.common import Outcome, RefundDestination
from schemas.dispute import ReasonCode
from tests.factories import CUSTOMER, INVESTIGATOR, SUPERVISOR

IST = ZoneInfo("Europe/Istanbul")


async def late_case(service, request_for, clock) -> str:
    """Opened Wed 18.11.2026, refunded, reopened: due by the end of Mon 23.11, reached, kept by a supervisor."""
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    await service.decide(INVESTIGATOR, dispute.id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n",
                         RefundDestination.WALLET)
    reopened = await service.reopen(SUPERVISOR, dispute.id, "Kargo firması imzalı belge gönderdi.")
    assert reopened.sla.decision_due == datetime(2026, 11, 24, 0, 0, tzinfo=IST)
    clock.current = reopened.sla.decision_due  # the rule hands a reopened, compensated case to a supervisor
    held = await service.apply_timed(SYSTEM, dispute.id, lambda d, now: d.deadline_reached(SYSTEM, now))
    assert held.is_active
    return dispute.id


async def test_a_question_on_a_case_past_its_deadline_promises_no_answer_before_the_day_to_answer_by(
    service, request_for, clock
) -> None:
    dispute_id = await late_case(service, request_for, clock)
    clock.current = datetime(2026, 11, 25, 10, 0, tzinfo=IST)  # Wed: the supervisor asks the customer

    asked = await service.request_information(SUPERVISOR, dispute_id, "İmza sizin mi?")

    # Answer by the end of Fri 27.11 (2 business days); the pause, Wed 10:00 to then, counts from Wed 10:00 on.
    end_of_friday = datetime(2026, 11, 28, 0, 0, tzinfo=IST)
    assert asked.open_information_request.answer_by == end_of_friday
    assert asked.sla.decision_due == end_of_friday
    told = next(m.payload for m in asked.outbox if m.payload.get("template") == "information_requested")
    assert told["message"] == (
        'Uzmanımız soruyor: "İmza sizin mi?" Lütfen 27.11.2026 tarihine kadar yanıtlayın. Yanıtınızı beklerken karar '
        "süresi durur; en geç 27.11.2026 tarihinde yanıt vereceğiz. 27.11.2026 tarihine kadar yanıt gelmezse "
        "elimizdeki bilgilerle devam ederiz."
    )


async def test_an_answer_on_a_case_past_its_deadline_moves_it_on_by_the_time_taken_from_the_question(
    service, request_for, clock
) -> None:
    dispute_id = await late_case(service, request_for, clock)
    clock.current = datetime(2026, 11, 25, 10, 0, tzinfo=IST)
    await service.request_information(SUPERVISOR, dispute_id, "İmza sizin mi?")
    clock.current = datetime(2026, 11, 26, 12, 0, tzinfo=IST)  # Thu 12:00: 14 h of Wed and 12 h of Thu taken

    answered = await service.add_information(CUSTOMER, dispute_id, "Hayır, imza benim değil.", [])

    assert answered.sla.decision_due == datetime(2026, 11, 26, 12, 0, tzinfo=IST)  # Wed 10:00 + 26 business hours
