"""The database refusing our user or password (its password changed in MongoDB before the service was restarted with
the new one) is an outage of storage: `StorageUnavailable` (503 with Retry-After), logged as `storage_auth_failed`,
never a 500 and never the password. MongoDB says so by its code `AuthenticationFailed` (18); the embedded database
(mongoeco) in the same words with no code. So is a pooled connection the database logged out because its user was
dropped: MongoDB's code `Unauthorized` (13) in the words "requires authentication", mongoeco's "Authentication
required" with no code; code 13 for want of a role is a fault of the deployment, not an outage."""

import asyncio

import pytest
from pymongo.errors import OperationFailure
from structlog.testing import capture_logs

from disputes.ports import StorageUnavailable
from tests.unit.test_storage_disk_faults import failing_with


@pytest.mark.parametrize("error", [
    OperationFailure("Authentication failed.", 18, {"ok": 0.0, "errmsg": "Authentication failed.", "code": 18}),
    OperationFailure("Authentication failed", None, {"ok": 0.0, "errmsg": "Authentication failed"}),  # mongoeco's
    OperationFailure("Command find requires authentication", 13, {
        "ok": 0.0, "errmsg": "Command find requires authentication", "code": 13, "codeName": "Unauthorized"}),
    OperationFailure("Authentication required for find", None, {
        "ok": 0.0, "errmsg": "Authentication required for find"}),  # mongoeco's
])
def test_a_password_the_database_refuses_is_storage_unavailable_logged_once_by_name(error: OperationFailure) -> None:
    with capture_logs() as logs, pytest.raises(StorageUnavailable) as unavailable:
        asyncio.run(failing_with(error).add())

    assert str(unavailable.value) == "the database refused our credentials (authentication failed)"
    assert [log["event"] for log in logs] == ["storage_auth_failed"]
    assert logs[0]["error"] == "OperationFailure" and logs[0]["code"] == error.code


def test_a_command_refused_for_want_of_a_role_is_not_taken_for_refused_credentials() -> None:
    with pytest.raises(OperationFailure):
        asyncio.run(failing_with(OperationFailure("not authorized on disputes to execute command", 13)).add())

