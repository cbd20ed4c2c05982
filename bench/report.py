"""The markdown summary of a benchmark run (bench/results/latest.md), and how the smaller benchmarks publish theirs."""

import json
import os
import platform
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any


def publish(output: Path, name: str, result: dict[str, Any], markdown: Callable[[dict[str, Any]], str]) -> None:
    """Stamp `result` with the date, the machine and the packages; write `<name>.json` and `<name>.md`; print the md."""
    result |= {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
                   f"Python {sys.version.split()[0]}",
        "packages": {p: version(p) for p in ("mongoeco", "pymongo", "aiohttp")},
    }
    output.mkdir(parents=True, exist_ok=True)
    (output / f"{name}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    (output / f"{name}.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))


def _n(value: float | None, digits: int = 1) -> str:
    return "–" if value is None or value != value else f"{value:,.{digits}f}"


def _trips(row: dict[str, Any]) -> str:
    trips = row.get("round_trips")
    if not trips:
        return "–"
    mark = "" if trips["at_minimum"] else " ⚠"
    return f"{trips['per_op']:.2f} ({trips['minimum_text']}){mark}"


def _other(row: dict[str, Any]) -> str:
    shared = row["storage"] != "mongodb" and row["other_cpu"] > 0.25
    return f"{row['other_cpu']:.0%}" + (" ⚠" if shared else "")


def _disturbed(rows: list[dict[str, Any]], scenario: str) -> bool:
    """Other processes took more than a quarter of a CPU during the row or the baselines it is divided by."""
    for i, row in enumerate(rows):
        if row["scenario"] == scenario and row["storage"] in ("memory", "-") and row["loop"] == "asyncio":
            before = next((r for r in rows[:i][::-1] if r["scenario"] == "baseline" and r["loop"] == "asyncio"), None)
            after = next((r for r in rows[i + 1 :] if r["scenario"] == "baseline" and r["loop"] == "asyncio"), None)
            return any(r is not None and r["other_cpu"] > 0.25 for r in (row, before, after))
    return False


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    lines = [
        f"# Benchmark — {results['date']} ({results['mode']} run, {results['duration_s']} s)",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), Python {m['python']}, {m['platform']}; {packages}.",
        f"Load: {results['plan']['concurrency']} keep-alive connections from a separate client process; service, "
        "baseline, sandboxes and mongoeco each in their own process on 127.0.0.1. Each scenario runs on a fresh "
        "server (and a fresh database) after a warm-up.",
        "",
        "Baseline: a bare aiohttp app, one GET handler returning a small JSON body, served and loaded exactly like "
        "the service. Median "
        + "; ".join(f"{loop} {_n(rps)} req/s (runs in order: {', '.join(_n(r) for r in results['baseline_runs'][loop])})"
                    for loop, rps in results["baseline_rps"].items())
        + ". Each row's ratio is to the mean of the baseline runs just before and just after it, since other "
        "load on the machine drifts during a run. \"× baseline by CPU\" divides the baseline's server CPU time per "
        "request by the row's: the throughput ratio the two would show with the server alone on a core. Other "
        "load still shifts it (a server woken per request costs more CPU per request than one batching at "
        "saturation): only a run without ⚠ is a figure to go by.",
        "",
        "| scenario | storage | loop | requests | req/s | baseline req/s | × baseline | server CPU ms / request | × baseline by CPU | p50 ms | p95 ms | p99 ms | server CPU | client CPU | other CPU | DB round trips / op (design minimum) |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in results["rows"]:
        if row["scenario"] == "baseline":
            continue
        errors = f" ({row['errors']} errors)" if row["errors"] else ""
        lines.append(
            f"| {row['title']} | {row['storage']} | {row['loop']} | {row['ok']}{errors} | {_n(row['rps'])} | {_n(row['baseline_rps'])} | "
            f"{_n(row.get('ratio'), 3)} | {_n(row['cpu_ms_per_request'], 3)} | {_n(row.get('cpu_ratio'), 3)} | {_n(row['p50_ms'], 2)} | {_n(row['p95_ms'], 2)} | {_n(row['p99_ms'], 2)} | "
            f"{row['server_cpu']:.0%} | {row['client_cpu']:.0%} | {_other(row)} | {_trips(row)} |"
        )
    lines += ["", "CPU columns are in cores (100% = one CPU busy for the whole run): the server process, the load "
              "client, and everything else on the machine (mongoeco on `mongodb` rows; otherwise processes that are "
              "not the benchmark's — ⚠ marks a run that shared the machine with more than a quarter of a CPU of other work). Latencies are at "
              "saturation: with a fixed number of connections, p50 ≈ connections ÷ throughput."]
    lines += ["", "Rows on `mongodb` are **bound by the stand-in database (mongoeco), not the service**: mongoeco is a "
              "MongoDB wire server written in Python (its inserts slow down as a collection grows), so those rows are "
              "capped at a few hundred requests and only their round trips are a property of the service. "
              "`memory` rows measure the service's own cost."]
    lines += ["", "## Targets (in-memory adapter, ratio to the baseline's throughput)", ""]
    for t in results["targets"]:
        verdict = "met" if t["met"] else "**missed**"
        by_cpu = "met" if (t["cpu_ratio"] or 0) >= t["target"] else "missed"
        line = (f"- {t['title']}: {_n(t['ratio'], 3)} of the baseline's throughput (target ≥ {t['target']}) — "
                f"{verdict}; by server CPU per request {_n(t['cpu_ratio'], 3)} ({by_cpu})")
        if _disturbed(results["rows"], t["scenario"]):
            line += (" ⚠ other load on the machine during the row or its baselines: the throughput ratio is not "
                     "reliable, the CPU ratio is the one to go by")
        lines.append(line)
    lines += ["", "## Database round trips per operation (PyMongo command monitoring on the service's client)", ""]
    for row in results["rows"]:
        if trips := row.get("round_trips"):
            detail = ", ".join(f"{name} {n:.2f}" for name, n in trips["by_command"].items()) or "none"
            verdict = "at the minimum" if trips["at_minimum"] else "above the minimum"
            lines.append(f"- {row['title']}: {trips['per_op']:.2f} per operation ({detail}); design minimum "
                         f"{trips['minimum_text']} — {verdict}")
    lines += ["", "## Event loop", "", "- " + (results["uvloop"].get("note") or f"uvloop {results['uvloop']['version']}: rows with loop = uvloop, ratios to the uvloop baseline")]
    if fan := results.get("fanout"):
        lines += ["", "## Evidence fan-out", ""] + fanout_lines(fan)
    if hot := results.get("hotspots"):
        lines += ["", "## Hot spots (cProfile of the server process, CPU time; own time unless stated)", ""]
        for scenario, summary in hot.items():
            lines += _hotspots(scenario, summary)
    return "\n".join(lines)


def fanout_lines(fan: dict[str, Any]) -> list[str]:
    if "error" in fan:
        return [f"- did not complete: {fan['error']}"]
    lines = [
        f"- {fan['disputes']} disputes opened at once (in {_n(fan['open_s'], 2)} s) against the carrier sandbox "
        f"({fan['carrier']}) answering in {fan['latency_ms']:.0f} ms, one answer in ten a 503; in-memory adapter, "
        f"workers in the API process ({fan['per_carrier']} pulls at once per carrier).",
        f"- all had proof after **{_n(fan['all_proof_s'], 1)} s**; ideal count × latency ÷ concurrency = "
        f"{_n(fan['ideal_s'], 1)} s → efficiency {_n(fan['efficiency'], 2)}; the service process used "
        f"{fan.get('service_cpu', float('nan')):.0%} of a CPU meanwhile.",
        f"- carrier calls: {fan['pulls_ok']} answered with data, {fan['pulls_failed']} failed (retried); "
        f"faults left unused: {fan['faults_left']}.",
        f"- lost: {fan['lost']}; pulled twice: {fan['pulled_twice']}; disputes with more than one piece of "
        f"evidence: {fan['extra_evidence']}.",
    ]
    if fan.get("curve"):
        points = ", ".join(f"{p['t']:.0f} s: {p['done']}" for p in fan["curve"])
        lines.append(f"- progress (carrier answers with data over time): {points}")
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _hotspots(scenario: str, summary: dict[str, Any]) -> list[str]:
    lines = [f"### {scenario} — {summary['requests']} requests, {summary['per_request_ms']:.2f} ms of profiled CPU each", ""]
    areas = ", ".join(f"{area} {share:.0%}" for area, share in summary["by_area"].items())
    lines += [f"Own time by area: {areas}.", "", "| own time | share | calls | where | function | reached from (service) |",
              "|---:|---:|---:|---|---|---|"]
    for e in summary["own_time"]:
        via = f"`{e['via']}`" if e.get("via") else "–"
        lines.append(f"| {e['own_s']:.3f} s | {e['share']:.1%} | {e['calls']} | `{e['where']}` | {_cell(e['function'])} | {via} |")
    lines += ["", "Service code by cumulative time (includes what it calls):", "",
              "| cumulative | share | calls | where | function |", "|---:|---:|---:|---|---|"]
    for e in summary["service_cumulative"]:
        lines.append(f"| {e['cumulative_s']:.3f} s | {e['share']:.1%} | {e['calls']} | `{e['where']}` | {_cell(e['function'])} |")
    lines.append("")
    return lines
