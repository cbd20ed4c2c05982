"""What the customer is told at each step: what happens next and by when, in Turkish and English."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from disputes.model import Dispute
from disputes.notices import due_day, information_requested
from disputes.policy.wording import money
from schemas.common import Outcome, RefundDestination
from schemas.dispute import Decision, Status
from schemas.recommendation import RecommendedAction

ISTANBUL = ZoneInfo("Europe/Istanbul")


def _date(at: datetime) -> str:
    day = at.astimezone(ISTANBUL).date()
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


def next_step(dispute: Dispute, appeal_window: timedelta) -> tuple[str, str]:
    """(English, Turkish)."""
    due = due_day(dispute.sla.decision_due)
    decision = dispute.decision
    advice = dispute.recommendation
    if dispute.status is Status.WITHDRAWN:
        return ("You withdrew this claim; nothing more will happen.", "Bu başvuruyu geri çektiniz; başka işlem yapılmayacak.")
    if dispute.status is Status.RESOLVED and decision is not None and decision.lines:
        return _missing_lines_resolved(dispute, decision)
    if dispute.status is Status.RESOLVED and decision is not None:
        decided = due_day(decision.decided_at)
        if decision.outcome is Outcome.REFUND:
            wallet = decision.refund_to is RefundDestination.WALLET
            return (
                f"Decided on {decided}: we are refunding you"
                f"{' to your wallet' if wallet else ' to your original payment method'}.",
                f"{decided} tarihinde karar verildi: ücret iadeniz {'cüzdanınıza' if wallet else 'ödeme yönteminize'} "
                "yapılıyor.",
            )
        if decision.outcome is Outcome.RESHIP:
            return (
                f"Decided on {decided}: we are shipping your items again.",
                f"{decided} tarihinde karar verildi: ürünleriniz yeniden gönderiliyor.",
            )
        until = due_day(decision.decided_at + appeal_window)
        if dispute.appeal is None and dispute.order.is_digital:
            return (
                "The delivery record shows your code was sent and activated. You may appeal once, with new "
                f"information, until {until}.",
                f"Teslimat kaydı kodunuzun gönderildiğini ve etkinleştirildiğini gösteriyor. {until} tarihine kadar "
                "yeni bilgiyle bir kez itiraz edebilirsiniz.",
            )
        if dispute.appeal is None:
            return (
                f"The carrier proved delivery. You may appeal once, with new information, until {until}.",
                f"Kargo firması teslimatı belgeledi. {until} tarihine kadar yeni bilgiyle bir kez itiraz edebilirsiniz.",
            )
        return (
            f"Your appeal was reviewed on {decided} and the claim rejected.",
            f"İtirazınız {decided} tarihinde incelendi ve başvurunuz reddedildi.",
        )
    if (waiting := dispute.open_information_request) is not None:
        return information_requested(waiting.question, waiting.answer_by, dispute.sla.decision_due)
    added = dispute.new_customer_evidence()
    if dispute.status is Status.APPEALED:
        images = sum(len(e.images) for e in added)
        if images:
            return (
                f"We received your appeal and the {images} image(s) with it. An investigator will review them; "
                f"we will answer by {due}.",
                f"İtirazınızı ve eklediğiniz {images} görseli aldık. Bir uzmanımız inceleyecek; "
                f"en geç {due} tarihinde yanıtlayacağız.",
            )
        return (f"We received your appeal and will answer by {due}.", f"İtirazınızı aldık; en geç {due} tarihinde yanıtlayacağız.")
    if added:  # the customer's answer comes before the request to check with the receiver
        on = _date(added[-1].submitted_at)
        return (
            f"We received the information you added on {on}. An investigator will review it with the carrier's "
            f"evidence; you will have our answer by {due}.",
            f"{on} tarihinde eklediğiniz bilgileri aldık. Bir uzmanımız bunları kargo firmasının kanıtlarıyla "
            f"birlikte inceleyecek; en geç {due} tarihinde yanıt vereceğiz.",
        )
    if advice is not None and advice.action is RecommendedAction.WAIT_FOR_CUSTOMER_CHECK and advice.customer_message:
        return (
            "The carrier says your parcel was handed to someone else or left at a locker or pickup point. "
            f"Please check there; we will answer by {due}.",
            advice.customer_message,
        )
    if dispute.order.is_digital:
        return _digital(dispute, due)
    if dispute.partial:
        return (
            "We are checking the package's weight at pickup and the seller's packing record for the missing items. "
            f"You will have our answer by {due}.",
            "Eksik ürünler için paketin kargoya verilirken tartılan ağırlığını ve satıcının paketleme kaydını "
            f"inceliyoruz. En geç {due} tarihinde yanıt vereceğiz.",
        )
    if not dispute.evidence and not dispute.proof_missing:
        return (
            f"We have asked the carrier for its proof of delivery. You will have our answer by {due}.",
            f"Kargo firmasından teslimat kanıtını istedik. En geç {due} tarihinde yanıt vereceğiz.",
        )
    return (
        f"An investigator is reviewing the carrier's evidence. You will have our answer by {due}.",
        f"Bir uzmanımız kargo firmasının kanıtlarını inceliyor. En geç {due} tarihinde yanıt vereceğiz.",
    )


def _digital(dispute: Dispute, due: str) -> tuple[str, str]:
    if not dispute.digital_deliveries and not dispute.proof_missing:
        return (
            f"We have asked for the delivery record of your code or link. You will have our answer by {due}.",
            f"Kodunuzun ya da bağlantınızın teslimat kaydını istedik. En geç {due} tarihinde yanıt vereceğiz.",
        )
    return (
        "An investigator is reviewing the delivery record of your code or link (where and when it was sent). "
        f"You will have our answer by {due}.",
        "Bir uzmanımız kodunuzun ya da bağlantınızın teslimat kaydını (nereye ve ne zaman gönderildiğini) "
        f"inceliyor. En geç {due} tarihinde yanıt vereceğiz.",
    )


def _missing_lines_resolved(dispute: Dispute, decision: Decision) -> tuple[str, str]:
    """Each missing line's outcome: the refunded lines' value, the reshipped lines' names, and the decision's date."""
    decided = due_day(decision.decided_at)
    refunded = [line for line in decision.lines if line.outcome is Outcome.REFUND]
    reshipped = ", ".join(line.sku for line in decision.lines if line.outcome is Outcome.RESHIP)
    en, tr = [f"Decided on {decided} for the missing items."], [f"Eksik ürünler için {decided} tarihinde karar verildi."]
    if refunded:
        amount, amount_tr = money(sum(line.amount_minor for line in refunded), dispute.order.currency)
        wallet = decision.refund_to is RefundDestination.WALLET
        en.append(f"We are refunding {amount} to your {'wallet' if wallet else 'original payment method'}.")
        tr.append(f"{amount_tr} tutarındaki iadeniz {'cüzdanınıza' if wallet else 'ödeme yönteminize'} yapılıyor.")
    if reshipped:
        en.append(f"We are shipping these items again: {reshipped}.")
        tr.append(f"Şu ürünler yeniden gönderiliyor: {reshipped}.")
    return " ".join(en), " ".join(tr)
