"""Ctrl-C in the terminal that runs `./dev serve` (`disputes embedded`): the terminal sends SIGINT to its whole
foreground process group, yet the embedded database keeps answering until the service has finished its work in
flight and handed its leases back, and only then stops."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any
from pathlib import Path

import pytest
from mongoeco import AsyncMongoClient

from adapters.mongo.embedded import DATA_FILE
from adapters.mongo.engine import SQLiteEngine
from adapters.mongo.indexes import DISPUTES
from tests.integration.test_embedded_lifecycle import free_port, gone

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(240)


def database_pids(parent: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{parent}/task").iterdir():
        for child in (task / "children").read_text().split():
            if b"adapters.mongo.embedded" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(int(child))
    return found


@pytest.fixture
def started() -> Iterator[list[tuple[subprocess.Popen[bytes], list[int]]]]:
    """Services the test starts, each with its database servers; whatever still runs at the end is killed."""
    processes: list[tuple[subprocess.Popen[bytes], list[int]]] = []
    yield processes
    for service, databases in processes:
        if service.poll() is None:
            databases += database_pids(service.pid)
            service.kill()
        service.wait()
        for pid in databases:
            if not gone(pid):
                os.kill(pid, signal.SIGKILL)


def _wait_for(path: Path, text: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        content = path.read_text(errors="replace")
        if text in content:
            return content
        time.sleep(0.1)
    pytest.fail(f"{text!r} not in {path} within {timeout} s:\n{path.read_text(errors='replace')[-2000:]}")


def _stored_case(data_dir: Path, order_id: str) -> dict[str, Any]:
    """The order's case as the stopped service left it in its data directory."""
    async def read() -> dict[str, Any]:
        async with AsyncMongoClient(SQLiteEngine(str(data_dir / DATA_FILE))) as client:
            found = await client["disputes"][DISPUTES].find({"order.order_id": order_id}).to_list()
        assert len(found) == 1, found
        return dict(found[0])

    return asyncio.run(read())


def _cli(env: dict[str, str], *args: str) -> str:
    return subprocess.run([sys.executable, "-m", "adapters.cli", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True, timeout=60).stdout.strip()


def test_ctrl_c_in_the_terminal_lets_work_in_flight_give_its_lease_back_before_the_database_stops(
    tmp_path: Path, started: list[tuple[subprocess.Popen[bytes], list[int]]],
) -> None:
    """README: `./dev serve` "Stop with Ctrl-C"; a process told to stop finishes a worker's work in flight, which
    hands its lease back. A carrier pull slowed to 8 s per call is in flight when the terminal's SIGINT arrives:
    once everything stopped, the case it pulled for holds no lease on that work."""
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DISPUTES_DATA_DIR": str(tmp_path / "data"),
        "DISPUTES_PORT": str(port), "DISPUTES_SANDBOX_PORT": str(free_port()),
        "DISPUTES_CARRIER_SANDBOX_PORT": str(free_port()),
    }
    err = tmp_path / "stderr"
    with open(err, "wb") as stderr:  # a session of its own stands for the terminal's foreground process group
        service = subprocess.Popen([sys.executable, "-m", "adapters.cli", "embedded"], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)
    databases: list[int] = []
    started.append((service, databases))
    _wait_for(err, '"event":"request"', 90)  # the sandbox's first pushes: listening, storage set up
    databases += database_pids(service.pid)
    assert databases, "no embedded database server runs"
    _cli(env, "sandbox-order", "--order-id", "ord-9901", "--customer-id", "cust-1001",
         "--package", "yurtici:600000009901")
    _cli(env, "sandbox-shipment", "--carrier", "yurtici", "--tracking", "600000009901", "--latency", "8")
    token = _cli(env, "token", "--role", "customer", "--sub", "cust-1001")
    opened = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", f"http://127.0.0.1:{port}/v1/disputes",
         "-H", f"Authorization: Bearer {token}", "-H", "Content-Type: application/json", "-H", "Idempotency-Key: k9901",
         "-d", '{"order_id":"ord-9901","statement":"Teslim edildi görünüyor ama elime ulaşmadı.",'
               '"preferred_resolution":"refund"}'],
        capture_output=True, text=True, timeout=30,
    )
    assert opened.stdout == "201"
    _wait_for(err, '"event":"carrier_call_retry"', 30)  # the pull is in flight, holding its lease

    began = time.monotonic()
    os.killpg(service.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
    service.wait(timeout=60)
    took = time.monotonic() - began

    log = err.read_text(errors="replace")
    stopping = log[log.index('"event":"stopping"'):]
    assert '"event":"worker_pass_failed"' not in stopping, stopping[:3000]
    assert '"event":"worker_give_back_failed"' not in stopping, stopping[:3000]
    assert '"event":"stopped"' in stopping, stopping[:3000]
    assert took < 5, f"stopping took {took:.1f} s"
    deadline = time.monotonic() + 10
    while not all(gone(pid) for pid in databases) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(gone(pid) for pid in databases), "the database server outlived the service"
    case = _stored_case(tmp_path / "data", "ord-9901")
    assert "pull_evidence" in case["due"], case["due"]  # pulled for, and to be pulled for again
    assert "pull_evidence" not in case.get("lease", {}), case["lease"]  # given back: another worker may take it at once
