"""Each process that runs the workers counts, by kind of work, its passes and those that failed (from 0 for every
kind), so an alert sees a kind whose every pass fails (DisputesWorkerFailing) before its cases reach their
deadlines."""

import asyncio

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from adapters.metrics import WorkerPasses
from adapters.workers import Pace, run_loop
from disputes.work import WorkKind
from tests.unit.test_worker_pace import no_pause, scripted_passes


def counted(registry: CollectorRegistry) -> dict[tuple[str, str], float]:
    text = generate_latest(registry).decode()
    return {
        (sample.name, sample.labels["kind"]): sample.value
        for family in text_string_to_metric_families(text) for sample in family.samples
        if family.name in ("disputes_worker_passes", "disputes_worker_pass_failures")
    }


def test_every_kind_of_work_is_counted_from_0():
    registry = CollectorRegistry()
    WorkerPasses(registry)
    samples = counted(registry)
    for kind in WorkKind:
        assert samples[("disputes_worker_passes_total", kind.value)] >= 0
        assert ("disputes_worker_pass_failures_total", kind.value) in samples


async def test_a_loop_counts_its_passes_and_each_one_that_failed():
    registry = CollectorRegistry()
    WorkerPasses(registry)
    before = counted(registry)
    outcomes = ["down"] * 4 + ["up"] * 2 + ["down"]  # every failing pass is counted, not only the first of a run
    stop, step = scripted_passes(WorkKind.SLA_CHECK.value, outcomes)

    await run_loop(WorkKind.SLA_CHECK.value, step, Pace(0.05, 1.0), stop, asyncio.Event(), no_pause)
    after = counted(registry)
    grown = {key: after[key] - before.get(key, 0.0) for key in after}
    assert grown[("disputes_worker_passes_total", "sla_check")] == 7
    assert grown[("disputes_worker_pass_failures_total", "sla_check")] == 5
    assert grown[("disputes_worker_passes_total", "assess")] == 0
