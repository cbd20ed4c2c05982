"""A digital line's delivery record, pulled like a carrier's proof: on opening, again with backoff while the
provider is down, "no record" recorded at the evidence deadline; the latest record replaces the earlier one. The
save that records a pull ends its lease and hands the assessment to this worker's assessor, as a carrier's does."""

from datetime import timedelta

import pytest

from adapters.memory import InMemoryOrders
from disputes.assessment import Assessor
from disputes.digital import DigitalPuller
from disputes.evidence import EvidencePuller
from disputes.lanes import Lanes
from disputes.policy import PolicySettings
from disputes.ports import EvidenceRejected, EvidenceUnavailable
from disputes.rules import Rules
from disputes.schedule import Handover, Wake
from disputes.work import WorkKind
from schemas.digital import DigitalChannel, DigitalDelivery, DigitalState
from schemas.dispute import Status
from schemas.orders import DigitalKind, OrderItem
from tests.factories import CUSTOMER, INVESTIGATOR, NOW, order, shipment, subjects

LINES = (
    OrderItem(sku="sku-steam", name="Steam kodu", quantity=1, unit_price_minor=50_000, digital=DigitalKind.GAME_CODE),
    OrderItem(sku="sku-gift", name="Hediye kartı", quantity=2, unit_price_minor=10_000, digital=DigitalKind.GIFT_CARD),
)


def record(sku: str, opened: bool = False, activated: bool = False) -> DigitalDelivery:
    sent = NOW - timedelta(days=1)
    return DigitalDelivery(
        order_id="ord-1", sku=sku, found=True, channel=DigitalChannel.EMAIL, sent_to="a***@example.com", sent_at=sent,
        link_present=True, opened_at=sent if opened or activated else None, activated_at=sent if activated else None,
        received_at=NOW,
    )


class Provider:
    """Answers from a list, one per pull (the last one repeats); every call is recorded."""

    def __init__(self, *answers: dict[str, DigitalDelivery] | Exception) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, str]] = []

    async def record(self, order_id: str, sku: str) -> DigitalDelivery:
        self.calls.append((order_id, sku))
        if sku == LINES[0].sku and self.calls[:-1] and len(self.answers) > 1:  # a new pull
            self.answers.pop(0)
        answer = self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer[sku]


@pytest.fixture
def orders() -> InMemoryOrders:
    digital = shipment(carrier="digital").model_copy(update={"items": list(LINES)})
    return InMemoryOrders([order(shipments=[digital])])


class NoCarrier:
    async def pull(self, carrier, tracking_number, slot=None):
        raise AssertionError("a digital case asks no carrier")


def digital_puller(service, pushed, provider: Provider, then: Handover | None = None) -> EvidencePuller:
    return EvidencePuller(service, NoCarrier(), pushed, Rules(), digital=DigitalPuller(provider, Rules()), then=then)


@pytest.fixture
def make_puller(service, pushed, due_work):
    def make(provider: Provider):
        return due_work(digital_puller(service, pushed, provider))

    return make


@pytest.fixture
async def dispute(service, request_for):
    return (await service.open(CUSTOMER, request_for(), None)).dispute


async def test_every_line_is_asked_about_on_opening_and_its_record_put_on_the_case(make_puller, dispute, repository):
    provider = Provider({"sku-steam": record("sku-steam", activated=True), "sku-gift": record("sku-gift")})

    assert await make_puller(provider).run_once() == 1

    stored = repository.docs[dispute.id]
    assert provider.calls == [("ord-1", "sku-steam"), ("ord-1", "sku-gift")]
    assert [r.state for r in stored.digital_deliveries] == [DigitalState.ACTIVATED, DigitalState.SENT]
    assert stored.status is Status.UNDER_REVIEW and stored.evidence_pull_due is None and stored.assess_due == NOW
    assert stored.timeline[-1].details == {"states": {"sku-steam": "activated", "sku-gift": "sent"}}
    assert "example.com" not in str(stored.timeline)
    assert stored.order.reshippable is False and stored.order.is_digital


async def test_a_provider_that_is_down_is_asked_again_with_backoff(make_puller, dispute, repository, clock):
    answer = {"sku-steam": record("sku-steam"), "sku-gift": record("sku-gift")}
    provider = Provider(EvidenceUnavailable("503"), answer)
    puller = make_puller(provider)

    await puller.run_once()
    failed = repository.docs[dispute.id]
    assert failed.status is Status.AWAITING_EVIDENCE and failed.evidence_pull_due == NOW + timedelta(minutes=2)
    assert failed.timeline[-1].details["error"].startswith("digital delivery provider unavailable")
    clock.advance(minutes=2)
    await puller.run_once()

    assert repository.docs[dispute.id].status is Status.UNDER_REVIEW


@pytest.mark.parametrize(("after", "next_pull"), [
    (timedelta(minutes=15), timedelta(minutes=15)),  # later than the first backoff (2 minutes): its time
    (timedelta(seconds=30), timedelta(minutes=2)),  # sooner: the backoff still holds
])
async def test_a_provider_s_retry_after_dates_the_next_pull_never_sooner_than_the_backoff(
    make_puller, dispute, repository, after, next_pull
):
    throttled = EvidenceUnavailable("digital provider unavailable: HTTP 429", retry_at=NOW + after, why="throttled")
    await make_puller(Provider(throttled)).run_once()

    assert repository.docs[dispute.id].evidence_pull_due == NOW + next_pull


async def test_a_provider_s_retry_after_past_the_evidence_deadline_is_cut_to_it(make_puller, dispute, repository):
    throttled = EvidenceUnavailable("HTTP 429", retry_at=dispute.sla.evidence_due + timedelta(hours=5), why="throttled")
    await make_puller(Provider(throttled)).run_once()

    assert repository.docs[dispute.id].evidence_pull_due == dispute.sla.evidence_due

async def test_a_provider_that_refuses_is_looked_at_again_only_at_the_deadline(make_puller, dispute, repository):
    await make_puller(Provider(EvidenceRejected("HTTP 400"))).run_once()

    assert repository.docs[dispute.id].evidence_pull_due == dispute.sla.evidence_due


async def test_no_record_by_the_deadline_is_recorded_once(make_puller, dispute, repository, clock):
    puller = make_puller(Provider(EvidenceUnavailable("down")))
    while not repository.docs[dispute.id].proof_missing and clock.now() < NOW + timedelta(days=7):
        await puller.run_once()
        clock.advance(minutes=30)

    stored = repository.docs[dispute.id]
    assert stored.proof_missing and stored.evidence_pull_due is None and stored.status is Status.UNDER_REVIEW
    assert stored.sla.evidence_due <= clock.now() <= stored.sla.evidence_due + timedelta(hours=1)
    # the provider's words, not a carrier's: no parcel and no carrier on a digital order
    assert [e.action for e in stored.timeline].count("provider_did_not_provide_record") == 1
    assert "carrier_did_not_provide_proof" not in [e.action for e in stored.timeline]



async def run_past_the_deadline(puller, repository, dispute_id, clock) -> None:
    """Pull every half hour until the evidence deadline has been recorded (or a record came)."""
    while clock.now() < NOW + timedelta(days=7):
        stored = repository.docs[dispute_id]
        if stored.proof_missing or stored.digital_deliveries:
            return
        await puller.run_once()
        clock.advance(minutes=30)


REFUSALS = [
    "digital provider answered HTTP 401",
    "digital provider answered HTTP 301",
    "digital provider answered HTTP 404 as text/html, not its problem document: is DISPUTES_DIGITAL_URL its address?",
    "digital provider answered an invalid record (fields: sentAt)",
]
"""What adapters/digital.py says of answers that are no record: a credential refused, a redirect, a page not the
provider's own, a body that is not a record."""


@pytest.mark.parametrize("said", REFUSALS, ids=["credential refused", "redirect", "page not its own", "invalid body"])
async def test_a_provider_that_refuses_every_pull_sends_the_case_to_a_person_at_the_deadline_and_refunds_nothing(
    make_puller, dispute, repository, clock, service, due_work, said
):
    provider = Provider(EvidenceRejected(said))
    await run_past_the_deadline(make_puller(provider), repository, dispute.id, clock)
    await due_work(Assessor(service, repository, PolicySettings())).run_once()

    stored = repository.docs[dispute.id]
    assert stored.decision is None and stored.status is Status.UNDER_REVIEW
    assert [m.kind.value for m in stored.outbox] == ["notification"]  # the opening's, no refund
    advice = stored.recommendation
    assert advice is not None and (advice.action.value, advice.auto_resolve) == ("needs_person", False)
    assert advice.findings[0].code == "digital_provider_refused" and said in advice.findings[0].text
    assert "digital_no_record_by_deadline" not in [f.code for f in advice.findings]
    assert len(provider.calls) == 2  # on opening, and once more at the deadline (the first line refused ends each)


async def test_a_provider_that_refused_then_answers_at_the_deadline_is_read_from_its_records(
    make_puller, dispute, repository, clock
):
    provider = Provider(EvidenceRejected("digital provider answered HTTP 401"), BOTH)
    await run_past_the_deadline(make_puller(provider), repository, dispute.id, clock)

    stored = repository.docs[dispute.id]
    assert [r.state for r in stored.digital_deliveries] == [DigitalState.ACTIVATED, DigitalState.SENT]
    assert stored.provider_refused is None and not stored.proof_missing
    assert clock.now() >= stored.sla.evidence_due  # asked again at the deadline, not before


async def test_a_provider_down_until_the_deadline_is_no_refusal(make_puller, dispute, repository, clock):
    provider = Provider(EvidenceUnavailable("digital provider unavailable: HTTP 503"))
    await run_past_the_deadline(make_puller(provider), repository, dispute.id, clock)

    stored = repository.docs[dispute.id]
    assert stored.proof_missing and stored.provider_refused is None

async def test_a_pull_asked_for_again_replaces_the_record_when_it_moved_and_keeps_it_when_not(
    make_puller, dispute, repository, service, clock
):
    sent = {"sku-steam": record("sku-steam"), "sku-gift": record("sku-gift")}
    moved = {"sku-steam": record("sku-steam", opened=True), "sku-gift": record("sku-gift")}
    await make_puller(Provider(sent)).run_once()
    for answer, expected in ((sent, DigitalState.SENT), (moved, DigitalState.OPENED)):
        await service.request_evidence(INVESTIGATOR, dispute.id)
        await make_puller(Provider(answer)).run_once()
        stored = repository.docs[dispute.id]
        assert stored.evidence_pull_due is None and stored.digital_deliveries[0].state is expected

    actions = [e.action for e in repository.docs[dispute.id].timeline]
    assert actions.count("digital_delivery_received") == 2
    unchanged = next(e for e in repository.docs[dispute.id].timeline if e.action == "digital_delivery_unchanged")
    assert (unchanged.from_status, unchanged.to_status) == (Status.AWAITING_EVIDENCE, Status.UNDER_REVIEW)
    assert repository.docs[dispute.id].status is Status.UNDER_REVIEW


BOTH = {"sku-steam": record("sku-steam", activated=True), "sku-gift": record("sku-gift")}
LEASE = timedelta(minutes=10)
"""Longer than the first retry's backoff: a lease left held would hold the retry back."""


async def pulled_once(schedule, puller: EvidencePuller, dispute_id: str):
    """Claim the case's pull as a worker does and run it; the claim (its lease marked `ended` if a save ended it)."""
    [claimed] = await schedule.claim_due(WorkKind.PULL_EVIDENCE, NOW, LEASE, 1, "worker-1")
    assert claimed.subject == dispute_id
    await puller.handle(claimed, Lanes(1).enter())
    return claimed


async def test_the_save_that_records_a_digital_pull_ends_its_lease(service, pushed, schedule, dispute, repository):
    claimed = await pulled_once(schedule, digital_puller(service, pushed, Provider(BOTH)), dispute.id)

    assert repository.docs[dispute.id].digital_deliveries
    assert claimed.lease.ended and (WorkKind.PULL_EVIDENCE, dispute.id) not in schedule.leases


async def test_the_save_that_records_a_digital_pull_hands_the_assessment_to_this_workers_assessor(
    service, pushed, schedule, clock, due_work, dispute, repository
):
    wake = Wake()
    then = Handover(WorkKind.ASSESS, "worker-1", LEASE, clock, wake)
    await pulled_once(schedule, digital_puller(service, pushed, Provider(BOTH), then), dispute.id)
    stored = repository.docs[dispute.id]
    assert stored.assess_due == NOW and schedule.leases[(WorkKind.ASSESS, dispute.id)].holder == "worker-1"
    assert subjects(await schedule.claim_due(WorkKind.ASSESS, NOW, LEASE, 10, "worker-2")) == []  # held for worker-1

    assert await due_work(Assessor(service, repository, PolicySettings())).run_once(wake=wake) == 1

    assessed = repository.docs[dispute.id]
    assert assessed.recommendation is not None and assessed.assess_due is None
    assert assessed.version == stored.version + 1  # assessed from the copy the pull stored, without a claim


async def test_a_failed_digital_pull_ends_its_lease_so_its_retry_is_claimed_at_its_time(
    service, pushed, schedule, dispute, repository
):
    claimed = await pulled_once(schedule, digital_puller(service, pushed, Provider(EvidenceUnavailable("503"))), dispute.id)

    retry_at = repository.docs[dispute.id].evidence_pull_due
    assert retry_at == NOW + timedelta(minutes=2) and retry_at < NOW + LEASE
    assert subjects(await schedule.claim_due(WorkKind.PULL_EVIDENCE, retry_at, LEASE, 1, "worker-2")) == [dispute.id]
    assert claimed.lease.ended


async def test_the_provider_s_instants_are_kept_to_the_millisecond_storage_holds(make_puller, dispute, repository):
    fine = NOW - timedelta(days=1) + timedelta(microseconds=456_789)
    precise = record("sku-steam").model_copy(update={"sent_at": fine, "opened_at": fine, "activated_at": fine})
    await make_puller(Provider({"sku-steam": precise, "sku-gift": record("sku-gift")})).run_once()

    kept = repository.docs[dispute.id].digital_deliveries[0]
    held = NOW - timedelta(days=1) + timedelta(milliseconds=456)
    assert (kept.sent_at, kept.opened_at, kept.activated_at) == (held, held, held)
