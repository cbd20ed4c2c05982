"""An API or worker process told to stop (SIGTERM from an orchestrator, SIGINT from a person) says so in its log,
and says so again once it has stopped, with the connections it closed, the requests it served and how long it
took: a log that ends otherwise was a crash, not a stop."""

import asyncio
import json
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import unused_port
from structlog.testing import capture_logs

from adapters.cli import _serve

from tests.e2e.conftest import app_settings, e2e_orders, eventually
from tests.forked_command import ROOT
from tests.integration.test_command_line import PRODUCTION

STARTED_WITHIN = 60.0  # a cold Python process on a shared machine
STOPPED_WITHIN = 30.0


def start(command: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "adapters.cli", command], cwd=log.parent, env=env,
                                stdout=out, stderr=subprocess.STDOUT)


@pytest.mark.parametrize(("command", "port_setting", "sig"), [
    ("serve", "DISPUTES_PORT", signal.SIGTERM),
    ("worker", "DISPUTES_WORKER_PORT", signal.SIGINT),
])
async def test_a_process_told_to_stop_logs_that_it_is_stopping_then_that_it_stopped(
    tmp_path: Path, command: str, port_setting: str, sig: signal.Signals
) -> None:
    port = unused_port()
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **PRODUCTION, "DISPUTES_LOG_JSON": "true",
           "DISPUTES_HOST": "127.0.0.1", port_setting: str(port)}
    log = tmp_path / f"{command}.log"
    process = start(command, env, log)
    answered: list[int] = []
    try:
        async with aiohttp.ClientSession() as session:  # its connection stays open until the process closes it
            async def healthy() -> bool:
                assert process.poll() is None, log.read_text()[-2000:]
                try:
                    async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                        await response.read()
                except aiohttp.ClientConnectionError:
                    return False  # not listening yet
                answered.append(response.status)
                return response.status == 200

            await eventually(healthy, timeout=STARTED_WITHIN, interval=0.2, explain=lambda: log.read_text()[-2000:])
            process.send_signal(sig)

            async def exited() -> bool:
                return process.poll() is not None

            await eventually(exited, timeout=STOPPED_WITHIN, interval=0.1, explain=lambda: log.read_text()[-2000:])
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == 0, log.read_text()[-2000:]
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    events = [line["event"] for line in lines]
    assert events.count("stopping") == 1 and events[-1] == "stopped", events
    stopping, stopped = lines[events.index("stopping")], lines[-1]
    component = "api" if command == "serve" else "worker"
    assert (stopping["signal"], stopping["component"], stopping["level"]) == (sig.name, component, "info")
    assert (stopped["connections"], stopped["requests"], stopped["component"]) == (1, len(answered), component)
    assert stopped["duration_ms"] >= 0


async def test_a_process_told_to_stop_while_it_starts_stops_without_listening(tmp_path: Path) -> None:
    orders = tmp_path / "orders.json"
    orders.write_text(json.dumps(e2e_orders()))
    port = unused_port()
    settings = app_settings("mongodb://127.0.0.1:9", "unused", orders, "http://127.0.0.1:9", storage="memory",
                            run_workers=False, host="127.0.0.1", port=port)
    stop = asyncio.Event()
    stop.set()  # the signal came while the application was being set up

    with capture_logs() as logs:
        await _serve(settings)(stop)

    assert [line["event"] for line in logs if line["event"] in ("listening", "stopped")] == ["stopped"]
    with pytest.raises(OSError):  # nothing took the port
        await asyncio.open_connection("127.0.0.1", port)
