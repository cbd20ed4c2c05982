"""A case stays within MongoDB's document limit on every store: 16 MiB (manual, "MongoDB Limits and Thresholds",
BSON Document Size), past which MongoDB refuses the update (mongoeco takes it). A proof keeps the latest
`KEPT_EVENTS` of its carrier's scans, so a full case of long scan histories fits; evidence that would pass
`EVIDENCE_BYTES` finds the case full, as an entry past `MAX_EVIDENCE` does, and the case goes on being decided. Staff's
notes and messages are bounded in bytes as stored (`STAFF_WRITING_BYTES`), so a case at every bound at once, of
four-byte characters throughout, still stores its deadline's decision within the limit."""

from datetime import timedelta
from typing import Any, cast

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
from tests.contract.conftest import Cases, Storage
from tests.factories import AGENT, CUSTOMER, NOW, SUPERVISOR

DOCUMENT_LIMIT = 16 * 1024 * 1024
WIDEST = "\N{GRINNING FACE}"
"""A character of four bytes in UTF-8, the most one takes."""
STATEMENT_CHARS = 2000
"""What a customer's statement or message, an agent's contact log and staff's message to the customer hold at most
(`schemas.common.Statement`)."""


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
    assert len(encode(stored.model_dump(mode="json"))) < DOCUMENT_LIMIT
    decided = await cases.change(case.id, lambda d: d.deadline_reached(SYSTEM, d.sla.decision_due))
    assert decided.status is Status.RESOLVED


async def _stored(storage: Storage, dispute_id: str) -> dict[str, Any]:
    """The case as its store holds it."""
    if storage.name == "mongo":
        return cast(dict[str, Any], await storage.disputes.collection.find_one({"_id": dispute_id}))
    return cast(Dispute, await storage.disputes.get(dispute_id)).model_dump(mode="json")


async def test_a_case_at_every_bound_at_once_stays_within_the_document_limit_with_its_deadlines_decision(
    cases: Cases,
) -> None:
    """Evidence at its byte budget; every piece of information, customer message and contact log as long as it may
    be; then staff's messages to the customer (each stored three times: on the timeline and, pending, in its
    notification in both languages), as long as they may be and then as short, until the case takes no more: all in
    four-byte characters. The deadline's decision and its messages still fit: the document the MongoDB adapter writes
    for the case stays within the limit (measured here, not written: the embedded database takes gigabytes of memory
    over a document this large, and a refusal of one too large is the storage edge's, tested with it)."""
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

    full.deadline_reached(SYSTEM, full.sla.decision_due)
    stored = to_doc(full)
    assert stored["status"] == Status.RESOLVED.value
    assert [m for m in stored["outbox"] if m["payload"].get("template") == "decision_made"]
    assert len(encode(stored)) < DOCUMENT_LIMIT
