"""Storage set-up waiting for a database that is not up yet: logged once when it starts waiting, once when ready."""

from pymongo.errors import ServerSelectionTimeoutError
from structlog.testing import capture_logs

from adapters.mongo.setup import StorageSetup


class Unreachable(StorageSetup):
    """Set-up that finds the database away `away` times, as the driver reports it (server selection timing out)."""

    def __init__(self, away: int) -> None:
        super().__init__(db=None, retry_seconds=0)  # type: ignore[arg-type]  # never reached: _set_up is replaced
        self.away = away

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
