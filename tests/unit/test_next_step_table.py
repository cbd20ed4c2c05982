"""What the customer is told next, for every kind of claim, outcome, reason and state, in both languages: each
expected sentence is written out here by hand.

Times: the decisions are taken at 18.11.2026 12:30 in Istanbul (so the 14-day appeal window ends on 02.12.2026 at
12:30), the answer is due by the end of 23.11.2026, a question to the customer is to be answered by the end of
20.11.2026, and the case is read a day after the decision unless a row says otherwise."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from disputes.model import Dispute
from disputes.next_step import next_step, reads_otherwise_from
from schemas.common import Outcome, RefundDestination
from schemas.conversation import QuestionToCustomer
from schemas.digital import DigitalChannel, DigitalDelivery
from schemas.dispute import Claim, DeliveredEffect, EffectKind, MissingItem, PackingCheck, ReasonCode, Sla, Status, SubmissionKind
from schemas.orders import DigitalKind, OrderItem, PackedLine, PackingRecord
from schemas.proof import RecipientRelation
from schemas.recommendation import PolicyRule, Recommendation, RecommendedAction
from tests.factories import BOXED, CUSTOMER, INVESTIGATOR, NOW, SUPERVISOR
from tests.unit.policy.builders import customer_added, dispute, evidence

WINDOW = timedelta(days=14)
DECIDED_AT = NOW  # 18.11.2026 12:30 in Istanbul
WINDOW_ENDS = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)  # 02.12.2026 12:30 in Istanbul
READ_AT = NOW + timedelta(days=1)
DUE = datetime(2026, 11, 23, 21, 0, tzinfo=UTC)  # the midnight that ends 23.11.2026 in Istanbul
SENT_AT = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)
CODE = OrderItem(sku="sku-steam", name="Steam kodu", quantity=1, unit_price_minor=50_000, digital=DigitalKind.GAME_CODE)
KEY = OrderItem(sku="sku-office", name="Office lisansı", quantity=1, unit_price_minor=90_000, digital=DigitalKind.LICENCE_KEY)
CHECK_BY = datetime(2026, 11, 19, 3, 30, tzinfo=UTC)  # 19.11.2026 06:30 in Istanbul: a day after the opening
THIRD_PARTY = (
    "The carrier says your parcel was received by your neighbour on 16.11.2026 12:30. Please check; if you have not "
    "found it by 19.11.2026 06:30, we will go on with our review and tell you the outcome.",
    "Kargo firması gönderinizin 16.11.2026 12:30 tarihinde komşunuz tarafından teslim alındığını bildirdi. Lütfen "
    "kontrol edin; 19.11.2026 06:30 tarihine kadar bulamazsanız incelemeye devam edip size sonucu bildireceğiz.",
)
ANSWER_BY = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)  # the midnight that ends 20.11.2026 in Istanbul
TOLD = ("Our team has been told and will contact you.", "Ekibimiz durumdan haberdar edildi ve sizinle iletişime geçecek.")

OPEN_EN = "You may appeal once, with new information, until 02.12.2026 12:30."
OPEN_TR = "02.12.2026 12:30 tarihine kadar yeni bilgiyle bir kez itiraz edebilirsiniz."
BY_EN = "You will have our answer by 23.11.2026."
BY_TR = "En geç 23.11.2026 tarihinde yanıt vereceğiz."
ASK_AROUND = (
    "Please ask your neighbours and your building's doorman (kapıcı) too: parcels shown as delivered are often left "
    "with them.",
    "Lütfen komşularınıza ve binanızın kapıcısına da sorun: teslim edildi görünen paketler çoğu zaman onlara bırakılır.",
)
RECORD = (
    "The carrier's delivery record says: delivered on 16.11.2026 12:30; received by: Ayşe Yılmaz (the recipient). "
    f"{ASK_AROUND[0]}",
    "Kargo firmasının teslimat kaydına göre: teslim tarihi 16.11.2026 12:30; teslim alan: Ayşe Yılmaz (alıcının "
    f"kendisi). {ASK_AROUND[1]}",
)
PROVED = (f"The carrier proved delivery. {RECORD[0]}", f"Kargo firması teslimatı belgeledi. {RECORD[1]}")
NOT_CONFIRMED = (
    "We reviewed your claim and could not confirm that items were missing from the package.",
    "Başvurunuzu inceledik ve paketten ürün eksik olduğunu doğrulayamadık.",
)
ABUSE = (
    "We rejected your claim after reviewing the claims made from your account.",
    "Başvurunuzu, hesabınızdan yapılan başvuruları inceledikten sonra reddettik.",
)
APPEAL_RECEIVED = (f"We received your appeal. {BY_EN}", f"İtirazınızı aldık. {BY_TR}")


# --- cases ---------------------------------------------------------------------------------------------------


def case(*proofs: str, proof_missing: bool = False) -> Dispute:
    """A parcel not received, with the answer due by the end of 23.11.2026; `proofs`: "delivered" (signed by the
    recipient), "neighbour" (handed to a neighbour), "weighed" (delivered, 1200 g at pickup), "stranger" (signed by
    someone named like nobody on the order, whom the carrier calls the recipient, at "Receiver"), "front door" (left
    at the front door)."""
    made = {
        "delivered": lambda: evidence("ev-delivered"),
        "neighbour": lambda: evidence("ev-neighbour", relation=RecipientRelation.NEIGHBOUR, received_by="Komşu"),
        "weighed": lambda: evidence("ev-weighed", weight_grams=1200, package_count=1),
        "stranger": lambda: evidence("ev-stranger", received_by="MEHMET KAYA", place="Receiver"),  # UPS's word
        "front door": lambda: evidence("ev-door", relation=RecipientRelation.SAFE_PLACE, received_by=None,
                                       place="Front Door"),
    }
    d = dispute(*(made[p]() for p in proofs), proof_missing=proof_missing)
    d.sla = Sla(first_response_due=NOW, evidence_due=NOW, decision_due=DUE)
    return d


def missing_items(*proofs: str, packed: int | None = None) -> Dispute:
    """Two glasses claimed missing from a package of several lines; `packed`: the glasses on the seller's packing
    record (None: the seller kept no record)."""
    d = case(*proofs)
    d.order = d.order.model_copy(update={"items": BOXED})
    d.claim = Claim.MISSING_ITEMS
    d.missing_items = [MissingItem(sku="sku-glass", quantity=2), MissingItem(sku="sku-spoon", quantity=3)]
    lines = [PackedLine(sku="sku-glass", quantity=packed or 0), PackedLine(sku="sku-spoon", quantity=12)]
    record = PackingRecord(shipment_id="shp-1", packed_at=NOW, lines=lines) if packed is not None else None
    d.packing = PackingCheck(answered=True, record=record)
    return d


def digital(*states: str, proof_missing: bool = False, items: tuple[OrderItem, ...] = (CODE, KEY)) -> Dispute:
    """A game code (and a licence key, with a second state), each line's record having got as far as its state:
    "not_sent", "link_missing", "sent", "opened" or "activated"; or "no_record", none received for the line."""
    d = case(proof_missing=proof_missing)
    items = items[: max(1, len(states))]
    d.order = d.order.model_copy(update={"items": items, "reshippable": False})
    d.digital_deliveries = [
        _record(item.sku, state) for item, state in zip(items, states, strict=False) if state != "no_record"
    ]
    return d


def _record(sku: str, state: str) -> DigitalDelivery:
    sent = state != "not_sent"
    return DigitalDelivery(
        order_id="ord-1", sku=sku, found=sent, channel=DigitalChannel.EMAIL, sent_at=SENT_AT if sent else None,
        link_present=state != "link_missing", opened_at=SENT_AT if state in ("opened", "activated") else None,
        activated_at=SENT_AT if state == "activated" else None, received_at=NOW,
    )


def decided(d: Dispute, outcome: Outcome, reason: ReasonCode, at: datetime = DECIDED_AT, **options: object) -> Dispute:
    d.decide(INVESTIGATOR, outcome, reason, "Karar.", options.pop("refund_to", None), at, **options)  # type: ignore[arg-type]
    return d


def appealed(d: Dispute, at: datetime = NOW + timedelta(days=1), images: int = 0) -> Dispute:
    d.file_appeal(CUSTOMER, "İmza benim değil.", at, WINDOW_ENDS, customer_added(images=images, at=at).images)
    return d


def reopened(d: Dispute, at: datetime) -> Dispute:
    d.reopen(SUPERVISOR, "Yeni bilgi geldi.", at)
    return d


def withdrawn(d: Dispute) -> Dispute:
    d.withdraw(CUSTOMER, "Komşuda buldum.", NOW)
    return d


def asked(d: Dispute) -> Dispute:
    d.information_requests.append(QuestionToCustomer(
        id="irq_1", question="Paketi komşunuza sordunuz mu?", asked_by=INVESTIGATOR.id, asked_at=NOW,
        answer_by=ANSWER_BY, decision_due_before=DUE,
    ))
    return d


def parked(d: Dispute, *kinds: EffectKind, sku: str | None = None) -> Dispute:
    """The relay parked the decision's queued messages of `kinds` (the ones for `sku`'s line only, if given), as
    when payments or fulfillment refuses them, and the customer's notification held back with them."""
    held = [m for m in d.outbox if m.kind in kinds and (sku is None or m.key.endswith(f":{sku}"))]
    held += [m for m in d.outbox if m.kind is EffectKind.NOTIFICATION and set(m.waits_for) & {h.id for h in held}]
    d.outbox = [m for m in d.outbox if m not in held]
    d.effects_parked += [m.model_copy(update={"attempts": 1, "last_error": "refused: 400"}) for m in held]
    return d


def delivered(d: Dispute, kind: EffectKind, at: datetime = NOW + timedelta(days=1)) -> Dispute:
    """The relay delivered the decision's queued messages of `kind` at `at` (fulfillment took its reshipments then)."""
    sent = [m for m in d.outbox if m.kind is kind]
    d.outbox = [m for m in d.outbox if m not in sent]
    d.effects_delivered += [DeliveredEffect(id=m.id, kind=m.kind, key=m.key, delivered_at=at, reference="shp_1")
                            for m in sent]
    return d


def added(d: Dispute, images: int = 0, kind: SubmissionKind = SubmissionKind.INFORMATION) -> Dispute:
    d.customer_evidence.append(customer_added(images=images, at=NOW, kind=kind))
    return d


def check_with_receiver(d: Dispute) -> Dispute:
    d.recommendation = Recommendation(
        action=RecommendedAction.WAIT_FOR_CUSTOMER_CHECK, rule=PolicyRule.THIRD_PARTY_CHECK, confidence=0.5,
        findings=[], auto_resolve=False, carrier_liable=False, needs_supervisor=False, priority=0, abuse_flags=[],
        customer_message=THIRD_PARTY[1], computed_at=NOW,
    )
    d.third_party_check_by = CHECK_BY
    return d


Row = tuple[Callable[[], Dispute], datetime | None, str, str]
ROWS: dict[str, Row] = {
    # --- decided for the customer
    "refund to the original payment method": (
        lambda: decided(case("delivered"), Outcome.REFUND, ReasonCode.WEAK_PROOF), READ_AT,
        "Decided on 18.11.2026: your refund of 1,299.00 TRY to your original payment method is being sent.",
        "18.11.2026 tarihinde karar verildi: 1.299,00 TL tutarındaki ücret iadeniz orijinal ödeme yönteminize yapılmak üzere gönderiliyor.",
    ),
    "refund to the wallet": (
        lambda: decided(case(), Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, refund_to=RefundDestination.WALLET),
        READ_AT,
        "Decided on 18.11.2026: your refund of 1,299.00 TRY to your wallet is being sent.",
        "18.11.2026 tarihinde karar verildi: 1.299,00 TL tutarındaki ücret iadeniz cüzdanınıza yapılmak üzere gönderiliyor.",
    ),
    "reship": (
        lambda: decided(case(), Outcome.RESHIP, ReasonCode.LOST_IN_TRANSIT), READ_AT,
        "Decided on 18.11.2026: we are shipping your items again.",
        "18.11.2026 tarihinde karar verildi: ürünleriniz yeniden gönderiliyor.",
    ),
    "reship taken by fulfillment the day after": (
        lambda: delivered(decided(case(), Outcome.RESHIP, ReasonCode.LOST_IN_TRANSIT), EffectKind.RESHIP), READ_AT,
        "Decided on 18.11.2026: we sent your items again on 19.11.2026.",
        "18.11.2026 tarihinde karar verildi: ürünleriniz 19.11.2026 tarihinde yeniden gönderildi.",
    ),
    "a decision at midnight in Istanbul is dated the day it begins": (
        lambda: decided(case(), Outcome.RESHIP, ReasonCode.DEADLINE_REACHED, datetime(2026, 11, 18, 21, 0, tzinfo=UTC)),
        READ_AT,
        "Decided on 19.11.2026: we are shipping your items again.",
        "19.11.2026 tarihinde karar verildi: ürünleriniz yeniden gönderiliyor.",
    ),
    "digital refund": (
        lambda: decided(digital("not_sent"), Outcome.REFUND, ReasonCode.DIGITAL_NOT_DELIVERED), READ_AT,
        "Decided on 18.11.2026: your refund of 1,299.00 TRY to your original payment method is being sent.",
        "18.11.2026 tarihinde karar verildi: 1.299,00 TL tutarındaki ücret iadeniz orijinal ödeme yönteminize yapılmak üzere gönderiliyor.",
    ),
    "digital lines: the code never sent refunded, the key activated not": (
        lambda: decided(digital("not_sent", "activated"), Outcome.REFUND, ReasonCode.DIGITAL_NOT_DELIVERED,
                        line_outcomes=[("sku-steam", Outcome.REFUND, 1)]), READ_AT,
        "Decided on 18.11.2026 for your codes and links. Your refund of 500.00 TRY to your original payment method is being sent. "
        "Not refunded: Office lisansı ×1. The delivery record shows the code or link for Office lisansı was activated. You may "
        "appeal the rejected items once, with new information, until 02.12.2026 12:30.",
        "Kodlarınız ve bağlantılarınız için 18.11.2026 tarihinde karar verildi. 500,00 TL tutarındaki ücret iadeniz orijinal "
        "ödeme yönteminize yapılmak üzere gönderiliyor. İade edilmedi: Office lisansı ×1. Teslimat kaydı Office lisansı için kodun ya da "
        "bağlantının etkinleştirildiğini gösteriyor. Reddedilen ürünler için 02.12.2026 12:30 tarihine kadar yeni "
        "bilgiyle bir kez itiraz edebilirsiniz.",
    ),
    "digital lines: of two codes never sent, a person refunded one": (
        lambda: decided(digital("not_sent", "not_sent"), Outcome.REFUND, ReasonCode.DIGITAL_NOT_DELIVERED,
                        line_outcomes=[("sku-steam", Outcome.REFUND, 1)]), READ_AT,
        "Decided on 18.11.2026 for your codes and links. Your refund of 500.00 TRY to your original payment method is being sent. "
        "Not refunded: Office lisansı ×1. The delivery record shows the code or link for Office lisansı was not sent. You may "
        "appeal the rejected items once, with new information, until 02.12.2026 12:30.",
        "Kodlarınız ve bağlantılarınız için 18.11.2026 tarihinde karar verildi. 500,00 TL tutarındaki ücret iadeniz orijinal "
        "ödeme yönteminize yapılmak üzere gönderiliyor. İade edilmedi: Office lisansı ×1. Teslimat kaydı Office lisansı için kodun ya da "
        "bağlantının gönderilmediğini gösteriyor. Reddedilen ürünler için 02.12.2026 12:30 tarihine kadar yeni "
        "bilgiyle bir kez itiraz edebilirsiniz.",
    ),
    "digital lines: a code refunded, one with no record not": (
        lambda: decided(digital("not_sent", "no_record"), Outcome.REFUND, ReasonCode.DIGITAL_NOT_DELIVERED,
                        line_outcomes=[("sku-steam", Outcome.REFUND, 1)]), READ_AT,
        "Decided on 18.11.2026 for your codes and links. Your refund of 500.00 TRY to your original payment method is being sent. "
        "Not refunded: Office lisansı ×1. We received no delivery record of the code or link for Office lisansı. You may "
        "appeal the rejected items once, with new information, until 02.12.2026 12:30.",
        "Kodlarınız ve bağlantılarınız için 18.11.2026 tarihinde karar verildi. 500,00 TL tutarındaki ücret iadeniz orijinal "
        "ödeme yönteminize yapılmak üzere gönderiliyor. İade edilmedi: Office lisansı ×1. Şu ürünlerin kodunun ya da bağlantısının teslimat "
        "kaydını almadık: Office lisansı. Reddedilen ürünler için 02.12.2026 12:30 tarihine kadar yeni bilgiyle bir kez "
        "itiraz edebilirsiniz.",
    ),
    "digital: the key never sent paid, then reopened and rejected: the reason speaks of the code rejected": (
        lambda: decided(reopened(decided(digital("activated", "not_sent"), Outcome.REFUND,
                                         ReasonCode.DIGITAL_NOT_DELIVERED), NOW + timedelta(days=1)),
                        Outcome.REJECTED, ReasonCode.DIGITAL_DELIVERED, NOW + timedelta(days=2)), WINDOW_ENDS,
        "The delivery record shows your code or link was activated. You may appeal once, with new information, until "
        "04.12.2026 12:30. Decided before and standing: the refund of 900.00 TRY.",
        "Teslimat kaydı kodunuzun ya da bağlantınızın etkinleştirildiğini gösteriyor. 04.12.2026 12:30 tarihine kadar "
        "yeni bilgiyle bir kez itiraz edebilirsiniz. Daha önce kararlaştırılan ve geçerli olan: 900,00 TL tutarındaki "
        "iade.",
    ),
    "missing lines refunded and reshipped": (
        lambda: decided(missing_items(packed=4), Outcome.REFUND, ReasonCode.ITEMS_MISSING,
                        line_outcomes=[("sku-glass", Outcome.REFUND, 2), ("sku-spoon", Outcome.RESHIP, 3)]), READ_AT,
        "Decided on 18.11.2026 for the missing items. Your refund of 90.00 TRY to your original payment method is being sent. "
        "We are shipping these items again: Çay kaşığı ×3.",
        "Eksik ürünler için 18.11.2026 tarihinde karar verildi. 90,00 TL tutarındaki ücret iadeniz orijinal ödeme yönteminize "
        "yapılmak üzere gönderiliyor. Şu ürünler yeniden gönderiliyor: Çay kaşığı ×3.",
    ),
    "missing lines refunded and reshipped, the reshipment taken by fulfillment": (
        lambda: delivered(decided(missing_items(packed=4), Outcome.REFUND, ReasonCode.ITEMS_MISSING,
                                  line_outcomes=[("sku-glass", Outcome.REFUND, 2), ("sku-spoon", Outcome.RESHIP, 3)]),
                          EffectKind.RESHIP), READ_AT,
        "Decided on 18.11.2026 for the missing items. Your refund of 90.00 TRY to your original payment method is being sent. "
        "We sent these items again on 19.11.2026: Çay kaşığı ×3.",
        "Eksik ürünler için 18.11.2026 tarihinde karar verildi. 90,00 TL tutarındaki ücret iadeniz orijinal ödeme yönteminize "
        "yapılmak üzere gönderiliyor. Şu ürünler 19.11.2026 tarihinde yeniden gönderildi: Çay kaşığı ×3.",
    ),
    "missing lines refunded in part": (
        lambda: decided(missing_items(packed=1), Outcome.REFUND, ReasonCode.ITEMS_MISSING,
                        line_outcomes=[("sku-glass", Outcome.REFUND, 1)]), READ_AT,
        "Decided on 18.11.2026 for the missing items. Your refund of 45.00 TRY to your original payment method is being sent. "
        "We could not confirm these were missing: Çay bardağı ×1, Çay kaşığı ×3. You may appeal the rejected items "
        "once, with new information, until 02.12.2026 12:30.",
        "Eksik ürünler için 18.11.2026 tarihinde karar verildi. 45,00 TL tutarındaki ücret iadeniz orijinal ödeme yönteminize "
        "yapılmak üzere gönderiliyor. Şunların eksik olduğunu doğrulayamadık: Çay bardağı ×1, Çay kaşığı ×3. Reddedilen ürünler için "
        "02.12.2026 12:30 tarihine kadar yeni bilgiyle bir kez itiraz edebilirsiniz.",
    ),
    "missing lines refunded in part, read after the appeal window": (
        lambda: decided(missing_items(packed=1), Outcome.REFUND, ReasonCode.ITEMS_MISSING,
                        line_outcomes=[("sku-glass", Outcome.REFUND, 2), ("sku-spoon", Outcome.REFUND, 1)]),
        WINDOW_ENDS + timedelta(minutes=1),
        "Decided on 18.11.2026 for the missing items. Your refund of 102.50 TRY to your original payment method is being sent. "
        "We could not confirm these were missing: Çay kaşığı ×2. The time to appeal ended on 02.12.2026 12:30.",
        "Eksik ürünler için 18.11.2026 tarihinde karar verildi. 102,50 TL tutarındaki ücret iadeniz orijinal ödeme yönteminize "
        "yapılmak üzere gönderiliyor. Şunların eksik olduğunu doğrulayamadık: Çay kaşığı ×2. İtiraz süresi 02.12.2026 12:30 tarihinde "
        "sona erdi.",
    ),
    # --- decided for the customer, but payments or fulfillment refused the refund or reshipment
    "refund held back": (
        lambda: parked(decided(case("delivered"), Outcome.REFUND, ReasonCode.WEAK_PROOF), EffectKind.REFUND), READ_AT,
        f"Decided on 18.11.2026: your refund of 1,299.00 TRY to your original payment method is delayed. {TOLD[0]}",
        "18.11.2026 tarihinde karar verildi: 1.299,00 TL tutarındaki, orijinal ödeme yönteminize yapılacak ücret iadeniz "
        f"gecikiyor. {TOLD[1]}",
    ),
    "refund to the wallet held back": (
        lambda: parked(decided(case(), Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF, refund_to=RefundDestination.WALLET),
                       EffectKind.REFUND), READ_AT,
        f"Decided on 18.11.2026: your refund of 1,299.00 TRY to your wallet is delayed. {TOLD[0]}",
        f"18.11.2026 tarihinde karar verildi: 1.299,00 TL tutarındaki, cüzdanınıza yapılacak ücret iadeniz gecikiyor. {TOLD[1]}",
    ),
    "reship held back": (
        lambda: parked(decided(case(), Outcome.RESHIP, ReasonCode.LOST_IN_TRANSIT), EffectKind.RESHIP), READ_AT,
        f"Decided on 18.11.2026: the reshipment of your items is delayed. {TOLD[0]}",
        f"18.11.2026 tarihinde karar verildi: ürünlerinizin yeniden gönderimi gecikiyor. {TOLD[1]}",
    ),
    "refund under way while only the carrier's liability is held back": (
        lambda: parked(decided(case(), Outcome.REFUND, ReasonCode.CARRIER_NO_PROOF), EffectKind.CARRIER_LIABILITY),
        READ_AT,
        "Decided on 18.11.2026: your refund of 1,299.00 TRY to your original payment method is being sent.",
        "18.11.2026 tarihinde karar verildi: 1.299,00 TL tutarındaki ücret iadeniz orijinal ödeme yönteminize yapılmak üzere gönderiliyor.",
    ),
    "missing lines: the refund held back, the reshipment under way": (
        lambda: parked(decided(missing_items(packed=4), Outcome.REFUND, ReasonCode.ITEMS_MISSING,
                               line_outcomes=[("sku-glass", Outcome.REFUND, 2), ("sku-spoon", Outcome.RESHIP, 3)]),
                       EffectKind.REFUND), READ_AT,
        "Decided on 18.11.2026 for the missing items. We are shipping these items again: Çay kaşığı ×3. Your refund of "
        f"90.00 TRY to your original payment method is delayed. {TOLD[0]}",
        "Eksik ürünler için 18.11.2026 tarihinde karar verildi. Şu ürünler yeniden gönderiliyor: Çay kaşığı ×3. 90,00 TL "
        f"tutarındaki, orijinal ödeme yönteminize yapılacak iadeniz gecikiyor. {TOLD[1]}",
    ),
    "missing lines: one reshipment held back, one line declined": (
        lambda: parked(decided(missing_items(packed=1), Outcome.RESHIP, ReasonCode.ITEMS_MISSING,
                               line_outcomes=[("sku-glass", Outcome.RESHIP, 1), ("sku-spoon", Outcome.RESHIP, 3)]),
                       EffectKind.RESHIP, sku="sku-spoon"), READ_AT,
        "Decided on 18.11.2026 for the missing items. We are shipping these items again: Çay bardağı ×1. The reshipment of "
        f"these items is delayed: Çay kaşığı ×3. {TOLD[0]} We could not confirm these were missing: Çay bardağı ×1. You "
        "may appeal the rejected items once, with new information, until 02.12.2026 12:30.",
        "Eksik ürünler için 18.11.2026 tarihinde karar verildi. Şu ürünler yeniden gönderiliyor: Çay bardağı ×1. Şu "
        f"ürünlerin yeniden gönderimi gecikiyor: Çay kaşığı ×3. {TOLD[1]} Şunların eksik olduğunu doğrulayamadık: "
        "Çay bardağı ×1. Reddedilen ürünler için 02.12.2026 12:30 tarihine kadar yeni bilgiyle bir kez itiraz "
        "edebilirsiniz.",
    ),
    # --- rejected: what the rejection rests on, and the appeal
    "parcel rejected on the carrier's proof": (
        lambda: decided(case("delivered"), Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY), READ_AT,
        f"{PROVED[0]} {OPEN_EN}", f"{PROVED[1]} {OPEN_TR}",
    ),
    "parcel rejected as delivered to someone the carrier calls the recipient but the order does not name": (
        lambda: decided(case("stranger"), Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY), READ_AT,
        "The carrier proved delivery. The carrier's delivery record says: delivered on 16.11.2026 12:30; received by: "
        f"MEHMET KAYA. {ASK_AROUND[0]} {OPEN_EN}",
        "Kargo firması teslimatı belgeledi. Kargo firmasının teslimat kaydına göre: teslim tarihi 16.11.2026 12:30; "
        f"teslim alan: MEHMET KAYA. {ASK_AROUND[1]} {OPEN_TR}",
    ),
    "parcel rejected as left at the front door": (
        lambda: decided(case("front door"), Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY), READ_AT,
        "The carrier proved delivery. The carrier's delivery record says: delivered on 16.11.2026 12:30; received by: "
        f"a safe place, without hand-over; place: Front Door. {ASK_AROUND[0]} {OPEN_EN}",
        "Kargo firması teslimatı belgeledi. Kargo firmasının teslimat kaydına göre: teslim tarihi 16.11.2026 12:30; "
        f"teslim alan: güvenli bir yer (elden teslim değil); teslimat yeri: ön kapı. {ASK_AROUND[1]} {OPEN_TR}",
    ),
    "parcel rejected as delivered with no proof from the carrier": (
        lambda: decided(case(proof_missing=True), Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY), READ_AT,
        f"We reviewed your claim and found that your parcel was delivered. {OPEN_EN}",
        f"Başvurunuzu inceledik ve paketinizin teslim edildiğini tespit ettik. {OPEN_TR}",
    ),
    "parcel rejected as the receiver confirmed it": (
        lambda: decided(case("neighbour"), Outcome.REJECTED, ReasonCode.THIRD_PARTY_CONFIRMED), READ_AT,
        f"The person your parcel was handed to confirmed receiving it. {OPEN_EN}",
        f"Paketinizin teslim edildiği kişi paketi aldığını doğruladı. {OPEN_TR}",
    ),
    "parcel rejected on the account's claims": (
        lambda: decided(case("delivered"), Outcome.REJECTED, ReasonCode.SUSPECTED_ABUSE), READ_AT,
        f"{ABUSE[0]} {OPEN_EN}", f"{ABUSE[1]} {OPEN_TR}",
    ),
    "missing items rejected on the packing record": (
        lambda: decided(missing_items("delivered", packed=6), Outcome.REJECTED, ReasonCode.CONTENTS_CONFIRMED), READ_AT,
        f"The seller's packing record shows the items you reported missing were packed. {OPEN_EN}",
        f"Satıcının paketleme kaydı, eksik olarak bildirdiğiniz ürünlerin paketlendiğini gösteriyor. {OPEN_TR}",
    ),
    "missing items rejected without a packing record": (
        lambda: decided(missing_items("delivered"), Outcome.REJECTED, ReasonCode.CONTENTS_CONFIRMED), READ_AT,
        f"{NOT_CONFIRMED[0]} {OPEN_EN}", f"{NOT_CONFIRMED[1]} {OPEN_TR}",
    ),
    "missing items rejected though the packing record shows fewer packed": (
        lambda: decided(missing_items("delivered", packed=4), Outcome.REJECTED, ReasonCode.CONTENTS_CONFIRMED),
        READ_AT, f"{NOT_CONFIRMED[0]} {OPEN_EN}", f"{NOT_CONFIRMED[1]} {OPEN_TR}",
    ),
    "missing items rejected on the account's claims": (
        lambda: decided(missing_items("delivered", packed=6), Outcome.REJECTED, ReasonCode.SUSPECTED_ABUSE), READ_AT,
        f"{ABUSE[0]} {OPEN_EN}", f"{ABUSE[1]} {OPEN_TR}",
    ),
    "code activated": (
        lambda: decided(digital("activated"), Outcome.REJECTED, ReasonCode.DIGITAL_DELIVERED), READ_AT,
        f"The delivery record shows your code or link was activated. {OPEN_EN}",
        f"Teslimat kaydı kodunuzun ya da bağlantınızın etkinleştirildiğini gösteriyor. {OPEN_TR}",
    ),
    "licence key sent, never opened": (
        lambda: decided(digital("sent", items=(KEY,)), Outcome.REJECTED, ReasonCode.DIGITAL_DELIVERED), READ_AT,
        f"The delivery record shows your code or link was sent, but not opened or activated. {OPEN_EN}",
        "Teslimat kaydı kodunuzun ya da bağlantınızın gönderildiğini, ancak açılmadığını ve etkinleştirilmediğini "
        f"gösteriyor. {OPEN_TR}",
    ),
    "code opened, not activated": (
        lambda: decided(digital("opened"), Outcome.REJECTED, ReasonCode.DIGITAL_DELIVERED), READ_AT,
        f"The delivery record shows your code or link was sent and opened, but not activated. {OPEN_EN}",
        "Teslimat kaydı kodunuzun ya da bağlantınızın gönderildiğini ve açıldığını, ancak etkinleştirilmediğini "
        f"gösteriyor. {OPEN_TR}",
    ),
    "code sent without its link": (
        lambda: decided(digital("link_missing"), Outcome.REJECTED, ReasonCode.DIGITAL_DELIVERED), READ_AT,
        f"The delivery record shows your code or link was sent without the code or a working link. {OPEN_EN}",
        "Teslimat kaydı kodunuzun ya da bağlantınızın kod ya da çalışan bağlantı olmadan gönderildiğini gösteriyor. "
        f"{OPEN_TR}",
    ),
    "code not sent": (
        lambda: decided(digital("not_sent"), Outcome.REJECTED, ReasonCode.DIGITAL_DELIVERED), READ_AT,
        f"The delivery record shows your code or link was not sent. {OPEN_EN}",
        f"Teslimat kaydı kodunuzun ya da bağlantınızın gönderilmediğini gösteriyor. {OPEN_TR}",
    ),
    "code with no delivery record": (
        lambda: decided(digital(proof_missing=True), Outcome.REJECTED, ReasonCode.DIGITAL_DELIVERED), READ_AT,
        f"We received no delivery record of your code or link. {OPEN_EN}",
        f"Kodunuzun ya da bağlantınızın teslimat kaydını almadık. {OPEN_TR}",
    ),
    "two codes in different states": (
        lambda: decided(digital("activated", "sent"), Outcome.REJECTED, ReasonCode.DIGITAL_DELIVERED), READ_AT,
        "The delivery record shows the code or link for Office lisansı was sent, but not opened or activated; the code "
        f"or link for Steam kodu was activated. {OPEN_EN}",
        "Teslimat kaydı Office lisansı için kodun ya da bağlantının gönderildiğini, ancak açılmadığını ve "
        f"etkinleştirilmediğini; Steam kodu için kodun ya da bağlantının etkinleştirildiğini gösteriyor. {OPEN_TR}",
    ),
    "a code with a record, a licence key with none": (
        lambda: decided(digital("activated", "no_record"), Outcome.REJECTED, ReasonCode.DIGITAL_DELIVERED), READ_AT,
        "The delivery record shows the code or link for Steam kodu was activated. We received no delivery record of "
        f"the code or link for Office lisansı. {OPEN_EN}",
        "Teslimat kaydı Steam kodu için kodun ya da bağlantının etkinleştirildiğini gösteriyor. Şu ürünlerin kodunun ya "
        f"da bağlantısının teslimat kaydını almadık: Office lisansı. {OPEN_TR}",
    ),
    "code rejected on the account's claims": (
        lambda: decided(digital("sent"), Outcome.REJECTED, ReasonCode.SUSPECTED_ABUSE), READ_AT,
        f"{ABUSE[0]} {OPEN_EN}", f"{ABUSE[1]} {OPEN_TR}",
    ),
    # --- the appeal window
    "appeal window open to its last moment": (
        lambda: decided(case("delivered"), Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY), WINDOW_ENDS,
        f"{PROVED[0]} {OPEN_EN}", f"{PROVED[1]} {OPEN_TR}",
    ),
    "appeal window closed": (
        lambda: decided(case("delivered"), Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY),
        WINDOW_ENDS + timedelta(minutes=1),
        f"{PROVED[0]} The time to appeal ended on 02.12.2026 12:30.",
        f"{PROVED[1]} İtiraz süresi 02.12.2026 12:30 tarihinde sona erdi.",
    ),
    "appeal window told as open when the caller gives no time": (
        lambda: decided(case("delivered"), Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY), None,
        f"{PROVED[0]} {OPEN_EN}", f"{PROVED[1]} {OPEN_TR}",
    ),
    # --- appealed, reopened, withdrawn
    "appeal reviewed and rejected": (
        lambda: decided(appealed(decided(case("delivered"), Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY)),
                        Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, NOW + timedelta(days=2)), NOW + timedelta(days=3),
        "Your appeal was reviewed on 20.11.2026 and the claim rejected.",
        "İtirazınız 20.11.2026 tarihinde incelendi ve başvurunuz reddedildi.",
    ),
    "reopened after the appeal and rejected again": (
        lambda: decided(
            reopened(decided(appealed(decided(case("delivered"), Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY)),
                             Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, NOW + timedelta(days=2)),
                     NOW + timedelta(days=3)),
            Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, NOW + timedelta(days=4)), NOW + timedelta(days=5),
        f"{PROVED[0]} You have already used your one appeal.",
        f"{PROVED[1]} Tek itiraz hakkınızı kullandınız.",
    ),
    "refunded, reopened and rejected: nothing changes, nothing to appeal": (
        lambda: decided(reopened(decided(case("delivered"), Outcome.REFUND, ReasonCode.WEAK_PROOF), NOW),
                        Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, NOW + timedelta(days=2)), WINDOW_ENDS,
        "Your claim was reviewed again on 20.11.2026: your package had already been refunded or reshipped, so nothing "
        "changes. The refund decided before stands.",
        "Başvurunuz 20.11.2026 tarihinde yeniden incelendi: paketiniz için daha önce iade ya da yeniden gönderim "
        "yapılmıştı, bu yüzden değişen bir şey yok. Daha önce kararlaştırılan iade geçerlidir.",
    ),
    "digital order refunded, reopened and rejected: nothing changes, of the order": (
        lambda: decided(reopened(decided(digital("not_sent"), Outcome.REFUND, ReasonCode.DIGITAL_NOT_DELIVERED), NOW),
                        Outcome.REJECTED, ReasonCode.DIGITAL_DELIVERED, NOW + timedelta(days=2)), WINDOW_ENDS,
        "Your claim was reviewed again on 20.11.2026: your order had already been refunded, so nothing changes. The "
        "refund decided before stands.",
        "Başvurunuz 20.11.2026 tarihinde yeniden incelendi: siparişiniz için daha önce iade yapılmıştı, bu yüzden "
        "değişen bir şey yok. Daha önce kararlaştırılan iade geçerlidir.",
    ),
    "digital lines: every code refunded, then reopened and rejected: nothing changes": (
        lambda: decided(
            reopened(decided(digital("not_sent", "activated"), Outcome.REFUND, ReasonCode.DIGITAL_NOT_DELIVERED,
                             line_outcomes=[("sku-steam", Outcome.REFUND, 1), ("sku-office", Outcome.REFUND, 1)]),
                     NOW + timedelta(days=1)),
            Outcome.REJECTED, ReasonCode.DIGITAL_DELIVERED, NOW + timedelta(days=2)), WINDOW_ENDS,
        "Your claim was reviewed again on 20.11.2026: every code and link you claimed had already been refunded, so "
        "nothing changes. Decided before and standing: the refund of 1,400.00 TRY.",
        "Başvurunuz 20.11.2026 tarihinde yeniden incelendi: başvurduğunuz tüm kodlar ve bağlantılar için daha önce iade "
        "yapılmıştı, bu yüzden değişen bir şey yok. Daha önce kararlaştırılan ve geçerli olan: 1.400,00 TL tutarındaki "
        "iade.",
    ),
    "missing lines: the appeal of the rest rejected, the first refund standing": (
        lambda: decided(
            appealed(decided(missing_items(packed=1), Outcome.REFUND, ReasonCode.ITEMS_MISSING,
                             line_outcomes=[("sku-glass", Outcome.REFUND, 1)])),
            Outcome.REJECTED, ReasonCode.CONTENTS_CONFIRMED, NOW + timedelta(days=2)), WINDOW_ENDS,
        "Your appeal was reviewed on 20.11.2026 and rejected. Decided before and standing: the refund of 45.00 TRY.",
        "İtirazınız 20.11.2026 tarihinde incelendi ve reddedildi. Daha önce kararlaştırılan ve geçerli olan: 45,00 TL "
        "tutarındaki iade.",
    ),
    "missing lines: every unit paid, then reopened and rejected: nothing changes": (
        lambda: decided(
            reopened(decided(missing_items(packed=0), Outcome.REFUND, ReasonCode.ITEMS_MISSING,
                             line_outcomes=[("sku-glass", Outcome.REFUND, 2), ("sku-spoon", Outcome.RESHIP, 3)]),
                     NOW + timedelta(days=1)),
            Outcome.REJECTED, ReasonCode.CONTENTS_CONFIRMED, NOW + timedelta(days=2)), WINDOW_ENDS,
        "Your claim was reviewed again on 20.11.2026: every item you claimed had already been refunded or reshipped, "
        "so nothing changes. Decided before and standing: the refund of 90.00 TRY and the reshipment of Çay kaşığı ×3.",
        "Başvurunuz 20.11.2026 tarihinde yeniden incelendi: başvurduğunuz tüm ürünler için daha önce iade ya da "
        "yeniden gönderim yapılmıştı, bu yüzden değişen bir şey yok. Daha önce kararlaştırılan ve geçerli olan: 90,00 "
        "TL tutarındaki iade ve Çay kaşığı ×3 ürünlerinin yeniden gönderimi.",
    ),
    "missing lines: the appeal of the rest paid": (
        lambda: decided(
            appealed(decided(missing_items(packed=1), Outcome.REFUND, ReasonCode.ITEMS_MISSING,
                             line_outcomes=[("sku-glass", Outcome.REFUND, 1)])),
            Outcome.RESHIP, ReasonCode.ITEMS_MISSING, NOW + timedelta(days=2),
            line_outcomes=[("sku-spoon", Outcome.RESHIP, 3)]), WINDOW_ENDS,
        "Your appeal was accepted in part. Decided on 20.11.2026 for the missing items. We are shipping these items again: Çay kaşığı ×3. We could not "
        "confirm these were missing: Çay bardağı ×1. You have already used your one appeal. Decided before and "
        "standing: the refund of 45.00 TRY.",
        "İtirazınız kısmen kabul edildi. Eksik ürünler için 20.11.2026 tarihinde karar verildi. Şu ürünler yeniden gönderiliyor: Çay kaşığı ×3. Şunların "
        "eksik olduğunu doğrulayamadık: Çay bardağı ×1. Tek itiraz hakkınızı kullandınız. Daha önce kararlaştırılan ve "
        "geçerli olan: 45,00 TL tutarındaki iade.",
    ),
    "missing lines: the first refund held back, the appeal decides its units again": (
        lambda: decided(
            appealed(parked(decided(missing_items(packed=1), Outcome.REFUND, ReasonCode.ITEMS_MISSING,
                                    line_outcomes=[("sku-glass", Outcome.REFUND, 1)]), EffectKind.REFUND)),
            Outcome.RESHIP, ReasonCode.ITEMS_MISSING, NOW + timedelta(days=2),
            line_outcomes=[("sku-spoon", Outcome.RESHIP, 3)]), WINDOW_ENDS,
        "Your appeal was accepted in part. Decided on 20.11.2026 for the missing items. We are shipping these items again: Çay kaşığı ×3. We could not "
        "confirm these were missing: Çay bardağı ×2. You have already used your one appeal.",
        "İtirazınız kısmen kabul edildi. Eksik ürünler için 20.11.2026 tarihinde karar verildi. Şu ürünler yeniden gönderiliyor: Çay kaşığı ×3. Şunların "
        "eksik olduğunu doğrulayamadık: Çay bardağı ×2. Tek itiraz hakkınızı kullandınız.",
    ),
    "missing lines: the first refund held back, the appeal's refund held back too": (
        lambda: parked(decided(
            appealed(parked(decided(missing_items(packed=1), Outcome.REFUND, ReasonCode.ITEMS_MISSING,
                                    line_outcomes=[("sku-glass", Outcome.REFUND, 1)]), EffectKind.REFUND)),
            Outcome.REFUND, ReasonCode.ITEMS_MISSING, NOW + timedelta(days=2),
            line_outcomes=[("sku-spoon", Outcome.REFUND, 3)]), EffectKind.REFUND), WINDOW_ENDS,
        "Your appeal was accepted in part. Decided on 20.11.2026 for the missing items. Your refund of 37.50 TRY to your original payment method is "
        f"delayed. {TOLD[0]} We could not confirm these were missing: Çay bardağı ×2. You have already used your one "
        "appeal.",
        "İtirazınız kısmen kabul edildi. Eksik ürünler için 20.11.2026 tarihinde karar verildi. 37,50 TL tutarındaki, orijinal ödeme yönteminize yapılacak "
        f"iadeniz gecikiyor. {TOLD[1]} Şunların eksik olduğunu doğrulayamadık: Çay bardağı ×2. Tek itiraz hakkınızı "
        "kullandınız.",
    ),
    "refund held back, reopened and rejected": (
        lambda: decided(reopened(parked(decided(case("delivered"), Outcome.REFUND, ReasonCode.WEAK_PROOF),
                                        EffectKind.REFUND), NOW),
                        Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY, NOW + timedelta(days=2)), WINDOW_ENDS,
        f"{PROVED[0]} You may appeal once, with new information, until 04.12.2026 12:30. The refund decided before is "
        f"delayed. {TOLD[0]}",
        f"{PROVED[1]} 04.12.2026 12:30 tarihine kadar yeni bilgiyle bir kez itiraz edebilirsiniz. Daha önce "
        f"kararlaştırılan iade gecikiyor. {TOLD[1]}",
    ),
    "withdrawn": (
        lambda: withdrawn(case("delivered")), READ_AT,
        "You withdrew this claim; nothing more will happen.", "Bu başvuruyu geri çektiniz; başka işlem yapılmayacak.",
    ),
    "appealed": (
        lambda: appealed(decided(case("delivered"), Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY)), READ_AT,
        *APPEAL_RECEIVED,
    ),
    "appealed with an image, then more added": (
        lambda: added(appealed(decided(case("delivered"), Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY), images=1),
                      images=2), READ_AT,
        f"We received your appeal and the 1 image with it; an investigator will review it. {BY_EN}",
        f"İtirazınızı ve eklediğiniz 1 görseli aldık; bir uzmanımız inceleyecek. {BY_TR}",
    ),
    "appeal taken up by an investigator": (
        lambda: _assigned(appealed(decided(case("delivered"), Outcome.REJECTED, ReasonCode.PROOF_OF_DELIVERY))),
        READ_AT, *APPEAL_RECEIVED,
    ),
    # --- under way
    "parcel: carrier asked": (
        lambda: case(), READ_AT,
        f"We have asked the carrier for its proof of delivery. {ASK_AROUND[0]} {BY_EN}",
        f"Kargo firmasından teslimat kanıtını istedik. {ASK_AROUND[1]} {BY_TR}",
    ),
    "parcel: the carrier gave no proof in time": (
        lambda: case(proof_missing=True), READ_AT,
        f"The carrier gave no proof of delivery in time; an investigator is reviewing your claim. {BY_EN}",
        f"Kargo firması süresi içinde teslimat kanıtı sunmadı; bir uzmanımız başvurunuzu inceliyor. {BY_TR}",
    ),
    "parcel: the carrier's evidence under review": (
        lambda: case("delivered"), READ_AT,
        f"An investigator is reviewing the carrier's evidence. {RECORD[0]} {BY_EN}",
        f"Bir uzmanımız kargo firmasının kanıtlarını inceliyor. {RECORD[1]} {BY_TR}",
    ),
    "parcel: the answer is late": (
        lambda: case("delivered"), DUE,
        f"An investigator is reviewing the carrier's evidence. {RECORD[0]} Our answer was due by 23.11.2026 and is "
        "late; we will give it as soon as we can.",
        f"Bir uzmanımız kargo firmasının kanıtlarını inceliyor. {RECORD[1]} Yanıtımızı en geç 23.11.2026 tarihinde "
        "vermemiz gerekiyordu ve gecikti; en kısa sürede vereceğiz.",
    ),
    "parcel: handed to a neighbour, the customer asked to check": (
        lambda: check_with_receiver(case("neighbour")), READ_AT,
        f"{THIRD_PARTY[0]} {BY_EN}", f"{THIRD_PARTY[1]} {BY_TR}",
    ),
    "information added": (
        lambda: added(case("delivered"), images=1), READ_AT,
        "We received the information you added on 18.11.2026; an investigator will review it with the rest of your "
        f"case. {BY_EN}",
        "18.11.2026 tarihinde eklediğiniz bilgileri aldık; bir uzmanımız bunları başvurunuzdaki diğer bilgilerle "
        f"birlikte inceleyecek. {BY_TR}",
    ),
    "a question awaiting the customer's answer": (
        lambda: asked(case("delivered")), READ_AT,
        'Our investigator asks: "Paketi komşunuza sordunuz mu?" Please answer by 20.11.2026. While we wait for you, '
        "the time to decide stops; we will answer by 23.11.2026 at the latest. Without an answer by 20.11.2026, we go "
        "on with what we have.",
        'Uzmanımız soruyor: "Paketi komşunuza sordunuz mu?" Lütfen 20.11.2026 tarihine kadar yanıtlayın. Yanıtınızı '
        "beklerken karar süresi durur; en geç 23.11.2026 tarihinde yanıt vereceğiz. 20.11.2026 tarihine kadar yanıt "
        "gelmezse elimizdeki bilgilerle devam ederiz.",
    ),
    "a question past the date to answer it by, not yet closed": (
        lambda: asked(case("delivered")), ANSWER_BY,
        'Our investigator asked: "Paketi komşunuza sordunuz mu?" The date to answer by, 20.11.2026, has passed: we are '
        "going on with your case without your answer, and will answer by 23.11.2026 at the latest.",
        'Uzmanımız sordu: "Paketi komşunuza sordunuz mu?" Yanıt için son tarih olan 20.11.2026 geçti: başvurunuza '
        "yanıtınız olmadan devam ediyoruz ve en geç 23.11.2026 tarihinde yanıt vereceğiz.",
    ),
    "missing items: weight and packing record": (
        lambda: missing_items("weighed", packed=6), READ_AT,
        "We are checking the package's weight at pickup and the seller's packing record for the missing items. "
        f"{BY_EN}",
        "Eksik ürünler için paketin kargoya verilirken tartılan ağırlığını ve satıcının paketleme kaydını inceliyoruz. "
        f"{BY_TR}",
    ),
    "missing items: packing record only": (
        lambda: missing_items("delivered", packed=6), READ_AT,
        f"We are checking the seller's packing record for the missing items. {BY_EN}",
        f"Eksik ürünler için satıcının paketleme kaydını inceliyoruz. {BY_TR}",
    ),
    "missing items: neither weight nor packing record": (
        lambda: missing_items("delivered"), READ_AT,
        f"We are looking into the items you reported missing. {BY_EN}",
        f"Eksik olarak bildirdiğiniz ürünleri inceliyoruz. {BY_TR}",
    ),
    "code: record asked for": (
        lambda: digital(), READ_AT,
        f"We have asked for the delivery record of your code or link. {BY_EN}",
        f"Kodunuzun ya da bağlantınızın teslimat kaydını istedik. {BY_TR}",
    ),
    "code: no record in time": (
        lambda: digital(proof_missing=True), READ_AT,
        f"The delivery record of your code or link did not reach us in time; an investigator is reviewing your claim. "
        f"{BY_EN}",
        f"Kodunuzun ya da bağlantınızın teslimat kaydı süresi içinde bize ulaşmadı; bir uzmanımız başvurunuzu "
        f"inceliyor. {BY_TR}",
    ),
    "code: record under review, never sent": (
        lambda: digital("not_sent"), READ_AT,
        f"An investigator is reviewing the delivery record of your code or link. {BY_EN}",
        f"Bir uzmanımız kodunuzun ya da bağlantınızın teslimat kaydını inceliyor. {BY_TR}",
    ),
}


def _assigned(d: Dispute) -> Dispute:
    d.assign(INVESTIGATOR, INVESTIGATOR.id, NOW + timedelta(days=1))
    assert d.status is Status.UNDER_REVIEW
    return d


@pytest.mark.parametrize(("build", "now", "en", "tr"), ROWS.values(), ids=ROWS.keys())
def test_the_customer_is_told_only_what_is_true(build: Callable[[], Dispute], now: datetime | None, en: str, tr: str) -> None:
    assert next_step(build(), WINDOW, now) == (en, tr)


@pytest.mark.parametrize("build", [row[0] for row in ROWS.values()], ids=ROWS.keys())
def test_the_words_change_with_the_time_only_at_the_instant_named(build: Callable[[], Dispute]) -> None:
    """What a kept view of the case relies on: one wording before `reads_otherwise_from`, one from it on."""
    d = build()
    turn = reads_otherwise_from(d, WINDOW)
    tick = timedelta(microseconds=1)
    times = [NOW - timedelta(days=400), NOW, READ_AT, WINDOW_ENDS, WINDOW_ENDS + tick, NOW + timedelta(days=400)]
    if turn is not None:
        times += [turn - tick, turn, turn + tick]
    before = {next_step(d, WINDOW, t) for t in times if turn is None or t < turn}
    after = {next_step(d, WINDOW, t) for t in times if turn is not None and t >= turn}
    assert len(before) <= 1 and len(after) <= 1 and (turn is None or before != after)
