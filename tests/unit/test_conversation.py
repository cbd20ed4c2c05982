"""The conversation on a case: investigators write to the customer and ask them questions; the SLA clock is
paused while a question is open (the deadline moves on by the time the customer takes, at most the whole wait),
and a question left unanswered lets the case go on. The thread shows each role what it may see.

Times: the case opens on Wednesday 18.11.2026 09:30 UTC; its decision is due at the end of Monday 23.11 in
Istanbul (2026-11-23 21:00 UTC); a question asked then is due at the end of Friday 20.11 (2026-11-20 21:00 UTC)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from disputes.conversation import thread
from disputes.errors import CaseClosed, CaseFull, Conflict, Forbidden, TooManySubmissions
from disputes.next_step import next_step
from disputes.reports import report_facts
from disputes.rules import Rules
from disputes.sla import business_calendar, deadlines
from disputes.sla_sweeper import SlaSweeper
from schemas.common import Outcome, Role
from schemas.conversation import MessageKind
from schemas.dispute import EffectKind, ReasonCode, Status
from tests.factories import AGENT, CUSTOMER, INVESTIGATOR, NOW, SUPERVISOR, order, shipment

DECISION_DUE = datetime(2026, 11, 23, 21, 0, tzinfo=UTC)
ANSWER_BY = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
PAUSED_DUE = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
"""DECISION_DUE moved on by the whole wait, 2 days 11 h 30 min."""
QUESTION = "Paketi komşunuz ya da kapıcı almış olabilir mi?"


@pytest.fixture
async def dispute(service, request_for):
    opened = (await service.open(CUSTOMER, request_for(), None)).dispute
    assert opened.sla.decision_due == DECISION_DUE
    return opened


@pytest.fixture
def sweeper(service, clock, due_work):
    return due_work(SlaSweeper(service))


def notices(repository, dispute_id, template):
    return [m.payload for m in repository.docs[dispute_id].outbox
            if m.kind is EffectKind.NOTIFICATION and m.payload["template"] == template]


async def test_a_question_pauses_the_decision_deadline_and_tells_the_customer_by_when_to_answer(service, dispute, repository):
    asked = await service.request_information(INVESTIGATOR, dispute.id, QUESTION)

    [request] = asked.information_requests
    assert (request.question, request.asked_by, request.answer_by) == (QUESTION, "inv-ayse", ANSWER_BY)
    assert asked.sla.decision_due == PAUSED_DUE and asked.open_information_request == request
    assert asked.sla_check_due == ANSWER_BY  # before the escalation point, 25.11 20:30
    [notice] = notices(repository, dispute.id, "information_requested")
    assert QUESTION in notice["message"] and "20.11.2026" in notice["message"] and "26.11.2026" in notice["message"]
    assert "20.11.2026" in notice["message_en"] and "26.11.2026" in notice["message_en"]
    assert asked.timeline[-1].action == "information_requested"


async def test_the_customer_s_answer_ends_the_pause_after_the_time_they_took(service, dispute, clock):
    await service.request_information(INVESTIGATOR, dispute.id, QUESTION)
    clock.advance(hours=5)

    answered = await service.add_customer_message(CUSTOMER, dispute.id, "Kapıcıya sordum, almamış.")

    assert answered.sla.decision_due == DECISION_DUE + timedelta(hours=5)
    assert answered.sla_check_due == DECISION_DUE + timedelta(hours=5 - 12)
    assert answered.open_information_request is None
    assert answered.information_requests[0].answered_at == NOW + timedelta(hours=5)
    assert answered.timeline[-1].details["reply_to"] == "irq_1"


async def test_an_answer_in_a_message_is_acknowledged_with_the_date_the_view_shows(service, dispute, repository, clock):
    await service.request_information(INVESTIGATOR, dispute.id, QUESTION)
    clock.advance(hours=5)

    answered = await service.add_customer_message(CUSTOMER, dispute.id, "Kapıcıya sordum, almamış.")

    [notice] = notices(repository, dispute.id, "information_received")
    en, tr = next_step(answered, Rules().appeal_window)
    assert (notice["message_en"], notice["message"]) == (en, tr)
    assert en.startswith("We received your answer on 18.11.2026") and "by 24.11.2026" in en  # the pause ended early
    assert tr.startswith("18.11.2026 tarihinde verdiğiniz yanıtı aldık") and "24.11.2026 tarihinde" in tr
    await service.add_customer_message(CUSTOMER, dispute.id, "Bir de şunu ekleyeyim.")
    assert len(notices(repository, dispute.id, "information_received")) == 1  # a message answering nothing: no notice


async def test_an_agent_s_message_for_the_customer_is_their_answer_too(service, dispute, repository):
    await service.request_information(INVESTIGATOR, dispute.id, QUESTION)
    answered = await service.add_customer_message(AGENT, dispute.id, "Müşteri komşulara sormuş.")
    assert answered.open_information_request is None and answered.sla.decision_due == DECISION_DUE
    [notice] = notices(repository, dispute.id, "information_received")
    assert notice["message_en"].startswith("We received the answer our customer service gave for you on 18.11.2026")
    assert notice["message"].startswith("18.11.2026 tarihinde müşteri hizmetlerimizin sizin için ilettiği yanıtı aldık")


async def test_an_agent_s_contact_log_answers_no_question_and_is_not_shown_to_the_customer(service, dispute, repository):
    asked = await service.request_information(INVESTIGATOR, dispute.id, QUESTION)

    logged = await service.log_contact(AGENT, dispute.id, "Müşteri aradı, başvurusunun durumunu sordu.")

    assert logged.open_information_request == asked.open_information_request and logged.sla == asked.sla
    assert logged.sla_check_due == asked.sla_check_due and notices(repository, dispute.id, "information_received") == []
    agent = thread(logged, internal=False, contact_logs=True)[-1]
    assert (agent.kind, agent.role, agent.author, agent.text, agent.reply_to) == (
        MessageKind.CONTACT_LOG, Role.AGENT, None, "Müşteri aradı, başvurusunun durumunu sordu.", None
    )
    assert thread(logged, internal=True, contact_logs=True)[-1].author == "agent-elif"
    assert MessageKind.CONTACT_LOG not in {m.kind for m in thread(logged, internal=False)}
    for actor in (CUSTOMER, INVESTIGATOR, SUPERVISOR):
        with pytest.raises(Forbidden):
            await service.log_contact(actor, dispute.id, "Aradı.")


async def test_unanswered_by_its_date_the_case_goes_on_and_still_reaches_its_deadline(
    service, dispute, sweeper, repository, clock
):
    await service.request_information(INVESTIGATOR, dispute.id, QUESTION)
    clock.current = ANSWER_BY - timedelta(seconds=1)
    assert await sweeper.run_once() == 0

    clock.current = ANSWER_BY
    assert await sweeper.run_once() == 1
    stored = repository.docs[dispute.id]
    assert stored.timeline[-1].action == "information_request_expired" and stored.status is Status.OPENED
    assert stored.information_requests[0].expired_at == ANSWER_BY and stored.open_information_request is None
    assert (stored.sla.decision_due, stored.sla_check_due) == (PAUSED_DUE, PAUSED_DUE - timedelta(hours=12))

    clock.current = PAUSED_DUE - timedelta(hours=12)
    await sweeper.run_once()
    clock.current = PAUSED_DUE
    await sweeper.run_once()
    decided = repository.docs[dispute.id]
    assert decided.status is Status.RESOLVED and decided.decision.reason_code is ReasonCode.DEADLINE_REACHED


async def test_an_escalated_case_asked_a_question_is_escalated_again_before_its_moved_deadline(service, dispute, sweeper, repository, clock):
    clock.current = DECISION_DUE - timedelta(hours=11)
    await sweeper.run_once()
    asked = await service.request_information(INVESTIGATOR, dispute.id, QUESTION)
    # Asked Monday 13:00 Istanbul, to be answered by the end of Wednesday (21:00Z): the deadline moves on by that wait
    # (11 h + 2 days) to Thursday 11:00 (08:00Z), and is escalated anew 12 hours before it, before the wait ends.
    assert asked.sla.decision_due == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    assert not asked.escalated and asked.sla_check_due == datetime(2026, 11, 25, 20, 0, tzinfo=UTC)


async def test_questions_are_bounded_one_open_at_a_time_and_two_per_review(service, dispute, clock):
    await service.request_information(INVESTIGATOR, dispute.id, QUESTION)
    with pytest.raises(Conflict, match="irq_1"):
        await service.request_information(SUPERVISOR, dispute.id, "Başka?")
    await service.add_customer_message(CUSTOMER, dispute.id, "Hayır.")
    await service.request_information(INVESTIGATOR, dispute.id, "Adres doğru mu?")
    await service.add_customer_message(CUSTOMER, dispute.id, "Evet.")
    with pytest.raises(Conflict, match="At most 2"):
        await service.request_information(INVESTIGATOR, dispute.id, "Bir şey daha?")


async def test_a_question_open_when_the_case_is_decided_expires_with_the_decision_and_does_not_pause_the_appeal(
    service, dispute, clock
):
    """Decided without the answer, the case awaits none any more: the question is closed unanswered with the decision
    (it was left looking open for good, `expired_at` empty), as a withdrawal closes it, and neither the appeal's review
    nor a message in it is read as its answer; the appeal's review asks its own questions."""
    await service.request_information(INVESTIGATOR, dispute.id, QUESTION)
    clock.advance(hours=1)
    decided = await service.decide(INVESTIGATOR, dispute.id, None, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY,
                                   "İmza var.", None)

    [request] = decided.information_requests
    assert (request.answered_at, request.expired_at) == (None, clock.now())
    expired, said = decided.timeline[-2:]
    assert (expired.action, expired.role, expired.details["request_id"], said.action) == (
        "information_request_expired", Role.SERVICE, "irq_1", "decided")
    assert decided.decision.decision_due == PAUSED_DUE  # decided against the deadline the question had moved
    assert thread(decided, internal=False)[-1].kind is MessageKind.INFORMATION_REQUEST_EXPIRED
    clock.advance(days=1)
    appealed = await service.appeal(CUSTOMER, dispute.id, "Teslim alan ben değilim.")
    assert appealed.open_information_request is None
    written = await service.add_customer_message(CUSTOMER, dispute.id, "Kapıcıya sordum, almamış.")
    assert written.information_requests == [request] and "reply_to" not in written.timeline[-1].details
    asked = await service.request_information(INVESTIGATOR, dispute.id, QUESTION)
    assert [r.id for r in asked.information_requests] == ["irq_1", "irq_2"]


async def test_a_question_open_when_the_case_is_withdrawn_expires_with_it_and_stays_closed_once_restored(
    service, dispute, clock
):
    await service.request_information(INVESTIGATOR, dispute.id, QUESTION)
    clock.advance(hours=1)
    withdrawn = await service.withdraw(AGENT, dispute.id, "Müşteri paketi buldu.")

    [request] = withdrawn.information_requests
    assert (request.answered_at, request.expired_at) == (None, clock.now())
    expired, said = withdrawn.timeline[-2:]
    assert (expired.action, expired.role, expired.details["request_id"], said.action) == (
        "information_request_expired", Role.SERVICE, "irq_1", "withdrawn")
    assert thread(withdrawn, internal=False)[-1].request_id == "irq_1"

    clock.advance(days=1)
    restored = await service.reopen(SUPERVISOR, dispute.id, "Temsilci yanlış başvuruyu geri çekti.")
    assert restored.sla == deadlines(clock.now(), Rules())  # the new review's, paused by no earlier question
    clock.current = ANSWER_BY + timedelta(hours=1)  # past the question's date, before the restored review's deadline
    answered = await service.add_customer_message(CUSTOMER, dispute.id, "Evet, kapıcı almamış.")
    assert answered.information_requests == [request] and "reply_to" not in answered.timeline[-1].details


async def test_only_investigators_ask_and_write_to_the_customer_and_only_while_the_case_is_open(service, dispute):
    for actor in (CUSTOMER, AGENT):
        with pytest.raises(Forbidden):
            await service.request_information(actor, dispute.id, QUESTION)
        with pytest.raises(Forbidden):
            await service.message_customer(actor, dispute.id, "x")
    await service.withdraw(CUSTOMER, dispute.id, None)
    with pytest.raises(Conflict):
        await service.request_information(INVESTIGATOR, dispute.id, QUESTION)


async def test_an_investigator_s_message_reaches_the_customer_in_their_words(service, dispute, repository):
    await service.message_customer(INVESTIGATOR, dispute.id, "Kurye kaydını inceliyoruz.")
    [notice] = notices(repository, dispute.id, "staff_message")
    assert "Kurye kaydını inceliyoruz." in notice["message"] and "Kurye kaydını inceliyoruz." in notice["message_en"]


async def test_the_thread_hides_internal_notes_and_staff_ids_from_the_customer_side(service, dispute, clock):
    await service.add_note(INVESTIGATOR, dispute.id, "Kurye şüpheli.")
    clock.advance(minutes=1)
    await service.request_information(INVESTIGATOR, dispute.id, QUESTION)
    clock.advance(minutes=1)
    await service.add_customer_message(AGENT, dispute.id, "Müşteri: almamış.")
    stored = await service.get(INVESTIGATOR, dispute.id)

    staff = thread(stored, internal=True)
    customer = thread(stored, internal=False)

    assert [(m.kind, m.role, m.author) for m in staff] == [
        (MessageKind.STATEMENT, Role.CUSTOMER, "cust-1"),
        (MessageKind.INTERNAL_NOTE, Role.INVESTIGATOR, "inv-ayse"),
        (MessageKind.INFORMATION_REQUESTED, Role.INVESTIGATOR, "inv-ayse"),
        (MessageKind.CUSTOMER_MESSAGE, Role.AGENT, "agent-elif"),
    ]
    assert [(m.kind, m.author) for m in customer] == [
        (MessageKind.STATEMENT, "cust-1"), (MessageKind.INFORMATION_REQUESTED, None), (MessageKind.CUSTOMER_MESSAGE, None),
    ]
    assert (customer[1].request_id, customer[1].answer_by, customer[2].reply_to) == ("irq_1", ANSWER_BY, "irq_1")


async def test_the_first_response_is_the_first_message_question_or_decision_not_a_note(service, dispute, clock):
    clock.advance(hours=1)
    await service.add_note(INVESTIGATOR, dispute.id, "Bakılacak.")
    clock.advance(hours=1)
    await service.assign(INVESTIGATOR, dispute.id, None)
    assert report_facts(await service.get(INVESTIGATOR, dispute.id)).hours_to_first_response is None
    clock.advance(hours=1.5)
    await service.request_information(INVESTIGATOR, dispute.id, QUESTION)
    clock.advance(hours=1)
    await service.message_customer(INVESTIGATOR, dispute.id, "Bekliyoruz.")
    assert report_facts(await service.get(INVESTIGATOR, dispute.id)).hours_to_first_response == 3.5


async def test_information_the_customer_adds_is_their_answer(service, dispute, clock):
    await service.request_information(INVESTIGATOR, dispute.id, QUESTION)
    clock.advance(hours=2)

    added = await service.add_information(AGENT, dispute.id, "Müşteri: kapıcı almamış.")

    assert added.open_information_request is None and added.sla.decision_due == DECISION_DUE + timedelta(hours=2)
    last = thread(added, internal=False)[-1]
    assert (last.kind, last.role, last.text, last.reply_to) == (
        MessageKind.INFORMATION_ADDED, Role.AGENT, "Müşteri: kapıcı almamış.", "irq_1"
    )


async def test_a_case_takes_fifty_messages_from_the_customer_side_and_then_only_answers(service, dispute, repository):
    for n in range(50):
        await service.add_customer_message(CUSTOMER if n % 2 else AGENT, dispute.id, f"Mesaj {n}")
    with pytest.raises(TooManySubmissions, match="50 messages"):
        await service.add_customer_message(CUSTOMER, dispute.id, "Bir tane daha")
    assert len(repository.docs[dispute.id].timeline) == 51

    await service.request_information(INVESTIGATOR, dispute.id, QUESTION)
    answered = await service.add_customer_message(CUSTOMER, dispute.id, "Kapıcı almamış.")
    assert answered.timeline[-1].details["reply_to"] == "irq_1"
    with pytest.raises(TooManySubmissions):
        await service.add_customer_message(CUSTOMER, dispute.id, "Bir tane daha")


async def test_contacts_an_agent_logs_count_apart_from_the_customer_s_fifty_messages(service, dispute, repository):
    case = await repository.get(dispute.id)
    for n in range(50):  # on the document itself: fifty saves would only slow the test
        case.add_customer_message(AGENT, f"Mesaj {n}", NOW, timedelta(hours=12), business_calendar(Rules()))
    await repository.save(case)
    with pytest.raises(TooManySubmissions, match="50 messages; log further contacts as contact logs") as refused:
        await service.add_customer_message(AGENT, dispute.id, "Müşteri tekrar aradı.")
    assert "customer service" not in str(refused.value)

    case = await service.log_contact(AGENT, dispute.id, "Müşteri tekrar aradı.")
    for n in range(199):
        case.log_contact(AGENT, f"Aradı ({n})", NOW)
    await repository.save(case)
    before = repository.docs[dispute.id].version
    with pytest.raises(TooManySubmissions, match="200 contact logs"):
        await service.log_contact(AGENT, dispute.id, "Bir kez daha aradı.")
    assert repository.docs[dispute.id].version == before


async def test_a_case_takes_five_hundred_notes_and_messages_from_staff(service, dispute, repository):
    case = await repository.get(dispute.id)
    for n in range(500):  # on the document itself: five hundred saves would only slow the test
        (case.add_note if n % 2 else case.message_customer)(INVESTIGATOR, f"Not {n}", NOW)
    await repository.save(case)
    before = repository.docs[dispute.id].version

    for write in (service.add_note, service.message_customer):
        with pytest.raises(TooManySubmissions, match="500 notes and messages"):
            await write(SUPERVISOR, dispute.id, "Bir tane daha")
    assert repository.docs[dispute.id].version == before
    assert (await service.add_customer_message(CUSTOMER, dispute.id, "Hâlâ bekliyorum.")).version == before + 1


async def test_staff_writing_that_would_pass_its_bytes_as_stored_finds_the_case_full_and_changes_nothing(
    service, dispute, repository,
):
    """Four-byte characters, a message counted three times (the timeline, its notification in both languages): far
    fewer than 500 writings fill the case."""
    case = await repository.get(dispute.id)
    for n in range(174):  # 24,022 bytes each as stored: 4,179,828 of the 4 MiB
        case.message_customer(INVESTIGATOR, f"{n:04}" + "\N{GRINNING FACE}" * 1996, NOW)
    await repository.save(case)
    before = repository.docs[dispute.id].version

    for write, longest in ((service.add_note, 4000), (service.message_customer, 2000)):
        with pytest.raises(CaseFull, match="summarise in the decision"):
            await write(SUPERVISOR, dispute.id, "\N{GRINNING FACE}" * longest)
    assert repository.docs[dispute.id].version == before
    assert (await service.add_note(SUPERVISOR, dispute.id, "Kısa bir not.")).version == before + 1


@pytest.mark.parametrize("close", ["withdraw", "decide"])
async def test_a_closed_case_takes_no_more_messages(service, dispute, repository, close):
    if close == "withdraw":
        await service.withdraw(CUSTOMER, dispute.id, None)
    else:
        await service.decide(INVESTIGATOR, dispute.id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "Kanıt yok.", None)
    before = repository.docs[dispute.id]
    for actor in (CUSTOMER, AGENT):
        with pytest.raises(CaseClosed, match="no more messages"):
            await service.add_customer_message(actor, dispute.id, "Paket hâlâ yok.")
    with pytest.raises(CaseClosed, match="no more contact logs"):
        await service.log_contact(AGENT, dispute.id, "Müşteri aradı.")
    assert repository.docs[dispute.id].version == before.version


IST = ZoneInfo("Europe/Istanbul")


async def test_a_question_moves_the_decision_deadline_by_business_time_never_onto_a_weekend(
    service, orders, request_for, clock, repository
):
    # Opened Thu 3 Dec 2026 10:00 Istanbul: decided by the end of Tue 8 Dec. The question asked then is to be answered
    # by the end of Mon 7 Dec: Thursday's last 14 h, Friday and Monday, 62 business hours, the weekend not counted.
    clock.current = datetime(2026, 12, 3, 10, 0, tzinfo=IST)
    orders.orders["ord-w"] = order("ord-w", shipments=[shipment("shp-w", delivered_days_ago=2)])
    dispute = (await service.open(CUSTOMER, request_for(order_id="ord-w"), None)).dispute
    assert dispute.sla.decision_due == datetime(2026, 12, 9, 0, 0, tzinfo=IST)

    asked = await service.request_information(INVESTIGATOR, dispute.id, QUESTION)
    # 62 h after the end of Tuesday: Wednesday, Thursday and 14 h of Friday.
    assert asked.sla.decision_due == datetime(2026, 12, 11, 14, 0, tzinfo=IST)
    [notice] = notices(repository, dispute.id, "information_requested")
    assert "07.12.2026" in notice["message"] and "11.12.2026" in notice["message"]

    clock.current = datetime(2026, 12, 6, 22, 0, tzinfo=IST)  # Sunday evening
    answered = await service.add_customer_message(CUSTOMER, dispute.id, "Kapıcıya sordum, almamış.")
    # The customer used Thursday's last 14 h and Friday: 38 business hours after the end of Tuesday.
    assert answered.sla.decision_due == datetime(2026, 12, 10, 14, 0, tzinfo=IST)


async def test_an_unanswered_question_leaves_the_deadline_moved_by_the_whole_business_wait(
    service, orders, request_for, clock, sweeper, repository
):
    clock.current = datetime(2026, 12, 3, 10, 0, tzinfo=IST)
    orders.orders["ord-w"] = order("ord-w", shipments=[shipment("shp-w", delivered_days_ago=2)])
    dispute = (await service.open(CUSTOMER, request_for(order_id="ord-w"), None)).dispute
    await service.request_information(INVESTIGATOR, dispute.id, QUESTION)
    clock.current = datetime(2026, 12, 8, 0, 0, tzinfo=IST)
    await sweeper.run_once()
    stored = repository.docs[dispute.id]
    assert stored.timeline[-1].action == "information_request_expired"
    assert stored.sla.decision_due == datetime(2026, 12, 11, 14, 0, tzinfo=IST)
