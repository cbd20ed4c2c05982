"""A deadline falling on a half-day eve (an arife: business time ends at 13:00) is told with its time, in both
languages, wherever the customer reads it; one on a whole day, by its date alone. Each expected sentence is written
out here by hand.

Kurban Bayramı 2026 begins on Wednesday 27 May; its arife, Tuesday 26 May, is a half day. A case opened on Thursday
21 May is due three business days later: Friday 22, Monday 25 and the arife, by 13:00 (10:00 UTC)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from adapters.web.views import customer_view
from disputes.calendar import BusinessCalendar
from disputes.model import Dispute
from disputes.next_step import next_step
from disputes.notices import deadline, information_requested
from schemas.dispute import Sla
from tests.unit.policy.builders import dispute

WINDOW = timedelta(days=14)
OPENED = datetime(2026, 5, 21, 7, 0, tzinfo=UTC)  # Thursday 21.05.2026 10:00 in Istanbul
ARIFE_DUE = datetime(2026, 5, 26, 10, 0, tzinfo=UTC)  # 26.05.2026 13:00 in Istanbul
WHOLE_DAY_DUE = datetime(2026, 5, 25, 21, 0, tzinfo=UTC)  # the midnight that ends Monday 25.05.2026
END_OF_ARIFE = datetime(2026, 5, 26, 21, 0, tzinfo=UTC)  # the midnight that ends the arife, as a question is due
AFTER_BAYRAM_DUE = datetime(2026, 6, 2, 21, 0, tzinfo=UTC)  # the midnight that ends Tuesday 02.06.2026
ASKED = "Paketi komşunuza sordunuz mu?"
WAITING = (
    "We have asked the carrier for its proof of delivery. Please ask your neighbours and your building's doorman "
    "(kapıcı) too: parcels shown as delivered are often left with them.",
    "Kargo firmasından teslimat kanıtını istedik. Lütfen komşularınıza ve binanızın kapıcısına da sorun: teslim "
    "edildi görünen paketler çoğu zaman onlara bırakılır.",
)


def due_on(decision_due: datetime) -> Dispute:
    d = dispute()
    d.sla = Sla(first_response_due=OPENED, evidence_due=OPENED, decision_due=decision_due)
    return d


def test_a_case_opened_three_business_days_before_the_arife_is_due_by_its_13_00() -> None:
    assert BusinessCalendar().add_business_days(OPENED, 3) == ARIFE_DUE


@pytest.mark.parametrize(("decision_due", "en", "tr"), [
    (ARIFE_DUE, "You will have our answer by 13:00 on 26.05.2026.", "En geç 26.05.2026 13:00'e kadar yanıt vereceğiz."),
    (WHOLE_DAY_DUE, "You will have our answer by 25.05.2026.", "En geç 25.05.2026 tarihinde yanıt vereceğiz."),
], ids=["on the arife", "on a whole day"])
def test_the_answer_is_promised_by_the_eve_s_13_00_or_by_a_whole_day_s_date(decision_due, en, tr) -> None:
    words = next_step(due_on(decision_due), WINDOW, OPENED)

    assert words == (f"{WAITING[0]} {en}", f"{WAITING[1]} {tr}")


def test_the_order_page_shows_the_eve_s_13_00() -> None:
    view = customer_view(due_on(ARIFE_DUE), WINDOW, OPENED)

    assert view["next_step"] == {
        "en": f"{WAITING[0]} You will have our answer by 13:00 on 26.05.2026.",
        "tr": f"{WAITING[1]} En geç 26.05.2026 13:00'e kadar yanıt vereceğiz.",
    }


def test_an_answer_late_past_the_eve_s_13_00_says_it_was_due_then() -> None:
    en, tr = next_step(due_on(ARIFE_DUE), WINDOW, ARIFE_DUE)

    assert en.endswith("Our answer was due by 13:00 on 26.05.2026 and is late; we will give it as soon as we can.")
    assert tr.endswith("Yanıtımızı en geç 26.05.2026 13:00'e kadar vermemiz gerekiyordu ve gecikti; en kısa sürede vereceğiz.")


def test_a_question_to_answer_by_the_end_of_the_arife_is_told_its_date_alone() -> None:
    """The customer answers by the end of the day, a half-day eve too (`disputes/sla.py` answer_by): not "by 00:00"."""
    en, tr = information_requested(ASKED, END_OF_ARIFE, AFTER_BAYRAM_DUE)

    assert en == (
        f"Our investigator asks: \"{ASKED}\" Please answer by 26.05.2026. While we wait for you, the time to decide "
        "stops; we will answer by 02.06.2026 at the latest. Without an answer by 26.05.2026, we go on with what we have."
    )
    assert tr == (
        f"Uzmanımız soruyor: \"{ASKED}\" Lütfen 26.05.2026 tarihine kadar yanıtlayın. Yanıtınızı beklerken karar süresi "
        "durur; en geç 02.06.2026 tarihinde yanıt vereceğiz. 26.05.2026 tarihine kadar yanıt gelmezse elimizdeki "
        "bilgilerle devam ederiz."
    )


def test_a_question_unanswered_by_its_day_tells_the_decision_by_the_arife_s_13_00() -> None:
    en, tr = information_requested(ASKED, WHOLE_DAY_DUE, ARIFE_DUE, now=WHOLE_DAY_DUE)

    assert en == (
        f"Our investigator asked: \"{ASKED}\" The date to answer by, 25.05.2026, has passed: we are going on with your "
        "case without your answer, and will answer by 13:00 on 26.05.2026 at the latest."
    )
    assert tr == (
        f"Uzmanımız sordu: \"{ASKED}\" Yanıt için son tarih olan 25.05.2026 geçti: başvurunuza yanıtınız olmadan devam "
        "ediyoruz ve en geç 26.05.2026 13:00'e kadar yanıt vereceğiz."
    )


def test_a_decision_paused_into_the_arife_s_morning_is_due_by_that_time() -> None:
    """A question pauses the deadline by the business time it was open: it may end at any time of the eve's morning."""
    paused_due = datetime(2026, 5, 26, 8, 30, tzinfo=UTC)  # 11:30 in Istanbul: "on bir otuz", read "otuza"

    en, tr = information_requested(ASKED, WHOLE_DAY_DUE, paused_due)

    assert "Please answer by 25.05.2026." in en and "we will answer by 11:30 on 26.05.2026 at the latest." in en
    assert "Lütfen 25.05.2026 tarihine kadar yanıtlayın." in tr and "en geç 26.05.2026 11:30'a kadar yanıt" in tr


def test_the_28_october_eve_is_a_half_day_too() -> None:
    en, tr = next_step(due_on(datetime(2026, 10, 28, 10, 0, tzinfo=UTC)), WINDOW, OPENED)

    assert en.endswith("by 13:00 on 28.10.2026.") and tr.endswith("28.10.2026 13:00'e kadar yanıt vereceğiz.")


@pytest.mark.parametrize(("clock", "until"), [
    ((13, 0), "13:00'e"),  # on üç
    ((11, 30), "11:30'a"),  # otuz
    ((12, 0), "12:00'ye"),  # on iki
    ((16, 0), "16:00'ya"),  # on altı
    ((9, 0), "09:00'a"),  # dokuz
    ((10, 0), "10:00'a"),  # on
    ((20, 0), "20:00'ye"),  # yirmi
    ((12, 10), "12:10'a"),  # on
    ((12, 20), "12:20'ye"),  # yirmi
    ((12, 40), "12:40'a"),  # kırk
    ((12, 50), "12:50'ye"),  # elli
    ((12, 1), "12:01'e"),  # bir
    ((12, 4), "12:04'e"),  # dört
    ((12, 5), "12:05'e"),  # beş
    ((12, 7), "12:07'ye"),  # yedi
    ((12, 8), "12:08'e"),  # sekiz
    ((12, 9), "12:09'a"),  # dokuz
    ((12, 33), "12:33'e"),  # otuz üç
    ((12, 46), "12:46'ya"),  # kırk altı
])
def test_a_time_on_an_eve_takes_the_dative_its_last_spoken_number_calls_for(
    clock: tuple[int, int], until: str
) -> None:
    at = datetime(2026, 5, 26, *clock, tzinfo=ZoneInfo("Europe/Istanbul"))
    assert deadline(at).by[1] == f"26.05.2026 {until} kadar"
