"""Settings: every number the business sets is a setting whose default is the core's own, the settings
page is what the model says, a variable under the prefix that names no setting is refused, and secrets come from
the files of a secrets directory."""

import dataclasses
import json
import os
from datetime import date, timedelta
from pathlib import Path
from typing import get_args

import pytest
from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import SettingsError

from adapters.cli import explain
from adapters.mongo.client import connect
from adapters.settings import READ_BY_OTHERS, SecretFileError, Settings, unknown_setting, unknown_variables
from adapters import settings_doc
from adapters.settings_doc import PAGE, render
from carriers.base import CarrierSettings
from carriers.dhl.client import DhlAdapter
from carriers.registry import CARRIERS, CarrierEntry
from disputes.policy import PolicySettings
from disputes.rules import Rules


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)


def changed_fields(setting: str) -> set[str]:
    """Which numbers of the policy and the rules change when only `setting` changes."""
    default = settings()
    value = getattr(default, setting)
    match value:
        case bool():
            other: object = not value
        case int():
            other = value + 1
        case float():
            other = value * 0.9
        case "business" | "holiday":
            other = "holiday" if value == "business" else "business"
        case ():
            other = (date(2027, 5, 20),)
        case _:
            return set()
    tweaked = settings(**{setting: other})
    return {
        f"{type(config).__name__}.{field.name}"
        for config, before in ((tweaked.policy(), default.policy()), (tweaked.rules(), default.rules()))
        for field in dataclasses.fields(config)
        if getattr(config, field.name) != getattr(before, field.name)
    }


def test_the_defaults_are_the_policy_s_and_the_rules_own() -> None:
    assert settings().policy() == PolicySettings()
    assert settings().rules() == Rules()


def test_every_number_of_the_policy_and_the_rules_is_one_setting() -> None:
    changes = {name: changed_fields(name) for name in Settings.model_fields}

    assert [name for name, fields in changes.items() if len(fields) > 1] == []
    every_number = {f"PolicySettings.{f.name}" for f in dataclasses.fields(PolicySettings)}
    every_number |= {f"Rules.{f.name}" for f in dataclasses.fields(Rules)}
    assert set().union(*changes.values()) == every_number


@pytest.mark.parametrize(("variable", "value", "field", "expected"), [
    ("DISPUTES_POLICY_THIRD_PARTY_WAIT_HOURS", "36", "third_party_wait", timedelta(hours=36)),
    ("DISPUTES_POLICY_SOON_AFTER_DELIVERY_MINUTES", "5", "soon_after_delivery", timedelta(minutes=5)),
    ("DISPUTES_POLICY_DELIVERY_TIME_TOLERANCE_HOURS", "1.5", "delivery_time_tolerance", timedelta(minutes=90)),
    ("DISPUTES_POLICY_ABUSE_WINDOW_DAYS", "90", "abuse_window", timedelta(days=90)),
    ("DISPUTES_POLICY_GPS_ACCURACY_CAP_M", "50", "gps_accuracy_cap_m", 50.0),
    ("DISPUTES_POLICY_AUTO_REJECT", "true", "auto_reject_enabled", True),
])
def test_a_policy_setting_reaches_the_policy_in_its_unit(monkeypatch: pytest.MonkeyPatch, variable: str, value: str,
                                                         field: str, expected: object) -> None:
    monkeypatch.setenv(variable, value)
    assert getattr(settings().policy(), field) == expected


def test_a_rule_setting_reaches_the_rules_in_its_unit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPUTES_EVIDENCE_RETRY_SECONDS", "30")
    monkeypatch.setenv("DISPUTES_CLAIM_WINDOW_DAYS", "10")
    rules = settings().rules()
    assert (rules.evidence_retry, rules.claim_window) == (timedelta(seconds=30), timedelta(days=10))


def test_numbers_the_policy_refuses_are_refused_when_the_settings_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPUTES_POLICY_NEAR_RADIUS_M", "5000")  # beyond the far distance
    with pytest.raises(ValidationError, match="DISPUTES_POLICY_NEAR_RADIUS_M cannot be beyond DISPUTES_POLICY_FAR_DIS"):
        settings()


@pytest.mark.parametrize(("variable", "value", "said"), [
    ("DISPUTES_DECISION_BUSINESS_DAYS", "-3", "DISPUTES_DECISION_BUSINESS_DAYS must be at least 1"),  # openings were 500s
    ("DISPUTES_EVIDENCE_BUSINESS_DAYS", "4", "within the decision's"),  # the proof waited for past the decision
    ("DISPUTES_CLAIM_WINDOW_DAYS", "-1", "longer than zero"),
    ("DISPUTES_IDEMPOTENCY_TTL_HOURS", "0", "longer than zero"),
    ("DISPUTES_EVIDENCE_RETRY_SECONDS", "0", "longer than zero"),
    ("DISPUTES_EVIDENCE_RETRY_SECONDS", "5000", "cannot be shorter than the first"),
    ("DISPUTES_ESCALATE_BEFORE_DEADLINE_HOURS", "-12", "cannot be negative"),
    ("DISPUTES_INFORMATION_REQUESTS_PER_REVIEW", "-1", "cannot be negative"),
    ("DISPUTES_ATTACHMENT_RETENTION_DAYS", "-1", "greater than or equal to 1"),
    ("DISPUTES_ATTACHMENT_RETENTION_DAYS", "13", "at least DISPUTES_APPEAL_WINDOW_DAYS"),  # the window: 14 days
    ("DISPUTES_CASE_PERSONAL_DATA_RETENTION_DAYS", "0", "greater than or equal to 1"),
    ("DISPUTES_CASE_PERSONAL_DATA_RETENTION_DAYS", "364", "at least DISPUTES_ATTACHMENT_RETENTION_DAYS"),  # 365 days
])
def test_business_numbers_that_cannot_work_are_refused_when_the_settings_load(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, said: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match=said):
        settings()


@pytest.mark.parametrize(("variable", "value"), [
    ("DISPUTES_APPEAL_WINDOW_DAYS", "0"), ("DISPUTES_IDEMPOTENCY_TTL_HOURS", "0"),
    ("DISPUTES_EVIDENCE_MAX_RETRY_SECONDS", "60"), ("DISPUTES_ESCALATE_BEFORE_DEADLINE_HOURS", "-1"),
    ("DISPUTES_EVIDENCE_BUSINESS_DAYS", "5"), ("DISPUTES_INFORMATION_REPLY_BUSINESS_DAYS", "0"),
    ("DISPUTES_INFORMATION_REQUESTS_PER_REVIEW", "-1"), ("DISPUTES_POLICY_NEAR_RADIUS_M", "2000"),
    ("DISPUTES_POLICY_NAME_MATCH_THRESHOLD", "50"), ("DISPUTES_POLICY_NAME_MATCH_THRESHOLD", "101"),
    ("DISPUTES_POLICY_REPEAT_CLAIMS", "0"), ("DISPUTES_POLICY_SHARED_ADDRESS_ACCOUNTS", "0"),
    ("DISPUTES_POLICY_WEIGHT_TOLERANCE_GRAMS", "-1"), ("DISPUTES_POLICY_WEIGHT_TOLERANCE_SHARE", "2"),
    ("DISPUTES_POLICY_GPS_ACCURACY_CAP_M", "-1"), ("DISPUTES_POLICY_POINT_FAR_DISTANCE_M", "-1"),
    ("DISPUTES_POLICY_HIGH_VALUE_MINOR", "-1"), ("DISPUTES_POLICY_AUTO_RESOLVE_CONFIDENCE", "2"),
])
def test_a_business_number_refused_is_said_by_its_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    """Each refusal of the rules' and the policy's numbers says which variable to change, in one line (a lowered
    match threshold by the mismatch threshold it fell below too)."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError) as refused:
        settings()
    (line,) = explain(refused.value)
    assert line.startswith("settings: DISPUTES_") and variable in line, line


@pytest.mark.parametrize(("values", "variable"), [
    ({"DISPUTES_ESCALATE_BEFORE_DEADLINE_HOURS": "24"}, "DISPUTES_ESCALATE_BEFORE_DEADLINE_HOURS"),  # "a day"
    ({"DISPUTES_ESCALATE_BEFORE_DEADLINE_HOURS": "72"}, "DISPUTES_ESCALATE_BEFORE_DEADLINE_HOURS"),  # "3 days"
    ({"DISPUTES_POLICY_THIRD_PARTY_REVIEW_HOURS": "48"}, "DISPUTES_POLICY_THIRD_PARTY_REVIEW_HOURS"),
    ({"DISPUTES_EVIDENCE_MAX_RETRY_SECONDS": "1000000"}, "DISPUTES_EVIDENCE_MAX_RETRY_SECONDS"),
    ({"DISPUTES_MONGODB_REQUEST_TIMEOUT_SECONDS": "6"}, "DISPUTES_MONGODB_REQUEST_TIMEOUT_SECONDS"),
    ({"DISPUTES_MONGODB_WORKER_TIMEOUT_SECONDS": "30", "DISPUTES_LEASE_SECONDS": "20"},
     "DISPUTES_MONGODB_WORKER_TIMEOUT_SECONDS"),
    ({"DISPUTES_LEASE_SECONDS": "10000"}, "DISPUTES_LEASE_SECONDS"),  # milliseconds given as seconds
    ({"DISPUTES_MONGODB_TIMEOUT_SECONDS": "30000"}, "DISPUTES_MONGODB_TIMEOUT_SECONDS"),
    ({"DISPUTES_MONGODB_REQUEST_TIMEOUT_SECONDS": "3000"}, "DISPUTES_MONGODB_REQUEST_TIMEOUT_SECONDS"),
    ({"DISPUTES_DOWNSTREAM_TIMEOUT_SECONDS": "5000"}, "DISPUTES_DOWNSTREAM_TIMEOUT_SECONDS"),
    ({"DISPUTES_BODY_TIMEOUT_SECONDS": "30000"}, "DISPUTES_BODY_TIMEOUT_SECONDS"),
    ({"DISPUTES_SLA_INTERVAL_SECONDS": "10000"}, "DISPUTES_SLA_INTERVAL_SECONDS"),
])
def test_implausible_or_inconsistent_timings_are_refused_in_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, values: dict[str, str], variable: str
) -> None:
    """An escalation lead as long as the first response's deadline escalated every case as it opened; a third party
    check ending a decision window before the deadline left the customer no time; a value in milliseconds read as
    seconds left a dead worker's work waiting hours."""
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as refused:
        settings()
    (line,) = explain(refused.value)
    assert line.startswith((f"{variable}:", f"settings: {variable} ")), line


def test_timings_within_their_bounds_and_one_another_are_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    taken_values = {
        "DISPUTES_ESCALATE_BEFORE_DEADLINE_HOURS": "23", "DISPUTES_POLICY_THIRD_PARTY_REVIEW_HOURS": "47",
        "DISPUTES_LEASE_SECONDS": "600", "DISPUTES_MONGODB_WORKER_TIMEOUT_SECONDS": "300",
        "DISPUTES_MONGODB_TIMEOUT_SECONDS": "300", "DISPUTES_MONGODB_REQUEST_TIMEOUT_SECONDS": "300",
        "DISPUTES_EVIDENCE_MAX_RETRY_SECONDS": "172800", "DISPUTES_SLA_INTERVAL_SECONDS": "3600",
    }
    for name, value in taken_values.items():
        monkeypatch.setenv(name, value)
    taken = settings()
    assert (taken.rules().escalate_before_deadline, taken.lease_seconds) == (timedelta(hours=23), 600)


def test_a_shorter_lease_or_database_timeout_alone_leaves_the_defaults_that_give_way_to_it() -> None:
    """The workers' storage timeout and the request timeout are refused longer than the lease and the database
    timeout when given; left at their defaults, a shorter lease or database timeout alone is taken and they give way
    to it (a test's 1-second lease: a worker's storage call then waits a second at most, not the 10 s default, which
    would have it hold work another worker had taken)."""
    short_lease = settings(lease_seconds=1, heartbeat_seconds=0.3)
    assert (short_lease.lease_seconds, short_lease.mongodb_worker_timeout_seconds) == (1, 1)
    short_reach = settings(mongodb_timeout_seconds=1)
    assert (short_reach.mongodb_timeout_seconds, short_reach.mongodb_request_timeout_seconds) == (1, 1)
    default = settings()
    assert (default.mongodb_request_timeout_seconds, default.mongodb_worker_timeout_seconds) == (3, 10)
    assert settings(lease_seconds=20, mongodb_timeout_seconds=4).mongodb_worker_timeout_seconds == 10  # within both


@pytest.mark.parametrize("level", ["LOUD", "trace", "10"])
def test_a_log_level_logging_does_not_know_is_refused_when_the_settings_load(
    monkeypatch: pytest.MonkeyPatch, level: str
) -> None:
    monkeypatch.setenv("DISPUTES_LOG_LEVEL", level)
    with pytest.raises(ValidationError, match="'DEBUG', 'INFO', 'WARNING' or 'ERROR'"):
        settings()


def test_a_log_level_is_read_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPUTES_LOG_LEVEL", "warning")
    assert settings().log_level == "WARNING"


def undescribed(model: type[Settings] = Settings) -> list[str]:
    """The settings the page could not explain: every one needs a description of what it does (every carrier's
    too, by its dotted key under its code, as the page lists it)."""
    own = [name for name, info in model.model_fields.items() if not (info.description or "").strip()]
    carriers = [f"{code}.{key}" for code, entry in settings_doc.CARRIERS.items()
                for key, info in settings_doc._keys(entry.settings, settings_doc._own(entry.settings))
                if not (info.description or "").strip()]
    return own + (carriers if model is Settings else [])


def test_the_settings_repr_names_the_carriers_but_holds_none_of_their_credentials() -> None:
    ups = {"credentials": {"client_id": "UPS-ID", "client_secret": "UPS-SECRET"}}
    configured = settings(carriers={"ups": ups, "dhl": {"api_key": "DHL-KEY"}})
    shown = repr(configured) + str(configured)
    assert "carriers={'ups': '**********', 'dhl': '**********'}" in shown
    assert not any(secret in shown for secret in ("UPS-ID", "UPS-SECRET", "DHL-KEY"))
    assert configured.carriers["ups"] == ups


def test_every_setting_is_described() -> None:
    assert undescribed() == [], "give each a Field(description=...), then run `python -m adapters.settings_doc`"


def test_the_settings_page_is_the_one_the_model_writes() -> None:
    assert PAGE.read_text(encoding="utf-8") == render(), "stale: run `python -m adapters.settings_doc`"


def test_the_page_lists_each_setting_with_its_variable_type_default_and_description() -> None:
    page = PAGE.read_text(encoding="utf-8").split("## Carrier settings")[0]
    rows = {line.split(" | ")[0].strip("| `"): line.split(" | ") for line in page.splitlines() if line.startswith("| `")}
    assert set(rows) == {f"DISPUTES_{name.upper()}" for name in Settings.model_fields}
    assert rows["DISPUTES_PORT"][1:3] == ["integer", "`8080`"]
    assert rows["DISPUTES_JWT_SECRET"][2] == "a development-only value"  # a secret's default is never printed
    assert all(cell.strip() for row in rows.values() for cell in row)


def test_the_page_says_what_fetches_the_identity_provider_s_keys_before_their_refresh_interval() -> None:
    [line] = [line for line in PAGE.read_text(encoding="utf-8").splitlines()
              if line.startswith("| `DISPUTES_JWT_JWKS_REFRESH_INTERVAL_SECONDS`")]
    assert "a key not in hand (`kid`)" in line, "an unknown key id fetches the keys"
    assert "a signature the key in hand under its `kid` does not match" in line, "so does a bad signature"


def test_the_page_lists_every_carriers_settings_by_their_keys() -> None:
    page = PAGE.read_text(encoding="utf-8")
    carriers = page[page.index("## Carrier settings"):]
    assert "| `retry.attempts` | integer | `4` | Tries of one call, the first included. |" in carriers
    for code in ("ups", "dhl", "fedex", "hepsijet", "yurtici", "aras", "mng", "ptt", "surat"):
        assert f"\n### `{code}`: " in carriers
    ups = carriers[carriers.index("### `ups`"):carriers.index("### `dhl`")]
    assert "| `credentials.client_secret` | secret text | required |" in ups
    assert "| `base_url` | text | `https://onlinetools.ups.com` |" in ups
    assert "| `webhook_credential` | secret text, optional | unset |" in ups


class KolaySettings(CarrierSettings):
    base_url: str = Field(default="https://kolay.example", description="Its API.")
    api_key: SecretStr


def test_a_carrier_setting_without_a_description_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings_doc, "CARRIERS", {**CARRIERS, "kolay": CarrierEntry(KolaySettings, DhlAdapter)})
    assert undescribed() == ["kolay.api_key"]


class Added(Settings):
    """Settings as another change may add them: of types the page has not named before, one undescribed."""

    jwks_url: str | None = Field(default=None, description="Where the identity provider's keys are.")
    jwks_algorithms: list[str] = Field(default_factory=lambda: ["RS256"], description="Accepted algorithms.")
    rate_limit_window: timedelta = Field(default=timedelta(seconds=1), description="The bucket's refill period.")
    webhook_rate: int = 5


def test_a_new_setting_is_listed_whatever_its_type_and_refused_without_a_description() -> None:
    page = render(Added)
    assert "| `DISPUTES_JWKS_ALGORITHMS` | JSON list of text | `[\"RS256\"]` | Accepted algorithms. |" in page
    assert "| `DISPUTES_RATE_LIMIT_WINDOW` | duration (seconds, or ISO 8601 such as PT5M) | `0:00:01` | The bucket's refill period. |" in page
    assert undescribed(Added) == ["webhook_rate"]


@pytest.mark.parametrize(("variable", "meant"), [
    ("DISPUTES_JWT_SECRT", "DISPUTES_JWT_SECRET"),
    ("DISPUTES_SLA_DECISON_DAYS", "DISPUTES_DECISION_BUSINESS_DAYS"),
    ("disputes_mongo_uri", "DISPUTES_MONGODB_URI"),  # read in any case, so refused in any case
    ("DISPUTES_CARRIERS__UPS", "DISPUTES_CARRIERS"),  # no nested form: the carriers are one JSON object
])
def test_a_misspelt_variable_is_refused_naming_the_setting_it_meant(variable: str, meant: str) -> None:
    assert unknown_setting(variable) == f"not a setting, did you mean {meant}? (docs/settings.md lists every one)"


def test_a_variable_like_no_setting_is_refused_without_a_guess() -> None:
    assert unknown_setting("DISPUTES_COLOUR") == "not a setting (docs/settings.md lists every one)"


def test_every_setting_and_what_others_read_under_the_prefix_is_accepted() -> None:
    variables = [f"DISPUTES_{name.upper()}" for name in Settings.model_fields] + list(READ_BY_OTHERS)
    assert [v for v in variables + [v.lower() for v in variables] if unknown_setting(v) is not None] == []


def test_the_settings_are_read_by_their_field_names_only() -> None:
    """The names `unknown_setting` knows: an alias or a nested delimiter would add names it would refuse."""
    assert Settings.model_config.get("env_nested_delimiter") is None
    assert [name for name, info in Settings.model_fields.items() if info.alias or info.validation_alias] == []


@pytest.mark.parametrize("variable", ["PATH", "MONGO_ROOT_PASSWORD", "PARTNER_SECRET", "MY_DISPUTES_PORT"])
def test_a_variable_outside_the_prefix_is_not_the_settings_business(variable: str) -> None:
    assert unknown_setting(variable) is None


@pytest.mark.parametrize(("variable", "meant"), [
    ("DISPUTE_APPEAL_WINDOW_DAYS", "DISPUTES_APPEAL_WINDOW_DAYS"),
    ("DISPUTS_POLICY_AUTO_REJECT", "DISPUTES_POLICY_AUTO_REJECT"),
    ("DISPUTESRELAY_MAX_ATTEMPTS", "DISPUTES_RELAY_MAX_ATTEMPTS"),
    ("dispute_decision_business_days", "DISPUTES_DECISION_BUSINESS_DAYS"),
    ("DISPUTESPORT", "DISPUTES_PORT"),
    ("DIPSUTES_HOST", "DISPUTES_HOST"),
])
def test_a_variable_with_a_misspelt_prefix_is_refused_naming_the_setting_it_meant(variable: str, meant: str) -> None:
    assert unknown_setting(variable) == f"not a setting, did you mean {meant}? (docs/settings.md lists every one)"


REALISTIC_ENVIRONMENT = {
    "PATH": "/app/.venv/bin:/usr/local/bin:/usr/bin:/bin", "HOME": "/home/app", "USER": "app", "HOSTNAME": "disputes-0",
    "PWD": "/app", "SHELL": "/bin/bash", "TERM": "xterm", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TZ": "UTC",
    "DISPLAY": ":0", "DEBUG": "0", "LOG_LEVEL": "info", "PORT": "8080", "HOST": "0.0.0.0",
    "PYTHONPATH": "/app", "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "random",
    "PYTHON_VERSION": "3.13.1", "PYTHON_SHA256": "0" * 64, "GPG_KEY": "A" * 40, "VIRTUAL_ENV": "/app/.venv",
    "UV_CACHE_DIR": "/tmp/uv", "PIP_INDEX_URL": "https://pypi.org/simple", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    "SSL_CERT_FILE": "/etc/ssl/cert.pem", "SSL_CERT_DIR": "/etc/ssl/certs", "REQUESTS_CA_BUNDLE": "/etc/ssl/cert.pem",
    "HTTP_PROXY": "http://proxy:3128", "HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "localhost",
    "MONGO_URI": "mongodb://mongo", "MONGODB_URI": "mongodb://mongo", "DATABASE_URL": "postgres://db/app",
    "MONGO_INITDB_ROOT_USERNAME": "root", "MONGO_INITDB_ROOT_PASSWORD": "pw", "JWT_SECRET": "x" * 32,
    "AWS_SECRET_ACCESS_KEY": "k", "AWS_REGION": "eu-central-1", "OTEL_SERVICE_NAME": "disputes",
    "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317", "KUBERNETES_SERVICE_HOST": "10.0.0.1",
    "KUBERNETES_SERVICE_PORT": "443", "KUBERNETES_PORT": "tcp://10.0.0.1:443", "KUBERNETES_PORT_443_TCP_ADDR": "10.0.0.1",
    "MY_DISPUTES_PORT": "8080", "DISPUTES_BIND": "0.0.0.0",
}
"""What a container's environment holds besides the service's settings: the shell's, the Python image's, a proxy's,
a tracing agent's, the database image's and Kubernetes' own variables."""


def test_a_realistic_environment_holds_no_variable_taken_for_a_misspelt_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    for name in [name for name in os.environ if name.upper().startswith("DISPUTES_")]:
        monkeypatch.delenv(name)
    for name, value in REALISTIC_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{name}={value}\n" for name, value in REALISTIC_ENVIRONMENT.items()))

    assert list(unknown_variables(env_file)) == []


def service_links(service: str, address: str, *ports: tuple[int, str, str]) -> dict[str, str]:
    """What Kubernetes sets in a pod for a Service of its namespace (kubernetes.io, "Service", "Environment
    variables": `REDIS_MASTER_SERVICE_HOST=10.0.0.11`, `REDIS_MASTER_PORT_6379_TCP=tcp://10.0.0.11:6379`, ...), for
    `ports` of (number, protocol, name); the first port is the Service's own."""
    name, host = service.upper().replace("-", "_"), f"[{address}]" if ":" in address else address
    (first, first_protocol, _), links = ports[0], {f"{name}_SERVICE_HOST": address}
    links |= {f"{name}_SERVICE_PORT": str(first), f"{name}_PORT": f"{first_protocol.lower()}://{host}:{first}"}
    for number, protocol, port_name in ports:
        link = f"{name}_PORT_{number}_{protocol}"
        links |= {link: f"{protocol.lower()}://{host}:{number}", f"{link}_PROTO": protocol.lower(),
                  f"{link}_PORT": str(number), f"{link}_ADDR": address}
        if port_name:
            links[f"{name}_SERVICE_PORT_{port_name.upper().replace('-', '_')}"] = str(number)
    return links


KUBERNETES_SERVICES = (
    service_links("dispute", "10.96.14.7", (8080, "TCP", "http"))
    | service_links("dispute-worker", "10.96.14.8", (8081, "TCP", "ops"), (8125, "UDP", "statsd"))
    | service_links("dispute-db", "fd00:10:96::2a", (27017, "TCP", "mongo"))
    | service_links("disputs", "10.96.14.9", (80, "SCTP", ""))
    | service_links("kubernetes", "10.96.0.1", (443, "TCP", "https"))
)
"""Services named like the service (its prefix misspelt, in a name or two) in a pod's namespace."""


def test_a_kubernetes_service_s_variables_are_never_taken_for_a_misspelt_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [name for name in os.environ if name.upper().startswith(("DISPUTES_", "DISPUTE_", "DISPUTS_"))]:
        monkeypatch.delenv(name)
    for name, value in KUBERNETES_SERVICES.items():
        monkeypatch.setenv(name, value)

    assert list(unknown_variables(None)) == []


@pytest.mark.parametrize(("variable", "value", "meant"), [
    ("DISPUTE_PORT", "8081", "DISPUTES_PORT"),  # a service link's name, not its value: a misspelt setting
    ("DISPUTE_WORKER_PORT", "tcp://10.96.14.8", "DISPUTES_WORKER_PORT"),  # no port: no service link
])
def test_a_misspelt_variable_with_a_service_link_s_name_but_not_its_value_is_refused(
    variable: str, value: str, meant: str,
) -> None:
    assert unknown_setting(variable, value) == f"not a setting, did you mean {meant}? (docs/settings.md lists every one)"


@pytest.mark.parametrize(("variable", "value"), [
    ("DISPUTES_PORT", "tcp://10.96.14.7:8080"),  # a Service named `disputes`: the API's port setting's name
    ("DISPUTES_WORKER_PORT", "tcp://10.96.14.8:8081"),
    ("DISPUTES_SERVICE_HOST", "10.96.14.7"),
    ("DISPUTES_UI_PORT_80_TCP_PROTO", "tcp"),
])
def test_a_kubernetes_service_s_variable_under_the_prefix_is_refused_saying_how_to_leave_it_out(
    variable: str, value: str,
) -> None:
    assert unknown_setting(variable, value) == (
        "set by Kubernetes for a Service whose name starts with disputes, not a setting: give the pod "
        "enableServiceLinks: false (README, Running in production)"
    )


def test_unknown_variables_come_from_the_environment_and_the_env_file(monkeypatch: pytest.MonkeyPatch,
                                                                      tmp_path: Path) -> None:
    for name in [name for name in os.environ if name.upper().startswith("DISPUTES_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("DISPUTES_JWT_SECRT", "x" * 40)
    monkeypatch.setenv("DISPUTES_PORT", "8081")
    monkeypatch.setenv("DISPUTE_APPEAL_WINDOW_DAYS", "7")  # the prefix misspelt
    env_file = tmp_path / ".env"
    env_file.write_text("DISPUTES_JWT_SECRT=y\nDISPUTES_COLOUR=red\nMONGO_ROOT_PASSWORD=pw\nDISPUTES_BIND=0.0.0.0\n"
                        "DISPUTESRELAY_MAX_ATTEMPTS=3\n")

    assert list(unknown_variables(env_file)) == [
        "DISPUTE_APPEAL_WINDOW_DAYS: not a setting, did you mean DISPUTES_APPEAL_WINDOW_DAYS? "
        "(docs/settings.md lists every one)",
        f"DISPUTES_COLOUR (in {env_file}): not a setting (docs/settings.md lists every one)",
        "DISPUTES_JWT_SECRT: not a setting, did you mean DISPUTES_JWT_SECRET? (docs/settings.md lists every one)",
        f"DISPUTESRELAY_MAX_ATTEMPTS (in {env_file}): not a setting, did you mean DISPUTES_RELAY_MAX_ATTEMPTS? "
        "(docs/settings.md lists every one)",
    ]
    monkeypatch.delenv("DISPUTES_JWT_SECRT")
    monkeypatch.delenv("DISPUTE_APPEAL_WINDOW_DAYS")
    assert list(unknown_variables(None)) == []


JWT_SECRET = "a-jwt-secret-from-a-file-0123456789abcdef"
MONGODB_PASSWORD = "p@ss:w/rd%that-needs-no-escaping"


@pytest.fixture
def secrets_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A secrets directory as Compose mounts one, named by DISPUTES_SECRETS_DIR, and no other DISPUTES_* variable."""
    for name in [name for name in os.environ if name.upper().startswith("DISPUTES_")]:
        monkeypatch.delenv(name)
    directory = tmp_path / "secrets"
    directory.mkdir()
    monkeypatch.setenv("DISPUTES_SECRETS_DIR", str(directory))
    return directory


def test_settings_come_from_the_files_of_the_secrets_directory(secrets_dir: Path) -> None:
    (secrets_dir / "disputes_jwt_secret").write_text(JWT_SECRET + "\n")  # as `echo` or `openssl rand` write it
    (secrets_dir / "DISPUTES_MONGODB_PASSWORD").write_text(MONGODB_PASSWORD)  # either case, as the environment
    (secrets_dir / "disputes_carriers").write_text('{"ups": {"base_url": "https://ups.example"}}')
    (secrets_dir / "mongo_root_password").write_text("not the service's")  # outside the prefix: not read
    loaded = settings(mongodb_uri="mongodb://disputes-app@mongo1:27017/?authSource=admin")

    assert isinstance(loaded.jwt_secret, SecretStr) and loaded.jwt_secret.get_secret_value() == JWT_SECRET
    assert isinstance(loaded.mongodb_password, SecretStr)
    assert loaded.mongodb_password.get_secret_value() == MONGODB_PASSWORD
    assert loaded.carriers == {"ups": {"base_url": "https://ups.example"}}
    assert JWT_SECRET not in repr(loaded) and MONGODB_PASSWORD not in repr(loaded)
    assert list(unknown_variables(None)) == []


def test_a_variable_in_the_environment_wins_over_its_file(secrets_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (secrets_dir / "disputes_jwt_secret").write_text(JWT_SECRET)
    monkeypatch.setenv("DISPUTES_JWT_SECRET", "from-the-environment-0123456789abcdef")
    assert settings().jwt_secret.get_secret_value() == "from-the-environment-0123456789abcdef"


def test_a_secret_file_saved_with_a_byte_order_mark_is_read_without_it(secrets_dir: Path) -> None:
    """As Notepad and PowerShell 5's `Out-File -Encoding utf8` save it; kept, the mark would be the secret's first
    character, and every signature or sign-in with it would fail against the other party."""
    (secrets_dir / "DISPUTES_EFFECTS_SIGNING_SECRET").write_bytes(b"\xef\xbb\xbf" + JWT_SECRET.encode() + b"\r\n")
    assert settings().effects_signing_secret.get_secret_value() == JWT_SECRET


@pytest.mark.parametrize("setting", ["jwt_secret", "jwt_accepted_secret", "effects_signing_secret"])
def test_a_signing_secret_shorter_than_32_characters_is_refused(setting: str) -> None:
    short = "s" * 31
    with pytest.raises(ValidationError, match="must be at least 32 characters long"):
        Settings(**{setting: short})
    assert getattr(Settings(**{setting: short + "s"}), setting).get_secret_value() == short + "s"


SECRET_SETTINGS = [name for name, info in Settings.model_fields.items() if SecretStr in (info.annotation,
                                                                                          *get_args(info.annotation))]


@pytest.mark.parametrize("setting", SECRET_SETTINGS)
@pytest.mark.parametrize("source", ["environment", ".env", "file"])
@pytest.mark.parametrize("around", [("", "\n"), ("", "\r\n"), ("  ", "\t ")])
def test_a_secret_is_read_without_surrounding_whitespace_wherever_it_comes_from(
    secrets_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, setting: str, source: str,
    around: tuple[str, str],
) -> None:
    """A Kubernetes secret made with `kubectl create secret --from-file` ends with the file's newline, in a variable
    (`secretKeyRef`) as in a mounted file: the API and the workers read the same secret whichever way they get it."""
    variable, value = f"DISPUTES_{setting.upper()}", around[0] + JWT_SECRET + around[1]
    env_file = tmp_path / ".env"
    match source:
        case "environment":
            monkeypatch.setenv(variable, value)
        case ".env":
            env_file.write_text(f"{variable}={json.dumps(value)}\n")  # double-quoted: its escapes are read
        case "file":
            (secrets_dir / variable).write_text(value)
    named = {"effects_signing_previous_key_id": "k-old"} if setting == "effects_signing_previous_secret" else {}
    loaded = Settings(_env_file=env_file if source == ".env" else None,
                      mongodb_uri="mongodb://disputes-app@mongo1:27017/?authSource=admin", **named)

    secret = getattr(loaded, setting)
    assert isinstance(secret, SecretStr) and secret.get_secret_value() == JWT_SECRET


def test_the_previous_effects_signing_key_comes_from_its_file_with_its_id(
    secrets_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (secrets_dir / "disputes_effects_signing_previous_secret").write_text(JWT_SECRET + "\n")
    monkeypatch.setenv("DISPUTES_EFFECTS_SIGNING_PREVIOUS_KEY_ID", "k-2026-06")
    loaded = settings(effects_signing_key_id="k-2026-12")
    assert loaded.effects_signing_previous == ("k-2026-06", SecretStr(JWT_SECRET))
    assert JWT_SECRET not in repr(loaded)
    assert settings(effects_signing_previous_secret=None, effects_signing_previous_key_id=None).effects_signing_previous is None


@pytest.mark.parametrize(("changes", "why"), [
    ({"effects_signing_previous_secret": JWT_SECRET}, "set both during a rotation, or neither"),
    ({"effects_signing_previous_key_id": "k-2026-06"}, "set both during a rotation, or neither"),
    ({"effects_signing_previous_secret": JWT_SECRET, "effects_signing_previous_key_id": "dev"},
     "give the new DISPUTES_EFFECTS_SIGNING_SECRET a new DISPUTES_EFFECTS_SIGNING_KEY_ID"),
    ({"effects_signing_previous_secret": "short", "effects_signing_previous_key_id": "k-2026-06"},
     "must be at least 32 characters long"),
])
def test_a_previous_effects_signing_key_without_its_id_or_under_the_current_id_is_refused(
    secrets_dir: Path, changes: dict, why: str
) -> None:
    with pytest.raises(ValidationError, match=why) as refused:
        settings(**changes)
    assert JWT_SECRET not in str(refused.value)


def test_without_a_secrets_directory_no_file_is_read(secrets_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (secrets_dir / "disputes_jwt_secret").write_text(JWT_SECRET)
    monkeypatch.delenv("DISPUTES_SECRETS_DIR")
    assert settings().jwt_secret.get_secret_value() != JWT_SECRET


def dangling_link(path: Path) -> None:
    path.symlink_to(path.with_name("gone"))


@pytest.mark.parametrize(("make", "why"), [
    (lambda path: path.write_text(""), "is empty: it must hold DISPUTES_JWT_SECRET's value"),
    (lambda path: path.write_text(" \n"), "is empty: it must hold DISPUTES_JWT_SECRET's value"),
    (lambda path: path.write_bytes(b"\xef\xbb\xbf\r\n"), "is empty: it must hold DISPUTES_JWT_SECRET's value"),
    (lambda path: path.write_bytes(b"\xff" + JWT_SECRET.encode()), "is not UTF-8 text"),
    (Path.mkdir, "cannot be read (Is a directory)"),
    (dangling_link, "cannot be read (No such file or directory)"),
])
def test_an_unusable_secret_file_stops_the_settings_in_one_line_naming_it(secrets_dir: Path, make, why: str) -> None:
    path = secrets_dir / "disputes_jwt_secret"
    make(path)
    with pytest.raises(SecretFileError) as refused:
        settings()
    assert list(explain(refused.value)) == [f"{path} {why}"]


def test_a_json_setting_whose_file_does_not_parse_is_one_line_naming_where_it_is(secrets_dir: Path) -> None:
    (secrets_dir / "disputes_carriers").write_text('{"ups": {"credentials": "' + JWT_SECRET)
    with pytest.raises(SettingsError) as refused:
        settings()
    (line,) = explain(refused.value)
    assert line.startswith("DISPUTES_CARRIERS (a file in DISPUTES_SECRETS_DIR) cannot be read: ")
    assert JWT_SECRET not in line


def test_a_secrets_directory_that_is_not_there_stops_the_settings(secrets_dir: Path) -> None:
    secrets_dir.rmdir()
    with pytest.raises(SecretFileError) as refused:
        settings()
    assert list(explain(refused.value)) == [
        f"DISPUTES_SECRETS_DIR: {secrets_dir} cannot be read (No such file or directory)"
    ]
    with pytest.raises(SecretFileError):
        list(unknown_variables(None))


def test_a_misspelt_file_of_the_secrets_directory_is_refused(secrets_dir: Path) -> None:
    (secrets_dir / "disputes_jwt_secrt").write_text(JWT_SECRET)
    assert list(unknown_variables(None)) == [
        f"DISPUTES_JWT_SECRT (a file in {secrets_dir}): not a setting, did you mean DISPUTES_JWT_SECRET? "
        "(docs/settings.md lists every one)"
    ]


@pytest.mark.parametrize("uri", [
    None,  # the embedded default has no user
    "mongodb://mongo1:27017/?replicaSet=rs0",  # names no user
    "mongodb://disputes-app:in-the-uri@mongo1:27017/?authSource=admin",  # a second password
])
def test_the_mongodb_password_is_refused_unless_the_uri_names_its_user_and_no_password(uri: str | None) -> None:
    with pytest.raises(ValidationError) as refused:
        settings(mongodb_uri=uri, mongodb_password=SecretStr(MONGODB_PASSWORD))
    (line,) = explain(refused.value)
    assert "DISPUTES_MONGODB_PASSWORD is the password of the user DISPUTES_MONGODB_URI names" in line
    assert "in-the-uri" not in line and MONGODB_PASSWORD not in line


def test_the_client_authenticates_the_uri_s_user_with_the_password_as_it_is() -> None:
    client = connect("mongodb://disputes-app@mongo1:27017/?authSource=admin", password=SecretStr(MONGODB_PASSWORD))
    credentials = client.options.pool_options._credentials  # what the driver will authenticate with; no I/O yet
    assert credentials is not None
    assert (credentials.username, credentials.password, credentials.source) == (
        "disputes-app", MONGODB_PASSWORD, "admin"
    )
    assert connect("mongodb://u:in-the-uri@mongo1:27017/").options.pool_options._credentials.password == "in-the-uri"


@pytest.mark.parametrize("variable", ["DISPUTES_HOST", "DISPUTES_JWT_ISSUER", "DISPUTES_JWT_AUDIENCE",
                                      "DISPUTES_DATA_DIR", "DISPUTES_MONGODB_DATABASE"])
def test_a_blank_setting_that_cannot_be_unset_is_refused_in_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, variable: str,
) -> None:
    """Blank, the address would be every interface, the audience would refuse every token (the service's own
    too), the data directory would be the working directory."""
    monkeypatch.setenv(variable, " ")
    with pytest.raises(ValidationError) as refused:
        settings()
    assert list(explain(refused.value)) == [f"{variable}: must not be blank"]


@pytest.mark.parametrize(("variable", "field"), [
    ("DISPUTES_ORDERS_FILE", "orders_file"), ("DISPUTES_ORDERS_URL", "orders_url"), ("DISPUTES_WORKER_ID", "worker_id"),
])
def test_a_blank_setting_that_may_be_unset_is_unset(monkeypatch: pytest.MonkeyPatch, variable: str, field: str) -> None:
    monkeypatch.setenv(variable, "")
    assert getattr(settings(), field) is None


POLICY_DURATIONS = ["DISPUTES_POLICY_DELIVERY_TIME_TOLERANCE_HOURS", "DISPUTES_POLICY_ABUSE_WINDOW_DAYS",
                    "DISPUTES_POLICY_THIRD_PARTY_WAIT_HOURS", "DISPUTES_POLICY_THIRD_PARTY_REVIEW_HOURS",
                    "DISPUTES_POLICY_SOON_AFTER_DELIVERY_MINUTES", "DISPUTES_POLICY_RESTRICTION_REVIEW_HOURS"]


@pytest.mark.parametrize("variable", POLICY_DURATIONS)
def test_a_negative_policy_duration_is_refused_when_the_settings_load(
    monkeypatch: pytest.MonkeyPatch, variable: str,
) -> None:
    """A stray minus sign: a tolerance of -1 h read every delivery time as contradicting the order's, a negative
    abuse window counted no earlier claim, a negative review lifted a restriction as it was raised."""
    monkeypatch.setenv(variable, "-1")
    with pytest.raises(ValidationError) as refused:
        settings()
    assert list(explain(refused.value)) == [f"settings: {variable} cannot be negative"]


@pytest.mark.parametrize("variable", POLICY_DURATIONS)
def test_a_policy_duration_of_zero_is_refused_only_where_zero_makes_no_sense(
    monkeypatch: pytest.MonkeyPatch, variable: str,
) -> None:
    monkeypatch.setenv(variable, "0")
    if variable.removeprefix("DISPUTES_POLICY_").rpartition("_")[0] in ("THIRD_PARTY_WAIT", "THIRD_PARTY_REVIEW",
                                                                        "SOON_AFTER_DELIVERY"):
        settings()  # no wait for a third party, no "soon after delivery" signal
    else:
        with pytest.raises(ValidationError) as refused:
            settings()
        assert list(explain(refused.value)) == [f"settings: {variable} must be longer than zero"]


@pytest.mark.parametrize("variable", ["DISPUTES_PORT", "DISPUTES_SANDBOX_PORT", "DISPUTES_CARRIER_SANDBOX_PORT",
                                      "DISPUTES_WORKER_PORT"])
@pytest.mark.parametrize("port", ["70000", "0", "-1"])
def test_a_port_outside_1_to_65535_is_refused_in_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, variable: str, port: str,
) -> None:
    """`disputes serve` with DISPUTES_PORT=70000 said it listened on 70000 and was bound to 4464 (modulo 65536);
    `disputes embedded` stopped with a traceback."""
    monkeypatch.setenv(variable, port)
    with pytest.raises(ValidationError) as refused:
        settings()
    (line,) = explain(refused.value)
    assert line.startswith(f"{variable}: Input should be"), line


@pytest.mark.parametrize(("variable", "most"), [
    ("DISPUTES_MAX_REQUEST_LINE_BYTES", 1024 * 1024), ("DISPUTES_MAX_HEADER_BYTES", 1024 * 1024),
    ("DISPUTES_MAX_HEADERS", 10_000),
])
def test_a_header_limit_is_bounded_below_what_the_http_parser_holds(
    monkeypatch: pytest.MonkeyPatch, variable: str, most: int,
) -> None:
    """Past 2**64 `disputes serve` said it listened and dropped every connection (aiohttp's parser: OverflowError)."""
    monkeypatch.setenv(variable, str(most))
    settings()
    for refused in (most + 1, 99999999999999999999):
        monkeypatch.setenv(variable, str(refused))
        with pytest.raises(ValidationError) as raised:
            settings()
        assert list(explain(raised.value)) == [f"{variable}: Input should be less than or equal to {most}"]


def test_a_single_quoted_env_value_is_expanded_as_the_settings_page_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """python-dotenv, which reads `.env` for pydantic-settings, expands `${NAME}` whatever the quotes and offers no
    way to keep single quotes literal as Docker Compose does: the page says so, and how to keep a secret whole."""
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    (tmp_path / ".env").write_text("DISPUTES_JWT_SECRET='pa${NOT_SET_ANYWHERE}ss-0123456789abcdefghijklmnopqrstuvwxyz'\n")
    monkeypatch.chdir(tmp_path)
    assert Settings().jwt_secret.get_secret_value() == "pass-0123456789abcdefghijklmnopqrstuvwxyz"
    page = " ".join(PAGE.read_text().split())
    assert "A `${NAME}` in a `.env` value is replaced by that variable (by nothing when it is unset), in " \
           "single-quoted values too, which Docker Compose, reading the same file, takes literally" in page
