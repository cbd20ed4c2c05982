"""Opening a dispute: which orders qualify, the snapshot it keeps, and idempotent retries."""

import asyncio
from datetime import UTC, datetime

import pytest

from adapters.memory import InMemoryDisputes
from disputes.actors import Actor
from disputes.errors import ActiveDisputeExists, Forbidden, IdempotencyKeyReused, Unprocessable
from disputes.model import Dispute, FirstAnswer
from disputes.rules import Rules
from disputes.service import DisputeService, OpenRequest
from schemas.common import Outcome, Resolution, Role
from schemas.dispute import Channel, Claim, EffectKind, MissingItem, ReasonCode, Status
from schemas.orders import ShipmentStatus
from tests.factories import AGENT, BOXED, CUSTOMER, INVESTIGATOR, OTHER_CUSTOMER, effects_key, order, shipment


async def test_a_customer_opens_a_dispute_on_a_delivered_shipment(service, request_for, repository):
    opened = await service.open(CUSTOMER, request_for(), None)

    assert opened.created
    dispute = opened.dispute
    assert dispute.status is Status.OPENED and dispute.version == 1
    assert dispute.order.tracking_number == "TRKSHP1" and dispute.order.value_minor == 129_900
    assert dispute.order.address.lat == 40.9819 and dispute.order.recipient_name == "Ayşe Yılmaz"
    assert [e.action for e in dispute.timeline] == ["opened"]
    assert [m.kind for m in repository.docs[dispute.id].outbox] == [EffectKind.NOTIFICATION]


async def test_the_case_keeps_when_the_order_was_placed_and_a_time_without_a_zone_as_unknown(
    service, orders, request_for
):
    placed = orders.orders["ord-1"].placed_at
    orders.orders["ord-2"] = order("ord-2", shipments=[shipment("shp-2")]).model_copy(
        update={"placed_at": placed.replace(tzinfo=None)}
    )

    kept = (await service.open(CUSTOMER, request_for(), None)).dispute
    zoneless = (await service.open(CUSTOMER, request_for(order_id="ord-2"), None)).dispute

    assert kept.order.placed_at == datetime(2026, 11, 13, 9, 30, tzinfo=UTC) and zoneless.order.placed_at is None


async def test_the_decision_deadline_is_three_turkish_business_days_away(service, request_for):
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute
    # Opened Wednesday 18 Nov 2026 (Istanbul): due at the end of Monday 23 Nov, Istanbul time.
    assert dispute.sla.decision_due.isoformat() == "2026-11-23T21:00:00+00:00"
    assert dispute.sla.first_response_due.isoformat() == "2026-11-19T21:00:00+00:00"


async def test_someone_elses_order_is_refused_like_an_unknown_one(service, request_for):
    with pytest.raises(Unprocessable, match="No order ord-1"):
        await service.open(OTHER_CUSTOMER, request_for(), None)
    with pytest.raises(Unprocessable, match="No order ord-404"):
        await service.open(CUSTOMER, request_for(order_id="ord-404"), None)


async def test_only_customers_open_disputes(service, request_for):
    with pytest.raises(Forbidden):
        await service.open(INVESTIGATOR, request_for(), None)


async def test_a_shipment_not_yet_delivered_cannot_be_disputed(service, orders, request_for):
    orders.orders["ord-1"] = order(shipments=[shipment(status=ShipmentStatus.IN_TRANSIT, delivered_days_ago=None)])
    with pytest.raises(Unprocessable, match="not marked delivered"):
        await service.open(CUSTOMER, request_for(), None)


@pytest.mark.parametrize(("days_ago", "allowed"), [(29.9, True), (30.1, False)])
async def test_claims_are_accepted_only_within_the_claim_window(service, orders, request_for, days_ago, allowed):
    orders.orders["ord-1"] = order(shipments=[shipment(delivered_days_ago=days_ago)])
    if allowed:
        assert (await service.open(CUSTOMER, request_for(), None)).created
    else:
        with pytest.raises(Unprocessable, match="within 30 days"):
            await service.open(CUSTOMER, request_for(), None)


async def test_an_order_with_several_shipments_needs_the_shipment_named(service, orders, request_for):
    orders.orders["ord-1"] = order(shipments=[shipment("shp-1"), shipment("shp-2", price=5_000)])
    with pytest.raises(Unprocessable) as raised:
        await service.open(CUSTOMER, request_for(), None)
    assert raised.value.facts["shipments"] == ["shp-1", "shp-2"]
    dispute = (await service.open(CUSTOMER, request_for(shipment_id="shp-2"), None)).dispute
    assert dispute.order.shipment_id == "shp-2" and dispute.order.value_minor == 5_000
    with pytest.raises(Unprocessable, match="no shipment shp-9"):
        await service.open(CUSTOMER, request_for(shipment_id="shp-9"), None)


async def test_a_second_dispute_on_the_same_shipment_names_the_first(service, request_for):
    first = (await service.open(CUSTOMER, request_for(), None)).dispute
    with pytest.raises(ActiveDisputeExists) as raised:
        await service.open(CUSTOMER, request_for(statement="Again"), None)
    assert raised.value.dispute_id == first.id


async def test_after_a_withdrawal_the_shipment_can_be_disputed_again(service, request_for):
    first = (await service.open(CUSTOMER, request_for(), None)).dispute
    await service.withdraw(CUSTOMER, first.id, "Komşuda buldum")
    assert (await service.open(CUSTOMER, request_for(), None)).created


async def test_the_case_opened_after_a_withdrawal_refunds_under_the_shipments_key_no_other_case_used(
    service, request_for, repository
):
    """Only an undecided case is withdrawn, so the shipment's refund keys are the one decided case's."""
    first = (await service.open(CUSTOMER, request_for(), None)).dispute
    await service.withdraw(CUSTOMER, first.id, "Komşuda buldum")
    second = (await service.open(CUSTOMER, request_for(), None)).dispute
    await service.decide(INVESTIGATOR, second.id, None, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None)

    refunds = {d.id: [m.key for m in d.outbox if m.kind is EffectKind.REFUND] for d in repository.docs.values()}
    assert refunds == {first.id: [], second.id: [f"{effects_key('ord-1', 'shp-1')}:d1:refund"]}


async def test_the_same_key_and_body_replays_the_first_answer(service, request_for, repository):
    first = await service.open(CUSTOMER, request_for(), "key-1")
    again = await service.open(CUSTOMER, request_for(), "key-1")
    assert not again.created and again.dispute.id == first.dispute.id
    assert len(repository.docs) == 1


async def test_the_same_key_with_a_different_body_is_refused(service, request_for):
    await service.open(CUSTOMER, request_for(), "key-1")
    with pytest.raises(IdempotencyKeyReused):
        await service.open(CUSTOMER, request_for(statement="Different words"), "key-1")


async def test_keys_are_scoped_to_the_customer(service, orders, request_for):
    orders.orders["ord-2"] = order("ord-2", customer_id="cust-2")
    await service.open(CUSTOMER, request_for(), "key-1")
    assert (await service.open(OTHER_CUSTOMER, request_for(order_id="ord-2"), "key-1")).created


async def test_a_key_kept_by_the_previous_release_still_replays(service, request_for, repository):
    first = await service.open(CUSTOMER, request_for(), "key-1")
    stored = repository.docs[first.dispute.id]
    assert stored.idempotency is not None and stored.idempotency.key == "cust-1:key-1"  # the earlier form, unchanged

    again = await service.open(CUSTOMER, request_for(), "key-1")
    assert not again.created and again.dispute.id == first.dispute.id


async def test_a_customer_whose_id_and_key_spell_another_customers_stored_key_opens_their_own_case(
    service, orders, request_for, repository
):
    colon_customer = Actor("cust-1:x", Role.CUSTOMER, "cust-1:x")
    orders.orders["ord-2"] = order("ord-2", customer_id="cust-1:x")
    first = await service.open(CUSTOMER, request_for(), "x:k1")  # an earlier release stored it as "cust-1:x:k1"

    theirs = await service.open(colon_customer, request_for(order_id="ord-2"), "k1")

    assert theirs.created and theirs.dispute.id != first.dispute.id and theirs.dispute.customer_id == "cust-1:x"
    assert len({d.idempotency.key for d in repository.docs.values() if d.idempotency}) == 2


async def test_an_expired_key_is_a_new_request(service, request_for, clock):
    first = await service.open(CUSTOMER, request_for(), "key-1")
    clock.advance(hours=25)
    with pytest.raises(ActiveDisputeExists) as raised:
        await service.open(CUSTOMER, request_for(), "key-1")
    assert raised.value.dispute_id == first.dispute.id


def _first_answer(dispute: Dispute) -> FirstAnswer:
    return FirstAnswer(status=201, headers=(("ETag", f'"{dispute.version}"'),), body=dispute.id)


@pytest.mark.parametrize("key", [None, "key-1"])
async def test_an_opened_dispute_holds_what_validating_it_would_give(service, orders, repository, key):
    """The dispute is built from the validated request and order without validating it again: it holds the same
    types validation gives (strictly: enums as enums, nested models as models), so it stores and reads back alike."""
    orders.orders["ord-box"] = order("ord-box", shipments=[shipment("shp-box", items=BOXED)], accessibility_need=True)
    request = OpenRequest("ord-box", None, "İki bardak eksik.", Resolution.RESHIP, customer_id=CUSTOMER.customer_id,
                          channel=Channel.PHONE, claim=Claim.MISSING_ITEMS,
                          missing_items=(MissingItem(sku="sku-glass", quantity=2),))

    opened = await service.open(AGENT, request, key, _first_answer)

    dispute = opened.dispute
    assert Dispute.model_validate(dispute.model_dump(), strict=True) == dispute
    assert Dispute.model_validate_json(dispute.model_dump_json()) == dispute
    assert (dispute.channel, dispute.opened_by_agent, dispute.priority) == (Channel.PHONE, AGENT.id, 1)
    assert dispute.missing_items == [MissingItem(sku="sku-glass", quantity=2)]
    assert dispute.evidence_pull_due == dispute.opened_at and dispute.sla_check_due is not None
    assert repository.docs[dispute.id].model_dump() == dispute.model_dump()


async def test_the_answer_kept_with_a_key_is_rendered_once_from_the_dispute_as_stored(service, request_for, repository):
    rendered: list[Dispute] = []

    def render(dispute: Dispute) -> FirstAnswer:
        rendered.append(dispute.model_copy(deep=True))
        return _first_answer(dispute)

    opened = await service.open(CUSTOMER, request_for(), "key-1", render)
    again = await service.open(CUSTOMER, request_for(), "key-1", render)

    assert [d.version for d in rendered] == [1]
    assert opened.created and opened.answer == again.answer == _first_answer(repository.docs[opened.dispute.id])
    assert not again.created


async def test_without_a_key_nothing_is_rendered_for_keeping(service, request_for):
    def render(dispute: Dispute) -> FirstAnswer:
        raise AssertionError("rendered for a key never given")

    opened = await service.open(CUSTOMER, request_for(), None, render)

    assert opened.created and opened.answer is None and opened.dispute.idempotency is None


class BothLookBeforeEitherAdds(InMemoryDisputes):
    """Storage on which two opens with one key both look for it before either adds its dispute: the first look
    answers only once the second has looked too."""

    def __init__(self) -> None:
        super().__init__()
        self.looks = 0
        self.both_looked = asyncio.Event()

    async def find_by_idempotency_key(self, key: str, now: datetime) -> Dispute | None:
        found = await super().find_by_idempotency_key(key, now)
        self.looks += 1
        if self.looks == 2:
            self.both_looked.set()
        elif self.looks == 1:
            await asyncio.wait_for(self.both_looked.wait(), 5)
        return found


async def test_two_concurrent_opens_with_one_key_both_get_the_first_answer(orders, clock, request_for):
    repository = BothLookBeforeEitherAdds()
    service = DisputeService(repository, orders, clock, Rules())

    first, second = await asyncio.gather(
        service.open(CUSTOMER, request_for(), "key-1", _first_answer),
        service.open(CUSTOMER, request_for(), "key-1", _first_answer),
    )

    assert repository.looks == 3 and len(repository.docs) == 1  # both looked first, the second add looked again
    (stored,) = repository.docs.values()
    assert sorted([first.created, second.created]) == [False, True]
    assert first.dispute.id == second.dispute.id == stored.id
    assert first.answer == second.answer == FirstAnswer(status=201, headers=(("ETag", '"1"'),), body=stored.id)
