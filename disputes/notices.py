"""What the customer is told about their account and the questions put to them, in English and Turkish."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from disputes.calendar import is_half_day_eve
from schemas.dispute import Restriction, RestrictionState

ISTANBUL = ZoneInfo("Europe/Istanbul")
_DATIVE_UNITS = ("a", "e", "ye", "e", "e", "e", "ya", "ye", "e", "a")
"""The dative after a clock time read aloud, by its last number's last digit: sıfır, bir, iki, üç ... dokuz."""
_DATIVE_TENS = ("a", "a", "ye", "a", "a", "ye")
"""... or, for a round ten, by the ten: on, yirmi, otuz, kırk, elli ("11:30'a", "13:00'e": on üç)."""


def restriction_raised(review_due: datetime) -> tuple[str, str]:
    """(English, Turkish): a temporary restriction was raised with this claim while the account's recent claims are
    reviewed, and the time it is reviewed by (one nobody confirms by then is lifted). Never why: the signals are
    staff's."""
    by = review_due.astimezone(ISTANBUL).strftime("%d.%m.%Y %H:%M")
    return (
        f"While we review your recent claims, a temporary restriction was placed on your account with this claim. We "
        f"will review it by {by}.",
        f"Son başvurularınızı incelerken bu başvuruyla hesabınıza geçici bir kısıtlama konuldu. Kısıtlamayı en geç "
        f"{by} tarihine kadar değerlendireceğiz.",
    )


def restriction_confirmed(at: datetime) -> tuple[str, str]:
    """(English, Turkish): the temporary restriction raised with this claim was reviewed and stays (the account
    service decides for how long)."""
    when = at.astimezone(ISTANBUL).strftime("%d.%m.%Y %H:%M")
    return (
        f"We reviewed your recent claims, and on {when} confirmed the temporary restriction placed on your account "
        "with this claim.",
        f"Son başvurularınızı inceledik ve bu başvuruyla hesabınıza konan geçici kısıtlamayı {when} tarihinde "
        "onayladık.",
    )


def restriction_lifted(at: datetime) -> tuple[str, str]:
    """(English, Turkish): the temporary restriction raised with this claim is over. A case does not know the account's
    other restrictions (another claim's may stand), so it promises nothing of them."""
    when = at.astimezone(ISTANBUL).strftime("%d.%m.%Y %H:%M")
    return (
        f"The temporary restriction placed on your account with this claim, while we reviewed your recent claims, was "
        f"lifted on {when}. Any other restriction on your account is reviewed on its own.",
        f"Son başvurularınızı incelerken bu başvuruyla hesabınıza konan geçici kısıtlama {when} tarihinde kaldırıldı. "
        "Hesabınızdaki başka bir kısıtlama varsa ayrıca değerlendirilir.",
    )


def restriction_told(restriction: Restriction) -> tuple[str, str]:
    """(English, Turkish): the restriction raised with this claim, as it now stands."""
    if restriction.state is RestrictionState.PENDING_REVIEW or restriction.reviewed_at is None:
        return restriction_raised(restriction.review_due)
    if restriction.state is RestrictionState.CONFIRMED:
        return restriction_confirmed(restriction.reviewed_at)
    return restriction_lifted(restriction.reviewed_at)


@lru_cache(maxsize=256)
def due_day(at: datetime) -> str:
    """A deadline as the day it ends (deadlines are the midnight that ends a business day, not the next day).
    Remembered: the cases opened on one day share their deadlines, and every view of a case shows one."""
    day = (at.astimezone(ISTANBUL) - timedelta(microseconds=1)).date()
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


@dataclass(frozen=True, slots=True)
class Deadline:
    """A deadline as the customer is told it: the day it ends, and its time as well when it falls on a half-day eve
    (`disputes/calendar.py`), whose business time ends at 13:00: the case is answered by then, not by the evening."""

    told: tuple[str, str]
    """(English, Turkish): "13:00 on 26.05.2026", "26.05.2026 13:00"; or the day alone."""
    by: tuple[str, str]
    """(English, Turkish): "by 13:00 on 26.05.2026", "26.05.2026 13:00'e kadar"; or "by 26.05.2026",
    "26.05.2026 tarihine kadar"."""
    on_tr: str
    """Turkish after "en geç", for a promise: "26.05.2026 tarihinde"; on an eve, by its time ("13:00'e kadar")."""


@lru_cache(maxsize=256)
def deadline(at: datetime) -> Deadline:
    """`at` as the customer is told it: the day it ends (`due_day`), and the time within a half-day eve (not at
    the midnight that ends one). Remembered, as `due_day` is."""
    day, local = due_day(at), at.astimezone(ISTANBUL)
    if local.time() != time(0) and is_half_day_eve(local.date()):
        en, tr = f"{local:%H:%M} on {day}", f"{day} {local:%H:%M}"
        until = f"{tr}'{_dative(local.time())} kadar"
        return Deadline((en, tr), (f"by {en}", until), until)
    return Deadline((day, day), (f"by {day}", f"{day} tarihine kadar"), f"{day} tarihinde")


def _dative(clock: time) -> str:
    said = clock.minute or clock.hour
    return _DATIVE_UNITS[said % 10] if said % 10 or not said else _DATIVE_TENS[said // 10]


def information_requested(
    question: str, answer_by: datetime, decision_due: datetime, now: datetime | None = None
) -> tuple[str, str]:
    """(English, Turkish): an investigator's question, the day to answer by and the (paused) decision date, and that
    the case goes on without an answer from the day to answer by (naming it again: not the decision date); as at
    `now`, once it is past the time to answer (until the question is closed as unanswered): the case goes on without
    the answer. Without `now`, the time to answer is told as still open."""
    by, due = deadline(answer_by), deadline(decision_due)
    if now is not None and now >= answer_by:  # `Dispute.information_request_expired` closes it from `answer_by` on
        return (
            f"Our investigator asked: \"{question}\" The date to answer by, {by.told[0]}, has passed: we are going on "
            f"with your case without your answer, and will answer {due.by[0]} at the latest.",
            f"Uzmanımız sordu: \"{question}\" Yanıt için son tarih olan {by.told[1]} geçti: başvurunuza yanıtınız "
            f"olmadan devam ediyoruz ve en geç {due.on_tr} yanıt vereceğiz.",
        )
    return (
        f"Our investigator asks: \"{question}\" Please answer {by.by[0]}. While we wait for you, the time to decide "
        f"stops; we will answer {due.by[0]} at the latest. Without an answer {by.by[0]}, we go on with what we have.",
        f"Uzmanımız soruyor: \"{question}\" Lütfen {by.by[1]} yanıtlayın. Yanıtınızı beklerken karar "
        f"süresi durur; en geç {due.on_tr} yanıt vereceğiz. {by.by[1]} yanıt gelmezse elimizdeki "
        "bilgilerle devam ederiz.",
    )


def staff_message(text: str) -> tuple[str, str]:
    """(English, Turkish): an investigator's message, quoted as written."""
    return (f"A message from our investigator: \"{text}\"", f"Uzmanımızdan mesaj: \"{text}\"")
