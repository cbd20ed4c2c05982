"""The customer's time to check with a neighbour, doorman or locker starts when they can first be told of the
hand-over: carriers push at delivery, customers report later."""

from datetime import datetime, timedelta

from disputes.actors import SYSTEM
from disputes.model import Dispute
from disputes.next_step import third_party_check
from disputes.policy import CustomerHistory, PolicySettings, recommend
from schemas.common import Outcome, Role
from schemas.dispute import EffectKind, ReasonCode, Status, TimelineEntry
from schemas.proof import ProofStatus, RecipientRelation
from schemas.recommendation import PolicyRule, Recommendation
from schemas.recommendation import RecommendedAction as Act
from tests.factories import INVESTIGATOR, SUPERVISOR
from tests.unit.policy.builders import OPENED_AT, dispute, evidence

DAY = timedelta(hours=24)  # the default third_party_wait


def neighbour(received_at: datetime) -> Dispute:
    """Opened at OPENED_AT, holding a neighbour's hand-over whose proof arrived at `received_at`."""
    return dispute(evidence(relation=RecipientRelation.NEIGHBOUR, received_by="Mehmet Kaya", received_at=received_at))


def advise(d: Dispute, now: datetime) -> Recommendation:
    return recommend(d, CustomerHistory(), now, PolicySettings())


def moved(d: Dispute, *changes: tuple[datetime, Status]) -> Dispute:
    """The case with its timeline: opened at its opening, then each status change at its time."""
    steps = [(d.opened_at, Status.OPENED), *changes]
    entries = [TimelineEntry(at=at, actor="inv-ayse", role=Role.INVESTIGATOR, action="changed", to_status=status)
               for at, status in steps]
    return d.model_copy(update={"timeline": entries, "status": steps[-1][1]})


def test_a_hand_over_pushed_two_days_before_the_opening_is_told_with_the_whole_window() -> None:
    case = neighbour(OPENED_AT - 2 * DAY)

    at_opening = advise(case, OPENED_AT)
    almost = advise(case, OPENED_AT + DAY - timedelta(seconds=1))
    over = advise(case, OPENED_AT + DAY)

    assert (at_opening.action, at_opening.rule) == (Act.WAIT_FOR_CUSTOMER_CHECK, PolicyRule.THIRD_PARTY_CHECK)
    assert at_opening.customer_message is not None and "Mehmet Kaya" in at_opening.customer_message
    assert "19.11.2026 06:30 tarihine kadar" in at_opening.customer_message  # the opening (06:30 Istanbul) + 24 h
    assert almost.rule is PolicyRule.THIRD_PARTY_CHECK
    assert (over.action, over.rule, over.customer_message) == (Act.NEEDS_PERSON, PolicyRule.THIRD_PARTY_CHECK_OVER, None)


def test_a_hand_over_pushed_ten_hours_before_the_opening_still_gets_the_whole_window() -> None:
    case = neighbour(OPENED_AT - timedelta(hours=10))

    assert advise(case, OPENED_AT + timedelta(hours=20)).rule is PolicyRule.THIRD_PARTY_CHECK
    assert advise(case, OPENED_AT + DAY).rule is PolicyRule.THIRD_PARTY_CHECK_OVER


def test_a_hand_over_reported_after_the_opening_is_counted_from_its_arrival() -> None:
    case = neighbour(OPENED_AT + timedelta(hours=3))

    assert advise(case, OPENED_AT + DAY + timedelta(hours=2)).rule is PolicyRule.THIRD_PARTY_CHECK
    assert advise(case, OPENED_AT + DAY + timedelta(hours=3)).rule is PolicyRule.THIRD_PARTY_CHECK_OVER


def test_a_later_assessment_of_the_same_review_names_the_same_end() -> None:
    case = moved(neighbour(OPENED_AT - 2 * DAY), (OPENED_AT + timedelta(minutes=1), Status.UNDER_REVIEW))

    messages = {advise(case, OPENED_AT + timedelta(hours=h)).customer_message for h in (0, 1, 12, 23)}

    assert len(messages) == 1 and "19.11.2026 06:30" in str(messages.pop())


def test_a_reopened_case_gives_no_new_window_for_a_hand_over_told_in_its_first_review() -> None:
    first_review = neighbour(OPENED_AT - 2 * DAY)
    reopened = moved(
        first_review,
        (OPENED_AT + timedelta(hours=2), Status.UNDER_REVIEW),
        (OPENED_AT + timedelta(hours=30), Status.RESOLVED),
        (OPENED_AT + 3 * DAY, Status.UNDER_REVIEW),
    )

    advice = advise(reopened, OPENED_AT + 3 * DAY + timedelta(minutes=1))

    assert (advice.rule, advice.customer_message) == (PolicyRule.THIRD_PARTY_CHECK_OVER, None)


def test_a_hand_over_reported_while_the_case_was_decided_is_told_from_the_next_review() -> None:
    decided_at, reopened_at = OPENED_AT + timedelta(hours=5), OPENED_AT + 2 * DAY
    case = moved(
        neighbour(decided_at + timedelta(hours=1)),
        (OPENED_AT + timedelta(hours=1), Status.AWAITING_EVIDENCE),
        (decided_at, Status.RESOLVED),
        (reopened_at, Status.UNDER_REVIEW),
    )

    assert advise(case, reopened_at + DAY - timedelta(seconds=1)).rule is PolicyRule.THIRD_PARTY_CHECK
    assert advise(case, reopened_at + DAY).rule is PolicyRule.THIRD_PARTY_CHECK_OVER


def test_the_case_is_looked_at_again_when_the_window_ends_however_late_in_it_it_was_assessed() -> None:
    """The customer view's check-by date and the next assessment are the window's end the policy counted: an
    assessment halfway through the window (the carrier's proof pulled late) neither moves it nor waits a whole window
    more."""
    case = neighbour(OPENED_AT - 2 * DAY)
    halfway = OPENED_AT + DAY / 2

    case.record_assessment(SYSTEM, advise(case, halfway), halfway, timedelta(hours=72))

    assert case.third_party_check_by == case.assess_due == OPENED_AT + DAY


def assessed(d: Dispute, now: datetime) -> Dispute:
    d.record_assessment(SYSTEM, advise(d, now), now, timedelta(hours=72))
    return d


def hand_over_notices(d: Dispute) -> list[str]:
    return [m.payload["message"] for m in d.outbox
            if m.kind is EffectKind.NOTIFICATION and m.payload["template"] == "check_with_third_party"]


def test_the_same_hand_over_pulled_after_it_was_pushed_keeps_the_time_the_customer_was_told() -> None:
    pushed = evidence("ev-push", relation=RecipientRelation.NEIGHBOUR, received_by="Mehmet Kaya",
                      received_at=OPENED_AT + timedelta(hours=1))
    case = assessed(dispute(pushed), OPENED_AT + timedelta(hours=1))
    pulled = evidence("ev-pull", relation=RecipientRelation.NEIGHBOUR, received_by="Mehmet Kaya",
                      received_at=OPENED_AT + timedelta(hours=5))  # the carrier answered the pull late
    case.evidence.append(pulled)

    assessed(case, OPENED_AT + timedelta(hours=5))

    assert case.third_party_check_by == case.assess_due == OPENED_AT + timedelta(hours=1) + DAY
    assert len(hand_over_notices(case)) == 1  # nothing new to tell


def test_a_corrected_receiver_is_told_again_with_the_same_time_to_check() -> None:
    case = assessed(neighbour(OPENED_AT), OPENED_AT)
    corrected = evidence("ev-2", relation=RecipientRelation.DOORMAN, received_by="Hasan Demir",
                         received_at=OPENED_AT + timedelta(hours=6))
    case.evidence.append(corrected)

    assessed(case, OPENED_AT + timedelta(hours=6))

    first, second = hand_over_notices(case)
    assert "Mehmet Kaya" in first and "Hasan Demir" in second and "Hasan Demir" not in first
    assert case.third_party_check_by == OPENED_AT + DAY


def test_a_reopened_case_is_a_person_s_review_with_no_time_to_check_for_any_hand_over() -> None:
    case = assessed(neighbour(OPENED_AT), OPENED_AT)
    case.decide(INVESTIGATOR, Outcome.REJECTED, ReasonCode.THIRD_PARTY_CONFIRMED, "Komşu aldı.", None,
                OPENED_AT + timedelta(hours=2))
    reopened_at = OPENED_AT + timedelta(hours=3)  # within the day the customer had been given

    case.reopen(SUPERVISOR, "Müşteri komşunun almadığını söylüyor.", reopened_at)
    assert third_party_check(case) is None  # the view tells no time to check, though the advice read says wait
    case.evidence.append(evidence("ev-back", status=ProofStatus.RETURNED, received_at=reopened_at + timedelta(hours=1)))
    assessed(case, reopened_at + timedelta(hours=1))
    case.evidence.append(evidence("ev-door", relation=RecipientRelation.DOORMAN, received_by="Hasan Demir",
                                  received_at=reopened_at + timedelta(hours=2)))  # a hand-over new to this review
    assessed(case, reopened_at + timedelta(hours=2))

    advice = case.recommendation
    assert advice is not None and (advice.action, advice.rule) == (Act.NEEDS_PERSON, PolicyRule.THIRD_PARTY_CHECK_OVER)
    assert advice.findings[0].code == "third_party_in_reopened_review"
    assert third_party_check(case) is None and len(hand_over_notices(case)) == 1


def test_proofs_attached_out_of_order_keep_the_time_the_customer_was_told() -> None:
    """A push the attacher reaches after a later pull: its earlier receipt moves nothing already told."""
    case = assessed(neighbour(OPENED_AT + timedelta(hours=10)), OPENED_AT + timedelta(hours=10))
    case.evidence.append(evidence("ev-push", relation=RecipientRelation.NEIGHBOUR, received_by="Mehmet Kaya",
                                  received_at=OPENED_AT + timedelta(hours=3)))

    assessed(case, OPENED_AT + timedelta(hours=11))

    assert case.third_party_check_by == case.assess_due == OPENED_AT + timedelta(hours=10) + DAY
    assert len(hand_over_notices(case)) == 1


def test_a_hand_over_after_the_carrier_said_it_was_not_delivered_is_told_with_a_time_of_its_own() -> None:
    case = assessed(neighbour(OPENED_AT + timedelta(hours=1)), OPENED_AT + timedelta(hours=1))
    case.evidence.append(evidence("ev-back", status=ProofStatus.RETURNED, received_at=OPENED_AT + timedelta(hours=2)))
    assessed(case, OPENED_AT + timedelta(hours=2))
    assert case.recommendation is not None and case.recommendation.action is not Act.WAIT_FOR_CUSTOMER_CHECK
    again = OPENED_AT + timedelta(hours=30)
    case.evidence.append(evidence("ev-3", relation=RecipientRelation.DOORMAN, received_by="Hasan Demir",
                                  received_at=again))

    assessed(case, again)

    assert case.third_party_check_by == again + DAY
    assert len(hand_over_notices(case)) == 2 and "Hasan Demir" in hand_over_notices(case)[1]


def test_once_the_time_to_check_has_passed_the_same_hand_over_pulled_again_starts_none() -> None:
    case = assessed(neighbour(OPENED_AT), OPENED_AT)
    over = OPENED_AT + DAY
    assessed(case, over)
    case.evidence.append(evidence("ev-again", relation=RecipientRelation.NEIGHBOUR, received_by="Mehmet Kaya",
                                  received_at=over + timedelta(hours=1)))

    assessed(case, over + timedelta(hours=1))

    assert case.recommendation is not None and case.recommendation.rule is PolicyRule.THIRD_PARTY_CHECK_OVER
    assert len(hand_over_notices(case)) == 1
