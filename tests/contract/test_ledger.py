"""The money ledger: one row per refund, reshipment and carrier liability a decision sent, dated by that decision, with
where its message is now."""

from dataclasses import replace
from datetime import timedelta
from typing import Any

from disputes.actors import SYSTEM
from disputes.ledger import LedgerQuery, MoneyState
from schemas.common import Outcome, RefundDestination
from schemas.dispute import EffectKind, MissingItem, ParkReason, ReasonCode
from tests.contract.conftest import Cases, pushed
from tests.factories import CUSTOMER, INVESTIGATOR, NOW

NOVEMBER = LedgerQuery(NOW - timedelta(days=10), NOW + timedelta(days=5))
DECEMBER = LedgerQuery(NOVEMBER.decided_to, NOVEMBER.decided_to + timedelta(days=31))
GLASSES = (MissingItem(sku="sku-glass", quantity=2),)


async def _carrier_liable_refund(cases: Cases, hours: float = 1, **options: object) -> str:
    dispute = await cases.open(**options)  # type: ignore[arg-type]
    await cases.change(dispute.id, lambda d: d.evidence_deadline_passed(SYSTEM, NOW))
    await cases.change(dispute.id, lambda d: d.decide(
        INVESTIGATOR, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", RefundDestination.WALLET, NOW + timedelta(hours=hours)
    ))
    return dispute.id


async def test_a_refund_the_carrier_is_liable_for_is_two_rows_dated_by_their_decision(cases: Cases) -> None:
    dispute_id = await _carrier_liable_refund(cases, carrier="aras")

    page = await cases.storage.reports.ledger(NOVEMBER)

    dispute = await cases.storage.disputes.get(dispute_id)
    assert sorted((r.dispute_id, r.carrier, r.tracking_number, r.money.kind, r.money.amount_minor, r.money.currency,
                   r.money.decision, r.money.decided_at, r.whereabouts.state) for r in page.rows) == [
        (dispute_id, "aras", dispute.order.tracking_number, kind, 129_900, "TRY", 1, NOW + timedelta(hours=1),
         MoneyState.PENDING)
        for kind in (EffectKind.CARRIER_LIABILITY, EffectKind.REFUND)
    ]
    refund = next(r for r in page.rows if r.money.kind is EffectKind.REFUND)
    assert refund.money.key.endswith(":d1:refund") and refund.money.destination is RefundDestination.WALLET
    assert page.next_after is None
    assert (await cases.storage.reports.ledger(DECEMBER)).rows == []


async def test_a_row_says_when_its_message_was_delivered_with_the_service_s_reference_or_why_it_was_parked(
    cases: Cases,
) -> None:
    dispute_id = await _carrier_liable_refund(cases)
    dispute = await cases.storage.disputes.get(dispute_id)
    refund = next(m for m in dispute.outbox if m.kind is EffectKind.REFUND)
    liability = next(m for m in dispute.outbox if m.kind is EffectKind.CARRIER_LIABILITY)

    await cases.storage.disputes.delivered(dispute_id, refund, NOW + timedelta(hours=2), reference="pay_1")
    parked = liability.model_copy(update={"parked_at": NOW + timedelta(hours=3), "parked": ParkReason.REFUSED})
    await cases.storage.disputes.failed(dispute_id, parked, "rejected: 422", NOW + timedelta(hours=4), park=True)

    rows = {r.money.kind: r.whereabouts for r in (await cases.storage.reports.ledger(NOVEMBER)).rows}
    assert (rows[EffectKind.REFUND].state, rows[EffectKind.REFUND].at, rows[EffectKind.REFUND].reference) == (
        MoneyState.DELIVERED, NOW + timedelta(hours=2), "pay_1"
    )
    assert (rows[EffectKind.CARRIER_LIABILITY].state, rows[EffectKind.CARRIER_LIABILITY].at,
            rows[EffectKind.CARRIER_LIABILITY].parked_reason) == (MoneyState.PARKED, NOW + timedelta(hours=3), ParkReason.REFUSED)


async def test_a_partial_refund_is_its_amount_and_a_reshipment_its_units(cases: Cases) -> None:
    partial = await cases.open(missing=GLASSES)
    await cases.change(partial.id, lambda d: d.decide(
        INVESTIGATOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "n", None, NOW + timedelta(hours=1),
        line_outcomes=[("sku-glass", Outcome.REFUND, 1)],
    ))
    reshipped = await cases.open()
    await cases.change(reshipped.id, lambda d: d.decide(
        INVESTIGATOR, Outcome.RESHIP, ReasonCode.GOODWILL, "n", None, NOW + timedelta(hours=2)
    ))

    refund, reship = (await cases.storage.reports.ledger(NOVEMBER)).rows

    glass = next(i for i in partial.order.items if i.sku == "sku-glass")
    assert (refund.dispute_id, refund.money.kind, refund.money.amount_minor, [(x.sku, x.quantity) for x in refund.money.lines]) == (
        partial.id, EffectKind.REFUND, glass.unit_price_minor, [("sku-glass", 1)]
    )
    assert (reship.dispute_id, reship.money.kind, reship.money.amount_minor) == (reshipped.id, EffectKind.RESHIP, None)
    assert [(x.sku, x.quantity) for x in reship.money.lines] == [(i.sku, i.quantity) for i in reshipped.order.items]


async def test_a_later_decision_adds_its_own_rows_and_never_moves_earlier_ones(cases: Cases) -> None:
    claim = await cases.open(missing=GLASSES)
    await cases.change(claim.id, lambda d: d.decide(
        INVESTIGATOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "n", None, NOW + timedelta(hours=1),
        line_outcomes=[("sku-glass", Outcome.REFUND, 1)],
    ))
    november = await cases.storage.reports.ledger(NOVEMBER)
    december = DECEMBER.decided_from + timedelta(days=2)

    await cases.change(claim.id, lambda d: d.file_appeal(CUSTOMER, "İkincisi de yoktu.", december, december + timedelta(days=14)))
    await cases.change(claim.id, lambda d: d.decide(
        INVESTIGATOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "n", None, december + timedelta(hours=1)
    ))

    assert [(r.money.key, r.money.decided_at) for r in (await cases.storage.reports.ledger(NOVEMBER)).rows] == [
        (r.money.key, r.money.decided_at) for r in november.rows
    ]
    [second] = (await cases.storage.reports.ledger(DECEMBER)).rows
    assert (second.money.kind, second.money.decision, second.money.decided_at, second.money.lines[0].quantity) == (
        EffectKind.REFUND, 2, december + timedelta(hours=1), 1
    )


async def test_pages_follow_decision_time_then_key_and_filter_by_kind_and_carrier(cases: Cases) -> None:
    for hours, carrier in ((3, "aras"), (1, "yurtici"), (2, "aras")):
        await _carrier_liable_refund(cases, hours, carrier=carrier)

    rows, after = [], None
    while True:
        page = await cases.storage.reports.ledger(LedgerQuery(NOVEMBER.decided_from, NOVEMBER.decided_to, after=after, limit=4))
        rows += page.rows
        if (after := page.next_after) is None:
            break

    assert [(r.money.decided_at, r.money.key) for r in rows] == sorted((r.money.decided_at, r.money.key) for r in rows)
    assert len(rows) == 6 and len({r.money.key for r in rows}) == 6
    refunds = await cases.storage.reports.ledger(LedgerQuery(
        NOVEMBER.decided_from, NOVEMBER.decided_to, kind=EffectKind.REFUND, carrier="aras"
    ))
    assert [(r.carrier, r.money.kind, r.money.decided_at) for r in refunds.rows] == [
        ("aras", EffectKind.REFUND, NOW + timedelta(hours=2)), ("aras", EffectKind.REFUND, NOW + timedelta(hours=3)),
    ]


async def test_a_page_reads_about_a_page_of_cases_not_every_case_to_the_end_of_the_period(cases: Cases) -> None:
    if cases.storage.name == "memory":
        return  # no index to read: the in-memory store looks at every case
    for n in range(8):
        await _carrier_liable_refund(cases, hours=1 + n)
    reports = cases.storage.reports
    aggregate, read_per_page = reports.collection.aggregate, []

    async def counted(pipeline: list[dict[str, Any]]) -> Any:  # the cases the pipeline goes on to read whole
        fetched = pipeline[:next(n for n, stage in enumerate(pipeline) if "$project" in stage)]
        read_per_page[-1] += len(await (await aggregate(fetched)).to_list())
        return await aggregate(pipeline)

    reports.collection.aggregate = counted
    rows, query = [], replace(NOVEMBER, limit=2)
    while True:
        read_per_page.append(0)
        page = await reports.ledger(query)
        rows += page.rows
        if page.next_after is None:
            break
        query = replace(query, after=page.next_after)

    assert [(r.money.decided_at, r.money.kind) for r in rows] == [
        (NOW + timedelta(hours=1 + n), kind) for n in range(8) for kind in (EffectKind.CARRIER_LIABILITY, EffectKind.REFUND)
    ]
    assert max(read_per_page) <= 4, read_per_page  # a page of 2 rows is one case; the next case or two say where it ends


async def test_a_carrier_s_proof_after_its_liability_marks_the_row_and_alerts_staff_once(cases: Cases) -> None:
    liable = await _carrier_liable_refund(cases, carrier="yurtici")
    dispute = await cases.storage.disputes.get(liable)
    late = NOW + timedelta(hours=5)

    for key in ("push:late-1", "push:late-2"):
        await cases.change(liable, lambda d, key=key: d.attach_evidence(
            SYSTEM, pushed(key, tracking_number=dispute.order.tracking_number, at=late), late
        ))

    rows = {r.money.kind: r.money for r in (await cases.storage.reports.ledger(NOVEMBER)).rows}
    assert (rows[EffectKind.CARRIER_LIABILITY].contested_by_proof_at, rows[EffectKind.REFUND].contested_by_proof_at) == (
        late, None
    )
    stored = await cases.storage.disputes.get(liable)
    alerts = [m.payload["reason"] for m in stored.outbox if m.kind is EffectKind.STAFF_ALERT]
    assert alerts == ["proof_after_liability"]


async def test_a_proof_on_a_case_whose_carrier_was_never_held_liable_marks_nothing(cases: Cases) -> None:
    goodwill = await cases.open()
    await cases.change(goodwill.id, lambda d: d.decide(
        INVESTIGATOR, Outcome.REFUND, ReasonCode.GOODWILL, "n", None, NOW + timedelta(hours=1)
    ))

    stored = await cases.change(goodwill.id, lambda d: d.attach_evidence(
        SYSTEM, pushed("push:1", tracking_number=goodwill.order.tracking_number), NOW + timedelta(hours=2)
    ))

    assert [m.payload["reason"] for m in stored.outbox if m.kind is EffectKind.STAFF_ALERT] == []
    assert [r.money.contested_by_proof_at for r in (await cases.storage.reports.ledger(NOVEMBER)).rows] == [None]
