"""The views and the queue page are written straight to JSON from the aggregates; each must be what its published
model writes."""

import re
import types
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Union, get_args, get_origin

import orjson
import pytest
from pydantic import BaseModel

from adapters.memory import InMemoryOrders
from adapters.mongo.disputes import from_doc, to_doc
from adapters.web.customers_api import past_dispute
from adapters.web.views import (
    DisputeViews,
    QueueRows,
    agent_view,
    customer_view,
    staff_view,
    summary_fields,
    view_json,
)
from disputes.calendar import BusinessCalendar
from adapters.web.disputes_api import _effects_settled
from disputes.model import ClockReading, Dispute
from disputes.next_step import next_step
from schemas.api import AgentDisputeView, CustomerDisputeView, DisputePageView, DisputeSummary, DisputeView
from schemas.common import Outcome, Resolution
from schemas.digital import DigitalChannel, DigitalDelivery
from schemas.dispute import (
    Claim,
    DeliveredEffect,
    EffectKind,
    MissingItem,
    OutboxMessage,
    PackingCheck,
    ParkReason,
    ReasonCode,
    Restriction,
)
from schemas.orders import PackedLine, PackingRecord
from schemas.recommendation import PolicyRule, Recommendation, RecommendedAction
from tests.factories import AGENT, BOXED, CUSTOMER, INVESTIGATOR, NOW, SUPERVISOR, order
from tests.unit.policy.builders import customer_added, dispute, evidence

ADVICE = Recommendation(
    action=RecommendedAction.REJECT, rule=PolicyRule.STRONG_PROOF, confidence=0.85, findings=[], auto_resolve=False,
    carrier_liable=False, needs_supervisor=True, priority=2, abuse_flags=["shared_address"], computed_at=NOW,
)


def written(items: list[Dispute], next_cursor: str | None, staff: bool = True) -> bytes:
    """The page as written with no row kept."""
    return QueueRows().page(items, next_cursor, staff)[0]


@pytest.fixture
def orders() -> InMemoryOrders:
    return InMemoryOrders([order("ord-1"), order("ord-2")])


async def test_the_queue_page_is_byte_for_byte_what_its_model_writes(service, request_for, clock) -> None:
    first = (await service.open(CUSTOMER, request_for("ord-1"), None)).dispute
    clock.advance(milliseconds=123)  # a time with a fraction of a second
    second = (await service.open(CUSTOMER, request_for("ord-2", resolution=Resolution.RESHIP), None)).dispute
    assigned = await service.assign(INVESTIGATOR, second.id, None)
    first.recommendation = ADVICE  # assessed, flagged and decided: every optional field of the row is set
    first.abuse_flags, first.needs_supervisor, first.priority = ["shared_address"], True, 2
    first.decide(SUPERVISOR, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "n", None, NOW + timedelta(seconds=1.5))
    disputes = [first, assigned]

    rows = QueueRows()
    page, again = rows.page(disputes, "next-page", True)[0], rows.page(disputes, "next-page", True)[0]

    model = DisputePageView(items=[DisputeSummary(**summary_fields(d)) for d in disputes], next_cursor="next-page")
    assert page == again == model.model_dump_json().encode()  # written, then kept
    assert written([], None) == DisputePageView(items=[], next_cursor=None).model_dump_json().encode()


def test_a_kept_row_stands_until_its_dispute_has_a_new_version() -> None:
    rows, d = QueueRows(), dispute()
    kept = rows.page([d], "next-page", True)
    assert kept == (written([d], "next-page"), kept[1])
    d.priority, d.assignee = 3, INVESTIGATOR.id  # unsaved: the same version, which storage never shows changed

    assert rows.page([d], "next-page", True) == kept
    d.version += 1
    assert rows.page([d], "next-page", True)[0] == written([d], "next-page") != kept[0]


def test_kept_rows_are_kept_apart_by_side_and_bounded() -> None:
    rows, d = QueueRows(size=1), dispute()
    d.assignee = INVESTIGATOR.id
    other = d.model_copy(update={"id": "dsp_other"})

    for page in ([d], [d, other], [other, d]):
        for staff in (True, False, True):
            assert rows.page(page, None, staff)[0] == written(page, None, staff)
    assert b'"assignee":null' in rows.page([d], None, False)[0]


async def test_a_page_has_the_same_etag_exactly_while_it_is_written_the_same(service, repository, request_for) -> None:
    rows = QueueRows()
    first = (await service.open(CUSTOMER, request_for("ord-1"), None)).dispute
    second = (await service.open(CUSTOMER, request_for("ord-2"), None)).dispute
    stored = [await repository.read(first.id), await repository.read(second.id)]
    assigned = [await service.assign(INVESTIGATOR, first.id, None), stored[1]]  # a save: a new version
    pages = [
        (stored, None, True), (stored, None, False), (stored, "next-page", True), (stored[:1], None, True),
        (stored[::-1], None, True), (assigned, None, True), (assigned, None, False), ([], None, True),
        ([await repository.read(first.id), await repository.read(second.id)], None, True),  # `assigned` read again
    ]
    tags: dict[bytes, set[str]] = {}
    for page in pages:
        body, tag = rows.page(*page)
        tags.setdefault(body, set()).add(tag)

    assert len(tags) == len(pages) - 1  # a re-read is the same page (the customer's side never is the staff's)
    assert len(set.union(*tags.values())) == len(tags)  # one body, one tag
    assert all(re.fullmatch(r'"[0-9a-f]{64}"', tag) for tag in set.union(*tags.values()))


VIEWS = ((DisputeView, staff_view), (CustomerDisputeView, customer_view), (AgentDisputeView, agent_view))
WINDOW = timedelta(days=14)
EARLY = datetime(2000, 1, 1, tzinfo=UTC)
"""A time before any case's deadline or appeal window ends: the next step reads as with no time at all."""
TRICKY = 'Kapı "önü" \\ / <b>&amp;</b> \u2028 😀 İıŞş'


def _everything_set() -> Dispute:
    """A case with every part of every view filled in, text that JSON must escape, and times with and without a
    fraction of a second."""
    case = dispute(
        evidence("ev-1", photo=True, document=True, place=TRICKY),
        evidence("ev-2", metres=None, accuracy=None, signature=False),
        added=(customer_added(2), customer_added(1).model_copy(update={"submitted_by": "agent-1"})),
    )
    case.statement = TRICKY
    case.claim, case.missing_items = Claim.MISSING_ITEMS, [MissingItem(sku=case.order.items[0].sku, quantity=1)]
    packed = PackingRecord(shipment_id="shp-1", packed_at=NOW - timedelta(days=3), photo=True,
                           lines=[PackedLine(sku=case.order.items[0].sku, quantity=1)])
    case.packing = PackingCheck(answered=True, record=packed)
    case.recommendation = ADVICE
    case.abuse_flags, case.needs_supervisor, case.priority = ["shared_address"], True, 2
    case.restriction = Restriction(flags=["repeat_claims"], raised_at=NOW, raised_by="system", review_due=NOW)
    case.digital_deliveries = [DigitalDelivery(
        order_id="ord-1", sku="sku-gift", found=True, channel=DigitalChannel.EMAIL, sent_to="a***@example.com",
        sent_at=NOW, link_present=True, opened_at=None, activated_at=None, received_at=NOW,
    )]
    case.assignee, case.opened_by_agent, case.accessibility_need = INVESTIGATOR.id, "agent-1", True
    message = OutboxMessage(id="m-1", kind=EffectKind.NOTIFICATION, key="k-1", created_at=NOW,
                            payload={"text": TRICKY, "n": 1.5, "flag": None, "list": [1, "a"]})
    case.outbox, case.effects_parked = [message], [message.model_copy(update={"attempts": 3, "last_error": "x"})]
    case.effects_delivered = [DeliveredEffect(id="m-0", kind=EffectKind.REFUND, key="k-0", delivered_at=NOW,
                                              reference="pay_0")]
    case.request_information(INVESTIGATOR, TRICKY, NOW + timedelta(days=2, microseconds=1), 2, timedelta(hours=4),
                             NOW + timedelta(seconds=0.25), BusinessCalendar())
    return case


def _decided_and_appealed() -> Dispute:
    case = dispute(evidence("ev-1"))
    case.decide(INVESTIGATOR, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, TRICKY, None, NOW)
    case.file_appeal(CUSTOMER, TRICKY, NOW + timedelta(hours=1), NOW + WINDOW)
    return case


def _paid_in_two_decisions(glasses: int = 2) -> Dispute:
    """Two glasses (or `glasses`) and the kettle claimed: one glass refunded and the rest rejected; appealed, and
    another glass refunded and the kettle reshipped."""
    case = dispute(evidence("ev-1"))
    case.order = case.order.model_copy(update={"items": BOXED})
    case.claim = Claim.MISSING_ITEMS
    case.missing_items = [MissingItem(sku="sku-glass", quantity=glasses), MissingItem(sku="sku-kettle", quantity=1)]
    case.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "n", None, NOW,
                line_outcomes=[("sku-glass", Outcome.REFUND, 1)])
    case.file_appeal(CUSTOMER, "Çaydanlık da yoktu, fotoğraf ekte.", NOW + timedelta(hours=1), NOW + WINDOW)
    case.decide(INVESTIGATOR, Outcome.RESHIP, ReasonCode.ITEMS_MISSING, "n", None, NOW + timedelta(hours=2),
                line_outcomes=[("sku-glass", Outcome.REFUND, 1), ("sku-kettle", Outcome.RESHIP, 1)])
    return case


def _refunded_then_rejected_on_review() -> Dispute:
    """A whole package refunded, then reopened by a supervisor and rejected: the refund stands."""
    case = dispute(evidence("ev-1"))
    case.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.WEAK_PROOF, "n", None, NOW)
    case.reopen(SUPERVISOR, "Kurye videosu geldi.", NOW + timedelta(hours=1))
    case.decide(SUPERVISOR, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "n", None, NOW + timedelta(hours=2))
    return case


CASES = [_everything_set, _decided_and_appealed, _paid_in_two_decisions, _refunded_then_rejected_on_review,
         lambda: dispute()]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize(("model", "view"), VIEWS, ids=["staff", "customer", "agent"])
def test_each_view_is_byte_for_byte_what_its_model_writes(case, model, view) -> None:
    d = case()
    fields = view(d) if view is staff_view else view(d, WINDOW)

    assert view_json(fields) == model.model_validate(fields).model_dump_json().encode()


def test_the_customers_side_is_shown_who_added_evidence_only_when_it_was_the_customer() -> None:
    d = dispute(added=(customer_added(1), customer_added(1).model_copy(update={"submitted_by": AGENT.id})))

    for view in (customer_view, agent_view):
        shown = [e["submitted_by"] for e in orjson.loads(view_json(view(d, WINDOW)))["customer_evidence"]]
        assert shown == [d.customer_id, None]
    assert [e["submitted_by"] for e in orjson.loads(view_json(staff_view(d)))["customer_evidence"]] == [
        d.customer_id, AGENT.id,
    ]


def _written(views: DisputeViews, d: Dispute) -> dict[str, bytes]:
    return {
        "staff": views.staff(d),
        "customer": views.customer_side(d, WINDOW, False, EARLY)[0],
        "agent": views.customer_side(d, WINDOW, True, EARLY)[0],
    }


def _models_write(d: Dispute) -> dict[str, bytes]:
    return {
        "staff": DisputeView.model_validate(staff_view(d)).model_dump_json().encode(),
        "customer": CustomerDisputeView.model_validate(customer_view(d, WINDOW)).model_dump_json().encode(),
        "agent": AgentDisputeView.model_validate(agent_view(d, WINDOW)).model_dump_json().encode(),
    }


def test_staff_see_what_every_decision_paid_and_which_decision_paid_it() -> None:
    d = _paid_in_two_decisions()
    first_refund = next(m for m in d.outbox if m.key == f"{d.effects_prefix}:d1:refund:sku-glass")
    d.outbox.remove(first_refund)  # delivered by the relay: its key is all that is kept of it
    d.effects_delivered = [DeliveredEffect(id=first_refund.id, kind=EffectKind.REFUND, key=first_refund.key,
                                           delivered_at=NOW)]

    shown = orjson.loads(DisputeViews().staff(d))

    assert [(line["sku"], line["outcome"]) for line in shown["decision"]["lines"]] == [
        ("sku-glass", "refund"), ("sku-kettle", "reship"),
    ]
    assert shown["compensated_lines"] == [
        {"decision": 1, "sku": "sku-glass", "quantity": 1, "outcome": "refund", "amount_minor": 4_500},
        {"decision": 2, "sku": "sku-glass", "quantity": 1, "outcome": "refund", "amount_minor": 4_500},
        {"decision": 2, "sku": "sku-kettle", "quantity": 1, "outcome": "reship", "amount_minor": 129_900},
    ]


PAID_IN_TWO_DECISIONS = [
    {"sku": "sku-glass", "quantity": 1, "outcome": "refund", "amount_minor": 4_500, "decision": 1},
    {"sku": "sku-glass", "quantity": 1, "outcome": "refund", "amount_minor": 4_500, "decision": 2},
    {"sku": "sku-kettle", "quantity": 1, "outcome": "reship", "amount_minor": 129_900, "decision": 2},
]
SECOND_DECISION_TOLD = (
    "Your appeal was accepted. Decided on 18.11.2026 for the missing items. Your refund of 45.00 TRY to your original "
    "payment method is being sent. We are shipping these items again: Çay makinesi ×1. Decided before and standing: the refund of "
    "45.00 TRY.",
    "İtirazınız kabul edildi. Eksik ürünler için 18.11.2026 tarihinde karar verildi. 45,00 TL tutarındaki ücret iadeniz orijinal ödeme yönteminize "
    "yapılmak üzere gönderiliyor. Şu ürünler yeniden gönderiliyor: Çay makinesi ×1. Daha önce kararlaştırılan ve geçerli olan: 45,00 TL "
    "tutarındaki iade.",
)


def test_each_paid_line_is_stored_with_the_decision_that_paid_it_and_staff_see_that_number() -> None:
    d = _paid_in_two_decisions()
    document = to_doc(d)
    d.outbox = []  # the view reads the number stored with the line, not the effects' keys

    assert document["compensated_lines"] == PAID_IN_TWO_DECISIONS
    assert orjson.loads(DisputeViews().staff(from_doc(document)))["compensated_lines"] == PAID_IN_TWO_DECISIONS
    assert orjson.loads(DisputeViews().staff(d))["compensated_lines"] == PAID_IN_TWO_DECISIONS


def _in_full(details: dict[str, Any]) -> dict[str, Any]:
    return details


def _outcomes_only(details: dict[str, Any]) -> dict[str, Any]:
    """A decision as the timeline kept it before it kept decisions in full."""
    return {"outcome": details["outcome"], "reason_code": details["reason_code"]}


def _stored_before_lines_were_numbered(
    d: Dispute, decided: Callable[[dict[str, Any]], dict[str, Any]] = _in_full
) -> Dispute:
    """`d` read back from a document stored before each paid line kept its decision, its timeline keeping each
    decision as `decided` gives it."""
    document = to_doc(d)
    document["compensated_lines"] = [{k: v for k, v in line.items() if k != "decision"}
                                     for line in document["compensated_lines"]]
    document["timeline"] = [entry | {"details": decided(entry["details"])} if entry["action"] == "decided" else entry
                            for entry in document["timeline"]]
    return from_doc(document)


@pytest.mark.parametrize("decided", [_in_full, _outcomes_only])
def test_a_document_stored_before_paid_lines_kept_their_decision_loads_and_renders(decided) -> None:
    stored = _stored_before_lines_were_numbered(_paid_in_two_decisions(), decided)

    assert [(line.decision, line.sku, line.outcome) for line in stored.compensated_lines] == [
        (1, "sku-glass", Outcome.REFUND), (2, "sku-glass", Outcome.REFUND), (2, "sku-kettle", Outcome.RESHIP),
    ]
    assert orjson.loads(DisputeViews().staff(stored))["compensated_lines"] == PAID_IN_TWO_DECISIONS
    assert next_step(stored, WINDOW, NOW + timedelta(days=1)) == SECOND_DECISION_TOLD


def test_an_old_document_paid_in_three_decisions_numbers_each_line_by_the_decision_on_its_timeline() -> None:
    d = _paid_in_two_decisions(glasses=3)
    d.reopen(SUPERVISOR, "Üçüncü bardak da eksikmiş.", NOW + timedelta(hours=3))
    d.decide(SUPERVISOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "n", None, NOW + timedelta(hours=4))

    stored = _stored_before_lines_were_numbered(d)

    assert [(line.decision, line.sku, line.quantity) for line in stored.compensated_lines] == [
        (1, "sku-glass", 1), (2, "sku-glass", 1), (2, "sku-kettle", 1), (3, "sku-glass", 1),
    ]


def test_a_whole_package_case_has_no_compensated_lines() -> None:
    d = dispute(evidence("ev-1"))
    d.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.WEAK_PROOF, "n", None, NOW)

    assert staff_view(d)["compensated_lines"] == []


def _refused(d: Dispute, *keys: str) -> Dispute:
    """`d` once the relay parked the effects of `keys` as refused for good by their service."""
    refused = [m for m in d.outbox if m.key in keys]
    assert len(refused) == len(keys)
    d.outbox = [m for m in d.outbox if m.key not in keys]
    d.effects_parked = [m.model_copy(update={"parked": ParkReason.REFUSED}) for m in refused]
    return d


@pytest.mark.parametrize(("refused", "shown"), [
    ((), Outcome.RESHIP),
    (("d2:reship:sku-kettle",), Outcome.REFUND),  # the glasses' refunds stand
    (("d1:refund:sku-glass", "d2:refund:sku-glass", "d2:reship:sku-kettle"), None),
])
def test_the_customer_history_shows_the_compensation_a_missing_item_claim_issued(refused, shown) -> None:
    d = _paid_in_two_decisions()
    assert past_dispute(_refused(d, *(f"{d.id}:{key}" for key in refused))).compensation is shown


@pytest.mark.parametrize(("refused", "shown"), [(False, Outcome.REFUND), (True, None)])
def test_the_customer_history_shows_a_package_refund_refused_for_good_as_no_compensation(refused, shown) -> None:
    d = dispute(evidence("ev-1"))
    d.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.WEAK_PROOF, "n", None, NOW)
    assert past_dispute(_refused(d, f"{d.effects_prefix}:d1:refund") if refused else d).compensation is shown


def test_a_refund_that_stands_after_a_review_that_rejects_is_the_compensation_every_view_shows() -> None:
    """README: a refund is issued at most once and stands across appeals and reopenings; `outcome` stays the latest
    decision's."""
    d = _refunded_then_rejected_on_review()
    side = [(v["decision"]["outcome"], v["compensation"]) for v in (customer_view(d, WINDOW), agent_view(d, WINDOW))]

    assert side == [(Outcome.REJECTED, Outcome.REFUND)] * 2
    assert (staff_view(d)["decision"].outcome, staff_view(d)["compensation"]) == (Outcome.REJECTED, Outcome.REFUND)
    assert (summary_fields(d)["outcome"], summary_fields(d)["compensation"]) == (Outcome.REJECTED, Outcome.REFUND)


@pytest.mark.parametrize(("decided", "shown"), [
    (_paid_in_two_decisions, Outcome.RESHIP), (_decided_and_appealed, None), (lambda: dispute(), None),
])
def test_the_compensation_shown_is_the_one_the_customer_history_shows(decided, shown) -> None:
    d = decided()

    assert customer_view(d, WINDOW)["compensation"] is summary_fields(d)["compensation"] is shown
    assert past_dispute(d).compensation is shown


def test_a_kept_row_no_longer_shows_a_refund_its_service_refused_for_good_with_no_new_version() -> None:
    rows, d = QueueRows(), _refunded_then_rejected_on_review()
    assert b'"compensation":"refund"' in rows.page([d], None, True)[0]

    _refused(d, f"{d.effects_prefix}:d1:refund")  # the relay parks it with no new version

    assert rows.page([d], None, True)[0] == written([d], None) and b'"compensation":null' in written([d], None)


@pytest.mark.parametrize("case", CASES)
def test_kept_views_are_byte_for_byte_what_their_models_write(case) -> None:
    views, d = DisputeViews(), case()

    assert _written(views, d) == _written(views, d) == _models_write(d)  # written, then kept


def test_a_kept_view_stands_until_a_new_version_but_its_effects_are_read_each_time() -> None:
    views, d = DisputeViews(), _everything_set()
    saved = d.model_copy(deep=True)
    kept = _written(views, d)
    d.statement = "changed without a save"  # the same version, which storage never shows changed
    failed = d.outbox[0].model_copy(update={"attempts": 1, "last_error": "timeout"})
    for pending, parked in (([failed], d.effects_parked), ([], [*d.effects_parked, failed])):  # the relay's moves
        d.outbox, d.effects_parked = pending, parked
        again = _written(views, d)

        assert again["customer"] == kept["customer"] and again["agent"] == kept["agent"]
        saved.outbox, saved.effects_parked = d.outbox, d.effects_parked
        assert again["staff"] == _models_write(saved)["staff"] != kept["staff"]
    d.version += 1
    assert _written(views, d) == _models_write(d)


def test_views_beyond_the_bound_are_not_kept() -> None:
    d = dispute()
    other = d.model_copy(update={"id": d.id + "x"})  # its view one byte longer
    views = DisputeViews(max_bytes=2 * len(views_of(d)) - 1)  # room for one of them
    first = views.customer_side(d, WINDOW, False, EARLY)[0]
    views.customer_side(other, WINDOW, False, EARLY)[0]  # past the bound: the views kept so far are forgotten
    d.statement = "changed without a save"

    assert views.customer_side(d, WINDOW, False, EARLY)[0] != first  # written again, not kept
    assert views.customer_side(other, WINDOW, False, EARLY)[0] == _models_write(other)["customer"]


def views_of(d: Dispute) -> bytes:
    return DisputeViews().customer_side(d, WINDOW, False, EARLY)[0]


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        for field in annotation.model_fields.values():
            yield from _models(field.annotation)
    elif get_origin(annotation) in (list, dict, tuple, Union, types.UnionType):
        for argument in get_args(annotation):
            yield from _models(argument)


@pytest.mark.parametrize("model", [DisputeView, CustomerDisputeView, AgentDisputeView, DisputeSummary])
def test_nothing_a_view_holds_is_written_other_than_as_its_fields(model) -> None:
    """What lets orjson write a model as its fields: no model in a view renames, leaves out or adds a field on
    the way to JSON."""
    changed = [
        cls.__name__
        for cls in set(_models(model))
        if cls.model_computed_fields or cls.__pydantic_decorators__.field_serializers
        or cls.__pydantic_decorators__.model_serializers
        or any(f.alias or f.serialization_alias or f.exclude for f in cls.model_fields.values())
    ]
    assert changed == []


def test_a_kept_view_reads_otherwise_once_the_time_passes_its_turn_with_no_new_version() -> None:
    views, d = DisputeViews(), dispute()  # under way: its next step names the decision's date
    due = d.sla.decision_due

    before, late_before, changing_before = views.customer_side(d, WINDOW, False, due - timedelta(seconds=1))
    after, late_after, changing_after = views.customer_side(d, WINDOW, False, due)

    assert (late_before, late_after) == (False, True)  # the later one's ETag says so
    assert (changing_before, changing_after) == (False, False)  # each side's ETag earns a 304
    assert "is late" not in orjson.loads(before)["next_step"]["en"]
    assert "is late" in orjson.loads(after)["next_step"]["en"]
    assert views.customer_side(d, WINDOW, False, due + timedelta(days=1))[0] == after  # kept, as the version


def test_a_kept_view_tells_of_a_refund_held_back_with_no_new_version_and_its_etag_earns_no_304() -> None:
    views, d = DisputeViews(), dispute(evidence("ev-1"))
    d.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.WEAK_PROOF, "Karar.", None, NOW)
    before, _, held_before = views.customer_side(d, WINDOW, False, NOW)
    refund = next(m for m in d.outbox if m.kind is EffectKind.REFUND)
    d.outbox = [m for m in d.outbox if m is not refund]  # payments refused it: the relay parks it, the same version
    d.effects_parked = [refund.model_copy(update={"attempts": 1, "last_error": "refused: 400"})]

    after, _, held_after = views.customer_side(d, WINDOW, False, NOW)

    assert (held_before, held_after) == (True, True)  # on its way, then parked: neither ETag earns a 304
    assert orjson.loads(before)["next_step"]["en"] == (
        "Decided on 18.11.2026: your refund of 1,299.00 TRY to your original payment method is being sent."
    )
    assert orjson.loads(after)["next_step"]["en"] == (
        "Decided on 18.11.2026: your refund of 1,299.00 TRY to your original payment method is delayed. Our team has "
        "been told and will contact you."
    )
    assert views.customer_side(d, WINDOW, True, NOW)[2] is True  # the agent's view too
    d.statement = "changed without a save"
    assert views.customer_side(d, WINDOW, False, NOW)[0] == after  # kept, as the version and the refund held back


def test_a_kept_view_tells_the_day_payments_took_the_refund_though_the_relay_saved_no_new_version() -> None:
    views, d = DisputeViews(), dispute(evidence("ev-1"))
    d.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.WEAK_PROOF, "Karar.", None, NOW)
    before, _, moving_before = views.customer_side(d, WINDOW, True, NOW)
    refund = next(m for m in d.outbox if m.kind is EffectKind.REFUND)
    d.outbox = [m for m in d.outbox if m is not refund]  # payments took it: the relay records it, the same version
    taken = DeliveredEffect(id=refund.id, kind=refund.kind, key=refund.key, delivered_at=NOW + timedelta(days=1),
                            reference="pay_1")
    d.effects_delivered = [*d.effects_delivered, taken]

    after, _, moving_after = views.customer_side(d, WINDOW, True, NOW + timedelta(days=1))

    assert (moving_before, moving_after) == (True, True)  # neither ETag earns a 304: the agent sees the day at once
    assert orjson.loads(after)["next_step"]["en"] == (
        "Decided on 18.11.2026: we refunded 1,299.00 TRY to your original payment method on 19.11.2026."
    )
    assert orjson.loads(after)["next_step"]["tr"] == (
        "18.11.2026 tarihinde karar verildi: 1.299,00 TL tutarındaki ücret iadeniz 19.11.2026 tarihinde orijinal ödeme "
        "yönteminize yapıldı."
    )
    assert before != after
    staff = orjson.loads(views.staff(d))["effects"]["delivered"]
    assert [(e["key"], e["reference"]) for e in staff] == [(refund.key, "pay_1")]


def test_a_kept_view_tells_the_day_fulfillment_took_the_reshipment_though_the_relay_saved_no_new_version() -> None:
    views, d = DisputeViews(), dispute(evidence("ev-1"))
    d.decide(INVESTIGATOR, Outcome.RESHIP, ReasonCode.WEAK_PROOF, "Karar.", None, NOW)
    before, _, moving_before = views.customer_side(d, WINDOW, False, NOW)
    reship = next(m for m in d.outbox if m.kind is EffectKind.RESHIP)
    d.outbox = [m for m in d.outbox if m is not reship]  # fulfillment took it: the relay records it, the same version
    d.effects_delivered = [*d.effects_delivered, DeliveredEffect(
        id=reship.id, kind=reship.kind, key=reship.key, delivered_at=NOW + timedelta(days=1), reference="shp_1")]

    after, _, moving_after = views.customer_side(d, WINDOW, False, NOW + timedelta(days=1))

    assert (moving_before, moving_after) == (True, True)  # neither ETag earns a 304: the customer sees the day at once
    assert orjson.loads(before)["next_step"]["en"] == "Decided on 18.11.2026: we are shipping your items again."
    assert orjson.loads(after)["next_step"]["en"] == "Decided on 18.11.2026: we sent your items again on 19.11.2026."
    assert orjson.loads(after)["next_step"]["tr"] == (
        "18.11.2026 tarihinde karar verildi: ürünleriniz 19.11.2026 tarihinde yeniden gönderildi."
    )


def test_a_kept_view_reads_again_once_the_refund_it_said_stands_is_refused_with_no_new_version() -> None:
    views, d = DisputeViews(), dispute(evidence("ev-1"))
    d.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.WEAK_PROOF, "Karar.", None, NOW)
    d.reopen(SUPERVISOR, "İmza bulundu.", NOW)
    d.decide(SUPERVISOR, Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, "İmzalı.", None, NOW, override_reason="İmza.")
    before, _, changing_before = views.customer_side(d, WINDOW, False, NOW)
    refund = next(m for m in d.outbox if m.kind is EffectKind.REFUND)
    d.outbox = [m for m in d.outbox if m is not refund]  # payments refused it: the relay parks it, the same version
    d.effects_parked = [refund.model_copy(update={"last_error": "refused: 400", "parked": ParkReason.REFUSED})]

    after, _, changing_after = views.customer_side(d, WINDOW, False, NOW)

    assert (changing_before, changing_after) == (True, True)  # on its way, then parked: neither ETag earns a 304
    assert orjson.loads(before)["next_step"]["en"] == (
        "Your claim was reviewed again on 18.11.2026: your package had already been refunded or reshipped, so nothing "
        "changes. The refund decided before stands."
    )
    after_en = orjson.loads(after)["next_step"]["en"]  # the refund never happened: the rejection may be appealed
    assert after_en.startswith("The carrier proved delivery.")
    assert after_en.endswith("You may appeal once, with new information, until 02.12.2026 12:30.")


def test_a_clock_case_s_view_is_not_kept_valid_once_an_effect_was_delivered_after_its_save() -> None:
    # A case on a test clock five days ahead: its changes are dated by the clock, its effects by the real time.
    d = dispute()
    saved_at = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
    d.test_clock = ClockReading(id="clk_1", time=saved_at + timedelta(days=5), at=saved_at)
    d.updated_at = d.test_clock.time
    d.effects_delivered = [DeliveredEffect(id="m-0", kind=EffectKind.NOTIFICATION, key="k-0",
                                           delivered_at=saved_at + timedelta(seconds=1))]

    assert not _effects_settled(d)  # its version's ETag earns no 304: the view cached showed the message pending
    d.effects_delivered = [d.effects_delivered[0].model_copy(update={"delivered_at": saved_at})]
    assert _effects_settled(d)
