"""`disputes embedded` as real processes: its database server dies with it, one data directory serves one
service, and a database server that dies is started again while readiness says what is going on."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from adapters.settings import DEV_JWT_SECRET
from adapters.web.auth import HmacTokens
from schemas.common import Role
from tests.e2e.conftest import eventually

ROOT = Path(__file__).resolve().parents[2]
STARTUP = 90.0  # seconds a cold start may take on a loaded machine
pytestmark = pytest.mark.timeout(300)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def gone(pid: int) -> bool:
    """No such process, or a zombie nobody has reaped yet (it no longer runs)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


class Embedded:
    """One `disputes embedded` process on its own ports; `database_pid` finds its mongoeco child."""

    def __init__(self, data_dir: Path, logs: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            "PATH": "/usr/bin:/bin", "DISPUTES_DATA_DIR": str(data_dir), "DISPUTES_PORT": str(self.port),
            "DISPUTES_SANDBOX_PORT": str(free_port()), "DISPUTES_CARRIER_SANDBOX_PORT": str(free_port()),
            # ignored: the embedded default takes its development tokens (the banner's) whatever is configured
            "DISPUTES_JWT_JWKS_URL": f"http://127.0.0.1:{free_port()}/no-identity-provider-here",
        }
        self.stderr_path = logs.with_suffix(".stderr")
        with open(logs.with_suffix(".stdout"), "wb") as out, open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "adapters.cli", "embedded"], cwd=ROOT, env=env, stdout=out, stderr=err
            )
        self.pid = self.process.pid
        self.databases: set[int] = set()  # every database server seen, for the clean-up

    def database_pid(self) -> int | None:
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
                if b"adapters.mongo.embedded" in cmdline and not gone(int(child)):
                    self.databases.add(int(child))
                    return int(child)
        return None

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")


@pytest.fixture
def started(tmp_path: Path) -> Iterator[list[Embedded]]:
    """Processes the test starts; whatever is still running at the end is killed, children first."""
    processes: list[Embedded] = []
    yield processes
    for service in processes:
        if service.process.poll() is None:
            service.database_pid()
            service.process.kill()
        service.process.wait()
        for child in service.databases:
            if not gone(child):
                os.kill(child, signal.SIGKILL)


def start(started: list[Embedded], data_dir: Path, name: str) -> Embedded:
    service = Embedded(data_dir, data_dir.parent / name)
    started.append(service)
    return service


async def status(session: aiohttp.ClientSession, url: str) -> int | None:
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=5)) as response:
            return response.status
    except (aiohttp.ClientError, TimeoutError):
        return None


async def ready(session: aiohttp.ClientSession, service: Embedded, timeout: float = STARTUP) -> bool:
    async def check() -> bool:
        assert service.process.poll() is None, service.stderr()
        return await status(session, f"{service.base}/readyz") == 200

    return bool(await eventually(check, timeout=timeout, interval=0.1))


async def test_killing_the_service_takes_its_database_server_with_it_and_frees_the_data_directory(tmp_path, started):
    data_dir = tmp_path / "data"
    async with aiohttp.ClientSession() as session:
        first = start(started, data_dir, "first")
        assert await ready(session, first)
        database = first.database_pid()
        assert database is not None

        first.process.send_signal(signal.SIGKILL)
        first.process.wait()

        async def database_gone() -> bool:
            return gone(database)

        await eventually(database_gone, timeout=10, explain="the database server outlived the service")
        second = start(started, data_dir, "second")
        assert await ready(session, second), "a new service could not take over the data directory"
        assert second.database_pid() not in (None, database)


async def test_a_second_service_on_the_same_data_directory_is_refused_naming_the_first(tmp_path, started):
    data_dir = tmp_path / "data"
    async with aiohttp.ClientSession() as session:
        first = start(started, data_dir, "first")
        assert await ready(session, first)

        second = start(started, data_dir, "second")
        code = await asyncio.to_thread(second.process.wait, STARTUP)

        message = second.stderr()
        assert code != 0
        assert message.count("\n") == 1 and f"process {first.pid} " in message, message
        assert await status(session, f"{first.base}/readyz") == 200, "the first service was disturbed"
        assert first.database_pid() is not None


async def test_a_dead_database_server_is_restarted_and_readiness_follows_it(tmp_path, started):
    data_dir = tmp_path / "data"
    customer = HmacTokens(DEV_JWT_SECRET, "dispute-service", "dispute-service").mint(
        "cust-1001", Role.CUSTOMER, "cust-1001"
    )
    async with aiohttp.ClientSession() as session:
        service = start(started, data_dir, "service")
        assert await ready(session, service)
        database = service.database_pid()
        assert database is not None

        os.kill(database, signal.SIGSTOP)  # gone as far as the service can tell: nothing answers
        stopped_at = time.monotonic()

        async def not_ready() -> bool:
            return await status(session, f"{service.base}/readyz") == 503

        await eventually(not_ready, timeout=1.0, interval=0.02, explain=lambda: (
            f"/readyz still not 503 {time.monotonic() - stopped_at:.1f} s after the database went away"
        ))
        assert await status(session, f"{service.base}/healthz") == 200

        os.kill(database, signal.SIGKILL)
        assert await ready(session, service, timeout=60), "the service did not recover by itself"
        assert service.database_pid() not in (None, database)
        async with session.post(
            f"{service.base}/v1/disputes", headers={"Authorization": f"Bearer {customer}"},
            json={"order_id": "ord-2001", "statement": "Teslim edildi görünüyor, elime ulaşmadı.",
                  "preferred_resolution": "refund"},
        ) as opened:
            assert opened.status == 201, await opened.text()
