"""The embedded default: mongoeco's MongoDB wire-protocol server on a local SQLite file, run as its own
process so the service reaches it over a socket with the same client and URI handling as production.

    python -m adapters.mongo.embedded --data-dir var/data [--port 0]

prints one line `ready mongodb://127.0.0.1:PORT/?directConnection=true` once it accepts connections.
"""

import argparse
import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import TracebackType

READY = "ready "


async def _serve(data_dir: Path | None, host: str, port: int) -> None:
    from mongoeco.engines.base import AsyncStorageEngine
    from mongoeco.engines.memory import MemoryEngine
    from mongoeco.engines.sqlite import SQLiteEngine
    from mongoeco.wire import AsyncMongoEcoProxyServer

    engine: AsyncStorageEngine
    if data_dir is None:
        engine = MemoryEngine()
    else:
        data_dir.mkdir(parents=True, exist_ok=True)
        engine = SQLiteEngine(str(data_dir / "disputes.sqlite"))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with AsyncMongoEcoProxyServer(engine=engine, host=host, port=port) as server:
        print(READY + server.address.uri, flush=True)
        await stop.wait()


class EmbeddedMongo:
    """Starts the embedded server in a child process; `uri` is valid inside the `with` block."""

    def __init__(self, data_dir: Path | None, port: int = 0, host: str = "127.0.0.1") -> None:
        self.args = [sys.executable, "-m", "adapters.mongo.embedded", "--host", host, "--port", str(port)]
        if data_dir is not None:
            self.args += ["--data-dir", str(data_dir)]
        self.process: subprocess.Popen[str] | None = None
        self.uri = ""

    def __enter__(self) -> "EmbeddedMongo":
        self.start()
        return self

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self.stop()

    def start(self) -> str:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(self.args, stdout=subprocess.PIPE, text=True, env=env)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith(READY):
            self.stop()
            raise RuntimeError("the embedded MongoDB server did not start")
        self.uri = line[len(READY) :].strip()
        return self.uri

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None, help="omit for an in-memory database")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    asyncio.run(_serve(args.data_dir, args.host, args.port))


if __name__ == "__main__":
    main()
