"""Storage set-up (indexes, then migrations), in the background from the start; then, still in the background,
retention dated by the settings in force when one was lowered (`adapters/mongo/retention_dates.py`).

The process listens once the set-up is done or `SETTLE_SECONDS` have passed, whichever comes first (liveness 200,
readiness and every other answer 503 until storage is set up): an index build may take long on MongoDB, and
nothing must hold the start-up meanwhile. On a replica set a new index on a
non-empty collection is built by every data-bearing member, and the primary commits it once its commit quorum has
built it (manual, `createIndexes`: commitQuorum, by default all data-bearing voting members): with one member down a
build asked with the default waits until that member is back. The service asks for a majority (`ensure_indexes`),
so a set that keeps its majority also builds, and it logs once when a build is still running after
`BUILD_NOTICE_SECONDS`. A process started while the database is away waits for it the same way, logging once that
it waits and once that it is ready. Until then nothing reaches storage: no request (a 503) and no worker, so nothing
is written before the unique indexes exist. The database refusing the service's login at the start stops the
start-up, with one line saying why (`adapters/cli.py`); a set-up that fails otherwise is logged and tried again.
"""
import asyncio
import time
import traceback
from collections.abc import Awaitable, Callable
from contextlib import suppress

import structlog
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, OperationFailure, PyMongoError

from adapters.mongo.disputes import Doc
from adapters.mongo.errors import data_damage
from adapters.mongo.indexes import ensure_indexes
from adapters.mongo.migrations import migrate
from adapters.observability import failure
from disputes.ports import StorageUnavailable

log = structlog.get_logger("storage")


BUILD_NOTICE_SECONDS = 10.0
"""How long an index build runs before the set-up says, once, that it is waiting for it."""
SETTLE_SECONDS = 5.0
"""How long the start-up waits for a set-up under way before it listens without it (as long as it waits for an
absent database: `DISPUTES_MONGODB_TIMEOUT_SECONDS`' default)."""
MAX_RETRY_SECONDS = 60.0
"""The longest wait between tries of a set-up that fails otherwise than by the database (a migration meeting a
document it did not foresee): the wait doubles from `retry_seconds` up to this."""
REMINDER_SECONDS = 300.0
"""How often a set-up that keeps failing is logged again (`storage_set_up_still_failing`), between its first
failure's line and the `storage_ready` line."""


class StorageSetup:
    def __init__(
        self, db: AsyncDatabase[Doc], retry_seconds: float = 1.0, then: Callable[[], Awaitable[object]] | None = None,
        build_notice_seconds: float = BUILD_NOTICE_SECONDS, settle_seconds: float = SETTLE_SECONDS,
        reminder_seconds: float = REMINDER_SECONDS,
    ) -> None:
        self.db, self.retry_seconds, self.then = db, retry_seconds, then
        self.build_notice_seconds, self.settle_seconds = build_notice_seconds, settle_seconds
        self.reminder_seconds = reminder_seconds
        self.done = asyncio.Event()
        self.failure: Exception | None = None
        """What the last try met, while set-up fails."""

    async def start(self) -> asyncio.Task[None]:
        """Check that the database lets the service in, then set storage up in the background (the task returned),
        trying again until it succeeds, and run what follows the set-up (`then`); a set-up done within
        `settle_seconds` is done before this returns (the process listens set up). The database refusing the login
        is raised: the process cannot start. An unreachable database is waited for in the background."""
        try:
            await self._reach()
        except ConnectionFailure as error:
            log.warning("storage_waiting_for_database", error=type(error).__name__)
            self.failure = error
            return asyncio.create_task(self._in_background(type(error).__name__))
        setting_up = asyncio.create_task(self._in_background(None))
        with suppress(TimeoutError):
            async with asyncio.timeout(self.settle_seconds):
                await self.done.wait()
        return setting_up

    async def _reach(self) -> None:
        await self.db.command("ping")

    async def _in_background(self, failing: str | None) -> None:
        """Until set-up succeeds; `failing`, the error the last try met, logged when it changes (not at every
        try) and again every `reminder_seconds` while it lasts; then what follows the set-up. A database error is
        tried again every `retry_seconds`; any other failure (a migration meeting a document it did not foresee) is
        logged with its stack and tried again after a wait that doubles, up to `MAX_RETRY_SECONDS`."""
        backoff = self.retry_seconds
        tries, since = 0, time.monotonic()
        reminded = since
        while True:
            try:
                await self._set_up()
                break
            except PyMongoError as error:
                if type(error).__name__ != failing:
                    if failing is None and isinstance(error, ConnectionFailure):
                        log.warning("storage_waiting_for_database", **_described(error))
                    else:
                        log.error("storage_set_up_failed", **_described(error))
                    failing = type(error).__name__
                wait = backoff = self.retry_seconds
                self.failure = error
            except Exception as error:  # by class and stack, never the message: it may quote a document
                if type(error).__name__ != failing:
                    log.error("storage_set_up_failed", **failure(error), retry_seconds=backoff,
                              stack="".join(traceback.format_tb(error.__traceback__)))
                    failing = type(error).__name__
                wait, backoff = backoff, min(backoff * 2, MAX_RETRY_SECONDS)
                self.failure = error
            tries += 1
            if (now := time.monotonic()) - reminded >= self.reminder_seconds:
                log.error("storage_set_up_still_failing", **_described(self.failure), tries=tries,
                          seconds=round(now - since))
                reminded = now
            await asyncio.sleep(wait)
        self.failure = None
        if failing is not None:
            log.info("storage_ready")
        await self._then()

    async def _set_up(self) -> None:
        await self._indexes()
        await migrate(self.db)
        self.done.set()

    async def _indexes(self) -> None:
        """`ensure_indexes`, saying once when it is still building after `build_notice_seconds`."""
        build = asyncio.create_task(ensure_indexes(self.db))
        try:
            done, _ = await asyncio.wait({build}, timeout=self.build_notice_seconds)
            if not done:
                log.warning("storage_index_build_waiting", seconds=self.build_notice_seconds)
            await build
        finally:
            build.cancel()

    async def _then(self) -> None:
        """What follows the set-up; a failure is logged (the next start-up tries again), never the process's end."""
        if self.then is None:
            return
        try:
            await self.then()
        except Exception as error:  # logged by class: a database error's message may quote a document
            log.error("storage_after_set_up_failed", error=type(error).__name__)

    def check(self) -> None:
        """Raise `StorageUnavailable` until storage is set up, saying what holds it (readiness' detail)."""
        if self.done.is_set():
            return
        if self.failure is None:
            raise StorageUnavailable("Storage set-up (indexes, migrations) has not finished yet.")
        if isinstance(self.failure, ConnectionFailure):
            raise StorageUnavailable("Storage set-up has not finished: the database has not answered since start-up.")
        if damage := data_damage(str(self.failure)):
            raise StorageUnavailable(f"Storage set-up has not finished: the database's data file is damaged ({damage}); "
                                     "restore it from a backup.")
        raise StorageUnavailable(
            "Storage set-up has not finished: it fails and is tried again (storage_set_up_failed lines)."
        )


def _described(error: Exception) -> dict[str, object]:
    """A set-up failure as logged: its class, and a database error's code and code name; never its message, which
    may quote a document (a duplicate key's value)."""
    if isinstance(error, OperationFailure):
        described = {"error": type(error).__name__, "code": error.code, "code_name": (error.details or {}).get("codeName")}
        return described | ({"damaged": damage} if (damage := data_damage(str(error))) else {})
    return failure(error)
