"""Items missing from a delivered package. A carrier's proof of delivery shows the package arrived, not what was
in it, so the claim is weighed on what speaks to the contents, and each finding says what was and was not there:

- the package's weight as the carrier recorded it (at pickup) against the weight declared for it (else the
  seller's packed weight): lighter by more than the tolerance → some contents were not in it when it left, and
  they were the claimed lines only if the shortfall matches their weight (the order's unit weights, `sku_weight`)
  within the same tolerance, either way: 200 g short does not explain a claimed 3 kg item, and 4.65 kg short is not
  a claimed 50 g watch but something heavier. The declared and the packed weights are the whole shipment's,
  so the carrier's weight of one package of several (`package_count`), or of a shipment whose package count the
  proof does not state, is not compared: a person weighs it up;
- the seller's packing record (where the order service offers one): fewer of a claimed line packed than ordered
  → that many not packed (never more than the customer claims);
- the customer's photos of what arrived: a person looks at them.

The claim rests on the package having arrived: while the carrier's latest word is anything but "delivered"
(`carrier_status_not_delivered`: in transit, returned…), it contradicts the order service, no rule decides the claim
and a person does, that status first among the findings (the policy reads the case again when the carrier's next word
comes). Only a "delivered" proof is said to show the package arrived.

Rules, first match wins: the carrier's latest status not "delivered" → a person; not packed → for the customer
(confidence 0.9) for what the record shows unpacked only, per line and per unit; underweight by what the claimed lines
weigh, give or take the tolerance → for the customer (0.85) for the lines claimed; underweight by less
(`shortfall_below_claimed`) or by more (`shortfall_above_claimed`), or with no unit weight for a claimed line, and
anything else → a person. The reading's `lines` are what the evidence supports: an automatic resolution compensates
those and rejects the rest of the claim (`Dispute.decide`), so one that is not the whole claim goes to a person
(`engine`). The carrier is not liable either way: the package arrived, weighing what it weighed.
"""

from dataclasses import dataclass
from typing import TypedDict

from disputes.model import Dispute
from disputes.policy.findings import not_delivered_finding
from disputes.policy.settings import PolicySettings
from disputes.policy.wording import finding, weight
from disputes.statements import latest_statement
from schemas.dispute import Evidence, MissingItem
from schemas.orders import sku_units, sku_weight
from schemas.recommendation import Effect, Finding, PolicyRule

S, A, N = Effect.SUPPORTS_DELIVERY, Effect.AGAINST_DELIVERY, Effect.NEUTRAL
NOT_PACKED_CONFIDENCE = 0.9
UNDERWEIGHT_CONFIDENCE = 0.85
WEIGHT = ("proof.weight_grams", "order.declared_weight_grams", "packing.record")
ONE_PACKAGE = ("proof.weight_grams", "proof.package_count")
PACKING = ("packing", "missing_items")
CLAIMED_WEIGHT = ("order.items", "missing_items")


@dataclass(frozen=True, slots=True)
class MissingItemsReading:
    rule: PolicyRule
    findings: tuple[Finding, ...]
    confidence: float | None
    """None: nothing decides the claim, a person does."""
    lines: tuple[MissingItem, ...] = ()
    """The claimed lines, and how many of each, the evidence shows missing: what may be compensated on it."""


def customer_photos(dispute: Dispute) -> list[str]:
    """The images the customer added to the case (with information or an appeal), by reference: photos of what
    arrived."""
    return [image.ref for added in dispute.customer_evidence for image in added.images]


def read_missing_items(dispute: Dispute, settings: PolicySettings) -> MissingItemsReading:
    weight = weight_finding(dispute, settings)
    packing = packing_finding(dispute)
    photos = photos_finding(customer_photos(dispute))
    if (status := not_delivered_finding(dispute.evidence)) is not None:
        return MissingItemsReading(PolicyRule.MISSING_ITEMS_REVIEW, (status, weight, packing, photos), None)
    package_only = finding(
        "proof_shows_package_only", N, [],
        "The carrier's proof shows the package arrived, not what was in it",
        "Kargo firmasının kanıtı paketin teslim edildiğini gösterir, içeriğini değil",
    )
    arrived = (package_only,) if dispute.has_delivery_proof else ()
    found = (packing, weight, photos, *arrived)
    if unpacked := not_packed(dispute):
        return MissingItemsReading(PolicyRule.ITEMS_NOT_PACKED, found, NOT_PACKED_CONFIDENCE, unpacked)
    if weight.code == "weight_below_declared":  # the carrier answered, and its latest word is "delivered" (above)
        shortfall = shortfall_finding(dispute, weight)
        read = (weight, shortfall, packing, photos, *arrived)
        if shortfall.code == "shortfall_covers_claimed":
            return MissingItemsReading(
                PolicyRule.PACKED_UNDERWEIGHT, read, UNDERWEIGHT_CONFIDENCE, tuple(dispute.missing_items)
            )
        return MissingItemsReading(PolicyRule.MISSING_ITEMS_REVIEW, read, None)
    return MissingItemsReading(PolicyRule.MISSING_ITEMS_REVIEW, (weight, packing, photos, *arrived), None)


def _carrier_weight(dispute: Dispute) -> tuple[Evidence, int] | None:
    latest = latest_statement(e for e in dispute.evidence if e.proof.weight_grams is not None)
    return None if latest is None or latest.proof.weight_grams is None else (latest, latest.proof.weight_grams)


def _expected_weight(dispute: Dispute) -> tuple[int, str, str] | None:
    """The weight the package should have had, and whose figure it is (English, Turkish)."""
    if (declared := dispute.order.declared_weight_grams) is not None:
        return declared, "declared", "beyan edilen"
    record = dispute.packing.record if dispute.packing else None
    if record is not None and record.weight_grams is not None:
        return record.weight_grams, "packed (seller's scale)", "paketlenen (satıcının tartısı)"
    return None


class _WeightFacts(TypedDict):
    carrier_grams: int
    expected_grams: int
    tolerance_grams: int


def weight_finding(dispute: Dispute, settings: PolicySettings) -> Finding:
    carrier, expected = _carrier_weight(dispute), _expected_weight(dispute)
    if carrier is None:
        return finding(
            "carrier_weight_unavailable", N, [],
            f"The carrier reported no package weight ({dispute.order.carrier})",
            f"Kargo firması paket ağırlığı bildirmedi ({dispute.order.carrier})", cites=WEIGHT
        )
    evidence, grams = carrier
    at, at_tr = weight(grams)
    if (packages := evidence.proof.package_count) is None:  # proofs stored before the count was read
        return finding(
            "carrier_weight_packages_unknown", N, [evidence],
            f"The carrier weighed the package at {at} without saying how many packages the shipment has: "
            "the weight is not compared with the whole shipment's, a person decides",
            f"Kargo firması paketi {at_tr} olarak tarttı ama gönderinin kaç paket olduğunu bildirmedi: ağırlık tüm "
            "gönderinin ağırlığıyla karşılaştırılmaz, bir kişi karar verir",
            carrier_grams=grams, cites=ONE_PACKAGE
        )
    if (packages := max(packages, 1 + len(evidence.proof.packages))) > 1:  # a count the reply's own packages belie
        return finding(
            "carrier_weight_one_package", N, [evidence],
            f"The carrier weighed 1 package of {packages} in the shipment at {at}: one package's weight is not "
            "compared with the whole shipment's, a person decides",
            f"Kargo firması gönderideki {packages} paketten birini {at_tr} olarak tarttı: tek paketin ağırlığı tüm "
            "gönderinin ağırlığıyla karşılaştırılmaz, bir kişi karar verir",
            carrier_grams=grams, packages=packages, cites=ONE_PACKAGE
        )
    if expected is None:
        return finding(
            "expected_weight_unavailable", N, [evidence],
            f"The carrier weighed the package at {at}; no declared or packed weight to compare",
            f"Kargo firması paketi {at_tr} olarak tarttı; karşılaştırılacak beyan ya da paketleme ağırlığı yok",
            carrier_grams=grams, cites=WEIGHT
        )
    want, whose, whose_tr = expected
    tolerance = max(settings.weight_tolerance_grams, round(want * settings.weight_tolerance_share))
    facts = _WeightFacts(carrier_grams=grams, expected_grams=want, tolerance_grams=tolerance)
    (expected_en, expected_tr), (under, under_tr) = weight(want), weight(want - grams)
    if grams < want - tolerance:
        return finding(
            "weight_below_declared", A, [evidence],
            f"The carrier weighed the package at {at}, {under} under the {whose} {expected_en}: "
            "it left without some of its contents",
            f"Kargo firması paketi {at_tr} olarak tarttı, {whose_tr} {expected_tr}'dan {under_tr} eksik: "
            "paket içeriğinin bir kısmı olmadan yola çıktı",
            **facts, cites=WEIGHT
        )
    if grams > want + tolerance:
        return finding(
            "weight_above_declared", N, [evidence],
            f"The carrier weighed the package at {at}, more than the {whose} {expected_en}",
            f"Kargo firması paketi {at_tr} olarak tarttı, {whose_tr} {expected_tr}'dan fazla",
            **facts, cites=WEIGHT
        )
    return finding(
        "weight_matches_declared", S, [evidence],
        f"The carrier weighed the package at {at}, as {whose} ({expected_en})",
        f"Kargo firması paketi {at_tr} olarak tarttı, {whose_tr} ağırlıkla uyumlu ({expected_tr})",
        **facts, cites=WEIGHT
    )


class _ShortfallFacts(TypedDict):
    shortfall_grams: int
    claimed_grams: int
    tolerance_grams: int


def shortfall_finding(dispute: Dispute, weighed: Finding) -> Finding:
    """Whether the package's shortfall (`weighed`: lighter than expected) matches what the claimed lines weigh, within
    the same tolerance either way: a missing item takes its weight out of the package, so a shortfall explains items
    about that heavy; one well beyond their weight is something heavier missing, which it does not name."""
    short = int(weighed.facts["expected_grams"]) - int(weighed.facts["carrier_grams"])
    tolerance = int(weighed.facts["tolerance_grams"])
    claimed = _claimed_grams(dispute)
    (shortfall, shortfall_tr), (allowed, allowed_tr) = weight(short), weight(tolerance)
    if claimed is None:
        return finding(
            "claimed_weight_unknown", N, [],
            f"The order states no unit weight for some claimed items: whether the {shortfall} shortfall explains them, "
            "a person judges",
            f"Siparişte talep edilen bazı ürünlerin birim ağırlığı yok: {shortfall_tr}'lık eksiğin bunları açıklayıp "
            "açıklamadığına bir kişi karar verir",
            shortfall_grams=short, cites=CLAIMED_WEIGHT,
        )
    facts = _ShortfallFacts(shortfall_grams=short, claimed_grams=claimed, tolerance_grams=tolerance)
    claimed_en, claimed_tr = weight(claimed)
    if abs(short - claimed) <= tolerance:
        return finding(
            "shortfall_covers_claimed", A, [],
            f"The shortfall ({shortfall}) explains the claimed items' weight ({claimed_en}, with a {allowed} "
            "tolerance)",
            f"Paketin {shortfall_tr}'lık eksiği, talep edilen ürünlerin ağırlığını açıklıyor ({claimed_tr}, "
            f"{allowed_tr} payla)",
            **facts, cites=CLAIMED_WEIGHT,
        )
    if short > claimed:
        return finding(
            "shortfall_above_claimed", N, [],
            f"The shortfall ({shortfall}) is more than the claimed items' weight ({claimed_en}), even allowing "
            f"{allowed}: it does not show which items were missing, a person decides",
            f"Paketin {shortfall_tr}'lık eksiği, {allowed_tr} payla bile talep edilen ürünlerin ağırlığından "
            f"({claimed_tr}) fazla: hangi ürünlerin eksik olduğunu göstermiyor, bir kişi karar verir",
            **facts, cites=CLAIMED_WEIGHT,
        )
    return finding(
        "shortfall_below_claimed", N, [],
        f"The shortfall ({shortfall}) explains less than the claimed items' weight ({claimed_en}), even allowing "
        f"{allowed}: a person decides",
        f"Paketin {shortfall_tr}'lık eksiği, {allowed_tr} payla bile talep edilen ürünlerin ağırlığından "
        f"({claimed_tr}) az: bir kişi karar verir",
        **facts, cites=CLAIMED_WEIGHT,
    )


def _claimed_grams(dispute: Dispute) -> int | None:
    """What the claimed units weigh together, by the order's unit weights; None when a claimed line states none."""
    weights = [sku_weight(dispute.order.items, m.sku, m.quantity) for m in dispute.missing_items]
    known = [grams for grams in weights if grams is not None]
    return sum(known) if len(known) == len(weights) else None


def packing_finding(dispute: Dispute) -> Finding:
    check = dispute.packing
    if check is None or not check.answered:
        return finding(
            "packing_record_unavailable", N, [],
            "No packing record available: the order service offers none or could not answer",
            "Paketleme kaydı yok: sipariş servisi sunmuyor ya da yanıt veremedi", cites=PACKING
        )
    if check.record is None:
        return finding(
            "packing_record_missing", N, [],
            "The seller kept no packing record for this package", "Satıcının bu paket için paketleme kaydı yok",
            cites=PACKING,
        )
    photo_en, photo_tr = (" with a photo", " (fotoğraflı)") if check.record.photo else ("", "")
    if unpacked := not_packed(dispute):
        return _not_packed_finding(dispute, unpacked, photo_en, photo_tr)
    return finding(
        "items_packed", S, [],
        f"The seller's packing record{photo_en} lists every claimed item as packed",
        f"Satıcının paketleme kaydı{photo_tr} talep edilen tüm ürünleri paketlenmiş gösteriyor", cites=PACKING
    )


def _not_packed_finding(dispute: Dispute, unpacked: tuple[MissingItem, ...], photo_en: str, photo_tr: str) -> Finding:
    """How many of each claimed line the record shows unpacked, of how many claimed, and the lines it shows packed."""
    claimed = {m.sku: m.quantity for m in dispute.missing_items}
    short = ", ".join(f"{m.sku} ({m.quantity} of {claimed[m.sku]} claimed)" for m in unpacked)
    short_tr = ", ".join(f"{m.sku} (talep edilen {claimed[m.sku]} adetten {m.quantity})" for m in unpacked)
    packed = ", ".join(sku for sku in claimed if sku not in {m.sku for m in unpacked})
    rest, rest_tr = (f"; packed as ordered: {packed}", f"; siparişteki kadar paketlenen: {packed}") if packed else ("", "")
    return finding(
        "items_not_packed", A, [],
        f"The seller's packing record{photo_en} shows fewer than ordered packed of: {short}{rest}",
        f"Satıcının paketleme kaydı{photo_tr} şu ürünlerden siparişten az paketlendiğini gösteriyor: {short_tr}{rest_tr}",
        skus=", ".join(m.sku for m in unpacked), units=sum(m.quantity for m in unpacked),
        units_claimed=sum(claimed.values()), cites=PACKING,
    )


def not_packed(dispute: Dispute) -> tuple[MissingItem, ...]:
    """Per claimed line, how many of it the seller's packing record shows were not packed (ordered less packed),
    never more than the customer claims missing; lines packed in full are left out."""
    record = dispute.packing.record if dispute.packing else None
    if record is None:
        return ()
    ordered = dispute.order.items
    short = ((m, min(m.quantity, sku_units(ordered, m.sku) - record.packed(m.sku))) for m in dispute.missing_items)
    return tuple(MissingItem(sku=m.sku, quantity=units) for m, units in short if units > 0)


def photos_finding(images: list[str]) -> Finding:
    photos = len(images)
    if photos == 0:
        return finding(
            "customer_photos_missing", N, [],
            "The customer sent no photos of what arrived", "Müşteri gelen paketin fotoğrafını göndermedi",
        )
    return finding(
        "customer_photos_present", N, [],
        f"The customer sent {photos} photo(s) of what arrived: a person looks at them",
        f"Müşteri gelen paketin {photos} fotoğrafını gönderdi: bir kişi inceler",
        cited_images=images, photos=photos,
    )
