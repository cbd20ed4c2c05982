"""Log lines of a long-running process are buffered, yet none is lost and none waits past the next turn of the
event loop."""

import asyncio
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import structlog

from adapters.observability import configure_logging

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _logging_restored():
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_the_lines_of_one_loop_turn_are_written_out_together_in_the_next() -> None:
    stream = io.StringIO()
    configure_logging("INFO", json=True, stream=stream, once=True)
    log = structlog.get_logger("test")
    log.info("first")
    log.info("second")
    assert stream.getvalue() == ""  # buffered, not lost: written together below
    await asyncio.sleep(0)  # the loop turns once
    assert [line["event"] for line in _lines(stream)] == ["first", "second"]
    log.info("third")
    await asyncio.sleep(0)
    assert [line["event"] for line in _lines(stream)] == ["first", "second", "third"]


async def test_a_warning_is_written_at_once_with_what_waited_before_it() -> None:
    stream = io.StringIO()
    configure_logging("INFO", json=True, stream=stream, once=True)
    log = structlog.get_logger("test")
    log.info("routine")
    log.warning("trouble", code="x")
    assert [(line["event"], line["level"]) for line in _lines(stream)] == [("routine", "info"), ("trouble", "warning")]


def test_unbuffered_logging_writes_each_line_at_once() -> None:
    stream = io.StringIO()
    configure_logging("INFO", json=True, stream=stream)
    structlog.get_logger("test").info("now", n=1)
    line = _lines(stream)[0]
    assert (line["event"], line["n"], line["level"]) == ("now", 1, "info") and str(line["timestamp"]).endswith("Z")


def test_a_process_that_exits_has_written_every_line(tmp_path: Path) -> None:
    log_file = tmp_path / "service.log"
    program = f"""
import asyncio, structlog
from adapters.observability import configure_logging
configure_logging("INFO", json=True, stream=open({str(log_file)!r}, "a"), once=True)
async def main():
    for i in range(1000):
        structlog.get_logger("x").info("line", i=i)
asyncio.run(main())
"""
    subprocess.run([sys.executable, "-c", program], cwd=ROOT, check=True, timeout=60)
    written = [json.loads(line)["i"] for line in log_file.read_text().splitlines()]
    assert written == list(range(1000))
