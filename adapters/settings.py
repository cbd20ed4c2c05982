"""The one place configuration enters: environment variables prefixed `DISPUTES_` (or a `.env` file)."""

from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from disputes.policy import PolicySettings
from disputes.rules import Rules

DEV_JWT_SECRET = "dev-only-secret-change-me-0123456789abcdef"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DISPUTES_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8080

    mongodb_uri: str | None = Field(
        default=None, description="MongoDB URI; unset means the embedded mongoeco server on data_dir."
    )
    mongodb_database: str = "disputes"
    mongodb_timeout_seconds: float = Field(
        default=5.0, gt=0, description="How long a request waits for an absent database before answering 503."
    )
    storage: Literal["mongodb", "memory"] = Field(
        default="mongodb", description="memory: no persistence; for measuring the service's own cost only."
    )
    data_dir: Path = Path("var/data")
    sandbox_port: int = 8090
    carrier_sandbox_port: int = 8091

    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_issuer: str = "dispute-service"
    jwt_audience: str = "dispute-service"
    jwt_max_lifetime_hours: float = Field(
        default=24.0, gt=0,
        description="Longest a bearer token may be valid (its exp minus its iat); a longer-lived token is a 401, "
                    "and `disputes token --hours` mints none longer.",
    )

    orders_url: str | None = None
    orders_file: Path | None = Field(default=None, description="A JSON order file, used when orders_url is unset.")
    payments_url: str | None = None
    fulfillment_url: str | None = None
    notifications_url: str | None = None
    accounts_url: str | None = None
    finance_url: str | None = None
    downstream_timeout_seconds: float = 5.0
    downstream_attempts: int = 3

    claim_window_days: int = 30
    appeal_window_days: int = 14
    idempotency_ttl_hours: int = 24
    first_response_business_days: int = 1
    decision_business_days: int = 3
    half_day_eves: Literal["business", "holiday"] = "business"

    run_workers: bool = True
    worker_port: int = Field(
        default=8081, ge=1, le=65535,
        description="Where `disputes worker` serves /healthz, /readyz and /metrics (on `host`).",
    )
    worker_id: str | None = Field(
        default=None, min_length=1, max_length=128,
        description="Names a worker in every log line it writes; unset: its host name and process id.",
    )
    relay_interval_seconds: float = 0.5
    relay_batch: int = 20
    relay_lease_seconds: float = 30.0
    relay_max_attempts: int = 20

    carriers: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Per-carrier settings by carrier code (JSON), see carriers/<code>/settings.py."
    )
    carrier_sandbox_url: str | None = Field(
        default=None, description="Talk to every carrier through the carrier sandbox at this URL (demo, tests)."
    )
    evidence_interval_seconds: float = 1.0
    evidence_per_carrier: int = 8
    evidence_lease_seconds: float = 120.0
    assessment_lease_seconds: float = Field(
        default=60.0, gt=0, description="How long a worker holds a case it assesses; a dead worker's cases are due again after it."
    )
    evidence_business_days: int = 2
    webhook_max_bytes: int = 4 * 1024 * 1024
    attachment_retention_days: int = Field(default=365, description="Images are deleted this long after the case closes.")

    max_body_bytes: int = 64 * 1024
    max_page_size: int = 100

    # What one client may hold. aiohttp refuses the first three itself, with a plain-text 400, before the app runs.
    max_request_line_bytes: int = Field(default=8190, gt=0, description="Longest request line (method, path, query).")
    max_header_bytes: int = Field(default=8190, gt=0, description="Longest header field, name and value together.")
    max_headers: int = Field(default=128, gt=0, description="Most header fields in one request.")
    keepalive_timeout_seconds: float = Field(
        default=75.0, gt=0,
        description="An idle connection is closed after this long; it is also all a client gets to send a request's "
                    "headers, counted from the connection or the previous answer. Keep it above the load balancer's "
                    "idle timeout.",
    )
    body_timeout_seconds: float = Field(
        default=30.0, gt=0,
        description="How long a client may take to send a request body once its headers are in; slower is a 408.",
    )
    linger_seconds: float = Field(
        default=5.0, ge=0,
        description="After answering a request whose body was not read (408, 413), how long the rest is drained "
                    "before the connection closes.",
    )
    log_level: str = "INFO"
    log_json: bool | None = None

    policy_auto_reject: bool = Field(default=False, description="Let the policy reject on strong proof without a person.")
    policy_high_value_minor: int = 1_000_000
    policy_near_radius_m: float = 250.0
    policy_third_party_wait_hours: float = 24.0
    policy_abuse_window_days: int = 180
    policy_repeat_claims: int = 3
    policy_auto_resolve_confidence: float = 0.8

    def policy(self) -> PolicySettings:
        return PolicySettings(
            auto_reject_enabled=self.policy_auto_reject,
            high_value_minor=self.policy_high_value_minor,
            near_radius_m=self.policy_near_radius_m,
            third_party_wait=timedelta(hours=self.policy_third_party_wait_hours),
            abuse_window=timedelta(days=self.policy_abuse_window_days),
            repeat_claims_threshold=self.policy_repeat_claims,
            auto_resolve_confidence=self.policy_auto_resolve_confidence,
        )

    @property
    def embedded(self) -> bool:
        return self.mongodb_uri is None

    def rules(self) -> Rules:
        return Rules(
            claim_window=timedelta(days=self.claim_window_days),
            appeal_window=timedelta(days=self.appeal_window_days),
            idempotency_ttl=timedelta(hours=self.idempotency_ttl_hours),
            first_response_business_days=self.first_response_business_days,
            decision_business_days=self.decision_business_days,
            half_day_eves=self.half_day_eves,
            evidence_business_days=self.evidence_business_days,
        )
