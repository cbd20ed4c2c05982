"""The image's HEALTHCHECK asks /healthz of the process the container runs: the API's port for `serve`, the
worker's own port (DISPUTES_WORKER_PORT, where a worker serves /healthz) for `worker`. Its command is run here as
Docker runs it, with process 1's command line as the container would have it."""

import json
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from adapters.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
RUN_AS = """
import builtins, io
real_open = builtins.open
builtins.open = lambda path, *a, **k: io.StringIO(CMDLINE) if path == "/proc/1/cmdline" else real_open(path, *a, **k)
"""


def healthcheck() -> list[str]:
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    (line,) = [line for line in text.splitlines() if line.startswith("HEALTHCHECK")]
    return json.loads(line.split(" CMD ", 1)[1])


class Healthz(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def listening() -> Iterator[int]:
    """A process answering /healthz on a free loopback port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Healthz)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(command_line: list[str], env: dict[str, str]) -> int:
    program, flag, code = healthcheck()
    assert (program, flag) == ("python", "-c")
    prelude = RUN_AS.replace("CMDLINE", repr("\0".join(command_line) + "\0"))
    return subprocess.run([sys.executable, "-c", prelude + code], env={"PATH": "/usr/bin:/bin", **env},
                          capture_output=True, timeout=30).returncode


def test_the_defaults_it_falls_back_on_are_the_settings_defaults() -> None:
    code = healthcheck()[2]
    assert f"'DISPUTES_PORT', '{Settings.model_fields['port'].default}'" in code
    assert f"'DISPUTES_WORKER_PORT', '{Settings.model_fields['worker_port'].default}'" in code


@pytest.mark.parametrize("pid_1", [["/app/.venv/bin/python", "/app/.venv/bin/disputes", "worker"],
                                   ["/sbin/docker-init", "--", "disputes", "worker"]])  # docker run --init
def test_a_worker_container_is_healthy_by_its_worker_port_not_the_api_s(listening: int, pid_1: list[str]) -> None:
    assert run(pid_1, {"DISPUTES_WORKER_PORT": str(listening), "DISPUTES_PORT": str(closed_port())}) == 0
    assert run(pid_1, {"DISPUTES_WORKER_PORT": str(closed_port()), "DISPUTES_PORT": str(listening)}) != 0


def test_an_api_container_is_healthy_by_the_api_s_port(listening: int) -> None:
    pid_1 = ["/app/.venv/bin/python", "/app/.venv/bin/disputes", "serve"]
    assert run(pid_1, {"DISPUTES_PORT": str(listening), "DISPUTES_WORKER_PORT": str(closed_port())}) == 0
    assert run(pid_1, {"DISPUTES_PORT": str(closed_port()), "DISPUTES_WORKER_PORT": str(listening)}) != 0
