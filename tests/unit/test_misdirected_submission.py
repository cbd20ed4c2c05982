"""Information an agent relayed to the wrong customer's case, taken off it: its text replaced by a marker, its images
deleted (their copies recorded for retention, due at once), the policy and the limits no longer reading it, the
timeline saying who and why without what; by a supervisor, or the agent who sent it within minutes."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from disputes.actors import Actor
from disputes.conversation import thread
from disputes.errors import CaseAnonymised, Forbidden, TooManySubmissions, UnknownSubmission
from disputes.model import MAX_SUBMISSIONS, REMOVAL_WINDOW, REMOVED_STATEMENT
from disputes.policy.missing import customer_photos
from disputes.rules import Rules
from disputes.sla import business_calendar, deadlines
from schemas.common import Outcome
from schemas.api import RemoveSubmission
from schemas.dispute import MAX_KEPT_SUBMISSIONS, DeletedImage, ReasonCode, Status
from tests.factories import AGENT, CUSTOMER, INVESTIGATOR, OTHER_INVESTIGATOR, SUPERVISOR
from tests.unit.test_customer_evidence import DOOR, HALLWAY, ref_of
from tests.unit.test_conversation import notices
from tests.unit import kept_images

store, cleaner, service = kept_images.store, kept_images.cleaner, kept_images.service  # the fixtures

WRONG = "Müşterinin (cust-2) kapı fotoğrafı, adres: Moda Cad. 5"
REASON = "Başka bir müşterinin fotoğrafı yanlış başvuruya gönderildi."
OTHER_AGENT = Actor("agent-can", AGENT.role)


@pytest.fixture
async def misdirected(service, request_for):
    """A case the agent relayed another customer's words and photos to; its id."""
    opened = (await service.open(CUSTOMER, request_for(), None)).dispute
    await service.add_information(CUSTOMER, opened.id, "Kapıcı almadığını söyledi.")
    await service.add_information(AGENT, opened.id, WRONG, [DOOR, HALLWAY])
    return opened.id


async def test_a_supervisor_takes_it_off_the_case_and_its_images_are_recorded_for_deletion(service, misdirected):
    before = await service.get(SUPERVISOR, misdirected)

    case = await service.remove_submission(SUPERVISOR, misdirected, 1, REASON, {before.version})

    removed = case.customer_evidence[1]
    assert (removed.statement, removed.images, removed.removed_at) == (REMOVED_STATEMENT, [], case.updated_at)
    assert removed.deleted_images == [DeletedImage(media_type="image/jpeg", size=len(DOOR.content)),
                                      DeletedImage(media_type="image/png", size=len(HALLWAY.content))]
    assert case.copies_to_delete == sorted([ref_of(DOOR), ref_of(HALLWAY)])
    assert case.retention_due(keep=timedelta(days=365)) == case.updated_at  # retention deletes the copies at once
    assert case.customer_evidence[0].statement == "Kapıcı almadığını söyledi."  # the customer's own stays
    entry = case.timeline[-1]
    assert (entry.action, entry.actor, entry.details) == (
        "submission_removed", SUPERVISOR.id, {"submission": 1, "images_removed": 2, "reason": REASON}
    )


async def test_neither_the_thread_nor_the_timeline_keeps_what_was_removed(service, misdirected):
    case = await service.remove_submission(SUPERVISOR, misdirected, 1, REASON)

    assert [m.text for m in thread(case, internal=False)][-1] == REMOVED_STATEMENT
    assert WRONG not in case.model_dump_json()
    assert ref_of(DOOR) not in case.model_dump_json(exclude={"copies_to_delete"})


async def test_the_policy_and_the_limit_no_longer_read_it(service, misdirected):
    case = await service.remove_submission(SUPERVISOR, misdirected, 1, REASON)

    assert customer_photos(case) == []
    assert [e.statement for e in case.new_customer_evidence()] == ["Kapıcı almadığını söyledi."]
    assert case.assess_due == case.updated_at  # the policy reads the case again without it
    for n in range(MAX_SUBMISSIONS - 1):  # the removed one no longer counts toward the limit
        case = await service.add_information(CUSTOMER, misdirected, f"Ek bilgi {n}.")
    assert len(case.customer_evidence) == MAX_SUBMISSIONS + 1


async def test_taking_off_in_turns_ends_at_the_submissions_a_case_keeps(service, misdirected):
    """A submission taken off stays on the case as its marker: relaying and taking off in turns stops at the bound,
    and every position the case can hold can be named to take it off."""
    for n in range(2, MAX_KEPT_SUBMISSIONS - 1):
        await service.remove_submission(AGENT, misdirected, n - 1, REASON)
        await service.add_information(AGENT, misdirected, f"{WRONG} #{n}")

    with pytest.raises(TooManySubmissions, match=f"keeps at most {MAX_KEPT_SUBMISSIONS} submissions"):
        await service.add_information(AGENT, misdirected, WRONG)
    case = await service.remove_submission(AGENT, misdirected, MAX_KEPT_SUBMISSIONS - 2, REASON)
    assert len(case.customer_evidence) == MAX_KEPT_SUBMISSIONS - 1
    assert RemoveSubmission(submission=MAX_KEPT_SUBMISSIONS - 1, reason=REASON).submission == MAX_KEPT_SUBMISSIONS - 1


async def test_taking_it_off_again_changes_nothing(service, misdirected):
    once = await service.remove_submission(SUPERVISOR, misdirected, 1, REASON)

    again = await service.remove_submission(SUPERVISOR, misdirected, 1, "Tekrar.")

    assert again.version == once.version and again.timeline == once.timeline


async def test_the_agent_who_sent_it_takes_it_off_within_minutes_and_no_other_agent_does(service, misdirected, clock):
    with pytest.raises(Forbidden, match="only what they sent"):
        await service.remove_submission(OTHER_AGENT, misdirected, 1, REASON)
    with pytest.raises(Forbidden, match="only what they sent"):
        await service.remove_submission(AGENT, misdirected, 0, REASON)  # the customer's own
    clock.advance(minutes=REMOVAL_WINDOW.total_seconds() / 60)

    case = await service.remove_submission(AGENT, misdirected, 1, REASON)

    assert case.customer_evidence[1].removed_at == clock.now() and case.timeline[-1].actor == AGENT.id


async def test_past_the_window_the_agent_asks_a_supervisor(service, misdirected, clock):
    clock.advance(minutes=REMOVAL_WINDOW.total_seconds() / 60 + 1)
    with pytest.raises(Forbidden, match="ask a supervisor"):
        await service.remove_submission(AGENT, misdirected, 1, REASON)
    assert (await service.remove_submission(SUPERVISOR, misdirected, 1, REASON)).customer_evidence[1].removed_at


async def test_investigators_and_customers_do_not_take_submissions_off(service, misdirected):
    for actor in (INVESTIGATOR, CUSTOMER):
        with pytest.raises(Forbidden):
            await service.remove_submission(actor, misdirected, 1, REASON)
    assert (await service.get(SUPERVISOR, misdirected)).customer_evidence[1].statement == WRONG


async def test_no_such_submission_is_refused_and_changes_nothing(service, misdirected):
    before = await service.get(SUPERVISOR, misdirected)
    with pytest.raises(UnknownSubmission, match="holds 2 submission"):
        await service.remove_submission(SUPERVISOR, misdirected, 2, REASON)
    assert (await service.get(SUPERVISOR, misdirected)).version == before.version


@pytest.fixture
async def rejected(service, request_for, clock):
    """A case rejected an hour ago; its id."""
    opened = (await service.open(CUSTOMER, request_for(), None)).dispute
    decided = await service.decide(INVESTIGATOR, opened.id, None, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY,
                                   "İmzalı teslim.", None)
    clock.advance(hours=1)
    return decided


async def test_another_customer_s_appeal_taken_off_under_review_is_undone(service, rejected, clock, store):
    """The agent filed another customer's appeal on this case: taken off while its review is under way, its words
    and images are gone, the case is resolved again by the decision appealed and its one appeal is the customer's
    again."""
    await service.appeal(AGENT, rejected.id, WRONG, [DOOR])
    await service.request_information(INVESTIGATOR, rejected.id, "Kapıcıya sordunuz mu?")

    case = await service.remove_submission(AGENT, rejected.id, 0, REASON)

    assert (case.status, case.closed_at, case.appeal, case.decision) == (
        Status.RESOLVED, rejected.closed_at, None, rejected.decision)
    assert (case.sla_check_due, case.evidence_pull_due, case.assess_due, case.open_information_request) == (
        None, None, None, None)
    assert case.information_requests[-1].expired_at == clock.now()
    assert case.customer_evidence[0].statement == REMOVED_STATEMENT and case.copies_to_delete == [ref_of(DOOR)]
    assert WRONG not in case.model_dump_json() and WRONG not in [m.text for m in thread(case, internal=False)]
    entry = case.timeline[-1]
    assert (entry.action, entry.actor, entry.from_status, entry.to_status, entry.details) == (
        "submission_removed", AGENT.id, Status.APPEALED, Status.RESOLVED,
        {"submission": 0, "images_removed": 1, "reason": REASON, "appeal": "undone"})
    again = await service.appeal(CUSTOMER, rejected.id, "İmza benim değil.")
    assert again.status is Status.APPEALED and again.appeal.statement == "İmza benim değil."


async def test_an_undone_appeal_taken_by_another_investigator_leaves_the_customer_s_own_to_its_decider(
    service, rejected
):
    """Taken by an investigator other than the one who rejected the case, the appeal went to the supervisors; undone,
    the case is nobody's again and no supervisor's, so the customer's own appeal is its decider's to take."""
    await service.appeal(AGENT, rejected.id, WRONG, [DOOR])
    assert (await service.assign(OTHER_INVESTIGATOR, rejected.id, None)).needs_supervisor

    case = await service.remove_submission(AGENT, rejected.id, 0, REASON)

    assert (case.status, case.assignee, case.needs_supervisor) == (Status.RESOLVED, rejected.assignee, False)
    again = await service.appeal(CUSTOMER, rejected.id, "İmza benim değil.")
    assert (again.assignee, again.needs_supervisor) == (rejected.assignee, False)
    assert (await service.assign(INVESTIGATOR, rejected.id, None)).assignee == INVESTIGATOR.id


async def test_an_undone_appeal_leaves_the_decision_s_deadlines(service, rejected, clock):
    """A resolved case shows the deadlines it was decided against, not the undone appeal's (due after it closed)."""
    clock.advance(days=3)
    appealed = await service.appeal(AGENT, rejected.id, WRONG, [DOOR])
    assert appealed.sla != rejected.sla

    case = await service.remove_submission(AGENT, rejected.id, 0, REASON)

    assert (case.sla, case.escalated, case.priority, case.first_response_watch) == (
        rejected.sla, rejected.escalated, rejected.priority, rejected.first_response_watch)
    assert case.sla.decision_due == rejected.decision.decision_due


async def test_the_customer_told_of_an_undone_appeal_is_told_it_was_removed_and_until_when_to_appeal(
    service, rejected, repository
):
    await service.appeal(AGENT, rejected.id, WRONG, [DOOR])
    assert notices(repository, rejected.id, "appeal_received")

    await service.remove_submission(AGENT, rejected.id, 0, REASON)

    [told] = notices(repository, rejected.id, "appeal_removed")
    until = rejected.decision.appeal_ends.astimezone(ZoneInfo("Europe/Istanbul")).strftime("%d.%m.%Y %H:%M")
    assert told["message_en"].startswith("The appeal recorded on your claim by mistake was removed.")
    assert told["message"].startswith("Başvurunuza yanlışlıkla kaydedilen itiraz kaldırıldı.")
    assert f"You may appeal once, with new information, until {until}." in told["message_en"]
    assert f"{until} tarihine kadar yeni bilgiyle bir kez itiraz edebilirsiniz." in told["message"]
    assert WRONG not in str(told)


async def test_what_an_undone_appeal_s_review_said_and_never_sent_is_taken_back(service, rejected, repository):
    """The customer is not told the appeal was received, nor asked its review's question, once it was undone: they hear
    only that it was removed. What was said before the appeal stays, as does what a relay began to send."""
    await service.appeal(AGENT, rejected.id, WRONG, [DOOR])
    await service.request_information(INVESTIGATOR, rejected.id, "Kapıcıya sordunuz mu?")

    case = await service.remove_submission(AGENT, rejected.id, 0, REASON)

    told = ["dispute_opened", "decision_made", "appeal_removed"]
    assert [m.payload["template"] for m in repository.docs[rejected.id].outbox] == told
    assert [m.payload["template"] for m in case.outbox] == told and case.taken_back == ()


async def test_an_undone_appeal_s_receipt_a_relay_began_to_send_is_corrected_after_it(
    service, rejected, repository, clock
):
    await service.appeal(AGENT, rejected.id, WRONG, [DOOR])
    [received] = [m for m in repository.docs[rejected.id].outbox if m.payload["template"] == "appeal_received"]
    await repository.sending(rejected.id, received, clock.now())

    await service.remove_submission(AGENT, rejected.id, 0, REASON)

    assert [m.payload["template"] for m in repository.docs[rejected.id].outbox][-2:] == ["appeal_received",
                                                                                        "appeal_removed"]


async def test_an_appeal_decided_since_keeps_its_review_and_loses_its_words(service, rejected, clock):
    appealed = await service.appeal(AGENT, rejected.id, WRONG, [DOOR])
    decided = await service.decide(INVESTIGATOR, rejected.id, {appealed.version}, Outcome.REJECTED,
                                   ReasonCode.PROOF_OF_DELIVERY, "İmza yine var.", None)

    case = await service.remove_submission(SUPERVISOR, rejected.id, 0, REASON)

    assert (case.status, case.decision, case.appeal.appealed_at) == (Status.RESOLVED, decided.decision,
                                                                     appealed.appeal.appealed_at)
    assert case.appeal.statement == REMOVED_STATEMENT and WRONG not in case.model_dump_json()
    assert case.timeline[-1].details["appeal"] == "stands" and case.timeline[-1].to_status is None


async def test_an_anonymised_case_has_nothing_left_to_take_off(service, misdirected, clock):
    await service.withdraw(CUSTOMER, misdirected, "Buldum")
    case = await service.get(SUPERVISOR, misdirected)
    case.anonymise(clock.now())
    await service.repository.save(case)

    with pytest.raises(CaseAnonymised):
        await service.remove_submission(SUPERVISOR, misdirected, 1, REASON)


async def test_taking_off_the_answer_to_a_question_asks_it_again(service, request_for, clock, repository):
    """The agent relayed another customer's words while a question to this customer was open: taken as the answer,
    they closed it. Taken off, the question is open again: the deadline paused for the whole wait as when it was
    asked, the customer asked again, and their own answer then closes it."""
    opened = (await service.open(CUSTOMER, request_for(), None)).dispute
    asked = await service.request_information(INVESTIGATOR, opened.id, "Kapıcıya sordunuz mu?")
    clock.advance(hours=1)
    answered = await service.add_information(AGENT, opened.id, WRONG)
    assert answered.open_information_request is None and answered.sla.decision_due < asked.sla.decision_due

    case = await service.remove_submission(SUPERVISOR, opened.id, 0, REASON)

    assert case.open_information_request == asked.information_requests[-1]
    assert case.sla.decision_due == asked.sla.decision_due == datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
    assert case.sla_check_due == asked.sla_check_due
    assert case.timeline[-1].details == {"submission": 0, "images_removed": 0, "reason": REASON,
                                         "question_reopened": "irq_1", "decision_due": "2026-11-26T08:30:00.000Z"}
    assert [m.reply_to for m in thread(case, internal=False) if m.text == REMOVED_STATEMENT] == [None]
    assert len(notices(repository, opened.id, "information_requested")) == 2
    own = await service.add_information(CUSTOMER, opened.id, "Kapıcı almadığını söyledi.")
    assert own.information_requests[-1].answered_at == clock.now()


async def test_taking_off_the_answer_once_the_time_to_answer_is_over_closes_the_question_unanswered(
    service, request_for, clock
):
    opened = (await service.open(CUSTOMER, request_for(), None)).dispute
    asked = await service.request_information(INVESTIGATOR, opened.id, "Kapıcıya sordunuz mu?")
    clock.advance(hours=1)
    await service.add_information(AGENT, opened.id, WRONG)
    clock.advance(seconds=(asked.information_requests[-1].answer_by - clock.now()).total_seconds())

    case = await service.remove_submission(SUPERVISOR, opened.id, 0, REASON)

    request = case.information_requests[-1]
    assert (request.answered_at, request.expired_at, case.open_information_request) == (None, clock.now(), None)
    assert case.sla.decision_due == asked.sla.decision_due  # moved on by the whole wait, as an unanswered question's
    assert case.timeline[-1].details["question_expired"] == "irq_1"


async def test_the_customer_s_own_appeal_finds_room_after_another_customer_s_was_undone(service, request_for):
    """Information filled the submissions a case keeps but the appeal's: the undone appeal leaves that room to the
    customer's own."""
    opened = (await service.open(CUSTOMER, request_for(), None)).dispute
    await service.add_information(AGENT, opened.id, f"{WRONG} #0")
    for n in range(1, MAX_KEPT_SUBMISSIONS - 1):
        await service.remove_submission(AGENT, opened.id, n - 1, REASON)
        await service.add_information(AGENT, opened.id, f"{WRONG} #{n}")
    await service.decide(INVESTIGATOR, opened.id, None, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY,
                         "İmzalı teslim.", None)
    await service.appeal(AGENT, opened.id, "Başka müşterinin itirazı.")
    await service.remove_submission(AGENT, opened.id, MAX_KEPT_SUBMISSIONS - 1, REASON)

    again = await service.appeal(CUSTOMER, opened.id, "İmza benim değil.")

    assert again.status is Status.APPEALED and len(again.customer_evidence) == MAX_KEPT_SUBMISSIONS + 1


async def test_taking_off_the_answer_keeps_the_deadline_an_accessibility_need_brought_forward(
    service, request_for, clock
):
    """An accessibility need recorded after the answer brought the deadline forward: the question asked again, the
    deadline is the need's paused for the whole wait, not the usual one the case had when the question was asked."""
    opened = (await service.open(CUSTOMER, request_for(), None)).dispute
    asked = await service.request_information(INVESTIGATOR, opened.id, "Kapıcıya sordunuz mu?")
    clock.advance(hours=1)
    await service.add_information(AGENT, opened.id, WRONG)
    clock.advance(minutes=5)
    needed = (await service.declare_accessibility_need(AGENT, opened.id)).dispute
    assert needed.sla.decision_due < asked.sla.decision_due

    case = await service.remove_submission(SUPERVISOR, opened.id, 0, REASON)

    waiting = case.open_information_request
    assert waiting is not None and waiting.answered_at is None
    calendar = business_calendar(Rules())
    accessible = deadlines(opened.opened_at, Rules(), accessible=True).decision_due
    assert case.sla.decision_due == calendar.add_business_time(
        accessible, calendar.business_time_remaining(waiting.asked_at, waiting.answer_by))
    assert case.sla.decision_due < asked.sla.decision_due
    assert case.sla.decision_due == datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
    assert case.timeline[-1].details["decision_due"] == "2026-11-25T08:30:00.000Z"
