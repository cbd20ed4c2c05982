"""The embedded default: mongoeco's MongoDB wire-protocol server on a local SQLite file, run as its own
process so the service reaches it over a socket with the same client and URI handling as production.

    python -m adapters.mongo.embedded --data-dir var/data [--port 0]

prints one line `ready mongodb://127.0.0.1:PORT/?directConnection=true` once it accepts connections. A server
that cannot start (a data file that is no database, a directory it cannot write) says why in one line and exits
with status 1: on stderr, or, started by a parent (`--parent`), as `failed REASON` in place of the ready line.

One server per data directory: the directory is locked (`.lock`, holding the owner's process id) for as long
as the server or the process that started it lives. The server never outlives its parent: its stdin is a
pipe from the parent, and end-of-file there (the parent is gone, however it died) stops it; on Linux the
kernel also sends it SIGTERM when the parent dies. It runs in a session of its own, so a terminal's Ctrl-C (or
a stop signal sent to the parent's whole process group) reaches the parent alone: the parent finishes its work
in flight against a database that still answers, then stops the server.
"""

import argparse
import asyncio
import contextlib
import ctypes
import errno
import fcntl
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

import structlog

READY = "ready "
FAILED = "failed "
LOCK_FILE = ".lock"
DATA_FILE = "disputes.sqlite"
WAL_FILES = ("-wal", "-shm")
PR_SET_PDEATHSIG = 1  # linux/prctl.h
log = structlog.get_logger("embedded")


class DataDirBusy(Exception):
    """Another process holds the data directory."""

    def __init__(self, data_dir: Path, owner: str) -> None:
        super().__init__(
            f"{data_dir} is in use by process {owner or '(unknown)'} (another `disputes embedded`?); "
            f"stop it first, or set DISPUTES_DATA_DIR to another directory."
        )


class DataDirUnusable(Exception):
    """The data directory cannot be created, written or locked (under a file, a file itself, read-only...)."""

    def __init__(self, data_dir: Path, error: OSError) -> None:
        reason = error.strerror or str(error)
        if error.filename is not None and Path(os.fsdecode(error.filename)) != data_dir:
            reason += f" ({os.fsdecode(error.filename)})"
        super().__init__(f"{data_dir} cannot hold the database: {reason}")


class DidNotStart(RuntimeError):
    """The server exited before it was ready; the message says why, when it could tell."""


class DataDirLock:
    """An exclusive lock on a data directory: `flock` on its `.lock` file, which holds the owner's pid.

    The lock belongs to the open file, not to a process: a child started with `fd` in its `pass_fds` holds
    it too, so it is released only when the owner and that child are both gone (never while a server still
    writes the file). A directory that cannot be created, written or locked is `DataDirUnusable`."""

    def __init__(self, data_dir: Path) -> None:
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            self.fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        except FileExistsError:  # a file of that name
            raise DataDirUnusable(data_dir, NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))) from None
        except OSError as error:
            raise DataDirUnusable(data_dir, error) from None
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(self.fd, 64, 0).decode(errors="replace").strip()
            os.close(self.fd)
            raise DataDirBusy(data_dir, owner) from None
        except OSError as error:  # a file system without locks
            os.close(self.fd)
            raise DataDirUnusable(data_dir, error) from None
        try:
            os.ftruncate(self.fd, 0)
            os.pwrite(self.fd, f"{os.getpid()}\n".encode(), 0)
        except OSError as error:  # a full disk
            os.close(self.fd)
            raise DataDirUnusable(data_dir, error) from None

    def release(self) -> None:
        os.close(self.fd)


def _die_with_parent(parent: int) -> None:
    """SIGTERM from the kernel when the parent dies (Linux); a parent already gone stops us at once."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGTERM)


def _watch_stdin(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """The parent holds the other end of our stdin; end-of-file means it is gone (or asked us to stop)."""

    def wait() -> None:
        while os.read(sys.stdin.fileno(), 4096):  # unbuffered: no lock left held at interpreter shutdown
            pass
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=wait, name="parent-watch", daemon=True).start()


async def _serve(data_dir: Path | None, host: str, port: int, parent: int | None) -> None:
    from mongoeco.engines.base import AsyncStorageEngine
    from mongoeco.engines.memory import MemoryEngine

    from adapters.mongo.engine import EmbeddedServer, SQLiteEngine

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if parent is not None:
        _die_with_parent(parent)
        _watch_stdin(loop, stop)
    database = None if data_dir is None else data_dir / DATA_FILE
    log_left = database is not None and _log_of(database).exists()  # before SQLite reads (and may remove) it
    engine: AsyncStorageEngine = MemoryEngine() if database is None else SQLiteEngine(str(database))
    async with contextlib.AsyncExitStack() as stack:
        try:
            server = await stack.enter_async_context(EmbeddedServer(engine=engine, host=host, port=port))
        except sqlite3.Error as error:  # a file that is no database, or that cannot be opened or written
            reason = f"{database}: {_why_not_opened(database) or _damaged(database, error, log_left) or error}"
            raise DidNotStart(reason) from None
        except OSError as error:  # the address
            raise DidNotStart(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
        print(READY + server.address.uri, flush=True)
        await stop.wait()


def _why_not_opened(database: Path | None) -> str | None:
    """What the system says about opening the data file (or its journal) for writing, where SQLite only says it
    was "unable to open database file": permission denied, a directory in its place."""
    for path in () if database is None else (database, *(database.with_name(database.name + s) for s in WAL_FILES)):
        try:
            with path.open("r+b"):
                pass
        except FileNotFoundError:
            continue
        except OSError as error:
            return f"{error.strerror or error} ({path})"
    return None


def _log_of(database: Path) -> Path:
    """SQLite's log of recent writes to `database`, not yet copied into it (write-ahead logging)."""
    return database.with_name(database.name + WAL_FILES[0])


def _damaged(database: Path | None, error: sqlite3.Error, log_left: bool) -> str | None:
    """What to do about a data file SQLite reads as damaged, in our words (its own may quote a stored document);
    `log_left`: a log of recent writes was beside it, which SQLite applies to whatever file it finds there."""
    from adapters.mongo.errors import data_damage

    if database is None or (damage := data_damage(str(error))) is None:
        return None
    advice = f"{damage}: the file is damaged or is not this service's; restore it from a backup (docs/operations.md)"
    if log_left:
        advice += f", removing {_log_of(database).name} and {database.name}{WAL_FILES[1]} before you copy it in"
    return advice


class EmbeddedMongo:
    """Starts the embedded server in a child process; `uri` is valid inside the `with` block.

    Without a `lock`, the child locks the data directory itself (and refuses to start if it is taken);
    with one, the child shares the caller's lock."""

    def __init__(
        self, data_dir: Path | None, port: int = 0, host: str = "127.0.0.1", lock: DataDirLock | None = None
    ) -> None:
        self.data_dir, self.host, self.port, self.lock = data_dir, host, port, lock
        self.process: subprocess.Popen[str] | None = None
        self.uri = ""

    def __enter__(self) -> "EmbeddedMongo":
        self.start()
        return self

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self.stop()

    @property
    def args(self) -> list[str]:
        args = [sys.executable, "-m", "adapters.mongo.embedded", "--host", self.host, "--port", str(self.port)]
        args += ["--parent", str(os.getpid())]
        if self.data_dir is not None:
            args += ["--data-dir", str(self.data_dir)]
        if self.lock is not None:
            args += ["--locked"]
        return args

    def launch(self) -> subprocess.Popen[str]:
        """Start the child (returns at once; `wait_ready` reads its first line)."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        pass_fds = (self.lock.fd,) if self.lock is not None else ()
        self.process = subprocess.Popen(
            self.args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, pass_fds=pass_fds,
            start_new_session=True,  # out of the parent's process group: the parent stops it, after its own work
        )
        return self.process

    def wait_ready(self) -> str:
        assert self.process is not None and self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith(READY):
            self.stop()
            raise DidNotStart(line.removeprefix(FAILED).strip() if line.startswith(FAILED) else "it exited")
        self.uri = line[len(READY) :].strip()
        self.port = int(self.uri.rsplit(":", 1)[1].split("/", 1)[0])  # a restart keeps the port clients know
        return self.uri

    def start(self) -> str:
        self.launch()
        return self.wait_ready()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process and self.process.stdin:
            self.process.stdin.close()

    async def supervise(self, stop: asyncio.Event, backoff: float = 0.2, longest: float = 5.0) -> None:
        """Until `stop`: whenever the server exits, start it again on the same port and data, so the
        service's client reconnects by itself. A server that keeps dying is restarted less and less often
        (doubling from `backoff` up to `longest` seconds). Runs on the event loop's thread, which starts the
        children (Linux ties the parent-death signal to the starting thread)."""
        delay = backoff
        while self.process is not None:
            started, process = time.monotonic(), self.process
            code = await asyncio.to_thread(process.wait)
            if stop.is_set():
                return
            delay = min(longest, delay * 2) if time.monotonic() - started < longest else backoff
            log.error("embedded_database_exited", code=code, restart_in_seconds=delay)
            if process.stdin:
                process.stdin.close()
            try:
                await asyncio.wait_for(stop.wait(), delay)
                return
            except TimeoutError:
                pass
            self.launch()
            try:
                await asyncio.to_thread(self.wait_ready)
                log.info("embedded_database_restarted", port=self.port)
            except DidNotStart as failed:
                log.error("embedded_database_did_not_start", reason=str(failed))
                continue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None, help="omit for an in-memory database")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--parent", type=int, help="stop when this process (which holds our stdin) is gone")
    parser.add_argument("--locked", action="store_true", help="the parent holds the data directory's lock")
    args = parser.parse_args()
    try:
        if args.data_dir is not None and not args.locked:
            DataDirLock(args.data_dir)  # held until this process exits
        asyncio.run(_serve(args.data_dir, args.host, args.port, args.parent))
    except (DataDirBusy, DataDirUnusable, DidNotStart) as failed:
        if args.parent is None:
            sys.exit(str(failed))
        print(FAILED + " ".join(str(failed).split()), flush=True)  # one line, read by the parent
        sys.exit(1)


if __name__ == "__main__":
    main()
