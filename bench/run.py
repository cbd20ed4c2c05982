"""The benchmark: the service's main endpoints as a ratio to a bare aiohttp handler measured in the same run,
their database round trips, and the evidence fan-out. See bench/README.md.

    .venv/bin/python -m bench.run [--quick] [--concurrency N] [--profile | --no-profile] [--skip-fanout]
    .venv/bin/python -m bench.run --only fanout [--quick] [--profile]
    .venv/bin/python -m bench.run --rows open,get [--quick] [--profile]

Every server runs in its own process (`bench.server`), the load in another (`bench.load`), all on
127.0.0.1; each scenario gets a fresh server (and, on mongoeco, a fresh database). Results go to
bench/results/latest.json and latest.md.
"""

import argparse
import importlib.util
import json
import os
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench import workload as w
from bench.hotspots import summarise
from bench.procs import Server, load
from bench.report import render

RESULTS = Path(__file__).with_name("results")
MONGO_NOTE = "bound by the stand-in database (mongoeco), not the service"
TARGETS = {"middleware": 0.8, "open": 0.4, "webhook_ups": 0.5, "webhook_partner": 0.5, "get": 0.5, "list": 0.2}
WRITES = {"insert", "update", "delete", "findAndModify"}
MINIMUM = {  # DESIGN.md §4/§6: what each operation needs at least
    "open": ({"write": 1}, "1 write"),
    "open_key": ({"read": 1, "write": 1}, "1 read + 1 write"),
    "webhook_ups": ({"write": 2}, "2 writes (raw + event)"),
    "webhook_partner": ({"write": 2}, "2 writes (raw + event)"),
    "list": ({"read": 1}, "1 read"),
    "get": ({"read": 1}, "1 read"),
}
TITLES = {
    "baseline": "bare aiohttp handler (GET, small JSON)",
    "middleware": "the same handler behind the service's edge (request id and log line, problems, body deadline)",
    "open": "open a dispute (POST /v1/disputes)",
    "open_key": "open with Idempotency-Key",
    "webhook_ups": "UPS webhook (POST /v1/carriers/ups/webhooks)",
    "webhook_partner": "partner webhook, HepsiJET, signed",
    "list": "investigator queue (GET /v1/disputes?limit=50)",
    "get": "one dispute (GET /v1/disputes/{id})",
}


def stored_status(partner: bool) -> int:
    """How a stored push is answered: as each carrier's documentation asks (UPS 200, the partner format 202)."""
    return 202 if partner else 200


@dataclass(frozen=True)
class Plan:
    concurrency: int
    baseline_s: float  # duration of each baseline measurement
    warm_s: float  # warm-up before a timed run (cycle scenarios)
    memory_warm: int  # warm-up requests before a timed run (distinct-request scenarios)
    memory_opens: int
    memory_webhooks: int
    read_s: float  # list / get on the in-memory adapter
    seed: int  # disputes in place before list / get
    mongo_requests: int  # per scenario on mongoeco: its inserts slow down as a collection grows
    mongo_warm: int
    fanout: int
    fanout_timeout_s: float
    profile_requests: int
    interleave: bool  # a baseline between every in-memory scenario, not only at start, middle and end


QUICK = Plan(32, 1.0, 0.5, 100, 500, 800, 1.0, 200, 30, 10, 200, 40, 600, False)
FULL = Plan(32, 4.0, 1.0, 300, 3000, 6000, 8.0, 300, 300, 20, 2000, 300, 3000, True)


def machine() -> dict[str, Any]:
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
        platform.processor() or "unknown",
    )
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": {p: version(p) for p in ("aiohttp", "pymongo", "mongoeco", "pydantic")},
        "uvloop": version("uvloop") if importlib.util.find_spec("uvloop") else None,
    }


class Bench:
    def __init__(self, plan: Plan, workdir: Path, profile: bool | None) -> None:
        self.plan = plan
        self.workdir = workdir
        self.profile = profile
        self.rows: list[dict[str, Any]] = []
        self.mongo_uri: str | None = None

    # --- plumbing ----------------------------------------------------------------------------------

    def spec(self, server: Server, requests: list[w.Request], expect: int, *, mode: str = "once",
             duration: float | None = None, keep_bodies: bool = False, concurrency: int | None = None) -> dict[str, Any]:
        return {"host": "127.0.0.1", "port": server.port, "concurrency": concurrency or self.plan.concurrency,
                "mode": mode, "duration": duration, "expect": [expect], "keep_bodies": keep_bodies,
                "requests": requests}

    def service(self, name: str, storage: str, orders: int = 0, loop: str = "asyncio", **settings: Any) -> Server:
        """A fresh service process: memory, or a fresh database on the shared mongoeco server."""
        prefix = f"{name[:4]}{uuid.uuid4().hex[:4]}"
        orders_file = self.workdir / f"{prefix}.orders.json"
        self.order_ids = w.write_orders(orders_file, prefix, max(orders, 1))
        config_settings = {
            "storage": storage, "orders_file": str(orders_file), "jwt_secret": w.SECRET, "run_workers": False,
            "carrier_sandbox_url": w.CLOSED_PORT, **w.UNLIMITED, **settings,
        }
        if storage == "mongodb":
            config_settings |= {"mongodb_uri": self.mongo_uri, "mongodb_database": f"bench_{prefix}"}
        config = {"kind": "service", "loop": loop, "log_file": str(self.workdir / "service.log"),
                  "count_commands": storage == "mongodb", "settings": config_settings}
        return Server(config, self.workdir, prefix)

    def timed(self, server: Server, spec: dict[str, Any], name: str) -> dict[str, Any]:
        """One measured run: CPU and database commands are read from the server around it, and how busy
        the whole machine was (anything beyond server + client is another process: mongoeco, or not ours)."""
        before = server.call("POST", "/reset")
        machine_before = busy_cores()
        result = load(spec, self.workdir, name)
        machine_after = busy_cores()
        after = server.call("GET", "/stats")
        result["server_cpu"] = (after["cpu"] - before["cpu"]) / result["elapsed_s"]
        result["client_cpu"] = result.pop("client_cpu_s") / result["elapsed_s"]
        machine_busy = (machine_after[0] - machine_before[0]) / max(1e-9, machine_after[1] - machine_before[1])
        result["cpu_ms_per_request"] = (after["cpu"] - before["cpu"]) / max(1, result["ok"]) * 1000
        result["other_cpu"] = max(0.0, machine_busy * len(os.sched_getaffinity(0)) - result["server_cpu"] - result["client_cpu"])
        result["commands"] = after["commands"]
        result["failed_commands"] = after["failed"]
        return result

    def warm(self, server: Server, requests: list[w.Request], expect: int, name: str, seconds: float | None = None) -> None:
        if seconds:
            load(self.spec(server, requests, expect, mode="cycle", duration=seconds), self.workdir, name + "-warm")
        elif requests:
            load(self.spec(server, requests, expect), self.workdir, name + "-warm")

    def record(self, scenario: str, storage: str, result: dict[str, Any], loop: str = "asyncio") -> dict[str, Any]:
        row = {"scenario": scenario, "title": TITLES[scenario], "storage": storage, "loop": loop, **result}
        row.pop("bodies", None)
        if storage == "mongodb":
            row["note"] = MONGO_NOTE
            row["round_trips"] = round_trips(scenario, result)
        self.rows.append(row)
        print(f"  {scenario:16} {storage:8} {loop:8} {result['rps']:9.1f} req/s  p50 {result['p50_ms']:7.2f} ms  "
              f"p99 {result['p99_ms']:7.2f} ms  ok {result['ok']}/{result['requests']}  "
              f"server CPU {result['server_cpu']:.0%}", flush=True)
        if result["errors"]:
            print(f"    unexpected answers: {result['unexpected']}", flush=True)
        return row

    # --- scenarios -----------------------------------------------------------------------------------

    def baseline(self, loop: str = "asyncio") -> None:
        with Server({"kind": "baseline", "loop": loop}, self.workdir, f"baseline-{loop}") as server:
            self.warm(server, w.baseline_requests(), 200, "baseline", self.plan.warm_s)
            spec = self.spec(server, w.baseline_requests(), 200, mode="cycle", duration=self.plan.baseline_s)
            result = self.timed(server, spec, "baseline")
        self.record("baseline", "-", result, loop)

    def middleware(self) -> None:
        """The baseline's handler behind the service's edge: the ceiling of every service row."""
        config = {"kind": "baseline", "middlewares": True, "loop": "asyncio", "log_file": str(self.workdir / "middleware.log")}
        with Server(config, self.workdir, "middleware") as server:
            self.warm(server, w.baseline_requests(), 200, "middleware", self.plan.warm_s)
            spec = self.spec(server, w.baseline_requests(), 200, mode="cycle", duration=self.plan.baseline_s)
            result = self.timed(server, spec, "middleware")
        self.record("middleware", "-", result)

    def opens(self, storage: str, with_key: bool, loop: str = "asyncio") -> None:
        warm, count = self.sizes(storage, self.plan.memory_opens)
        with self.service("open", storage, warm + count, loop) as server:
            requests = w.open_requests(self.order_ids, with_key)
            self.warm(server, requests[:warm], 201, "open")
            result = self.timed(server, self.spec(server, requests[warm:], 201), "open")
        self.record("open_key" if with_key else "open", storage, result, loop)

    def webhooks(self, storage: str, partner: bool, loop: str = "asyncio") -> None:
        warm, count = self.sizes(storage, self.plan.memory_webhooks)
        with self.service("hook", storage, loop=loop) as server:
            build = w.partner_webhooks if partner else w.ups_webhooks
            requests = build(uuid.uuid4().hex[:6], warm + count)
            stored = stored_status(partner)
            self.warm(server, requests[:warm], stored, "webhook")
            result = self.timed(server, self.spec(server, requests[warm:], stored), "webhook")
        self.record("webhook_partner" if partner else "webhook_ups", storage, result, loop)

    def reads(self, storage: str) -> None:
        seed = min(self.plan.seed, self.plan.mongo_requests) if storage == "mongodb" else self.plan.seed
        with self.service("read", storage, seed) as server:
            opened = load(self.spec(server, w.open_requests(self.order_ids), 201, keep_bodies=True), self.workdir, "seed")
            ids = [json.loads(body)["id"] for body in opened["bodies"]]
            for scenario, requests in (("list", w.list_requests()), ("get", w.get_requests(ids))):
                if storage == "mongodb":
                    warm = [requests[i % len(requests)] for i in range(self.plan.mongo_warm)]
                    self.warm(server, warm, 200, scenario)
                    measured = [requests[i % len(requests)] for i in range(self.plan.mongo_requests)]
                    spec = self.spec(server, measured, 200)
                else:
                    self.warm(server, requests, 200, scenario, self.plan.warm_s)
                    spec = self.spec(server, requests, 200, mode="cycle", duration=self.plan.read_s)
                self.record(scenario, storage, self.timed(server, spec, scenario))

    def sizes(self, storage: str, memory_count: int) -> tuple[int, int]:
        if storage == "mongodb":
            return self.plan.mongo_warm, self.plan.mongo_requests
        return self.plan.memory_warm, memory_count

    def profiled(self, scenario: str) -> dict[str, Any]:
        """The in-memory scenario again under cProfile (its own run; the timed figures are not profiled)."""
        count = self.plan.profile_requests
        orders = self.plan.seed if scenario in ("list", "get") else count + self.plan.memory_warm
        if scenario == "middleware":
            config = {"kind": "baseline", "middlewares": True, "loop": "asyncio", "log_file": str(self.workdir / "prof.log")}
            server = Server(config, self.workdir, "prof-middleware")
        else:
            server = self.service("prof", "memory", orders)
        with server:
            if scenario in ("list", "get"):
                opened = load(self.spec(server, w.open_requests(self.order_ids), 201, keep_bodies=True), self.workdir, "seed")
                ids = [json.loads(body)["id"] for body in opened["bodies"]]
                many = w.list_requests() * (30 + count // 10) if scenario == "list" else w.get_requests(ids) * (1 + count // len(ids))
                requests, expect = many[: 30 + (count // 10 if scenario == "list" else count)], 200
            elif scenario == "middleware":
                requests, expect = w.baseline_requests() * (count + self.plan.memory_warm), 200
            elif scenario == "open":
                requests, expect = w.open_requests(self.order_ids), 201
            else:
                partner = scenario == "webhook_partner"
                build = w.partner_webhooks if partner else w.ups_webhooks
                requests, expect = build(uuid.uuid4().hex[:6], count + self.plan.memory_warm), stored_status(partner)
            warm = 30 if scenario in ("list", "get") else self.plan.memory_warm
            self.warm(server, requests[:warm], expect, "profile")
            stats = self.workdir / f"{scenario}.pstats"
            server.call("POST", "/profile/start")
            result = load(self.spec(server, requests[warm:], expect), self.workdir, "profile")
            server.call("POST", f"/profile/stop?path={stats}")
        summary = summarise(stats)
        summary["requests"] = result["ok"]
        summary["per_request_ms"] = summary["total_s"] / max(1, result["ok"]) * 1000
        return summary


def busy_cores() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields[:8]) - idle, sum(fields[:8])


def round_trips(scenario: str, result: dict[str, Any]) -> dict[str, Any]:
    ok = max(1, result["ok"])
    per_command = {name: n / ok for name, n in sorted(result["commands"].items())}
    writes = sum(n for name, n in per_command.items() if name in WRITES)
    reads = sum(n for name, n in per_command.items() if name not in WRITES)
    minimum, text = MINIMUM[scenario]
    return {"per_op": reads + writes, "reads": reads, "writes": writes, "by_command": per_command,
            "minimum": minimum.get("read", 0) + minimum.get("write", 0), "minimum_text": text,
            "at_minimum": abs(reads - minimum.get("read", 0)) < 0.01 and abs(writes - minimum.get("write", 0)) < 0.01}


def _adjacent(rows: list[dict[str, Any]], loop: str, key: str = "rps") -> float | None:
    return next((r[key] for r in rows if r["scenario"] == "baseline" and r["loop"] == loop), None)


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def finish(bench: Bench, plan: Plan, args: argparse.Namespace, started: float, extra: dict[str, Any]) -> dict[str, Any]:
    runs: dict[str, list[float]] = {}
    for row in bench.rows:
        if row["scenario"] == "baseline":
            runs.setdefault(row["loop"], []).append(row["rps"])
    reference = {loop: statistics.median(values) for loop, values in runs.items()}
    for i, row in enumerate(bench.rows):
        if row["scenario"] == "baseline":
            row["ratio"] = row["rps"] / reference[row["loop"]]
            continue
        # The baselines measured just before and just after this row: other load on the machine drifts.
        before, after = bench.rows[:i][::-1], bench.rows[i + 1 :]
        row["baseline_rps"] = _mean([_adjacent(before, row["loop"]), _adjacent(after, row["loop"])])
        row["ratio"] = row["rps"] / row["baseline_rps"] if row["baseline_rps"] else None
        # The same comparison in server CPU per request: what the ratio would be with the server alone on
        # its core, whatever else the machine was doing.
        cost = _mean([_adjacent(before, row["loop"], "cpu_ms_per_request"), _adjacent(after, row["loop"], "cpu_ms_per_request")])
        row["baseline_cpu_ms"] = cost
        row["cpu_ratio"] = cost / row["cpu_ms_per_request"] if cost and row["cpu_ms_per_request"] else None
    targets = []
    for scenario, wanted in TARGETS.items():
        for row in bench.rows:
            if row["scenario"] == scenario and row["storage"] in ("memory", "-") and row["loop"] == "asyncio":
                targets.append({"scenario": scenario, "title": TITLES[scenario], "target": wanted, "ratio": row["ratio"],
                                "cpu_ratio": row["cpu_ratio"], "met": row["ratio"] >= wanted})
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "duration_s": round(time.monotonic() - started, 1),
        "machine": machine(),
        "plan": asdict(plan),
        "baseline_rps": reference,
        "baseline_runs": runs,
        "rows": bench.rows,
        "targets": targets,
        **extra,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run (under a minute)")
    parser.add_argument("--concurrency", type=int, help="connections the load client keeps busy (default 32)")
    parser.add_argument("--profile", action=argparse.BooleanOptionalAction, default=None,
                        help="profile the runs that have a target (default: those that miss it, full mode)")
    parser.add_argument("--skip-fanout", action="store_true", help="leave out the evidence fan-out scenario")
    parser.add_argument("--only", choices=["fanout"],
                        help="run only this scenario; its figures go to <output>/<scenario>.json, latest.* are left alone")
    parser.add_argument("--rows", type=_rows,
                        help="only these in-memory rows (comma-separated: " + ", ".join(ROWS) + "), each between "
                             "baselines; the tables are printed, latest.* are left alone")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where latest.json / latest.md go")
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    if args.concurrency:
        plan = Plan(**(asdict(plan) | {"concurrency": args.concurrency}))
    if args.only == "fanout":
        only_fanout(plan, args.output, bool(args.profile))
        return
    if args.rows:
        only_rows(plan, args, args.rows)
        return
    started = time.monotonic()
    extra: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="dispute-bench-") as tmp:
        workdir = Path(tmp)
        bench = Bench(plan, workdir, args.profile)
        print(f"benchmark ({'quick' if args.quick else 'full'}), concurrency {plan.concurrency}, work dir {workdir}", flush=True)
        bench.baseline()
        for step in memory_steps(bench).values():
            step()
            if plan.interleave:
                bench.baseline()
        if not plan.interleave:
            bench.baseline()
        extra["uvloop"] = event_loops(bench)
        from adapters.mongo.embedded import EmbeddedMongo

        with EmbeddedMongo(workdir / "mongo") as mongo:
            bench.mongo_uri = mongo.uri
            for with_key in (False, True):
                bench.opens("mongodb", with_key)
            for partner in (False, True):
                bench.webhooks("mongodb", partner)
            bench.reads("mongodb")
        bench.baseline()
        if not args.skip_fanout:
            from bench.fanout import fanout

            extra["fanout"] = fanout(plan, workdir)
        results = finish(bench, plan, args, started, extra)
        profile_targets(bench, results, args)
        results["duration_s"] = round(time.monotonic() - started, 1)
    write(results, args.output)


def memory_steps(bench: Bench) -> dict[str, Callable[[], None]]:
    """The in-memory rows in the order the full run measures them (one step measures both list and get)."""
    return {
        "middleware": bench.middleware,
        "open": lambda: bench.opens("memory", False),
        "open_key": lambda: bench.opens("memory", True),
        "webhook_ups": lambda: bench.webhooks("memory", False),
        "webhook_partner": lambda: bench.webhooks("memory", True),
        "list,get": lambda: bench.reads("memory"),
    }


ROWS = ("middleware", "open", "open_key", "webhook_ups", "webhook_partner", "list", "get")


def _rows(text: str) -> list[str]:
    rows = [name.strip() for name in text.split(",") if name.strip()]
    if unknown := [name for name in rows if name not in ROWS]:
        raise argparse.ArgumentTypeError(f"unknown rows {', '.join(unknown)}; choose from {', '.join(ROWS)}")
    return rows


def profile_targets(bench: Bench, results: dict[str, Any], args: argparse.Namespace) -> None:
    """With ``--profile`` every row that has a target, otherwise (full mode) the rows that missed it."""
    missed = [t["scenario"] for t in results["targets"] if not t["met"]]
    if args.profile or (args.profile is None and missed and not args.quick):
        wanted = [t["scenario"] for t in results["targets"]] if args.profile else missed
        print(f"profiling {', '.join(wanted)} (cProfile, in-memory adapter)", flush=True)
        results["hotspots"] = {scenario: bench.profiled(scenario) for scenario in wanted}


def only_rows(plan: Plan, args: argparse.Namespace, rows: list[str]) -> None:
    """Some in-memory rows alone, each between two baselines, printed as the full run's tables would show
    them (with ``--profile``, with their hot spots); nothing is written."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dispute-bench-") as tmp:
        bench = Bench(plan, Path(tmp), args.profile)
        bench.baseline()
        for names, step in memory_steps(bench).items():
            if set(names.split(",")) & set(rows):
                step()
                bench.baseline()
        results = finish(bench, plan, args, started, {"uvloop": {"note": "not measured (--rows)"}})
        results["rows"] = [r for r in results["rows"] if r["scenario"] in rows or r["scenario"] == "baseline"]
        results["targets"] = [t for t in results["targets"] if t["scenario"] in rows]
        if args.profile:
            profile_targets(bench, results, args)
        results["duration_s"] = round(time.monotonic() - started, 1)
    print(render(results), flush=True)


def only_fanout(plan: Plan, output: Path, profile: bool) -> None:
    """The fan-out alone (with ``--profile``, under cProfile in the service process: the time is then not
    comparable). Writes <output>/fanout.json, and fanout.pstats when profiled."""
    from bench.fanout import fanout
    from bench.report import fanout_lines

    output.mkdir(parents=True, exist_ok=True)
    stats = output / "fanout.pstats" if profile else None
    with tempfile.TemporaryDirectory(prefix="dispute-bench-") as tmp:
        result = fanout(plan, Path(tmp), stats)
    result |= {"date": datetime.now(UTC).isoformat(timespec="seconds"), "mode": "quick" if plan is QUICK else "full",
               "profiled": profile, "machine": machine()}
    (output / "fanout.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("\n".join(fanout_lines(result)), flush=True)
    if stats is not None:
        print(f"profile: {stats}", flush=True)


def event_loops(bench: Bench) -> dict[str, Any]:
    if importlib.util.find_spec("uvloop") is None:
        print("  uvloop not installed: event-loop comparison skipped", flush=True)
        return {"installed": False, "note": "uvloop not installed: event-loop comparison skipped"}
    bench.baseline("uvloop")
    bench.opens("memory", False, "uvloop")
    bench.baseline("uvloop")
    bench.webhooks("memory", False, "uvloop")
    bench.baseline("uvloop")
    return {"installed": True, "version": version("uvloop")}


def write(results: dict[str, Any], output: Path) -> None:
    output.mkdir(parents=True, exist_ok=True)
    for name, text in (("latest.json", json.dumps(results, indent=2)), ("latest.md", render(results))):
        partial = output / (name + ".tmp")
        partial.write_text(text + "\n", encoding="utf-8")
        partial.replace(output / name)
    print(f"\nwrote {output / 'latest.json'} and {output / 'latest.md'}\n", flush=True)
    print(render(results), flush=True)


if __name__ == "__main__":
    main()
