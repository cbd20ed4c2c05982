"""The one place configuration enters: environment variables prefixed `DISPUTES_` (or a `.env` file), and files
named like them in the directory `DISPUTES_SECRETS_DIR` names (`SecretFiles`: how secrets arrive without the
environment), where a name under the prefix that is no setting is refused (`unknown_variables`) rather than passed
over.

The business's numbers (`disputes.policy.PolicySettings`, `disputes.rules.Rules`) keep their defaults and
reasons where they are used; each is a setting here through `_configures`, which takes both from there.
`docs/settings.md` is generated from this model (`python -m adapters.settings_doc`)."""

import difflib
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from pydantic import (
    AfterValidator, BeforeValidator, Field, SecretStr, TypeAdapter, ValidationError, ValidationInfo, field_validator,
    model_validator,
)
from pydantic.config import JsonDict
from pydantic.fields import FieldInfo
from pymongo.errors import PyMongoError
from pymongo.uri_parser_shared import _validate_uri as _parse_mongodb_uri
from pydantic_settings import (
    BaseSettings, DotEnvSettingsSource, EnvSettingsSource, PydanticBaseSettingsSource, SecretsSettingsSource,
    NoDecode, SettingsConfigDict, SettingsError,
)

from carriers.base import is_loopback
from disputes.policy import PolicySettings
from schemas.partner_webhook import MAX_BODY_BYTES as MAX_PUSH_BYTES
from sandbox.signing import DEVELOPMENT_KEY_ID, DEVELOPMENT_SECRET
from disputes.rules import Rules

DEV_JWT_SECRET = "dev-only-secret-change-me-0123456789abcdef"
ENV_PREFIX = "DISPUTES_"
RELAY_TARGETS = ("payments_url", "fulfillment_url", "notifications_url", "accounts_url", "finance_url")
"""The marketplace services the outbox relay delivers to: a process that runs workers needs every one."""
ENV_FILE = ".env"
"""Read from the working directory when it exists; a variable set in the environment wins over its line."""
SECRETS_DIR = f"{ENV_PREFIX}SECRETS_DIR"
READ_BY_OTHERS = {"DISPUTES_BIND": "docker-compose.yml", "DISPUTES_URL": "docs/partners.md's examples"}
"""Variables under the prefix that name no setting but that others read (Compose, from the shell or the same `.env`;
a partner's scripts): let through, and ignored like any variable outside the prefix."""
SECOND, MINUTE, HOUR, DAY = timedelta(seconds=1), timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
UNIT_NAMES = {SECOND: "seconds", MINUTE: "minutes", HOUR: "hours", DAY: "days"}
type Configured = PolicySettings | Rules
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
SigningAlgorithm = Literal["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
DESCRIBED: dict[type[Configured], tuple[Configured, dict[str, Any]]] = {
    config: (config(), TypeAdapter(config).json_schema()["properties"]) for config in (PolicySettings, Rules)
}
"""The core's configurations: their defaults, and their fields as JSON schema (docstrings as descriptions)."""


def _configures(config: type[Configured], name: str, unit: timedelta | None = None) -> Any:
    """A setting for the number `name` of `config`: its default and description are that number's, a duration
    counted in `unit`."""
    defaults, fields = DESCRIBED[config]
    default = getattr(defaults, name)
    description = " ".join(fields[name]["description"].split())
    if unit is not None:
        default = default // unit if default % unit == timedelta(0) else default / unit
        description = f"{description} In {UNIT_NAMES[unit]}."
    extra: JsonDict = {"configures": f"{config.__name__}.{name}", "unit_seconds": unit.total_seconds() if unit else None}
    return Field(default=default, description=description, json_schema_extra=extra)


BYTE_ORDER_MARK = "\ufeff"


class SecretFileError(SettingsError):
    """A file of the secrets directory that cannot be used, said in one line that names it and never its content."""


class UnusableSetting(SettingsError):
    """A setting that reads well but names what cannot be used when the service starts (a file that is not there,
    or is not what the setting wants), said in one line that begins with its variable."""


def _named_files(directory: Path) -> list[Path]:
    """The entries of the secrets directory named under the prefix, in any case (as the settings read them)."""
    try:
        return sorted(path for path in directory.iterdir() if path.name.upper().startswith(ENV_PREFIX))
    except OSError as error:
        raise SecretFileError(f"{SECRETS_DIR}: {directory} cannot be read ({error.strerror or error})") from None


def _check_readable(path: Path) -> None:
    """Refuse a setting's file that is unreadable or holds nothing but whitespace, which is stripped from a value."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise SecretFileError(f"{path} cannot be read ({error.strerror or error})") from None
    except UnicodeDecodeError:
        raise SecretFileError(f"{path} is not UTF-8 text") from None
    if not text.strip():
        raise SecretFileError(f"{path} is empty: it must hold {path.name.upper()}'s value")


class SecretFiles(SecretsSettingsSource):
    """Settings from files in the directory `secrets_dir` names (DISPUTES_SECRETS_DIR, from the sources before this
    one), each named like its variable in any case (`disputes_jwt_secret`), holding the value and at most surrounding
    whitespace (a final newline), as Docker and Compose secrets mount them in /run/secrets. Any setting may come from
    a file; the environment and `.env` win over one. A file of a setting that is unreadable or empty is refused
    (`SecretFileError`) rather than passed over: the setting would keep its default."""

    def __call__(self) -> dict[str, Any]:
        if not (given := self.current_state.get("secrets_dir")):
            return {}
        self.secrets_dir = directory = Path(given)
        for path in _named_files(directory):
            if unknown_setting(path.name) is None:
                _check_readable(path)
        return super().__call__()

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """The file's text without the byte order mark an editor may have saved it with (as `.env` is read): kept,
        it would be the first character of the secret."""
        value, key, complex_value = super().get_field_value(field, field_name)
        if isinstance(value, str) and value.startswith(BYTE_ORDER_MARK):
            value = value.removeprefix(BYTE_ORDER_MARK).strip()
        return value, key, complex_value


OptionalText = Annotated[str | None, BeforeValidator(lambda text: None if isinstance(text, str) and not text.strip() else text)]
"""A setting given blank (`DISPUTES_ORDERS_URL=`) is unset, as if not given: never an address or URI of nothing."""


def _http_url(url: str | None) -> str | None:
    if url is None:
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - read for its check: a port that is no number in 0-65535 raises
    except ValueError:
        parts = None
    usable = parts is not None and parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    if not usable or any(c.isspace() or not c.isprintable() for c in url):
        raise ValueError("must be an http:// or https:// URL with a host (and a port from 0 to 65535, no spaces)")
    return url


OptionalUrl = Annotated[OptionalText, AfterValidator(_http_url)]


def _iso_dates(text: Any) -> Any:
    """Dates written `2027-05-20,2027-05-21` (spaces around each allowed), each once, in order: only that form, so
    that no other reading of a date (a number of seconds, a week date) is taken for one."""
    if not isinstance(text, str):
        return text
    days = [day.strip() for day in text.split(",")]
    if bad := [day for day in days if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", day)]:
        raise ValueError(f"must be dates written YYYY-MM-DD, separated by commas, not {bad[0]!r}")
    try:
        return tuple(sorted(set(map(date.fromisoformat, days))))
    except ValueError as error:
        raise ValueError(f"must be dates written YYYY-MM-DD, separated by commas: {error}") from None


IsoDates = Annotated[tuple[date, ...], NoDecode, BeforeValidator(_iso_dates)]
"""An HTTP service's base URL, or unset (blank included): refused at start-up when it is no URL, not at its first use."""


def _jwks_url(url: str | None) -> str | None:
    """The keys fetched from here decide who may call: over plain http:// a network attacker could hand the service
    keys of their own, so only to this machine (a stand-in provider on loopback, as tests run one)."""
    if url is not None and (parts := urlsplit(url)).scheme.lower() == "http" and not is_loopback(parts.hostname):
        raise ValueError("must be an https:// URL (http:// only to a loopback host: localhost, 127.0.0.0/8 or ::1)")
    return url


MAJORITY = "majority"
"""The only write concern a DISPUTES_MONGODB_URI may name (`adapters/mongo/client.py` asks for it itself)."""

SECRET_URI_OPTIONS = ("authmechanismproperties", "tlscertificatekeyfilepassword")
"""URI options whose values may be secrets (an AWS session token; a key file's password), like the URI's password."""


WEAKER_URI_OPTIONS = {
    "readPreference": (("primary",), "another member may not hold what was just written yet (a dispute just opened "
                                     "would be a 404, a retried open would not find its Idempotency-Key)"),
    "readConcernLevel": (("local", "majority", "linearizable"), "it may read writes a fail-over rolls back"),
    "wTimeoutMS": ((0,), "a write the majority holds, but acknowledged late, would be answered 503 as if not stored"),
}
"""URI options that would weaken the reads or the majority acknowledgement the service relies on: each is refused
unless it names one of the values given (`wTimeoutMS=0` waits as long as it takes, the driver's default), for the
reason given."""

AUTH_DATABASE = "admin"
"""The database a URI's path may name with no `authSource=` besides DISPUTES_MONGODB_DATABASE: the driver then
authenticates the URI's user there (its default authSource), and that is all the path says."""
SYSTEM_DATABASES = ("admin", "local", "config")
"""MongoDB's own databases: never the service's (`local` is not even replicated)."""


def _parsed_mongodb_uri(uri: str) -> dict[str, Any]:
    """The URI as the driver reads it, or a reason that never repeats its password or a secret option."""
    try:
        parsed = _parse_mongodb_uri(uri, 27017, validate=True, warn=False, normalize=True)
    except (PyMongoError, ValueError, TypeError, OSError) as refused:  # OSError: a TLS file it names, opened
        reason = (f"{refused.strerror}: {refused.filename}" if isinstance(refused, OSError) and refused.strerror
                  else str(refused).rstrip("."))
        if any(secret.casefold() in reason.casefold() for secret in _uri_secrets(uri)):  # it may quote one, cased anew
            reason = "the driver's reason quotes the password or a secret option, so it is not repeated here"
        raise ValueError(f"not a MongoDB URI the driver can read in full: {reason}") from None
    return dict(parsed)


def _mongodb_uri(uri: str | None) -> str | None:
    """A URI the driver reads in full, or refused when the settings load: the driver's own parser, set to refuse
    (it would otherwise drop an option it cannot read with a warning and carry on: `tls=ture` connects in plain
    text). `mongodb+srv://` is checked the same way without looking up its DNS records, which connecting does."""
    if uri is None:
        return None
    options = _parsed_mongodb_uri(uri)["options"]
    if options.get("w", MAJORITY) != MAJORITY or options.get("journal", True) is not True:
        raise ValueError('must not set a write concern other than w=majority with journaling: the service asks every '
                         'write to be acknowledged by a majority of the replica set, journaled (no w=0, w=1 or another '
                         'number, no journal=false)')
    for option, (allowed, why) in WEAKER_URI_OPTIONS.items():
        if (value := options.get(option.lower())) is not None and value not in allowed:
            other = f" other than {' or '.join(', '.join(map(str, allowed)).rsplit(', ', 1))}"
            raise ValueError(f"must not set {option}{other}: {why}")
    return uri


def _uri_secrets(uri: str) -> Iterator[str]:
    """The URI's password and the values of its options that may be secrets, as written and decoded, and the parts
    of those values (`KEY:value,...`, a password's pieces between "/" and "@") long enough to be one."""
    rest = uri.split("://", 1)[-1]
    userinfo, _, hosts = rest.rpartition("@")  # up to the last "@": a password may hold an unescaped "/", "?" or "@"
    query = hosts.partition("?")[2]
    values = [userinfo.partition(":")[2]] + [
        value for name, value in parse_qsl(query, keep_blank_values=True) if name.lower() in SECRET_URI_OPTIONS
    ]
    for value in values:
        for form in {value, unquote(value)} - {""}:
            yield form
            yield from (part for part in re.split(r"[:,/@?&=#]", form) if len(part) >= 4)


SECRETS = ("mongodb_password", "jwt_secret", "jwt_accepted_secret", "effects_signing_secret", "effects_signing_previous_secret")
"""The settings that are secrets: their surrounding whitespace is dropped wherever they come from."""
LONGEST_DURATION = timedelta(days=365_000)
MOST_WAIT, MOST_LEASE, MOST_PAUSE = 300.0, 600.0, 3600.0
"""The longest a storage or service call may wait, a lease last and a worker pause, in seconds: minutes where
seconds are meant, far longer than any real need, and short of a number of milliseconds given as seconds."""
MEBIBYTE = 1024 * 1024


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=ENV_FILE, extra="ignore", allow_inf_nan=False)

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """pydantic-settings' order (arguments, environment, `.env`, secret files), with the secret files in the
        directory the others name."""
        return init_settings, env_settings, dotenv_settings, SecretFiles(settings_cls)

    host: str = Field(default="127.0.0.1", description="The address the API listens on.")
    port: int = Field(default=8080, ge=1, le=65535, description="The port the API listens on.")

    mongodb_uri: Annotated[OptionalText, AfterValidator(_mongodb_uri)] = Field(
        default=None,
        description="MongoDB URI; unset means the embedded mongoeco server on data_dir. A database named in its "
                    "path must be mongodb_database (the one the service uses; a user defined in another database is "
                    "named with authSource=), or admin with no other authSource=, which names only the database "
                    "its user is defined in. Refused with options that weaken writes or reads: a write concern "
                    "other than w=majority with journaling, wTimeoutMS other than 0, readPreference other than "
                    "primary, readConcernLevel other than local, majority or linearizable.",
    )
    mongodb_password: SecretStr | None = Field(
        default=None,
        description="The password of the user mongodb_uri names, kept out of the URI (a secret file in secrets_dir; "
                    "any characters, no escaping). The URI then names the user and carries no password of its own.",
    )
    mongodb_database: str = Field(default="disputes", description="The database the service keeps its collections in.")
    mongodb_timeout_seconds: float = Field(
        default=5.0, gt=0, le=MOST_WAIT,
        description="Bounds server selection and connecting: how long the service waits for a database it cannot "
                    "reach (stopped, unreachable, refusing connections); a request answers 503 after this or "
                    "mongodb_request_timeout_seconds, whichever is shorter. A database that accepts the connection but "
                    "stops answering mid-way is bounded by mongodb_request_timeout_seconds and "
                    "mongodb_worker_timeout_seconds alone. At most 300 (5 minutes): longer is a value in "
                    "milliseconds.",
    )
    mongodb_request_timeout_seconds: float = Field(
        default=3.0, gt=0, le=MOST_WAIT,
        description="How long one storage call of an API request may wait for the database (PyMongo's client-side "
                    "operation timeout, all of the call's operations together; server selection included, so never "
                    "longer than mongodb_timeout_seconds: refused when set longer, and mongodb_timeout_seconds when "
                    "left unset and that is shorter) before the request answers "
                    "503. Three times the slowest whole request measured on the embedded default at saturation (the "
                    "queue of 50, p99 about 1 s), below the 5 s callers and load balancers commonly give up at. At "
                    "most 300 (5 minutes): longer is a value in milliseconds.",
    )
    mongodb_worker_timeout_seconds: float = Field(
        default=10.0, gt=0, le=MOST_WAIT,
        description="How long one storage call of the background workers, or of a carrier's push (whose events are "
                    "stored in one call; the carrier sends it again after a 503), may wait for the database (also one "
                    "it cannot reach: PyMongo's operation timeout takes the place of mongodb_timeout_seconds there) "
                    "before the pass fails and is tried again: the default lease_seconds, past which the work is "
                    "another worker's; refused when set longer than lease_seconds, and lease_seconds when left unset and "
                    "that is shorter. At most 300 (5 minutes): longer is a value in milliseconds.",
    )
    storage: Literal["mongodb", "memory"] = Field(
        default="mongodb",
        description="memory: no persistence; for measuring the service's own cost only (`disputes embedded` refuses "
                    "it, as it refuses mongodb_uri: it keeps its cases in its own database on data_dir).",
    )
    data_dir: Path = Field(default=Path("var/data"), description="Where `disputes embedded` keeps its database file.")
    sandbox_port: int = Field(
        default=8090, ge=1, le=65535,
        description="`disputes embedded`: the port of the stand-in marketplace services (orders, payments, ...)."
    )
    carrier_sandbox_port: int = Field(
        default=8091, ge=1, le=65535, description="`disputes embedded`: the port of the stand-in carriers."
    )

    secrets_dir: Path | None = Field(
        default=None,
        description="A directory of files holding settings, each named like its variable in any case "
                    "(`disputes_jwt_secret`) and holding its value (surrounding whitespace and a byte order mark "
                    "stripped, as a secret's surrounding whitespace is in the environment too): how secrets reach the service without the environment, e.g. /run/secrets, where Docker and Compose mount "
                    "them. A variable set in the environment or `.env` wins over its file; a file that is unreadable "
                    "or empty, or under the prefix but no setting's, stops every command at start-up.",
    )
    jwt_secret: SecretStr = Field(
        default=SecretStr(DEV_JWT_SECRET),
        description="The HMAC key development bearer tokens are signed with (the embedded default; `disputes token`), "
                    "and query cursors; at least 32 characters, required by `disputes serve` (`disputes worker` does "
                    "not use it).",
    )
    jwt_accepted_secret: SecretStr | None = Field(
        default=None,
        description="A second secret query cursors signed with are read (never signed with), so that API instances "
                    "restarted one by one with a new DISPUTES_JWT_SECRET read each other's cursors: the new secret "
                    "while every instance still signs with the old one, then the old one beside the new "
                    "DISPUTES_JWT_SECRET. At least 32 characters.",
    )
    jwt_jwks_url: Annotated[OptionalUrl, AfterValidator(_jwks_url)] = Field(
        default=None,
        description="The identity provider's JWKS URL: bearer tokens are then verified against the keys it publishes, "
                    "in one of jwt_algorithms, and HS256 development tokens are refused. https:// (plain http:// only "
                    "to a loopback host: localhost, 127.0.0.0/8 or ::1); the keys are fetched from this URL itself, a "
                    "redirect is not followed. Required by `disputes serve`; `disputes embedded` ignores it and takes "
                    "development tokens.",
    )
    jwt_algorithms: list[SigningAlgorithm] = Field(
        default=["RS256", "ES256"], min_length=1,
        description="The algorithms tokens from the identity provider may be signed with (asymmetric only), as a "
                    "JSON list; a key in the JWKS for another algorithm is not used.",
    )
    jwt_jwks_cache_seconds: float = Field(
        default=300.0, gt=0,
        description="How long the identity provider's keys are used before they are fetched again, in the "
                    "background: the keys in hand keep answering meanwhile, and while the provider cannot be reached.",
    )
    jwt_jwks_refresh_interval_seconds: float = Field(
        default=30.0, gt=0,
        description="The least time between two fetches of the identity provider's keys: a token naming a key not "
                    "in hand (`kid`), or a signature the key in hand under its `kid` does not match (the provider "
                    "may have replaced it), fetches them at once, but no more often than this, however many such "
                    "tokens come.",
    )
    jwt_issuer: str = Field(
        default="dispute-service",
        description="The `iss` every bearer token must carry (the identity provider's issuer in production).",
    )
    jwt_audience: str = Field(
        default="dispute-service",
        description="The `aud` every bearer token must carry (this service's name at the identity provider).",
    )
    jwt_max_lifetime_hours: float = Field(
        default=24.0, gt=0,
        description="Longest a bearer token may be valid (its exp minus its iat); a longer-lived token is a 401, "
                    "and `disputes token --hours` mints none longer.",
    )

    orders_url: OptionalUrl = Field(default=None, description="Base URL of the marketplace's order service.")
    orders_file: Path | None = Field(default=None, description="A JSON order file, used when orders_url is unset.")
    payments_url: OptionalUrl = Field(default=None, description="Base URL of the payment service (refunds).")
    fulfillment_url: OptionalUrl = Field(default=None, description="Base URL of the fulfillment service (reships).")
    notifications_url: OptionalUrl = Field(
        default=None, description="Base URL of the notification service (customer messages, staff alerts)."
    )
    accounts_url: OptionalUrl = Field(
        default=None, description="Base URL of the account service (customer risk signals, account restrictions)."
    )
    finance_url: OptionalUrl = Field(default=None, description="Base URL of the finance service (carrier liability).")
    effects_signing_secret: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_SECRET),
        description="The HMAC key every message to the marketplace's services (refunds, reships, notifications, "
                    "risk signals, restrictions, liabilities) is signed with, in `Disputes-Signature` "
                    "(docs/downstream.md), shared with those services; at least 32 characters, required outside "
                    "the embedded default wherever the workers run: `disputes worker`, and `disputes serve` unless "
                    "run_workers is false.",
    )
    effects_signing_key_id: str = Field(
        default=DEVELOPMENT_KEY_ID, pattern=r"^[A-Za-z0-9._-]{1,64}$",
        description="The key id (`kid`) sent with each signature, naming effects_signing_secret: give a new secret "
                    "a new id, so the services can hold both while it rolls out.",
    )
    effects_signing_previous_secret: SecretStr | None = Field(
        default=None,
        description="During a rotation of effects_signing_secret, the secret it replaces: every message is signed "
                    "with it too, in a second `kid=…,v2=…` group of `Disputes-Signature`, so a service that holds "
                    "either key takes it, whichever gets the new key first (docs/downstream.md, rotating the secret). "
                    "At least 32 characters, with effects_signing_previous_key_id; remove it once every service holds "
                    "the new key.",
    )
    effects_signing_previous_key_id: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9._-]{1,64}$",
        description="The key id (`kid`) of effects_signing_previous_secret, other than effects_signing_key_id.",
    )
    effects_signing_legacy_v1: bool = Field(
        default=False,
        description="Also sign each message with the former scheme, `v1` (the body alone, without its "
                    "Idempotency-Key), beside `v2` in the same `Disputes-Signature`: only while a receiving service "
                    "still verifies `v1`, during the upgrade (README: upgrading the message signature). Its cost: "
                    "a receiver checking only `v1` still takes a captured message replayed under another "
                    "Idempotency-Key within its window, which `v2` refuses. Turn it off once every receiver verifies "
                    "`v2`.",
    )
    digital_url: OptionalUrl = Field(
        default=None,
        description="Base URL of the digital delivery provider (codes, licence keys, gift cards); unset, cases on "
                    "digital lines get no delivery record and are refunded at the evidence deadline unless a person "
                    "decides first.",
    )
    downstream_timeout_seconds: float = Field(
        default=5.0, gt=0, le=MOST_WAIT,
        description="How long one call to a marketplace service may take. At most 300 (5 minutes): longer is a value "
                    "in milliseconds.",
    )
    downstream_attempts: int = Field(
        default=3, ge=1, description="Attempts per call to a marketplace service before the failure is reported."
    )
    orders_budget_seconds: float = Field(
        default=8.0, gt=0, le=MOST_WAIT,
        description="How long one order lookup (opening a dispute reads the order, and a missing-items claim then its "
                    "packing record) may take, its retries included: an order service that has not answered by "
                    "then makes the opening answer 503 rather than hold the customer. Each try waits "
                    "downstream_timeout_seconds at most, and no longer than the budget has left (the default leaves a "
                    "slow try its whole timeout and a quick retry). At most 300 (5 minutes): longer is a value in "
                    "milliseconds.",
    )

    claim_window_days: int = _configures(Rules, "claim_window", DAY)
    appeal_window_days: int = _configures(Rules, "appeal_window", DAY)
    idempotency_ttl_hours: int = _configures(Rules, "idempotency_ttl", HOUR)
    first_response_business_days: int = _configures(Rules, "first_response_business_days")
    decision_business_days: int = _configures(Rules, "decision_business_days")
    accessible_decision_business_days: int = _configures(Rules, "accessible_decision_business_days")
    half_day_eves: Literal["business", "holiday"] = _configures(Rules, "half_day_eves")
    extra_non_business_days: IsoDates = _configures(Rules, "extra_non_business_days")
    evidence_business_days: int = _configures(Rules, "evidence_business_days")
    information_reply_business_days: int = _configures(Rules, "information_reply_business_days")
    information_requests_per_review: int = _configures(Rules, "information_requests_per_review")
    escalate_before_deadline_hours: float = _configures(Rules, "escalate_before_deadline", HOUR)
    evidence_retry_seconds: float = _configures(Rules, "evidence_retry", SECOND)
    evidence_max_retry_seconds: float = _configures(Rules, "evidence_max_retry", SECOND)

    test_clocks: bool = Field(
        default=False,
        description="Sandbox only: serve the test clock endpoints (cases whose deadlines run on a clock a tester "
                    "advances); `disputes embedded` turns it on, `disputes serve` and `worker` refuse it.",
    )
    console_dev_sign_in: bool = Field(
        default=False,
        description="Sandbox only: the console's development sign-in page (pick a demo staff member, get a token "
                    "signed with this service's key); `disputes embedded` turns it on, `disputes serve` refuses it.",
    )
    run_workers: bool = Field(
        default=True, description="Run the background workers in this process (false keeps them out of the API)."
    )
    worker_port: int = Field(
        default=8081, ge=1, le=65535,
        description="Where `disputes worker` serves /healthz, /readyz and /metrics (on `host`).",
    )
    metrics_storage_max_age_seconds: float = Field(
        default=15.0, ge=0,
        description="How old the figures /metrics reads from storage (open cases by state, deadlines at risk or "
                    "passed, the outbox backlog) may be before a scrape reads them again; scrapes in between, and "
                    "scrapes at the same moment, share one reading (0: every scrape reads).",
    )
    worker_id: str | None = Field(
        default=None, min_length=1, max_length=128,
        description="Names a worker in every log line it writes and in the leases it holds; unset: its host name and "
                    "process id.",
    )
    lease_seconds: float = Field(
        default=10.0, gt=0, le=MOST_LEASE,
        description="How long a worker holds due work without renewing it: a worker that dies has its work taken "
                    "over this long after its last heartbeat. On a MongoDB replica set it should outlast a failover "
                    "of the primary (elections take about 12 s at the median with MongoDB's default settings), as "
                    "claiming and renewing leases are writes of many documents, which the driver does not retry: "
                    "shorter, as the default is, a failover abandons the work in flight, which workers take again "
                    "once a primary is elected (a burst of repeated work; the effects' idempotency keys keep any from "
                    "applying twice). At most 600 (10 minutes).",
    )
    heartbeat_seconds: float = Field(
        default=3.0, gt=0,
        description="How often a worker renews the leases of the work it runs (less than lease_seconds); work whose "
                    "lease could not be renewed in time is abandoned.",
    )
    wake_workers: bool = Field(
        default=True,
        description="A save in this process that makes background work due now wakes this process's worker for it "
                    "at once (false: workers find it at their next poll).",
    )
    busy_interval_seconds: float = Field(
        default=0.05, gt=0,
        description="A worker's first pause after a pass that found work; it doubles with every pass that finds "
                    "nothing, up to the kind's interval. Work saved in the worker's own process wakes it at once.",
    )
    relay_interval_seconds: float = Field(
        default=1.0, gt=0, le=MOST_PAUSE,
        description="Pause of the outbox relay after a pass that found nothing due (what this process's saves queue "
                    "wakes it at once; this bounds how long what other processes queue waits). At most 3600 (an "
                    "hour).",
    )
    relay_batch: int = Field(
        default=20, ge=1,
        description="Disputes whose effects one relay delivers at once at most, per downstream service: a slow service "
                    "holds up to this many, never the places of another.",
    )
    relay_max_attempts: int = Field(
        default=20, ge=1, description="Attempts to deliver an effect before it is parked for a person."
    )

    carriers: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Per-carrier settings by carrier code (JSON): see Carrier settings below."
    )
    carrier_sandbox_url: OptionalUrl = Field(
        default=None,
        description="Talk to every carrier that carriers leaves out through the carrier sandbox at this URL, with the "
                    "sandbox's published credentials (demo, tests): anyone who reaches the service can then push "
                    "evidence as such a carrier. `disputes serve` and `worker` refuse it unless "
                    "sandbox_carriers_allowed is set too.",
    )
    sandbox_carriers_allowed: bool = Field(
        default=False,
        description="Lets `disputes serve` and `worker` run with carrier_sandbox_url, and call carriers at its address "
                    "(its scheme, host and port) over plain http://: for a deployment whose carriers are the sandbox "
                    "(docker-compose.yml), never one with real carriers; refused without carrier_sandbox_url.",
    )
    evidence_interval_seconds: float = Field(
        default=1.0, gt=0, le=MOST_PAUSE,
        description="Pause of the evidence puller after a pass that found nothing due. At most 3600 (an hour).",
    )
    push_interval_seconds: float = Field(
        default=1.0, gt=0, le=MOST_PAUSE,
        description="Pause of the pushed-evidence attacher after a pass that found nothing due. At most 3600 (an "
                    "hour).",
    )
    assess_interval_seconds: float = Field(
        default=5.0, gt=0, le=MOST_PAUSE,
        description="Pause of the assessor after a pass that found nothing due. The workers' own saves (evidence "
                    "attached, a pull that failed) wake it at once; polling finds what other processes make due "
                    "(a supervisor clearing flags) and the end of a third party check. At most 3600 (an hour).",
    )
    sla_interval_seconds: float = Field(
        default=10.0, gt=0, le=MOST_PAUSE,
        description="Pause of the SLA sweeper after a pass that found nothing due: escalations and deadlines come "
                    "at times known hours ahead, a few seconds late is harmless. At most 3600 (an hour).",
    )
    restriction_interval_seconds: float = Field(
        default=10.0, gt=0, le=MOST_PAUSE,
        description="Pause of the account-restriction reviewer (lifting unconfirmed restrictions at the end of their "
                    "review window, days ahead) after a pass that found nothing due. At most 3600 (an hour).",
    )
    retention_interval_seconds: float = Field(
        default=60.0, gt=0, le=MOST_PAUSE,
        description="Pause after a pass that found nothing due, one setting for the four kinds of retention work "
                    "(each its own loop): closed cases' images, raw replies and personal data (`retention`), pushed "
                    "events kept their time (`push_retention`), and the checks of stored images and raw replies "
                    "nothing may cite (`attachment_check`, `raw_check`). At most 3600 (an hour).",
    )
    evidence_per_carrier: int = Field(
        default=8, ge=1,
        description="Evidence pulls in flight at once per carrier, in each worker process: with N workers a carrier "
                    "sees up to N times as many (size it as the carrier's limit divided by the workers).",
    )
    webhook_max_bytes: int = Field(
        default=MAX_PUSH_BYTES, gt=0,
        description="Largest carrier webhook body, refused with 413 (reason too_large) as it streams past it. The "
                    "default is the largest partner push (docs/partners.md): a signature and a photo inline at "
                    "5,500,000 base64 characters each (11,000,000), 1,100 characters of names and place at 12 "
                    "bytes each when JSON-escaped (13,200), and 4,096 for the other fields, keys and whitespace: "
                    "11,017,296. UPS and DHL push one photo or links only. A process reads and holds the bodies of 2 "
                    "pushes at this size at once for each carrier (each counted by its bytes received, as they "
                    "arrive, not by its Content-Length), or as many smaller ones as fit: pushes to one carrier never take another's room, and "
                    "with the eight carriers taking pushes the process holds at most 16 at this size (about 176 MB at "
                    "the default); a push finding no room for its next bytes is a 503 with Retry-After, the rest of "
                    "its body unread.",
    )
    attachment_retention_days: int = Field(
        default=365, ge=1,
        description="Images are deleted this long after the case closes; at least the appeal window "
                    "(DISPUTES_APPEAL_WINDOW_DAYS), whose review needs them.",
    )
    case_personal_data_retention_days: int = Field(
        default=730, ge=1,
        description="A closed case's personal data (names, phone, street and coordinates, statements, notes, the "
                    "receiver, the courier, messages' texts) is anonymised this long after it closes; ids, amounts, "
                    "outcomes, reason codes, carrier, district, city and times stay. At least the image retention "
                    "(DISPUTES_ATTACHMENT_RETENTION_DAYS) and the appeal window. The default, two years: the one-year "
                    "limitation of claims arising from a carriage (Turkish Commercial Code art. 855), against the "
                    "carrier the case names liable, with a year more for a claim raised late and settled later.",
    )

    max_body_bytes: int = Field(default=64 * 1024, gt=0, description="Largest API request body; larger is a 413.")
    max_page_size: int = Field(
        default=100, gt=0,
        description="Most disputes one page of a list holds (a page asking for more is cut to it, its `next_cursor` "
                    "carrying on; the API's `limit` is 100 at most), and how many the CSV export reads at a time.",
    )
    export_max_rows: int = Field(
        default=10_000, gt=0,
        description="Most disputes one CSV export holds; a longer list is cut there and ends with a `#truncated` row.",
    )

    # What one client may hold. aiohttp refuses the first three itself, with a plain-text 400, before the app runs.
    # Bounded: past what aiohttp's parser holds (2**64), the server would drop every connection while it listens.
    max_request_line_bytes: int = Field(
        default=8190, gt=0, le=MEBIBYTE, description="Longest request line (method, path, query); at most 1 MiB."
    )
    max_header_bytes: int = Field(
        default=8190, gt=0, le=MEBIBYTE, description="Longest header field, name and value together; at most 1 MiB."
    )
    max_headers: int = Field(default=128, gt=0, le=10_000, description="Most header fields in one request; at most 10000.")
    keepalive_timeout_seconds: float = Field(
        default=75.0, gt=0,
        description="An idle connection is closed after this long; it is also all a client gets to send a request's "
                    "headers, counted from the connection or the previous answer. Keep it above the load balancer's "
                    "idle timeout.",
    )
    body_timeout_seconds: float = Field(
        default=30.0, gt=0, le=MOST_WAIT,
        description="How long a client may take to send a request body once its headers are in; slower is a 408. At "
                    "most 300 (5 minutes): longer is a value in milliseconds.",
    )
    idempotency_hold_seconds: float = Field(
        default=60.0, gt=0,
        description="How long a POST holds its Idempotency-Key while it runs: a retry meanwhile is a 409 with "
                    "Retry-After; once this has passed with no answer (its process died) the retry runs it again.",
    )
    rate_limit_client_burst: int = Field(
        default=600, ge=1,
        description="Rate limit per client (the token's subject; the address without a valid token), per API "
                    "process: requests at once (the token bucket's size); more is a 429 with Retry-After.",
    )
    rate_limit_client_per_second: float = Field(
        default=50.0, gt=0, description="Rate limit per client, per API process: requests a second, sustained."
    )
    rate_limit_webhook_burst: int = Field(
        default=2000, ge=1,
        description="Rate limit per carrier on its webhook, per API process: pushes at once (the bucket's size). "
                    "Pushes refused before they prove to be the carrier's (unsigned, forged) take from a bucket of "
                    "their own of the same size, so they never use up the carrier's.",
    )
    rate_limit_webhook_per_second: float = Field(
        default=200.0, gt=0, description="Rate limit per carrier on its webhook, per API process: pushes a second."
    )
    requests_in_flight: int = Field(
        default=256, ge=1,
        description="People's requests (customers', agents' and staff's: the API and the console) an API process "
                    "has at work at once, each counted from when its body is in (a request without one: from its "
                    "arrival) until it is answered, so bodies still arriving hold no place; one more is answered 503 "
                    "with Retry-After (at once, before its body is read, when there is no room as it arrives), "
                    "rather than queued behind the others until its storage calls time out "
                    "(disputes_requests_shed_total{share=\"people\"}). Carriers' pushes have a share of their own; "
                    "/healthz, /readyz and /metrics are never refused.",
    )
    webhooks_in_flight: int = Field(
        default=64, ge=1,
        description="Carriers' pushes an API process has at work at once, apart from people's requests, so that a "
                    "carrier's backlog cannot crowd them out, each counted from when its body is in and verified "
                    "until it is answered; one more is answered 503 with Retry-After (at once, its body not read nor "
                    "invited by 100 Continue, when there is no room as it arrives), and the carrier sends it again "
                    "later (disputes_requests_shed_total{share=\"webhooks\"}).",
    )
    linger_seconds: float = Field(
        default=5.0, ge=0,
        description="After answering a request whose body was not read (408, 413), how long the rest is drained "
                    "before the connection closes.",
    )
    log_level: Annotated[LogLevel, BeforeValidator(lambda level: level.upper() if isinstance(level, str) else level)] = (
        Field(default="INFO", description="The lowest level logged, in any case.")
    )
    log_json: bool | None = Field(
        default=None, description="Log JSON lines (true) or for a person (false); unset: JSON unless to a terminal."
    )

    policy_auto_reject: bool = _configures(PolicySettings, "auto_reject_enabled")
    policy_auto_resolve_confidence: float = _configures(PolicySettings, "auto_resolve_confidence")
    policy_name_match_threshold: float = _configures(PolicySettings, "name_match_threshold")
    policy_name_mismatch_threshold: float = _configures(PolicySettings, "name_mismatch_threshold")
    policy_near_radius_m: float = _configures(PolicySettings, "near_radius_m")
    policy_far_distance_m: float = _configures(PolicySettings, "far_distance_m")
    policy_point_far_distance_m: float = _configures(PolicySettings, "point_far_distance_m")
    policy_gps_accuracy_cap_m: float = _configures(PolicySettings, "gps_accuracy_cap_m")
    policy_delivery_time_tolerance_hours: float = _configures(PolicySettings, "delivery_time_tolerance", HOUR)
    policy_high_value_minor: int = _configures(PolicySettings, "high_value_minor")
    policy_third_party_wait_hours: float = _configures(PolicySettings, "third_party_wait", HOUR)
    policy_third_party_review_hours: float = _configures(PolicySettings, "third_party_review_time", HOUR)
    policy_abuse_window_days: int = _configures(PolicySettings, "abuse_window", DAY)
    policy_repeat_claims: int = _configures(PolicySettings, "repeat_claims_threshold")
    policy_soon_after_delivery_minutes: float = _configures(PolicySettings, "soon_after_delivery", MINUTE)
    policy_shared_address_accounts: int = _configures(PolicySettings, "shared_address_accounts")
    policy_restriction_review_hours: float = _configures(PolicySettings, "restriction_review", HOUR)
    policy_weight_tolerance_grams: int = _configures(PolicySettings, "weight_tolerance_grams")
    policy_weight_tolerance_share: float = _configures(PolicySettings, "weight_tolerance_share")

    @field_validator("*", mode="before")
    @classmethod
    def _blank(cls, value: Any, info: ValidationInfo) -> Any:
        """A setting given blank (`DISPUTES_HOST=`, a template's line left unfilled) is unset where it may be unset
        (its default is none, or an empty list), and refused where it may not: a blank address listens on every interface, a blank
        audience refuses every token, a blank directory is the working directory."""
        if not isinstance(value, str) or value.strip():
            return value
        if info.field_name is not None and (default := cls.model_fields[info.field_name].default) in (None, ()):
            return default
        raise ValueError("must not be blank")

    @field_validator(*SECRETS, mode="before")
    @classmethod
    def _stripped(cls, secret: Any) -> Any:
        """A secret without its surrounding whitespace, from the environment and `.env` as from a file of the secrets
        directory: a Kubernetes secret made with `--from-file` and given as a variable ends with the file's newline,
        which no key or password is meant to hold (the workers would sign with a key no one else has, MongoDB would
        refuse the password), and an API and a worker given the secret the two ways would disagree about it."""
        return secret.strip() if isinstance(secret, str) else secret

    @field_validator("jwt_secret", "jwt_accepted_secret", "effects_signing_secret", "effects_signing_previous_secret")
    @classmethod
    def _long_enough(cls, secret: SecretStr | None) -> SecretStr | None:
        """HMAC-SHA256 (HS256 tokens, cursors, the messages' signatures) wants a key of at least 256 bits (RFC 7518
        §3.2). The message never repeats the value."""
        if secret is not None and len(secret.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters long")
        return secret

    @property
    def effects_signing_previous(self) -> tuple[str, SecretStr] | None:
        """The key id and secret the current signing key replaces, while a rotation rolls out."""
        if self.effects_signing_previous_key_id is None or self.effects_signing_previous_secret is None:
            return None
        return self.effects_signing_previous_key_id, self.effects_signing_previous_secret

    @model_validator(mode="after")
    def _previous_signing_key_named(self) -> "Settings":
        """The previous signing key comes with its own id, or not at all. The message never repeats the secret."""
        if (self.effects_signing_previous_secret is None) != (self.effects_signing_previous_key_id is None):
            raise ValueError("DISPUTES_EFFECTS_SIGNING_PREVIOUS_SECRET and DISPUTES_EFFECTS_SIGNING_PREVIOUS_KEY_ID "
                             "go together: set both during a rotation, or neither")
        if self.effects_signing_previous_key_id == self.effects_signing_key_id:
            raise ValueError("DISPUTES_EFFECTS_SIGNING_PREVIOUS_KEY_ID names the key the current one replaces: give "
                             "the new DISPUTES_EFFECTS_SIGNING_SECRET a new DISPUTES_EFFECTS_SIGNING_KEY_ID")
        return self

    @model_validator(mode="after")
    def _password_for_the_uri_s_user(self) -> "Settings":
        """The password goes with the user the URI names, and is given once. The message never repeats the URI,
        which may carry a password."""
        if self.mongodb_password is not None:
            uri = urlsplit(self.mongodb_uri or "")
            if uri.username is None or uri.password is not None:
                raise ValueError("DISPUTES_MONGODB_PASSWORD is the password of the user DISPUTES_MONGODB_URI names: "
                                 "the URI must name one (mongodb://user@host/...) and carry no password of its own")
        return self

    @field_validator("mongodb_database")
    @classmethod
    def _the_service_s_own_database(cls, database: str) -> str:
        if database in SYSTEM_DATABASES:
            raise ValueError(f"{database!r} is one of MongoDB's own databases ({', '.join(SYSTEM_DATABASES)}), never "
                             "the service's: name a database of its own")
        return database

    @model_validator(mode="after")
    def _one_database(self) -> "Settings":
        """The database a URI's path names (`mongodb://.../disputes_prod`) is the one the service uses, or refused:
        the service keeps its collections in DISPUTES_MONGODB_DATABASE alone, and two deployments told apart only
        by the path would share one database (each one's workers doing the other's work). `/admin` with no other
        `authSource=` is taken for what the driver reads in it, the database the user is defined in (AUTH_DATABASE).
        The refusal never offers one of MongoDB's own databases for the service's collections."""
        if self.mongodb_uri is None:
            return self
        parsed = _parsed_mongodb_uri(self.mongodb_uri)
        named = parsed["database"]
        if named in (None, self.mongodb_database) or named == parsed["options"].get("authSource", AUTH_DATABASE) == (
            AUTH_DATABASE
        ):
            return self
        instead = "" if named in SYSTEM_DATABASES else f"set DISPUTES_MONGODB_DATABASE={named}, or "
        raise ValueError(f"DISPUTES_MONGODB_URI's path names the database {named!r} but DISPUTES_MONGODB_DATABASE "
                         f"is {self.mongodb_database!r}: {instead}leave the database out of the URI's path (authSource= "
                         "names the one its user is defined in)")

    @model_validator(mode="after")
    def _numbers_hold_together(self) -> "Settings":
        """Refuse, when the settings load, numbers that cannot work together (a heartbeat slower than the lease;
        numbers the policy or the rules refuse, such as a near radius beyond the far distance), rather than when
        a worker first needs them."""
        if self.heartbeat_seconds >= self.lease_seconds:
            raise ValueError("DISPUTES_HEARTBEAT_SECONDS must be less than DISPUTES_LEASE_SECONDS")
        if self.attachment_retention_days < self.appeal_window_days:
            raise ValueError("DISPUTES_ATTACHMENT_RETENTION_DAYS must be at least DISPUTES_APPEAL_WINDOW_DAYS: an "
                             "appeal's review needs the carrier's proof and the customer's images")
        if self.case_personal_data_retention_days < max(self.attachment_retention_days, self.appeal_window_days):
            raise ValueError("DISPUTES_CASE_PERSONAL_DATA_RETENTION_DAYS must be at least "
                             "DISPUTES_ATTACHMENT_RETENTION_DAYS and DISPUTES_APPEAL_WINDOW_DAYS: the images and an "
                             "appeal's review are of a case whose people are still named")
        for setting, value in self:  # a duration no date arithmetic can take, named here rather than a traceback later
            unit = setting.rpartition("_")[2]
            units = ("seconds", "minutes", "hours", "days")
            if unit in units and isinstance(value, int | float) and abs(value) > LONGEST_DURATION / timedelta(**{unit: 1}):
                raise ValueError(f"{ENV_PREFIX}{setting.upper()} must be within 1000 years ({value:g} {unit})")
        for config in (PolicySettings, Rules):
            try:
                config(**self._configured(config))
            except ValidationError as refused:  # said by the variables, where it names the config's fields
                reason = refused.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
                for field, variable in self._variables(config).items():
                    reason = re.sub(rf"\b{field}\b", variable, reason)
                raise ValueError(reason) from None
        for timeout, bound, refusal in _TIMEOUT_BOUNDS:
            if getattr(self, timeout) > (most := getattr(self, bound)):
                if timeout in self.model_fields_set:
                    raise ValueError(refusal)
                setattr(self, timeout, most)  # left at its default, it gives way to the shorter bound
        if self.policy_third_party_review_hours >= 24 * self.accessible_decision_business_days:
            raise ValueError("DISPUTES_POLICY_THIRD_PARTY_REVIEW_HOURS must be shorter than the shortest decision "
                             "deadline, DISPUTES_ACCESSIBLE_DECISION_BUSINESS_DAYS (in days): a customer would get no "
                             "time to check with the neighbour, doorman or locker")
        return self

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        """The carriers' settings hold their credentials: the carriers are shown by code alone, as secrets are."""
        for name, value in super().__repr_args__():
            yield name, ({code: "**********" for code in value} if name == "carriers" else value)

    @property
    def embedded(self) -> bool:
        return self.mongodb_uri is None

    @property
    def plain_http_to(self) -> str | None:
        """The carrier sandbox's URL when it is allowed on another host: carriers at its origin, and only there (not a
        real carrier's host), may be called over plain http://."""
        return self.carrier_sandbox_url if self.sandbox_carriers_allowed else None

    def policy(self) -> PolicySettings:
        return PolicySettings(**self._configured(PolicySettings))

    def rules(self) -> Rules:
        return Rules(**self._configured(Rules))

    @classmethod
    def _variables(cls, config: type[Configured]) -> dict[str, str]:
        """The variables of the settings that configure `config`, by its own field names."""
        return {
            target.removeprefix(f"{config.__name__}."): f"{ENV_PREFIX}{setting.upper()}"
            for setting, info in cls.model_fields.items()
            if isinstance(info.json_schema_extra, dict)
            and isinstance(target := info.json_schema_extra.get("configures"), str)
            and target.startswith(f"{config.__name__}.")
        }

    def _configured(self, config: type[Configured]) -> dict[str, Any]:
        """The values of the settings that configure `config`, by its own field names, durations as timedelta."""
        values: dict[str, Any] = {}
        for setting, info in type(self).model_fields.items():
            match info.json_schema_extra:
                case {"configures": str(target), "unit_seconds": unit} if target.startswith(f"{config.__name__}."):
                    value = getattr(self, setting)
                    values[target.removeprefix(f"{config.__name__}.")] = (
                        value if unit is None else timedelta(seconds=value * unit)
                    )
        return values


_TIMEOUT_BOUNDS = (
    ("mongodb_request_timeout_seconds", "mongodb_timeout_seconds",
     "DISPUTES_MONGODB_REQUEST_TIMEOUT_SECONDS cannot be longer than DISPUTES_MONGODB_TIMEOUT_SECONDS, which bounds "
     "reaching the database"),
    ("mongodb_worker_timeout_seconds", "lease_seconds",
     "DISPUTES_MONGODB_WORKER_TIMEOUT_SECONDS cannot be longer than DISPUTES_LEASE_SECONDS: a pass still waiting for "
     "the database would hold work another worker has taken"),
)
"""Storage timeouts never longer than their bound (the setting named second): one set longer is refused, one left at
its default is the bound whenever the bound is shorter, whether the bound is set or its own default."""

NEAR_CUTOFF = 0.9
"""How like a setting's variable a name outside the prefix must be to be taken for it misspelt (difflib's ratio):
`DISPUTE_APPEAL_WINDOW_DAYS` and `DISPUTESRELAY_MAX_ATTEMPTS` are above 0.95; the names other programs read
(`PATH`, `PYTHONPATH`, `MONGO_URI`, `JWT_SECRET`, `KUBERNETES_PORT`, `MY_DISPUTES_PORT`) are below 0.9."""


_ADDRESS, _PORT_NUMBER, _PROTOCOL = r"[0-9.]+|[0-9A-Fa-f:]+", r"[0-9]+", r"tcp|udp|sctp"
SERVICE_LINKS = {
    r"SERVICE_HOST|PORT_[0-9]+_(TCP|UDP|SCTP)_ADDR": _ADDRESS,
    r"SERVICE_PORT(_[A-Z0-9_]+)?|PORT_[0-9]+_(TCP|UDP|SCTP)_PORT": _PORT_NUMBER,
    r"PORT_[0-9]+_(TCP|UDP|SCTP)_PROTO": _PROTOCOL,
    r"PORT(_[0-9]+_(TCP|UDP|SCTP))?": rf"({_PROTOCOL})://([0-9.]+|\[[0-9A-Fa-f:]+\]):{_PORT_NUMBER}",
}
"""The variables Kubernetes sets in a pod for each Service of its namespace (`enableServiceLinks`, on by default),
by what follows the Service's name (`REDIS_MASTER_` for `redis-master`) and the form of their values: the Service's
cluster IP, its ports (a named one's too), and Docker-link style URLs (`REDIS_MASTER_PORT=tcp://10.0.0.11:6379`)."""


def service_link(variable: str, value: str) -> bool:
    """Whether `variable` is one Kubernetes sets for a Service (SERVICE_LINKS), its name and value alike: a Service
    named `dispute` gives `DISPUTE_PORT=tcp://10.0.0.1:8080`, a misspelt DISPUTES_PORT would give `DISPUTE_PORT=8081`."""
    return any(re.fullmatch(rf"[A-Z0-9_]+?_({suffix})", variable.upper()) and re.fullmatch(form, value)
               for suffix, form in SERVICE_LINKS.items())


def unknown_setting(variable: str, value: str | None = None) -> str | None:
    """Why `variable` is refused: its name is under the prefix (in any case, as pydantic-settings reads it) but
    names no setting, or is outside it but so like a setting's variable that it is one misspelt (`DISPUTE_`,
    `DISPUTESRELAY_`, `NEAR_CUTOFF`), so pydantic-settings would pass over it and leave the setting it was meant for
    at its default. The setting it most probably meant is named when one is close. A Kubernetes Service's variable
    (`service_link`, with its `value` given) is never taken for a misspelling; under the prefix (a Service named
    `disputes...`) it is refused, even where it names a setting, saying so. None for a setting, for a variable in
    READ_BY_OTHERS and for any other variable outside the prefix."""
    name, settings = variable.upper(), [f"{ENV_PREFIX}{setting.upper()}" for setting in Settings.model_fields]
    link = value is not None and service_link(name, value)
    if name.startswith(ENV_PREFIX) and link:
        return ("set by Kubernetes for a Service whose name starts with disputes, not a setting: give the pod "
                "enableServiceLinks: false (README, Running in production)")
    if name in settings or name in READ_BY_OTHERS or link:
        return None
    if name.startswith(ENV_PREFIX):  # what follows the prefix, against the settings' names: a guess when one is close
        given, names = name.removeprefix(ENV_PREFIX), [setting.removeprefix(ENV_PREFIX) for setting in settings]
        meant = [ENV_PREFIX + close for close in difflib.get_close_matches(given, names, n=1)]
    elif not (meant := difflib.get_close_matches(name, settings, n=1, cutoff=NEAR_CUTOFF)):
        return None
    return f"not a setting{f', did you mean {meant[0]}?' if meant else ''} (docs/settings.md lists every one)"


def unknown_variables(env_file: Path | str | None = ENV_FILE) -> Iterator[str]:
    """One line for each variable of the environment, of `env_file` (read as the settings read them) and each file of
    the secrets directory they name that `unknown_setting` refuses, naming where it is; a name in more than one is
    said once, as the environment's, else as `env_file`'s. pydantic-settings' own `extra="forbid"` would not do: it
    checks the `.env` file only, and refuses each of its lines outside the prefix too (Compose reads the same file:
    MONGO_ROOT_USERNAME)."""
    env, dotenv = EnvSettingsSource(Settings).env_vars, DotEnvSettingsSource(Settings, env_file=env_file).env_vars
    directory = env.get(SECRETS_DIR.lower()) or dotenv.get(SECRETS_DIR.lower())
    files = _named_files(Path(directory)) if directory else []
    found = {path.name.lower(): f" (a file in {directory})" for path in files}
    found |= {name: f" (in {env_file})" for name in dotenv} | {name: "" for name in env}
    for name, where in sorted(found.items()):
        if (why := unknown_setting(name, env.get(name))) is not None:
            yield f"{name.upper()}{where}: {why}"
