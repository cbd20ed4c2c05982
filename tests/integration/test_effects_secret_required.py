"""The processes that deliver outcomes refuse to sign them with the development key, or a short secret, and say
so in one line without printing the secret."""

import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.signing import DEVELOPMENT_SECRET

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("ORDERS", "PAYMENTS", "FULFILLMENT", "NOTIFICATIONS", "ACCOUNTS", "FINANCE")
PRODUCTION = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
              "DISPUTES_MONGODB_URI": "mongodb://db:27017/?replicaSet=rs0",
              "DISPUTES_JWT_SECRET": "production-secret-" + "p" * 32,
              "DISPUTES_JWT_JWKS_URL": "https://idp.example/jwks.json",
              **{f"DISPUTES_{service}_URL": "http://services.example" for service in SERVICES}}
SHORT = "short-effects-secret-31-chars-x"


@pytest.mark.parametrize(("command", "secret", "said"), [
    ("serve", None, "DISPUTES_EFFECTS_SIGNING_SECRET is not set"),
    ("worker", None, "DISPUTES_EFFECTS_SIGNING_SECRET is not set"),
    ("worker", DEVELOPMENT_SECRET, "DISPUTES_EFFECTS_SIGNING_SECRET is not set"),
    ("serve", SHORT, "DISPUTES_EFFECTS_SIGNING_SECRET: must be at least 32 characters long"),
])
def test_the_production_commands_refuse_the_development_or_a_short_signing_secret(tmp_path, command, secret, said):
    env = PRODUCTION | ({"DISPUTES_EFFECTS_SIGNING_SECRET": secret} if secret else {})
    result = subprocess.run([sys.executable, "-m", "adapters.cli", command], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60, env=env)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(said), result.stderr
    assert DEVELOPMENT_SECRET not in result.stderr and SHORT not in result.stderr
