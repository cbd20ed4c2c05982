"""The background workers as a real OS process (`disputes worker`), for the crash tests.

Each process gets the test's database, downstream sandbox and settings through the environment, as it would
in production, and logs to its own file, which the test audits. The test that starts processes stops them:
`stop_all` in a `finally`."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from aiohttp.test_utils import unused_port

from tests.factories import PERSONAL_VALUES

ROOT = Path(__file__).resolve().parents[1]
SECRET = "worker-crash-secret-" + "w" * 32
SIGNING_KEYS = {"processes-1": "processes-effects-signing-secret-" + "s" * 32}
"""The key the API and worker processes sign their messages with (production refuses the development key)."""
SIGNING_ENV = {"DISPUTES_EFFECTS_SIGNING_KEY_ID": "processes-1",
               "DISPUTES_EFFECTS_SIGNING_SECRET": SIGNING_KEYS["processes-1"]}
DOWNSTREAM = ("PAYMENTS", "FULFILLMENT", "NOTIFICATIONS", "ACCOUNTS", "FINANCE")


class Workers:
    """Worker processes started one after another with the same environment; `settings` are `Settings`
    field names (`lease_seconds=1` becomes `DISPUTES_LEASE_SECONDS=1`)."""

    def __init__(self, mongo_uri: str, database: str, downstream_url: str, logs: Path, **settings: object) -> None:
        self.env = {
            **os.environ,
            "DISPUTES_MONGODB_URI": mongo_uri,
            "DISPUTES_MONGODB_DATABASE": database,
            "DISPUTES_JWT_SECRET": SECRET,
            **SIGNING_ENV,
            "DISPUTES_LOG_JSON": "true",
            **{f"DISPUTES_{service}_URL": downstream_url for service in DOWNSTREAM},
            **_variables(settings),
        }
        self.logs = logs
        self.runs: list[subprocess.Popen[bytes]] = []

    def start(self, **settings: object) -> subprocess.Popen[bytes]:
        """Start one more worker; `settings` are this one's own. Each serves its operations endpoints on a free
        port unless `worker_port` is given."""
        with open(self.logs / f"worker-{len(self.runs)}.log", "wb") as log:
            command = [sys.executable, "-m", "adapters.cli", "worker"]
            env = self.env | _variables({"worker_port": unused_port(), **settings})
            self.runs.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
        return self.runs[-1]

    async def all_started(self) -> bool:
        """Every worker started has announced itself (its first line comes once it runs)."""
        return all((self.logs / f"worker-{n}.log").stat().st_size > 0 for n in range(len(self.runs)))

    def running(self) -> list[subprocess.Popen[bytes]]:
        return [process for process in self.runs if process.poll() is None]

    def kill(self, pid: int | None = None) -> None:
        """SIGKILL every running worker (or the one with `pid`): no clean-up, no last write. Each must still be
        running: one that died on its own (bad settings, a crash) would make the test prove nothing."""
        running = [p for p in self.runs if p.returncode is None and pid in (None, p.pid)]
        assert running, f"no running worker {pid}"
        for process in running:
            assert process.poll() is None, (
                f"worker {self.runs.index(process)} exited on its own ({process.returncode}): "
                f"{(self.logs / f'worker-{self.runs.index(process)}.log').read_text(errors='replace')[-3000:]}"
            )
        for process in running:
            process.send_signal(signal.SIGKILL)
        for process in running:
            process.wait(timeout=10)

    def stop_all(self) -> None:
        """SIGTERM what still runs (a clean shutdown), SIGKILL what does not stop in time."""
        for process in self.runs:
            if process.poll() is None:
                process.terminate()
        for process in self.runs:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def log_text(self) -> str:
        return "".join(p.read_text(errors="replace") for p in sorted(self.logs.glob("worker-*.log")))

    def audit_logs(self) -> None:
        logs = self.log_text()
        assert logs, "the workers logged nothing: the audit would prove nothing"
        leaked = [value for value in PERSONAL_VALUES if value in logs]
        assert not leaked, f"personal data in the workers' logs: {leaked}"


def _variables(settings: dict[str, object]) -> dict[str, str]:
    return {f"DISPUTES_{name.upper()}": v if isinstance(v, str) else json.dumps(v) for name, v in settings.items()}
