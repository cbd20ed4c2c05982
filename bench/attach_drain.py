"""The push attacher draining pushed events on the embedded default: storage calls and database commands per
event, the database's CPU and the wall time.

    .venv/bin/python -m bench.attach_drain [--events 1000] [--disputed 20] [--before DIR] [--rounds 2]

Each drain runs in a process of its own on a fresh mongoeco server (`EmbeddedMongo` on a temporary data directory,
as the tests start it): `--events` events are recorded as one push records them, each on a shipment of its own
(as a DHL push of many shipments), `--disputed` of those shipments with an open dispute; then one worker's
`DueWork` loop runs the `PushAttacher` until nothing is due. Every call the loop, the attacher and the service make
to storage is counted, and every command sent to the database; the database's CPU is read from /proc, so other load
on the machine does not inflate it as it does the wall time. With `--before DIR` (a checkout of earlier code), drains
of that code and of this one alternate, `--rounds` times each, and the wall time and the database's CPU are given as
ratios to the earlier code's in the same run.
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from pymongo import monitoring

HERE = Path(__file__).resolve().parent.parent


class Counting:
    """Stands in for a storage object, counting each call of its methods under `name.method`."""

    def __init__(self, inner: Any, name: str, calls: Counter[str]) -> None:
        self._inner, self._name, self._calls = inner, name, calls

    def __getattr__(self, attribute: str) -> Any:
        value = getattr(self._inner, attribute)
        if not callable(value) or attribute.startswith("_"):
            return value

        def counted(*args: Any, **kwargs: Any) -> Any:
            self._calls[f"{self._name}.{attribute}"] += 1
            return value(*args, **kwargs)

        return counted


class Commands(monitoring.CommandListener):
    """The database commands sent, by name."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.counts[event.command_name] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None


async def drain(uri: str, database: int, events: int, disputed: int) -> dict[str, Any]:
    """One drain against the server at `uri`, whose process is `database`."""
    from adapters.memory import FixedClock, InMemoryOrders
    from adapters.mongo.client import connect
    from adapters.mongo.disputes import MongoDisputes
    from adapters.mongo.evidence_store import MongoEvidenceStore
    from adapters.mongo.indexes import ensure_indexes
    from adapters.mongo.schedule import MongoSchedule
    from bench.scaling import database_cpu
    from disputes.evidence import PushAttacher
    from disputes.rules import Rules
    from disputes.schedule import DueWork
    from disputes.service import DisputeService, OpenRequest
    from schemas.common import Resolution
    from tests.bursts import scan
    from tests.factories import CUSTOMER, NOW, order, shipment

    commands = Commands()
    client = connect(uri, event_listeners=[commands])
    db = client["drain"]
    await ensure_indexes(db)
    calls: Counter[str] = Counter()
    repository = MongoDisputes.in_database(db)
    orders = [order(f"ord-{n}", shipments=[shipment(f"s-{n}", carrier="surat")]) for n in range(disputed)]
    service = DisputeService(repository, InMemoryOrders(orders), FixedClock(NOW), Rules())
    for n in range(disputed):
        await service.open(CUSTOMER, OpenRequest(f"ord-{n}", f"s-{n}", "Gelmedi.", Resolution.REFUND), None)
    store = MongoEvidenceStore(db)
    await store.record_many([scan(f"e-{n}", f"TRKs{n}", seconds=n / 1000) for n in range(events)], NOW)

    def counted(inner: Any, name: str) -> Any:
        return Counting(inner, name, calls)

    service.repository = counted(repository, "disputes")
    attacher = PushAttacher(service, counted(repository, "shipments"), counted(store, "pushed"))
    schedule = counted(MongoSchedule(db, repository.stored), "schedule")
    loop = DueWork(schedule, attacher, FixedClock(NOW + timedelta(seconds=5)), "worker-1")
    commands.counts.clear()
    started, cpu = time.perf_counter(), database_cpu(database)
    attached = await loop.run_once()
    seconds, cpu = time.perf_counter() - started, database_cpu(database) - cpu
    await client.close()
    return {"events": attached, "seconds": seconds, "database_cpu": cpu, "calls": dict(sorted(calls.items())),
            "commands": dict(sorted(commands.counts.items()))}


def one(events: int, disputed: int) -> None:
    from adapters.mongo.embedded import EmbeddedMongo

    with tempfile.TemporaryDirectory() as data, EmbeddedMongo(Path(data)) as server:
        assert server.process is not None
        print(json.dumps(asyncio.run(drain(server.uri, server.process.pid, events, disputed))))


def run_in(code: Path, events: int, disputed: int) -> dict[str, Any]:
    """One drain in a process of its own, with the code of `code` first on its path."""
    command = [sys.executable, __file__, "--one", "--events", str(events), "--disputed", str(disputed)]
    env = {**os.environ, "PYTHONPATH": str(code)}
    out = subprocess.run(command, cwd=code, env=env, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def report(label: str, result: dict[str, Any]) -> None:
    events = result["events"]
    per_event = {name: round(count / events, 2) for name, count in result["calls"].items()}
    total = round(sum(result["calls"].values()) / events, 2)
    commands = {name: round(count / events, 2) for name, count in result["commands"].items()}
    print(f"{label}: {events} events in {result['seconds']:.1f} s, database CPU {result['database_cpu']:.1f} s")
    print(f"    storage calls per event {total}: {per_event}")
    print(f"    database commands per event {round(sum(result['commands'].values()) / events, 2)}: {commands}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--disputed", type=int, default=20)
    parser.add_argument("--before", type=Path, help="a checkout of the earlier code, drained in turn with this one")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.events, args.disputed)
        return
    codes = {"this": HERE} | ({"before": args.before.resolve()} if args.before else {})
    times: dict[str, list[float]] = {label: [] for label in codes}
    cpu: dict[str, list[float]] = {label: [] for label in codes}
    for _ in range(args.rounds if args.before else 1):
        for label, code in reversed(codes.items()):
            result = run_in(code, args.events, args.disputed)
            report(label, result)
            times[label].append(result["seconds"])
            cpu[label].append(result["database_cpu"])
    if args.before:
        print(f"this / before, best of {args.rounds} each: wall time {min(times['this']) / min(times['before']):.2f}, "
              f"database CPU {min(cpu['this']) / min(cpu['before']):.2f}")


if __name__ == "__main__":
    main()
