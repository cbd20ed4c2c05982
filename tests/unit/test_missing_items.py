"""Claims of items missing from a delivered package: which lines, what the seller's packing record said when the
claim was opened, and outcomes and downstream effects per line, each keyed by the dispute, the decision and the line;
an appeal of the units rejected, and a later decision paying only units no earlier one paid."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from adapters.memory import InMemoryOrders
from adapters.web.console.case import prefilled
from disputes.actors import SYSTEM
from disputes.errors import (
    AlreadyAppealed,
    AppealWindowClosed,
    CompensationAlreadyIssued,
    Forbidden,
    InvalidLineOutcomes,
    NotRejected,
    Unprocessable,
)
from disputes.model import Dispute
from disputes.next_step import _appeal, next_step
from disputes.policy import CustomerHistory, PolicySettings, recommend
from disputes.ports import PackingRecordUnavailable
from disputes.rules import Rules
from disputes.service import DisputeService, OpenRequest
from schemas.common import Outcome, RefundDestination, Resolution
from schemas.dispute import Claim, EffectKind, MissingItem, ReasonCode, Status
from schemas.orders import PackedLine, PackingRecord
from schemas.recommendation import Recommendation
from tests.factories import BOXED, CUSTOMER, INVESTIGATOR, NOW, OTHER_INVESTIGATOR, SUPERVISOR, order, shipment

STATEMENT = "Kutudan iki bardak eksik çıktı."
NEW_EXPLANATION = "Çaydanlık da kutuda yoktu; açtığım kutunun fotoğrafı ekte."
BOX = order("ord-box", shipments=[shipment("shp-box", items=BOXED, declared_weight_grams=2_400)])
ISTANBUL = ZoneInfo("Europe/Istanbul")
RECORD = PackingRecord(shipment_id="shp-box", packed_at=NOW, lines=[PackedLine(sku="sku-glass", quantity=6)])


class Records:
    def __init__(self, record: PackingRecord | None = RECORD, fails: bool = False) -> None:
        self.record, self.fails, self.asked = record, fails, []

    async def packing_record(self, order_id: str, shipment_id: str) -> PackingRecord | None:
        self.asked.append((order_id, shipment_id))
        if self.fails:
            raise PackingRecordUnavailable("orders answered HTTP 503")
        return self.record


def claim(*missing: tuple[str, int], resolution: Resolution = Resolution.REFUND) -> OpenRequest:
    lines = tuple(MissingItem(sku=sku, quantity=quantity) for sku, quantity in missing)
    return OpenRequest("ord-box", None, STATEMENT, resolution, claim=Claim.MISSING_ITEMS, missing_items=lines)


@pytest.fixture
def records() -> Records:
    return Records()


@pytest.fixture
def boxes(repository, clock, records) -> DisputeService:
    return DisputeService(repository, InMemoryOrders([BOX]), clock, Rules(), packing_records=records)


async def opened(boxes: DisputeService, *missing: tuple[str, int], **options) -> Dispute:
    return (await boxes.open(CUSTOMER, claim(*missing, **options), None)).dispute


def compensation(dispute: Dispute) -> list[tuple[EffectKind, str, dict]]:
    kinds = (EffectKind.REFUND, EffectKind.RESHIP)
    return [(m.kind, m.key, m.payload) for m in dispute.outbox if m.kind in kinds]


async def test_a_claim_names_lines_and_keeps_the_seller_s_packing_record(boxes, records) -> None:
    dispute = await opened(boxes, ("sku-glass", 2))

    assert (dispute.claim, dispute.missing_items) == (Claim.MISSING_ITEMS, [MissingItem(sku="sku-glass", quantity=2)])
    assert dispute.packing is not None and (dispute.packing.answered, dispute.packing.record) == (True, RECORD)
    assert records.asked == [("ord-box", "shp-box")]
    assert (dispute.claimed_value_minor, dispute.order.declared_weight_grams) == (9_000, 2_400)


async def test_an_order_service_that_cannot_answer_does_not_stop_the_claim(repository, clock) -> None:
    failing = DisputeService(repository, InMemoryOrders([BOX]), clock, Rules(), packing_records=Records(fails=True))

    dispute = await opened(failing, ("sku-glass", 2))

    assert dispute.packing is not None and (dispute.packing.answered, dispute.packing.record) == (False, None)


async def test_a_packing_record_of_another_package_is_no_answer_about_this_one(repository, clock) -> None:
    elsewhere = RECORD.model_copy(update={"shipment_id": "shp-other", "lines": [PackedLine(sku="sku-kettle", quantity=1)]})
    misrouted = DisputeService(repository, InMemoryOrders([BOX]), clock, Rules(), packing_records=Records(elsewhere))
    dispute = await opened(misrouted, ("sku-glass", 6))  # the other package's record shows no glass packed

    advice = recommend(dispute, CustomerHistory(), NOW, PolicySettings(auto_reject_enabled=True))
    dispute.record_assessment(SYSTEM, advice, NOW, timedelta(hours=72))

    assert dispute.packing is not None and (dispute.packing.answered, dispute.packing.record) == (False, None)
    assert dispute.decision is None and not compensation(dispute)  # nothing paid on it: a person weighs the claim


async def test_a_whole_package_claim_does_not_ask_for_the_packing_record(boxes, records) -> None:
    dispute = (await boxes.open(CUSTOMER, OpenRequest("ord-box", None, STATEMENT, Resolution.REFUND), None)).dispute

    assert (dispute.claim, dispute.packing, records.asked) == (Claim.NOT_RECEIVED, None, [])


@pytest.mark.parametrize(("missing", "says"), [
    ((), "Say which items are missing"),
    ((("sku-phone", 1),), "holds no item sku-phone"),
    ((("sku-glass", 7),), "Only 6 of sku-glass"),
    ((("sku-glass", 1), ("sku-glass", 1)), "each missing item once"),
])
async def test_missing_lines_must_be_lines_of_the_package_at_most_as_many_as_ordered(boxes, missing, says) -> None:
    with pytest.raises(Unprocessable, match=says):
        await opened(boxes, *missing)


async def test_missing_lines_belong_to_a_missing_items_claim(boxes) -> None:
    lines = (MissingItem(sku="sku-glass", quantity=1),)
    request = OpenRequest("ord-box", None, STATEMENT, Resolution.REFUND, missing_items=lines)

    with pytest.raises(Unprocessable, match="missing_items claim"):
        await boxes.open(CUSTOMER, request, None)


async def test_a_refund_pays_each_missing_line_s_value_once_under_its_own_key(boxes) -> None:
    dispute = await opened(boxes, ("sku-glass", 2), ("sku-spoon", 3))

    dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "Eksik.", RefundDestination.WALLET, NOW)

    assert [(kind, key, p["sku"], p["quantity"], p["amount_minor"], p["destination"]) for kind, key, p in compensation(dispute)] == [
        (EffectKind.REFUND, f"{dispute.effects_prefix}:d1:refund:sku-glass", "sku-glass", 2, 9_000, "wallet"),
        (EffectKind.REFUND, f"{dispute.effects_prefix}:d1:refund:sku-spoon", "sku-spoon", 3, 3_750, "wallet"),
    ]
    assert [(line.sku, line.outcome, line.amount_minor) for line in dispute.decision.lines] == [
        ("sku-glass", Outcome.REFUND, 9_000), ("sku-spoon", Outcome.REFUND, 3_750),
    ]


async def test_lines_can_be_refunded_and_reshipped_in_one_decision_reshipping_only_those_lines(boxes) -> None:
    dispute = await opened(boxes, ("sku-glass", 2), ("sku-spoon", 3))

    dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "Eksik.", None, NOW,
                   line_outcomes=[("sku-glass", Outcome.RESHIP, 2), ("sku-spoon", Outcome.REFUND, 3)])

    [(reship, reship_key, shipped), (refund, refund_key, paid)] = compensation(dispute)
    assert (reship, reship_key, refund, refund_key) == (
        EffectKind.RESHIP, f"{dispute.effects_prefix}:d1:reship:sku-glass", EffectKind.REFUND, f"{dispute.effects_prefix}:d1:refund:sku-spoon"
    )
    assert [(i["sku"], i["quantity"]) for i in shipped["items"]] == [("sku-glass", 2)]
    assert (paid["amount_minor"], paid["destination"]) == (3_750, "original_payment")
    en, tr = next_step(dispute, Rules().appeal_window)
    assert "37.50 TRY" in en and "Çay bardağı" in en and "18.11.2026" in en
    assert "37,50 TL" in tr and "yeniden gönderiliyor" in tr and "18.11.2026" in tr


async def test_only_what_a_decision_names_is_compensated_the_rest_of_the_claim_is_rejected(boxes) -> None:
    dispute = await opened(boxes, ("sku-glass", 2), ("sku-kettle", 1))

    dispute.decide(SUPERVISOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "Bir bardak eksik paketlenmiş.", None, NOW,
                   line_outcomes=[("sku-glass", Outcome.REFUND, 1)])

    assert [(line.sku, line.quantity, line.outcome, line.amount_minor) for line in dispute.decision.lines] == [
        ("sku-glass", 1, Outcome.REFUND, 4_500), ("sku-glass", 1, Outcome.REJECTED, 4_500),
        ("sku-kettle", 1, Outcome.REJECTED, 129_900),
    ]
    assert [(kind, key, p["sku"], p["quantity"], p["amount_minor"]) for kind, key, p in compensation(dispute)] == [
        (EffectKind.REFUND, f"{dispute.effects_prefix}:d1:refund:sku-glass", "sku-glass", 1, 4_500)
    ]
    assert "45.00 TRY" in next_step(dispute, Rules().appeal_window)[0]


@pytest.mark.parametrize(("lines", "partial"), [
    ([("sku-glass", Outcome.REFUND, 1)], True),  # the other glass and the kettle are rejected
    ([("sku-glass", Outcome.REFUND, 2), ("sku-kettle", Outcome.RESHIP, 1)], False),
])
async def test_the_decision_s_notification_says_whether_it_decided_the_claim_in_part(boxes, lines, partial) -> None:
    dispute = await opened(boxes, ("sku-glass", 2), ("sku-kettle", 1))

    dispute.decide(SUPERVISOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "n", None, NOW, line_outcomes=lines)

    [told] = [m.payload for m in dispute.outbox if m.payload.get("template") == "decision_made"]
    assert (told["outcome"], told["partial"]) == ("refund", partial)
    opening = next(m.payload for m in dispute.outbox if m.payload.get("template") == "dispute_opened")
    assert opening["partial"] is False


async def test_a_line_named_rejected_is_paid_nothing_while_another_is_reshipped(boxes) -> None:
    dispute = await opened(boxes, ("sku-glass", 2), ("sku-spoon", 3))

    dispute.decide(INVESTIGATOR, Outcome.RESHIP, ReasonCode.ITEMS_MISSING, "n", None, NOW,
                   line_outcomes=[("sku-glass", Outcome.REJECTED, 2), ("sku-spoon", Outcome.RESHIP, 3)])

    assert [(kind, key) for kind, key, _ in compensation(dispute)] == [(EffectKind.RESHIP, f"{dispute.effects_prefix}:d1:reship:sku-spoon")]
    assert [(line.sku, line.quantity, line.outcome) for line in dispute.decision.lines] == [
        ("sku-glass", 2, Outcome.REJECTED), ("sku-spoon", 3, Outcome.RESHIP),
    ]


@pytest.mark.parametrize(("outcome", "lines", "says", "field"), [
    (Outcome.REFUND, [("sku-kettle", Outcome.REFUND, 1)], "sku-kettle", "line_outcomes.0.sku"),
    (Outcome.REFUND, [("sku-glass", Outcome.REFUND, 1), ("sku-glass", Outcome.RESHIP, 1)], "each line once",
     "line_outcomes.1.sku"),
    (Outcome.REFUND, [("sku-glass", Outcome.REFUND, 3)], "3 of sku-glass decided, 2 claimed", "line_outcomes.0.quantity"),
    (Outcome.REFUND, [("sku-glass", Outcome.REJECTED, 2)], "reject the whole claim", "line_outcomes"),
    (Outcome.REFUND, [("sku-glass", Outcome.RESHIP, 2)], "No line is decided 'refund'", "line_outcomes"),
    (Outcome.REJECTED, [("sku-glass", Outcome.REJECTED, 2)], "A rejection has no outcomes per line", "line_outcomes"),
])
async def test_outcomes_per_line_name_claimed_lines_at_most_as_many_as_claimed(boxes, outcome, lines, says, field) -> None:
    dispute = await opened(boxes, ("sku-glass", 2))
    reason = ReasonCode.CONTENTS_CONFIRMED if outcome is Outcome.REJECTED else ReasonCode.ITEMS_MISSING

    with pytest.raises(InvalidLineOutcomes, match=says) as refused:
        dispute.decide(INVESTIGATOR, outcome, reason, "n", None, NOW, line_outcomes=lines)

    assert refused.value.facts["field"] == field
    assert dispute.decision is None and compensation(dispute) == []


async def one_glass_short(
    repository, clock, settings: PolicySettings | None = None
) -> tuple[Dispute, Recommendation]:
    """Two glasses and the kettle claimed; the packing record shows the kettle and five of six glasses packed."""
    record = RECORD.model_copy(update={"lines": [PackedLine(sku="sku-kettle", quantity=1), PackedLine(sku="sku-glass", quantity=5)]})
    service = DisputeService(repository, InMemoryOrders([BOX]), clock, Rules(), packing_records=Records(record))
    dispute = await opened(service, ("sku-glass", 2), ("sku-kettle", 1))
    return dispute, recommend(dispute, CustomerHistory(), NOW, settings or PolicySettings())


async def test_a_claim_the_packing_record_shows_only_in_part_waits_for_a_person(repository, clock) -> None:
    dispute, advice = await one_glass_short(repository, clock)

    dispute.record_assessment(SYSTEM, advice, NOW, timedelta(hours=72))

    assert dispute.is_active and dispute.decision is None and not compensation(dispute)
    assert dispute.recommendation is not None and dispute.recommendation.lines == [MissingItem(sku="sku-glass", quantity=1)]


async def test_the_policy_compensates_on_its_own_only_what_the_packing_record_shows_unpacked(repository, clock) -> None:
    dispute, advice = await one_glass_short(repository, clock, PolicySettings(auto_reject_enabled=True))

    dispute.record_assessment(SYSTEM, advice, NOW, timedelta(hours=72))

    assert dispute.status is Status.RESOLVED and dispute.decision is not None
    assert [(kind, key, p["sku"], p["quantity"], p["amount_minor"]) for kind, key, p in compensation(dispute)] == [
        (EffectKind.REFUND, f"{dispute.effects_prefix}:d1:refund:sku-glass", "sku-glass", 1, 4_500)
    ]
    assert [(line.sku, line.quantity, line.outcome) for line in dispute.decision.lines] == [
        ("sku-glass", 1, Outcome.REFUND), ("sku-glass", 1, Outcome.REJECTED), ("sku-kettle", 1, Outcome.REJECTED),
    ]


async def test_a_whole_package_claim_takes_no_outcomes_per_line(service, request_for) -> None:
    dispute = (await service.open(CUSTOMER, request_for(), None)).dispute

    with pytest.raises(Unprocessable, match="missing-item claims"):
        dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.GOODWILL, "n", None, NOW,
                       line_outcomes=[("sku-kettle", Outcome.RESHIP, 1)])


async def test_the_idempotency_fingerprint_covers_the_missing_lines(boxes) -> None:
    first = await boxes.open(CUSTOMER, claim(("sku-glass", 2)), "key-1")
    again = await boxes.open(CUSTOMER, claim(("sku-glass", 2)), "key-1")

    assert (again.dispute.id, again.created) == (first.dispute.id, False)
    assert claim(("sku-glass", 2)).fingerprint() != claim(("sku-glass", 1)).fingerprint()


async def test_the_customer_is_told_what_is_being_checked_and_by_when(boxes) -> None:
    dispute = await opened(boxes, ("sku-glass", 2))

    en, tr = next_step(dispute, Rules().appeal_window)

    last_day = (dispute.sla.decision_due.astimezone(ISTANBUL) - timedelta(microseconds=1)).strftime("%d.%m.%Y")
    assert "packing record" in en and "paketleme kaydını" in tr
    assert f"by {last_day}" in en and f"En geç {last_day}" in tr


async def test_the_console_s_decision_form_offers_each_line_as_the_policy_would_decide_it(repository, clock) -> None:
    dispute, advice = await one_glass_short(repository, clock)
    dispute.recommendation = advice

    form = prefilled(dispute)

    assert (form.outcome, form.reason_code) == ("refund", "items_missing")
    assert form.lines == {"sku-glass": ("refund", "1"), "sku-kettle": ("rejected", "1")}


async def appealed_after_paying(repository, clock, glasses_paid: int, glasses_shown: int) -> Dispute:
    """Two glasses and the kettle claimed, `glasses_shown` glasses shown missing by the evidence; `glasses_paid` of
    them refunded and the rest of the claim rejected, then appealed."""
    dispute, advice = await one_glass_short(repository, clock)
    dispute.recommendation = advice.model_copy(update={"lines": [MissingItem(sku="sku-glass", quantity=glasses_shown)]})
    beyond = "Kargo hasarlı teslim edilmiş." if glasses_paid > glasses_shown else None
    dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "n", None, NOW,
                   line_outcomes=[("sku-glass", Outcome.REFUND, glasses_paid)], override_reason=beyond)
    dispute.file_appeal(CUSTOMER, NEW_EXPLANATION, NOW, NOW + Rules().appeal_window)
    return dispute


async def test_after_an_appeal_the_decision_form_offers_what_the_evidence_shows_and_no_decision_paid(
    repository, clock
) -> None:
    dispute = await appealed_after_paying(repository, clock, glasses_paid=1, glasses_shown=2)

    form = prefilled(dispute)

    assert (form.outcome, form.lines) == ("refund", {"sku-glass": ("refund", "1"), "sku-kettle": ("rejected", "1")})


@pytest.mark.parametrize(("glasses_paid", "offered"), [
    (1, {"sku-glass": ("", "1"), "sku-kettle": ("", "1")}),
    (2, {"sku-kettle": ("", "1")}),  # the glasses paid in full: a decision may name them no more
])
async def test_after_an_appeal_of_all_the_evidence_showed_the_person_weighs_the_units_not_paid(
    repository, clock, glasses_paid, offered
) -> None:
    dispute = await appealed_after_paying(repository, clock, glasses_paid, glasses_shown=1)

    form = prefilled(dispute)

    assert (form.outcome, form.reason_code, form.lines) == ("", "", offered)


async def partly_refunded(boxes: DisputeService) -> Dispute:
    """Two glasses and the kettle claimed: one glass refunded, the other glass and the kettle rejected."""
    dispute = await opened(boxes, ("sku-glass", 2), ("sku-kettle", 1))
    return await boxes.decide(INVESTIGATOR, dispute.id, None, Outcome.REFUND, ReasonCode.ITEMS_MISSING,
                              "Bir bardak eksik paketlenmiş.", None, line_outcomes=[("sku-glass", Outcome.REFUND, 1)])


async def test_a_decision_that_rejected_part_of_the_claim_is_appealed_once(boxes) -> None:
    decided = await partly_refunded(boxes)

    appealed = await boxes.appeal(CUSTOMER, decided.id, NEW_EXPLANATION)

    assert appealed.status is Status.APPEALED and appealed.appeal is not None
    await boxes.decide(INVESTIGATOR, decided.id, None, Outcome.REJECTED, ReasonCode.CONTENTS_CONFIRMED, "Kutu tamdı.", None)
    with pytest.raises(AlreadyAppealed):
        await boxes.appeal(CUSTOMER, decided.id, "Bir kez daha.")


async def test_a_partly_rejected_claim_is_appealed_only_within_the_window(boxes, clock) -> None:
    decided = await partly_refunded(boxes)
    clock.advance(days=15)

    with pytest.raises(AppealWindowClosed):
        await boxes.appeal(CUSTOMER, decided.id, NEW_EXPLANATION)


async def test_a_missing_item_decision_that_paid_every_unit_claimed_is_not_appealed(boxes) -> None:
    dispute = await opened(boxes, ("sku-glass", 2))
    await boxes.decide(INVESTIGATOR, dispute.id, None, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "Eksik.", None)

    with pytest.raises(NotRejected):
        await boxes.appeal(CUSTOMER, dispute.id, NEW_EXPLANATION)


async def test_a_rejection_after_every_unit_was_paid_rejects_nothing_and_is_not_appealed(boxes) -> None:
    dispute = await opened(boxes, ("sku-glass", 2))
    await boxes.decide(INVESTIGATOR, dispute.id, None, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "Eksik.", None)
    await boxes.reopen(SUPERVISOR, dispute.id, "Kamera kaydına bakılacak.")
    rejected = await boxes.decide(SUPERVISOR, dispute.id, None, Outcome.REJECTED, ReasonCode.CONTENTS_CONFIRMED,
                                  "Kayıt belirsiz.", None)

    with pytest.raises(NotRejected):
        await boxes.appeal(CUSTOMER, dispute.id, NEW_EXPLANATION)
    assert rejected.compensation_issued and rejected.status is Status.RESOLVED


async def test_the_appeal_s_decision_pays_only_units_not_paid_before_under_its_own_keys(boxes) -> None:
    decided = await partly_refunded(boxes)
    await boxes.appeal(CUSTOMER, decided.id, NEW_EXPLANATION)

    with pytest.raises(InvalidLineOutcomes, match="2 of sku-glass decided, 2 claimed, 1 of them refunded or reshipped before") as refused:
        await boxes.decide(INVESTIGATOR, decided.id, None, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "n", None,
                           line_outcomes=[("sku-glass", Outcome.REFUND, 2)])
    assert refused.value.facts["field"] == "line_outcomes.0.quantity"
    second = await boxes.decide(INVESTIGATOR, decided.id, None, Outcome.REFUND, ReasonCode.ITEMS_MISSING,
                                "Fotoğrafta çaydanlık yok.", None,
                                line_outcomes=[("sku-glass", Outcome.REFUND, 1), ("sku-kettle", Outcome.RESHIP, 1)])

    assert second.decision is not None and second.decision.sequence == 2
    assert [(line.sku, line.quantity, line.outcome) for line in second.decision.lines] == [
        ("sku-glass", 1, Outcome.REFUND), ("sku-kettle", 1, Outcome.RESHIP),
    ]
    assert [(kind, key) for kind, key, _ in compensation(second)] == [
        (EffectKind.REFUND, f"{decided.effects_prefix}:d1:refund:sku-glass"),
        (EffectKind.REFUND, f"{decided.effects_prefix}:d2:refund:sku-glass"),
        (EffectKind.RESHIP, f"{decided.effects_prefix}:d2:reship:sku-kettle"),
    ]
    assert [p["quantity"] for kind, _, p in compensation(second) if kind is EffectKind.REFUND] == [1, 1]


async def test_once_every_unit_is_paid_a_reopened_case_can_only_be_rejected(boxes) -> None:
    decided = await partly_refunded(boxes)
    await boxes.appeal(CUSTOMER, decided.id, NEW_EXPLANATION)
    await boxes.decide(INVESTIGATOR, decided.id, None, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "Haklı.", None)
    await boxes.reopen(SUPERVISOR, decided.id, "Yeniden bakılacak.")

    with pytest.raises(CompensationAlreadyIssued):
        await boxes.decide(SUPERVISOR, decided.id, None, Outcome.RESHIP, ReasonCode.ITEMS_MISSING, "n", None)
    rejected = await boxes.decide(SUPERVISOR, decided.id, None, Outcome.REJECTED, ReasonCode.CONTENTS_CONFIRMED, "n",
                                  None)
    assert rejected.status is Status.RESOLVED and len(compensation(rejected)) == 3


async def test_a_reopened_case_pays_the_rest_of_the_claim_when_no_line_is_named(boxes) -> None:
    decided = await partly_refunded(boxes)
    await boxes.reopen(SUPERVISOR, decided.id, "Paketleme kaydı eksik okunmuş.")

    second = await boxes.decide(SUPERVISOR, decided.id, None, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "Tümü eksik.", None)

    assert second.decision is not None
    assert [(line.sku, line.quantity, line.outcome) for line in second.decision.lines] == [
        ("sku-glass", 1, Outcome.REFUND), ("sku-kettle", 1, Outcome.REFUND),
    ]
    assert [(key, p["quantity"], p["amount_minor"]) for _, key, p in compensation(second)] == [
        (f"{decided.effects_prefix}:d1:refund:sku-glass", 1, 4_500),
        (f"{decided.effects_prefix}:d2:refund:sku-glass", 1, 4_500),
        (f"{decided.effects_prefix}:d2:refund:sku-kettle", 1, 129_900),
    ]


async def test_paying_units_a_colleague_rejected_needs_a_supervisor(boxes) -> None:
    decided = await partly_refunded(boxes)
    await boxes.appeal(CUSTOMER, decided.id, NEW_EXPLANATION)

    with pytest.raises(Forbidden, match="supervisor"):
        await boxes.decide(OTHER_INVESTIGATOR, decided.id, None, Outcome.RESHIP, ReasonCode.ITEMS_MISSING, "n", None,
                           line_outcomes=[("sku-kettle", Outcome.RESHIP, 1)])


async def test_a_case_paid_before_its_paid_lines_were_kept_counts_every_claimed_unit_as_paid(boxes) -> None:
    dispute = await opened(boxes, ("sku-glass", 2), ("sku-kettle", 1))
    dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "n", None, NOW,
                   line_outcomes=[("sku-glass", Outcome.REFUND, 1)])
    stored = Dispute.model_validate(dispute.model_dump(exclude={"compensated_lines"}))  # as such a document reads
    stored.reopen(SUPERVISOR, "Yeniden bakılacak.", NOW)

    with pytest.raises(CompensationAlreadyIssued):
        stored.decide(SUPERVISOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "n", None, NOW,
                      line_outcomes=[("sku-kettle", Outcome.REFUND, 1)])


async def test_a_claim_of_missing_items_never_bills_the_carrier_even_without_proof_by_the_deadline(boxes) -> None:
    dispute = await opened(boxes, ("sku-glass", 2))
    dispute.evidence_deadline_passed(SYSTEM, NOW)
    dispute.recommendation = recommend(dispute, CustomerHistory(), NOW, PolicySettings())
    dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.ITEMS_MISSING, "n", None, NOW,
                   line_outcomes=[("sku-glass", Outcome.REFUND, 1)])
    dispute.file_appeal(CUSTOMER, NEW_EXPLANATION, NOW, NOW + Rules().appeal_window)
    dispute.decide(INVESTIGATOR, Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, "n", None, NOW)

    assert dispute.proof_missing and dispute.recommendation is not None and not dispute.recommendation.carrier_liable
    assert [m.kind for m in dispute.outbox if m.kind is EffectKind.CARRIER_LIABILITY] == []
    assert not dispute.carrier_liable and len(compensation(dispute)) == 2


async def test_the_customer_is_told_they_may_appeal_the_rejected_items_once_until_the_window_ends(boxes) -> None:
    decided = await partly_refunded(boxes)
    assert decided.decision is not None
    ends = decided.decision.decided_at + Rules().appeal_window
    until = ends.astimezone(ISTANBUL).strftime("%d.%m.%Y %H:%M")

    assert _appeal(decided, decided.decision, Rules().appeal_window, NOW) == (
        f"You may appeal the rejected items once, with new information, until {until}.",
        f"Reddedilen ürünler için {until} tarihine kadar yeni bilgiyle bir kez itiraz edebilirsiniz.",
    )
    assert _appeal(decided, decided.decision, Rules().appeal_window, ends + timedelta(seconds=1)) == (
        f"The time to appeal ended on {until}.", f"İtiraz süresi {until} tarihinde sona erdi.",
    )


async def test_a_claim_whose_package_held_the_items_is_rejected_as_contents_confirmed(boxes) -> None:
    """No carrier proved anything of a package's contents: the rejection's reason says the package held them (the
    reason a rejection of this claim gives when none is named, as the console's form offers it)."""
    dispute = await opened(boxes, ("sku-glass", 2))
    assert dispute.rejection_reason is ReasonCode.CONTENTS_CONFIRMED

    rejected = await boxes.decide(INVESTIGATOR, dispute.id, None, Outcome.REJECTED, ReasonCode.CONTENTS_CONFIRMED,
                                  "Paketleme kaydı tam.", None)

    assert rejected.status is Status.RESOLVED and rejected.decision is not None
    assert rejected.decision.reason_code is ReasonCode.CONTENTS_CONFIRMED and compensation(rejected) == []
