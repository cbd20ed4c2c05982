"""Architecture rules of DESIGN §3 that import-linter cannot state (its import contracts run in `./dev check`)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_nothing_reads_the_environment_but_the_settings():
    readers = [
        str(path.relative_to(ROOT))
        for folder in ("disputes", "schemas", "carriers", "adapters", "sandbox")
        for path in (ROOT / folder).rglob("*.py")
        if "os.environ" in path.read_text(encoding="utf-8") or "getenv(" in path.read_text(encoding="utf-8")
    ]
    assert readers == ["adapters/mongo/embedded.py"]
