"""A case stays within MongoDB's document limit on every store: 16 MiB (manual, "MongoDB Limits and Thresholds",
BSON Document Size), past which MongoDB refuses the update (mongoeco takes it). A proof keeps the latest
`KEPT_EVENTS` of its carrier's scans, so a full case of long scan histories fits; evidence that would pass
`EVIDENCE_BYTES` finds the case full, as an entry past `MAX_EVIDENCE` does, and the case goes on being decided. Staff's
notes and messages are bounded in bytes as stored (`STAFF_WRITING_BYTES`), so a case at every bound at once, of
four-byte characters throughout, still stores its deadline's decision within the limit.

Each case here is measured as the document the MongoDB adapter writes for it, not written: the embedded database takes
gigabytes of memory over documents this large, and takes them past the limit all the same, and a save MongoDB refuses
as too large is the storage edge's (`tests/unit/test_storage_document_limit.py`). The document is the same whichever
store runs the contract, so each test runs once."""

from datetime import timedelta

import pytest
from bson import encode

from adapters.mongo.disputes import to_doc
from disputes.actors import SYSTEM
from disputes.calendar import BusinessCalendar
from disputes.errors import CaseFull, TooManySubmissions
from disputes.model import (
    EVIDENCE_BYTES, MAX_CONTACT_LOGS, MAX_EVIDENCE, MAX_MESSAGES, MAX_STAFF_WRITINGS, MAX_SUBMISSIONS, Dispute,
)
from schemas.dispute import Evidence, Status
from schemas.proof import KEPT_EVENTS, ProofOfDelivery, ProofSource, ProofStatus, TrackingEvent
from tests.contract.conftest import Cases
from tests.factories import AGENT, CUSTOMER, NOW, SUPERVISOR

DOCUMENT_LIMIT = 16 * 1024 * 1024
WIDEST = "\N{GRINNING FACE}"
"""A character of four bytes in UTF-8, the most one takes."""
STATEMENT_CHARS = 2000
"""What a customer's statement or message, an agent's contact log and staff's message to the customer hold at most
(`schemas.common.Statement`)."""
MEASURED = pytest.mark.parametrize("storage", ["memory"], indirect=True)
"""A test that measures a case and stores it nowhere runs once: the in-memory store it is given goes unused."""


def _written(dispute: Dispute) -> int:
    """The bytes of BSON the MongoDB adapter writes for the case (its schedule's few dates aside)."""
    return len(encode(to_doc(dispute)))


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


@MEASURED
async def test_a_full_case_of_long_scan_histories_fits_the_document_limit_with_each_proofs_latest_scans(
    cases: Cases,
) -> None:
    """200 pulled replies of 600 scans each: about 23 MiB in BSON if every scan were kept."""
    full = await cases.draft(1)
    entries = [_scans(n, 600, "Gönderi transfer merkezinden çıkış yaptı / Shipment departed transfer hub",
                      "İSTANBUL AVRUPA TRANSFER MERKEZİ") for n in range(MAX_EVIDENCE)]
    assert full.attach_all_evidence(SYSTEM, entries, NOW)

    assert len(full.evidence) == MAX_EVIDENCE
    kept = full.evidence[-1].proof.events
    assert len(kept) == KEPT_EVENTS and kept[-1].description.endswith(" 599") and kept[0].description.endswith(" 500")
    assert _written(full) < DOCUMENT_LIMIT


@MEASURED
async def test_evidence_past_its_byte_budget_finds_the_case_full_and_the_case_still_fits_with_its_deadlines_decision(
    cases: Cases,
) -> None:
    """Scans whose words fill every field (500 characters of two-byte letters): about 210 KB a proof, so 80 of them
    would pass MongoDB's limit (and the service refused the deadline's decision on such a case, for ever)."""
    case = await cases.draft(1)
    entries = [_scans(n, KEPT_EVENTS, "ş" * 490, "ğ" * 500) for n in range(80)]
    assert case.attach_all_evidence(SYSTEM, entries, NOW)

    held = sum(len(e.model_dump_json().encode()) for e in case.evidence)
    assert 0 < len(case.evidence) < 80 and EVIDENCE_BYTES - 250_000 < held <= EVIDENCE_BYTES
    assert [e.action for e in case.timeline].count("evidence_limit_reached") == 1
    assert _written(case) < DOCUMENT_LIMIT
    case.deadline_reached(SYSTEM, case.sla.decision_due)
    assert case.status is Status.RESOLVED
    assert _written(case) < DOCUMENT_LIMIT


@MEASURED
async def test_a_case_at_every_bound_at_once_stays_within_the_document_limit_with_its_deadlines_decision(
    cases: Cases,
) -> None:
    """Evidence at its byte budget; every piece of information, customer message and contact log as long as it may
    be; then staff's messages to the customer (each stored three times: on the timeline and, pending, in its
    notification in both languages), as long as they may be and then as short, until the case takes no more: all in
    four-byte characters. A writing refused then changes nothing, and the deadline's decision and its messages still
    fit: the document the MongoDB adapter writes for the case stays within the limit."""
    calendar, before = BusinessCalendar(), timedelta(hours=4)
    said = WIDEST * (STATEMENT_CHARS - 4)
    full = await cases.draft(1)
    full.attach_all_evidence(SYSTEM, [_scans(n, KEPT_EVENTS, "ş" * 490, "ğ" * 500) for n in range(80)], NOW)
    for n in range(MAX_SUBMISSIONS):
        full.add_information(CUSTOMER, f"{n:04}{said}", (), NOW, before, calendar)
    for n in range(MAX_MESSAGES):
        full.add_customer_message(CUSTOMER, f"{n:04}{said}", NOW, before, calendar)
    for n in range(MAX_CONTACT_LOGS):
        full.log_contact(AGENT, f"{n:04}{said}", NOW)
    refused: list[type[Exception]] = []
    for text in (WIDEST * STATEMENT_CHARS, WIDEST):
        try:
            for _ in range(MAX_STAFF_WRITINGS):
                full.message_customer(SUPERVISOR, text, NOW)
        except (CaseFull, TooManySubmissions) as refusal:
            refused.append(type(refusal))
    assert refused[0] is CaseFull
    as_it_was = to_doc(full)
    with pytest.raises((CaseFull, TooManySubmissions)):
        full.message_customer(SUPERVISOR, WIDEST * STATEMENT_CHARS, NOW)
    assert to_doc(full) == as_it_was

    full.deadline_reached(SYSTEM, full.sla.decision_due)
    stored = to_doc(full)
    assert stored["status"] == Status.RESOLVED.value
    assert [m for m in stored["outbox"] if m["payload"].get("template") == "decision_made"]
    assert len(encode(stored)) < DOCUMENT_LIMIT
