"""A decision's message that tells of an earlier decision's refund as made or standing goes out only once that refund
was delivered, as it waits for its own: if payments refuse the earlier refund for good, the message is held back with
it (never sent) and the staff alert names every message held, so the customer is never told of money never sent; the
latest decision is told instead with that refund delayed (`OutboxMessage.waits_for`, `docs/downstream.md`)."""

from datetime import timedelta

import pytest

from adapters.memory import InMemoryOrders
from disputes.model import APPEAL_WINDOW
from disputes.next_step import next_step
from disputes.ports import EffectRejected
from disputes.rules import Rules
from disputes.service import DisputeService
from schemas.common import Outcome, RefundDestination
from schemas.dispute import EffectKind, ParkReason, ReasonCode
from tests.factories import CUSTOMER, INVESTIGATOR, SUPERVISOR, effects_key
from tests.unit.test_missing_items import BOX, NEW_EXPLANATION, Records, partly_refunded
from tests.unit.test_parked_compensation import relay_until_settled
from tests.unit.relay_fakes import Downstream, Relayed

SHIPMENT_KEY = effects_key("ord-1", "shp-1")


class Payments(Downstream):
    """Payments refuse every refund for good while `refusing`; the customer's notifications are kept with their
    Turkish words, in the order they went out."""

    def __init__(self) -> None:
        super().__init__()
        self.refusing = True
        self.told: list[tuple[str, str]] = []

    async def refund(self, request, idempotency_key):
        self.calls.append(("payments", idempotency_key))
        if self.refusing:
            raise EffectRejected("HTTP 400: account closed")

    async def notify(self, request, idempotency_key):
        self.calls.append(("notifications", idempotency_key))
        self.told.append((request.template, request.message))


@pytest.fixture
def downstream() -> Payments:
    return Payments()


@pytest.fixture
def relay(repository, downstream, clock, due_work) -> Relayed:
    return Relayed(repository, downstream, clock, due_work, max_attempts=2, backoff=timedelta(seconds=1))


async def rejected_after_a_refund(service, request_for) -> str:
    """Refunded (the refund not yet sent), then reopened by a supervisor and rejected."""
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    await service.decide(INVESTIGATOR, dispute.id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n",
                         RefundDestination.WALLET)
    await service.reopen(SUPERVISOR, dispute.id, "Kargo firması imzalı teslim belgesi gönderdi.")
    await service.decide(SUPERVISOR, dispute.id, None, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "n", None)
    return dispute.id


async def test_a_rejection_after_a_reopening_is_held_back_with_the_earlier_refund_payments_refuse_and_told_instead(
    service, request_for, repository, downstream, relay, clock
) -> None:
    dispute_id = await rejected_after_a_refund(service, request_for)

    await relay_until_settled(relay, clock)

    assert ("payments", f"{SHIPMENT_KEY}:d1:refund") in downstream.calls  # tried, refused for good: no money sent
    [told] = [words for template, words in downstream.told if template == "decision_made"]
    # refused for good, the refund never happened and the rejection replaced it: told as the case's view tells it
    assert told == next_step(repository.docs[dispute_id], APPEAL_WINDOW, clock.now())[1] and "iade" not in told, told
    assert ("notifications", f"{dispute_id}:d2:decision_made:held") in downstream.calls
    stored = repository.docs[dispute_id]
    refund, *held = stored.effects_parked
    assert (refund.key, refund.parked) == (f"{SHIPMENT_KEY}:d1:refund", ParkReason.REFUSED)
    assert [(m.key, m.parked, m.last_error) for m in held] == [
        (f"{dispute_id}:{n}:decision_made", ParkReason.HELD, f"held: waits for refund {refund.id}, which was parked")
        for n in ("d1", "d2")
    ]
    [alert] = [alert["parked"] for alert in downstream.alerts]
    assert (alert.key, alert.reason, alert.held) == (f"{SHIPMENT_KEY}:d1:refund", "refused", ["notification"] * 2)


async def test_a_rejection_after_a_reopening_tells_the_earlier_refund_stands_once_it_was_sent(
    service, request_for, downstream, relay, clock
) -> None:
    downstream.refusing = False
    dispute_id = await rejected_after_a_refund(service, request_for)

    await relay_until_settled(relay, clock)

    sent = [key for _, key in downstream.calls]
    assert sent.index(f"{SHIPMENT_KEY}:d1:refund") < sent.index(f"{dispute_id}:d2:decision_made")
    [*_, (template, told)] = downstream.told
    assert template == "decision_made"
    assert told.endswith("Daha önce kararlaştırılan iade geçerlidir."), told


async def test_an_appeal_s_rejection_is_held_back_with_the_earlier_line_refund_payments_refuse_and_told_instead(
    repository, downstream, relay, clock
) -> None:
    boxes = DisputeService(repository, InMemoryOrders([BOX]), clock, Rules(), packing_records=Records())
    decided = await partly_refunded(boxes)  # one glass refunded (not yet sent), a glass and the kettle rejected
    await boxes.appeal(CUSTOMER, decided.id, NEW_EXPLANATION)
    rejected = await boxes.decide(INVESTIGATOR, decided.id, None, Outcome.REJECTED, ReasonCode.CONTENTS_CONFIRMED,
                                  "n", None)
    [refund] = [m for m in rejected.outbox if m.kind is EffectKind.REFUND]
    [message] = [m for m in rejected.outbox if m.key == f"{decided.id}:d2:decision_made"]
    assert "geçerli olan: 45,00 TL tutarındaki iade" in message.payload["message"]  # tells of the glass's refund
    assert message.waits_for == [refund.id]

    await relay_until_settled(relay, clock)

    assert any(service == "payments" for service, _ in downstream.calls)  # tried, refused for good: nothing sent
    [told] = [words for template, words in downstream.told if template == "decision_made"]
    assert told.endswith("Daha önce kararlaştırılan ve geciken: 45,00 TL tutarındaki iade. Ekibimiz durumdan haberdar "
                         "edildi ve sizinle iletişime geçecek."), told
    held = {m.key: m.parked for m in repository.docs[decided.id].effects_parked}
    assert held[f"{decided.id}:d2:decision_made"] is ParkReason.HELD
