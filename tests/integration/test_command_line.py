"""The `disputes` command run as a person runs it: a taken port, a missing setting or a refused value is one line
on stderr and a non-zero exit, never a traceback and never the refused value (it may be a secret)."""

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import jwt
import pytest

from tests.forked_command import BASE_ENV, ForkedCommand

SECRET = "production-secret-" + "p" * 32
UNREACHABLE = "http://127.0.0.1:9"
PRODUCTION = {
    "DISPUTES_MONGODB_URI": "mongodb://db:27017/?replicaSet=rs0",
    "DISPUTES_STORAGE": "memory",  # starts without a database: the command gets as far as listening
    "DISPUTES_JWT_SECRET": SECRET,
    "DISPUTES_JWT_JWKS_URL": UNREACHABLE + "/jwks.json",  # fetched at the first token only
    "DISPUTES_EFFECTS_SIGNING_SECRET": "production-effects-secret-" + "e" * 32,
    "DISPUTES_RUN_WORKERS": "false",
    **{f"DISPUTES_{name}_URL": UNREACHABLE for name in ("ORDERS", "PAYMENTS", "FULFILLMENT", "NOTIFICATIONS",
                                                       "ACCOUNTS", "FINANCE")},
}
UPS_SECRET = "ups-client-secret-Zq81-do-not-print"
JWT_SECRET = "jwt-secret-Hk2-do-not-print"  # 27 characters: refused as too short


def started(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command as a person runs it, in `cwd` (a directory of the test's own: no stray `.env`), started afresh:
    the entry point itself, imports and all, for one test of each command."""
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=60,
        env=BASE_ENV | env,
    )


Disputes = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def disputes() -> Iterator[Disputes]:
    """The command as `started` runs it, forked from a process that has imported it already."""
    command = ForkedCommand()
    yield command.run
    command.close()


def refused_in_one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        return int(listener.getsockname()[1])


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield listener.getsockname()[1]


@pytest.mark.parametrize(("command", "setting", "env"), [
    ("serve", "DISPUTES_PORT", {}),
    ("worker", "DISPUTES_WORKER_PORT", {}),
    ("embedded", "DISPUTES_PORT", {}),
    ("embedded", "DISPUTES_SANDBOX_PORT", {}),
])
def test_a_taken_port_is_one_line_naming_the_port_and_its_setting(taken_port, tmp_path, command, setting, env):
    base = {} if command == "embedded" else PRODUCTION
    for _ in range(3):  # a port found free may be taken by another program before the command binds it: choose again
        free = {name: str(free_port()) for name in ("DISPUTES_PORT", "DISPUTES_SANDBOX_PORT",
                                                     "DISPUTES_CARRIER_SANDBOX_PORT") if name != setting}
        settings = {**base, **(free if command == "embedded" else {}), **env, setting: str(taken_port),
                    "DISPUTES_DATA_DIR": str(tmp_path / "data")}
        line = refused_in_one_line(started(command, env=settings, cwd=tmp_path))
        if not any(f"Port {port} " in line for port in free.values()):
            break
    assert f"Port {taken_port} on 127.0.0.1 is already in use" in line and setting in line
    assert not (tmp_path / "data" / "disputes.sqlite").exists()  # refused before the database started


def test_a_worker_needs_no_jwt_secret_of_its_own(disputes, taken_port, tmp_path):
    """It gets past every check of its settings, as far as its port (taken here, so the test ends there)."""
    env = {name: value for name, value in PRODUCTION.items() if name != "DISPUTES_JWT_SECRET"}
    line = refused_in_one_line(disputes("worker", env=env | {"DISPUTES_WORKER_PORT": str(taken_port)}, cwd=tmp_path))
    assert f"Port {taken_port} on 127.0.0.1 is already in use" in line


def test_the_sandbox_names_the_option_whose_port_is_taken(taken_port, tmp_path):
    line = refused_in_one_line(
        started("sandbox", "--port", str(free_port()), "--carriers-port", str(taken_port), env={}, cwd=tmp_path)
    )
    assert str(taken_port) in line and "--carriers-port" in line


@pytest.mark.parametrize(("command", "unset", "named"), [
    ("serve", "DISPUTES_MONGODB_URI", "DISPUTES_MONGODB_URI"),
    ("serve", "DISPUTES_ORDERS_URL", "DISPUTES_ORDERS_URL"),
    ("serve", "DISPUTES_JWT_JWKS_URL", "DISPUTES_JWT_JWKS_URL"),
    ("serve", "DISPUTES_JWT_SECRET", "DISPUTES_JWT_SECRET"),
    ("worker", "DISPUTES_PAYMENTS_URL", "DISPUTES_PAYMENTS_URL"),
    ("worker", "DISPUTES_EFFECTS_SIGNING_SECRET", "DISPUTES_EFFECTS_SIGNING_SECRET"),
])
def test_a_missing_setting_is_one_line_naming_it(disputes, tmp_path, command, unset, named):
    env = {name: value for name, value in PRODUCTION.items() if name != unset}
    assert named in refused_in_one_line(disputes(command, env=env, cwd=tmp_path))
    blank = {**PRODUCTION, unset: " "}  # as `DISPUTES_JWT_JWKS_URL=` in a .env left to fill in
    if unset.endswith(("_URL", "_URI")):
        assert named in refused_in_one_line(disputes(command, env=blank, cwd=tmp_path)), "blank is unset"


@pytest.mark.parametrize(("variable", "value", "secret", "said"), [
    ("DISPUTES_PORT", "eighty", None, "DISPUTES_PORT: Input should be a valid integer"),
    ("DISPUTES_STORAGE", "disk", None, "DISPUTES_STORAGE: Input should be 'mongodb' or 'memory'"),
    ("DISPUTES_ORDERS_URL", "not-a-url", None, "DISPUTES_ORDERS_URL: must be an http:// or https:// URL with a host"),
    ("DISPUTES_JWT_JWKS_URL", "file:///etc/jwks", None, "DISPUTES_JWT_JWKS_URL: must be an http:// or https:// URL"),
    ("DISPUTES_JWT_JWKS_URL", "http://idp.example/jwks.json", None,
     "DISPUTES_JWT_JWKS_URL: must be an https:// URL (http:// only to a loopback host"),
    ("DISPUTES_PAYMENTS_URL", "http://127.0.0.1:99999", None, "DISPUTES_PAYMENTS_URL: must be an http:// or https://"),
    ("DISPUTES_JWT_SECRET", JWT_SECRET, JWT_SECRET, "DISPUTES_JWT_SECRET: must be at least 32 characters long"),
    ("DISPUTES_CARRIERS", json.dumps({"ups": {"credentials": UPS_SECRET}}), UPS_SECRET,
     "DISPUTES_CARRIERS ups credentials: Input should be a valid dictionary"),
    ("DISPUTES_CARRIERS", json.dumps({"ups": {"credentials": {"client_id": "id", "client_secret": [UPS_SECRET]}}}),
     UPS_SECRET, "DISPUTES_CARRIERS ups credentials.client_secret: Input should be a valid string"),
    ("DISPUTES_CARRIERS", json.dumps({"upz": {"credentials": {"client_id": "id", "client_secret": UPS_SECRET}}}),
     UPS_SECRET, "DISPUTES_CARRIERS: no carrier 'upz' (there are ups, dhl"),
    ("DISPUTES_CARRIERS", '{"ups": {"credentials": ' + UPS_SECRET, UPS_SECRET, "DISPUTES_CARRIERS cannot be read"),
    ("DISPUTES_CARRIERS", json.dumps({"ups": {"credentials": {"client_id": "id", "client_secret": UPS_SECRET},
                                              "webhook_credential": ""}}),
     UPS_SECRET, "DISPUTES_CARRIERS ups webhook_credential: is blank: give the credential agreed with the carrier"),
    ("DISPUTES_CARRIERS", json.dumps({"dhl": {"api_key": "dhl-key", "webhook_token": "short-dhl-token"}}),
     "short-dhl-token", "DISPUTES_CARRIERS dhl webhook_token: a secret is 32 to 512 characters long"),
    ("DISPUTES_CARRIERS", json.dumps({"dhl": {"api_key": UPS_SECRET, "base_url": "http://api-eu.dhl.com"}}),
     UPS_SECRET, "DISPUTES_CARRIERS dhl base_url: must be an https:// URL: every call carries credentials"),
])
def test_a_refused_value_is_one_line_without_the_value(disputes, tmp_path, variable, value, secret, said):
    result = disputes("serve", env={**PRODUCTION, variable: value}, cwd=tmp_path)
    assert said in refused_in_one_line(result)
    assert (secret or value) not in result.stdout + result.stderr


SANDBOX_ALLOWED = {"DISPUTES_CARRIER_SANDBOX_URL": "http://sandbox:8091", "DISPUTES_SANDBOX_CARRIERS_ALLOWED": "true"}
REAL_UPS_OVER_HTTP = json.dumps({"ups": {"base_url": "http://onlinetools.ups.com",
                                         "credentials": {"client_id": "id", "client_secret": UPS_SECRET}}})


@pytest.mark.parametrize(("env", "said"), [
    # The sandbox stands in for the carriers DISPUTES_CARRIERS leaves out; a real carrier's host is still https://.
    ({**SANDBOX_ALLOWED, "DISPUTES_CARRIERS": REAL_UPS_OVER_HTTP},
     "DISPUTES_CARRIERS ups base_url: must be an https:// URL: every call carries credentials"),
    # The flag left over once the sandbox's URL is removed, for real carriers.
    ({"DISPUTES_SANDBOX_CARRIERS_ALLOWED": "true", "DISPUTES_CARRIERS": REAL_UPS_OVER_HTTP},
     "DISPUTES_SANDBOX_CARRIERS_ALLOWED is set without DISPUTES_CARRIER_SANDBOX_URL"),
])
def test_the_sandbox_allowed_never_lets_a_real_carrier_be_called_over_plain_http(disputes, tmp_path, env, said):
    result = disputes("serve", env={**PRODUCTION, **env}, cwd=tmp_path)
    assert said in refused_in_one_line(result)
    assert UPS_SECRET not in result.stdout + result.stderr


@pytest.mark.parametrize(("line", "secret", "said"), [
    (f"DISPUTES_JWT_SECRET={JWT_SECRET}", JWT_SECRET, "DISPUTES_JWT_SECRET: must be at least 32 characters long"),
    ('DISPUTES_CARRIERS={"ups": {"credentials": ' + UPS_SECRET, UPS_SECRET,
     "DISPUTES_CARRIERS (in .env) cannot be read: Expecting value: line 1 column"),
])
def test_a_refused_secret_in_the_env_file_is_not_printed_either(disputes, tmp_path, line, secret, said):
    (tmp_path / ".env").write_text(line + "\n")
    result = disputes("serve", env={k: v for k, v in PRODUCTION.items() if k != "DISPUTES_JWT_SECRET"}, cwd=tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    announced, refused = result.stderr.splitlines()
    assert announced == f"settings: read {tmp_path / '.env'} (the environment wins over it)"
    assert refused.startswith(said)
    assert secret not in result.stdout + result.stderr


@pytest.mark.parametrize(("content", "said"), [
    ("", "is empty: it must hold DISPUTES_JWT_SECRET's value"),
    (JWT_SECRET, "DISPUTES_JWT_SECRET: must be at least 32 characters long"),
])
def test_a_refused_secret_file_is_one_line_without_its_value(disputes, tmp_path, content, said):
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "disputes_jwt_secret").write_text(content + "\n")
    env = {k: v for k, v in PRODUCTION.items() if k != "DISPUTES_JWT_SECRET"}
    result = disputes("serve", env={**env, "DISPUTES_SECRETS_DIR": str(tmp_path / "secrets")}, cwd=tmp_path)
    assert said in refused_in_one_line(result)
    assert JWT_SECRET not in result.stdout + result.stderr


def test_the_env_file_is_read_said_so_and_the_environment_wins_over_it(disputes, tmp_path):
    (tmp_path / ".env").write_text(
        f"DISPUTES_JWT_SECRET={SECRET}\nDISPUTES_JWT_ISSUER=from-the-file\nDISPUTES_JWT_AUDIENCE=from-the-file\n"
    )
    result = disputes("token", "--role", "supervisor", "--sub", "sup-1", env={"DISPUTES_JWT_AUDIENCE": "from-env"},
                      cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"read {tmp_path / '.env'}" in result.stderr
    claims = jwt.decode(result.stdout.strip(), SECRET, algorithms=["HS256"], audience="from-env")
    assert (claims["iss"], claims["aud"]) == ("from-the-file", "from-env")


def test_without_an_env_file_nothing_is_said_about_one(disputes, tmp_path):
    result = disputes("token", "--role", "customer", "--sub", "cust-1", env={}, cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == ""


def test_a_variable_that_names_no_setting_is_one_line_naming_the_setting_it_meant(disputes, tmp_path):
    result = disputes("serve", env={**PRODUCTION, "DISPUTES_JWT_SECRT": UPS_SECRET}, cwd=tmp_path)
    assert refused_in_one_line(result) == (
        "DISPUTES_JWT_SECRT: not a setting, did you mean DISPUTES_JWT_SECRET? (docs/settings.md lists every one)"
    )
    assert UPS_SECRET not in result.stdout + result.stderr


def test_a_line_of_the_env_file_that_names_no_setting_is_refused_there(disputes, tmp_path):
    (tmp_path / ".env").write_text("MONGO_ROOT_PASSWORD=pw0123456789\nDISPUTES_SLA_DECISON_DAYS=2\n")
    result = disputes("token", "--role", "customer", "--sub", "cust-1", env={}, cwd=tmp_path)
    assert result.returncode != 0 and result.stdout == "" and "Traceback" not in result.stderr
    announced, refused = result.stderr.splitlines()
    assert refused == ("DISPUTES_SLA_DECISON_DAYS (in .env): not a setting, did you mean "
                       "DISPUTES_DECISION_BUSINESS_DAYS? (docs/settings.md lists every one)")


def test_the_variables_others_read_under_the_prefix_are_let_through(disputes, tmp_path):
    env = {"DISPUTES_BIND": "0.0.0.0", "DISPUTES_URL": "http://127.0.0.1:8080"}
    result = disputes("token", "--role", "customer", "--sub", "cust-1", env=env, cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == ""


@pytest.mark.parametrize("orders_file", ["missing", "directory", "duplicate", "not orders"])
def test_serve_with_an_orders_file_it_cannot_use_is_one_line_naming_it(disputes: Disputes, tmp_path: Path, orders_file: str) -> None:
    order = {"order_id": "ord-1"}
    path = {"missing": tmp_path / "nowhere" / "orders.json", "directory": tmp_path}.get(orders_file, tmp_path / "o.json")
    if orders_file == "duplicate":
        path.write_text(json.dumps({"orders": [order, order]}))
    elif orders_file == "not orders":
        path.write_text(json.dumps({"orders": [order]}))
    env = {k: v for k, v in PRODUCTION.items() if k != "DISPUTES_ORDERS_URL"}
    env |= {"DISPUTES_ORDERS_FILE": str(path), "DISPUTES_PORT": str(free_port())}
    line = refused_in_one_line(disputes("serve", env=env, cwd=tmp_path))
    assert line.startswith(f"DISPUTES_ORDERS_FILE: {path}: "), line


def test_a_missing_tls_file_in_the_mongodb_uri_is_one_line_naming_the_setting(disputes: Disputes, tmp_path: Path) -> None:
    """The driver opens it as it reads the URI, which every command does with its settings."""
    uri = "mongodb://127.0.0.1:1/?tls=true&tlsCAFile=/nonexistent/ca.pem"
    result = disputes("token", "--role", "customer", "--sub", "cust-1", env={"DISPUTES_MONGODB_URI": uri}, cwd=tmp_path)
    line = refused_in_one_line(result)
    assert line.startswith("DISPUTES_MONGODB_URI") and "/nonexistent/ca.pem" in line, line


def test_a_tls_file_in_the_mongodb_uri_that_is_no_certificate_is_one_line_naming_the_setting(disputes: Disputes, tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("not a certificate\n")
    env = PRODUCTION | {"DISPUTES_STORAGE": "mongodb", "DISPUTES_PORT": str(free_port()),
                        "DISPUTES_MONGODB_URI": f"mongodb://127.0.0.1:1/?tls=true&tlsCAFile={tmp_path / 'ca.pem'}"}
    assert refused_in_one_line(disputes("serve", env=env, cwd=tmp_path)).startswith("DISPUTES_MONGODB_URI: ")


@pytest.fixture
def not_a_sandbox() -> Iterator[str]:
    """A server answering every request as aiohttp answers an unrouted path (as the other sandbox does): a 404 in
    plain text."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n"
                             b"Content-Length: 14\r\nConnection: close\r\n\r\n404: Not Found")

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


@pytest.mark.parametrize(("args", "sandbox"), [
    (["sandbox-shipment", "--carrier", "ups", "--tracking", "1Z5"], "carrier sandbox"),
    (["sandbox-order", "--order-id", "ord-x", "--package", "ups:1Z5"], "sandbox"),
])
def test_a_sandbox_command_sent_to_another_server_says_so_in_one_line(
    disputes: Disputes, tmp_path: Path, not_a_sandbox: str, args: list[str], sandbox: str,
) -> None:
    """The two sandboxes' ports (8090, 8091) are easily swapped: the other one's answer was a JSONDecodeError."""
    line = refused_in_one_line(disputes(*args, "--sandbox", not_a_sandbox, env={}, cwd=tmp_path))
    assert line == f"{not_a_sandbox} answered HTTP 404 without JSON: it is not the {sandbox}."


def test_an_env_file_that_is_not_utf8_is_one_line_naming_it(disputes: Disputes, tmp_path: Path) -> None:
    """A Turkish value saved in Windows-1254 was a UnicodeDecodeError traceback."""
    (tmp_path / ".env").write_bytes("DISPUTES_JWT_ISSUER=Mağaza\n".encode("cp1254"))
    result = disputes("token", "--role", "customer", "--sub", "cust-1", env={}, cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.splitlines() == [
        f"settings: read {tmp_path / '.env'} (the environment wins over it)",
        f"{tmp_path / '.env'} is not UTF-8 text: save it as UTF-8.",
    ]


def test_a_token_valid_for_less_than_a_second_is_refused_in_one_line(disputes: Disputes, tmp_path: Path) -> None:
    """A token's times are whole seconds: `--hours 1e-9` printed a token that expired as it was issued."""
    line = refused_in_one_line(disputes("token", "--role", "customer", "--sub", "cust-1", "--hours", "1e-9", env={},
                                        cwd=tmp_path))
    assert line.startswith("--hours must be at least a minute"), line


def test_embedded_on_one_port_for_two_of_its_servers_says_so_before_starting_anything(disputes: Disputes, tmp_path: Path) -> None:
    port = str(free_port())
    env = {"DISPUTES_DATA_DIR": str(tmp_path / "data"), "DISPUTES_PORT": port, "DISPUTES_SANDBOX_PORT": port,
           "DISPUTES_CARRIER_SANDBOX_PORT": str(free_port())}
    line = refused_in_one_line(disputes("embedded", env=env, cwd=tmp_path))
    assert line.startswith(f"DISPUTES_PORT={port}, DISPUTES_SANDBOX_PORT={port}, "), line
    assert "three different ports" in line and not (tmp_path / "data" / "disputes.sqlite").exists(), line


async def test_a_sandbox_command_sent_to_a_server_that_never_answers_gives_up_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """It waited aiohttp's default five minutes, and Ctrl-C then printed a traceback."""
    from sandbox import send

    monkeypatch.setattr(send, "ANSWER_WITHIN", 0.3)
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts (the backlog), never answers
        base = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(SystemExit) as stopped:
            await send.post(base, "/_sandbox/orders", b"{}", "sandbox")
    assert str(stopped.value) == f"{base} did not answer within 0.3 s: is it the sandbox?"
