"""The one way the service connects to MongoDB: the same client and options for mongoeco and production."""

import weakref
from collections.abc import Sequence
from typing import Any

from pydantic import SecretStr
from pymongo import AsyncMongoClient, monitoring
from pymongo.errors import ConfigurationError

FRESH_IDLE_MS = 1
"""How long a connection of a client that wants fresh ones may stay idle and still be reused (ms): none is."""
_CLIENTS: weakref.WeakSet[AsyncMongoClient[dict[str, Any]]] = weakref.WeakSet()
"""The clients `connect` made in this process (while in use), whose pooled connections `drop_pooled_connections` drops."""


def connect(
    uri: str, *, password: SecretStr | None = None, timeout_seconds: float = 5.0,
    event_listeners: Sequence[monitoring._EventListener] = (), pool_size: int | None = None,
    fresh_connections: bool = False,
) -> AsyncMongoClient[dict[str, Any]]:
    """A client that returns aware UTC datetimes and fails fast when the database is away, so the API can
    answer 503 instead of hanging, authenticating the user the URI names with `password` when it is given (as is,
    with no URI escaping), with at most `pool_size` connections when it is given and none kept open ahead of need (over the URI's
    `maxPoolSize` and `minPoolSize`: a URI may keep more open than such a pool holds). Connecting is lazy: no I/O
    happens here; options the driver cannot combine (`minPoolSize` above `maxPoolSize`) are a ConfigurationError.
    With `fresh_connections`, a connection is never reused once idle (`maxIdleTimeMS` of 1): each use opens and
    authenticates one afresh, proving that the database takes our credentials now (readiness's client).

    Every write asks for `{w: "majority", j: true}` itself: a write is acknowledged once a majority of the replica
    set's data-bearing members hold it in their on-disk journal, so a fail-over cannot roll it back (MongoDB manual,
    "Write Concern": https://www.mongodb.com/docs/manual/reference/write-concern/). Left to the deployment, the
    implicit default is `w: 1` on a set with an arbiter, or whatever `setDefaultRWConcern` made it; a 2xx means the
    fact is durably stored only with majority acknowledgement. Reads go to the primary with the `local` read concern
    (the driver's defaults), so a read sees every write acknowledged before it. The settings refuse a URI that weakens
    either: a write concern other than majority with journaling, a `wTimeoutMS` other than 0 (a write stored but
    acknowledged late would fail), a `readPreference` other than primary, a `readConcernLevel` other than local,
    majority or linearizable."""
    credentials: dict[str, Any] = {} if password is None else {"password": password.get_secret_value()}
    pool: dict[str, Any] = {} if pool_size is None else {"maxPoolSize": pool_size, "minPoolSize": 0}
    pool |= {"maxIdleTimeMS": FRESH_IDLE_MS} if fresh_connections else {}
    try:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            uri,
            **credentials,
            **pool,
            tz_aware=True,
            serverSelectionTimeoutMS=int(timeout_seconds * 1000),
            connectTimeoutMS=int(timeout_seconds * 1000),
            appname="dispute-service",
            w="majority",
            journal=True,
            event_listeners=list(event_listeners),
        )
    except ValueError as refused:  # the driver checks its pool options here, after the URI was read
        raise ConfigurationError(str(refused)) from None
    _CLIENTS.add(client)
    return client


async def drop_pooled_connections() -> None:
    """Close the pooled connections of every client `connect` made in this process (idle ones now, those in use when
    they are given back), so that the next operation opens a connection and authenticates it afresh: the way out of
    connections the database logged out (their user dropped while they were open), which the driver would otherwise
    keep using for good. PyMongo 4.20 has no public way to do so on a client in use (a closed client cannot be used
    again: `AsyncMongoClient.close`, "Once closed, the client cannot be used again"; the driver clears a pool itself
    only after a network error or an error of a connection's handshake), so this is the driver's own clearing,
    without pausing the pool (the server is up: new connections may open at once)."""
    for client in list(_CLIENTS):
        for server in client._topology._servers.values():
            await server.pool.reset_without_pause()
