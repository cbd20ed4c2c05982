"""The driver's outage errors, translated into the core's `StorageUnavailable` at the storage edge, so nothing
above storage knows PyMongo."""

import functools
import inspect
from collections.abc import Callable, Coroutine

from pymongo.errors import ConnectionFailure

from disputes.ports import StorageUnavailable


def translate_driver_errors[C: type](cls: C) -> C:
    """`cls` with every public coroutine method raising `StorageUnavailable` (from the driver's error) when the
    database cannot be reached or does not answer in time (`ConnectionFailure` and its kinds: server
    selection timeout, network timeout, lost connection)."""
    for name, method in list(vars(cls).items()):
        if not name.startswith("_") and inspect.iscoroutinefunction(method):
            setattr(cls, name, _translating(method))
    return cls


def _translating[**P, R](method: Callable[P, Coroutine[object, object, R]]) -> Callable[P, Coroutine[object, object, R]]:
    @functools.wraps(method)
    async def translated(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await method(*args, **kwargs)
        except ConnectionFailure as error:
            raise StorageUnavailable(f"the database is unavailable ({type(error).__name__})") from error

    return translated
