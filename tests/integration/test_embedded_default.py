"""The embedded default: mongoeco on a local file keeps data across restarts; the CLI mints usable tokens."""

import subprocess
import sys
from pathlib import Path

import jwt

from adapters.mongo.client import connect
from adapters.mongo.embedded import EmbeddedMongo
from adapters.web.auth import HmacTokens
from adapters.settings import DEV_JWT_SECRET
from schemas.common import Role

ROOT = Path(__file__).resolve().parents[2]


async def test_data_written_before_a_restart_is_there_after_it(tmp_path):
    with EmbeddedMongo(tmp_path) as first:
        client = connect(first.uri)
        await client.disputes.probe.insert_one({"_id": "kept", "value": "Şükrü"})
        await client.close()
    with EmbeddedMongo(tmp_path) as second:
        client = connect(second.uri)
        assert await client.disputes.probe.find_one({"_id": "kept"}) == {"_id": "kept", "value": "Şükrü"}
        assert (await client.disputes.command("ping"))["ok"] == 1
        await client.close()
    assert (tmp_path / "disputes.sqlite").exists()


def mint(*options: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", "token", *options],
        cwd=ROOT, capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin", **env},
    )


async def test_the_cli_mints_a_token_the_api_accepts():
    result = mint("--role", "customer", "--sub", "cust-1001")
    assert result.returncode == 0, result.stderr
    actor = await HmacTokens(DEV_JWT_SECRET, "dispute-service", "dispute-service").verify(result.stdout.strip())
    assert (actor.id, actor.role, actor.customer_id) == ("cust-1001", Role.CUSTOMER, "cust-1001")


def test_the_cli_mints_up_to_the_maximum_lifetime_and_refuses_longer():
    limit = {"DISPUTES_JWT_MAX_LIFETIME_HOURS": "2"}
    longest = mint("--role", "investigator", "--sub", "inv-1", "--hours", "2", **limit)
    assert longest.returncode == 0, longest.stderr
    claims = jwt.PyJWT().decode(longest.stdout.strip(), options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 2 * 3600

    for hours, env in (("2.01", limit), ("25", {}), ("0", {}), ("nan", {})):
        refused = mint("--role", "investigator", "--sub", "inv-1", "--hours", hours, **env)
        assert (refused.returncode, refused.stdout) == (1, ""), hours
        assert refused.stderr.count("\n") == 1 and refused.stderr.startswith("--hours must be"), refused.stderr


def test_production_commands_refuse_to_start_without_a_database_or_secret():
    for env in ({}, {"DISPUTES_MONGODB_URI": "mongodb://db:27017/?replicaSet=rs0"}):
        result = subprocess.run(
            [sys.executable, "-m", "adapters.cli", "serve"],
            cwd=ROOT, capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin", **env},
        )
        assert result.returncode != 0
        assert ("DISPUTES_MONGODB_URI" in result.stderr) if not env else ("DISPUTES_JWT_SECRET" in result.stderr)


def test_the_embedded_database_answers_a_write_once_it_is_on_the_disk(tmp_path) -> None:
    """A 2xx means stored durably (DESIGN §6). mongoeco's write-ahead log commits with `synchronous=NORMAL` (1), whose
    last commits a failing disk or a power cut loses though each was answered; the embedded default's connections
    wait for the disk on every commit (`FULL`, 2), its reads' as well as its writes'."""
    from adapters.mongo.engine import SQLiteEngine

    connection = SQLiteEngine(str(tmp_path / "disputes.sqlite"))._create_sqlite_connection()
    try:
        assert connection.execute("PRAGMA synchronous").fetchone() == (2,)
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        connection.close()
