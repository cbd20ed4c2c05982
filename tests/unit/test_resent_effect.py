"""A message the relay parked for itself (the decision's notification, a staff alert, a risk signal, an account
restriction, the carrier's liability) is sent again by a supervisor once its service is put right: back in the outbox
under its key, with a timeline entry, once however often asked. A refund or reshipment is not: a reopening and a new
decision issue it again. While the decision's message is parked, the customer's side's view says so."""


import pytest

from adapters.web.views import agent_view
from disputes.errors import EffectNotResendable, Forbidden, UnknownParkedEffect
from disputes.model import APPEAL_WINDOW
from disputes.ports import EffectRejected, EffectUnavailable
from schemas.common import Outcome
from schemas.dispute import EffectKind, ParkReason, ReasonCode
from tests.factories import CUSTOMER, INVESTIGATOR, SUPERVISOR
from tests.unit.test_parked_compensation import relay_until_settled
from tests.unit.relay_fakes import Downstream

REFUSED = EffectRejected("HTTP 400: template missing")
REASON = "Bildirim şablonu düzeltildi; karar mesajı yeniden gönderiliyor."




async def rejected_and_not_told(service, request_for, relay, downstream, clock, *failures: Exception | None) -> str:
    """A rejected case whose decision's message the notifications service refused; its id (the opening told)."""
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    await service.decide(INVESTIGATOR, dispute.id, None, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "n",
                         "Kargo teslimi telefonla doğruladı.")
    downstream.failures = [None, *(failures or (REFUSED,))]
    await relay_until_settled(relay, clock)
    return dispute.id


def told(downstream: Downstream) -> list[str]:
    return [key for service, key in downstream.calls if service == "notifications"]


async def test_the_decisions_message_sent_again_goes_out_once_under_its_key(
    service, request_for, relay, downstream, clock
):
    dispute_id = await rejected_and_not_told(service, request_for, relay, downstream, clock)
    key = f"{dispute_id}:d1:decision_made"
    assert told(downstream) == [f"{dispute_id}:1:dispute_opened", key]

    resent = await service.resend_effect(SUPERVISOR, dispute_id, key, REASON)
    again = await service.resend_effect(SUPERVISOR, dispute_id, key, REASON)  # a retry: nothing more
    await relay_until_settled(relay, clock)
    await service.resend_effect(SUPERVISOR, dispute_id, key, REASON)  # delivered since: still nothing

    assert told(downstream) == [f"{dispute_id}:1:dispute_opened", key, key]
    entry = resent.timeline[-1]
    assert (entry.action, entry.actor, entry.details["key"], entry.details["reason"], entry.details["parked"]) == (
        "effect_resent", SUPERVISOR.id, key, REASON, "refused"
    )
    assert again.version == resent.version
    stored = await service.get(SUPERVISOR, dispute_id)
    assert stored.version == resent.version and stored.effects_parked == []
    assert [e.action for e in stored.timeline].count("effect_resent") == 1


async def test_a_refund_is_not_sent_again_by_itself(service, request_for, relay, downstream, clock):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    await service.decide(INVESTIGATOR, dispute.id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)
    downstream.failures = [None, REFUSED]
    await relay_until_settled(relay, clock)
    [refund] = [m for m in (await service.get(SUPERVISOR, dispute.id)).effects_parked if m.kind is EffectKind.REFUND]

    with pytest.raises(EffectNotResendable, match="reopen the case and decide again"):
        await service.resend_effect(SUPERVISOR, dispute.id, refund.id, REASON)
    [held] = [m for m in (await service.get(SUPERVISOR, dispute.id)).effects_parked if m.kind is EffectKind.NOTIFICATION]
    with pytest.raises(EffectNotResendable) as refused:
        await service.resend_effect(SUPERVISOR, dispute.id, held.key, REASON)
    assert str(refused.value) == (f"It was never sent: it waits for refund {refund.id}, which was parked. Act on that "
                                  "one (a message sent again takes those held with it along).")


async def test_only_a_supervisor_sends_again_and_only_what_is_parked(service, request_for, relay, downstream, clock):
    dispute_id = await rejected_and_not_told(service, request_for, relay, downstream, clock)

    with pytest.raises(Forbidden):
        await service.resend_effect(INVESTIGATOR, dispute_id, f"{dispute_id}:d1:decision_made", REASON)
    with pytest.raises(UnknownParkedEffect):
        await service.resend_effect(SUPERVISOR, dispute_id, f"{dispute_id}:1:dispute_opened", REASON)  # delivered
    assert (await service.get(SUPERVISOR, dispute_id)).timeline[-1].action == "decided"


async def test_the_customer_side_says_the_decision_was_not_delivered_until_it_is_sent_again(
    service, request_for, relay, downstream, clock
):
    dispute_id = await rejected_and_not_told(service, request_for, relay, downstream, clock)
    assert agent_view(await service.get(SUPERVISOR, dispute_id), APPEAL_WINDOW)["decision"]["message_undelivered"]

    resent = await service.resend_effect(SUPERVISOR, dispute_id, f"{dispute_id}:d1:decision_made", REASON)

    assert not agent_view(resent, APPEAL_WINDOW)["decision"]["message_undelivered"]


async def test_the_timeline_says_staff_were_alerted_only_once_the_alert_was_sent(
    service, request_for, relay, downstream, clock
):
    no_answer = EffectUnavailable("timed out")
    dispute_id = await rejected_and_not_told(service, request_for, relay, downstream, clock, *[no_answer] * 4)

    parked = [e.details for e in (await service.get(SUPERVISOR, dispute_id)).full_timeline if e.action == "effect_parked"]

    assert [(d["effect"], d["staff_alerted"], d.get("staff_alert")) for d in parked] == [
        ("notification", False, "parked"), ("staff_alert", False, None)
    ]


async def test_a_message_parked_again_after_it_was_sent_again_alerts_staff_under_a_key_of_its_own(
    service, request_for, relay, downstream, clock
):
    dispute_id = await rejected_and_not_told(service, request_for, relay, downstream, clock)
    await service.resend_effect(SUPERVISOR, dispute_id, f"{dispute_id}:d1:decision_made", REASON)
    downstream.failures = [REFUSED]
    await relay_until_settled(relay, clock)

    alerts = [key for service_, key in downstream.calls if service_ == "staff_alerts"]
    assert len(alerts) == 2 and len(set(alerts)) == 2 and alerts[1] == f"{alerts[0]}:1"
    parked = [e.details for e in (await service.get(SUPERVISOR, dispute_id)).full_timeline if e.action == "effect_parked"]
    assert [(d["effect"], d["staff_alerted"]) for d in parked] == [("notification", True)]


async def test_a_message_refused_for_good_sent_again_and_refused_again_is_parked_as_refused_again(
    service, request_for, relay, downstream, clock
):
    dispute_id = await rejected_and_not_told(service, request_for, relay, downstream, clock)
    key = f"{dispute_id}:d1:decision_made"

    await service.resend_effect(SUPERVISOR, dispute_id, key, REASON)
    downstream.failures = [REFUSED]
    await relay_until_settled(relay, clock)

    stored = await service.get(SUPERVISOR, dispute_id)
    [again] = [m for m in stored.effects_parked if m.key == key]
    assert (again.parked, again.attempts) == (ParkReason.REFUSED, 1)
    [resent] = [e for e in stored.timeline if e.action == "effect_resent"]
    assert resent.details["tried_at"] < again.tried_at  # the first attempt's time kept on the timeline


async def test_a_message_that_may_have_been_applied_sent_again_and_refused_is_parked_as_maybe_applied(
    service, request_for, relay, downstream, clock
):
    no_answer = EffectUnavailable("timed out")
    dispute_id = await rejected_and_not_told(service, request_for, relay, downstream, clock, no_answer, no_answer)
    key = f"{dispute_id}:d1:decision_made"

    await service.resend_effect(SUPERVISOR, dispute_id, key, REASON)
    downstream.failures = [REFUSED]
    await relay_until_settled(relay, clock)

    [again] = [m for m in (await service.get(SUPERVISOR, dispute_id)).effects_parked if m.key == key]
    assert again.parked is ParkReason.REFUSED_ON_RETRY
