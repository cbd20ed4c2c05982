"""On the embedded default (mongoeco with the service's engine, `adapters/mongo/engine.py`), what a background pass
costs the database follows the work open and due, not the history: the /metrics storage reading and the claims of
due work (of one, and of a batch) cost SQLite the same work with no closed case stored and with hundreds, none of them
due. The work is counted, not timed: the instructions SQLite's virtual machine runs for the pass."""

import sqlite3
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from mongoeco.wire import AsyncMongoEcoProxyServer

from adapters.memory import FixedClock, InMemoryOrders
from adapters.mongo.client import connect
from adapters.mongo.disputes import MongoDisputes, queue_key
from adapters.mongo.engine import SQLiteEngine
from adapters.mongo.indexes import CARRIER_EVENTS, DISPUTES, ensure_indexes
from adapters.mongo.schedule import MongoSchedule
from adapters.mongo.workload import MongoWorkload
from disputes.ports import Workload
from disputes.rules import Rules
from disputes.service import DisputeService, OpenRequest
from disputes.work import WorkKind
from schemas.common import Resolution
from schemas.dispute import Status
from tests.factories import CUSTOMER, NOW, order, shipment, subjects
from tests.query_plans import CommandRecorder, unindexed

OPEN = 12
CLOSED = 300
LEASE = timedelta(seconds=30)
LATER = NOW + timedelta(days=30)  # every open case's SLA check and opening notice are due by then


class Steps:
    """The instructions SQLite runs on every connection opened from here on (in hundreds)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        connect_sqlite = sqlite3.connect

        def counted(*args: Any, **kwargs: Any) -> sqlite3.Connection:
            conn = connect_sqlite(*args, **kwargs)
            conn.set_progress_handler(self._step, 100)
            return conn

        monkeypatch.setattr(sqlite3, "connect", counted)

    def _step(self) -> int:
        self.count += 1
        return 0

    async def of(self, run: Callable[[], Awaitable[Any]]) -> tuple[int, Any]:
        before = self.count
        answer = await run()
        return self.count - before, answer


def closed_copy(doc: dict[str, Any], n: int) -> dict[str, Any]:
    """A resolved case long closed: nothing due, no message waiting, no lease."""
    copy = {k: v for k, v in doc.items() if k not in ("due", "lease", "outbox", "idempotency")}
    dispute_id = f"dsp_closed{n:05d}"
    return copy | {
        "_id": dispute_id, "status": Status.RESOLVED.value, "shipment_key": f"closed:{n}", "holds_shipment": False,
        "queue_key": queue_key(NOW - timedelta(days=1 + n % 200), dispute_id),
    }


async def passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, closed: int) -> dict[str, tuple[int, Any]]:
    """The work and the answer of each pass over OPEN open cases and `closed` closed ones, each pass run once before
    (the engine's first look at a collection is a one-off) and each claim past the leases the one before took."""
    steps = Steps(monkeypatch)
    audit = CommandRecorder()
    engine = SQLiteEngine(str(tmp_path / f"closed-{closed}.sqlite"))
    async with AsyncMongoEcoProxyServer(engine=engine, host="127.0.0.1", port=0) as server:
        client, filler = connect(server.address.uri, event_listeners=[audit]), connect(server.address.uri)
        db = client["disputes"]
        await ensure_indexes(db)
        orders = InMemoryOrders([order(f"ord-{n}", shipments=[shipment(f"shp-{n}")]) for n in range(OPEN)])
        service = DisputeService(MongoDisputes.in_database(db), orders, FixedClock(NOW), Rules())
        for n in range(OPEN):
            await service.open(CUSTOMER, OpenRequest(f"ord-{n}", f"shp-{n}", "Gelmedi.", Resolution.REFUND), None)
        stored = filler["disputes"][DISPUTES]
        model = await stored.find_one({})
        for first in range(0, closed, 100):
            await stored.insert_many([closed_copy(model, n) for n in range(first, min(closed, first + 100))])
        workload, schedule = MongoWorkload(db[DISPUTES], db[CARRIER_EVENTS]), MongoSchedule(db)
        runs: dict[str, Callable[[int], Awaitable[Any]]] = {
            "metrics reading": lambda k: workload.workload(LATER, timedelta(hours=12)),
            "claim of a batch (SLA check)": lambda k: schedule.claim_due(WorkKind.SLA_CHECK, LATER + k * LEASE, LEASE, OPEN, "w"),
            "claim of a batch (relay)": lambda k: schedule.claim_due(WorkKind.RELAY, LATER + k * LEASE, LEASE, OPEN, "w"),
            "claim of one": lambda k: schedule.claim_due(WorkKind.PULL_EVIDENCE, LATER + k * LEASE, LEASE, 1, "w"),
        }
        for run in runs.values():
            await run(2)
        audit.commands.clear()
        measured = {name: await steps.of(lambda run=run: run(4)) for name, run in runs.items()}  # type: ignore[misc]
        problems = unindexed(audit.commands)
        await client.close()
        await filler.close()
    assert not problems, problems
    return measured


async def test_a_background_pass_costs_the_database_the_same_with_hundreds_of_closed_cases(tmp_path, monkeypatch):
    none, many = await passes(tmp_path, monkeypatch, 0), await passes(tmp_path, monkeypatch, CLOSED)

    reading: Workload = many["metrics reading"][1]
    assert reading == none["metrics reading"][1]
    assert reading.open_by_state[Status.OPENED] == OPEN and Status.RESOLVED not in reading.open_by_state
    assert reading.decision_overdue == OPEN and reading.outbox_pending == OPEN  # past due; one opening notice each
    for name in ("claim of a batch (SLA check)", "claim of a batch (relay)"):
        assert len(subjects(many[name][1])) == len(subjects(none[name][1])) == OPEN, name
    assert len(subjects(many["claim of one"][1])) == 1
    work = {name: (none[name][0], many[name][0]) for name in none}
    # Storing 300 closed cases made the reading 8x the work (46 -> 376 hundred instructions) and a claim of a batch
    # 42 more (539 -> 581): each tested every document of the collection.
    assert all(more - fewer <= max(5, fewer // 50) for fewer, more in work.values()), work
