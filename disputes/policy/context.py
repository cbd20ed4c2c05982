"""Facts about the case rather than the proof that change who decides: value, lateness, history, reshipping."""

from disputes.model import HIGH_VALUE_CURRENCY, Dispute
from disputes.policy.reading import ProofReading
from disputes.policy.settings import PolicySettings
from disputes.policy.wording import finding, money
from schemas.common import Resolution
from schemas.recommendation import Effect, Finding, RecommendedAction

BLOCKS_AUTOMATION = frozenset({"high_value_order", "decided_before"})
BLOCKS_AUTOMATIC_REJECTION = frozenset({"proof_after_deadline"})  # the deadline rule would favour the customer
N = Effect.NEUTRAL


def is_high_value(dispute: Dispute, settings: PolicySettings) -> bool:
    return dispute.is_high_value(settings.high_value_minor)


def _high_value(currency: str, high_value_minor: int) -> Finding:
    if currency != HIGH_VALUE_CURRENCY:
        return finding(
            "high_value_order", N, [],
            f"Order in {currency}, not in lira: no exchange rate is known here, so a person decides",
            f"Sipariş {currency} cinsinden, TL değil: kur bilinmediğinden karar bir kişiye ait",
            cites=("order.currency",),
        )
    limit, limit_tr = money(high_value_minor, currency)
    return finding(
        "high_value_order", N, [],
        f"Order value above {limit}: a person decides",
        f"Sipariş tutarı {limit_tr} üzerinde: karar bir kişiye ait", cites=("order.value_minor",),
    )


def customer_evidence_finding(dispute: Dispute) -> Finding | None:
    """What the customer added (explanations, images) since the case was last decided, or since it opened."""
    added = dispute.new_customer_evidence()
    if not added:
        return None
    images = sum(len(e.images) for e in added)
    return finding(
        "customer_evidence_added", N, [],
        f"The customer added an explanation{f' and {images} image(s)' if images else ''}: "
        "a person weighs it, nothing is decided automatically",
        f"Müşteri açıklama{f' ve {images} görsel' if images else ''} ekledi: "
        "bir kişi değerlendirir, otomatik karar verilmez",
        cites=("customer_evidence",), cited_images=[image.ref for e in added for image in e.images],
        submissions=len(added), images=images,
    )


def context_findings(
    dispute: Dispute, reading: ProofReading | None, action: RecommendedAction, settings: PolicySettings
) -> list[Finding]:
    found: list[Finding] = []
    if is_high_value(dispute, settings):
        found.append(_high_value(dispute.order.currency, settings.high_value_minor))
    if reading is not None and reading.evidence.proof.received_at > dispute.sla.evidence_due:
        found.append(finding(
            "proof_after_deadline", N, [reading.evidence],
            "The proof arrived after the evidence deadline", "Kanıt, kanıt süresi dolduktan sonra geldi",
            cites=("proof.received_at", "sla.evidence_due"),
        ))
    if dispute.decision is not None:
        found.append(finding(
            "decided_before", N, [],
            "The case was decided before (appeal or reopening): a person decides",
            "Dosya daha önce karara bağlandı (itiraz ya da yeniden açma): karar bir kişiye ait",
            cites=("decision",),
        ))
    wanted_reship = dispute.preferred_resolution is Resolution.RESHIP and not dispute.order.reshippable
    if wanted_reship and action is RecommendedAction.REFUND:
        found.append(finding(
            "reship_not_possible", N, [],
            "The customer asked for a reship, but the items cannot be shipped again: refund",
            "Müşteri yeniden gönderim istedi, ürünler yeniden gönderilemiyor: iade",
            cites=("preferred_resolution", "order.reshippable"),
        ))
    return found
