"""The dispute repository: what is stored reads back, changes are compare-and-set on the version, a shipment
has one active dispute, and an idempotency key names one dispute until it expires."""

import asyncio
from datetime import timedelta

import pytest

from disputes.errors import ActiveDisputeExists, StaleVersion
from disputes.model import ClockReading
from disputes.ports import IdempotencyKeyTaken
from disputes.rules import Rules
from disputes.service import DisputeService, OpenRequest
from schemas.common import Outcome, Resolution
from schemas.dispute import Claim, EffectKind, MissingItem, ReasonCode, Status
from schemas.orders import Address, PackingRecord
from tests.contract.conftest import Cases
from tests.factories import BOXED, CUSTOMER, INVESTIGATOR, OTHER_CUSTOMER, NOW, SUPERVISOR, order, shipment

TTL = timedelta(hours=24)  # the rules' idempotency window, which the drafts' keys carry


async def test_a_stored_dispute_reads_back_as_it_was_stored_at_version_one(cases: Cases) -> None:
    dispute = await cases.open()

    stored = await cases.storage.disputes.get(dispute.id)

    assert dispute.version == 1
    assert stored.model_dump() == dispute.model_dump()
    assert stored.opened_at == NOW and stored.sla.decision_due.tzinfo is not None


PRECISE = NOW - timedelta(days=2) + timedelta(microseconds=123_456)
"""An instant as an order service may send it, finer than storage keeps."""


class PackedPrecisely:
    async def packing_record(self, order_id: str, shipment_id: str) -> PackingRecord:
        return PackingRecord(shipment_id=shipment_id, packed_at=PRECISE - timedelta(days=1), lines=[])


async def test_the_order_s_instants_are_kept_to_the_millisecond_so_the_dispute_reads_back_as_it_was_answered(
    cases: Cases,
) -> None:
    delivered = shipment("shp-9", items=BOXED).model_copy(update={"delivered_at": PRECISE})
    cases.orders.orders["ord-9"] = order("ord-9", shipments=[delivered])
    service = DisputeService(cases.storage.disputes, cases.orders, cases.clock, Rules(), packing_records=PackedPrecisely())
    claim = OpenRequest("ord-9", None, "Kutudan iki bardak eksik çıktı.", Resolution.REFUND,
                        claim=Claim.MISSING_ITEMS, missing_items=(MissingItem(sku="sku-glass", quantity=2),))

    opened = (await service.open(CUSTOMER, claim, None)).dispute

    assert opened.order.delivered_at == NOW - timedelta(days=2) + timedelta(milliseconds=123)
    assert opened.packing is not None and opened.packing.record is not None
    assert opened.packing.record.packed_at == NOW - timedelta(days=3) + timedelta(milliseconds=123)
    assert (await cases.storage.disputes.get(opened.id)).model_dump() == opened.model_dump()


async def test_a_missing_item_claim_and_its_outcomes_per_line_read_back_as_stored(cases: Cases) -> None:
    missing = (MissingItem(sku="sku-glass", quantity=2), MissingItem(sku="sku-spoon", quantity=3))
    claim = await cases.open(missing=missing)

    decided = await cases.change(claim.id, lambda d: d.decide(
        INVESTIGATOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "n", None, NOW,
        line_outcomes=[("sku-glass", Outcome.REFUND, 2), ("sku-spoon", Outcome.RESHIP, 1)],
    ))

    assert (decided.claim, decided.missing_items) == (Claim.MISSING_ITEMS, list(missing))
    assert decided.decision is not None
    assert [(line.sku, line.quantity, line.outcome, line.amount_minor) for line in decided.decision.lines] == [
        ("sku-glass", 2, Outcome.REFUND, 9_000), ("sku-spoon", 1, Outcome.RESHIP, 1_250),
        ("sku-spoon", 2, Outcome.REJECTED, 2_500),
    ]
    assert [m.key.split(":", 2)[2] for m in decided.outbox if m.kind in (EffectKind.REFUND, EffectKind.RESHIP)] == [
        "refund:sku-glass", "reship:sku-spoon"
    ]


async def test_a_dispute_never_stored_is_not_found(cases: Cases) -> None:
    assert await cases.storage.disputes.get("dsp_unknown") is None


async def test_a_dispute_looked_up_for_a_customer_is_found_only_if_it_is_theirs(cases: Cases) -> None:
    dispute, disputes = await cases.open(), cases.storage.disputes
    assert CUSTOMER.customer_id and OTHER_CUSTOMER.customer_id

    for lookup in (disputes.get, disputes.read):
        assert (await lookup(dispute.id, CUSTOMER.customer_id)).id == dispute.id
        assert await lookup(dispute.id, OTHER_CUSTOMER.customer_id) is None, "another's case is not found"
        assert await lookup("dsp_unknown", CUSTOMER.customer_id) is None


async def test_a_saved_change_reads_back_at_the_next_version(cases: Cases) -> None:
    dispute = await cases.open()
    read = await cases.storage.disputes.get(dispute.id)
    read.assign(INVESTIGATOR, INVESTIGATOR.id, NOW)

    await cases.storage.disputes.save(read)

    stored = await cases.storage.disputes.get(dispute.id)
    assert read.version == 2
    assert stored.version == 2 and stored.assignee == INVESTIGATOR.id and stored.status is Status.UNDER_REVIEW


async def test_a_save_from_a_stale_read_is_refused_and_changes_nothing(cases: Cases) -> None:
    dispute = await cases.open()
    first, second = await cases.storage.disputes.get(dispute.id), await cases.storage.disputes.get(dispute.id)
    first.add_note(INVESTIGATOR, "first", NOW)
    await cases.storage.disputes.save(first)
    second.add_note(INVESTIGATOR, "second", NOW)

    with pytest.raises(StaleVersion):
        await cases.storage.disputes.save(second)

    stored = await cases.storage.disputes.get(dispute.id)
    assert stored.version == 2 and [e.details.get("text") for e in stored.timeline] == [None, "first"]


async def test_of_concurrent_saves_from_one_read_exactly_one_is_stored(cases: Cases) -> None:
    dispute = await cases.open()
    reads = [await cases.storage.disputes.get(dispute.id) for _ in range(5)]
    for n, read in enumerate(reads):
        read.add_note(INVESTIGATOR, f"note {n}", NOW)

    results = await asyncio.gather(*(cases.storage.disputes.save(r) for r in reads), return_exceptions=True)

    assert sum(r is None for r in results) == 1 and all(isinstance(r, StaleVersion) for r in results if r is not None)
    stored = await cases.storage.disputes.get(dispute.id)
    assert stored.version == 2 and len(stored.timeline) == 2


async def test_saving_a_dispute_that_was_never_stored_is_refused(cases: Cases) -> None:
    draft = await cases.draft()

    with pytest.raises(StaleVersion):
        await cases.storage.disputes.save(draft)

    assert await cases.storage.disputes.get(draft.id) is None


async def test_a_second_dispute_on_a_held_shipment_is_refused_naming_the_holder(cases: Cases) -> None:
    holder = await cases.open(1)
    second = await cases.draft(1)

    with pytest.raises(ActiveDisputeExists) as refused:
        await cases.storage.disputes.add(second, cases.clock.now())

    assert refused.value.dispute_id == holder.id
    assert await cases.storage.disputes.get(second.id) is None


async def test_a_resolved_dispute_still_holds_its_shipment(cases: Cases) -> None:
    holder = await cases.open(1)
    await cases.change(
        holder.id, lambda d: d.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None, NOW)
    )

    with pytest.raises(ActiveDisputeExists):
        await cases.storage.disputes.add(await cases.draft(1), cases.clock.now())


async def test_a_withdrawn_dispute_frees_its_shipment_for_a_new_one(cases: Cases) -> None:
    withdrawn = await cases.open(1)
    await cases.change(withdrawn.id, lambda d: d.withdraw(CUSTOMER, None, NOW))

    again = await cases.open(1)

    assert (await cases.storage.disputes.get(again.id)).status is Status.OPENED


async def test_a_withdrawn_dispute_reopened_while_another_holds_its_shipment_is_not_stored(cases: Cases) -> None:
    withdrawn = await cases.change((await cases.open(1)).id, lambda d: d.withdraw(CUSTOMER, None, NOW))
    holder = await cases.open(1)
    reopened = await cases.storage.disputes.get(withdrawn.id)
    reopened.reopen(SUPERVISOR, "Yanlışlıkla geri çekildi.", NOW)

    with pytest.raises(ActiveDisputeExists) as refused:
        await cases.storage.disputes.save(reopened)

    assert refused.value.dispute_id == holder.id
    stored = await cases.storage.disputes.get(withdrawn.id)
    assert (stored.status, stored.version) == (Status.WITHDRAWN, withdrawn.version)


async def test_of_concurrent_disputes_on_one_shipment_exactly_one_is_stored(cases: Cases) -> None:
    drafts = [await cases.draft(1) for _ in range(6)]

    add, now = cases.storage.disputes.add, cases.clock.now()
    results = await asyncio.gather(*(add(d, now) for d in drafts), return_exceptions=True)

    stored = [d for d, r in zip(drafts, results, strict=True) if r is None]
    assert len(stored) == 1
    assert {r.dispute_id for r in results if isinstance(r, ActiveDisputeExists)} == {stored[0].id}
    assert sum(isinstance(r, ActiveDisputeExists) for r in results) == 5


async def test_an_idempotency_key_finds_the_dispute_created_with_it_until_it_expires(cases: Cases) -> None:
    dispute = await cases.open(key="double-click")
    find = cases.storage.disputes.find_by_idempotency_key

    assert (await find("cust-1:double-click", NOW + TTL - timedelta(seconds=1))).id == dispute.id
    assert await find("cust-1:double-click", NOW + TTL) is None
    assert await find("cust-2:double-click", NOW) is None


async def test_a_live_idempotency_key_cannot_be_stored_twice(cases: Cases) -> None:
    first = await cases.open(1, key="double-click")
    second = await cases.draft(2, key="double-click")

    with pytest.raises(IdempotencyKeyTaken):
        await cases.storage.disputes.add(second, cases.clock.now())

    assert await cases.storage.disputes.get(second.id) is None
    assert (await cases.storage.disputes.find_by_idempotency_key("cust-1:double-click", NOW)).id == first.id


async def test_an_expired_idempotency_key_passes_to_the_new_dispute(cases: Cases) -> None:
    first = await cases.open(1, key="reused")
    cases.clock.advance(hours=25)

    second = await cases.open(2, key="reused")

    found = await cases.storage.disputes.find_by_idempotency_key("cust-1:reused", cases.clock.now())
    assert found.id == second.id
    assert (await cases.storage.disputes.get(first.id)).idempotency is None


async def test_a_live_key_is_not_taken_over_by_a_case_opened_on_a_test_clock_ahead_of_real_time(cases: Cases) -> None:
    first = await cases.open(1, key="double-click")  # the key lives until NOW + 24 h of real time
    second = await cases.draft(2, key="double-click")
    second.opened_at = NOW + timedelta(days=2)  # as a case opened on a test clock two days ahead

    with pytest.raises(IdempotencyKeyTaken):
        await cases.storage.disputes.add(second, cases.clock.now())
    assert (await cases.storage.disputes.find_by_idempotency_key("cust-1:double-click", NOW)).id == first.id


async def test_an_expired_key_passes_to_a_case_opened_on_a_test_clock_behind_real_time(cases: Cases) -> None:
    first = await cases.open(1, key="reused")
    cases.clock.advance(hours=25)
    second = await cases.draft(2, key="reused")
    second.opened_at = NOW - timedelta(days=10)  # as a case opened on a test clock in the past

    await cases.storage.disputes.add(second, cases.clock.now())

    assert (await cases.storage.disputes.get(first.id)).idempotency is None
    found = await cases.storage.disputes.find_by_idempotency_key("cust-1:reused", cases.clock.now())
    assert found.id == second.id


async def test_a_save_of_a_dispute_read_before_its_key_passed_on_leaves_the_key_with_the_new_one(cases: Cases) -> None:
    first = await cases.open(1, key="reused")
    read_before = await cases.storage.disputes.get(first.id)
    cases.clock.advance(hours=25)
    second = await cases.open(2, key="reused")

    read_before.add_note(INVESTIGATOR, "late", cases.clock.now())
    await cases.storage.disputes.save(read_before)

    found = await cases.storage.disputes.find_by_idempotency_key("cust-1:reused", cases.clock.now())
    assert found.id == second.id
    assert (await cases.storage.disputes.get(first.id)).idempotency is None


async def test_the_disputes_holding_a_shipment_are_those_not_withdrawn_on_that_carriers_tracking_number(
    cases: Cases,
) -> None:
    resolved = await cases.open(1)
    await cases.change(
        resolved.id, lambda d: d.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None, NOW)
    )
    withdrawn = await cases.open(2)
    await cases.change(withdrawn.id, lambda d: d.withdraw(CUSTOMER, None, NOW))
    on_aras = await cases.open(3, carrier="aras")
    active = cases.storage.disputes.active_for_shipment

    assert await active("yurtici", "TRKSHP1") == [resolved.id]
    assert await active("yurtici", "TRKSHP2") == []
    assert await active("yurtici", "TRKSHP3") == []
    assert await active("aras", "TRKSHP3") == [on_aras.id]


async def test_a_customers_history_holds_their_other_claims_since_a_time_with_outcomes(cases: Cases) -> None:
    old = await cases.open(1)
    cases.clock.advance(days=10)
    decided = await cases.open(2)
    await cases.change(
        decided.id, lambda d: d.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None, NOW)
    )
    await cases.open(3, customer=OTHER_CUSTOMER.id)
    cases.clock.advance(days=1)
    current = await cases.open(4)

    history = await cases.storage.disputes.customer_history(current, old.opened_at + timedelta(days=1))

    assert sorted((c.opened_at, c.outcome) for c in history.claims) == [(decided.opened_at, Outcome.REFUND)]


async def test_a_customers_history_names_each_claims_shipment_and_the_claims_they_withdrew(cases: Cases) -> None:
    found = await cases.open(1)
    await cases.change(found.id, lambda d: d.withdraw(CUSTOMER, "Komşuda buldum.", NOW))
    cases.clock.advance(hours=1)
    again = await cases.open(1)
    cases.clock.advance(days=1)
    current = await cases.open(2)

    history = await cases.storage.disputes.customer_history(current, NOW - timedelta(days=1))

    claimed = sorted((c.opened_at, c.shipment, c.withdrawn_at) for c in history.claims)
    assert claimed == [(found.opened_at, "ord-1/shp-1", NOW), (again.opened_at, "ord-1/shp-1", None)]
    assert again.shipment_key == "ord-1/shp-1" and current.shipment_key == "ord-2/shp-2"


async def test_a_history_ends_at_the_cases_opening_claims_and_accounts_that_came_later_do_not_count(
    cases: Cases,
) -> None:
    await cases.open(customer="cust-2")
    current = await cases.open(customer="cust-1")
    cases.clock.advance(hours=2)
    for customer in ("cust-1", "cust-3", "cust-4"):
        await cases.open(customer=customer)

    history = await cases.storage.disputes.customer_history(current, NOW - timedelta(days=1))

    assert history.claims == () and history.accounts_at_address == 2


async def test_a_history_counts_only_the_cases_on_the_same_test_clock_or_on_none(cases: Cases) -> None:
    await cases.open(customer="cust-2")
    real = await cases.open(customer="cust-1")
    on_clocks = []
    for clock_id, customer in (("clk_a", "cust-1"), ("clk_a", "cust-3"), ("clk_a", "cust-1"), ("clk_b", "cust-1")):
        on_clock = await cases.draft(customer=customer)
        on_clock.test_clock = ClockReading(id=clock_id, time=NOW, at=NOW)
        await cases.storage.disputes.add(on_clock, cases.clock.now())
        on_clocks.append(on_clock)
    since = NOW - timedelta(days=1)

    of_real = await cases.storage.disputes.customer_history(real, since)
    of_clock = await cases.storage.disputes.customer_history(on_clocks[2], since)  # the later on clk_a of cust-1

    assert [c.opened_at for c in of_real.claims] == [] and of_real.accounts_at_address == 2
    assert [c.opened_at for c in of_clock.claims] == [NOW] and of_clock.accounts_at_address == 2


async def test_cases_opened_at_one_test_clock_instant_count_only_those_opened_before_them(cases: Cases) -> None:
    """README, Decision policy: a history holds the claims up to the case's opening, this one included; a clock's
    cases all open at its frozen instant, and their sequence orders them."""
    on_clock = []
    for customer in ("cust-1", "cust-2", "cust-1"):
        opened = await cases.draft(customer=customer)
        opened.test_clock = ClockReading(id="clk_a", time=NOW, at=NOW)
        on_clock.append(opened)
    first, _, third = on_clock
    first.withdraw(CUSTOMER, "Komşuda buldum.", NOW)  # at the clock's instant, after the third opened
    assert first.opened_seq is not None and third.opened_seq is not None
    first.withdrawn_seq = third.opened_seq + 1
    for opened in on_clock:
        await cases.storage.disputes.add(opened, cases.clock.now())
    since = NOW - timedelta(days=1)

    of_first = await cases.storage.disputes.customer_history(first, since)
    of_third = await cases.storage.disputes.customer_history(third, since)

    assert (of_first.claims, of_first.accounts_at_address) == ((), 1)
    assert [(c.dispute_id, c.withdrawn_at, c.opened_seq, c.withdrawn_seq) for c in of_third.claims] == [
        (first.id, NOW, first.opened_seq, third.opened_seq + 1)
    ]
    assert of_third.accounts_at_address == 2


async def test_of_two_cases_opened_in_one_millisecond_the_later_counts_the_earlier_and_not_the_other_way(
    cases: Cases,
) -> None:
    earlier = await cases.open(customer="cust-1")
    later = await cases.open(customer="cust-1")
    since = NOW - timedelta(days=1)

    counted = [[c.dispute_id for c in (await cases.storage.disputes.customer_history(d, since)).claims]
               for d in (earlier, later)]

    assert earlier.opened_at == later.opened_at
    assert counted == [[], [earlier.id]]


async def test_a_customers_history_counts_the_accounts_that_disputed_deliveries_to_the_address(cases: Cases) -> None:
    elsewhere = Address(line="Moda Cad. No:3", district="Kadıköy", city="İstanbul", lat=40.98, lon=29.02)
    await cases.open(customer="cust-2")
    await cases.open(customer="cust-3")
    await cases.open(customer="cust-3")
    await cases.open(customer="cust-4", address=elsewhere)
    current = await cases.open(customer="cust-1")

    history = await cases.storage.disputes.customer_history(current, NOW - timedelta(days=1))
    alone = await cases.storage.disputes.customer_history(await cases.open(customer="cust-5", address=elsewhere),
                                                          NOW + timedelta(seconds=1))

    assert history.accounts_at_address == 3 and history.claims == ()
    assert alone.accounts_at_address == 1
