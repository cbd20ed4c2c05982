"""Log lines of a long-running process are buffered, yet none is lost and none waits past the next turn of the
event loop."""

import asyncio
import io
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import structlog

from adapters.observability import configure_logging, milliseconds, utc_stamp

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


@pytest.mark.parametrize("nanoseconds", [
    1_764_921_600_000_000_000,  # a whole second: no fraction, as `datetime.isoformat` writes it
    1_764_921_600_000_001_000,
    1_764_921_600_000_000_999,  # less than a microsecond past the second
    1_764_921_600_999_999_999,
    1_764_921_601_500_000_000,  # the next second
    1_764_921_599_123_456_789,  # and back
])
def test_the_time_on_a_line_reads_as_structlogs_iso_stamp_of_the_same_instant(nanoseconds: int) -> None:
    instant = datetime.fromtimestamp(nanoseconds // 10**9, UTC).replace(microsecond=nanoseconds % 10**9 // 1000)
    assert utc_stamp(nanoseconds) == instant.isoformat().replace("+00:00", "Z")


def test_lines_reach_a_file_after_what_was_written_to_it_as_text(tmp_path: Path) -> None:
    """Lines go to the bytes beneath a text stream; text written to the stream itself before them stays first."""
    path = tmp_path / "log"
    with path.open("w", encoding="utf-8") as stream:
        configure_logging("INFO", json=True, stream=stream, once=True)
        stream.write("banner\n")
        structlog.get_logger("test").info("one", name="çığöşü")
        structlog.get_logger("test").warning("two")
        written = path.read_text(encoding="utf-8").splitlines()
    assert written[0] == "banner"
    assert [(json.loads(line)["event"], json.loads(line).get("name")) for line in written[1:]] == [
        ("one", "çığöşü"), ("two", None)]


@pytest.mark.parametrize("seconds", [0.0, 0.000004, 0.000005, 0.0001234, 0.0123449, 0.0123451, 1.5, 59.999994])
def test_a_duration_is_written_in_milliseconds_to_two_decimals(seconds: float) -> None:
    assert milliseconds(seconds) == float(f"{seconds * 1000 + 1e-9:.2f}")
