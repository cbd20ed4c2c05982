"""The deployment files (docker-compose.yml, Dockerfile, .dockerignore) agree with the code they deploy.

No Docker engine runs in CI, so these read the files: compose with a YAML parser (and its variables substituted
as compose substitutes them, its secrets written where compose mounts them), the Dockerfile as text.
"""

import argparse
import json
import os
import re
import shlex
import subprocess
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from pydantic import SecretStr

from adapters.cli import CannotStart, build_parser, require_production_settings
from adapters.settings import DEV_JWT_SECRET, Settings, unknown_setting, unknown_variables
from carriers.base import CarrierSettings
from carriers.retry import RetryBudget

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_COMMANDS = frozenset({"serve", "worker", "sandbox", "token", "embedded", "sandbox-shipment"})
MONGO_SERVICES = ("mongo1", "mongo2", "mongo3")
KEYFILE_SERVICE = "mongo-keyfile"
MONGO_UID = "999"  # the mongodb user of the official image, which mongod runs as
VARIABLE = re.compile(r"\$(?:\$|\{(\w+)(?:(:?)([-?+])([^}]*))?\}|(\w+))")
REQUIRED = {  # what compose requires from the environment: nothing secret
    "DISPUTES_JWT_JWKS_URL": "https://idp.example/.well-known/jwks.json",
    "DISPUTES_JWT_ISSUER": "https://idp.example/",
}
SECRET_FILES = {  # the files of ./secrets, as an operator writes them (`openssl rand -hex 32 > secrets/<name>`)
    "mongo_root_password": "root-password-0123456789abcdef",
    "mongo_app_password": "app-password-0123456789abcdef",
    "disputes_jwt_secret": "a-test-secret-that-is-long-enough-0123456789",
    "disputes_effects_signing_secret": "a-test-effects-signing-secret-long-enough-0123",
}
GRANTS = {  # which services need each secret, and why; no other service gets it
    "mongo_root_password": {"mongo1"},  # the image creates the root user; the healthcheck authenticates as it
    "mongo_app_password": {"mongo1", "api", "worker"},  # mongo1 creates the service's user; the service logs in
    "disputes_jwt_secret": {"api"},  # the API signs query cursors
    "disputes_effects_signing_secret": {"worker", "sandbox"},  # the workers sign messages; the sandbox verifies them
}
SECRETS_DIR = "/run/secrets"  # where compose mounts a secret whose target is a bare name
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|CREDENTIAL|PRIVATE|KEY", re.IGNORECASE)
APP_COMMANDS = {"sandbox": "sandbox", "api": "serve", "worker": "worker"}
DEPENDS_ON_CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


@pytest.fixture(scope="module")
def compose() -> dict:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(loaded, dict) and isinstance(loaded.get("services"), dict)
    return loaded


@pytest.fixture(scope="module")
def services(compose: dict) -> dict:
    return compose["services"]


class Unset(Exception):
    """A variable compose requires (`${NAME:?message}`) is not set."""


def interpolate(value: object, env: dict[str, str]) -> object:
    """What compose makes of `value` with `env` set (https://docs.docker.com/reference/compose-file/interpolation):
    `${NAME}`, `$NAME`, `${NAME:-default}`, `${NAME:?message}`, `${NAME:+replacement}` (and each without the colon,
    for unset only), and `$$` for a literal `$`. Nesting is not needed here."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        name, colon, kind, argument, bare = match.groups()
        if match.group(0) == "$$":
            return "$"
        name = name or bare
        unset = name not in env or (colon == ":" and env[name] == "")
        if kind == "+":
            return "" if unset else argument
        if not unset:
            return env[name]
        if kind == "?":
            raise Unset(f"{name}: {argument}")
        return argument if kind == "-" else ""

    return VARIABLE.sub(substitute, value)


@pytest.fixture(scope="module")
def resolved(services: dict) -> dict:
    """The services as `docker compose up` runs them with only the required variables set."""
    return interpolate(services, REQUIRED)  # type: ignore[return-value]


def command_of(service: dict) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def option(argv: list[str], name: str) -> str:
    assert name in argv, f"{name} missing from {argv}"
    return argv[argv.index(name) + 1]


def environment_of(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {name: str(value) for name, value in env.items()}


def granted(service: dict) -> dict[str, str]:
    """Each secret the service is granted (short and long syntax) → the path compose mounts it at."""
    found = {}
    for entry in service.get("secrets", []):
        source = entry if isinstance(entry, str) else entry["source"]
        target = entry.get("target", source) if isinstance(entry, dict) else source
        found[source] = target if target.startswith("/") else f"{SECRETS_DIR}/{target}"
    return found


def write_secrets(service: dict, directory: Path) -> Path:
    """The service's secrets directory as compose fills it, at `directory`: each granted secret's file, by the name
    it is mounted under, holding what the operator wrote (with the final newline `echo` and `openssl` write)."""
    directory.mkdir()
    for source, target in granted(service).items():
        assert Path(target).parent == Path(SECRETS_DIR), f"{source} is mounted outside {SECRETS_DIR}"
        (directory / Path(target).name).write_text(SECRET_FILES[source] + "\n")
    return directory


def loaded(name: str, resolved: dict, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    """The settings `name`'s command loads from its environment and its secrets, as compose runs it."""
    env = environment_of(resolved[name])
    assert env["DISPUTES_SECRETS_DIR"] == SECRETS_DIR, f"{name} reads its secrets from where compose mounts them"
    with monkeypatch.context() as patch:
        for variable in [variable for variable in os.environ if variable.upper().startswith("DISPUTES_")]:
            patch.delenv(variable)
        for variable, value in env.items():
            patch.setenv(variable, value)
        patch.setenv("DISPUTES_SECRETS_DIR", str(write_secrets(resolved[name], tmp_path / name)))
        assert list(unknown_variables(None)) == [], f"{name}: a variable or secret file that names no setting"
        return Settings(_env_file=None)


def healthcheck_enabled(service: dict) -> bool:
    check = service.get("healthcheck")
    return bool(check) and not check.get("disable", False) and check.get("test") not in (["NONE"], "NONE")


def published_ports(service: dict) -> list[tuple[str, int, int]]:
    """(host ip, host port, container port) for every published port, short and long syntax."""
    found = []
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            found.append((entry.get("host_ip", ""), int(entry["published"]), int(entry["target"])))
            continue
        parts = str(entry).split("/")[0].split(":")
        assert len(parts) in (2, 3), f"port {entry!r} is not published on a fixed host port"
        host_ip, host_port, container = parts if len(parts) == 3 else ["", *parts]
        found.append((host_ip, int(host_port), int(container)))
    return found


def test_compose_declares_the_expected_services_without_the_obsolete_version_key(compose, services):
    assert "version" not in compose
    assert set(services) == {KEYFILE_SERVICE, *MONGO_SERVICES, *APP_COMMANDS}


def test_the_production_commands_take_the_carrier_sandbox_only_where_it_is_allowed_as_compose_allows_it(
    resolved, monkeypatch, tmp_path
):
    # With the sandbox's URL, every carrier left out of DISPUTES_CARRIERS takes the credentials docs/partners.md
    # publishes: the production commands refuse it alone.
    for name in ("api", "worker"):
        settings = loaded(name, resolved, monkeypatch, tmp_path)
        assert settings.carrier_sandbox_url and settings.sandbox_carriers_allowed
        alone = settings.model_copy(update={"sandbox_carriers_allowed": False})
        with pytest.raises(CannotStart, match="DISPUTES_SANDBOX_CARRIERS_ALLOWED"):
            require_production_settings(alone, api=name == "api")
        require_production_settings(alone.model_copy(update={"carrier_sandbox_url": None}), api=name == "api")
        # The flag with no sandbox to stand in for the carriers: left over from compose, with real carriers.
        left_over = settings.model_copy(update={"carrier_sandbox_url": None})
        with pytest.raises(CannotStart, match="DISPUTES_SANDBOX_CARRIERS_ALLOWED is set without "
                                              "DISPUTES_CARRIER_SANDBOX_URL"):
            require_production_settings(left_over, api=name == "api")


def test_the_api_refuses_the_published_development_secret_for_its_page_cursors_signed_or_accepted(
    resolved, monkeypatch, tmp_path
):
    # Anyone holding the repository could sign cursors the API would read as its own.
    settings = loaded("api", resolved, monkeypatch, tmp_path)
    for name in ("jwt_secret", "jwt_accepted_secret"):
        published = settings.model_copy(update={name: SecretStr(DEV_JWT_SECRET)})
        with pytest.raises(CannotStart, match=f"DISPUTES_{name.upper()} must"):
            require_production_settings(published, api=True)


def test_every_disputes_variable_in_compose_is_a_settings_field(services):
    fields = set(Settings.model_fields)
    for name, service in services.items():
        for variable in environment_of(service):
            if variable.startswith("DISPUTES_"):
                assert variable.removeprefix("DISPUTES_").lower() in fields, f"{name}: {variable} is read by nothing"


def test_api_and_worker_start_on_their_environment_and_secrets(resolved, monkeypatch, tmp_path):
    for name, run_workers in (("api", False), ("worker", True)):
        settings = loaded(name, resolved, monkeypatch, tmp_path)
        assert not settings.embedded
        assert settings.host == "0.0.0.0"
        assert settings.run_workers is run_workers
        require_production_settings(settings, api=name == "api")  # the command would start, not refuse
        assert settings.log_json is True
        assert settings.mongodb_database
        if name == "api":  # its page cursors; the worker hands out none
            assert settings.jwt_secret.get_secret_value() == SECRET_FILES["disputes_jwt_secret"]
        assert isinstance(settings.mongodb_password, SecretStr)
        assert settings.mongodb_password.get_secret_value() == SECRET_FILES["mongo_app_password"]


def test_the_workers_and_the_sandbox_sign_and_verify_with_the_same_effects_signing_secret(resolved, monkeypatch,
                                                                                          tmp_path):
    worker, sandbox = (loaded(name, resolved, monkeypatch, tmp_path) for name in ("worker", "sandbox"))
    assert sandbox.effects_signing_secret.get_secret_value() == SECRET_FILES["disputes_effects_signing_secret"]
    assert worker.effects_signing_secret == sandbox.effects_signing_secret
    assert worker.effects_signing_key_id == sandbox.effects_signing_key_id


def test_every_secret_a_service_is_granted_is_declared_from_a_file_kept_out_of_git_and_of_the_image(compose,
                                                                                                   services):
    declared = compose.get("secrets") or {}
    for name, service in services.items():
        assert set(granted(service)) <= set(declared), f"{name} is granted a secret that is not declared"
    assert set(declared) == set(GRANTS), "every declared secret is granted, and none is missing"
    for name, secret in declared.items():
        assert set(secret) == {"file"}, f"{name}: a file of ./secrets, not the environment or an external store"
        assert Path(secret["file"]) == Path("secrets", name), name
    assert "secrets/" in (ROOT / ".gitignore").read_text().splitlines()
    assert "secrets" in (ROOT / ".dockerignore").read_text().splitlines()


def test_each_secret_is_granted_to_exactly_the_services_that_need_it(services):
    grants = {secret: {name for name, service in services.items() if secret in granted(service)} for secret in GRANTS}
    assert grants == GRANTS


def test_a_service_s_secrets_are_mounted_where_it_reads_them(services):
    """The service reads a setting from the file named like its variable in DISPUTES_SECRETS_DIR; mongo1 reads each
    password from the file one of its `*_FILE` variables names."""
    for name, service in services.items():
        mounts, env = granted(service), environment_of(service)
        if name == "mongo1":
            named = {value for variable, value in env.items() if variable.endswith("_FILE")}
            assert set(mounts.values()) == named, "each secret is read through one *_FILE variable"
            continue
        assert not mounts or env.get("DISPUTES_SECRETS_DIR") == SECRETS_DIR, name
        for source, target in mounts.items():
            variable = Path(target).name.upper()
            assert variable.startswith("DISPUTES_"), f"{name}: {source} is read by nothing"
            assert unknown_setting(variable) is None, f"{name}: {source} is read by nothing"


def strings(value: object) -> list[str]:
    """Every string in `value`, however deep."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return [value] if isinstance(value, str) else []


def test_no_secret_is_in_any_service_s_environment_command_or_healthcheck(services, resolved):
    """`docker inspect` shows a container's environment, command and healthcheck, and every process in it sees its
    environment; anything that sees its processes sees their arguments (ps, /proc/<pid>/cmdline)."""
    text = (ROOT / "docker-compose.yml").read_text()
    read_from_the_shell = {match[0] or match[4] for match in VARIABLE.findall(text) if match[0] or match[4]}
    assert [name for name in read_from_the_shell if SECRET_NAME.search(name)] == [], "compose passes no secret on"
    for name, service in resolved.items():
        mounts = set(granted(service).values())
        for variable, value in environment_of(service).items():
            if variable == "DISPUTES_SECRETS_DIR":  # where the secrets are, not one
                assert value == SECRETS_DIR, name
            elif SECRET_NAME.search(variable):
                assert variable.endswith("_FILE") and value in mounts, f"{name}: {variable} holds a secret"
            if variable.startswith("DISPUTES_"):
                setting = Settings.model_fields[variable.removeprefix("DISPUTES_").lower()]
                assert SecretStr not in (setting.annotation, *getattr(setting.annotation, "__args__", ())), variable
            if "://" in value:
                assert urlsplit(value).password is None, f"{name}: {variable} carries a password"
        words = strings([service.get(key) for key in ("command", "entrypoint")] + [service.get("healthcheck", {})])
        for word in words:
            assert not re.search(r"(^|\s)(-p|--password)\b", word), f"{name}: a password option in {word!r}"
            assert not re.search(r"\$\{?\w*(PASSWORD|SECRET)", word), f"{name}: a secret expanded in {word!r}"
        assert not [value for value in SECRET_FILES.values() if value in str(service)], name


def test_a_stopped_worker_has_time_to_finish_the_longest_carrier_pull(services):
    grace = re.fullmatch(r"(\d+)s", services["worker"]["stop_grace_period"])
    assert grace is not None, "a duration in seconds"
    longest_pull = RetryBudget().total_seconds + CarrierSettings.model_fields["timeout_seconds"].default  # the budget, then one more call
    assert int(grace[1]) > longest_pull


def test_the_api_requires_the_identity_providers_jwks_url_and_issuer(services):
    env = environment_of(services["api"])
    for variable in ("DISPUTES_JWT_JWKS_URL", "DISPUTES_JWT_ISSUER"):
        assert re.fullmatch(rf"\$\{{{variable}:\?[^}}]+\}}", env[variable]), f"{variable} must be required"


def test_downstream_urls_point_at_the_sandbox_service(services):
    sandbox_port = int(option(command_of(services["sandbox"]), "--port"))
    assert option(command_of(services["sandbox"]), "--host") == "0.0.0.0"
    for name in ("api", "worker"):
        env = environment_of(services[name])
        for variable in ("ORDERS", "PAYMENTS", "FULFILLMENT", "NOTIFICATIONS"):
            url = urlsplit(env[f"DISPUTES_{variable}_URL"])
            assert (url.hostname, url.port) == ("sandbox", sandbox_port), f"{name}: DISPUTES_{variable}_URL"


def mongo_uri(resolved: dict) -> tuple[list[tuple[str, int]], str]:
    uri = environment_of(resolved["api"])["DISPUTES_MONGODB_URI"]
    assert environment_of(resolved["worker"])["DISPUTES_MONGODB_URI"] == uri
    parts = urlsplit(uri)
    assert parts.scheme == "mongodb"
    members = parts.netloc.rpartition("@")[2]
    hosts = [(host, int(port)) for host, port in (member.split(":") for member in members.split(","))]
    (replica_set,) = parse_qs(parts.query)["replicaSet"]
    return hosts, replica_set


def test_mongo_uri_names_the_replica_set_and_every_member_is_a_service(services, resolved):
    hosts, replica_set = mongo_uri(resolved)
    assert sorted(host for host, _ in hosts) == sorted(MONGO_SERVICES)
    for host, port in hosts:
        argv = command_of(services[host])
        assert services[host]["image"].startswith("mongo:")
        assert option(argv, "--replSet") == replica_set
        assert "--bind_ip_all" in argv
        assert int(option(argv, "--port")) == port


def healthcheck_argv(service: dict) -> list[str]:
    """The healthcheck's command line: CMD's words, or CMD-SHELL's as the container's shell splits them (`$NAME`
    left for that shell)."""
    test = service["healthcheck"]["test"]
    if test[0] == "CMD-SHELL":
        return shlex.split(test[1])
    assert test[0] == "CMD"
    return test[1:]


def test_mongo1_healthcheck_initiates_the_replica_set_with_every_member(resolved):
    hosts, replica_set = mongo_uri(resolved)
    argv = healthcheck_argv(resolved["mongo1"])
    assert argv[0] == "mongosh" and "--quiet" in argv
    script = option(argv, "--eval")
    assert "rs.status()" in script
    initiate = re.search(r"rs\.initiate\((.*)\)", script, re.DOTALL)
    assert initiate, "the healthcheck must initiate the replica set"
    config = initiate.group(1)
    assert re.search(rf"""_id:\s*["']{replica_set}["']""", config)
    members = re.findall(r"""host:\s*["']([\w.-]+):(\d+)["']""", config)
    assert sorted((host, int(port)) for host, port in members) == sorted(hosts)
    member_ids = re.findall(r"_id:\s*(\d+)", config)
    assert len(set(member_ids)) == len(hosts)


def test_mongo_members_keep_their_data_in_named_volumes(compose, services):
    declared = set(compose.get("volumes") or {})
    for name in MONGO_SERVICES:
        targets = {volume.split(":")[1]: volume.split(":")[0] for volume in services[name]["volumes"]}
        data_volume = targets.get("/data/db")
        assert data_volume in declared, f"{name} keeps /data/db in {data_volume!r}"


def test_depends_on_targets_exist_and_use_valid_conditions(services):
    for name, service in services.items():
        depends_on = service.get("depends_on", {})
        if isinstance(depends_on, list):
            depends_on = {target: {"condition": "service_started"} for target in depends_on}
        for target, spec in depends_on.items():
            assert target in services, f"{name} depends on unknown {target}"
            assert spec["condition"] in DEPENDS_ON_CONDITIONS, f"{name} -> {target}: {spec['condition']}"
            if spec["condition"] == "service_healthy":
                assert healthcheck_enabled(services[target]), f"{name} waits for {target}, which has no healthcheck"
    for name in ("api", "worker"):
        assert services[name]["depends_on"]["mongo1"]["condition"] == "service_healthy"
        assert "sandbox" in services[name]["depends_on"]


def test_published_ports_are_unique_and_the_api_publishes_its_configured_port(resolved):
    published = [(ip, host) for service in resolved.values() for ip, host, _ in published_ports(service)]
    assert len(published) == len(set(published))
    api_port = int(environment_of(resolved["api"])["DISPUTES_PORT"])
    assert api_port in [container for _, _, container in published_ports(resolved["api"])]


def test_only_the_api_is_published_on_loopback_unless_an_address_is_chosen(services, resolved):
    assert [name for name, service in resolved.items() if published_ports(service)] == ["api"]
    assert {ip for ip, _, _ in published_ports(resolved["api"])} == {"127.0.0.1"}
    everywhere = interpolate(services["api"], {**REQUIRED, "DISPUTES_BIND": "0.0.0.0"})
    assert {ip for ip, _, _ in published_ports(everywhere)} == {"0.0.0.0"}  # type: ignore[arg-type]


def test_the_service_connects_as_its_own_user_never_as_the_root_user(services, resolved):
    """With the password of its own user's secret (DISPUTES_MONGODB_PASSWORD), never in the URI."""
    mongo1 = environment_of(resolved["mongo1"])
    for name in ("api", "worker"):
        assert "MONGO_ROOT" not in str(services[name]) and "mongo_root_password" not in granted(services[name]), name
        parts = urlsplit(environment_of(resolved[name])["DISPUTES_MONGODB_URI"])
        assert parts.username != mongo1["MONGO_INITDB_ROOT_USERNAME"], name
        assert (parts.username, parts.password) == (mongo1["MONGO_APP_USERNAME"], None), name
        assert parse_qs(parts.query)["authSource"] == ["admin"], name
        assert Path(granted(services[name])["mongo_app_password"]).name == "disputes_mongodb_password", name


def sibling_db(script: str) -> tuple[str, str]:
    """The one `handle = db.getSiblingDB("name")` of the healthcheck's script, as (handle, name)."""
    (found,) = re.finditer(r"""(\w+) = db\.getSiblingDB\(["'](\w+)["']\)""", script)
    return found.group(1), found.group(2)


def test_mongo1_s_healthcheck_creates_the_service_user_with_read_write_on_the_service_database_only(resolved):
    """Once a primary is elected, and only when the user is missing: a restart or the next check creates nothing.
    Its password is the file of the secret the API and the worker log in with."""
    script = option(healthcheck_argv(resolved["mongo1"]), "--eval")
    env = environment_of(resolved["mongo1"])
    parts = urlsplit(environment_of(resolved["api"])["DISPUTES_MONGODB_URI"])
    handle, database = sibling_db(script)
    assert [database] == parse_qs(parts.query)["authSource"]
    (call,) = re.findall(rf"{handle}\.createUser\(\{{(.*?)\}}\s*\)", script, re.DOTALL)
    fields = dict(re.findall(r"(user|pwd|roles):\s*(process\.env\.\w+|secret\(process\.env\.\w+\)|\[.*?\])", call,
                             re.DOTALL))
    assert set(fields) == {"user", "pwd", "roles"}
    user = env[fields["user"].removeprefix("process.env.")]
    assert user == parts.username == env["MONGO_APP_USERNAME"]
    password_file = env[fields["pwd"].removeprefix("secret(process.env.").removesuffix(")")]
    (source,) = [source for source, target in granted(resolved["mongo1"]).items() if target == password_file]
    assert Path(granted(resolved["api"])[source]).name == "disputes_mongodb_password"
    role = re.fullmatch(r"""\[\s*\{\s*role:\s*["'](\w+)["'],\s*db:\s*process\.env\.(\w+)\s*\}\s*\]""", fields["roles"])
    assert role, f"one role, no more: {fields['roles']}"
    assert (role.group(1), env[role.group(2)]) == ("readWrite", environment_of(resolved["api"])["DISPUTES_MONGODB_DATABASE"])
    guard = script.index(f"if (!{handle}.getUser({fields['user']}))")
    assert script.index("no primary yet") < guard < script.index(f"{handle}.createUser(")


def test_mongo1_s_healthcheck_script_is_valid_javascript(resolved, tmp_path):
    script = tmp_path / "healthcheck.js"
    script.write_text(option(healthcheck_argv(resolved["mongo1"]), "--eval"))
    checked = subprocess.run(["node", "--check", str(script)], capture_output=True, text=True, timeout=60, check=False)
    assert checked.returncode == 0, checked.stderr


def test_the_healthcheck_authenticates_as_root_with_the_password_the_image_created_it_with(resolved):
    """Inside the script, before it does anything else; the password is read from the file the image reads it from
    (MONGO_INITDB_ROOT_PASSWORD_FILE, the root password's secret), never from the environment."""
    script = option(healthcheck_argv(resolved["mongo1"]), "--eval")
    env = environment_of(resolved["mongo1"])
    handle, database = sibling_db(script)
    credentials = re.search(rf"{handle}\.auth\(process\.env\.(\w+),\s*secret\(process\.env\.(\w+)\)\)", script)
    assert credentials, "the healthcheck must authenticate"
    assert database == "admin"
    assert credentials.groups() == ("MONGO_INITDB_ROOT_USERNAME", "MONGO_INITDB_ROOT_PASSWORD_FILE")
    assert "MONGO_INITDB_ROOT_PASSWORD" not in env
    assert env["MONGO_INITDB_ROOT_PASSWORD_FILE"] == granted(resolved["mongo1"])["mongo_root_password"]
    assert credentials.start() < script.index("rs.status()")


HEALTHCHECK_HARNESS = """
const files = require("fs");
const fs = { readFileSync: (file, encoding) =>
  files.readFileSync(file.replace(/^\\/run\\/secrets\\//, process.env.HARNESS_SECRETS + "/"), encoding) };
const calls = [];
const users = {
  auth: (user, pwd) => { calls.push(["auth", user, pwd]); return { ok: 1 } },
  getUser: (user) => null,
  createUser: (spec) => { calls.push(["createUser", spec]) },
};
const db = { getSiblingDB: (name) => { calls.push(["getSiblingDB", name]); return users } };
const rs = { status: () => ({ members: [{ state: 1 }] }), initiate: (config) => calls.push(["initiate"]) };
process.on("exit", () => console.log(JSON.stringify(calls)));
"""
"""The globals mongosh gives the script, answering as a new replica set with a primary and no service user yet;
the secret files are read from HARNESS_SECRETS instead of /run/secrets. What the script called is printed at exit."""


def run_healthcheck(resolved: dict, secrets: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "healthcheck.js"
    script.write_text(HEALTHCHECK_HARNESS + option(healthcheck_argv(resolved["mongo1"]), "--eval"))
    env = {**environment_of(resolved["mongo1"]), "HARNESS_SECRETS": str(secrets), "PATH": os.environ["PATH"]}
    return subprocess.run(["node", str(script)], capture_output=True, text=True, timeout=60, check=False, env=env)


def test_mongo1_s_healthcheck_uses_the_passwords_of_its_secret_files(resolved, tmp_path):
    env = environment_of(resolved["mongo1"])
    ran = run_healthcheck(resolved, write_secrets(resolved["mongo1"], tmp_path / "secrets"), tmp_path)
    assert ran.returncode == 0, ran.stderr
    calls = json.loads(ran.stdout)
    assert ["auth", env["MONGO_INITDB_ROOT_USERNAME"], SECRET_FILES["mongo_root_password"]] in calls
    (created,) = [spec for call, spec, *_ in calls if call == "createUser"]
    assert created == {"user": env["MONGO_APP_USERNAME"], "pwd": SECRET_FILES["mongo_app_password"],
                       "roles": [{"role": "readWrite", "db": env["MONGO_APP_DATABASE"]}]}


def test_mongo1_s_healthcheck_fails_naming_an_empty_secret_file_and_creates_no_user(resolved, tmp_path):
    secrets = write_secrets(resolved["mongo1"], tmp_path / "secrets")
    (secrets / "mongo_app_password").write_text("\n")
    ran = run_healthcheck(resolved, secrets, tmp_path)
    assert ran.returncode != 0
    assert f"{granted(resolved['mongo1'])['mongo_app_password']} is empty" in ran.stderr
    assert "createUser" not in [call for call, *_ in json.loads(ran.stdout)]


def mounts(service: dict) -> dict[str, tuple[str, str]]:
    """Container path → (volume, mode) for every short-syntax volume."""
    found = {}
    for entry in service.get("volumes", []):
        source, target, *mode = entry.split(":")
        found[target] = (source, mode[0] if mode else "rw")
    return found


def test_every_member_authenticates_to_the_others_with_a_key_file_written_once_for_mongod(compose, resolved):
    init = resolved[KEYFILE_SERVICE]
    script = " ".join(init["command"]) if isinstance(init["command"], list) else init["command"]
    assert init["entrypoint"][:2] == ["sh", "-c"] and init["restart"] == "no"
    ((directory, (volume, _)),) = mounts(init).items()
    assert volume in (compose.get("volumes") or {})
    key = re.search(rf"test -s ({re.escape(directory)}/\S+) \|\|", script)
    assert key, "the key is written only when there is none yet"
    path = key.group(1)
    assert re.search(rf"base64 -w 0 > {re.escape(path)}", script)
    assert f"chown {MONGO_UID}:{MONGO_UID} {path}" in script and f"chmod 400 {path}" in script
    for name in MONGO_SERVICES:
        member = resolved[name]
        assert option(command_of(member), "--keyFile") == path, name
        assert mounts(member)[directory] == (volume, "ro"), name
        assert member["depends_on"][KEYFILE_SERVICE]["condition"] == "service_completed_successfully", name


@pytest.mark.parametrize(("name", "port"), [("api", "DISPUTES_PORT"), ("worker", "DISPUTES_WORKER_PORT")])
def test_the_app_healthchecks_probe_readiness_on_the_port_each_serves(services, name, port):
    service = services[name]
    test = " ".join(service["healthcheck"]["test"])
    assert service["healthcheck"]["test"][:2] == ["CMD", "python"]
    assert f"127.0.0.1:{environment_of(service)[port]}/readyz" in test
    assert healthcheck_enabled(service)


def test_the_worker_serves_its_operations_endpoints_on_a_port_of_its_own(services):
    env = environment_of(services["worker"])
    assert int(env["DISPUTES_WORKER_PORT"]) != int(env["DISPUTES_PORT"])


def test_app_services_run_cli_subcommands_from_this_image(services):
    for name, subcommand in APP_COMMANDS.items():
        service = services[name]
        argv = command_of(service)
        assert argv[0] == subcommand and argv[0] in EXPECTED_COMMANDS
        assert service["image"] == services["api"]["image"]
        assert (ROOT / service["build"]["context"] / "Dockerfile").is_file()
    for name in ("api", "worker"):
        assert services[name]["restart"] == "unless-stopped"


def test_the_cli_declares_every_command_the_deployment_uses():
    (commands,) = [a.choices for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert EXPECTED_COMMANDS <= set(commands)


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = (line.strip() for line in text.splitlines())
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines if line and not line.startswith("#")]


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    last_from = max(index for index, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def test_the_image_runs_python_3_13_slim_in_every_stage():
    instructions = dockerfile_instructions()
    defaults = dict(arg.split("=", 1) for keyword, arg in instructions if keyword == "ARG" and "=" in arg)
    stages = [re.sub(r"\$\{(\w+)\}", lambda m: defaults[m.group(1)], arg).split()[0]
              for keyword, arg in instructions if keyword == "FROM"]
    assert len(stages) >= 2, "multi-stage build"
    assert all(image.startswith("python:3.13") and "slim" in image for image in stages)


def test_the_image_installs_the_locked_dependencies_with_a_pinned_uv():
    runs = [arg for keyword, arg in dockerfile_instructions() if keyword == "RUN"]
    assert any("uv sync --locked --no-dev" in run and "--no-install-project" not in run for run in runs)
    copies = " ".join(arg for keyword, arg in dockerfile_instructions() if keyword == "COPY")
    assert "ghcr.io/astral-sh/uv:0.13.9" in copies or any("uv==0.13.9" in run for run in runs)


def test_the_image_runs_the_disputes_entry_point_as_a_non_root_user():
    stage = final_stage()
    users = [arg.split(":")[0] for keyword, arg in stage if keyword == "USER"]
    assert users and users[-1] not in {"root", "0"}
    keywords = [keyword for keyword, _ in stage]
    assert keywords.index("USER") < keywords.index("ENTRYPOINT")
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    (entrypoint,) = [json.loads(arg) for keyword, arg in stage if keyword == "ENTRYPOINT"]
    assert entrypoint == ["disputes"] and "disputes" in scripts
    (cmd,) = [json.loads(arg) for keyword, arg in stage if keyword == "CMD"]
    assert cmd == ["serve"]


def test_the_image_exposes_the_settings_port_and_checks_healthz_with_python():
    stage = final_stage()
    exposed = {int(port.split("/")[0]) for keyword, arg in stage if keyword == "EXPOSE" for port in arg.split()}
    assert exposed == {Settings.model_fields["port"].default} == {8080}
    (healthcheck,) = [arg for keyword, arg in stage if keyword == "HEALTHCHECK"]
    assert "/healthz" in healthcheck and "python" in healthcheck and "curl" not in healthcheck


def test_the_build_context_holds_what_the_image_copies_and_nothing_local():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".venv", ".tools", "var", "tests", ".git", ".env", "secrets", "**/__pycache__"} <= ignored
    for keyword, arg in dockerfile_instructions():
        if keyword != "COPY" or "--from=" in arg:
            continue
        *sources, _destination = arg.split()
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
            path = Path(source.rstrip("/"))
            excluded = any(str(p) in ignored for p in (path, *path.parents) if str(p) != ".")
            assert not excluded or f"!{path}" in ignored, f"COPY {source}: excluded by .dockerignore"


def test_the_readme_documents_every_declared_index():
    from adapters.mongo.indexes import INDEXES

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [i.name for i in INDEXES if f"`{i.name}`" not in readme] == []
