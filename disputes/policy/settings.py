"""Every number the decision policy uses. The defaults are the business's starting point; configuration
overrides them (the composition root builds this from the environment). Each number's docstring is its reason,
and is what the settings documentation says about it."""

from datetime import timedelta

from pydantic import ConfigDict
from pydantic.dataclasses import dataclass


LONGER_THAN_ZERO = ("delivery_time_tolerance", "abuse_window", "restriction_review")
"""The durations zero makes no sense for: every carrier time would contradict the order's to the microsecond, no
earlier claim would be counted, a restriction would be lifted as it is raised. The others may be zero (no wait
for a third party, no "soon after delivery" signal); none may be negative."""

NOT_NEGATIVE = ("name_mismatch_threshold", "near_radius_m", "point_far_distance_m", "gps_accuracy_cap_m",
                "high_value_minor", "weight_tolerance_grams")
"""The numbers (other than durations and shares) below zero makes no sense for: a distance, a threshold, a count."""


@dataclass(frozen=True, slots=True, config=ConfigDict(use_attribute_docstrings=True))
class PolicySettings:
    name_match_threshold: float = 85.0
    """Name similarity (0–100) from which the receiver is a person on the order. One typo in a first name and
    surname still passes; "Yılmaz" vs "Yılmazer" (83) does not."""
    name_mismatch_threshold: float = 60.0
    """Name similarity (0–100) below which the receiver is nobody on the order; between the two a person looks
    (partial names)."""
    near_radius_m: float = 250.0
    """A delivery scan this close to the address is at the address: a building and its entrance plus GPS drift
    between Istanbul's tall blocks."""
    far_distance_m: float = 1_000.0
    """A delivery scan further than this from the address was made somewhere else: further than a walk to the
    wrong building."""
    point_far_distance_m: float = 5_000.0
    """A parcel locker or pickup point further than this from the address (or than the far distance, if that is
    further) is not one the customer would use: they serve a neighbourhood (a walk, or a short drive to a shopping
    centre), not another district."""
    gps_accuracy_cap_m: float = 100.0
    """Most a scan's distance is reduced by the carrier's reported GPS accuracy: a fix that claims 500 m accuracy
    must not make every scan "near"."""
    delivery_time_tolerance: timedelta = timedelta(hours=6)
    """How far the carrier's delivery time may be from the one the order knows before they contradict: carrier
    clocks, batch uploads and a UTC-vs-Istanbul (3 h) stamp differ by hours; a different day is a contradiction."""
    high_value_minor: int = 1_000_000
    """Order value (in kuruş; 10 000 TRY) from which a person decides and rejecting needs a signature: losses a
    person must weigh."""
    third_party_wait: timedelta = timedelta(hours=24)
    """How long a customer whose parcel went to a neighbour, doorman or locker gets to check before a person
    reviews, from when they can first be told (the opening, for a hand-over the carrier reported before it): long
    enough to ask after work, short against the 3-business-day promise."""
    third_party_review_time: timedelta = timedelta(hours=12)
    """How long before the decision deadline a customer's time to check with a third party ends at the latest (a
    hand-over reported late gets less than `third_party_wait`, or none), so a person weighs what they found before
    the deadline resolves the case for them. Shorter than a day for each business day to an accessible decision,
    the shortest decision deadline: longer, a customer would get no time to check."""
    abuse_window: timedelta = timedelta(days=180)
    """How far back a customer's claims and an address's accounts are counted for abuse signals: long enough to
    see a pattern, short enough to forgive an unlucky season."""
    repeat_claims_threshold: int = 3
    """Shipments a customer claimed in the abuse window (this one included) that make a pattern, not bad luck: every
    kind of claim that something ordered did not arrive (the parcel, items from it, digital goods); a shipment
    claimed more than once counts once, a claim the customer withdrew not at all."""
    soon_after_delivery: timedelta = timedelta(minutes=10)
    """A claim this soon after the delivery scan, before any neighbour could be asked, is a signal for a person,
    not proof."""
    shared_address_accounts: int = 3
    """Accounts (this one included) disputing deliveries to one address in the abuse window that make a signal."""
    restriction_review: timedelta = timedelta(hours=72)
    """How long a supervisor has to confirm an account restriction that abuse signals raised; unconfirmed by
    then, it is lifted and the customer told: order blocks of 24–72 hours are the marketplace's practice."""
    weight_tolerance_grams: int = 150
    """How far the carrier's weight may be from the declared one before a missing-item claim reads as packed short:
    two scales, tape and filler; lighter than a phone, heavier than a letter."""
    weight_tolerance_share: float = 0.05
    """The same as a share of the declared weight, for heavy packages (the larger of the two applies): carriers
    round to 0.1–0.5 kg."""
    auto_reject_enabled: bool = False
    """Let the policy reject on strong proof without a person; off, rejections are decided by a person."""
    auto_resolve_confidence: float = 0.8
    """Confidence (0–1) below which even an allowed automatic resolution waits for a person: the findings point
    both ways."""

    def __post_init__(self) -> None:
        """Each refusal names the field it is about (the settings say it by its variable)."""
        for field in NOT_NEGATIVE:
            if getattr(self, field) < 0:
                raise ValueError(f"{field} cannot be negative")
        for field in ("repeat_claims_threshold", "shared_address_accounts"):
            if getattr(self, field) < 1:
                raise ValueError(f"{field} must be at least 1")
        if self.name_mismatch_threshold > self.name_match_threshold:
            raise ValueError("name_mismatch_threshold cannot be above name_match_threshold")
        if self.name_match_threshold > 100:
            raise ValueError("name_match_threshold is a similarity between 0 and 100")
        if self.near_radius_m > self.far_distance_m:
            raise ValueError("near_radius_m cannot be beyond far_distance_m")
        for field in ("weight_tolerance_share", "auto_resolve_confidence"):
            if not 0 <= getattr(self, field) <= 1:
                raise ValueError(f"{field} is a share between 0 and 1")
        for field in self.__dataclass_fields__:
            if isinstance(value := getattr(self, field), timedelta) and value < timedelta(0):
                raise ValueError(f"{field} cannot be negative")
        for field in LONGER_THAN_ZERO:
            if getattr(self, field) == timedelta(0):
                raise ValueError(f"{field} must be longer than zero")
