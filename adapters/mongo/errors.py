"""The driver's outage errors, translated into the core's `StorageUnavailable` at the storage edge, so nothing
above storage knows PyMongo; and the bound on how long one storage call waits for the database, set per context by
the composition root (`adapters/bootstrap.py`: an API request's, the workers')."""

import functools
import inspect
from collections.abc import Callable, Coroutine
from contextvars import ContextVar

import pymongo
import structlog
from pymongo.errors import ConnectionFailure, DocumentTooLarge, OperationFailure, PyMongoError

from adapters.mongo.client import drop_pooled_connections
from disputes.ports import StorageUnavailable

log = structlog.get_logger(__name__)
AUTHENTICATION_FAILED = 18
"""MongoDB's error code for a user and password it does not take (`AuthenticationFailed`); the embedded database
sends the same words, "Authentication failed", with no code."""
UNAUTHORIZED = 13
"""MongoDB's error code for a command it does not run for us (`Unauthorized`): for want of a role ("not authorized on
... to execute command", a fault of the deployment's roles), or, in the words "requires authentication", on a
connection it logged out because the user it authenticated was dropped; the embedded database says the latter
"Authentication required", with no code."""
CREDENTIALS_REFUSED = "the database refused our credentials (authentication failed)"
"""What an outage of storage whose cause is our user or password says: never the user nor the password."""

TOO_LARGE = frozenset({10334, 17419})
"""MongoDB's error codes for a document past its 16 MiB limit (`BSONObjectTooLarge`; "Resulting document after update is
larger than 16777216"), which the embedded database never sends (it stores such a document)."""
OUT_OF_DISK_SPACE = 14031
"""MongoDB's error code for a disk too full to write."""
DISK_FAULTS = ("database or disk is full", "attempt to write a readonly database", "disk i/o error")
"""The embedded database's (SQLite's) own words, with no code, for a disk it cannot write: full, read-only, failing."""
DAMAGE = {
    "database disk image is malformed": "database disk image is malformed",
    "file is not a database": "file is not a database",
    "could not decode to utf-8": "a stored document is not UTF-8 text",
}
"""SQLite's own words for a data file damaged on disk (or not ours), and what we say of each: its message may go on to
quote the stored document, which is never repeated."""

DATABASE_SECONDS: ContextVar[float | None] = ContextVar("database_seconds", default=None)
"""How long one storage call may take, all its operations together (PyMongo's client-side operation timeout,
`pymongo.timeout`), in the current context; None: no bound but the client's own."""


def translate_driver_errors[C: type](cls: C) -> C:
    """`cls` with every public coroutine method bounded by `DATABASE_SECONDS` and raising `StorageUnavailable` (from
    the driver's error) when the database cannot be reached or does not answer in time (`ConnectionFailure` and its
    kinds: server selection timeout, network timeout, lost connection; any error the driver marks as a timeout), refuses
    our credentials (`credentials_refused`, logged as `storage_auth_failed`), cannot write to its disk (`disk_fault`),
    or reads its data file as damaged (`data_damage`: it ends with a restore, not a change of the caller's)."""
    for name, method in list(vars(cls).items()):
        if not name.startswith("_") and inspect.iscoroutinefunction(method):
            setattr(cls, name, _translating(method))
    return cls


def _translating[**P, R](method: Callable[P, Coroutine[object, object, R]]) -> Callable[P, Coroutine[object, object, R]]:
    @functools.wraps(method)
    async def translated(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            with pymongo.timeout(DATABASE_SECONDS.get()):
                return await method(*args, **kwargs)
        except ConnectionFailure as error:
            raise StorageUnavailable(f"the database is unavailable ({type(error).__name__})") from error
        except PyMongoError as error:
            if credentials_refused(error):
                # a new connection authenticating with a password the database no longer takes (changed in MongoDB
                # before this process was restarted with it): every request needing one fails until the restart; or
                # a pooled connection logged out (its user dropped): the pool's connections are dropped, so the next
                # request authenticates a new one, as the user the database may have been given again
                log.error("storage_auth_failed", error=type(error).__name__, code=getattr(error, "code", None))
                if logged_out(error):
                    await drop_pooled_connections()
                raise StorageUnavailable(CREDENTIALS_REFUSED) from error
            if fault := disk_fault(error):
                raise StorageUnavailable(f"the database cannot write to its disk ({fault})") from error
            if damage := data_damage(str(error)):
                raise StorageUnavailable(f"the database's data file is damaged ({damage}); restore it") from error
            if not error.timeout:
                raise
            raise StorageUnavailable(f"the database did not answer in time ({type(error).__name__})") from error

    return translated


def credentials_refused(error: PyMongoError) -> bool:
    """The database refused to authenticate us, or logged us out (`logged_out`): the user or password we connect with
    is not (or no longer) its."""
    if not isinstance(error, OperationFailure):
        return False
    return error.code == AUTHENTICATION_FAILED or "authentication failed" in str(error).lower() or logged_out(error)


def logged_out(error: PyMongoError) -> bool:
    """The database no longer holds the connection as authenticated (MongoDB logs out a dropped user's connections)."""
    if not isinstance(error, OperationFailure):
        return False
    said = str(error).lower()
    return (error.code == UNAUTHORIZED and "requires authentication" in said) or (
        error.code is None and "authentication required" in said)


def too_large(error: Exception) -> bool:
    """The database, or the driver before sending it, refused a document past MongoDB's 16 MiB document limit."""
    return isinstance(error, DocumentTooLarge) or (isinstance(error, OperationFailure) and error.code in TOO_LARGE)


def disk_fault(error: PyMongoError) -> str | None:
    """What the database says of a disk it cannot write, in its own fixed words (no data of ours); else None."""
    if not isinstance(error, OperationFailure):
        return None
    if error.code == OUT_OF_DISK_SPACE:
        return "out of disk space"
    said = str(error).lower()
    return next((fault for fault in DISK_FAULTS if fault in said), None)


def data_damage(said: str) -> str | None:
    """What we say of a data file the embedded database reads as damaged, from its message; else None."""
    said = said.lower()
    return next((ours for words, ours in DAMAGE.items() if words in said), None)
