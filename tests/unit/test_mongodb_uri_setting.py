"""DISPUTES_MONGODB_URI is read as the driver reads it when the settings load: a URI it cannot read in full (an
option value it would drop with a warning, such as `tls=ture`, leaving TLS off) stops the command in one line
naming the setting, never repeating a password or a secret option."""

import warnings

import pytest
from pydantic import ValidationError

from adapters.cli import explain
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


@pytest.mark.parametrize("same", ["w=majority", "journal=true", "w=majority&journal=true&wTimeoutMS=10000"])
def test_a_uri_that_names_majority_journaled_writes_itself_is_taken(same: str) -> None:
    uri = f"mongodb://mongo1:27017/?replicaSet=rs0&{same}"
    assert Settings(_env_file=None, mongodb_uri=uri).mongodb_uri == uri
