"""A case decided before decisions kept their money rows is read with the rows its decisions sent, built by the rule
that builds a new decision's: the same rows, marked rebuilt. A timeline kept from before decisions were kept in full
(an earlier decision's outcome and reason alone) still gives that decision's rows, from the lines it paid."""

from datetime import timedelta
from typing import Any

import pytest

from adapters.memory import InMemoryOrders
from disputes.model import Dispute
from disputes.rules import Rules
from disputes.service import DisputeService, OpenRequest
from schemas.common import Outcome, Resolution
from schemas.dispute import Claim, MissingItem, ReasonCode
from tests.factories import BOXED, CUSTOMER, INVESTIGATOR, NOW, order, shipment

LATER = NOW + timedelta(days=3)


@pytest.fixture
def boxes(repository, clock) -> DisputeService:
    return DisputeService(repository, InMemoryOrders([order("ord-box", shipments=[shipment("shp-box", items=BOXED)])]),
                          clock, Rules())


async def opened(boxes: DisputeService, glasses: int) -> Dispute:
    missing = (MissingItem(sku="sku-glass", quantity=glasses),)
    request = OpenRequest("ord-box", None, "Bardaklar eksik.", Resolution.REFUND, claim=Claim.MISSING_ITEMS,
                          missing_items=missing)
    return (await boxes.open(CUSTOMER, request, None)).dispute


async def decided_twice(boxes: DisputeService) -> Dispute:
    """A glass reshipped, then after an appeal the other glass refunded."""
    dispute = await opened(boxes, 2)
    dispute.decide(INVESTIGATOR, Outcome.RESHIP, ReasonCode.ITEMS_MISSING, "n", None, NOW,
                   line_outcomes=[("sku-glass", Outcome.RESHIP, 1)])
    dispute.file_appeal(CUSTOMER, "İkincisi de yoktu.", LATER, LATER + timedelta(days=14))
    dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "n", None, LATER + timedelta(hours=1),
                   line_outcomes=[("sku-glass", Outcome.REFUND, 1)])
    return dispute


def stored_before_the_ledger(dispute: Dispute) -> dict[str, Any]:
    return dispute.model_dump(mode="json", exclude={"money"})


async def test_a_case_stored_without_money_rows_reads_with_those_its_decisions_sent(boxes: DisputeService) -> None:
    dispute = await decided_twice(boxes)

    read = Dispute.model_validate(stored_before_the_ledger(dispute))

    assert len(dispute.money) == 2
    assert read.money == [money.model_copy(update={"rebuilt": True}) for money in dispute.money]


async def test_an_earlier_decision_the_timeline_kept_by_outcome_and_reason_alone_still_has_its_rows(
    boxes: DisputeService,
) -> None:
    dispute = await decided_twice(boxes)
    doc = stored_before_the_ledger(dispute)
    first = next(entry for entry in doc["timeline"] if entry["action"] == "decided")
    first["details"] = {key: first["details"][key] for key in ("outcome", "reason_code")}

    read = Dispute.model_validate(doc)

    assert read.money == [money.model_copy(update={"rebuilt": True}) for money in dispute.money]


async def test_a_case_stored_with_its_rows_reads_them_as_kept(boxes: DisputeService) -> None:
    dispute = await decided_twice(boxes)

    assert Dispute.model_validate(dispute.model_dump(mode="json")).money == dispute.money


async def test_an_undecided_case_stored_without_money_rows_has_none(boxes: DisputeService) -> None:
    assert Dispute.model_validate(stored_before_the_ledger(await opened(boxes, 1))).money == []
