"""The bodies the relay puts on the wire, held to docs/downstream.md field for field: the names and types below are
written out from that document ("What a refund and a reship carry", "What a carrier liability carries"), never taken
from the service's own models."""

from typing import Any


from adapters.memory import FixedClock, InMemoryDisputes, InMemoryEvidenceStore, InMemoryOrders, InMemorySchedule
from disputes.actors import SYSTEM
from disputes.rules import Rules
from disputes.service import DisputeService, OpenRequest
from sandbox.downstream import LEDGER, create_downstream_sandbox
from schemas.common import Outcome, Resolution
from schemas.dispute import ReasonCode
from tests.factories import CUSTOMER, INVESTIGATOR, NOW, order, shipment
from tests.integration.test_downstream import relay_once

NULL = type(None)
REFUND_FIELDS = {  # "The units of a refund", with the ids, currency, destination and payment_method of the sentence above
    "dispute_id": str, "order_id": str, "customer_id": str,
    "amount_minor": int, "currency": str, "destination": str, "payment_method": str,
    "shipment_id": (str, NULL), "sku": (str, NULL), "quantity": (int, NULL),
}
RESHIP_FIELDS = {"dispute_id": str, "order_id": str, "original_shipment_id": str, "carrier": str, "address": dict,
                 "recipient_name": str, "items": list}
LIABILITY_FIELDS = {  # "What a carrier liability carries"
    "dispute_id": str, "carrier": str, "tracking_number": str, "amount_minor": int, "currency": str, "reason": str,
    "decided_at": str,
}
ITEM_FIELDS = {  # "The items of a reship"
    "sku": str, "name": str, "quantity": int, "unit_price_minor": int, "digital": (str, NULL),
    "unit_weight_grams": (int, NULL),
}


def held_to(body: dict[str, Any], documented: dict[str, type | tuple[type, ...]]) -> None:
    """`body` has each documented field with its documented type, and no other."""
    assert {field: isinstance(body.get(field), kinds) for field, kinds in documented.items()} == dict.fromkeys(
        documented, True), body
    assert body.keys() == documented.keys(), body


async def test_refund_reship_and_liability_bodies_carry_the_documented_fields(aiohttp_server) -> None:
    clock = FixedClock(NOW)
    disputes = InMemoryDisputes()
    orders = InMemoryOrders([order("ord-1"), order("ord-2", shipments=[shipment("shp-2")])])
    service = DisputeService(disputes, orders, clock, Rules())
    refunded = (await service.open(CUSTOMER, OpenRequest("ord-1", None, "Gelmedi.", Resolution.REFUND), None)).dispute
    silent = await disputes.get(refunded.id)
    assert silent is not None
    silent.evidence_deadline_passed(SYSTEM, clock.now())  # no proof by the deadline: the carrier is liable
    await disputes.save(silent)
    await service.decide(INVESTIGATOR, refunded.id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "x", None)
    reshipped = (await service.open(CUSTOMER, OpenRequest("ord-2", None, "Gelmedi.", Resolution.RESHIP), None)).dispute
    await service.decide(INVESTIGATOR, reshipped.id, None, Outcome.RESHIP, ReasonCode.CARRIER_NO_PROOF, "x", None)
    sandbox = create_downstream_sandbox()
    base = str((await aiohttp_server(sandbox)).make_url("/"))

    await relay_once(base, disputes, InMemorySchedule(disputes, InMemoryEvidenceStore()), clock)

    sent = {request["path"]: request for request in sandbox[LEDGER].requests}
    refund = sent["/payments/v1/refunds"]["body"]
    held_to(refund, REFUND_FIELDS)
    assert (refund["dispute_id"], refund["order_id"], refund["customer_id"]) == (refunded.id, "ord-1", "cust-1")
    # the whole package: one kettle of 129 900 kuruş (tests/factories.py), back to the original payment
    assert (refund["amount_minor"], refund["currency"], refund["destination"]) == (129_900, "TRY", "original_payment")
    assert (refund["shipment_id"], refund["sku"], refund["quantity"]) == (None, None, None)

    reship = sent["/fulfillment/v1/reships"]["body"]
    held_to(reship, RESHIP_FIELDS)
    assert (reship["dispute_id"], reship["order_id"]) == (reshipped.id, "ord-2")
    assert (reship["original_shipment_id"], reship["carrier"], reship["recipient_name"]) == (
        "shp-2", "yurtici", "Ayşe Yılmaz")
    [item] = reship["items"]
    held_to(item, ITEM_FIELDS)
    assert item == {"sku": "sku-kettle", "name": "Çay makinesi", "quantity": 1, "unit_price_minor": 129_900,
                    "digital": None, "unit_weight_grams": None}

    liability = sent["/finance/v1/carrier-liabilities"]["body"]
    held_to(liability, LIABILITY_FIELDS)
    assert {field: liability[field] for field in ("dispute_id", "carrier", "amount_minor", "currency", "reason")} == {
        "dispute_id": refunded.id, "carrier": "yurtici", "amount_minor": 129_900, "currency": "TRY",
        "reason": "carrier_no_proof"}
    assert liability["decided_at"].startswith(NOW.date().isoformat())
