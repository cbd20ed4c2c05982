"""`python -m adapters.cli` without paying its imports for every run: a server process imports the command once, then
forks a child for each run that becomes that run's own process (its environment, working directory, argv, stdin
from /dev/null, stdout and stderr to files) and runs the module as `python -m` does, exiting as the interpreter
exits (a `sys.exit` message printed, a traceback for an uncaught exception, exit handlers run). Its imports read no
environment that a run sets, so a forked run differs from a fresh one only in not importing them again; tests still
run a few commands as fresh processes, for the entry point itself."""

import gc
import json
import os
import runpy
import select
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BASE_ENV = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
"""Every run's environment starts with these (and the server's is these): nothing else of the tests' own."""


class ForkedCommand:
    """The server, started at once; `run` is `subprocess.run([sys.executable, "-m", "adapters.cli", *args], ...)`
    with `capture_output=True, text=True`, `close` stops it."""

    def __init__(self) -> None:
        self._server = subprocess.Popen(
            [sys.executable, "-m", "tests.forked_command"], cwd=ROOT, env=BASE_ENV, bufsize=0,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )

    def run(self, *args: str, env: dict[str, str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "adapters.cli", *args]
        with tempfile.TemporaryDirectory() as outputs:
            stdout, stderr = Path(outputs, "stdout"), Path(outputs, "stderr")
            case = {"argv": list(args), "env": BASE_ENV | env, "cwd": str(cwd), "stdout": str(stdout),
                    "stderr": str(stderr)}
            assert self._server.stdin is not None
            self._server.stdin.write(json.dumps(case).encode() + b"\n")
            pid = self._answer(timeout)
            try:
                returncode = self._answer(timeout)
            except TimeoutError:
                os.kill(pid, signal.SIGKILL)
                self._answer(timeout)
                raise subprocess.TimeoutExpired(argv, timeout, stdout.read_text(), stderr.read_text()) from None
            return subprocess.CompletedProcess(argv, returncode, stdout.read_text(), stderr.read_text())

    def _answer(self, timeout: float) -> int:
        """The server's next line: the child's pid once forked, then its exit code as `subprocess` gives it."""
        assert self._server.stdout is not None
        if not select.select([self._server.stdout], [], [], timeout)[0]:
            raise TimeoutError
        if not (line := self._server.stdout.readline()):  # unbuffered: reads up to the newline, no further
            assert self._server.stderr is not None
            raise RuntimeError(f"the command's server stopped: {self._server.stderr.read().decode()}")
        return int(line)

    def close(self) -> None:
        assert self._server.stdin is not None
        self._server.stdin.close()  # the server stops at the end of its input
        try:
            self._server.wait(timeout=10)
        except subprocess.TimeoutExpired:  # a child it still waits for
            self._server.kill()
            self._server.wait()
        for pipe in (self._server.stdout, self._server.stderr):
            assert pipe is not None
            pipe.close()


def _serve() -> None:
    """Forks a child for each case read from stdin, answering its pid, then its exit code; returns in the child
    only, set up as the case's process. At the end of its input, the server exits."""
    assert threading.active_count() == 1, "forking with threads running"
    with open(0, "rb", buffering=0, closefd=False) as cases:  # unbuffered: a child inherits nothing read ahead
        for line in iter(cases.readline, b""):
            if (pid := os.fork()) == 0:
                _become(json.loads(line))
                return
            os.write(1, b"%d\n" % pid)
            os.write(1, b"%d\n" % os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
    raise SystemExit


def _become(case: dict[str, Any]) -> None:
    os.chdir(case["cwd"])
    os.environ.clear()
    os.environ.update(case["env"])
    sys.path[0] = os.getcwd()  # as `python -m` puts it
    sys.argv = ["-m", *case["argv"]]  # argv[0] becomes the module's path, as with `python -m`
    for fd, path, flags in ((0, os.devnull, os.O_RDONLY), (1, case["stdout"], os.O_WRONLY | os.O_CREAT),
                            (2, case["stderr"], os.O_WRONLY | os.O_CREAT)):
        opened = os.open(path, flags, 0o600)
        os.dup2(opened, fd)
        os.close(opened)


if __name__ == "__main__":
    import adapters.cli  # noqa: F401  (the imports every run would repeat, done once)

    gc.freeze()  # what the imports built is never collected: a child neither scans nor copies it (0.2 s, not 1 s)

    _serve()
    del sys.modules["adapters.cli"]  # run as `__main__` only, as `python -m` runs it
    runpy.run_module("adapters.cli", run_name="__main__", alter_sys=True)
