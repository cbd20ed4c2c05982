"""A refund or reshipment the relay parked was not issued: after a reopening a new decision pays, under its own key.
Parked because its service refused it for good, it did not happen; parked after running out of attempts, it may
have, so paying again needs a supervisor who checked, saying so in an override_reason."""

import json
from datetime import timedelta

import pytest

from adapters.memory import InMemoryOrders
from adapters.web.console.case import case_context
from adapters.web.views import DisputeViews
from disputes.actors import SYSTEM
from disputes.errors import CompensationAlreadyIssued, Forbidden, OverrideReasonRequired
from disputes.model import Dispute
from disputes.next_step import next_step
from disputes.ports import EffectRejected, EffectUnavailable
from disputes.rules import Rules
from disputes.service import DisputeService, OpenRequest
from schemas.common import Outcome, RefundDestination, Resolution
from schemas.dispute import Claim, EffectKind, MissingItem, ReasonCode, Status
from tests.factories import BOXED, CUSTOMER, INVESTIGATOR, SUPERVISOR, order, shipment
from tests.unit.relay_fakes import Downstream, Relayed

REFUSED = EffectRejected("HTTP 400: account closed")
NO_ANSWER = EffectUnavailable("timed out")
REFUSED_AFTER_NO_ANSWER = EffectRejected("HTTP 409, after an attempt that may have been applied (TimeoutError)",
                                         maybe_applied=True)
BOX = order("ord-box", shipments=[shipment("shp-box", items=BOXED)])




async def relay_until_settled(relay: Relayed, clock) -> None:
    for _ in range(4):
        await relay.run_once()
        clock.advance(minutes=10)


async def parked_refund(service, request_for, relay, downstream, clock, failure: Exception) -> Dispute:
    """Decided refund, which the relay parked: refused for good, or after its two attempts got no answer."""
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    return await parked_refund_of(service, relay, downstream, clock, dispute.id, failure)


async def parked_refund_of(service, relay, downstream, clock, dispute_id: str, failure: Exception) -> Dispute:
    """The case `dispute_id`'s refund, decided and parked as `parked_refund`'s, the case reopened."""
    await service.decide(INVESTIGATOR, dispute_id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)
    downstream.failures = [None, failure, failure]
    await relay_until_settled(relay, clock)
    return await service.reopen(SUPERVISOR, dispute_id, "Ödeme reddedildi; yeniden karar verilecek.")


def compensations(downstream: Downstream) -> list[tuple[str, str]]:
    return [(service, key) for service, key in downstream.calls if service in ("payments", "fulfillment")]


async def refunded_with_the_carrier_liable(service, request_for, repository, clock):
    """A case whose carrier sent no proof in time (it is liable), refunded by an investigator."""
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    silent = await repository.get(dispute.id)
    silent.evidence_deadline_passed(SYSTEM, clock.now())  # the carrier sent no proof in time: it is liable
    await repository.save(silent)
    await service.decide(INVESTIGATOR, dispute.id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)
    return dispute


async def test_after_a_refused_refund_a_reopened_case_is_reshipped_once_under_the_new_decisions_key(
    service, request_for, relay, downstream, clock, repository
):
    dispute = await parked_refund(service, request_for, relay, downstream, clock, REFUSED)

    await service.decide(SUPERVISOR, dispute.id, None, Outcome.RESHIP, ReasonCode.CARRIER_NO_PROOF, "Yeniden.", None)
    await relay_until_settled(relay, clock)

    assert compensations(downstream) == [("payments", f"{dispute.effects_prefix}:d1:refund"), ("fulfillment", f"{dispute.effects_prefix}:d2:reship")]
    assert [key for _, key in downstream.calls].count(f"{dispute.id}:d2:decision_made") == 1
    assert repository.docs[dispute.id].compensation_issued
    await service.reopen(SUPERVISOR, dispute.id, "Bir daha.")
    with pytest.raises(CompensationAlreadyIssued):  # the reshipment stands: nothing is paid a second time
        await service.decide(SUPERVISOR, dispute.id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)


async def test_after_a_refused_refund_the_new_decision_may_refund_to_the_wallet_and_the_customer_hears_of_it_only(
    service, request_for, relay, downstream, clock, repository
):
    dispute = await parked_refund(service, request_for, relay, downstream, clock, REFUSED)

    await service.decide(INVESTIGATOR, dispute.id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "Cüzdana.",
                         RefundDestination.WALLET)
    await relay_until_settled(relay, clock)

    assert compensations(downstream)[1:] == [("payments", f"{dispute.effects_prefix}:d2:refund")]
    english, _ = next_step(repository.docs[dispute.id], timedelta(days=14))
    assert "wallet" in english and "delayed" not in english and "Our team has been told" not in english


async def test_a_refund_still_being_sent_is_issued_so_a_reopened_case_cannot_pay_again(
    service, request_for, relay, downstream, clock
):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    await service.decide(INVESTIGATOR, dispute.id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)
    downstream.failures = [None, NO_ANSWER]
    await relay.run_once()  # one attempt of two: the refund is pending, retried later
    await service.reopen(SUPERVISOR, dispute.id, "Yeniden bak.")

    with pytest.raises(CompensationAlreadyIssued):
        await service.decide(SUPERVISOR, dispute.id, None, Outcome.RESHIP, ReasonCode.CARRIER_NO_PROOF, "n", None)


async def test_a_refund_that_got_no_answer_may_have_been_paid_so_only_a_supervisor_with_a_reason_pays_again(
    service, request_for, relay, downstream, clock
):
    dispute = await parked_refund(service, request_for, relay, downstream, clock, NO_ANSWER)
    key = f"{dispute.effects_prefix}:d1:refund"

    with pytest.raises(Forbidden, match=key):
        await service.decide(INVESTIGATOR, dispute.id, None, Outcome.RESHIP, ReasonCode.CARRIER_NO_PROOF, "n", None)
    with pytest.raises(OverrideReasonRequired, match="check with the service"):
        await service.decide(SUPERVISOR, dispute.id, None, Outcome.RESHIP, ReasonCode.CARRIER_NO_PROOF, "n", None)
    checked = "Ödeme servisi d1 iadesini uygulamadığını doğruladı."
    decided = await service.decide(SUPERVISOR, dispute.id, None, Outcome.RESHIP, ReasonCode.CARRIER_NO_PROOF, "n",
                                   None, override_reason=checked)

    assert decided.decision is not None and (decided.decision.overridden, decided.decision.override_reason) == (True, checked)
    await relay_until_settled(relay, clock)
    assert compensations(downstream)[-1] == ("fulfillment", f"{dispute.effects_prefix}:d2:reship")


@pytest.mark.parametrize("failures", [
    pytest.param([NO_ANSWER, REFUSED], id="refused on the pass after one with no answer"),
    pytest.param([REFUSED_AFTER_NO_ANSWER], id="refused after an attempt with no answer in the same pass"),
])
async def test_a_refund_refused_after_an_attempt_with_no_answer_may_have_been_paid_so_only_a_supervisor_pays_again(
    service, request_for, relay, downstream, clock, failures
):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    await service.decide(INVESTIGATOR, dispute.id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)
    downstream.failures = [None, *failures]
    await relay_until_settled(relay, clock)
    await service.reopen(SUPERVISOR, dispute.id, "İade reddedildi; önceki deneme uygulanmış olabilir.")
    key = f"{dispute.effects_prefix}:d1:refund"

    with pytest.raises(Forbidden, match=key):
        await service.decide(INVESTIGATOR, dispute.id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)
    with pytest.raises(OverrideReasonRequired, match="check with the service"):
        await service.decide(SUPERVISOR, dispute.id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)
    checked = "Ödeme servisi d1 iadesini uygulamadığını doğruladı."
    await service.decide(SUPERVISOR, dispute.id, None, Outcome.RESHIP, ReasonCode.CARRIER_NO_PROOF, "n", None,
                         override_reason=checked)
    await relay_until_settled(relay, clock)

    assert compensations(downstream) == [("payments", key)] * len(failures) + [("fulfillment", f"{dispute.effects_prefix}:d2:reship")]


async def test_a_carrier_liability_refused_after_an_attempt_with_no_answer_is_told_as_maybe_recorded_and_not_sent_again(
    service, request_for, relay, downstream, clock, repository
):
    dispute = await refunded_with_the_carrier_liable(service, request_for, repository, clock)
    downstream.failures = [None, None, NO_ANSWER, REFUSED]  # opening told, refund paid, the liability twice
    await relay_until_settled(relay, clock)

    [parked] = [alert["parked"] for alert in downstream.alerts]
    assert (parked.kind, parked.key, parked.reason) == ("carrier_liability", f"{dispute.effects_prefix}:d1:liability", "refused_on_retry")
    assert parked.to_do == ("Refused on a retry, after an attempt that got no clear answer: it may have happened. "
                            "A supervisor may send it again under its key, which the service dedupes (console, or POST "
                            "/v1/disputes/{id}/effects/resend).")
    await service.reopen(SUPERVISOR, dispute.id, "Yeniden bakılacak.")
    await service.decide(SUPERVISOR, dispute.id, None, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "n", None,
                         override_reason="Kargo teslim belgesi sundu.")
    await relay_until_settled(relay, clock)
    assert [key for called, key in downstream.calls if called == "finance"] == [f"{dispute.effects_prefix}:d1:liability"] * 2


async def test_a_refund_refused_for_good_then_a_rejection_is_not_told_as_delayed(
    service, request_for, relay, downstream, clock, repository
):
    """It will never be sent: the customer hears of the rejection only (they were told the refund was delayed)."""
    dispute = await parked_refund(service, request_for, relay, downstream, clock, REFUSED)

    await service.decide(SUPERVISOR, dispute.id, None, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "Teslim edildi.",
                         None, override_reason="Kargo imzalı teslim belgesi sundu.")

    english, turkish = next_step(repository.docs[dispute.id], timedelta(days=14))
    assert "refund" not in english and "Our team has been told" not in english and "iade" not in turkish


async def test_a_refund_refused_for_good_then_a_rejection_may_be_appealed_as_nothing_was_paid(
    service, request_for, relay, downstream, clock
):
    dispute = await parked_refund(service, request_for, relay, downstream, clock, REFUSED)
    await service.decide(SUPERVISOR, dispute.id, None, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "Teslim edildi.",
                         None, override_reason="Kargo imzalı teslim belgesi sundu.")

    appealed = await service.appeal(CUSTOMER, dispute.id, "İade hiç gelmedi, imza da benim değil.")

    assert appealed.status is Status.APPEALED and not appealed.compensation_issued


async def test_a_refund_that_got_no_answer_does_not_stop_a_rejection(service, request_for, relay, downstream, clock):
    dispute = await parked_refund(service, request_for, relay, downstream, clock, NO_ANSWER)

    rejected = await service.decide(INVESTIGATOR, dispute.id, None, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY,
                                    "Ödeme yapılmış.", None, override_reason="Ödeme servisi iadeyi uyguladı.")

    assert rejected.decision is not None and rejected.decision.outcome is Outcome.REJECTED


async def glasses_refund_refused(repository, clock, relay, downstream) -> tuple[DisputeService, Dispute]:
    """Two glasses and a kettle claimed missing, all refunded: the glasses' refund refused for good, the kettle's paid."""
    boxes = DisputeService(repository, InMemoryOrders([BOX]), clock, Rules())
    lines = (MissingItem(sku="sku-glass", quantity=2), MissingItem(sku="sku-kettle", quantity=1))
    request = OpenRequest("ord-box", None, "Eksik.", Resolution.REFUND, claim=Claim.MISSING_ITEMS, missing_items=lines)
    dispute = (await boxes.open(CUSTOMER, request, None)).dispute
    await boxes.decide(INVESTIGATOR, dispute.id, None, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "Tümü.", None)
    downstream.failures = [None, REFUSED]  # the glasses' refund refused, the kettle's paid
    await relay_until_settled(relay, clock)
    return boxes, dispute


async def test_a_missing_line_whose_refund_was_refused_is_left_to_pay_and_only_it_is_paid_again(
    repository, clock, relay, downstream
):
    boxes, dispute = await glasses_refund_refused(repository, clock, relay, downstream)
    await boxes.reopen(SUPERVISOR, dispute.id, "Bardak iadesi reddedildi.")
    assert repository.docs[dispute.id].uncompensated() == {"sku-glass": 2, "sku-kettle": 0}

    again = await boxes.decide(SUPERVISOR, dispute.id, None, Outcome.RESHIP, ReasonCode.ITEMS_MISSING, "Yeniden.", None)

    assert again.decision is not None
    assert [(line.sku, line.quantity, line.outcome) for line in again.decision.lines] == [("sku-glass", 2, Outcome.RESHIP)]
    assert [m.key for m in again.outbox if m.kind is EffectKind.RESHIP] == [f"{dispute.effects_prefix}:d2:reship:sku-glass"]
    assert again.partial and again.compensation_issued


async def test_a_case_parked_before_parkings_kept_their_reason_counts_its_refund_as_maybe_paid(
    service, request_for, repository
):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    await service.decide(INVESTIGATOR, dispute.id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)
    stored = repository.docs[dispute.id]
    refund = next(m for m in stored.outbox if m.kind is EffectKind.REFUND)
    await repository.failed(dispute.id, refund, "rejected: 400", stored.updated_at, park=True)  # no reason kept
    await service.reopen(SUPERVISOR, dispute.id, "Eski kayıt.")

    with pytest.raises(OverrideReasonRequired):
        await service.decide(SUPERVISOR, dispute.id, None, Outcome.RESHIP, ReasonCode.CARRIER_NO_PROOF, "n", None)


class RefusingFulfillment(Downstream):
    """Fulfillment refuses every reshipment for good; the other services answer."""

    async def reship(self, request, idempotency_key):
        self.calls.append(("fulfillment", idempotency_key))
        raise REFUSED


async def test_a_missing_line_whose_reshipment_was_refused_is_not_listed_as_compensated(repository, clock, due_work):
    relay = Relayed(repository, RefusingFulfillment(), clock, due_work, max_attempts=2, backoff=timedelta(seconds=1))
    boxes = DisputeService(repository, InMemoryOrders([BOX]), clock, Rules())
    lines = (MissingItem(sku="sku-glass", quantity=2), MissingItem(sku="sku-spoon", quantity=1))
    request = OpenRequest("ord-box", None, "Eksik.", Resolution.RESHIP, claim=Claim.MISSING_ITEMS, missing_items=lines)
    dispute = (await boxes.open(CUSTOMER, request, None)).dispute
    decided = await boxes.decide(INVESTIGATOR, dispute.id, None, Outcome.RESHIP, ReasonCode.ITEMS_MISSING, "n", None,
                                 line_outcomes=[("sku-glass", Outcome.RESHIP, 2), ("sku-spoon", Outcome.REFUND, 1)])
    views = DisputeViews()

    def listed(d: Dispute) -> list[tuple[str, int, str, int, int]]:
        return [(line["sku"], line["quantity"], line["outcome"], line["amount_minor"], line["decision"])
                for line in json.loads(views.staff(d))["compensated_lines"]]

    assert listed(decided) == [("sku-glass", 2, "reship", 9_000, 1), ("sku-spoon", 1, "refund", 1_250, 1)]
    await relay_until_settled(relay, clock)
    refused = repository.docs[dispute.id]
    assert refused.version == decided.version  # the relay parked the reshipment with no new version
    assert [m.key for m in refused.effects_parked if m.kind is EffectKind.RESHIP] == [f"{dispute.effects_prefix}:d1:reship:sku-glass"]
    assert listed(refused) == [("sku-spoon", 1, "refund", 1_250, 1)]
    assert [(line.sku, line.decision) for line in case_context(refused)["compensated"]] == [("sku-spoon", 1)]

    await boxes.reopen(SUPERVISOR, dispute.id, "Yeniden gönderim reddedildi.")
    paid = await boxes.decide(SUPERVISOR, dispute.id, None, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "İade.", None)

    assert listed(paid) == [("sku-spoon", 1, "refund", 1_250, 1), ("sku-glass", 2, "refund", 9_000, 2)]


async def test_a_carrier_held_liable_before_a_refused_refund_is_held_liable_once_after_the_reship(
    service, request_for, relay, downstream, clock, repository
):
    dispute = await refunded_with_the_carrier_liable(service, request_for, repository, clock)
    downstream.failures = [None, REFUSED]  # the opening's notification goes out, payments refuse the refund
    await relay_until_settled(relay, clock)
    await service.reopen(SUPERVISOR, dispute.id, "Ödeme reddedildi; yeniden karar verilecek.")

    await service.decide(SUPERVISOR, dispute.id, None, Outcome.RESHIP, ReasonCode.CARRIER_NO_PROOF, "Yeniden.", None)
    await relay_until_settled(relay, clock)

    stored = repository.docs[dispute.id]
    liabilities = [e.key for e in (*stored.outbox, *stored.effects_delivered, *stored.effects_parked)
                   if e.kind is EffectKind.CARRIER_LIABILITY]
    assert len(liabilities) == 1
    assert [called for called, _ in downstream.calls].count("finance") == 1


def reopening_receipt(dispute: Dispute) -> tuple[str, str]:
    receipt = next(m.payload for m in dispute.outbox
                   if m.kind is EffectKind.NOTIFICATION and m.payload["template"] == "dispute_reopened")
    return receipt["message_en"], receipt["message"]


@pytest.mark.parametrize("failure", [
    pytest.param(REFUSED, id="refused for good: not issued"),
    pytest.param(NO_ANSWER, id="no answer: maybe issued, maybe not"),
])
async def test_reopening_after_a_parked_refund_takes_up_the_delayed_refund_and_does_not_say_it_stands(
    service, request_for, relay, downstream, clock, repository, failure
):
    """The refund's own decision_made was parked with it, and the customer was told instead that the refund is delayed
    and our team will contact them; none was paid (or none is known to be). docs/downstream.md: a parked refund was not
    issued. The reopening takes that up, rather than tell them their claim is reviewed again."""
    dispute = await parked_refund(service, request_for, relay, downstream, clock, failure)

    english, turkish = reopening_receipt(repository.docs[dispute.id])
    assert english.startswith("Our team is looking into your delayed refund. You will have our answer")
    assert turkish.startswith("Ekibimiz geciken iadenizle ilgileniyor. En geç")
    assert "stands" not in english and "again" not in english
    assert next_step(repository.docs[dispute.id], timedelta(days=14))[0] == english


async def test_reopening_after_one_missing_line_s_refund_was_refused_tells_only_the_refund_paid_as_standing(
    repository, clock, relay, downstream
):
    """The kettle's refund (1,299.00 TRY) was paid, the two glasses' (2 × 45.00 TRY) refused for good."""
    boxes, dispute = await glasses_refund_refused(repository, clock, relay, downstream)

    await boxes.reopen(SUPERVISOR, dispute.id, "Bardak iadesi reddedildi.")

    english, turkish = reopening_receipt(repository.docs[dispute.id])
    assert english.startswith("Our team is looking into your delayed refund. "
                              "Decided before and standing: the refund of 1,299.00 TRY.")
    assert turkish.startswith("Ekibimiz geciken iadenizle ilgileniyor. "
                              "Daha önce kararlaştırılan ve geçerli olan: 1.299,00 TL tutarındaki iade.")


async def test_at_its_deadline_a_reopened_case_whose_refund_was_refused_for_good_is_resolved_for_the_customer(
    service, request_for, relay, downstream, clock, repository
):
    """Nothing was paid, so it was not compensated before its reopening (README, decision policy): the deadline rule
    refunds it in full, under the new decision's key, rather than handing it to a supervisor."""
    dispute = await parked_refund(service, request_for, relay, downstream, clock, REFUSED)
    stored = await repository.get(dispute.id)

    stored.deadline_reached(SYSTEM, stored.sla.decision_due)

    assert stored.decision is not None and stored.decision.sequence == 2
    assert (stored.decision.outcome, stored.decision.reason_code) == (Outcome.REFUND, ReasonCode.DEADLINE_REACHED)
    assert not stored.needs_supervisor
    assert [m.key for m in stored.outbox if m.kind is EffectKind.REFUND] == [f"{dispute.effects_prefix}:d2:refund"]


async def test_at_its_deadline_a_reopened_case_whose_refund_may_have_been_paid_goes_to_a_supervisor(
    service, request_for, relay, downstream, clock, repository
):
    dispute = await parked_refund(service, request_for, relay, downstream, clock, NO_ANSWER)
    stored = await repository.get(dispute.id)

    stored.deadline_reached(SYSTEM, stored.sla.decision_due)

    assert stored.decision is not None and stored.decision.sequence == 1
    assert stored.needs_supervisor and stored.timeline[-1].action == "sla_deadline_reached"


async def test_a_case_opened_before_refunds_were_keyed_by_package_keeps_its_keys_and_their_checks(
    service, request_for, relay, downstream, clock, repository
):
    """A case an earlier release opened, and decided, has no `effects_key`: its refund went out under a key of its id,
    and a later decision's key starts with its id too, so the refund that may have been paid is still found."""
    opened = (await service.open(CUSTOMER, request_for(), None)).dispute
    repository.docs[opened.id] = repository.docs[opened.id].model_copy(update={"effects_key": None})
    dispute = await parked_refund_of(service, relay, downstream, clock, opened.id, NO_ANSWER)

    with pytest.raises(Forbidden, match=f"{dispute.id}:d1:refund"):
        await service.decide(INVESTIGATOR, dispute.id, None, Outcome.RESHIP, ReasonCode.CARRIER_NO_PROOF, "n", None)
    await service.decide(SUPERVISOR, dispute.id, None, Outcome.RESHIP, ReasonCode.CARRIER_NO_PROOF, "n", None,
                         override_reason="Ödeme servisi d1 iadesini uygulamadığını doğruladı.")
    await relay_until_settled(relay, clock)

    assert compensations(downstream) == [("payments", f"{dispute.id}:d1:refund")] * 2 + [
        ("fulfillment", f"{dispute.id}:d2:reship")
    ]
