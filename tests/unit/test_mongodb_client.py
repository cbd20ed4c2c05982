"""The client asks for the write concern a 2xx needs (DESIGN §6: a 2xx means the fact is durably stored) itself,
whatever the deployment's default: MongoDB manual, "Write Concern" — the implicit default is `w: 1` on a replica set
with an arbiter, and `setDefaultRWConcern` may lower it for the whole cluster. No I/O: the client is lazy."""

from adapters.mongo.client import connect


def test_every_write_waits_for_a_journaled_majority_whatever_the_deployment_default() -> None:
    client = connect("mongodb://mongo1:27017,mongo2:27017,mongo3:27017/?replicaSet=rs0&authSource=admin")
    assert client.write_concern.document == {"w": "majority", "j": True}
