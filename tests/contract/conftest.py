"""One storage contract, two backends: every test in this folder runs against the in-memory store and against
MongoDB (the session's mongoeco server, a fresh database per test). A fake that behaves differently from
production fails here."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest

from adapters.memory import (
    FixedClock,
    InMemoryDisputes,
    InMemoryEvidenceStore,
    InMemoryOrders,
    InMemoryReports,
    InMemorySchedule,
)
from adapters.mongo.disputes import MongoDisputes
from adapters.mongo.evidence_store import MongoEvidenceStore
from adapters.mongo.indexes import DISPUTES
from adapters.mongo.reports import MongoReports
from adapters.mongo.schedule import MongoSchedule
from disputes.actors import Actor
from disputes.model import Dispute
from disputes.rules import Rules
from disputes.service import DisputeService, OpenRequest
from schemas.common import Resolution, Role
from schemas.dispute import Claim, Evidence, MissingItem
from schemas.orders import Address, OrderItem
from schemas.proof import Attachment, AttachmentKind, ProofOfDelivery, ProofSource, ProofStatus
from tests.factories import BOXED, NOW, order, shipment
from tests.conftest import tier_database  # noqa: F401  (this tier's own stand-in database server)

HOME = Address(line="Bağdat Cad. No:12 D:4", district="Kadıköy", city="İstanbul", lat=40.9819, lon=29.0576)


@dataclass(frozen=True)
class Storage:
    """What one backend offers the service: the disputes (repository, outbox, history), what carriers sent, the
    reports over the disputes, and the schedule of due work (claims and leases)."""

    name: str
    disputes: Any
    evidence: Any
    reports: Any
    schedule: Any


@pytest.fixture(params=["memory", "mongo"])
def storage(request: pytest.FixtureRequest) -> Storage:
    if request.param == "memory":
        disputes, evidence = InMemoryDisputes(), InMemoryEvidenceStore()
        return Storage("memory", disputes, evidence, InMemoryReports(disputes), InMemorySchedule(disputes, evidence))
    db = request.getfixturevalue("mongo_db")
    disputes = MongoDisputes.in_database(db)
    schedule = MongoSchedule(db, disputes.stored)
    return Storage("mongo", disputes, MongoEvidenceStore(db), MongoReports(db[DISPUTES]), schedule)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


class _Drafts:
    """Takes what the service would store and keeps nothing, so a test holds a dispute not yet stored."""

    async def add(self, dispute: Dispute, now: datetime) -> None:
        return None

    async def find_by_idempotency_key(self, key: str, now: datetime) -> None:
        return None


@dataclass
class Cases:
    """Disputes as the service builds them, each on its own order and shipment unless told otherwise."""

    storage: Storage
    clock: FixedClock
    orders: InMemoryOrders = field(default_factory=InMemoryOrders)
    numbered: int = 100  # the numbers up to here are left to tests that name their shipments

    async def draft(
        self,
        number: int | None = None,
        *,
        customer: str = "cust-1",
        carrier: str = "yurtici",
        key: str | None = None,
        address: Address = HOME,
        missing: tuple[MissingItem, ...] = (),
        currency: str = "TRY",
        items: list[OrderItem] | None = None,
    ) -> Dispute:
        """A new dispute, not yet stored; `number` names its order and shipment (ord-N, shp-N, TRKSHPN). With
        `missing`, a claim of those lines missing from a package of several (`BOXED`); with `items`, a package of
        those lines."""
        number = self.number() if number is None else number
        shipped = shipment(f"shp-{number}", carrier=carrier, items=BOXED if missing else items)
        placed = order(f"ord-{number}", customer, [shipped]).model_copy(update={"address": address, "currency": currency})
        self.orders.orders[placed.order_id] = placed
        service = DisputeService(_Drafts(), self.orders, self.clock, Rules())
        request = OpenRequest(
            placed.order_id, None, "Teslim görünüyor ama gelmedi.", Resolution.REFUND,
            claim=Claim.MISSING_ITEMS if missing else Claim.NOT_RECEIVED, missing_items=missing,
        )
        return (await service.open(Actor(customer, Role.CUSTOMER, customer), request, key)).dispute

    def number(self) -> int:
        """A number no earlier call gave."""
        self.numbered += 1
        return self.numbered

    async def open(self, number: int | None = None, **options: Any) -> Dispute:
        """A new dispute, stored."""
        dispute = await self.draft(number, **options)
        await self.storage.disputes.add(dispute, self.clock.now())
        return dispute

    async def change(self, dispute_id: str, change: Callable[[Dispute], object]) -> Dispute:
        """Read the dispute, apply `change` to it and save it; the stored result."""
        read = await self.storage.disputes.get(dispute_id)
        change(read)
        await self.storage.disputes.save(read)
        stored: Dispute = await self.storage.disputes.get(dispute_id)
        return stored


@pytest.fixture
def cases(storage: Storage, clock: FixedClock) -> Cases:
    return Cases(storage, clock)


def pushed(key: str, tracking_number: str = "TRKSHP1", carrier: str = "yurtici", at: datetime = NOW) -> Evidence:
    """A delivery proof a carrier pushed, with its signature image by reference."""
    proof = ProofOfDelivery(
        carrier=carrier,
        tracking_number=tracking_number,
        status=ProofStatus.DELIVERED,
        delivered_at=NOW - timedelta(days=2),
        signature=Attachment(kind=AttachmentKind.SIGNATURE, url="https://pod.example/sig/1"),
        source=ProofSource.PUSH,
        received_at=at,
    )
    return Evidence(key=key, proof=proof)
