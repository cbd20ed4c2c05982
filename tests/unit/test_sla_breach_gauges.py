"""`disputes_sla_breached` counts the cases past their deadline the workers did not act on; a case the deadline rule
handed to a supervisor (DESIGN §2: flagged for abuse, it goes to a supervisor) is counted apart."""

from datetime import timedelta

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from adapters.memory import InMemoryEvidenceStore, InMemoryWorkload
from adapters.metrics import WorkloadGauges
from disputes.sla_sweeper import SlaSweeper
from schemas.common import Resolution
from schemas.dispute import Status
from tests.factories import CUSTOMER


@pytest.fixture
def sweeper(service, clock, due_work):
    return due_work(SlaSweeper(service))


async def scraped(service, repository, clock) -> list[str]:
    registry = CollectorRegistry()
    gauges = WorkloadGauges(InMemoryWorkload(repository, InMemoryEvidenceStore()), clock,
                            service.rules.escalate_before_deadline, registry, 0)
    await gauges.refresh()
    return [line for line in generate_latest(registry).decode().splitlines() if line.startswith("disputes_sla_")]


async def test_a_flagged_case_handed_to_a_supervisor_at_its_deadline_is_no_breach_but_waits_for_a_supervisor(
    service, request_for, sweeper, repository, clock
):
    dispute = (await service.open(CUSTOMER, request_for(resolution=Resolution.RESHIP), None)).dispute
    held = await repository.get(dispute.id)
    held.needs_supervisor = True  # abuse signals on the account
    await repository.save(held)
    clock.current = dispute.sla.decision_due + timedelta(seconds=1)
    assert "disputes_sla_breached 1.0" in await scraped(service, repository, clock)  # the sweeper has not come yet

    await sweeper.run_once()
    stored = repository.docs[dispute.id]
    assert stored.status is not Status.RESOLVED and stored.priority == 3  # with a supervisor
    clock.current += timedelta(minutes=15)

    lines = await scraped(service, repository, clock)
    assert "disputes_sla_breached 0.0" in lines and "disputes_sla_with_supervisor 1.0" in lines, lines
