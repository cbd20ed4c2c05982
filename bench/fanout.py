"""Evidence fan-out: many disputes opened at once, each needing the carrier's proof, pulled by the evidence
worker from the carrier sandbox while it answers slowly and sometimes fails.

The sandbox's fault queue (FIFO, one fault per carrier API call) is filled before the disputes open: in
every block of ten calls nine answer after ``LATENCY`` and one, at a random place, is a 503. The evidence
worker runs in the API process (``run_workers=True``, in-memory adapter, so the figure is the worker's own
scheduling, not a database). Measured: the time from the first open until no dispute is still waiting for
evidence, against the ideal ``count × latency ÷ per-carrier concurrency``; then every dispute is read back
(nothing lost) and the carrier's answers with data are counted (nothing pulled twice).
"""

import json
import math
import random
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from bench import workload as w
from bench.procs import Server, http, load

CARRIER = "dhl"  # one data call per pull, no token endpoint: every call the sandbox sees is a pull
LATENCY = 0.1
FAILURE_EVERY = 10
OPEN_CONCURRENCY = 64


def fanout(plan: Any, workdir: Path, profile: Path | None = None) -> dict[str, Any]:
    count = plan.fanout
    print(f"  fan-out: {count} disputes, carrier answering in {LATENCY * 1000:.0f} ms, 1 in {FAILURE_EVERY} failing", flush=True)
    prefix = f"fan{uuid.uuid4().hex[:4]}"
    orders_file = workdir / f"{prefix}.orders.json"
    ids = w.write_orders(orders_file, prefix, count, carrier=CARRIER)
    tracking = [f"TRK{prefix.upper()}{i:08d}" for i in range(count)]
    shipments = [{"carrier": CARRIER, "tracking_number": t, "scenario": "delivered", "recipient_name": "Bench Recipient",
                  "lat": 40.98, "lon": 29.05} for t in tracking]
    with Server({"kind": "sandboxes", "shipments": shipments}, workdir, "sandboxes") as sandboxes:
        downstream = f"http://127.0.0.1:{sandboxes.port}"
        carriers = f"http://127.0.0.1:{sandboxes.extra['carriers']}"
        enqueued = _fill_faults(carriers, math.ceil(count * 1.5 / FAILURE_EVERY))
        settings = {
            "storage": "memory", "orders_file": str(orders_file), "jwt_secret": w.SECRET, "run_workers": True,
            "carrier_sandbox_url": carriers, "payments_url": downstream, "fulfillment_url": downstream,
            "notifications_url": downstream, "accounts_url": downstream, "finance_url": downstream,
        }
        config = {"kind": "service", "log_file": str(workdir / "fanout.log"), "settings": settings}
        with Server(config, workdir, "fanout-service") as service:
            base = f"http://127.0.0.1:{service.port}"
            http("DELETE", f"{carriers}/_sandbox/requests")
            per_carrier = 8  # the Settings default (evidence_per_carrier)
            cpu = service.call("GET", "/stats")["cpu"]
            if profile is not None:
                service.call("POST", "/profile/start")
            outcome = _open_and_wait(service, base, carriers, w.open_requests(ids), workdir, plan.fanout_timeout_s)
            if "error" in outcome:
                return outcome
            cpu = service.call("GET", "/stats")["cpu"] - cpu
            if profile is not None:
                service.call("POST", f"/profile/stop?path={profile}")
            check = _verify(service, outcome["dispute_ids"], workdir)
            calls = _carrier_calls(carriers)
    ideal = count * LATENCY / per_carrier
    result = {
        "disputes": count, "carrier": CARRIER, "latency_ms": LATENCY * 1000, "failure_every": FAILURE_EVERY,
        "per_carrier": per_carrier, "open_s": outcome["open_s"], "all_proof_s": outcome["all_proof_s"],
        "ideal_s": ideal, "efficiency": ideal / outcome["all_proof_s"], "pulls_ok": calls["ok"],
        "pulls_failed": calls["failed"], "faults_left": enqueued - calls["faulted"], "curve": outcome["curve"],
        "service_cpu": cpu / outcome["all_proof_s"], **check,
    }
    result["pulled_twice"] = max(0, calls["ok"] - check["with_pulled_proof"])
    print(f"    all proof after {result['all_proof_s']:.1f} s (ideal {ideal:.1f} s), lost {result['lost']}, "
          f"pulled twice {result['pulled_twice']}", flush=True)
    return result


def _fill_faults(carriers: str, blocks: int) -> int:
    rng = random.Random(20240423)
    enqueued = 0
    for _ in range(blocks):
        at = rng.randrange(FAILURE_EVERY)
        for mode, times in (("latency", at), ("error", 1), ("latency", FAILURE_EVERY - 1 - at)):
            if times:
                status, body = http("POST", f"{carriers}/_sandbox/faults",
                                    {"carrier": CARRIER, "mode": mode, "times": times, "delay_seconds": LATENCY})
                if status != 200:
                    raise RuntimeError(f"the carrier sandbox refused a fault: {body}")
                enqueued += times
    return enqueued


def _open_and_wait(service: Server, base: str, carriers: str, requests: list[w.Request], workdir: Path,
                   timeout: float) -> dict[str, Any]:
    spec = {"host": "127.0.0.1", "port": service.port, "concurrency": OPEN_CONCURRENCY, "mode": "once",
            "expect": [201], "keep_bodies": True, "requests": requests}
    opened: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: opened.update(load(spec, workdir, "fanout-open")))
    started = time.time()
    thread.start()
    waiting_url = f"{base}/v1/disputes?status=opened,awaiting_evidence&limit=1"
    curve: list[dict[str, float]] = []
    last_sample = 0.0
    while True:
        time.sleep(0.1)
        now = time.time()
        if now - last_sample >= 1.0:
            curve.append({"t": now - started, "done": _carrier_calls(carriers)["ok"]})
            last_sample = now
        if thread.is_alive():
            continue
        if opened.get("errors"):
            return {"error": f"opening failed: {opened.get('unexpected')}"}
        status, page = http("GET", waiting_url, headers=w.INVESTIGATOR_AUTH)
        if status == 200 and not page["items"]:
            break
        if now - started > timeout:
            return {"error": f"not all disputes had proof after {timeout:.0f} s"}
    finished = time.time()
    client_started = opened["started_at"]
    curve = [{"t": max(0.0, p["t"] - (client_started - started)), "done": p["done"]} for p in curve]
    step = max(1, len(curve) // 10)
    return {
        "open_s": opened["elapsed_s"],
        "all_proof_s": finished - client_started,
        "curve": curve[::step] + ([curve[-1]] if curve and (len(curve) - 1) % step else []),
        "dispute_ids": [json.loads(body)["id"] for body in opened["bodies"]],
    }


def _verify(service: Server, dispute_ids: list[str], workdir: Path) -> dict[str, int]:
    spec = {"host": "127.0.0.1", "port": service.port, "concurrency": 32, "mode": "once", "expect": [200],
            "keep_bodies": True, "requests": w.get_requests(dispute_ids)}
    read = load(spec, workdir, "fanout-verify")
    found = [json.loads(body) for body in read["bodies"] if body.startswith("{") and '"evidence"' in body]
    with_proof = sum(
        any(e["proof"]["status"] == "delivered" and e["proof"]["source"] == "pull" for e in d["evidence"]) for d in found
    )
    return {
        "lost": len(dispute_ids) - with_proof,
        "with_pulled_proof": with_proof,
        "extra_evidence": sum(len(d["evidence"]) > 1 for d in found),
        "proof_missing": sum(bool(d["proof_missing"]) for d in found),
    }


def _carrier_calls(carriers: str) -> dict[str, int]:
    _, seen = http("GET", f"{carriers}/_sandbox/requests")
    calls = [r for r in seen["requests"] if r["carrier"] == CARRIER]
    return {
        "ok": sum(r["status"] == 200 for r in calls),
        "failed": sum(r["status"] not in (200, None) for r in calls),
        "faulted": sum(r["fault"] is not None for r in calls),
    }
