"""A decision whose refund or reshipment the relay parks is still told: the write that parks it queues, in place of
the decision's message held with it, one saying what the customer's view of the case says then."""


import pytest

from adapters.memory import InMemoryOrders
from disputes.model import APPEAL_WINDOW
from disputes.next_step import next_step
from disputes.ports import EffectRejected, EffectUnavailable
from disputes.rules import Rules
from disputes.service import DisputeService
from schemas.common import Outcome, RefundDestination
from schemas.dispute import EffectKind, ParkReason, ReasonCode
from tests.factories import CUSTOMER, INVESTIGATOR, SUPERVISOR
from tests.unit.test_missing_items import BOX, ISTANBUL, Records, claim
from tests.unit.relay_fakes import Downstream, Relayed




@pytest.fixture
async def refunded(service, request_for):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    await service.decide(INVESTIGATOR, dispute.id, {1}, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)
    return dispute


def told(downstream: Downstream, dispute_id: str) -> list[tuple[str, str, str]]:
    """(key, English, Turkish) of each decision's message notifications took for the case."""
    return [(key, m["message_en"], m["message"]) for key, m in downstream.told
            if m["dispute_id"] == dispute_id and m["template"] == "decision_made"]


async def drain(relay: Relayed, clock) -> None:
    for _ in range(4):
        await relay.run_once()
        clock.advance(minutes=10)


@pytest.fixture
def boxes(repository, clock):
    return DisputeService(repository, InMemoryOrders([BOX]), clock, Rules(), packing_records=Records())


NOT_CONNECTED = EffectUnavailable("payments unavailable: ClientConnectorError", reached=False)


@pytest.mark.parametrize(("failures", "reason"), [
    ([EffectRejected("HTTP 400: account closed")], ParkReason.REFUSED),
    ([EffectUnavailable("timed out"), EffectRejected("HTTP 409")], ParkReason.REFUSED_ON_RETRY),
    ([EffectUnavailable("timed out")] * 2, ParkReason.OUT_OF_ATTEMPTS),
    ([NOT_CONNECTED] * 2, ParkReason.NEVER_REACHED),
])
async def test_a_parked_refund_of_the_package_is_told_as_delayed_once(
    relay, refunded, downstream, repository, clock, failures, reason
):
    downstream.failures = [None, *failures]

    await drain(relay, clock)

    stored = repository.docs[refunded.id]
    refund = next(m for m in stored.effects_parked if m.kind is EffectKind.REFUND)
    assert refund.parked is reason
    [(key, en, tr)] = told(downstream, refunded.id)
    assert key == f"{refunded.id}:d1:decision_made:held"
    assert (en, tr) == next_step(stored, APPEAL_WINDOW, refund.parked_at)  # what the customer's view says
    assert "your refund of" in en and en.endswith("is delayed. Our team has been told and will contact you.")
    assert "gecikiyor" in tr and tr.endswith("Ekibimiz durumdan haberdar edildi ve sizinle iletişime geçecek.")
    assert f"{refunded.id}:d1:decision_made" not in [k for _, k in downstream.calls]  # the held one never goes


async def test_a_partial_decision_whose_refund_ran_out_of_attempts_tells_the_rejected_lines_and_the_appeal_deadline(
    relay, boxes, downstream, repository, clock
):
    dispute = (await boxes.open(CUSTOMER, claim(("sku-glass", 2), ("sku-spoon", 3)), None)).dispute
    decided = await boxes.decide(INVESTIGATOR, dispute.id, None, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "Bir kaşık.",
                                 RefundDestination.WALLET, line_outcomes=[("sku-spoon", Outcome.REFUND, 1)])
    downstream.failures = [None, EffectUnavailable("503"), EffectUnavailable("503")]

    await drain(relay, clock)

    refund = next(m for m in repository.docs[dispute.id].effects_parked if m.kind is EffectKind.REFUND)
    assert refund.parked is ParkReason.OUT_OF_ATTEMPTS
    [(key, en, tr)] = told(downstream, dispute.id)
    until = (decided.decision.decided_at + APPEAL_WINDOW).astimezone(ISTANBUL).strftime("%d.%m.%Y %H:%M")
    assert key == f"{dispute.id}:d1:decision_made:held"
    assert "is delayed. Our team has been told and will contact you." in en
    assert "We could not confirm these were missing: Çay bardağı ×2, Çay kaşığı ×2." in en
    assert f"You may appeal the rejected items once, with new information, until {until}." in en
    assert "Şunların eksik olduğunu doğrulayamadık: Çay bardağı ×2, Çay kaşığı ×2." in tr and until in tr


async def test_a_message_waiting_for_two_refunds_refused_in_turn_is_told_once_with_both_delayed(
    relay, boxes, downstream, repository, clock
):
    dispute = (await boxes.open(CUSTOMER, claim(("sku-glass", 2), ("sku-spoon", 3)), None)).dispute
    await boxes.decide(INVESTIGATOR, dispute.id, None, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "Eksik.",
                       RefundDestination.WALLET)
    downstream.failures = [None, EffectRejected("HTTP 400"), EffectRejected("HTTP 400")]

    await drain(relay, clock)

    [(key, en, _)] = told(downstream, dispute.id)
    assert key == f"{dispute.id}:d1:decision_made:held"
    assert "is being sent" not in en and "is delayed" in en  # neither refund told as on its way
    assert en == next_step(repository.docs[dispute.id], APPEAL_WINDOW, clock.now())[0]


async def test_a_decisions_message_refused_itself_is_not_told_instead(relay, refunded, downstream, repository, clock):
    downstream.failures = [None, None, EffectRejected("HTTP 400")]  # notifications refuses the decision's message

    await drain(relay, clock)

    assert told(downstream, refunded.id) == []
    assert [m.kind for m in repository.docs[refunded.id].effects_parked] == [EffectKind.NOTIFICATION]
    assert [service for service, _ in downstream.calls].count("staff_alerts") == 1


async def test_after_the_case_is_reopened_the_next_decision_is_told_as_usual(
    relay, service, refunded, downstream, repository, clock
):
    downstream.failures = [None, EffectRejected("HTTP 400")]
    await drain(relay, clock)
    await service.reopen(SUPERVISOR, refunded.id, "Ödeme reddedildi.", {repository.docs[refunded.id].version})
    await service.decide(SUPERVISOR, refunded.id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n",
                         RefundDestination.WALLET)

    await drain(relay, clock)

    keys = [key for key, _, _ in told(downstream, refunded.id)]
    assert keys == [f"{refunded.id}:d1:decision_made:held", f"{refunded.id}:d2:decision_made"]
    assert told(downstream, refunded.id)[-1][1].endswith("your refund of 1,299.00 TRY to your wallet is being sent.")


async def test_a_decision_taken_while_the_earlier_refund_is_being_refused_is_told_in_place_of_its_held_message(
    service, refunded, downstream, relay, repository, clock
):
    """A supervisor reopens the case and rejects it while payments is refusing the first decision's refund: the pass
    that parks the refund read the case before the second decision was saved (it tells the first as it stood), and the
    next pass holds the second decision's message with the refund and tells it instead."""

    async def refused_meanwhile(request, idempotency_key):
        downstream.calls.append(("payments", idempotency_key))
        await service.reopen(SUPERVISOR, refunded.id, "Kargo firması imzalı teslim belgesi gönderdi.")
        await service.decide(SUPERVISOR, refunded.id, None, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "n", None)
        raise EffectRejected("HTTP 400: account closed")

    downstream.refund = refused_meanwhile

    await drain(relay, clock)

    stored = repository.docs[refunded.id]
    second = next(m for m in stored.effects_parked if m.key == f"{refunded.id}:d2:decision_made")
    assert second.parked is ParkReason.HELD
    assert [key for key, _, _ in told(downstream, refunded.id)] == [  # each decision once, as it stood when parked
        f"{refunded.id}:d1:decision_made:held", f"{refunded.id}:d2:decision_made:held"
    ]
    assert told(downstream, refunded.id)[-1][1] == next_step(stored, APPEAL_WINDOW, second.parked_at)[0]
    assert stored.outbox == []
