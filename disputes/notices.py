"""What the customer is told about their account and the questions put to them, in English and Turkish."""

from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

ISTANBUL = ZoneInfo("Europe/Istanbul")


def restriction_lifted(at: datetime) -> tuple[str, str]:
    """(English, Turkish): the temporary restriction on the account is over."""
    when = at.astimezone(ISTANBUL).strftime("%d.%m.%Y %H:%M")
    return (
        f"The temporary restriction placed on your account while we reviewed your recent claims was lifted on {when}. "
        "You can order as usual.",
        f"Son başvurularınızı incelerken hesabınıza konan geçici kısıtlama {when} tarihinde kaldırıldı. "
        "Alışverişinize her zamanki gibi devam edebilirsiniz.",
    )


@lru_cache(maxsize=256)
def due_day(at: datetime) -> str:
    """A deadline as the day it ends (deadlines are the midnight that ends a business day, not the next day).
    Remembered: the cases opened on one day share their deadlines, and every view of a case shows one."""
    day = (at.astimezone(ISTANBUL) - timedelta(microseconds=1)).date()
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


def information_requested(
    question: str, answer_by: datetime, decision_due: datetime, now: datetime | None = None
) -> tuple[str, str]:
    """(English, Turkish): an investigator's question, the day to answer by and the (paused) decision date; as at
    `now`, once it is past the time to answer (until the question is closed as unanswered): the case goes on without
    the answer. Without `now`, the time to answer is told as still open."""
    by, due = due_day(answer_by), due_day(decision_due)
    if now is not None and now >= answer_by:  # `Dispute.information_request_expired` closes it from `answer_by` on
        return (
            f"Our investigator asked: \"{question}\" The date to answer by, {by}, has passed: we are going on with your "
            f"case without your answer, and will answer by {due} at the latest.",
            f"Uzmanımız sordu: \"{question}\" Yanıt için son tarih olan {by} geçti: başvurunuza yanıtınız olmadan devam "
            f"ediyoruz ve en geç {due} tarihinde yanıt vereceğiz.",
        )
    return (
        f"Our investigator asks: \"{question}\" Please answer by {by}. While we wait for you, the time to decide "
        f"stops; we will answer by {due} at the latest. Without an answer by then, we go on with what we have.",
        f"Uzmanımız soruyor: \"{question}\" Lütfen {by} tarihine kadar yanıtlayın. Yanıtınızı beklerken karar "
        f"süresi durur; en geç {due} tarihinde yanıt vereceğiz. O tarihe kadar yanıt gelmezse elimizdeki "
        "bilgilerle devam ederiz.",
    )


def staff_message(text: str) -> tuple[str, str]:
    """(English, Turkish): an investigator's message, quoted as written."""
    return (f"A message from our investigator: \"{text}\"", f"Uzmanımızdan mesaj: \"{text}\"")
