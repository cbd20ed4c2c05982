"""What a person starting the service can put right is said in one line on stderr, naming the setting they set, and
the command exits with status 1 (README "Quick start"): a data directory the embedded default cannot use, a data
file that is no database, a database name MongoDB refuses, a MongoDB URI the driver cannot read in full."""

import errno
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from adapters.mongo import embedded
from adapters.mongo.embedded import DataDirLock, DataDirUnusable
from tests.forked_command import ForkedCommand
from tests.integration.test_embedded_lifecycle import free_port

pytestmark = pytest.mark.timeout(240)


def embedded_env(data_dir: Path, **more: str) -> dict[str, str]:
    return {
        "DISPUTES_DATA_DIR": str(data_dir),
        "DISPUTES_PORT": str(free_port()), "DISPUTES_SANDBOX_PORT": str(free_port()),
        "DISPUTES_CARRIER_SANDBOX_PORT": str(free_port()), **more,
    }


Disputes = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def disputes() -> Iterator[Disputes]:
    """`disputes COMMAND ARGS...` as a person runs it, forked from a process that has imported it already."""
    command = ForkedCommand()

    def run(name: str, env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return command.run(name, *args, env=env, cwd=cwd, timeout=120)

    yield run
    command.close()


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_data_directory_under_a_file_is_one_line_naming_the_setting(disputes: Disputes, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    line = one_line(disputes("embedded", embedded_env(tmp_path / "a-file" / "data"), tmp_path))
    assert line.startswith("DISPUTES_DATA_DIR: ") and "a-file/data" in line and "Not a directory" in line, line


def test_a_data_directory_that_is_a_file_is_one_line_naming_the_setting(disputes: Disputes, tmp_path: Path) -> None:
    (tmp_path / "data").write_text("")
    line = one_line(disputes("embedded", embedded_env(tmp_path / "data"), tmp_path))
    assert line.startswith("DISPUTES_DATA_DIR: ") and "Not a directory" in line, line


def test_a_data_directory_that_cannot_be_written_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read-only file system (what `open` says there: EROFS, naming the lock file it could not create)."""
    lock_file = str(tmp_path / ".lock")

    def read_only(path: object, *args: object) -> int:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), lock_file)

    monkeypatch.setattr(embedded.os, "open", read_only)
    with pytest.raises(DataDirUnusable) as refused:
        DataDirLock(tmp_path)
    assert str(refused.value) == f"{tmp_path} cannot hold the database: Read-only file system ({lock_file})"


def test_a_data_file_that_is_not_a_database_is_one_line_naming_it(disputes: Disputes, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "disputes.sqlite").write_bytes(b"this is not an SQLite database file, just text" * 100)
    line = one_line(disputes("embedded", embedded_env(data), tmp_path))
    assert line.startswith("DISPUTES_DATA_DIR: "), line
    assert f"{data / 'disputes.sqlite'}: file is not a database" in line, line  # SQLite's SQLITE_NOTADB message


def test_a_database_name_mongodb_refuses_is_one_line_naming_its_setting(disputes: Disputes, tmp_path: Path) -> None:
    """MongoDB's naming rules: a database name has no `.` (nor `/\\ "$`)."""
    line = one_line(disputes("embedded", embedded_env(tmp_path / "data", DISPUTES_MONGODB_DATABASE="bad.name"),
                             tmp_path))
    assert line.startswith("DISPUTES_MONGODB_DATABASE: "), line
    assert "DISPUTES_MONGODB_URI" not in line, line


def worker_env(uri_options: str) -> dict[str, str]:
    """A worker's settings, on a MongoDB URI with `uri_options` whose database is away."""
    return {
        "DISPUTES_WORKER_PORT": str(free_port()),
        "DISPUTES_MONGODB_URI": f"mongodb://127.0.0.1:{free_port()}/?{uri_options}",
        "DISPUTES_EFFECTS_SIGNING_SECRET": "production-effects-secret-" + "e" * 32,
        **{f"DISPUTES_{name}_URL": "http://127.0.0.1:9" for name in
           ("PAYMENTS", "FULFILLMENT", "NOTIFICATIONS", "ACCOUNTS", "FINANCE")},
    }


def refused_worker(disputes: Disputes, env: dict[str, str], cwd: Path) -> str:
    try:
        return one_line(disputes("worker", env, cwd))
    except subprocess.TimeoutExpired as timeout:
        pytest.fail(f"the worker started on a URI the driver cannot use:\n{str(timeout.stderr)[-1500:]}")


def test_a_mongodb_uri_option_the_driver_cannot_read_stops_the_worker_in_one_line(
    disputes: Disputes, tmp_path: Path,
) -> None:
    """`tls=ture` (a typo of `true`): the driver would drop the option with a warning and connect in plain text."""
    line = refused_worker(disputes, worker_env("tls=ture"), tmp_path)
    assert line.startswith("DISPUTES_MONGODB_URI: ") and "tls" in line, line


def test_pool_options_the_driver_cannot_combine_stop_the_worker_in_one_line(
    disputes: Disputes, tmp_path: Path,
) -> None:
    line = refused_worker(disputes, worker_env("minPoolSize=5&maxPoolSize=2"), tmp_path)
    assert line == "MongoDB (DISPUTES_MONGODB_URI): minPoolSize must be smaller or equal to maxPoolSize", line


def test_an_orders_file_that_cannot_be_read_or_written_is_one_line_naming_it(
    disputes: Disputes, tmp_path: Path,
) -> None:
    """The stand-in orders are kept in the data directory; something else in their file's place (here a directory;
    a full disk alike) stops the start."""
    data = tmp_path / "data"
    (data / "orders.json").mkdir(parents=True)
    line = one_line(disputes("embedded", embedded_env(data), tmp_path))
    assert line == f"DISPUTES_DATA_DIR: {data / 'orders.json'}: Is a directory", line


def test_an_orders_file_that_is_no_orders_document_is_one_line_naming_it(disputes: Disputes, tmp_path: Path) -> None:
    """Edited by hand and left broken: the line names the setting and the file, and says how to start again."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "orders.json").write_text("{not json")
    line = one_line(disputes("embedded", embedded_env(data), tmp_path))
    assert line.startswith(f"DISPUTES_DATA_DIR: {data / 'orders.json'}: not an orders document (Invalid JSON"), line


@pytest.mark.parametrize(("setting", "value"), [
    ("DISPUTES_STORAGE", "memory"), ("DISPUTES_MONGODB_URI", "mongodb://127.0.0.1:1/"),
])
def test_embedded_refuses_in_one_line_a_setting_that_would_keep_its_cases_elsewhere(
    disputes: Disputes, tmp_path: Path, setting: str, value: str,
) -> None:
    """Its banner would say the cases stay in the data directory: in memory they are gone at the next start."""
    line = one_line(disputes("embedded", embedded_env(tmp_path / "data", **{setting: value}), tmp_path))
    assert line.startswith(setting), line
    assert not (tmp_path / "data").exists()


def test_a_data_file_the_service_may_not_open_says_why_and_leaves_the_orders_alone(
    disputes: Disputes, tmp_path: Path,
) -> None:
    """SQLite says only "unable to open database file"; what the system said is named (here a directory in the
    data file's place; permissions alike), and nothing is written to the data directory by a start that failed."""
    data = tmp_path / "data"
    (data / "disputes.sqlite").mkdir(parents=True)
    line = one_line(disputes("embedded", embedded_env(data), tmp_path))
    assert line.startswith("DISPUTES_DATA_DIR: the embedded database did not start: "), line
    assert f"Is a directory ({data / 'disputes.sqlite'})" in line, line
    assert not (data / "orders.json").exists()
