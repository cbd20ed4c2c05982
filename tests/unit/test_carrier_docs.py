"""The hand-written carrier lists in the docs name exactly the registered carriers."""

import re
from pathlib import Path

from adapters.web.openapi_partners import PARTNER_CARRIERS
from carriers.registry import CARRIERS

ROOT = Path(__file__).parents[2]


def carrier_table() -> list[list[str]]:
    """The rows of README's carrier / pull / push table, cell by cell."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("| carrier | pull | push |\n|---|---|---|\n", 1)[1].split("\n\n", 1)[0]
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in table.splitlines()]


def test_the_readme_s_carrier_table_has_one_row_per_registered_carrier_in_the_registry_s_order() -> None:
    rows = carrier_table()
    names = [entry.build.name for entry in CARRIERS.values()]
    assert len(rows) == len(names), "give each registered carrier one row in README's carrier table"
    for (carrier, *_), name in zip(rows, names, strict=True):
        assert carrier.startswith(name), f"README's carrier table: the row for {name} is missing or out of order"


def test_the_readme_s_carrier_table_says_which_carriers_pull_and_which_push() -> None:
    for (carrier, pull, push), entry in zip(carrier_table(), CARRIERS.values(), strict=True):
        pushes = entry.build.capabilities.push is not None
        assert (not pull.startswith("—")) == (entry.build.capabilities.pull is not None), f"README's carrier table: {carrier} pull"
        assert (not push.startswith("—")) == pushes, f"README's carrier table: {carrier} push"


def test_docs_partners_names_every_partner_carrier_s_code() -> None:
    partners = (ROOT / "docs" / "partners.md").read_text(encoding="utf-8")
    listed = re.search(r"your carrier code as we registered it \(([^)]*)\)", partners)
    assert listed is not None
    assert re.findall(r"`(\w+)`", listed[1]) == list(PARTNER_CARRIERS), \
        "docs/partners.md: list the partner carriers' codes, in the registry's order"
