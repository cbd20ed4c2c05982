"""The production commands refuse to run with the console's development sign-in on: anyone could sign in as a
supervisor."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_the_production_commands_refuse_the_development_sign_in(command):
    env = {"PATH": "/usr/bin:/bin", "DISPUTES_MONGODB_URI": "mongodb://db:27017/?replicaSet=rs0",
           "DISPUTES_JWT_SECRET": "production-secret-" + "p" * 32, "DISPUTES_CONSOLE_DEV_SIGN_IN": "true"}
    result = subprocess.run([sys.executable, "-m", "adapters.cli", command], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, env=env)
    assert result.returncode != 0 and "DISPUTES_CONSOLE_DEV_SIGN_IN" in result.stderr, result.stderr
