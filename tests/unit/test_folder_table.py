"""The README's "What each folder holds" table names every test tier and every document in `docs/`."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def folder_rows() -> dict[str, str]:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## What each folder holds", 1)[1].split("\n#", 1)[0]
    return {m[1]: m[2] for m in re.finditer(r"^\| `(\w+)/` \| (.+) \|$", section, re.MULTILINE)}


def test_the_tests_row_names_every_test_tier() -> None:
    tiers = sorted(path.name for path in (ROOT / "tests").iterdir() if path.is_dir() and path.name != "__pycache__")

    assert tiers and [tier for tier in tiers if f"`{tier}/" not in folder_rows()["tests"]] == []


def test_the_docs_row_names_every_document() -> None:
    documents = sorted(path.name for path in (ROOT / "docs").glob("*.md"))

    assert documents and [name for name in documents if f"`{name}`" not in folder_rows()["docs"]] == []
