"""The staff reports over the disputes opened in a period: outcomes and proof per carrier, and the decisions against
their deadlines; what each carrier owes for the liabilities incurred in the period."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from disputes.actors import SYSTEM
from disputes.calendar import BusinessCalendar
from disputes.model import ClockReading, Dispute
from disputes.rules import Rules
from disputes.sla import deadlines
from disputes.ports import CarrierFigures, ResponseFigures, ResponseTimes, SlaFigures
from schemas.common import Outcome
from schemas.dispute import Channel, MissingItem, ReasonCode
from schemas.proof import ProofStatus
from tests.contract.conftest import Cases, pushed
from tests.factories import CUSTOMER, INVESTIGATOR, LARGEST, NOW, SUPERVISOR

START, END = NOW - timedelta(days=1), NOW + timedelta(days=1)


def _refund(after_hours: float) -> Callable[[Dispute], None]:
    """A goodwill refund decided `after_hours` after the dispute was opened."""

    def decide(dispute: Dispute) -> None:
        at = dispute.opened_at + timedelta(hours=after_hours)
        dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.GOODWILL, "n", None, at)

    return decide


async def _proof_after(cases: Cases, dispute: Dispute, hours: float) -> None:
    at = dispute.opened_at + timedelta(hours=hours)
    evidence = pushed(f"{dispute.id}:proof", tracking_number=dispute.order.tracking_number, at=at)
    await cases.change(dispute.id, lambda d: d.attach_evidence(SYSTEM, evidence, at))


async def test_reports_count_the_disputes_opened_from_the_start_of_the_period_until_its_end(cases: Cases) -> None:
    for opened_at in (START - timedelta(seconds=1), START, END - timedelta(seconds=1), END):
        cases.clock.current = opened_at
        await cases.open()

    sla = await cases.storage.reports.sla(START, END)
    [carrier] = await cases.storage.reports.carriers(START, END)

    assert sla.disputes == 2 and carrier.disputes == 2
    assert [c.disputes for c in await cases.storage.reports.carriers(END, END + timedelta(days=1))] == [1]


async def test_a_period_without_disputes_reports_nothing(cases: Cases) -> None:
    await cases.open()

    assert await cases.storage.reports.carriers(END, END + timedelta(days=1)) == []
    assert await cases.storage.reports.sla(END, END + timedelta(days=1)) == SlaFigures(0, 0, 0, 0, None, None)


async def test_the_carrier_report_counts_outcomes_and_what_each_carrier_owes_in_carrier_order(cases: Cases) -> None:
    owed = await cases.open(carrier="yurtici")
    await cases.change(owed.id, lambda d: d.evidence_deadline_passed(SYSTEM, NOW))
    await cases.change(owed.id, _refund(2))
    rejected = await cases.open(carrier="yurtici")
    await cases.change(rejected.id, lambda d: d.decide(
        INVESTIGATOR, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "n", None, NOW + timedelta(hours=1)
    ))
    goodwill = await cases.open(carrier="aras")
    await cases.change(goodwill.id, _refund(1))
    await cases.open(carrier="aras")

    aras, yurtici = await cases.storage.reports.carriers(START, END)

    assert (aras.carrier, aras.disputes, aras.outcomes, aras.liabilities) == (
        "aras", 2, {"refund": 1, "reship": 0, "rejected": 0, "undecided": 1}, {}
    )
    assert (yurtici.carrier, yurtici.disputes, yurtici.outcomes, yurtici.liabilities) == (
        "yurtici", 2, {"refund": 1, "reship": 0, "rejected": 1, "undecided": 0}, {"TRY": owed.order.value_minor}
    )


async def _carrier_liable_refund(cases: Cases, **options: Any) -> Dispute:
    """A claim refunded after the carrier gave no proof by the deadline: the carrier owes the order's value."""
    dispute = await cases.open(**options)
    await cases.change(dispute.id, lambda d: d.evidence_deadline_passed(SYSTEM, NOW))
    return await cases.change(dispute.id, _refund(2))


async def test_what_a_carrier_owes_is_summed_in_each_currency_apart(cases: Cases) -> None:
    for currency in ("TRY", "EUR", "TRY"):
        await _carrier_liable_refund(cases, carrier="ptt", currency=currency)
    await cases.open(carrier="aras", currency="USD")  # nothing owed

    aras, ptt = await cases.storage.reports.carriers(START, END)

    assert list(aras.liabilities.items()) == []
    assert list(ptt.liabilities.items()) == [("EUR", 129_900), ("TRY", 2 * 129_900)]  # in currency order


async def test_what_a_carrier_owes_for_two_of_the_largest_orders_is_exact_past_64_bits(cases: Cases) -> None:
    for _ in range(2):
        await _carrier_liable_refund(cases, carrier="aras", items=LARGEST)

    [aras] = await cases.storage.reports.carriers(START, END)

    assert aras.liabilities == {"TRY": 10**19}  # more than 2^63 - 1


async def test_missing_item_claims_are_counted_apart_from_whole_packages_and_never_bill_the_carrier(
    cases: Cases,
) -> None:
    glasses = (MissingItem(sku="sku-glass", quantity=2),)
    refunded = await cases.open(missing=glasses)
    await cases.change(refunded.id, lambda d: d.evidence_deadline_passed(SYSTEM, NOW))
    await cases.change(refunded.id, lambda d: d.decide(
        SYSTEM, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None, NOW + timedelta(hours=1)
    ))
    reshipped = await cases.open(missing=glasses)
    await cases.change(reshipped.id, lambda d: d.decide(
        INVESTIGATOR, Outcome.RESHIP, ReasonCode.ITEMS_MISSING, "n", None, NOW + timedelta(hours=1)
    ))
    await cases.open(missing=glasses)
    await cases.change((await cases.open()).id, _refund(1))

    [carrier] = await cases.storage.reports.carriers(START, END)

    assert (carrier.disputes, carrier.outcomes, carrier.partial_outcomes) == (
        4, {"refund": 1, "reship": 0, "rejected": 0, "undecided": 0},
        {"refund": 1, "reship": 1, "rejected": 0, "undecided": 1},
    )
    assert carrier.liabilities == {}, "items missing from a delivered package are not the carrier's loss"


GLASSES = (MissingItem(sku="sku-glass", quantity=2),)
APPEAL = "İkinci bardak da kutuda yoktu, fotoğrafı ekledim."


def _one_glass_refunded_then_appealed(dispute: Dispute) -> None:
    dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None, NOW + timedelta(hours=1),
                   line_outcomes=[("sku-glass", Outcome.REFUND, 1)])
    dispute.file_appeal(CUSTOMER, APPEAL, NOW + timedelta(hours=2), NOW + timedelta(days=14))


async def test_a_missing_item_claim_paid_in_two_decisions_counts_both_payments(cases: Cases) -> None:
    paid_twice = await cases.open(missing=GLASSES)
    await cases.change(paid_twice.id, _one_glass_refunded_then_appealed)
    await cases.change(paid_twice.id, lambda d: d.decide(
        INVESTIGATOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "n", None, NOW + timedelta(hours=3)
    ))

    [carrier] = await cases.storage.reports.carriers(START, END)

    assert (carrier.disputes, carrier.partial_outcomes) == (1, {"refund": 2, "reship": 0, "rejected": 0, "undecided": 0})


async def test_a_payment_counts_and_the_carrier_owes_when_a_later_decision_rejects_the_rest(cases: Cases) -> None:
    claim = await cases.open(missing=GLASSES)
    await cases.change(claim.id, _one_glass_refunded_then_appealed)
    await cases.change(claim.id, lambda d: d.decide(
        INVESTIGATOR, Outcome.REJECTED, ReasonCode.CONTENTS_CONFIRMED, "n", None, NOW + timedelta(hours=3)
    ))
    package = await cases.open()
    await cases.change(package.id, lambda d: d.evidence_deadline_passed(SYSTEM, NOW))  # the carrier is liable
    await cases.change(package.id, _refund(1))
    await cases.change(package.id, lambda d: d.reopen(SUPERVISOR, "Yeniden bakılacak.", NOW + timedelta(hours=2)))
    await cases.change(package.id, lambda d: d.decide(
        SUPERVISOR, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "n", None, NOW + timedelta(hours=3)
    ))

    [carrier] = await cases.storage.reports.carriers(START, END)

    assert (carrier.outcomes, carrier.partial_outcomes) == (
        {"refund": 1, "reship": 0, "rejected": 1, "undecided": 0},
        {"refund": 1, "reship": 0, "rejected": 1, "undecided": 0},
    )
    assert carrier.liabilities == {"TRY": 129_900}, "the package's value, owed once the carrier was held liable"


async def test_the_carrier_report_gives_the_share_with_each_proof_and_the_median_time_to_proof(cases: Cases) -> None:
    disputes = [await cases.open() for _ in range(5)]
    for dispute, hours in zip(disputes, (4, 1, 3, 2), strict=False):
        await _proof_after(cases, dispute, hours)
    unknown = pushed(f"{disputes[4].id}:unknown", tracking_number=disputes[4].order.tracking_number, at=NOW)
    unknown = unknown.model_copy(update={"proof": unknown.proof.model_copy(update={
        "status": ProofStatus.NOT_FOUND, "delivered_at": None, "signature": None,
    })})
    await cases.change(disputes[4].id, lambda d: d.attach_evidence(SYSTEM, unknown, NOW))  # the carrier knows it not

    [carrier] = await cases.storage.reports.carriers(START, END)

    assert carrier == CarrierFigures(
        carrier="yurtici", disputes=5, outcomes={"refund": 0, "reship": 0, "rejected": 0, "undecided": 5},
        share_with_evidence=0.8, share_with_signature=0.8, share_with_photo=0.0, share_with_location=0.0,
        median_hours_to_proof=2.0, liabilities={},
        partial_outcomes={"refund": 0, "reship": 0, "rejected": 0, "undecided": 0},
    )


async def test_the_sla_report_counts_decisions_in_time_automatic_ones_and_the_hours_to_decide(cases: Cases) -> None:
    for hours in (3, 1, 2):
        await cases.change((await cases.open()).id, _refund(hours))
    late = await cases.open()
    await cases.change(late.id, _refund(24 * 10))
    automatic = await cases.open()
    await cases.change(automatic.id, lambda d: d.decide(
        SYSTEM, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None, NOW + timedelta(hours=5)
    ))
    await cases.open()

    sla = await cases.storage.reports.sla(START, END)

    assert sla == SlaFigures(disputes=6, decided=5, within_sla=4, automatic=1,
                             median_hours_to_decision=3.0, p95_hours_to_decision=240.0)


async def test_a_decision_the_deadline_rule_takes_as_the_deadline_comes_kept_it(cases: Cases) -> None:
    """The sweeper takes a case seconds after its deadline: the promise is kept by construction, not missed."""
    for late in (timedelta(seconds=7), timedelta(hours=2)):  # the sweeper running, and one stopped for hours
        case = await cases.open()
        at = case.sla.decision_due + late
        await cases.change(case.id, lambda d, at=at: d.decide(
            SYSTEM, Outcome.REFUND, ReasonCode.DEADLINE_REACHED, "n", None, at
        ))

    sla = await cases.storage.reports.sla(START, END)

    assert (sla.decided, sla.within_sla) == (2, 1)


async def test_the_sla_report_counts_the_deadline_rule_s_decisions_apart_from_the_policy_s_automatic_ones(
    cases: Cases,
) -> None:
    """Both are the service's: one the policy took on its own, two nobody took by the deadline (README, reports)."""
    policy = await cases.open()
    await cases.change(policy.id, lambda d: d.decide(
        SYSTEM, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None, NOW + timedelta(hours=5)
    ))
    for _ in range(2):
        forced = await cases.open()
        await cases.change(forced.id, lambda d: d.deadline_reached(SYSTEM, d.sla.decision_due))

    sla = await cases.storage.reports.sla(START, END)

    assert (sla.decided, sla.automatic, sla.by_deadline_rule) == (3, 1, 2)


def _appeal(at: timedelta) -> Callable[[Dispute], None]:
    """The customer appeals `at` after the decision, which starts a review with deadlines of its own."""
    def appeal(dispute: Dispute) -> None:
        now = dispute.decision.decided_at + at
        dispute.file_appeal(CUSTOMER, "Kapıcı da almadı, komşular da.", now, now + timedelta(days=1))
        dispute.restart_sla(deadlines(now, Rules()), Rules().escalate_before_deadline)

    return appeal


def _reopen(at: timedelta) -> Callable[[Dispute], None]:
    def reopen(dispute: Dispute) -> None:
        now = dispute.decision.decided_at + at
        dispute.reopen(SUPERVISOR, "Yeniden bakılmalı.", now)
        dispute.restart_sla(deadlines(now, Rules()), Rules().escalate_before_deadline)

    return reopen


async def test_a_decision_counts_against_the_deadline_of_the_review_it_closed_once_another_review_begins(
    cases: Cases
) -> None:
    """A rejection two days late, then appealed; a refund two days late, then reopened; a refund in time, then
    reopened: the new reviews' deadlines are days away from each decision, which stays as late or in time as it was."""
    rejected, refunded, in_time = [await cases.open() for _ in range(3)]
    for case, outcome, reason, at in (
        (rejected, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, rejected.sla.decision_due + timedelta(days=2)),
        (refunded, Outcome.REFUND, ReasonCode.GOODWILL, refunded.sla.decision_due + timedelta(days=2)),
        (in_time, Outcome.REFUND, ReasonCode.GOODWILL, in_time.sla.decision_due - timedelta(hours=1)),
    ):
        await cases.change(case.id, lambda d, o=outcome, r=reason, at=at: d.decide(INVESTIGATOR, o, r, "n", None, at))
    assert (await cases.storage.reports.sla(START, END)).within_sla == 1

    await cases.change(rejected.id, _appeal(timedelta(hours=1)))
    await cases.change(refunded.id, _reopen(timedelta(hours=1)))
    await cases.change(in_time.id, _reopen(timedelta(days=20)))  # its new deadline is long past the decision too

    sla = await cases.storage.reports.sla(START, END)
    assert (sla.decided, sla.within_sla) == (3, 1)


def _message_after(hours: float) -> Callable[[Dispute], None]:
    return lambda d: d.message_customer(INVESTIGATOR, "Kapıcıya sordunuz mu?", d.opened_at + timedelta(hours=hours))


def _question_after(hours: float) -> Callable[[Dispute], None]:
    def ask(dispute: Dispute) -> None:
        at = dispute.opened_at + timedelta(hours=hours)
        dispute.request_information(
            INVESTIGATOR, "Komşunuz aldı mı?", at + timedelta(days=2), 2, timedelta(hours=12), at, BusinessCalendar()
        )

    return ask


async def _opened(cases: Cases, carrier: str, channel: Channel, *changes: Callable[[Dispute], None]) -> None:
    dispute = await cases.open(carrier=carrier)
    await cases.change(dispute.id, lambda d: setattr(d, "channel", channel))
    for change in changes:
        await cases.change(dispute.id, change)


async def test_response_times_give_first_response_and_decision_percentiles_by_channel_and_carrier(cases: Cases) -> None:
    # first response (hours): a message 1, a question 2, a decision 3, a message 5, one without; decisions 4, 10, 3
    await _opened(cases, "yurtici", Channel.ORDER_PAGE, _message_after(1), _refund(4))
    await _opened(cases, "yurtici", Channel.LIVE_CHAT, _question_after(2), _refund(10))
    await _opened(cases, "aras", Channel.LIVE_CHAT, _refund(3))
    await _opened(cases, "aras", Channel.ORDER_PAGE)
    await _opened(cases, "yurtici", Channel.ORDER_PAGE, _message_after(5))

    times = await cases.storage.reports.response_times(START, END)

    assert times == ResponseTimes(
        by_channel=[
            ResponseFigures("live_chat", 2, 2, 2.0, 3.0, 2, 3.0, 10.0),
            ResponseFigures("order_page", 3, 2, 1.0, 5.0, 1, 4.0, 4.0),
        ],
        by_carrier=[
            ResponseFigures("aras", 2, 1, 3.0, 3.0, 1, 3.0, 3.0),
            ResponseFigures("yurtici", 3, 3, 2.0, 5.0, 2, 4.0, 10.0),
        ],
    )
    assert await cases.storage.reports.response_times(END, END + timedelta(days=1)) == ResponseTimes([], [])


async def test_a_case_on_a_test_clock_counts_in_no_report(cases: Cases) -> None:
    real = await cases.open(carrier="aras")
    await cases.change(real.id, _refund(2))
    on_clock = (await cases.draft(carrier="yurtici")).model_copy(
        update={"test_clock": ClockReading(id="clk_1", time=NOW, at=NOW)}
    )
    await cases.storage.disputes.add(on_clock, cases.clock.now())
    await cases.change(on_clock.id, _refund(24 * 10))  # decided late, on its clock

    [carrier] = await cases.storage.reports.carriers(START, END)
    sla = await cases.storage.reports.sla(START, END)
    times = await cases.storage.reports.response_times(START, END)

    assert (carrier.carrier, carrier.disputes, carrier.outcomes["refund"]) == ("aras", 1, 1)
    assert sla == SlaFigures(disputes=1, decided=1, within_sla=1, automatic=0,
                             median_hours_to_decision=2.0, p95_hours_to_decision=2.0)
    assert [(row.group, row.disputes) for row in times.by_carrier] == [("aras", 1)]


async def test_a_liability_is_owed_in_the_period_its_decision_was_taken_whenever_the_dispute_was_opened(
    cases: Cases,
) -> None:
    opened = await cases.open(carrier="aras")  # opened in this period, decided in the next
    await cases.change(opened.id, lambda d: d.evidence_deadline_passed(SYSTEM, NOW))
    at_close = await cases.storage.reports.carriers(START, END)
    await cases.change(opened.id, lambda d: d.decide(
        INVESTIGATOR, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None, END + timedelta(hours=1)
    ))

    [opened_in] = await cases.storage.reports.carriers(START, END)
    [decided_in] = await cases.storage.reports.carriers(END, END + timedelta(days=1))

    assert [row.liabilities for row in at_close] == [opened_in.liabilities] == [{}]
    assert (decided_in.carrier, decided_in.disputes, decided_in.outcomes, decided_in.liabilities) == (
        "aras", 0, {"refund": 0, "reship": 0, "rejected": 0, "undecided": 0}, {"TRY": 129_900}
    )
