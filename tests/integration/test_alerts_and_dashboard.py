"""The alert rules and the dashboard in `deploy/` name only metrics the service exposes: read from the real
/metrics of an API process and of a worker process. The rules also pass promtool (`./dev test` installs it)."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

from adapters.bootstrap import create_app
from adapters.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
RULES = DEPLOY / "prometheus" / "alerts.yml"
METRIC = re.compile(r"\bdisputes_[a-z0-9_]+\b")
NOWHERE = "http://127.0.0.1:9"
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def _settings(**changes: object) -> Settings:
    services = ("orders", "payments", "fulfillment", "notifications", "accounts", "finance")
    return Settings(storage="memory", **{f"{service}_url": NOWHERE for service in services}, **changes)


async def _exposed(aiohttp_client, api: bool) -> set[str]:
    """The series names a scrape can show (a family with no series yet still declares its type)."""
    client = await aiohttp_client(create_app(_settings(run_workers=not api), api=api))
    text = await (await client.get("/metrics")).text()
    return {family.name + suffix for family in text_string_to_metric_families(text) for suffix in SUFFIXES[family.type]}


def _rule_expressions() -> dict[str, str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return {rule["alert"]: rule["expr"] for group in groups for rule in group["rules"]}


def _panel_expressions() -> dict[str, str]:
    dashboard = json.loads((DEPLOY / "grafana" / "disputes.json").read_text())
    return {f"{panel['title']} {target['refId']}": target["expr"] for panel in dashboard["panels"] for target in panel["targets"]}


async def test_every_alert_and_panel_names_metrics_the_service_exposes(aiohttp_client):
    api, worker = await _exposed(aiohttp_client, api=True), await _exposed(aiohttp_client, api=False)
    queries = _rule_expressions() | _panel_expressions()
    assert {"DisputesSlaBreached", "DisputesSlaWithSupervisor", "DisputesSlaBreachRisk", "DisputesOutboxStuck",
            "DisputesCarrierDown", "DisputesCarrierUnanswered", "DisputesWorkerFailing", "DisputesHttpErrors"} <= set(queries)
    named = {where: set(METRIC.findall(expr)) for where, expr in queries.items()}
    assert all(named.values()), [where for where, names in named.items() if not names]
    unknown = {where: names - (api | worker) for where, names in named.items() if names - (api | worker)}
    assert not unknown, f"not exposed by the service: {unknown}"
    assert all(name.startswith("disputes_") for name in api | worker)


async def test_each_process_exposes_what_applies_to_it(aiohttp_client):
    api, worker = await _exposed(aiohttp_client, api=True), await _exposed(aiohttp_client, api=False)
    shared = {"disputes_http_requests_total", "disputes_http_request_duration_seconds_bucket", "disputes_cases_open",
              "disputes_sla_at_risk", "disputes_sla_breached", "disputes_outbox_pending",
              "disputes_outbox_oldest_age_seconds", "disputes_pushed_events_waiting",
              "disputes_pushed_events_oldest_age_seconds", "disputes_storage_figures_age_seconds",
              "disputes_carrier_circuit_state", "disputes_carrier_retries_total", "disputes_sla_with_supervisor"}
    work = {"disputes_evidence_pulls_total", "disputes_evidence_pull_duration_seconds_bucket",
            "disputes_outbox_deliveries_total", "disputes_worker_passes_total", "disputes_worker_pass_failures_total"}
    assert shared <= api and shared | work <= worker
    assert not work & api  # the API calls no carrier and relays nothing when the workers run elsewhere


async def test_a_worker_reports_every_kind_of_outbox_delivery_from_0_so_its_first_parked_message_is_an_increase(
    aiohttp_client,
):
    client = await aiohttp_client(create_app(_settings(run_workers=True), api=False))
    families = text_string_to_metric_families(await (await client.get("/metrics")).text())
    deliveries = next(family for family in families if family.name == "disputes_outbox_deliveries")
    counted = {(s.labels["kind"], s.labels["result"]): s.value for s in deliveries.samples if s.name.endswith("_total")}
    kinds = ("refund", "reship", "notification", "staff_alert", "customer_risk", "carrier_liability",
             "account_restriction")
    assert counted == {(kind, result): 0.0 for kind in kinds for result in ("delivered", "retry", "parked")}


def test_the_rules_pass_promtool_and_their_own_unit_tests():
    assert shutil.which("promtool"), "promtool is missing: `./dev test` installs it (Debian package prometheus)"
    for command in (["check", "rules", RULES.name], ["test", "rules", "alerts_test.yml"]):
        done = subprocess.run(["promtool", *command], cwd=RULES.parent, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
