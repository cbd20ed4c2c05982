"""A parked message the case has moved past is neither sent again nor offered to be: a decision's once the case is no
longer resolved by that decision, an undone appeal's receipt, a question once it is closed. Sent, it would tell the
customer, last, of what no longer stands."""



from adapters.web.console.case import offered
from disputes.errors import EffectMovedPast
from disputes.rules import Rules
from schemas.common import Outcome
from schemas.dispute import ReasonCode
from tests.factories import AGENT, CUSTOMER, INVESTIGATOR, SUPERVISOR
from tests.unit.test_customer_evidence import DOOR
from tests.unit import kept_images
from tests.unit.test_misdirected_submission import WRONG, rejected  # noqa: F401
from tests.unit.test_parked_compensation import relay_until_settled
from tests.unit.test_resent_effect import REASON, REFUSED, rejected_and_not_told, told

store, cleaner, service = kept_images.store, kept_images.cleaner, kept_images.service  # the fixtures


async def refused_to_send(service, dispute_id: str, key: str, clock) -> str | None:
    """The refusal's words when a supervisor asks to send `key` again (None: sent), and that the console offered no
    Send again for it."""
    case = await service.get(SUPERVISOR, dispute_id)
    shown = f"effects/resend:{key}" in offered(case, SUPERVISOR, Rules(), clock.now())
    try:
        await service.resend_effect(SUPERVISOR, dispute_id, key, REASON)
    except EffectMovedPast as refused:
        assert not shown
        return str(refused)
    assert shown
    return None


async def test_a_decision_s_message_is_not_sent_again_once_the_case_was_reopened_nor_once_decided_again(
    service, request_for, relay, downstream, clock
):
    dispute_id = await rejected_and_not_told(service, request_for, relay, downstream, clock)
    first = f"{dispute_id}:d1:decision_made"
    await service.reopen(SUPERVISOR, dispute_id, "Yeni kanıt geldi.")

    under_review = await refused_to_send(service, dispute_id, first, clock)
    await service.decide(SUPERVISOR, dispute_id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)
    await relay_until_settled(relay, clock)
    decided_again = await refused_to_send(service, dispute_id, first, clock)
    await relay_until_settled(relay, clock)

    moved_past = ("The case has moved past it: the decision it tells of is no longer the case's (decided again, "
                  "appealed, reopened or withdrawn since).")
    assert under_review == decided_again == moved_past
    assert told(downstream)[-1] == f"{dispute_id}:d2:decision_made"
    assert [m.key for m in (await service.get(SUPERVISOR, dispute_id)).effects_parked] == [first]  # still on record


async def test_an_undone_appeal_s_parked_receipt_is_not_sent_again(
    service, rejected, repository, relay, downstream, clock  # noqa: F811
):
    await relay_until_settled(relay, clock)
    await service.appeal(AGENT, rejected.id, WRONG, [DOOR])
    downstream.failures = [REFUSED]
    await relay_until_settled(relay, clock)
    [receipt] = [m.key for m in repository.docs[rejected.id].effects_parked if m.key.endswith(":appeal_received")]

    await service.remove_submission(SUPERVISOR, rejected.id, 0, "Başka müşterinin itirazı.")  # the appeal undone
    refused = await refused_to_send(service, rejected.id, receipt, clock)
    await relay_until_settled(relay, clock)

    assert refused == "The case has moved past it: the review it speaks of is over."
    assert [key.rsplit(":", 1)[-1] for key in told(downstream)][-2:] == ["appeal_received", "appeal_removed"]


async def test_a_question_is_sent_again_while_it_is_open_and_not_once_the_decision_closed_it(
    service, request_for, relay, downstream, clock
):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    await relay_until_settled(relay, clock)
    await service.request_information(INVESTIGATOR, dispute.id, "Kapıcıya sordunuz mu?")
    downstream.failures = [REFUSED]
    await relay_until_settled(relay, clock)
    [asked] = [m for m in (await service.get(SUPERVISOR, dispute.id)).effects_parked
               if m.key.endswith(":information_requested")]
    open_case = await service.get(SUPERVISOR, dispute.id)

    await service.decide(INVESTIGATOR, dispute.id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)

    assert f"effects/resend:{asked.key}" in offered(open_case, SUPERVISOR, Rules(), clock.now())
    assert await refused_to_send(service, dispute.id, asked.key, clock) == (
        "The case has moved past it: the question it asks is no longer open."
    )
