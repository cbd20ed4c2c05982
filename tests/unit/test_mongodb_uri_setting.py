"""DISPUTES_MONGODB_URI is read as the driver reads it when the settings load: a URI it cannot read in full (an
option value it would drop with a warning, such as `tls=ture`, leaving TLS off) stops the command in one line
naming the setting, never repeating a password or a secret option."""

import warnings

import pytest
from pydantic import ValidationError

from pymongo import ReadPreference

from adapters.cli import explain
from adapters.mongo.client import connect
from adapters.settings import Settings

PREFIX = "DISPUTES_MONGODB_URI: not a MongoDB URI the driver can read in full: "


def refusal(uri: str) -> str:
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, mongodb_uri=uri)
    (line,) = explain(refused.value)
    return line


@pytest.mark.parametrize(("uri", "named"), [
    ("mongodb://db.example.com/?tls=ture", "tls"),  # PyMongo docs: tls takes true or false
    ("mongodb://db.example.com/?timeoutMS=abc", "timeoutms"),
    ("mongodb://db.example.com/?authMechanism=BOGUS", "authmechanism"),
    ("mongodb://db.example.com/?bogusOption=1", "bogusoption"),
    ("notauri", "mongodb://"),  # the driver would take it for a host named notauri
    ("mongodb://db.example.com:99999/", "Port"),
    ("mongodb+srv://cluster.example.com:27017/", "port"),  # an SRV URI names no port
])
def test_a_uri_the_driver_cannot_read_in_full_is_refused_in_one_line_naming_the_setting(uri: str, named: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # refused outright, not passed over with a warning
        line = refusal(uri)
    assert line.startswith(PREFIX), line
    assert named in line.removeprefix(PREFIX), line


@pytest.mark.parametrize("uri", [
    "mongodb://disputes-app@mongo1:27017,mongo2:27017/?replicaSet=rs0&authSource=admin&tls=true",
    "mongodb://127.0.0.1:27017/?directConnection=true",
    "mongodb+srv://cluster0.example.invalid/?retryWrites=true&w=majority",  # no DNS look-up when the settings load
])
def test_a_uri_the_driver_reads_is_taken_as_it_is(uri: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Settings(_env_file=None, mongodb_uri=uri).mongodb_uri == uri


@pytest.mark.parametrize("uri", [
    "mongodb://app:Gizli-Parola-42@db.example.com/?readPreference=Gizli-Parola-42",
    "mongodb://db.example.com/?authMechanism=MONGODB-AWS&authMechanismProperties=SESSION_Gizli-Parola-42:x",
    "mongodb://disputes:Xk9/Gizli-Parola-42@mongo1:27017/?replicaSet=rs0",  # a "/" left unescaped in the password
    "mongodb://disputes:Xk9/Gizli-Parola-42@mongo1/",
])
def test_a_refusal_never_repeats_a_password_or_a_secret_option(uri: str) -> None:
    line = refusal(uri)
    assert line.startswith(PREFIX) and "Gizli" not in line, line


@pytest.mark.parametrize("weaker", ["w=0", "w=1", "w=2", "journal=false", "w=majority&journal=false"])
def test_a_uri_that_weakens_majority_journaled_writes_is_refused_in_one_line_naming_the_setting(weaker: str) -> None:
    """MongoDB manual, "Write Concern": with `w: 1` (or any number short of a majority) a write the primary
    acknowledged is rolled back if it fails before a majority holds it; `w: 0` acknowledges nothing; `j: false` does
    not wait for the journal. A 2xx must mean the fact is durably stored (majority, journaled)."""
    line = refusal(f"mongodb://mongo1:27017,mongo2:27017,mongo3:27017/?replicaSet=rs0&{weaker}")
    assert line.startswith("DISPUTES_MONGODB_URI: must not set a write concern other than w=majority"), line


@pytest.mark.parametrize("same", [
    "w=majority", "journal=true", "w=majority&journal=true", "readPreference=primary", "readConcernLevel=local",
    "readConcernLevel=majority",
    # "Read Concern "linearizable"": majority-acknowledged writes completed before the read, and no fewer.
    "readConcernLevel=linearizable",
    # "Write Concern": `wtimeout` 0 means no time limit, the driver's default.
    "w=majority&wTimeoutMS=0",
])
def test_a_uri_that_names_majority_journaled_writes_or_primary_reads_itself_is_taken(same: str) -> None:
    uri = f"mongodb://mongo1:27017/?replicaSet=rs0&{same}"
    assert Settings(_env_file=None, mongodb_uri=uri).mongodb_uri == uri


@pytest.mark.parametrize(("weaker", "refused"), [
    # MongoDB manual, "Read Preference": any mode but primary may read from a secondary, which may return stale data.
    ("readPreference=secondary", "readPreference other than primary"),
    ("readPreference=secondaryPreferred&maxStalenessSeconds=120", "readPreference other than primary"),
    ("readPreference=primaryPreferred", "readPreference other than primary"),
    ("readPreference=nearest&readPreferenceTags=dc:ist", "readPreference other than primary"),
    # "Read Concern "available"": may return orphaned documents, and data a fail-over rolls back.
    ("readConcernLevel=available", "readConcernLevel other than local, majority or linearizable"),
    # "Write Concern": wtimeout fails a write that "may succeed after the time limit"; the error does not undo it.
    ("w=majority&wTimeoutMS=10000", "wTimeoutMS other than 0"),
])
def test_a_uri_that_weakens_reads_or_the_acknowledgement_is_refused_in_one_line_naming_the_option(
    weaker: str, refused: str,
) -> None:
    line = refusal(f"mongodb://app:Gizli-Parola-42@mongo1:27017,mongo2:27017/?replicaSet=rs0&{weaker}")
    assert line.startswith(f"DISPUTES_MONGODB_URI: must not set {refused}: "), line
    assert "Gizli" not in line and "\n" not in line, line


def test_the_client_reads_from_the_primary_with_the_local_read_concern() -> None:
    """What the settings leave the client with: the driver's defaults, which a URI may not weaken."""
    client = connect(Settings(_env_file=None, mongodb_uri="mongodb://mongo1:27017/?replicaSet=rs0").mongodb_uri or "")
    assert client.read_preference == ReadPreference.PRIMARY and client.read_concern.level is None
    assert client.write_concern.document == {"w": "majority", "j": True}


@pytest.mark.parametrize(("uri", "database"), [
    ("mongodb://mongo1:27017,mongo2:27017/?replicaSet=rs0", "disputes"),  # no path: DISPUTES_MONGODB_DATABASE's
    ("mongodb://mongo1:27017/disputes?replicaSet=rs0", "disputes"),
    ("mongodb://mongo1:27017/disputes_prod?replicaSet=rs0", "disputes_prod"),
])
def test_a_database_named_in_the_uri_s_path_is_taken_when_it_is_the_setting_s(uri: str, database: str) -> None:
    assert Settings(_env_file=None, mongodb_uri=uri, mongodb_database=database).mongodb_database == database


@pytest.mark.parametrize("options", ["replicaSet=rs0", "replicaSet=rs0&authSource=admin"])
def test_admin_in_the_uri_s_path_names_where_its_user_is_defined_and_keeps_the_setting_s_database(options: str) -> None:
    """PyMongo authenticates in the path's database when no authSource= names another: `/admin` says that alone."""
    uri = f"mongodb://disputes-app@mongo1,mongo2/admin?{options}"
    assert Settings(_env_file=None, mongodb_uri=uri, mongodb_password="pw").mongodb_database == "disputes"


@pytest.mark.parametrize("path", ["admin?replicaSet=rs0&authSource=users", "local?replicaSet=rs0",
                                  "config?replicaSet=rs0"])
def test_a_refused_path_naming_mongodb_s_own_database_is_never_offered_for_the_service_s(path: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, mongodb_uri=f"mongodb://mongo1,mongo2/{path}")
    (line,) = explain(refused.value)
    assert line.endswith("is 'disputes': leave the database out of the URI's path (authSource= names the one its "
                         "user is defined in)"), line


@pytest.mark.parametrize("database", [None, "disputes_staging"])
def test_a_database_in_the_uri_s_path_other_than_the_setting_s_is_refused_naming_both(database: str | None) -> None:
    """Two deployments told apart by the path alone would otherwise both keep their cases in `disputes`."""
    given = {} if database is None else {"mongodb_database": database}
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, mongodb_uri="mongodb://app:Gizli-Parola-42@mongo1,mongo2/disputes_prod?replicaSet=rs0",
                 **given)
    (line,) = explain(refused.value)
    assert line == (f"settings: DISPUTES_MONGODB_URI's path names the database 'disputes_prod' but "
                    f"DISPUTES_MONGODB_DATABASE is {database or 'disputes'!r}: set DISPUTES_MONGODB_DATABASE="
                    "disputes_prod, or leave the database out of the URI's path (authSource= names the one its user "
                    "is defined in)")


@pytest.mark.parametrize("database", ["admin", "local", "config"])
def test_mongodb_s_own_databases_are_never_the_service_s(database: str) -> None:
    with pytest.raises(ValidationError, match="one of MongoDB's own databases") as refused:
        Settings(_env_file=None, mongodb_database=database)
    assert [error["loc"] for error in refused.value.errors()] == [("mongodb_database",)]
