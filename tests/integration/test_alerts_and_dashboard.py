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
from tests.e2e.conftest import eventually

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
              "disputes_carrier_circuit_state", "disputes_carrier_retries_total",
              "disputes_carrier_unmapped_statuses_total", "disputes_carrier_push_entries_skipped_total",
              "disputes_sla_with_supervisor", "disputes_storage_set_up"}
    work = {"disputes_evidence_pulls_total", "disputes_evidence_pull_duration_seconds_bucket",
            "disputes_outbox_deliveries_total", "disputes_worker_passes_total", "disputes_worker_pass_failures_total"}
    assert shared <= api and shared | work <= worker  # the API reads the pushes: their unreadable codes count there
    assert not work & api  # the API pulls from no carrier and relays nothing when the workers run elsewhere


README = DEPLOY.parent / "README.md"


def _readme_metrics() -> dict[tuple[str, ...], str]:
    """The README's metrics table: each row's metric names, and the processes its last column says expose them."""
    table = README.read_text(encoding="utf-8").split("\n| metric | labels | from |\n", 1)[1].split("\n\n", 1)[0]
    cells = [row.strip().strip("|").split("|") for row in table.splitlines()[1:]]
    return {tuple(re.findall(r"`(disputes_[a-z0-9_]+)`", row[0])): row[-1].strip() for row in cells}


async def test_the_readme_s_metrics_table_names_the_processes_that_expose_each_metric(aiohttp_client):
    api, worker = await _exposed(aiohttp_client, api=True), await _exposed(aiohttp_client, api=False)
    rows = _readme_metrics()
    assert len(rows) > 10 and any("disputes_carrier_push_entries_skipped_total" in names for names in rows)

    def series(name: str) -> str:
        return name if name.endswith("_total") or name + "_bucket" not in api | worker else name + "_bucket"

    wrong = []
    for names, where in rows.items():
        found = {(series(name) in api, series(name) in worker) for name in names}
        if where.startswith("every process"):
            wrong += [] if found == {(True, True)} else [(names, where, found)]
        elif where.startswith(("workers", "processes running the workers")):
            wrong += [] if found == {(False, True)} else [(names, where, found)]
        elif where.startswith("the API"):
            wrong += [] if all(in_api for in_api, _ in found) else [(names, where, found)]
        else:
            wrong.append((names, where, found))
    assert wrong == []


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


def test_the_rules_and_the_scrape_configuration_pass_promtool_and_the_rules_their_own_unit_tests():
    assert shutil.which("promtool"), "promtool is missing: `./dev test` installs it (Debian package prometheus)"
    for command in (["check", "rules", RULES.name], ["test", "rules", "alerts_test.yml"],
                    ["check", "config", "prometheus.yml"]):
        done = subprocess.run(["promtool", *command], cwd=RULES.parent, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr


async def test_an_idle_worker_s_loops_pass_at_their_interval_so_no_pass_in_ten_minutes_means_they_stopped(aiohttp_client):
    client = await aiohttp_client(create_app(_settings(run_workers=True, relay_interval_seconds=0.05), api=False))

    async def relay_passes() -> float:
        families = text_string_to_metric_families(await (await client.get("/metrics")).text())
        passes = next(family for family in families if family.name == "disputes_worker_passes")
        return next(s.value for s in passes.samples if s.labels["kind"] == "relay" and s.name.endswith("_total"))

    first = await relay_passes()

    async def passed_again() -> bool:
        return await relay_passes() >= first + 3

    await eventually(passed_again, timeout=10, explain="the idle relay did not pass again")  # nothing to deliver
    set_up = next(f for f in text_string_to_metric_families(await (await client.get("/metrics")).text())
                  if f.name == "disputes_storage_set_up")
    assert set_up.samples[0].value == 1.0  # nothing to set up in memory


def test_the_at_risk_figure_is_described_by_its_setting_not_by_its_default_length():
    """`disputes_sla_at_risk` counts the cases due within DISPUTES_ESCALATE_BEFORE_DEADLINE_HOURS, which an operator
    may change: no alert text or panel legend reading it may say how many hours that is."""
    rules = [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]
             if "disputes_sla_at_risk" in rule["expr"]]
    dashboard = json.loads((DEPLOY / "grafana" / "disputes.json").read_text())
    legends = [target["legendFormat"] for panel in dashboard["panels"] for target in panel["targets"]
               if "disputes_sla_at_risk" in target["expr"]]
    texts = [rule["annotations"]["summary"] for rule in rules] + legends
    assert rules and legends and all("escalation window" in text for text in texts), texts
    assert not [text for text in texts if re.search(r"\d+\s*(h\b|hours)", text)], texts


def test_the_runbook_lists_the_cases_at_risk_within_the_configured_escalation_window():
    """The first command for DisputesSlaBreachRisk asks for the cases the alert counts: due within
    DISPUTES_ESCALATE_BEFORE_DEADLINE_HOURS as configured, not within its default."""
    runbook = (DEPLOY.parent / "docs" / "operations.md").read_text(encoding="utf-8")
    entry = runbook.partition("### DisputesSlaBreachRisk")[2].partition("\n### ")[0]
    assert re.findall(r"due_within_hours=([^&\s\"]+)", entry) == ["$LEAD"], entry
    assert re.search(r"^export LEAD=\S+ +# DISPUTES_ESCALATE_BEFORE_DEADLINE_HOURS", runbook, flags=re.MULTILINE)


def _anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives a document's headings: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#{1,6} (.+)$", markdown, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


def test_every_alert_has_a_description_and_a_runbook_entry_of_its_own():
    rules = [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]
    urls = {rule["alert"]: rule["annotations"].get("runbook_url", "") for rule in rules}
    assert not [alert for alert, url in urls.items() if not url.startswith("docs/operations.md#")], urls
    anchors = _anchors((DEPLOY.parent / "docs" / "operations.md").read_text(encoding="utf-8"))
    assert not {alert: url for alert, url in urls.items() if url.partition("#")[2] not in anchors}
    assert len(set(urls.values())) == len(urls)  # one entry per alert
    assert not [rule["alert"] for rule in rules if not rule["annotations"].get("description")]


def test_every_figure_an_alert_fires_on_has_a_panel():
    """An operator following an alert to the dashboard finds what it fired on."""
    drawn = set().union(*(METRIC.findall(expr) for expr in _panel_expressions().values()))
    missing = {alert: set(METRIC.findall(expr)) - drawn for alert, expr in _rule_expressions().items()}
    assert not {alert: names for alert, names in missing.items() if names}
