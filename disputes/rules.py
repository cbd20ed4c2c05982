"""Numbers the business sets: the defaults are the starting point, and configuration overrides each of them
(the composition root builds this from the environment). Each docstring is what the settings documentation
says about its number."""

from datetime import date, timedelta

from pydantic import ConfigDict
from pydantic.dataclasses import dataclass

from disputes.calendar import COVERED_YEARS, BusinessCalendar, HalfDayEves

BUSINESS_DAYS = ("first_response_business_days", "decision_business_days", "accessible_decision_business_days",
                 "evidence_business_days", "information_reply_business_days")
"""The numbers counted in Turkish business days: each at least one."""

@dataclass(frozen=True, slots=True, config=ConfigDict(use_attribute_docstrings=True))
class Rules:
    claim_window: timedelta = timedelta(days=30)
    """How long after delivery a customer may open a dispute."""
    appeal_window: timedelta = timedelta(days=14)
    """How long after a decision the customer may appeal it."""
    idempotency_ttl: timedelta = timedelta(hours=24)
    """How long an Idempotency-Key on a POST (opening a dispute, deciding, a note, ...) replays the first answer."""
    first_response_business_days: int = 1
    """Turkish business days to the first response."""
    decision_business_days: int = 3
    """Turkish business days to the decision."""
    accessible_decision_business_days: int = 2
    """Turkish business days to the decision for a customer who declared an accessibility need: their case comes
    earlier in the queue, which is ordered by the decision deadline."""
    half_day_eves: HalfDayEves = "business"
    """What the half-day eves are (the arife before each Bayram, and 28 October, when the holiday begins at 13:00,
    Law 2429): "business", a business day until 13:00 Istanbul (a deadline on one falls at 13:00, and its afternoon
    does not count); "holiday", a day off, like the holiday it precedes."""
    extra_non_business_days: tuple[date, ...] = ()
    """Days declared off on top of the public holidays, such as the administrative leave ("idari izin") that joins a
    Bayram to a weekend: not business days, so no deadline counts them. Each a weekday that is no public holiday, in
    the years the calendar counts, given as an ISO date (several separated by commas: 2027-05-20,2027-05-21). The deadlines of open cases still ahead move later when a day is added (never
    sooner when one is removed): docs/operations.md, declaring a day off."""
    information_reply_business_days: int = 2
    """Turkish business days a customer has to answer an investigator's question. The decision deadline is paused
    meanwhile (moved on by the time the customer takes, so at most by this wait); unanswered by then, the case
    goes on without the answer."""
    information_requests_per_review: int = 2
    """How many questions an investigator may put to the customer in one review (the opening, or an appeal or
    reopening): each pauses the decision deadline, so their number bounds how far it can move."""
    evidence_business_days: int = 2
    """Turkish business days the carrier's proof is waited for; without it by then, the carrier is liable."""
    escalate_before_deadline: timedelta = timedelta(hours=12)
    """A case still open this long before its decision deadline is escalated to a supervisor. Shorter than a day
    for each business day to the first response and to an accessible decision, the shortest deadlines: a lead as
    long would escalate every case as it opens."""
    evidence_retry: timedelta = timedelta(minutes=2)
    """The first wait before asking a carrier again; it doubles with each try."""
    evidence_max_retry: timedelta = timedelta(hours=1)
    """The longest wait between two tries to get a carrier's proof; at most a day for each business day the proof
    is waited for."""

    def __post_init__(self) -> None:
        """Each refusal names the field it is about (the settings say it by its variable)."""
        for field in ("claim_window", "appeal_window", "idempotency_ttl", "evidence_retry"):
            if getattr(self, field) <= timedelta(0):
                raise ValueError(f"{field} must be longer than zero")
        for field in BUSINESS_DAYS:
            if getattr(self, field) < 1:
                raise ValueError(f"{field} must be at least 1")
        for field in ("first_response_business_days", "accessible_decision_business_days", "evidence_business_days"):
            if getattr(self, field) > self.decision_business_days:
                raise ValueError(f"{field} cannot be more than decision_business_days: it comes within the decision's")
        if self.evidence_max_retry < self.evidence_retry:
            raise ValueError("evidence_max_retry cannot be shorter than the first wait, evidence_retry")
        if self.evidence_max_retry > timedelta(days=self.evidence_business_days):
            raise ValueError("evidence_max_retry cannot be longer than evidence_business_days (in days): the carrier "
                             "would not be asked again before its proof's deadline")
        if self.escalate_before_deadline < timedelta(0):
            raise ValueError("escalate_before_deadline cannot be negative")
        if self.escalate_before_deadline >= timedelta(days=min(self.first_response_business_days,
                                                               self.accessible_decision_business_days)):
            raise ValueError("escalate_before_deadline must be shorter than the shortest deadline, "
                             "first_response_business_days and accessible_decision_business_days (in days): every "
                             "case would be escalated as it opens")
        for day in self.extra_non_business_days:
            if day.year not in COVERED_YEARS:
                raise ValueError(f"extra_non_business_days: {day} is beyond the years the calendar counts "
                                 f"({COVERED_YEARS.start}–{COVERED_YEARS.stop - 1})")
            if not BusinessCalendar().is_business_day(day):
                raise ValueError(f"extra_non_business_days: {day} is not a business day anyway (a weekend or a "
                                 "public holiday): name the weekdays declared off")
        if self.information_requests_per_review < 0:
            raise ValueError("information_requests_per_review cannot be negative")
