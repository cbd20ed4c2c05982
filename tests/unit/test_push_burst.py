"""A burst of pushed events for one parcel: attached to its case in one save per pass, not one per event, so the
events of another parcel are not held up behind them; and the case keeps no more carrier evidence than its bound."""

import asyncio
from datetime import timedelta

import pytest

from adapters.memory import InMemoryDisputes, InMemoryEvidenceStore, InMemoryOrders, InMemorySchedule
from disputes.actors import SYSTEM
from disputes.evidence import PushAttacher
from disputes.model import MAX_EVIDENCE, MAX_REPLACED, Dispute
from disputes.policy.reading import read_proof
from disputes.policy.settings import PolicySettings
from disputes.service import DisputeService
from disputes.work import WorkKind
from schemas.dispute import Evidence
from schemas.proof import ProofStatus, TrackingEvent
from tests.bursts import LONG_TEXT, attach_pass, open_both, scan, two_parcels
from tests.factories import NOW


class Counted(InMemoryDisputes):
    """The in-memory disputes, counting the saves of each case."""

    def __init__(self) -> None:
        super().__init__()
        self.saves: dict[str, int] = {}

    async def save(self, dispute, ending=None, taking=None):
        self.saves[dispute.id] = self.saves.get(dispute.id, 0) + 1
        await super().save(dispute, ending, taking)


@pytest.fixture
def repository() -> Counted:
    return Counted()


@pytest.fixture
def orders() -> InMemoryOrders:
    return InMemoryOrders([two_parcels()])


@pytest.fixture
async def two_cases(service: DisputeService) -> tuple[str, str]:
    return await open_both(service)


async def test_a_burst_for_one_parcel_is_attached_in_one_save_and_the_other_parcels_event_comes_next(
    service: DisputeService, repository: Counted, pushed: InMemoryEvidenceStore, schedule: InMemorySchedule,
    two_cases: tuple[str, str],
) -> None:
    case_a, case_b = two_cases
    before = {case: repository.saves.get(case, 0) for case in two_cases}
    for number in range(60):
        await pushed.record(scan(f"a-{number}", "TRKSHPA", seconds=number / 100), NOW + timedelta(seconds=number / 100))
    await pushed.record(scan("b-1", "TRKSHPB", ProofStatus.DELIVERED, seconds=1), NOW + timedelta(seconds=1))
    attacher = PushAttacher(service, repository, pushed, batch=50)

    passes = []
    while "push:surat:b-1" not in {e.key for e in repository.docs[case_b].evidence} and len(passes) < 5:
        passes.append(await attach_pass(attacher, schedule, NOW + timedelta(seconds=2)))

    assert len(passes) == 2  # the first pass's claims are all parcel A's (the oldest); the second finds B's
    assert repository.saves[case_a] - before[case_a] == 1  # the whole burst, in one compare-and-set
    assert repository.saves[case_b] - before[case_b] == 1
    assert len(repository.docs[case_a].evidence) == 60
    assert await attach_pass(attacher, schedule, NOW + timedelta(seconds=3)) == []  # nothing left waiting


class Answering(InMemoryEvidenceStore):
    """The in-memory events, answering a read of the waiting ones a turn of the event loop later (as a database
    does), and counting what those reads gave."""

    def __init__(self) -> None:
        super().__init__()
        self.read = 0

    async def waiting(self, key: str) -> Evidence | None:
        found = await super().waiting(key)
        self.read += found is not None
        await asyncio.sleep(0)  # the answer arrives after the other places have asked
        return found

    async def waiting_with(self, event: Evidence, limit: int) -> list[Evidence]:
        found = await super().waiting_with(event, limit)
        self.read += len(found)
        await asyncio.sleep(0)
        return found


async def test_the_places_that_claimed_a_bursts_events_leave_reading_it_and_its_case_to_the_first(
    service: DisputeService, repository: Counted, two_cases: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pushed = Answering()
    for number in range(60):
        await pushed.record(scan(f"a-{number}", "TRKSHPA", seconds=number / 100), NOW + timedelta(seconds=number / 100))
    case_reads = []
    get = repository.get

    async def counted_get(dispute_id: str, owner: str | None = None) -> Dispute:
        case_reads.append(dispute_id)
        return await get(dispute_id, owner)

    monkeypatch.setattr(repository, "get", counted_get)
    attacher = PushAttacher(service, repository, pushed, batch=50)

    assert len(await attach_pass(attacher, InMemorySchedule(repository, pushed), NOW + timedelta(seconds=2))) == 50

    assert len(repository.docs[two_cases[0]].evidence) == 60 and pushed.due[WorkKind.ATTACH_PUSHED] == {}
    assert case_reads == [two_cases[0]]  # the first place's; the others found their events attached
    assert pushed.read == 50 + 60  # each place's own event, then the whole burst once (before: 50 times 60)


async def test_a_burst_beyond_the_bound_leaves_the_case_at_the_bound_says_so_once_and_nothing_waits(
    service: DisputeService, repository: Counted, pushed: InMemoryEvidenceStore, schedule: InMemorySchedule,
    two_cases: tuple[str, str],
) -> None:
    case_a, _ = two_cases
    burst = MAX_EVIDENCE + 50
    for number in range(burst):
        await pushed.record(scan(f"a-{number}", "TRKSHPA", seconds=number / 1000), NOW + timedelta(seconds=number / 1000))
    attacher = PushAttacher(service, repository, pushed, batch=50)

    for _ in range(3):  # each pass's first place takes the next `MAX_EVIDENCE` waiting
        await attach_pass(attacher, schedule, NOW + timedelta(seconds=2))

    case = repository.docs[case_a]
    assert [e.key for e in case.evidence] == [f"push:surat:a-{number}" for number in range(MAX_EVIDENCE)]
    assert [entry.details for entry in case.timeline if entry.action == "evidence_limit_reached"] == [
        {"limit": MAX_EVIDENCE}
    ]
    assert len(pushed.events) == burst and pushed.due[WorkKind.ATTACH_PUSHED] == {}  # kept as receipts, none waiting

    await pushed.record(scan("a-proof", "TRKSHPA", ProofStatus.DELIVERED, seconds=9), NOW + timedelta(seconds=9))
    await attach_pass(attacher, schedule, NOW + timedelta(seconds=10))

    case = repository.docs[case_a]
    assert len(case.evidence) == MAX_EVIDENCE and case.has_delivery_proof
    assert case.evidence[0].key == "push:surat:a-1" and case.evidence[-1].key == "push:surat:a-proof"
    assert case.timeline[-1].action == "evidence_received" and case.timeline[-1].details["replaced"] == "push:surat:a-0"


async def test_a_case_full_of_proofs_takes_a_newer_one_in_place_of_the_oldest_and_the_policy_reads_the_newest(
    service: DisputeService, two_cases: tuple[str, str]
) -> None:
    case = await service.get(SYSTEM, two_cases[0])
    for number in range(MAX_EVIDENCE):
        assert case.attach_evidence(SYSTEM, scan(f"p-{number}", "TRKSHPA", ProofStatus.DELIVERED, number), NOW)
    newest = scan("p-newest", "TRKSHPA", ProofStatus.DELIVERED, seconds=MAX_EVIDENCE)

    assert case.attach_evidence(SYSTEM, newest, NOW)
    assert case.attach_evidence(SYSTEM, scan("s-late", "TRKSHPA", seconds=MAX_EVIDENCE + 1), NOW)  # said on the timeline
    assert not case.attach_evidence(SYSTEM, scan("s-later", "TRKSHPA", seconds=MAX_EVIDENCE + 2), NOW)  # once

    assert [entry.action for entry in case.timeline[-2:]] == ["evidence_received", "evidence_limit_reached"]
    assert len(case.evidence) == MAX_EVIDENCE and "push:surat:p-0" not in {e.key for e in case.evidence}
    reading = read_proof(case, PolicySettings())
    assert reading is not None and reading.evidence.key == newest.key


async def test_the_entries_a_full_case_drops_leave_it_the_copies_no_other_entry_cites_due_for_deletion_at_once(
    service: DisputeService, two_cases: tuple[str, str]
) -> None:
    case = await service.get(SYSTEM, two_cases[0])
    own, shared = "raw_" + "0" * 40, "raw_" + "1" * 40

    def replied(key: str, raw_ref: str) -> Evidence:
        """A scan that came in the carrier's reply stored as `raw_ref`."""
        evidence = scan(key, "TRKSHPA")
        return evidence.model_copy(update={"proof": evidence.proof.model_copy(update={"raw_ref": raw_ref})})

    case.attach_all_evidence(SYSTEM, [replied("s-0", own), replied("s-1", shared), replied("s-2", shared)], NOW)
    for number in range(3, MAX_EVIDENCE):
        assert case.attach_evidence(SYSTEM, scan(f"s-{number}", "TRKSHPA", seconds=number), NOW)
    keep, later = timedelta(days=365), NOW + timedelta(days=2)
    assert case.copies_to_delete == [] and case.retention_due(keep) is None

    assert case.attach_evidence(SYSTEM, scan("p-1", "TRKSHPA", ProofStatus.DELIVERED, seconds=500), later)
    assert case.attach_evidence(SYSTEM, scan("p-2", "TRKSHPA", ProofStatus.DELIVERED, seconds=501), later)

    assert case.evidence[0].key == "push:surat:s-2"  # s-0 and s-1 dropped
    assert case.copies_to_delete == [own], "s-2 still cites the reply s-1 came in"
    assert case.retention_due(keep) == later
    assert own not in str([entry.details for entry in case.timeline])


async def test_a_full_case_takes_newer_proofs_in_place_of_older_ones_a_bounded_number_of_times(
    service: DisputeService, two_cases: tuple[str, str]
) -> None:
    case = await service.get(SYSTEM, two_cases[0])
    for number in range(MAX_EVIDENCE):
        assert case.attach_evidence(SYSTEM, scan(f"p-{number}", "TRKSHPA", ProofStatus.DELIVERED, number), NOW)
    for number in range(MAX_EVIDENCE, MAX_EVIDENCE + MAX_REPLACED):
        assert case.attach_evidence(SYSTEM, scan(f"p-{number}", "TRKSHPA", ProofStatus.DELIVERED, number), NOW)
    entries = len(case.timeline)

    assert case.attach_evidence(SYSTEM, scan("p-one-too-many", "TRKSHPA", ProofStatus.DELIVERED, 10_000), NOW)
    assert not case.attach_evidence(SYSTEM, scan("p-and-another", "TRKSHPA", ProofStatus.DELIVERED, 10_001), NOW)

    assert [entry.action for entry in case.timeline[entries:]] == ["evidence_limit_reached"]
    assert case.evidence[-1].key == f"push:surat:p-{MAX_EVIDENCE + MAX_REPLACED - 1}" and len(case.evidence) == MAX_EVIDENCE


class _Serializer:
    """The evidence's own serializer, counting the entries it writes as JSON."""

    def __init__(self) -> None:
        self.serializer = Evidence.__pydantic_serializer__
        self.written = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.serializer, name)

    def to_json(self, *args: object, **options: object) -> bytes:
        self.written += 1
        return self.serializer.to_json(*args, **options)


async def test_a_change_attaching_many_entries_measures_each_held_and_each_new_entry_once(
    service: DisputeService, two_cases: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A case holding 150 entries takes 50 more scans, then 50 proofs each in a scan's place, in one change. Measured
    again for each new entry, the case's evidence was written as JSON some 20,000 times, seconds of work in one save."""
    case = await service.get(SYSTEM, two_cases[0])
    held = MAX_EVIDENCE - 50
    case.attach_all_evidence(SYSTEM, [scan(f"s-{n}", "TRKSHPA", seconds=n) for n in range(held)], NOW)
    entries = [scan(f"s-{n}", "TRKSHPA", seconds=n) for n in range(held, MAX_EVIDENCE)]
    entries += [scan(f"p-{n}", "TRKSHPA", ProofStatus.DELIVERED, seconds=MAX_EVIDENCE + n) for n in range(50)]
    serializer = _Serializer()
    monkeypatch.setattr(Evidence, "__pydantic_serializer__", serializer)

    assert case.attach_all_evidence(SYSTEM, entries, NOW)

    assert len(case.evidence) == MAX_EVIDENCE and case.evidence[0].key == "push:surat:s-50"
    assert serializer.written <= held + len(entries)


async def test_entries_attached_in_one_change_are_taken_as_one_at_a_time_would_take_them_at_the_byte_budget(
    service: DisputeService, two_cases: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With room for ten proofs' bytes: a scan and nine proofs fill it, the tenth proof takes the scan's place and the
    next two the oldest proofs'; a scan, and a proof too long to take a place, find the case full (said once)."""
    case = await service.get(SYSTEM, two_cases[0])
    proofs = [scan(f"p-{n}", "TRKSHPA", ProofStatus.DELIVERED, seconds=n) for n in range(10, 22)]
    long = scan("p-long", "TRKSHPA", ProofStatus.DELIVERED, seconds=30)
    history = tuple(TrackingEvent(at=NOW, code="TRANSFER", description=LONG_TEXT) for _ in range(5))
    long = long.model_copy(update={"proof": long.proof.model_copy(update={"events": history})})
    entries = [scan("s-0", "TRKSHPA"), *proofs, scan("s-1", "TRKSHPA", seconds=30), long]
    monkeypatch.setattr("disputes.model.EVIDENCE_BYTES", 10 * len(proofs[0].model_dump_json().encode()))
    one_at_a_time = case.model_copy(deep=True)

    assert case.attach_all_evidence(SYSTEM, entries, NOW)
    for entry in entries:
        one_at_a_time.attach_evidence(SYSTEM, entry, NOW)

    assert [e.key for e in case.evidence] == [proof.key for proof in proofs[2:]]
    replaced = [entry.details.get("replaced") for entry in case.timeline if entry.action == "evidence_received"]
    assert replaced[-3:] == ["push:surat:s-0", "push:surat:p-10", "push:surat:p-11"]
    assert [entry.action for entry in case.timeline].count("evidence_limit_reached") == 1
    assert case.model_dump() == one_at_a_time.model_dump()
