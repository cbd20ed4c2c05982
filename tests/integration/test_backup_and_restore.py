"""The embedded default's data file can be backed up while the service writes, and what goes wrong around a restore is
said in one line that tells what to do, never quoting stored data (docs/operations.md, "Backup and restore"): a file
damaged on disk, a log of recent writes left from the file it replaced, a copy that came out empty."""

import contextlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from pymongo import MongoClient
from structlog.testing import capture_logs

from adapters.bootstrap import create_app
from adapters.mongo.embedded import DATA_FILE, EmbeddedMongo, _damaged
from adapters.settings import Settings
from tests.integration import test_start_refusals
from tests.integration.test_start_refusals import Disputes, embedded_env, one_line

pytestmark = pytest.mark.timeout(240)
disputes = test_start_refusals.disputes  # the command, forked from a process that has imported it
STATEMENT = "Kapiciya da sordum, paket gelmedi"
NOWHERE = "http://127.0.0.1:9"
SERVICES = ("orders", "payments", "fulfillment", "notifications", "accounts", "finance")


def stored(data_dir: Path, *statements: str) -> None:
    with EmbeddedMongo(data_dir) as server, MongoClient(server.uri) as client:
        client.disputes.disputes.insert_many([{"_id": f"dsp_{n}", "statement": s} for n, s in enumerate(statements)])


def statements(data_dir: Path) -> list[str]:
    with EmbeddedMongo(data_dir) as server, MongoClient(server.uri) as client:
        return [d["statement"] for d in client.disputes.disputes.find({}, sort=[("_id", 1)])]


def test_a_backup_taken_while_the_service_writes_holds_its_latest_writes(disputes: Disputes, tmp_path: Path) -> None:
    data, restored = tmp_path / "data", tmp_path / "restored"
    stored(data, "before")
    with EmbeddedMongo(data) as server, MongoClient(server.uri) as client:
        client.disputes.disputes.insert_one({"_id": "dsp_9", "statement": STATEMENT})
        assert (data / f"{DATA_FILE}-wal").stat().st_size > 0  # the latest write is in the log, not yet in the file
        backup = disputes("backup", embedded_env(data), tmp_path, str(tmp_path / "backup.sqlite"))
        assert backup.returncode == 0, backup.stderr
        restored.mkdir()
        shutil.copy(data / DATA_FILE, restored / DATA_FILE)  # a copy of the file alone, as `cp` would take it
        assert statements(restored) == ["before"]

    shutil.copy(tmp_path / "backup.sqlite", restored / DATA_FILE)
    assert statements(restored) == ["before", STATEMENT]


def test_a_backup_is_never_written_over_a_file(disputes: Disputes, tmp_path: Path) -> None:
    stored(tmp_path / "data", "before")
    (tmp_path / "backup.sqlite").write_text("yesterday's")
    line = one_line(disputes("backup", embedded_env(tmp_path / "data"), tmp_path, str(tmp_path / "backup.sqlite")))
    assert "exists" in line and (tmp_path / "backup.sqlite").read_text() == "yesterday's", line


def test_a_backup_follows_no_link_and_is_readable_by_its_owner_only(disputes: Disputes, tmp_path: Path) -> None:
    # It holds every case's names, addresses and images: never written where a link at its name points, whatever the
    # umask, never readable by other users.
    stored(tmp_path / "data", "before")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "linked.sqlite").symlink_to(elsewhere / "planted.sqlite")  # a link to where no file is yet
    line = one_line(disputes("backup", embedded_env(tmp_path / "data"), tmp_path, str(tmp_path / "linked.sqlite")))
    assert "exists" in line and not (elsewhere / "planted.sqlite").exists(), line

    backup = disputes("backup", embedded_env(tmp_path / "data"), tmp_path, str(tmp_path / "backup.sqlite"))
    assert backup.returncode == 0, backup.stderr
    assert (tmp_path / "backup.sqlite").stat().st_mode & 0o777 == 0o600
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []  # nothing left beside it


def damaged(data_dir: Path) -> None:
    """One byte of the stored statement made invalid UTF-8 on disk (a bad sector, a bit flip)."""
    database = data_dir / DATA_FILE
    with contextlib.closing(sqlite3.connect(database)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(database.read_bytes())
    data[data.index(STATEMENT.encode()) + 3] = 0xFF
    database.write_bytes(bytes(data))


def cut_short(data_dir: Path) -> None:
    """The data file cut to half its length (a copy that stopped part way)."""
    database = data_dir / DATA_FILE
    with contextlib.closing(sqlite3.connect(database)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    database.write_bytes(database.read_bytes()[: database.stat().st_size // 2])


def test_a_data_file_cut_short_is_refused_in_one_line_that_says_to_restore_it(
    disputes: Disputes, tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    stored(data, *(STATEMENT * 40 for _ in range(50)))
    cut_short(data)
    line = one_line(disputes("embedded", embedded_env(data), tmp_path))
    assert line.startswith("DISPUTES_DATA_DIR: ") and "restore it from a backup" in line, line
    assert "-wal" not in line, line


def test_a_data_file_cut_short_beside_a_log_of_writes_says_to_remove_the_log_before_restoring(
    disputes: Disputes, tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    stored(data, *(STATEMENT * 40 for _ in range(50)))
    cut_short(data)
    (data / f"{DATA_FILE}-wal").write_bytes(b"")  # a log of recent writes left from the file this one replaced
    line = one_line(disputes("embedded", embedded_env(data), tmp_path))
    assert f"removing {DATA_FILE}-wal and {DATA_FILE}-shm" in line, line


def test_what_sqlite_says_of_a_damaged_document_is_not_repeated() -> None:
    said = sqlite3.OperationalError(f"Could not decode to UTF-8 column 'document' with text '{{\"statement\":\"{STATEMENT}")
    advice = _damaged(Path("/var/data") / DATA_FILE, said, log_left=False)
    assert advice is not None and "not UTF-8 text" in advice and "restore it from a backup" in advice
    assert STATEMENT[:8] not in advice and "statement" not in advice


async def test_a_document_damaged_on_disk_holds_storage_set_up_saying_so_and_quoting_nothing(
    tmp_path: Path, aiohttp_client
) -> None:
    data = tmp_path / "data"
    stored(data, STATEMENT)
    damaged(data)
    with EmbeddedMongo(data) as server, capture_logs() as logs:
        settings = Settings(mongodb_uri=server.uri, run_workers=False, **{f"{s}_url": NOWHERE for s in SERVICES})
        client = await aiohttp_client(create_app(settings))
        ready = await client.get("/readyz")
        detail = (await ready.json())["detail"]
        assert ready.status == 503 and "data file is damaged" in detail and "restore it from a backup" in detail
        failed = [line for line in logs if line["event"] == "storage_set_up_failed"]
        assert failed and failed[0]["damaged"] == "a stored document is not UTF-8 text", failed
        assert STATEMENT[:8] not in repr(logs)


def test_an_emptied_data_file_in_a_directory_that_held_cases_is_refused(disputes: Disputes, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / DATA_FILE).write_bytes(b"")  # a copy that failed
    (data / "orders.json").write_text("[]")
    line = one_line(disputes("embedded", embedded_env(data), tmp_path))
    assert line.startswith("DISPUTES_DATA_DIR: ") and "is empty" in line and "restore" in line, line
    assert (data / DATA_FILE).stat().st_size == 0
