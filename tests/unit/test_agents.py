"""Agents act for customers: they open and follow a customer's disputes, which the customer sees as their own,
and never work or decide them. A customer's accessibility need brings their case forward and keeps their
messages in writing."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from disputes.actors import SYSTEM
from disputes.errors import ActiveDisputeExists, CaseClosed, Conflict, Forbidden, NotFound, Unprocessable
from disputes.model import Dispute
from disputes.ports import DisputeQuery
from disputes.service import OpenRequest
from schemas.common import Outcome, Resolution, Role
from schemas.dispute import Channel, EffectKind, ReasonCode, Status
from tests.factories import AGENT, CUSTOMER, INVESTIGATOR, OTHER_CUSTOMER, SUPERVISOR, order, shipment

STATEMENT = "Müşteri telefonda kargonun gelmediğini söyledi."


def for_customer(customer_id="cust-1", channel=Channel.PHONE, order_id="ord-1", accessibility_need=False):
    return OpenRequest(order_id, None, STATEMENT, Resolution.REFUND, customer_id, channel, accessibility_need)


def notifications(repository, dispute_id):
    return [m.payload for m in repository.docs[dispute_id].outbox if m.kind is EffectKind.NOTIFICATION]


async def test_an_agent_opens_a_dispute_the_customer_sees_as_their_own(service, repository):
    dispute = (await service.open(AGENT, for_customer(), None)).dispute

    assert (dispute.customer_id, dispute.channel, dispute.opened_by_agent) == ("cust-1", Channel.PHONE, AGENT.id)
    opened = dispute.timeline[0]
    assert (opened.actor, opened.role, opened.details["channel"], opened.details["agent"]) == (
        AGENT.id, Role.AGENT, "phone", AGENT.id
    )
    assert (await service.get(CUSTOMER, dispute.id)).id == dispute.id
    assert [d.id for d in (await service.list(CUSTOMER, DisputeQuery())).items] == [dispute.id]
    assert [(n["customer_id"], n["template"]) for n in notifications(repository, dispute.id)] == [
        ("cust-1", "dispute_opened")
    ]


async def test_a_customer_s_own_dispute_comes_from_the_order_page(service, request_for):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    assert (dispute.channel, dispute.opened_by_agent) == (Channel.ORDER_PAGE, None)


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (for_customer(customer_id=None), "customer_id"),
        (for_customer(channel=None), "channel"),
        (for_customer(channel=Channel.ORDER_PAGE), "channel"),
        (for_customer(customer_id="cust-2"), "order_id"),  # the order is not that customer's
    ],
)
async def test_an_agent_names_the_customer_and_a_channel_of_their_own(service, request_, field):
    with pytest.raises(Unprocessable) as refused:
        await service.open(AGENT, request_, None)
    assert refused.value.facts.get("field") == field


@pytest.mark.parametrize(
    ("request_", "field"),
    [(for_customer(customer_id="cust-2", channel=None), "customer_id"), (for_customer(customer_id="cust-1"), "channel")],
)
async def test_a_customer_opens_only_for_themselves_from_the_order_page(service, request_, field):
    with pytest.raises(Unprocessable) as refused:
        await service.open(CUSTOMER, request_, None)
    assert refused.value.facts.get("field") == field


async def test_a_customer_cannot_give_their_own_case_an_accessibility_need(service, repository):
    asking = OpenRequest("ord-1", None, STATEMENT, Resolution.REFUND, accessibility_need=True)
    with pytest.raises(Unprocessable) as refused:
        await service.open(CUSTOMER, asking, None)
    assert (refused.value.code, refused.value.facts.get("field")) == ("accessibility-need-by-agent", "accessibility_need")
    assert repository.docs == {}


async def test_an_agent_s_idempotency_keys_are_their_own(service):
    first = await service.open(AGENT, for_customer(), "call-1")
    again = await service.open(AGENT, for_customer(), "call-1")
    assert (again.created, again.dispute.id) == (False, first.dispute.id)
    with pytest.raises(ActiveDisputeExists):  # the same key from the customer is a new request, not a replay
        await service.open(CUSTOMER, OpenRequest("ord-1", None, STATEMENT, Resolution.REFUND), "call-1")


async def test_agents_follow_a_customer_s_disputes_but_never_work_them(service):
    dispute = (await service.open(AGENT, for_customer(), None)).dispute
    assert (await service.get(AGENT, dispute.id)).id == dispute.id
    assert [d.id for d in (await service.list(AGENT, DisputeQuery(customer_id="cust-1"))).items] == [dispute.id]
    with pytest.raises(Unprocessable, match="customer_id"):
        await service.list(AGENT, DisputeQuery())
    for work in (
        service.assign(AGENT, dispute.id, None),
        service.add_note(AGENT, dispute.id, "not"),
        service.request_evidence(AGENT, dispute.id),
        service.decide(AGENT, dispute.id, {1}, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None),
        service.review_restriction(AGENT, dispute.id, True, "r"),
    ):
        with pytest.raises(Forbidden):
            await work


async def test_an_agent_adds_the_customer_s_message_and_withdraws_at_their_request(service):
    dispute = (await service.open(AGENT, for_customer(channel=Channel.LIVE_CHAT), None)).dispute
    await service.add_customer_message(AGENT, dispute.id, "Komşuya da sordum, onda değil.")
    withdrawn = await service.withdraw(AGENT, dispute.id, "Müşteri kapıcıda buldu.")
    assert withdrawn.status is Status.WITHDRAWN
    assert [(e.action, e.role, e.details) for e in withdrawn.timeline[1:]] == [
        ("customer_message", Role.AGENT, {"text": "Komşuya da sordum, onda değil."}),
        ("withdrawn", Role.AGENT, {"reason": "Müşteri kapıcıda buldu."}),
    ]


async def test_customers_add_messages_only_to_their_own_disputes(service, request_for):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    written = await service.add_customer_message(CUSTOMER, dispute.id, "Adres doğru.")
    assert written.timeline[-1].role is Role.CUSTOMER
    with pytest.raises(NotFound):
        await service.add_customer_message(OTHER_CUSTOMER, dispute.id, "x")
    with pytest.raises(Forbidden):
        await service.add_customer_message(INVESTIGATOR, dispute.id, "x")


async def test_an_accessibility_need_on_the_order_brings_the_case_forward_and_keeps_messages_written(
    service, orders, request_for, repository
):
    usual = (await service.open(CUSTOMER, request_for(), None)).dispute
    orders.orders["ord-a"] = order("ord-a", accessibility_need=True)
    accessible = (await service.open(CUSTOMER, request_for(order_id="ord-a"), None)).dispute

    assert accessible.accessibility_need and accessible.priority == 1 and usual.priority == 0
    # Opened Wednesday 18 Nov 2026: two business days end on Friday 20 Nov instead of Monday 23 Nov.
    assert accessible.sla.decision_due.isoformat() == "2026-11-20T21:00:00+00:00" < usual.sla.decision_due.isoformat()
    assert [n["written_only"] for n in notifications(repository, accessible.id)] == [True]
    assert [n["written_only"] for n in notifications(repository, usual.id)] == [False]
    queue = await service.list(INVESTIGATOR, DisputeQuery())
    assert [d.id for d in queue.items] == [accessible.id, usual.id]


async def test_an_agent_records_an_accessibility_need_on_an_open_case(service, request_for, repository):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    with pytest.raises(Forbidden):
        await service.declare_accessibility_need(CUSTOMER, dispute.id)
    declared = (await service.declare_accessibility_need(AGENT, dispute.id)).dispute
    assert declared.accessibility_need and declared.priority == 1
    assert declared.sla.decision_due.isoformat() == "2026-11-20T21:00:00+00:00"
    assert declared.sla_check_due < declared.sla.decision_due
    assert declared.timeline[-1].action == "accessibility_need_declared" and declared.timeline[-1].role is Role.AGENT
    with pytest.raises(Conflict):
        await service.declare_accessibility_need(AGENT, dispute.id)
    withdrawn = await service.withdraw(CUSTOMER, dispute.id, None)
    assert notifications(repository, withdrawn.id)[-1]["written_only"] is True


async def test_a_need_is_recorded_per_case_and_the_agent_is_shown_the_customer_s_other_open_cases(
    service, orders, request_for, repository
):
    orders.orders["ord-5"] = order("ord-5", shipments=[shipment("shp-5a"), shipment("shp-5b"), shipment("shp-5c")])
    orders.orders["ord-9"] = order("ord-9", "cust-2")
    first, second, closed = [await service.open(AGENT, replace(for_customer(order_id="ord-5"), shipment_id=s), None)
                             for s in ("shp-5a", "shp-5b", "shp-5c")]
    await service.withdraw(AGENT, closed.dispute.id, "Müşteri buldu.")
    await service.open(AGENT, for_customer("cust-2", order_id="ord-9"), None)

    recorded = await service.declare_accessibility_need(AGENT, first.dispute.id)

    assert recorded.dispute.accessibility_need and recorded.other_open == (second.dispute.id,)
    other = repository.docs[second.dispute.id]
    assert (other.accessibility_need, other.priority, other.version) == (False, 0, second.dispute.version)


async def test_an_accessibility_need_an_agent_recorded_is_taken_back_and_what_it_changed_restored(
    service, request_for, repository, clock
):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    usual = dispute.sla.decision_due
    await service.declare_accessibility_need(AGENT, dispute.id)
    clock.advance(hours=1)
    asked = await service.request_information(INVESTIGATOR, dispute.id, "Komşunuza sordunuz mu?")
    for actor in (CUSTOMER, INVESTIGATOR):
        with pytest.raises(Forbidden):
            await service.withdraw_accessibility_need(actor, dispute.id, "Yanlış başvuru.")

    taken_back = await service.withdraw_accessibility_need(SUPERVISOR, dispute.id, "Başka müşterinin başvurusuna girildi.")

    assert not taken_back.accessibility_need and taken_back.priority == 0
    waited = asked.open_information_request.answer_by - asked.open_information_request.asked_at
    assert taken_back.sla.decision_due == usual + waited  # 3 business days, moved on by the open question's wait
    assert usual + waited == datetime(2026, 11, 26, 7, 30, tzinfo=UTC)
    assert taken_back.open_information_request.decision_due_before == usual
    entry = taken_back.timeline[-1]
    assert (entry.action, entry.role, entry.details) == ("accessibility_need_withdrawn", Role.SUPERVISOR, {
        "reason": "Başka müşterinin başvurusuna girildi.", "decision_due": "2026-11-26T07:30:00.000Z"
    })
    await service.message_customer(INVESTIGATOR, dispute.id, "İnceliyoruz.")
    assert notifications(repository, dispute.id)[-1]["written_only"] is False
    with pytest.raises(Conflict, match="Only an accessibility need an agent recorded"):
        await service.withdraw_accessibility_need(AGENT, dispute.id, "Bir daha.")
    assert (await service.declare_accessibility_need(AGENT, dispute.id)).dispute.accessibility_need


async def test_an_accessibility_need_from_the_order_or_the_opening_stays(service, orders, request_for, repository):
    orders.orders["ord-a"] = order("ord-a", accessibility_need=True)
    from_order = (await service.open(CUSTOMER, request_for(order_id="ord-a"), None)).dispute
    opened_with = (await service.open(AGENT, for_customer(accessibility_need=True), None)).dispute
    for dispute in (from_order, opened_with):
        with pytest.raises(Conflict, match="Only an accessibility need an agent recorded"):
            await service.withdraw_accessibility_need(AGENT, dispute.id, "Yanlış.")
        stored = repository.docs[dispute.id]
        assert stored.accessibility_need and stored.priority == 1 and stored.version == dispute.version


async def test_taking_a_need_back_leaves_a_priority_or_deadline_it_did_not_set(service, request_for, repository, clock):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    usual = dispute.sla.decision_due
    clock.advance(days=4)  # Sunday 22.11: 2 business days are past, 12 hours from now is sooner than Monday's end
    declared = (await service.declare_accessibility_need(AGENT, dispute.id)).dispute
    assert declared.sla.decision_due == clock.now() + timedelta(hours=12) < usual
    case = await repository.get(dispute.id)
    case.escalate(SYSTEM, clock.now(), timedelta(hours=12))  # the sweeper's escalation: priority 2
    await repository.save(case)

    taken_back = await service.withdraw_accessibility_need(AGENT, dispute.id, "Yanlış müşteri.")

    assert (taken_back.priority, taken_back.sla.decision_due) == (2, usual)


async def test_a_withdrawn_case_takes_no_accessibility_need(service, request_for, repository):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    withdrawn = await service.withdraw(CUSTOMER, dispute.id, None)
    with pytest.raises(CaseClosed):
        await service.declare_accessibility_need(AGENT, dispute.id)
    stored = repository.docs[dispute.id]
    assert not stored.accessibility_need and stored.version == withdrawn.version


IST = ZoneInfo("Europe/Istanbul")
APPEALED_AT = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
"""A Monday, twelve days after the opening (within the appeal window): three business days end on Thursday 3.12
in Istanbul, two on Wednesday 2.12 (the day a question asked then is to be answered by)."""
THURSDAY_END = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)
WEDNESDAY_END = datetime(2026, 12, 2, 21, 0, tzinfo=UTC)


async def rejected_and_appealed(service, dispute, clock):
    await service.decide(INVESTIGATOR, dispute.id, None, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "İmza var.", None)
    clock.current = APPEALED_AT
    return await service.appeal(CUSTOMER, dispute.id, "İmza benim değil.")


async def test_a_need_recorded_on_an_appeal_counts_from_the_appeal_and_keeps_the_time_the_customer_took(
    service, request_for, clock
):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    appealed = await rejected_and_appealed(service, dispute, clock)
    assert appealed.sla.decision_due == THURSDAY_END
    await service.request_information(INVESTIGATOR, dispute.id, "İmzayı kim atmış olabilir?")
    clock.advance(hours=5)
    answered = await service.add_customer_message(CUSTOMER, dispute.id, "Bilmiyorum.")
    assert answered.sla.decision_due == THURSDAY_END + timedelta(hours=5)

    declared = (await service.declare_accessibility_need(AGENT, dispute.id)).dispute

    assert declared.sla.decision_due == WEDNESDAY_END + timedelta(hours=5)
    assert declared.sla.evidence_due == appealed.sla.evidence_due
    assert APPEALED_AT < declared.sla_check_due < declared.sla.decision_due
    assert declared.timeline[-1].details["decision_due"] == "2026-12-03T02:00:00.000Z"


async def test_a_need_recorded_while_a_question_is_open_stays_sooner_once_it_is_answered(service, request_for, clock):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    await service.decide(INVESTIGATOR, dispute.id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "Kanıt yok.", None)
    clock.current = APPEALED_AT  # reopened then: its review counts from the reopening
    await service.reopen(SUPERVISOR, dispute.id, "Kurye kaydı yeniden incelenecek.")
    asked = await service.request_information(INVESTIGATOR, dispute.id, "Adres doğru mu?")
    # The wait to answer, Mon 30 Nov 12:30 to the end of Wed 2 Dec (Istanbul), is 59.5 business hours: added on
    # Friday, Monday and Tuesday after the end of Thursday, it skips the weekend.
    assert asked.sla.decision_due == datetime(2026, 12, 8, 11, 30, tzinfo=IST)

    declared = (await service.declare_accessibility_need(AGENT, dispute.id)).dispute
    assert declared.sla.decision_due == datetime(2026, 12, 7, 11, 30, tzinfo=IST)  # Thursday, Friday, Monday
    clock.advance(hours=5)
    answered = await service.add_customer_message(CUSTOMER, dispute.id, "Evet, doğru.")
    assert answered.sla.decision_due == WEDNESDAY_END + timedelta(hours=5)


@pytest.mark.parametrize("restart", ["appeal", "reopen"])
async def test_an_appeal_or_a_reopening_keeps_the_customer_s_shorter_deadline(service, orders, request_for, clock, restart):
    orders.orders["ord-a"] = order("ord-a", accessibility_need=True)
    dispute = (await service.open(CUSTOMER, request_for(order_id="ord-a"), None)).dispute
    if restart == "appeal":
        restarted = await rejected_and_appealed(service, dispute, clock)
    else:
        await service.decide(INVESTIGATOR, dispute.id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "Kanıt yok.", None)
        clock.current = APPEALED_AT
        restarted = await service.reopen(SUPERVISOR, dispute.id, "Yeniden bakılacak.")
    assert restarted.sla.decision_due == WEDNESDAY_END


async def test_an_agent_can_set_the_need_when_opening(service):
    dispute = (await service.open(AGENT, for_customer(accessibility_need=True), None)).dispute
    assert dispute.accessibility_need and dispute.timeline[0].details["accessibility_need"] is True


def test_a_dispute_stored_before_channels_reads_as_an_order_page_one():
    stored = {
        "id": "dsp_old", "status": "opened", "customer_id": "cust-1", "statement": STATEMENT,
        "preferred_resolution": "refund", "opened_at": "2026-01-05T09:00:00Z", "updated_at": "2026-01-05T09:00:00Z",
        "sla": {f: "2026-01-08T21:00:00Z" for f in ("first_response_due", "evidence_due", "decision_due")},
        "order": {
            "order_id": "ord-1", "customer_id": "cust-1", "buyer_name": "B", "recipient_name": "R",
            "recipient_phone": None, "address": {"line": "l", "district": "d", "city": "c"}, "currency": "TRY",
            "payment_method": "card", "shipment_id": "shp-1", "carrier": "aras", "tracking_number": "T1",
            "delivered_at": "2026-01-04T09:00:00Z", "items": [], "value_minor": 1, "reshippable": True,
        },
    }
    old = Dispute.model_validate(stored)
    assert (old.channel, old.opened_by_agent, old.accessibility_need, old.restriction) == (
        Channel.ORDER_PAGE, None, False, None
    )
