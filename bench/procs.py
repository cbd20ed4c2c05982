"""Starting and stopping the benchmark's processes (only the ones it started, by their own handle), and
talking to a server's control port."""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def child_env() -> dict[str, str]:
    """The caller's environment without DISPUTES_* (so a shell's settings cannot change the figures)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISPUTES_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


class Server:
    """A `bench.server` child process; ``port`` and ``control`` are valid after ``start``."""

    def __init__(self, config: dict[str, Any], workdir: Path, name: str) -> None:
        self.config_path = workdir / f"{name}.server.json"
        self.config_path.write_text(json.dumps(config), encoding="utf-8")
        self.process: subprocess.Popen[str] | None = None
        self.port = 0
        self.control = 0
        self.extra: dict[str, int] = {}

    def __enter__(self) -> "Server":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.server", str(self.config_path)],
            stdout=subprocess.PIPE, text=True, env=child_env(), cwd=ROOT,
        )
        assert self.process.stdout is not None
        while True:
            line = self.process.stdout.readline()
            if not line:
                self.stop()
                raise RuntimeError(f"server {self.config_path.name} did not start (see its stderr above)")
            word, *rest = line.split()
            if word == "ready":
                self.port, self.control = int(rest[0]), int(rest[1])
                return
            self.extra[word] = int(rest[0])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def call(self, method: str, path: str) -> Any:
        request = urllib.request.Request(f"http://127.0.0.1:{self.control}{path}", method=method)
        with urllib.request.urlopen(request, timeout=60) as reply:
            body = reply.read()
        return json.loads(body) if body else None


def http(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            raw = reply.read()
            return reply.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def load(spec: dict[str, Any], workdir: Path, name: str) -> dict[str, Any]:
    """Run the load client in its own process and return what it measured."""
    path = workdir / f"{name}.load.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "bench.load", str(path)], capture_output=True, text=True, env=child_env(), cwd=ROOT,
        timeout=1800,
    )
    if done.returncode != 0:
        raise RuntimeError(f"load client failed for {name}:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result
