"""A case stays within MongoDB's document limit on every store: 16 MiB (manual, "MongoDB Limits and Thresholds",
BSON Document Size), past which MongoDB refuses the update (mongoeco takes it). A proof keeps the latest
`KEPT_EVENTS` of its carrier's scans, so a full case of long scan histories fits; evidence that would pass
`EVIDENCE_BYTES` finds the case full, as an entry past `MAX_EVIDENCE` does, and the case goes on being decided."""

from datetime import timedelta

from bson import encode

from disputes.actors import SYSTEM
from disputes.model import EVIDENCE_BYTES, MAX_EVIDENCE
from schemas.dispute import Evidence, Status
from schemas.proof import KEPT_EVENTS, ProofOfDelivery, ProofSource, ProofStatus, TrackingEvent
from tests.contract.conftest import Cases
from tests.factories import NOW


def _scans(n: int, events: int, description: str, place: str) -> Evidence:
    """A pulled in-transit reply holding the parcel's scan history: `events` scans, half an hour apart."""
    history = tuple(
        TrackingEvent(at=NOW - timedelta(days=30) + timedelta(minutes=30 * i), code="TRANSFER",
                      description=f"{description} {i}", location_text=place)
        for i in range(events)
    )
    proof = ProofOfDelivery(carrier="yurtici", tracking_number="TRKSHP1", status=ProofStatus.IN_TRANSIT,
                            source=ProofSource.PULL, received_at=NOW + timedelta(minutes=n), events=history)
    return Evidence(key=f"pull-{n}", proof=proof)


async def test_a_full_case_of_long_scan_histories_is_stored_with_each_proofs_latest_scans(cases: Cases) -> None:
    """200 pulled replies of 600 scans each: about 23 MiB in BSON if every scan were kept."""
    case = await cases.open(1)
    entries = [_scans(n, 600, "Gönderi transfer merkezinden çıkış yaptı / Shipment departed transfer hub",
                      "İSTANBUL AVRUPA TRANSFER MERKEZİ") for n in range(MAX_EVIDENCE)]
    stored = await cases.change(case.id, lambda d: d.attach_all_evidence(SYSTEM, entries, NOW))

    assert stored.version == 2 and len(stored.evidence) == MAX_EVIDENCE
    kept = stored.evidence[-1].proof.events
    assert len(kept) == KEPT_EVENTS and kept[-1].description.endswith(" 599") and kept[0].description.endswith(" 500")


async def test_evidence_past_its_byte_budget_finds_the_case_full_and_the_case_is_still_stored_and_decided(
    cases: Cases,
) -> None:
    """Scans whose words fill every field (500 characters of two-byte letters): about 210 KB a proof, so 80 of them
    would pass MongoDB's limit (and the service refused the deadline's decision on such a case, for ever)."""
    case = await cases.open(1)
    entries = [_scans(n, KEPT_EVENTS, "ş" * 490, "ğ" * 500) for n in range(80)]
    stored = await cases.change(case.id, lambda d: d.attach_all_evidence(SYSTEM, entries, NOW))

    held = sum(len(e.model_dump_json().encode()) for e in stored.evidence)
    assert 0 < len(stored.evidence) < 80 and EVIDENCE_BYTES - 250_000 < held <= EVIDENCE_BYTES
    assert [e.action for e in stored.timeline].count("evidence_limit_reached") == 1
    assert len(encode(stored.model_dump(mode="json"))) < 16 * 1024 * 1024
    decided = await cases.change(case.id, lambda d: d.deadline_reached(SYSTEM, d.sla.decision_due))
    assert decided.status is Status.RESOLVED
