"""Every number the decision policy uses. The defaults are the business's starting point; configuration
overrides them (the composition root builds this from the environment)."""

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class PolicySettings:
    name_match_threshold: float = 85.0
    """0–100. One typo in a first name and surname still passes; "Yılmaz" vs "Yılmazer" (83) does not."""
    name_mismatch_threshold: float = 60.0
    """Below this the name matches nobody on the order; between the two a person looks (partial names)."""
    near_radius_m: float = 250.0
    """A building and its entrance plus GPS drift between Istanbul's tall blocks."""
    far_distance_m: float = 1_000.0
    """Further than a walk to the wrong building: the delivery scan was made somewhere else."""
    gps_accuracy_cap_m: float = 100.0
    """Distance is reduced by the carrier's reported accuracy, but by no more than this: a fix that claims
    500 m accuracy must not make every scan "near"."""
    delivery_time_tolerance: timedelta = timedelta(hours=6)
    """Carrier clocks, batch uploads and a UTC-vs-Istanbul (3 h) stamp differ by hours; a different day is a
    contradiction."""
    high_value_minor: int = 1_000_000
    """10 000 TRY in kuruş: losses a person must weigh; rejecting one needs a signature."""
    third_party_wait: timedelta = timedelta(hours=24)
    """Long enough to ask a neighbour or the doorman after work, short against the 3-business-day promise."""
    abuse_window: timedelta = timedelta(days=180)
    """Half a year: long enough to see a pattern, short enough to forgive an unlucky season."""
    repeat_claims_threshold: int = 3
    """The third non-receipt claim in the window (this one included) is a pattern, not bad luck."""
    soon_after_delivery: timedelta = timedelta(minutes=10)
    """A claim minutes after the scan, before any neighbour could be asked: a signal for a person, not proof."""
    shared_address_accounts: int = 3
    """Three accounts (this one included) disputing deliveries to one address in the window."""
    auto_reject_enabled: bool = False
    """Rejections are decided by a person unless the business explicitly allows automatic ones."""
    auto_resolve_confidence: float = 0.8
    """Below this even an allowed automatic resolution waits for a person: the findings point both ways."""

    def __post_init__(self) -> None:
        if not 0 <= self.name_mismatch_threshold <= self.name_match_threshold <= 100:
            raise ValueError("name thresholds must satisfy 0 <= mismatch <= match <= 100")
        if not 0 <= self.near_radius_m <= self.far_distance_m:
            raise ValueError("distances must satisfy 0 <= near radius <= far distance")
        if self.gps_accuracy_cap_m < 0 or self.high_value_minor < 0:
            raise ValueError("the accuracy cap and the high-value threshold cannot be negative")
        if self.repeat_claims_threshold < 1 or self.shared_address_accounts < 1:
            raise ValueError("claim and account thresholds start at 1")
        if not 0 <= self.auto_resolve_confidence <= 1:
            raise ValueError("auto_resolve_confidence is a share between 0 and 1")
