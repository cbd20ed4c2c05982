"""A case on a test clock lives by the clock: the SLA sweeper and the evidence deadline act when the clock
passes them, as of the clock's time, however little real time went by (the real clock never moves here); an advance
runs what it passes each at its own time, and the carrier's proof reaches the case at the clock's time."""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from adapters.memory import InMemoryEvidenceStore, InMemoryTestClocks
from disputes import test_clocks as clocks_use_case
from disputes.actors import SYSTEM
from disputes.assessment import Assessor
from disputes.errors import ClockBeforeDelivery, IdempotencyKeyReused, NotFound, Unprocessable
from disputes.evidence import EvidencePuller, PushAttacher
from disputes.policy import PolicySettings
from disputes.ports import EvidenceRejected, EvidenceUnavailable
from disputes.restrictions import RestrictionReviewer
from disputes.rules import Rules
from disputes.service import DisputeService, Upload
from disputes.sla_sweeper import SlaSweeper
from disputes.work import WorkKind
from schemas.common import Outcome
from schemas.dispute import EffectKind, Evidence, ReasonCode, RestrictionState, Status
from schemas.proof import Attachment, AttachmentKind, ProofOfDelivery, ProofSource, ProofStatus, RecipientRelation
from tests.factories import CUSTOMER, NOW, SUPERVISOR, CountedCleaner, order, shipment
from tests.unit.test_opening import BothLookBeforeEitherAdds, _first_answer


class NoPullApi:
    async def pull(self, carrier, tracking_number, slot=None):
        raise EvidenceRejected("this carrier has no pull API")


class Carrier:
    """A carrier that proves delivery (to `relation`), its answer stamped with the real time it arrives, as the
    gateway stamps it."""

    def __init__(self, clock, relation=RecipientRelation.RECIPIENT):
        self.clock, self.relation = clock, relation

    async def pull(self, carrier, tracking_number, slot=None):
        return delivered(tracking_number, self.relation, self.clock.now())


def delivered(tracking_number, relation, received_at, source=ProofSource.PULL) -> ProofOfDelivery:
    """Signed by the recipient, Ayşe Yılmaz; under any other relation by Mehmet Kaya, a name not on the order."""
    received_by = "Ayşe Yılmaz" if relation is RecipientRelation.RECIPIENT else "Mehmet Kaya"
    return ProofOfDelivery(
        carrier="yurtici", tracking_number=tracking_number, status=ProofStatus.DELIVERED,
        delivered_at=NOW - timedelta(days=11), received_by=received_by, recipient_relation=relation,
        signature=Attachment(kind=AttachmentKind.SIGNATURE, url="https://pod.example/sig/1"), source=source,
        received_at=received_at,
    )


@pytest.fixture
def clocks(repository) -> InMemoryTestClocks:
    return InMemoryTestClocks(repository)


@pytest.fixture
def service(service, clocks):
    return replace(service, test_clocks=clocks)


@pytest.fixture
def use_case(clocks, service, clock):
    return clocks_use_case.TestClockService(clocks, service, clock)


@pytest.fixture
def stepping(clocks, service, clock, pushed, repository):
    """The use case with the workers' jobs, as the composition root gives it: an advance runs what it passes."""
    jobs = (EvidencePuller(service, NoPullApi(), pushed, Rules()), Assessor(service, repository, PolicySettings()),
            SlaSweeper(service), RestrictionReviewer(service))
    return clocks_use_case.TestClockService(clocks, service, clock, jobs)


@pytest.fixture
async def case(use_case, request_for, orders):
    orders.orders["ord-1"] = order(shipments=[shipment(delivered_days_ago=11)])  # before the clock's time
    on_clock = await use_case.create(CUSTOMER, NOW - timedelta(days=10), "demo")
    return (await use_case.open(CUSTOMER, on_clock.id, request_for(), None)).dispute


async def test_a_case_opened_on_a_clock_counts_its_sla_from_the_clock(case):
    assert case.opened_at == NOW - timedelta(days=10) and case.sla.decision_due < NOW


async def test_the_sweeper_leaves_the_case_until_the_clock_reaches_its_deadline_then_applies_the_rule(
    case, use_case, due_work, service, repository, clock
):
    sweeper = due_work(SlaSweeper(service))
    assert await sweeper.run_once() == 0  # its deadline is long past in real time, not on its clock

    reached = case.sla.decision_due + timedelta(minutes=5)
    await use_case.advance(CUSTOMER, case.test_clock.id, reached)

    assert await sweeper.run_once() == 1
    stored = repository.docs[case.id]
    assert stored.status is Status.RESOLVED and stored.decision.reason_code is ReasonCode.DEADLINE_REACHED
    assert stored.decision.decided_at == reached and stored.decision.outcome is Outcome.REFUND
    assert clock.now() == NOW


async def test_the_evidence_deadline_passes_when_the_clock_passes_it(case, use_case, due_work, service, pushed, repository):
    puller = due_work(EvidencePuller(service, NoPullApi(), pushed, Rules()))
    assert await puller.run_once() == 1  # opening made the pull due at once
    assert repository.docs[case.id].evidence_pull_due == case.sla.evidence_due  # a carrier without pulls waits
    assert await puller.run_once() == 0

    await use_case.advance(CUSTOMER, case.test_clock.id, case.sla.evidence_due)

    assert await puller.run_once() == 1
    stored = repository.docs[case.id]
    assert stored.proof_missing and stored.status is Status.UNDER_REVIEW
    assert stored.timeline[-1].action == "carrier_did_not_provide_proof" and stored.timeline[-1].at == case.sla.evidence_due


async def test_a_clock_refuses_times_no_case_can_run_on_and_unknown_clocks(use_case, case, request_for):
    for at in (NOW.replace(year=1999), NOW.replace(year=2100)):
        with pytest.raises(Unprocessable):
            await use_case.create(CUSTOMER, at, None)
    with pytest.raises(clocks_use_case.ClockOnlyMovesForward):
        await use_case.advance(CUSTOMER, case.test_clock.id, case.opened_at - timedelta(seconds=1))
    with pytest.raises(NotFound):
        await use_case.advance(CUSTOMER, "clk_none", NOW)
    with pytest.raises(NotFound):
        await use_case.open(CUSTOMER, "clk_none", request_for(), None)


async def test_a_case_runs_on_a_clock_only_from_its_package_s_delivery(use_case, request_for, repository):
    delivered = NOW - timedelta(days=2)  # the order's one shipment
    before = await use_case.create(CUSTOMER, delivered - timedelta(milliseconds=1), None)
    with pytest.raises(ClockBeforeDelivery) as refused:
        await use_case.open(CUSTOMER, before.id, request_for(), None)
    assert refused.value.code == "clock-before-delivery" and repository.docs == {}
    assert "at 2026-11-16T09:29:59.999Z, before the delivery at 2026-11-16T09:30:00.000Z" in refused.value.detail

    at_delivery = await use_case.create(CUSTOMER, delivered, None)
    assert (await use_case.open(CUSTOMER, at_delivery.id, request_for(), None)).dispute.opened_at == delivered


async def test_a_restriction_raised_and_lifted_on_a_clock_stays_within_the_clock(
    use_case, service, repository, due_work, request_for
):
    review = timedelta(hours=72)
    assess = due_work(Assessor(service, repository, PolicySettings(repeat_claims_threshold=1, restriction_review=review)))
    on_clock = await use_case.create(CUSTOMER, NOW - timedelta(days=1), None)
    case = (await use_case.open(CUSTOMER, on_clock.id, request_for(), None)).dispute
    await service.apply_timed(SYSTEM, case.id, lambda d, now: d.evidence_pull_failed(SYSTEM, "away", None, now))
    assert await assess.run_once() == 1
    raised = repository.docs[case.id].restriction
    assert raised is not None and raised.state is RestrictionState.PENDING_REVIEW

    await use_case.advance(CUSTOMER, on_clock.id, raised.review_due)
    assert await due_work(RestrictionReviewer(service)).run_once() == 1

    stored = repository.docs[case.id]
    assert stored.restriction.state is RestrictionState.LIFTED  # the case keeps its restriction's story, by the clock
    assert [e.action for e in stored.timeline if "restriction" in e.action] == ["restriction_raised", "restriction_lifted"]
    account = [m.payload for m in stored.outbox if m.kind is EffectKind.ACCOUNT_RESTRICTION]
    told = [m.payload["template"] for m in stored.outbox if m.kind is EffectKind.NOTIFICATION]
    assert account == [] and "restriction_lifted" not in told  # nothing reaches the customer's real account
    assert stored.abuse_flags and [m for m in stored.outbox if m.kind is EffectKind.CUSTOMER_RISK] == []


@pytest.mark.parametrize("outcome", [Outcome.REFUND, Outcome.RESHIP])
async def test_a_case_on_a_clock_decided_for_the_customer_refunds_reships_and_bills_nothing_real_yet_tells_its_story(
    case, service, repository, request_for, outcome
):
    real = (await service.open(CUSTOMER, request_for(), None)).dispute  # the same shipment, in real time
    for opened in (case, real):  # the carrier never proved delivery: both decided for the customer, the carrier liable
        await service.apply_timed(SYSTEM, opened.id, lambda d, now: d.evidence_deadline_passed(SYSTEM, now))
        await service.apply_timed(SYSTEM, opened.id, lambda d, now: d.decide(
            SYSTEM, outcome, ReasonCode.CARRIER_NO_PROOF, "Kargo firması teslimatı kanıtlamadı.", None, now))

    moving = {EffectKind.REFUND, EffectKind.RESHIP, EffectKind.CARRIER_LIABILITY}
    queued = {d.id: {m.kind for m in repository.docs[d.id].outbox} & moving for d in (case, real)}
    assert queued == {case.id: set(), real.id: {EffectKind(outcome.value), EffectKind.CARRIER_LIABILITY}}
    on_clock = repository.docs[case.id]
    assert on_clock.status is Status.RESOLVED and on_clock.decision.outcome is outcome and on_clock.carrier_liable
    assert on_clock.decision.decided_at == case.opened_at  # by the clock
    assert [e.details["outcome"] for e in on_clock.timeline if e.action == "decided"] == [outcome.value]
    [told] = [m for m in on_clock.outbox if m.key == f"{case.id}:d1:decision_made"]
    assert told.payload["outcome"] == outcome.value and told.waits_for == []  # its story, waiting for nothing


async def test_cases_on_a_clock_and_the_customer_s_real_cases_never_count_in_each_other_s_claim_history(
    use_case, service, repository, due_work, request_for, orders, clock
):
    assess = due_work(Assessor(service, repository, PolicySettings(repeat_claims_threshold=2)))
    for number in range(1, 5):
        orders.orders[f"ord-{number}"] = order(f"ord-{number}", shipments=[shipment(f"shp-{number}")])
    real = (await service.open(CUSTOMER, request_for("ord-1"), None)).dispute
    on_clock = await use_case.create(CUSTOMER, NOW + timedelta(days=1), None)
    first = (await use_case.open(CUSTOMER, on_clock.id, request_for("ord-2"), None)).dispute
    await use_case.advance(CUSTOMER, on_clock.id, NOW + timedelta(days=1, hours=1))
    second = (await use_case.open(CUSTOMER, on_clock.id, request_for("ord-3"), None)).dispute
    clock.advance(days=2)
    later = (await service.open(CUSTOMER, request_for("ord-4"), None)).dispute
    for case in (real, first, second, later):  # the carrier never answered: each is assessed
        await service.apply_timed(SYSTEM, case.id, lambda d, now: d.evidence_pull_failed(SYSTEM, "away", None, now))

    assert await assess.run_once() == 4

    flagged = [repository.docs[case.id].abuse_flags for case in (real, first, second, later)]
    assert flagged == [[], [], ["repeat_claims"], ["repeat_claims"]]


async def test_a_clock_refuses_a_time_whose_deadlines_the_calendar_cannot_count(use_case, case, clocks):
    # The holidays library confirms Turkish religious holiday dates up to 2032: from 2032 on, a case's deadlines
    # could fall in a year it only estimates.
    for at in (datetime(2032, 1, 1, tzinfo=UTC), datetime(2040, 2, 14, tzinfo=UTC)):
        with pytest.raises(clocks_use_case.ClockOutOfRange, match="2032"):
            await use_case.create(CUSTOMER, at, None)
    # A clock moves on through the last year counted, so that the cases opened before it reach their deadlines.
    for at in (datetime(2032, 12, 31, tzinfo=UTC), datetime(2040, 2, 14, tzinfo=UTC)):
        with pytest.raises(clocks_use_case.ClockOutOfRange, match="2032"):
            await use_case.advance(CUSTOMER, case.test_clock.id, at)
    assert (await clocks.get(case.test_clock.id)).frozen_time == case.opened_at
    latest = await use_case.create(CUSTOMER, datetime(2031, 12, 31, 23, 59, 59, 999000, tzinfo=UTC), None)
    assert latest.frozen_time.year == 2031
    last_day = datetime(2032, 12, 30, 23, tzinfo=UTC)
    assert (await use_case.advance(CUSTOMER, latest.id, last_day)).frozen_time == last_day


async def test_a_case_opened_late_in_the_last_year_but_one_runs_to_its_deadline_in_the_last_year(
    stepping, request_for, orders, repository
):
    # Opened on Tuesday 30.12.2031 at 13:00 in Istanbul: three business days on (31.12, then 02.01.2032 after New
    # Year's Day, then 05.01 after the weekend), its decision is due at the end of Monday 05.01.2032.
    opened_at = datetime(2031, 12, 30, 10, tzinfo=UTC)
    delivered = shipment().model_copy(update={"delivered_at": opened_at - timedelta(days=1)})
    orders.orders["ord-1"] = order(shipments=[delivered])
    on_clock = await stepping.create(CUSTOMER, opened_at, None)
    case = (await stepping.open(CUSTOMER, on_clock.id, request_for(), None)).dispute
    assert case.sla.decision_due == datetime(2032, 1, 5, 21, tzinfo=UTC)

    await stepping.advance(CUSTOMER, on_clock.id, datetime(2032, 1, 6, 9, tzinfo=UTC))

    stored = repository.docs[case.id]  # the carrier never answered: at its evidence deadline, for the customer
    assert stored.status is Status.RESOLVED and stored.decision.reason_code is ReasonCode.CARRIER_NO_PROOF
    assert stored.decision.decided_at == case.sla.evidence_due == datetime(2032, 1, 2, 21, tzinfo=UTC)  # Friday 02.01
    with pytest.raises(clocks_use_case.ClockOutOfRange, match="before 2032-01-01"):  # no new case past its start
        await stepping.open(CUSTOMER, on_clock.id, request_for(shipment_id=delivered.shipment_id), None)


async def test_a_case_on_a_clock_set_beyond_the_counted_years_before_they_were_bounded_is_refused_not_a_500(
    use_case, case, clocks, service, request_for
):
    await clocks.advance(case.test_clock.id, datetime(2040, 6, 1, tzinfo=UTC))  # as stored when clocks went to 2100

    with pytest.raises(clocks_use_case.ClockOutOfRange, match="before 2032"):
        await service.add_customer_message(CUSTOMER, case.id, "Kapıda kimse yoktu.")
    with pytest.raises(clocks_use_case.ClockOutOfRange, match="before 2032"):
        await use_case.open(CUSTOMER, case.test_clock.id, request_for(), None)


async def test_proof_pulled_for_a_case_on_a_clock_is_received_at_the_clock_s_time_not_after_its_deadline(
    case, due_work, service, pushed, repository, clock
):
    assert await due_work(EvidencePuller(service, Carrier(clock), pushed, Rules())).run_once() == 1
    assert await due_work(Assessor(service, repository, PolicySettings())).run_once() == 1

    stored = repository.docs[case.id]
    assert [e.proof.received_at for e in stored.evidence] == [NOW - timedelta(days=10)]  # the clock's, not NOW
    assert "proof_after_deadline" not in [f.code for f in stored.recommendation.findings]


async def test_the_customer_is_given_the_time_to_check_with_a_neighbour_on_the_clock(
    case, due_work, service, pushed, repository, clock
):
    neighbour = Carrier(clock, RecipientRelation.NEIGHBOUR)
    assert await due_work(EvidencePuller(service, neighbour, pushed, Rules())).run_once() == 1
    assert await due_work(Assessor(service, repository, PolicySettings())).run_once() == 1

    stored = repository.docs[case.id]
    assert stored.recommendation.rule.value == "third_party_check"
    # received on the clock at 08.11.2026 12:30 Istanbul: a day to check, by the clock
    assert "09.11.2026 12:30 tarihine kadar" in stored.recommendation.customer_message
    assert stored.assess_due == NOW - timedelta(days=9)


async def test_a_pushed_proof_is_received_by_each_case_at_its_own_time(
    use_case, service, repository, pushed, due_work, request_for, clock
):
    real = (await service.open(CUSTOMER, request_for(), None)).dispute
    on_clock = await use_case.create(CUSTOMER, NOW - timedelta(days=1), None)
    clocked = (await use_case.open(CUSTOMER, on_clock.id, request_for(), None)).dispute  # the same shipment
    event = Evidence(key="push:yurtici:ev-1", proof=delivered(real.order.tracking_number, RecipientRelation.RECIPIENT,
                                                              NOW, ProofSource.PUSH))
    await pushed.record_many([event], NOW)
    clock.advance(minutes=5)

    assert await due_work(PushAttacher(service, repository, pushed)).run_once() == 1

    received = {case.id: [e.proof.received_at for e in repository.docs[case.id].evidence] for case in (real, clocked)}
    assert received == {real.id: [NOW], clocked.id: [NOW - timedelta(days=1)]}


class CircuitOpen:
    """A carrier whose circuit breaker refuses calls for 30 seconds more, of real time."""

    def __init__(self, clock):
        self.clock = clock

    async def pull(self, carrier, tracking_number, slot=None):
        raise EvidenceUnavailable("circuit open", retry_at=self.clock.now() + timedelta(seconds=30))


async def test_a_case_on_a_clock_asks_a_refusing_carrier_again_by_its_backoff_on_its_clock(
    case, due_work, service, pushed, repository, clock
):
    assert await due_work(EvidencePuller(service, CircuitOpen(clock), pushed, Rules())).run_once() == 1

    # the breaker's 30 seconds are real ones (they would put the next try at the evidence deadline on this clock)
    assert repository.docs[case.id].evidence_pull_due == case.opened_at + Rules().evidence_retry


MONDAY = datetime(2026, 11, 16, 8, tzinfo=UTC)  # 11:00 in Istanbul; no holiday that week
FIRST_RESPONSE_NEAR = datetime(2026, 11, 17, 9, tzinfo=UTC)  # 12 hours before the first response is due
FIRST_RESPONSE_DUE = datetime(2026, 11, 17, 21, tzinfo=UTC)  # the end of Tuesday: one business day on
EVIDENCE_DUE = datetime(2026, 11, 18, 21, tzinfo=UTC)  # the end of Wednesday in Istanbul: two business days on
ESCALATION = datetime(2026, 11, 19, 9, tzinfo=UTC)  # 12 hours before the decision deadline
DECISION_DUE = datetime(2026, 11, 19, 21, tzinfo=UTC)  # the end of Thursday: three business days on
TIMED = ("first_response_escalated", "first_response_missed", "carrier_did_not_provide_proof", "assessed",
         "sla_escalated", "decided")


async def high_value_case_on_a_clock(stepping, request_for, orders):
    orders.orders["ord-1"] = order(shipments=[shipment(price=6_500_000, delivered_days_ago=3)])  # a person decides
    on_clock = await stepping.create(CUSTOMER, MONDAY, None)
    return (await stepping.open(CUSTOMER, on_clock.id, request_for(), None)).dispute


async def test_one_advance_past_every_deadline_runs_each_at_its_own_time_in_order(
    stepping, request_for, orders, repository
):
    case = await high_value_case_on_a_clock(stepping, request_for, orders)
    assert (case.sla.evidence_due, case.sla.decision_due) == (EVIDENCE_DUE, DECISION_DUE)

    moved = await stepping.advance(CUSTOMER, case.test_clock.id, datetime(2026, 11, 30, tzinfo=UTC))

    assert moved.frozen_time == datetime(2026, 11, 30, tzinfo=UTC)
    stored = repository.docs[case.id]
    assert [(e.action, e.at) for e in stored.timeline if e.action in TIMED] == [
        ("assessed", MONDAY),  # provisional, while the carrier is awaited
        ("first_response_escalated", FIRST_RESPONSE_NEAR),  # nobody has taken the case
        ("first_response_missed", FIRST_RESPONSE_DUE),
        ("carrier_did_not_provide_proof", EVIDENCE_DUE),
        ("assessed", EVIDENCE_DUE),
        ("sla_escalated", ESCALATION),
        ("decided", DECISION_DUE),
    ]
    assert [e.at for e in stored.timeline] == sorted(e.at for e in stored.timeline)
    assert stored.decision.reason_code is ReasonCode.DEADLINE_REACHED and stored.decision.decided_at == DECISION_DUE


async def test_an_advance_stops_after_its_bound_of_moments_and_the_next_goes_on(
    stepping, request_for, orders, repository, monkeypatch
):
    case = await high_value_case_on_a_clock(stepping, request_for, orders)
    monkeypatch.setattr(clocks_use_case, "MOMENTS", 2)
    later = datetime(2026, 11, 30, tzinfo=UTC)

    stopped = await stepping.advance(CUSTOMER, case.test_clock.id, later)

    assert stopped.frozen_time == FIRST_RESPONSE_DUE  # the first response's escalation, then its deadline: two moments
    *_, missed, advanced = repository.docs[case.id].timeline
    assert (missed.action, advanced.action, advanced.actor) == ("first_response_missed", "clock_advanced", CUSTOMER.id)
    assert case.test_clock.time == MONDAY
    assert advanced.details == {"from": "2026-11-16T08:00:00.000Z", "to": "2026-11-17T21:00:00.000Z"}
    assert repository.docs[case.id].decision is None
    assert (await stepping.advance(CUSTOMER, case.test_clock.id, later)).frozen_time == ESCALATION  # the next two
    assert repository.docs[case.id].escalated and repository.docs[case.id].decision is None
    assert (await stepping.advance(CUSTOMER, case.test_clock.id, later)).frozen_time == later
    assert repository.docs[case.id].decision.decided_at == DECISION_DUE


async def test_staff_moving_a_case_s_clock_is_no_first_response_to_its_customer(
    stepping, request_for, orders, repository
):
    case = await high_value_case_on_a_clock(stepping, request_for, orders)

    await stepping.advance(SUPERVISOR, case.test_clock.id, MONDAY + timedelta(hours=1))  # nobody has taken the case
    await stepping.advance(SUPERVISOR, case.test_clock.id, datetime(2026, 11, 30, tzinfo=UTC))

    actions = [e.action for e in repository.docs[case.id].timeline]
    assert {"clock_advanced", "first_response_escalated", "first_response_missed"} <= set(actions), actions


async def test_retention_on_a_case_on_a_clock_comes_when_its_clock_reaches_it_not_by_the_real_time(case):
    signed = delivered(case.order.tracking_number, RecipientRelation.RECIPIENT, case.opened_at).model_copy(
        update={"signature": Attachment(kind=AttachmentKind.SIGNATURE, ref="att_" + "a" * 40, media_type="image/png")}
    )
    closed = case.model_copy(update={"closed_at": case.opened_at, "evidence": [Evidence(key="e", proof=signed)]})
    keep = timedelta(days=5)  # the clock stands 10 days before the real time: closed + 5 days is past in real time

    assert closed.retention_due(keep) is None  # not yet on the case's clock
    reached = closed.test_clock.model_copy(update={"time": case.opened_at + keep})
    assert closed.model_copy(update={"test_clock": reached}).retention_due(keep) == reached.at
    real = closed.model_copy(update={"test_clock": None})
    assert real.retention_due(keep) == case.opened_at + keep


async def test_an_image_added_to_a_case_on_a_clock_set_back_is_stored_at_the_real_time_not_the_clock_s(
    case, service, clock
) -> None:
    # the clock is ten days back: stored at its time, the image would be due for deletion before the case cites it
    store = InMemoryEvidenceStore()
    service = replace(service, attachments=store, clean_image=CountedCleaner())
    door = Upload("kapi.jpg", "image/jpeg", b"\xff\xd8\xff\xe0" + b"door-pixels" * 40)

    await service.add_information(CUSTOMER, case.id, "Kapının fotoğrafı.", [door])

    assert list(store.due[WorkKind.ATTACHMENT_CHECK].values()) == [NOW + timedelta(hours=1)]


async def test_a_proof_pushed_before_the_clock_reached_the_deadline_is_proof_by_it_whoever_comes_first(
    case, use_case, due_work, service, pushed, repository, clock
):
    """Pushed (stored, in real time) while the case's clock stood before its evidence deadline; the clock then passes
    the deadline and the deadline's pull comes before the push attacher: the proof counts, as it does when the attacher
    comes first."""
    puller = due_work(EvidencePuller(service, NoPullApi(), pushed, Rules()))
    assert await puller.run_once() == 1
    event = Evidence(key="push:yurtici:ev-1",
                     proof=delivered(case.order.tracking_number, RecipientRelation.RECIPIENT, clock.now(), ProofSource.PUSH))
    assert await pushed.record_many([event], clock.now()) == [True]

    await use_case.advance(CUSTOMER, case.test_clock.id, case.sla.evidence_due)
    assert await puller.run_once() == 1

    stored = repository.docs[case.id]
    assert [e.key for e in stored.evidence] == [event.key]
    assert not stored.proof_missing and stored.has_delivery_proof
    assert "carrier_did_not_provide_proof" not in [entry.action for entry in stored.timeline]


async def test_an_expired_key_opens_a_new_case_on_a_clock_set_in_the_past(use_case, request_for, orders, clock):
    orders.orders["ord-1"] = order(shipments=[shipment(delivered_days_ago=11)])
    orders.orders["ord-2"] = order("ord-2", shipments=[shipment("shp-2", delivered_days_ago=11)])
    on_clock = await use_case.create(CUSTOMER, NOW - timedelta(days=10), "demo")
    first = await use_case.open(CUSTOMER, on_clock.id, request_for(), "key-1")
    assert first.created

    clock.advance(hours=25)  # the key's 24 h of real time are over
    second = await use_case.open(CUSTOMER, on_clock.id, request_for(order_id="ord-2"), "key-1")

    assert second.created and second.dispute.id != first.dispute.id


async def test_two_concurrent_openings_with_one_key_and_two_bodies_on_a_clock_ahead_open_one_case(
    orders, clock, request_for
):
    orders.orders["ord-2"] = order("ord-2", shipments=[shipment("shp-2")])
    repository = BothLookBeforeEitherAdds()
    clocks = InMemoryTestClocks(repository)
    service = DisputeService(repository, orders, clock, Rules(), test_clocks=clocks)
    use_case = clocks_use_case.TestClockService(clocks, service, clock)
    on_clock = await use_case.create(CUSTOMER, NOW + timedelta(days=2), "ahead")

    results = await asyncio.gather(
        use_case.open(CUSTOMER, on_clock.id, request_for(), "key-1", _first_answer),
        use_case.open(CUSTOMER, on_clock.id, request_for(order_id="ord-2"), "key-1", _first_answer),
        return_exceptions=True,
    )

    assert len(repository.docs) == 1
    assert sum(isinstance(r, IdempotencyKeyReused) for r in results) == 1


async def test_a_case_on_a_clock_past_its_personal_data_retention_is_anonymised_only_once_its_opening_key_expired(
    use_case, request_for, orders
):
    orders.orders["ord-1"] = order(shipments=[shipment(delivered_days_ago=11)])
    on_clock = await use_case.create(CUSTOMER, NOW - timedelta(days=10), "demo")
    opened = (await use_case.open(CUSTOMER, on_clock.id, request_for(), "key-1")).dispute
    keep = timedelta(days=1)
    reached = opened.test_clock.model_copy(update={"time": opened.opened_at + keep})  # the clock advanced a day
    closed = opened.model_copy(update={
        "status": Status.WITHDRAWN, "closed_at": opened.opened_at, "outbox": [], "test_clock": reached,
    })
    assert closed.anonymisation_due(keep) == reached.at  # due now by the clock, in real time

    assert closed.hold_anonymisation(NOW)  # the key lives 24 h of real time (DISPUTES_IDEMPOTENCY_TTL_HOURS)
    assert closed.anonymisation_due(keep) == NOW + timedelta(hours=24)
    assert not closed.hold_anonymisation(NOW + timedelta(hours=24))
