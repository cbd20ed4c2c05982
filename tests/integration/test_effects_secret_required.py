"""The production commands refuse to sign the messages to the marketplace's services with the development key,
or a short secret, and say so in one line without printing the secret."""

import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.signing import DEVELOPMENT_SECRET

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {"PATH": "/usr/bin:/bin", "DISPUTES_MONGODB_URI": "mongodb://db:27017/?replicaSet=rs0",
              "DISPUTES_JWT_SECRET": "production-secret-" + "p" * 32}


@pytest.mark.parametrize(("command", "secret"), [
    ("serve", None), ("worker", None), ("worker", DEVELOPMENT_SECRET), ("serve", "short-effects-secret-31-chars-x"),
])
def test_the_production_commands_refuse_the_development_or_a_short_signing_secret(command, secret):
    env = PRODUCTION | ({"DISPUTES_EFFECTS_SIGNING_SECRET": secret} if secret else {})
    result = subprocess.run([sys.executable, "-m", "adapters.cli", command], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, env=env)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("DISPUTES_EFFECTS_SIGNING_SECRET"), result.stderr
    assert DEVELOPMENT_SECRET not in result.stderr and (secret is None or secret not in result.stderr)
