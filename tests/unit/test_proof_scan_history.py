"""A proof keeps the latest `KEPT_EVENTS` scans of its carrier's history, in time order, however it is built (read
from a reply, or assembled by a mapping from values it checked), so a case full of proofs stays within MongoDB's
16 MiB document limit (manual, "MongoDB Limits and Thresholds")."""

from datetime import UTC, datetime, timedelta

from schemas.proof import KEPT_EVENTS, ProofOfDelivery, ProofSource, ProofStatus, TrackingEvent

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def _history(count: int) -> list[TrackingEvent]:
    return [TrackingEvent(at=START + timedelta(hours=i), code=f"S{i}") for i in range(count)]


def _fields(events: list[TrackingEvent]) -> dict[str, object]:
    return {"carrier": "ptt", "tracking_number": "KP123", "status": ProofStatus.IN_TRANSIT,
            "source": ProofSource.PULL, "received_at": START, "events": tuple(events)}


def test_a_long_scan_history_keeps_its_latest_scans_in_time_order() -> None:
    history = _history(KEPT_EVENTS + 50)
    shuffled = history[::2] + history[1::2]
    for proof in (ProofOfDelivery(**_fields(shuffled)), ProofOfDelivery.of_checked(**_fields(shuffled))):
        assert [e.code for e in proof.events] == [f"S{i}" for i in range(50, KEPT_EVENTS + 50)]


def test_a_history_within_the_bound_is_kept_as_it_came() -> None:
    history = _history(KEPT_EVENTS)[::-1]
    assert ProofOfDelivery(**_fields(history)).events == tuple(history)
