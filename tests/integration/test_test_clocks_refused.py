"""The production commands refuse to run with test clocks on: a customer who could advance the clock of their
own case could steer it to its default decision."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_the_production_commands_refuse_test_clocks(command):
    env = {"PATH": "/usr/bin:/bin", "DISPUTES_MONGODB_URI": "mongodb://db:27017/?replicaSet=rs0",
           "DISPUTES_JWT_SECRET": "production-secret-" + "p" * 32, "DISPUTES_TEST_CLOCKS": "true"}
    result = subprocess.run([sys.executable, "-m", "adapters.cli", command], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, env=env)
    assert result.returncode != 0 and "DISPUTES_TEST_CLOCKS" in result.stderr, result.stderr
