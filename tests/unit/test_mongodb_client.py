"""The client asks for the write concern a 2xx needs (DESIGN §6: a 2xx means the fact is durably stored) itself,
whatever the deployment's default: MongoDB manual, "Write Concern" — the implicit default is `w: 1` on a replica set
with an arbiter, and `setDefaultRWConcern` may lower it for the whole cluster. No I/O: the client is lazy."""

import pytest
from pymongo.errors import ConfigurationError

from adapters.mongo.client import connect


def test_every_write_waits_for_a_journaled_majority_whatever_the_deployment_default() -> None:
    client = connect("mongodb://mongo1:27017,mongo2:27017,mongo3:27017/?replicaSet=rs0&authSource=admin")
    assert client.write_concern.document == {"w": "majority", "j": True}


def test_a_pool_of_its_own_size_takes_a_uri_that_keeps_connections_open_ahead_of_need() -> None:
    client = connect("mongodb://mongo1:27017,mongo2:27017/?replicaSet=rs0&minPoolSize=5", pool_size=1)
    assert (client.options.pool_options.max_pool_size, client.options.pool_options.min_pool_size) == (1, 0)


def test_pool_options_the_driver_cannot_combine_are_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="minPoolSize must be smaller or equal to maxPoolSize"):
        connect("mongodb://mongo1:27017/?minPoolSize=5&maxPoolSize=2")
