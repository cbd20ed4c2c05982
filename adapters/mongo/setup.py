"""Storage set-up at start-up (indexes, then migrations), done once the database answers; then, in the background
while the process serves, retention dated by the settings in force when one was lowered
(`adapters/mongo/retention_dates.py`).

A process started while the database is away does not exit: it listens (liveness 200, readiness and every other
answer 503) and sets storage up when the database comes back, logging once that it waits and once that it is
ready. Until then nothing reaches storage: no request (a 503) and no worker, so nothing is written before the
unique indexes exist. A failure other than the database being unreachable at the first try (refused credentials)
stops the start-up, with one line saying why (`adapters/cli.py`).
"""

import asyncio
from collections.abc import Awaitable, Callable

import structlog
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, PyMongoError

from adapters.mongo.disputes import Doc
from adapters.mongo.indexes import ensure_indexes
from adapters.mongo.migrations import migrate
from disputes.ports import StorageUnavailable

log = structlog.get_logger("storage")


class StorageSetup:
    def __init__(
        self, db: AsyncDatabase[Doc], retry_seconds: float = 1.0, then: Callable[[], Awaitable[object]] | None = None
    ) -> None:
        self.db, self.retry_seconds, self.then = db, retry_seconds, then
        self.done = asyncio.Event()

    async def start(self) -> asyncio.Task[None] | None:
        """Set storage up now or, when the database cannot be reached, in the background (the task returned)
        until it succeeds. Any other failure now (refused credentials) is raised: the process cannot start. What
        follows the set-up (`then`) runs in the background once it is done (the task returned): the process serves
        meanwhile."""
        try:
            await self._set_up()
        except ConnectionFailure as error:
            log.warning("storage_waiting_for_database", error=type(error).__name__)
            return asyncio.create_task(self._retry(type(error).__name__))
        return asyncio.create_task(self._then()) if self.then is not None else None

    async def _retry(self, failing: str) -> None:
        """Until set-up succeeds; `failing`, the error the first try met (logged then)."""
        while True:
            await asyncio.sleep(self.retry_seconds)
            try:
                await self._set_up()
            except PyMongoError as error:
                if type(error).__name__ != failing:  # logged when it changes, not at every try
                    failing = type(error).__name__
                    log.error("storage_set_up_failed", error=failing)
                continue
            log.info("storage_ready")
            await self._then()
            return

    async def _set_up(self) -> None:
        await ensure_indexes(self.db)
        await migrate(self.db)
        self.done.set()

    async def _then(self) -> None:
        """What follows the set-up; a failure is logged (the next start-up tries again), never the process's end."""
        if self.then is None:
            return
        try:
            await self.then()
        except Exception as error:  # logged by class: a database error's message may quote a document
            log.error("storage_after_set_up_failed", error=type(error).__name__)

    def check(self) -> None:
        """Raise `StorageUnavailable` until storage is set up."""
        if not self.done.is_set():
            raise StorageUnavailable("storage is not set up yet: the database has not answered since start-up")
