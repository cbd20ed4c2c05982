"""The architecture rules of DESIGN §3, checked by import-linter rather than by memory."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout


def test_nothing_reads_the_environment_but_the_settings():
    readers = [
        str(path.relative_to(ROOT))
        for folder in ("disputes", "schemas", "carriers", "adapters", "sandbox")
        for path in (ROOT / folder).rglob("*.py")
        if "os.environ" in path.read_text(encoding="utf-8") or "getenv(" in path.read_text(encoding="utf-8")
    ]
    assert readers == ["adapters/mongo/embedded.py"]
