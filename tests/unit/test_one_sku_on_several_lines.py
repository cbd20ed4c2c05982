"""One SKU on several lines of a package (a promotion splits them at different prices): its units are the sum of its
lines everywhere (the claim, the policy, the value paid, the reshipment), a refund never pays more than its lines are
worth however the units are split over decisions, a reshipment ships each line's own units (those following the units
earlier decisions paid, as the refund counts them), and a line worth nothing sends no payment."""

from datetime import timedelta

import pytest

from adapters.memory import InMemoryOrders
from disputes.errors import CompensationAlreadyIssued, Unprocessable
from disputes.model import Dispute
from disputes.next_step import next_step
from disputes.policy.missing import not_packed
from disputes.rules import Rules
from disputes.service import DisputeService, OpenRequest
from schemas.common import Outcome, RefundDestination, Resolution
from schemas.dispute import EffectKind, MissingItem, PackingCheck, ReasonCode
from schemas.orders import OrderItem, PackedLine, PackingRecord
from tests.factories import CUSTOMER, INVESTIGATOR, NOW, SUPERVISOR, order, shipment
from tests.unit.test_missing_items import NEW_EXPLANATION, claim, compensation


def sku_a(quantity: int, price: int, name: str = "Kupa") -> OrderItem:
    return OrderItem(sku="SKU-A", name=name, quantity=quantity, unit_price_minor=price)


def service_of(repository, clock, *items: OrderItem) -> DisputeService:
    package = order("ord-box", shipments=[shipment("shp-box", items=list(items))])
    return DisputeService(repository, InMemoryOrders([package]), clock, Rules())


async def opened(service: DisputeService, *missing: tuple[str, int], **options) -> Dispute:
    return (await service.open(CUSTOMER, claim(*missing, **options), None)).dispute


@pytest.mark.parametrize(("first", "second"), [(3, 1), (1, 3)])
async def test_a_claim_may_name_as_many_units_as_the_sku_s_lines_hold_together(repository, clock, first, second) -> None:
    service = service_of(repository, clock, sku_a(first, 100), sku_a(second, 50_000))

    dispute = await opened(service, ("SKU-A", 2))
    with pytest.raises(Unprocessable, match="Only 4 of SKU-A were in this package"):
        await opened(service, ("SKU-A", 5))

    assert dispute.missing_items == [MissingItem(sku="SKU-A", quantity=2)]


async def test_the_policy_counts_a_sku_s_units_over_its_lines_as_the_claim_does(repository, clock) -> None:
    service = service_of(repository, clock, sku_a(3, 100), sku_a(1, 50_000))
    dispute = await opened(service, ("SKU-A", 2))
    record = PackingRecord(shipment_id="shp-box", packed_at=NOW, lines=[PackedLine(sku="SKU-A", quantity=3)])

    dispute.packing = PackingCheck(answered=True, record=record)

    assert not_packed(dispute) == (MissingItem(sku="SKU-A", quantity=1),)


def refunds(dispute: Dispute) -> list[tuple[str, int, int]]:
    return [(p["sku"], p["quantity"], p["amount_minor"]) for kind, _, p in compensation(dispute) if kind is EffectKind.REFUND]


async def test_units_of_a_sku_split_over_two_lines_are_refunded_at_the_sku_s_average_never_one_line_s_price(
    repository, clock
) -> None:
    # one unit at 500.00 and three at 1.00: 503.00 for four units
    service = service_of(repository, clock, sku_a(1, 50_000), sku_a(3, 100))
    dispute = await opened(service, ("SKU-A", 3))

    dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "Eksik.", None, NOW)

    assert refunds(dispute) == [("SKU-A", 3, 37_725)]  # 50,300 × 3 / 4
    assert [(line.sku, line.quantity, line.outcome, line.amount_minor) for line in dispute.decision.lines] == [
        ("SKU-A", 3, Outcome.REFUND, 37_725)
    ]
    assert dispute.claimed_value_minor == 37_725


async def test_units_of_a_sku_paid_over_two_decisions_add_up_to_its_lines_value_and_no_more(repository, clock) -> None:
    service = service_of(repository, clock, sku_a(1, 50_000), sku_a(3, 100))
    dispute = await opened(service, ("SKU-A", 4))
    dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "Biri eksik.", None, NOW,
                   line_outcomes=[("SKU-A", Outcome.REFUND, 1)])
    dispute.file_appeal(CUSTOMER, NEW_EXPLANATION, NOW, NOW + Rules().appeal_window)

    dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "Hepsi eksik.", None, NOW)

    assert refunds(dispute) == [("SKU-A", 1, 12_575), ("SKU-A", 3, 37_725)]  # 50,300 / 4, then 50,300 − 12,575
    assert dispute.claimed_value_minor == 50_300


async def test_units_valued_in_parts_are_rounded_down_yet_add_up_to_the_whole(repository, clock) -> None:
    # 1.00 for three units: a third of it cannot be paid in kuruş
    service = service_of(repository, clock, sku_a(1, 100), sku_a(2, 0))
    dispute = await opened(service, ("SKU-A", 3))
    dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "n", None, NOW,
                   line_outcomes=[("SKU-A", Outcome.REFUND, 1)])
    dispute.reopen(SUPERVISOR, "Yeniden bakılacak.", NOW)

    dispute.decide(SUPERVISOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "n", None, NOW)

    assert refunds(dispute) == [("SKU-A", 1, 33), ("SKU-A", 2, 67)]


async def test_the_units_a_decision_compensates_and_those_it_rejects_are_valued_at_the_sku_s_whole_value(
    repository, clock
) -> None:
    # 49.99 for three units: the one refunded is worth 16.66, the two rejected the 33.33 left
    service = service_of(repository, clock, sku_a(2, 1_000), sku_a(1, 2_999))
    dispute = await opened(service, ("SKU-A", 3))

    dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "Biri eksik.", None, NOW,
                   line_outcomes=[("SKU-A", Outcome.REFUND, 1)])

    assert [(line.quantity, line.outcome, line.amount_minor) for line in dispute.decision.lines] == [
        (1, Outcome.REFUND, 1_666), (2, Outcome.REJECTED, 3_333)
    ]


async def test_a_reship_of_a_sku_on_two_lines_ships_the_units_decided_as_one_item(repository, clock) -> None:
    service = service_of(repository, clock, sku_a(2, 1_000, "Kupa (kampanya)"), sku_a(1, 5_000))
    dispute = await opened(service, ("SKU-A", 1), resolution=Resolution.RESHIP)

    dispute.decide(INVESTIGATOR, Outcome.RESHIP, ReasonCode.ITEMS_MISSING, "Eksik.", None, NOW)

    [(kind, key, payload)] = compensation(dispute)
    assert (kind, key) == (EffectKind.RESHIP, f"{dispute.effects_prefix}:d1:reship:SKU-A")
    assert payload["items"] == [
        {"sku": "SKU-A", "name": "Kupa (kampanya)", "quantity": 1, "unit_price_minor": 1_000, "digital": None,
         "unit_weight_grams": None}
    ]


def reshipped(dispute: Dispute) -> list[list[tuple[str, int, int, int | None]]]:
    """Each reshipment's items: name, quantity, unit price and unit weight of each."""
    return [[(i["name"], i["quantity"], i["unit_price_minor"], i["unit_weight_grams"]) for i in p["items"]]
            for kind, _, p in compensation(dispute) if kind is EffectKind.RESHIP]


async def test_a_reship_of_units_over_two_lines_ships_one_item_per_line_each_as_its_line_describes_it(
    repository, clock
) -> None:
    campaign = OrderItem(sku="SKU-A", name="Kupa (kampanya)", quantity=2, unit_price_minor=1_000, unit_weight_grams=350)
    boxed = OrderItem(sku="SKU-A", name="Kupa (kutulu)", quantity=2, unit_price_minor=5_000, unit_weight_grams=420)
    service = service_of(repository, clock, campaign, boxed)
    dispute = await opened(service, ("SKU-A", 3), resolution=Resolution.RESHIP)

    dispute.decide(INVESTIGATOR, Outcome.RESHIP, ReasonCode.ITEMS_MISSING, "Eksik.", None, NOW)

    assert reshipped(dispute) == [[("Kupa (kampanya)", 2, 1_000, 350), ("Kupa (kutulu)", 1, 5_000, 420)]]


async def test_a_reship_after_an_earlier_decision_ships_the_units_following_those_it_paid(repository, clock) -> None:
    service = service_of(repository, clock, sku_a(2, 1_000, "Kupa (kampanya)"), sku_a(2, 5_000), sku_a(1, 7_000, "Kupa (mat)"))
    dispute = await opened(service, ("SKU-A", 5), resolution=Resolution.RESHIP)
    dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "Üçü eksik.", None, NOW,
                   line_outcomes=[("SKU-A", Outcome.REFUND, 3)])
    dispute.file_appeal(CUSTOMER, NEW_EXPLANATION, NOW, NOW + Rules().appeal_window)

    dispute.decide(INVESTIGATOR, Outcome.RESHIP, ReasonCode.ITEMS_MISSING, "Kalanlar yeniden.", None, NOW)

    assert reshipped(dispute) == [[("Kupa", 1, 5_000, None), ("Kupa (mat)", 1, 7_000, None)]]


async def test_a_free_line_refunded_sends_no_payment_yet_counts_as_compensated(repository, clock) -> None:
    service = service_of(repository, clock, sku_a(1, 12_345), OrderItem(sku="GIFT", name="Hediye", quantity=1, unit_price_minor=0))
    dispute = await opened(service, ("GIFT", 1))

    dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "Hediye eksik.", None, NOW)

    assert compensation(dispute) == []
    [notification] = [m for m in dispute.outbox if m.payload.get("template") == "decision_made"]
    assert notification.waits_for == []
    assert [(line.sku, line.quantity, line.outcome, line.amount_minor) for line in dispute.compensated_lines] == [
        ("GIFT", 1, Outcome.REFUND, 0)
    ]
    english, turkish = next_step(dispute, timedelta(days=14), NOW)
    assert "nothing to refund for them: Hediye" in english and "0.00" not in english  # was "We are refunding 0.00 TRY"
    assert "iade edilecek bir tutar yok: Hediye" in turkish
    dispute.reopen(SUPERVISOR, "Yeniden bakılacak.", NOW)
    with pytest.raises(CompensationAlreadyIssued):
        dispute.decide(SUPERVISOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "n", None, NOW)


async def test_a_free_line_refunded_with_a_paid_one_waits_only_for_the_paid_one_s_refund(repository, clock) -> None:
    service = service_of(repository, clock, sku_a(1, 12_345), OrderItem(sku="GIFT", name="Hediye", quantity=1, unit_price_minor=0))
    dispute = await opened(service, ("SKU-A", 1), ("GIFT", 1))

    dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "İkisi de eksik.", RefundDestination.WALLET, NOW)

    [refund] = [m for m in dispute.outbox if m.kind is EffectKind.REFUND]
    assert (refund.key, refund.payload["amount_minor"]) == (f"{dispute.effects_prefix}:d1:refund:SKU-A", 12_345)
    [notification] = [m for m in dispute.outbox if m.payload.get("template") == "decision_made"]
    assert notification.waits_for == [refund.id]


async def test_a_free_package_refunded_is_told_as_nothing_to_refund(repository, clock) -> None:
    service = service_of(repository, clock, OrderItem(sku="GIFT", name="Hediye", quantity=1, unit_price_minor=0))
    dispute = (await service.open(CUSTOMER, OpenRequest("ord-box", None, "Gelmedi.", Resolution.REFUND), None)).dispute

    dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "Kanıt yok.", None, NOW)

    assert compensation(dispute) == []
    english, turkish = next_step(dispute, timedelta(days=14), NOW)
    assert "nothing to refund" in english and "refund of" not in english and "iade edilecek bir tutar yok" in turkish


async def test_a_free_line_an_earlier_decision_refunded_is_not_told_as_a_refund_of_nothing(repository, clock) -> None:
    service = service_of(repository, clock, sku_a(1, 12_345), OrderItem(sku="GIFT", name="Hediye", quantity=1, unit_price_minor=0))
    dispute = await opened(service, ("SKU-A", 1), ("GIFT", 1))
    dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "Hediye eksik.", None, NOW,
                   line_outcomes=[("GIFT", Outcome.REFUND, 1)])
    dispute.file_appeal(CUSTOMER, NEW_EXPLANATION, NOW, NOW + Rules().appeal_window)

    dispute.decide(INVESTIGATOR, Outcome.RESHIP, ReasonCode.ITEMS_MISSING, "Kupa yeniden.", None, NOW)

    english, _ = next_step(dispute, timedelta(days=14), NOW)
    assert "0.00" not in english and "Kupa" in english
