"""Storage set-up runs in the background from the start: a database that is not up yet is logged once as waited for,
once as ready; an index build that takes long (a replica-set member down, a large collection) never holds the
start-up, and is logged once as waited for; readiness says 503 until storage is set up."""

import asyncio
from typing import Any

import pytest
from pymongo.errors import OperationFailure, ServerSelectionTimeoutError
from structlog.testing import capture_logs

from adapters.mongo.indexes import INDEXES, ensure_indexes
from adapters.mongo.setup import REMINDER_SECONDS, StorageSetup
from disputes.ports import StorageUnavailable


class Unreachable(StorageSetup):
    """Set-up that finds the database away `away` times, as the driver reports it (server selection timing out)."""

    def __init__(self, away: int) -> None:
        super().__init__(db=None, retry_seconds=0)  # type: ignore[arg-type]  # never reached: _set_up is replaced
        self.away = away

    async def _reach(self) -> None:
        return None

    async def _set_up(self) -> None:
        if self.away:
            self.away -= 1
            raise ServerSelectionTimeoutError("no server")
        self.done.set()


async def test_a_database_away_for_several_tries_is_logged_as_waiting_then_ready_and_never_as_an_error() -> None:
    setup = Unreachable(away=3)
    with capture_logs() as logs:
        waiting = await setup.start()
        assert waiting is not None
        await waiting
    assert [(line["event"], line["log_level"]) for line in logs] == [
        ("storage_waiting_for_database", "warning"), ("storage_ready", "info")
    ]
    setup.check()  # set up: no StorageUnavailable


class Database:
    """The calls index set-up makes: `hello` (answering as a replica-set member with `set_name`) and
    `create_indexes`, recorded, each held until `built` is set."""

    def __init__(self, set_name: str | None = None) -> None:
        self.hello: dict[str, Any] = {"ok": 1.0} | ({"setName": set_name} if set_name else {})
        self.built = asyncio.Event()
        self.created: list[tuple[str, list[str], dict[str, Any]]] = []

    async def command(self, name: str) -> dict[str, Any]:
        return self.hello if name == "hello" else {"ok": 1.0}

    def __getitem__(self, collection: str) -> "Database.Collection":
        return Database.Collection(self, collection)

    class Collection:
        def __init__(self, db: "Database", name: str) -> None:
            self.db, self.name = db, name

        async def create_indexes(self, models: list[Any], **options: Any) -> None:
            self.db.created.append((self.name, [m.document["name"] for m in models], options))
            await self.db.built.wait()


async def test_an_index_build_that_takes_long_holds_no_start_up_and_is_logged_once_as_waited_for() -> None:
    db = Database("rs0")
    setup = StorageSetup(db, build_notice_seconds=0.05, settle_seconds=0.05)  # type: ignore[arg-type]
    with capture_logs() as logs:
        async with asyncio.timeout(5):
            building = await setup.start()  # returns while the build runs: the process goes on to listen
        with pytest.raises(StorageUnavailable):
            setup.check()  # readiness (and every request) 503 meanwhile
        async with asyncio.timeout(5):
            while not any(line["event"] == "storage_index_build_waiting" for line in logs):
                await asyncio.sleep(0.01)
        building.cancel()
        await asyncio.gather(building, return_exceptions=True)
    assert [line["event"] for line in logs] == ["storage_index_build_waiting"]


@pytest.mark.parametrize(("set_name", "asked"), [("rs0", {"commitQuorum": "majority"}), (None, {})])
async def test_a_replica_set_commits_a_new_index_once_a_majority_has_built_it(
    set_name: str | None, asked: dict[str, Any]
) -> None:
    """MongoDB manual, `createIndexes`: the commit quorum defaults to every data-bearing voting member, so a build
    waits for a member that is down; "majority" does not. A standalone server (mongoeco too) is asked for none: it
    refuses a commit quorum."""
    db = Database(set_name)
    db.built.set()
    await ensure_indexes(db)  # type: ignore[arg-type]
    assert {options == asked for _, _, options in db.created} == {True}
    assert sorted(name for _, names, _ in db.created for name in names) == sorted(i.name for i in INDEXES)


class Unforeseen(StorageSetup):
    """Set-up whose migration meets a document it did not foresee `times` times (a field it expects missing)."""

    def __init__(self, times: int) -> None:
        super().__init__(db=None, retry_seconds=0, settle_seconds=0.01)  # type: ignore[arg-type]  # _set_up replaced
        self.times, self.missing = times, "delivered_at"

    async def _reach(self) -> None:
        return None

    async def _set_up(self) -> None:
        if self.times:
            self.times -= 1
            raise KeyError(self.missing)
        self.done.set()


async def test_a_set_up_failing_otherwise_than_by_the_database_is_logged_with_its_stack_and_tried_again() -> None:
    setup = Unforeseen(times=3)
    with capture_logs() as logs:
        async with asyncio.timeout(5):
            setting_up = await setup.start()
            await setting_up
    setup.check()  # set up at the fourth try: no StorageUnavailable
    assert [(line["event"], line["log_level"]) for line in logs] == [
        ("storage_set_up_failed", "error"), ("storage_ready", "info")
    ]
    failed = logs[0]
    assert failed["error"] == "KeyError" and "_set_up" in failed["stack"]
    assert "delivered_at" not in str(failed)  # the class and where, never what the document held


class Conflicting(StorageSetup):
    """Set-up whose index build the database refuses `times` times, as MongoDB refuses an index of the service's name
    with other keys (the message quotes both indexes' specifications)."""

    def __init__(self, times: int, reminder_seconds: float) -> None:
        super().__init__(db=None, retry_seconds=0, settle_seconds=0.01, reminder_seconds=reminder_seconds)  # type: ignore[arg-type]
        self.times = times

    async def _reach(self) -> None:
        return None

    async def _set_up(self) -> None:
        if self.times:
            self.times -= 1
            raise OperationFailure("An existing index has the same name as the requested index: claim_relay {status: 1}",
                                   code=86, details={"codeName": "IndexKeySpecsConflict", "code": 86})
        self.done.set()


async def test_a_set_up_the_database_refuses_is_logged_with_its_code_then_reminded_of_while_it_lasts() -> None:
    setup = Conflicting(times=4, reminder_seconds=0)
    with capture_logs() as logs:
        async with asyncio.timeout(5):
            await (await setup.start())
    setup.check()
    events = [line["event"] for line in logs]
    assert events == ["storage_set_up_failed"] + ["storage_set_up_still_failing"] * 4 + ["storage_ready"]
    assert {(line["error"], line["code"], line["code_name"]) for line in logs[:-1]} == {
        ("OperationFailure", 86, "IndexKeySpecsConflict")
    }
    assert [line["tries"] for line in logs[1:-1]] == [1, 2, 3, 4]
    assert "status" not in str(logs)  # the code, never the message


async def test_a_set_up_that_keeps_failing_is_reminded_of_at_its_interval_not_at_every_try() -> None:
    setup = Conflicting(times=50, reminder_seconds=REMINDER_SECONDS)
    with capture_logs() as logs:
        async with asyncio.timeout(5):
            await (await setup.start())
    assert [line["event"] for line in logs] == ["storage_set_up_failed", "storage_ready"]


async def test_readiness_says_whether_set_up_fails_waits_for_the_database_or_is_still_running() -> None:
    refused = Conflicting(times=10**9, reminder_seconds=REMINDER_SECONDS)
    setting_up = await refused.start()
    with pytest.raises(StorageUnavailable, match=r"it fails and is tried again \(storage_set_up_failed lines\)"):
        refused.check()  # not "the database has not answered": it did
    setting_up.cancel()
    await asyncio.gather(setting_up, return_exceptions=True)
    away = Unreachable(away=1)
    away.failure = ServerSelectionTimeoutError("no server")
    with pytest.raises(StorageUnavailable, match="the database has not answered since start-up"):
        away.check()
    with pytest.raises(StorageUnavailable, match=r"has not finished yet\.$"):
        Unreachable(away=0).check()
