"""A disk the database cannot write (full, read-only, failing) is an outage of storage that ends when the disk does:
`StorageUnavailable` (503 with Retry-After, and the service recovers by itself), never a 500. The embedded database
(SQLite under mongoeco) says so in its own words and no code; MongoDB by its code `OutOfDiskSpace` (14031)."""

import asyncio

import pytest
from pymongo.errors import OperationFailure

from adapters.mongo.errors import translate_driver_errors
from disputes.ports import StorageUnavailable


def failing_with(error: OperationFailure) -> object:
    @translate_driver_errors
    class Store:
        async def add(self) -> None:
            raise error

    return Store()


@pytest.mark.parametrize("said", [  # SQLite's messages for SQLITE_FULL, SQLITE_READONLY and SQLITE_IOERR
    "database or disk is full", "attempt to write a readonly database", "disk I/O error"])
def test_a_disk_the_embedded_database_cannot_write_is_storage_unavailable(said: str) -> None:
    """As mongoeco 4.11's wire server answered on a full tmpfs: `{"ok": 0.0, "errmsg": "database or disk is full"}`."""
    with pytest.raises(StorageUnavailable, match="cannot write to its disk"):
        asyncio.run(failing_with(OperationFailure(said, None, {"ok": 0.0, "errmsg": said})).add())


def test_mongodb_out_of_disk_space_is_storage_unavailable() -> None:
    with pytest.raises(StorageUnavailable, match="out of disk space"):
        asyncio.run(failing_with(OperationFailure("No space left on device", 14031)).add())


def test_another_refusal_of_the_database_is_not_an_outage() -> None:
    with pytest.raises(OperationFailure):
        asyncio.run(failing_with(OperationFailure("E11000 duplicate key error", 11000)).add())


@pytest.mark.parametrize("said", [  # SQLite's SQLITE_CORRUPT and SQLITE_NOTADB, and its reading of a damaged row
    "database disk image is malformed", "file is not a database",
    "Could not decode to UTF-8 column 'document' with text '{\"_id\":\"dsp_1\",\"customer_id\":\"cust-1001\"",
])
def test_a_data_file_the_embedded_database_reads_as_damaged_is_storage_unavailable_quoting_nothing(said: str) -> None:
    with pytest.raises(StorageUnavailable, match="data file is damaged") as unavailable:
        asyncio.run(failing_with(OperationFailure(said, None, {"ok": 0.0, "errmsg": said})).add())
    assert "cust-1001" not in str(unavailable.value) and "dsp_1" not in str(unavailable.value)
