"""How the embedded default's cost per operation changes as the disputes collection fills.

    .venv/bin/python -m bench.scaling                      # 100, 1,000 and 10,000 disputes, a few minutes
    .venv/bin/python -m bench.scaling --sizes 100 1000     # other sizes

The embedded default exactly as `disputes embedded` runs it: `EmbeddedMongo` (mongoeco's SQLite engine on a
file, in its own process) and the service in another (`bench.server`, workers off). To reach each size the
database server is stopped, copies of a dispute the service itself opened (the same document shape, each
with its own id, order, shipment, customer and address) are bulk-inserted into its file in-process (the
engine's batch insert, about 10 ms a document here, where the wire protocol inserts one at a time), and the
server is started again on the same port (the service reconnects by itself). At each size the driver, alone
on one keep-alive connection, opens disputes, reads one dispute, reads the queue of 50, searches it by order
number and reads the page of 50 flagged cases (one seeded case in FLAGGED_EVERY carries abuse flags), claims due
work one subject at a time and a batch at once (CLAIMS seeded cases due, none of the rest), and records the latency of each request and the CPU the database process used for it (read from /proc, so other
load on the machine does not inflate it). Results: `bench/results/scaling.json` and `scaling.md`.
"""

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from adapters.mongo.client import connect
from adapters.mongo.disputes import queue_key
from adapters.mongo.embedded import EmbeddedMongo
from adapters.mongo.indexes import DISPUTES
from adapters.mongo.schedule import MongoSchedule
from bench import workload as w
from bench.procs import Server
from bench.report import publish
from disputes.work import WorkKind

SIZES = (100, 1_000, 10_000)
OPENS = 60  # measured per size
WARM = 5
READS = 30
CLAIMS = 20  # seeded disputes made due for an evidence pull at each size, then claimed one at a time (after one more)
BATCH_CLAIMS = 10  # claims of those CLAIMS at once, measured per size
TARGET = 1.5  # cost of each operation at the largest size ÷ at the smallest
BATCH = 200  # documents per bulk insert: short write transactions keep mongoeco's own background writer from timing out
RESULTS = Path(__file__).resolve().parent / "results"
Doc = dict[str, Any]
KIND = WorkKind.PULL_EVIDENCE
FLAGGED_EVERY = 100  # seeded cases with abuse flags: a filter that selects few, so its page walks far


def database_cpu(pid: int) -> float:
    """Seconds of CPU the process has used (user + system), from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def copy_of(template: Doc, n: int) -> Doc:
    """The template dispute as another customer's claim on another order, opened up to 30 days earlier."""
    order_id = f"seed-{n:07d}"
    doc: Doc = shifted(template, -timedelta(minutes=(n * 37) % (30 * 24 * 60)))
    doc.update(
        _id=f"dsp_seed{n:024d}", customer_id=f"cust-seed-{n % 2_000:04d}", shipment_key=f"{order_id}/{order_id}-s1",
        address_key=f"seed-address-{n % 5_000}",
    )
    doc["order"] |= {"order_id": order_id, "shipment_id": f"{order_id}-s1", "tracking_number": f"TRKSEED{n:09d}"}
    doc["queue_key"] = queue_key(doc["sla"]["decision_due"], doc["_id"])
    if n % FLAGGED_EVERY == 0:
        doc.update(abuse_flags=["shared_address"], flagged=True, needs_supervisor=True, priority=2)
    doc.pop("idempotency", None)
    for name in ("evidence_pull_due", "assess_due", "sla_check_due", "outbox_due", "due"):
        doc.pop(name, None)  # seeded cases are past the stage where workers would pick them up
    return doc


def shifted(value: Any, by: timedelta) -> Any:
    """A deep copy with every datetime moved by `by`."""
    if isinstance(value, datetime):
        return value + by
    if isinstance(value, dict):
        return {k: shifted(v, by) for k, v in value.items()}
    if isinstance(value, list):
        return [shifted(v, by) for v in value]
    return value


@dataclass
class Sample:
    seconds: list[float]
    database_cpu: float

    def summary(self) -> dict[str, float]:
        ms = sorted(s * 1000 for s in self.seconds)
        return {
            "n": len(ms),
            "p50_ms": round(statistics.median(ms), 2),
            "p90_ms": round(ms[int(0.9 * (len(ms) - 1))], 2),
            "mean_ms": round(statistics.fmean(ms), 2),
            "db_cpu_ms": round(self.database_cpu * 1000 / len(ms), 2),
        }


class Driver:
    def __init__(self, session: aiohttp.ClientSession, base: str, database: EmbeddedMongo) -> None:
        self.session, self.base, self.database = session, base, database

    async def timed(self, requests: list[w.Request], expect: int) -> Sample:
        seconds, cpu = [], 0.0
        assert self.database.process is not None
        pid = self.database.process.pid
        for request in requests:
            before, started = database_cpu(pid), time.perf_counter()
            async with self.session.request(
                request["method"], self.base + request["path"], headers=request["headers"], data=request.get("body")
            ) as response:
                await response.read()
            seconds.append(time.perf_counter() - started)
            cpu += database_cpu(pid) - before
            if response.status != expect:
                raise RuntimeError(f"{request['method']} {request['path']} answered {response.status}")
        return Sample(seconds, cpu)


async def claims(database: EmbeddedMongo, db: Any) -> Sample:
    """Claim due work as the workers do (`claim_due`, one subject per call) with CLAIMS seeded disputes due
    among the rest; each claim's latency and the database's CPU for it. The due work is removed afterwards."""
    assert database.process is not None
    due = [f"dsp_seed{n:024d}" for n in range(1, 1 + 5 * (CLAIMS + 1), 5)]  # seeded at the first size, so at every size
    now = datetime.now(UTC)
    for minutes, dispute_id in enumerate(due):
        await db[DISPUTES].update_one({"_id": dispute_id}, {"$set": {f"due.{KIND}": now - timedelta(minutes=minutes)}})
    schedule = MongoSchedule(db)
    await schedule.claim_due(KIND, now, timedelta(seconds=30), 1, "bench")  # warm-up, as for the requests
    seconds, cpu = [], 0.0
    for _ in due[1:]:
        before, started = database_cpu(database.process.pid), time.perf_counter()
        claimed = await schedule.claim_due(KIND, now, timedelta(seconds=30), 1, "bench")
        seconds.append(time.perf_counter() - started)
        cpu += database_cpu(database.process.pid) - before
        assert len(claimed) == 1
    await db[DISPUTES].update_many({"_id": {"$in": due}}, {"$unset": {"due": "", "lease": ""}})
    return Sample(seconds, cpu)


async def batch_claims(database: EmbeddedMongo, db: Any) -> Sample:
    """Claim due work as a busy worker does (`claim_due` of a batch: the CLAIMS seeded disputes due among the rest,
    all at once), each claim after the leases of the one before have expired; each claim's latency and the database's
    CPU for it. The due work is removed afterwards."""
    assert database.process is not None
    due = [f"dsp_seed{n:024d}" for n in range(1, 1 + 5 * CLAIMS, 5)]
    now, lease = datetime.now(UTC), timedelta(seconds=30)
    for minutes, dispute_id in enumerate(due):
        await db[DISPUTES].update_one({"_id": dispute_id}, {"$set": {f"due.{KIND}": now - timedelta(minutes=minutes)}})
    schedule = MongoSchedule(db)
    await schedule.claim_due(KIND, now, lease, CLAIMS, "bench")  # warm-up, as for the requests
    seconds, cpu = [], 0.0
    for k in range(1, 1 + BATCH_CLAIMS):
        before, started = database_cpu(database.process.pid), time.perf_counter()
        claimed = await schedule.claim_due(KIND, now + k * 2 * lease, lease, CLAIMS, "bench")
        seconds.append(time.perf_counter() - started)
        cpu += database_cpu(database.process.pid) - before
        assert len(claimed) == CLAIMS
    await db[DISPUTES].update_many({"_id": {"$in": due}}, {"$unset": {"due": "", "lease": ""}})
    return Sample(seconds, cpu)


async def fill(mongo: EmbeddedMongo, template: Doc, start: int, stop: int) -> float:
    from mongoeco import AsyncMongoClient

    from adapters.mongo.engine import SQLiteEngine

    assert mongo.data_dir is not None
    started = time.perf_counter()
    await asyncio.to_thread(mongo.stop)
    async with AsyncMongoClient(SQLiteEngine(str(mongo.data_dir / "disputes.sqlite"))) as client:
        for first in range(start, stop, BATCH):
            batch = [copy_of(template, n) for n in range(first, min(stop, first + BATCH))]
            await client["disputes"][DISPUTES].insert_many(batch)
    await asyncio.to_thread(mongo.start)
    return time.perf_counter() - started


async def until_ready(session: aiohttp.ClientSession, base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        async with session.get(f"{base}/readyz") as response:
            if response.status == 200:
                return
        if time.monotonic() > deadline:
            raise RuntimeError("the service did not reconnect to the database")
        await asyncio.sleep(0.1)


async def measure(sizes: list[int], workdir: Path) -> dict[str, Any]:
    prefix = "scale"
    orders_file = workdir / "orders.json"
    ids = w.write_orders(orders_file, prefix, 1 + len(sizes) * (OPENS + WARM))
    mongo = EmbeddedMongo(workdir / "mongo")
    rows = []
    with mongo:
        settings = {"storage": "mongodb", "mongodb_uri": mongo.uri, "mongodb_database": "disputes",
                    "orders_file": str(orders_file), "jwt_secret": w.SECRET, "run_workers": False,
                    "carrier_sandbox_url": w.CLOSED_PORT, **w.UNLIMITED}
        config = {"kind": "service", "log_file": str(workdir / "service.log"), "settings": settings}
        client = connect(mongo.uri)
        collection = client["disputes"][DISPUTES]
        with Server(config, workdir, prefix) as server:
            async with aiohttp.ClientSession() as session:
                base = f"http://127.0.0.1:{server.port}"
                driver = Driver(session, base, mongo)
                opens_to_send = w.open_requests(ids)  # each order's own customer
                await driver.timed(opens_to_send[:1], 201)
                template = await collection.find_one({})
                assert template is not None
                filled, next_order = 1, 1
                for size in sizes:
                    fill_seconds = await fill(mongo, template, filled, size)
                    await until_ready(session, base)
                    # counting by aggregation exceeds mongoeco's materialization budget at 100,000
                    count = await collection.estimated_document_count()
                    batch = opens_to_send[next_order : next_order + WARM + OPENS]
                    next_order += WARM + OPENS
                    await driver.timed(batch[:WARM], 201)
                    opens = await driver.timed(batch[WARM:], 201)
                    some = [d["_id"] async for d in collection.find({}, {"_id": 1}).limit(READS)]
                    await driver.timed(w.get_requests(some[:WARM]) + w.list_requests() * WARM, 200)
                    one = await driver.timed(w.get_requests(some), 200)
                    queue = await driver.timed(w.list_requests() * READS, 200)
                    orders = [f"&order_id=seed-{n:07d}" for n in range(1, count, max(1, count // READS))][:READS]
                    search = await driver.timed([r for o in orders for r in w.list_requests(o)], 200)
                    flagged = await driver.timed(w.list_requests("&flagged=true") * READS, 200)
                    claim = await claims(mongo, client["disputes"])
                    batch_claim = await batch_claims(mongo, client["disputes"])
                    rows.append({"disputes": count, "fill_seconds": round(fill_seconds, 1), "open": opens.summary(),
                                 "get": one.summary(), "queue_50": queue.summary(), "search": search.summary(),
                                 "flagged_50": flagged.summary(), "claim": claim.summary(),
                                 "claim_batch": batch_claim.summary()})
                    print(json.dumps(rows[-1]), flush=True)
                    filled = count
        await client.close()
    return {"rows": rows, "ratio": ratio(rows)}


ROWS = ("open", "get", "queue_50", "search", "flagged_50", "claim", "claim_batch")


def ratio(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Each operation's cost at the largest size ÷ at the smallest, by latency and by database CPU."""
    first, last = rows[0], rows[-1]
    return {op: {key: round(last[op][key] / first[op][key], 2) if first[op][key] else 0.0
                 for key in ("p50_ms", "db_cpu_ms")} for op in ROWS}


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "# Embedded default: cost as the collection fills",
        "",
        f"{result['date']} · {result['machine']} · " + ", ".join(f"{p} {v}" for p, v in result["packages"].items()),
        "",
        "One client, one request at a time; latency in ms (p50 / p90) and the database process's CPU per request.",
        "",
        "| disputes | open p50 | open p90 | open db CPU | one dispute p50 | one dispute db CPU | queue of 50 p50 "
        "| queue db CPU | search p50 | search db CPU | flagged p50 | flagged db CPU | claim p50 | claim db CPU "
        f"| claim of {CLAIMS} p50 | claim of {CLAIMS} db CPU | fill (s) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        o, g, q, s, f, c, b = (row[op] for op in ROWS)
        lines.append(f"| {row['disputes']:,} | {o['p50_ms']} | {o['p90_ms']} | {o['db_cpu_ms']} | {g['p50_ms']} | "
                     f"{g['db_cpu_ms']} | {q['p50_ms']} | {q['db_cpu_ms']} | {s['p50_ms']} | {s['db_cpu_ms']} | "
                     f"{f['p50_ms']} | {f['db_cpu_ms']} | {c['p50_ms']} | {c['db_cpu_ms']} | {b['p50_ms']} | "
                     f"{b['db_cpu_ms']} | {row['fill_seconds']} |")
    names = {"open": "Open", "get": "One dispute", "queue_50": "Queue of 50", "search": "Search by order number",
             "flagged_50": "Flagged cases, page of 50", "claim": "Claim", "claim_batch": f"Claim of {CLAIMS} at once"}
    lines += ["", f"At the largest size ÷ at the smallest (target ≤ {TARGET}×, by database CPU):", ""]
    lines += [f"- {names[op]}: {r['db_cpu_ms']}× by database CPU, {r['p50_ms']}× by latency"
              for op, r in result["ratio"].items()]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-scaling-") as tmp:
        result = asyncio.run(measure(sorted(args.sizes), Path(tmp)))
    publish(args.output, "scaling", result, markdown)


if __name__ == "__main__":
    main()
