"""The document's patterns as a JavaScript client reads them: ECMA-262 regular expressions with the Unicode flag, which
JSON Schema specifies (node, which `./dev test` needs, compiles each one)."""

import json
import subprocess
from collections.abc import Iterator
from importlib.metadata import version
from typing import Any

from adapters.bootstrap import ENDPOINTS, OPS_ENDPOINTS
from adapters.web import test_clocks_api
from adapters.web.openapi import build_openapi

COMPILE = """
const refused = [];
for (const [where, pattern] of JSON.parse(require("fs").readFileSync(0, "utf8"))) {
  try { new RegExp(pattern, "u"); } catch (error) { refused.push(`${where}: ${error.message}`); }
}
console.log(JSON.stringify(refused));
"""


def patterns(node: Any, where: str = "#") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield where, node["pattern"]
        for key, value in node.items():
            yield from patterns(value, f"{where}/{key}")
    elif isinstance(node, list):
        for n, value in enumerate(node):
            yield from patterns(value, f"{where}/{n}")


def test_every_pattern_of_the_document_compiles_as_json_schema_reads_it() -> None:
    document = build_openapi(ENDPOINTS + test_clocks_api.ENDPOINTS + OPS_ENDPOINTS, version("dispute-service"))
    found = list(patterns(document))
    assert len(found) > 20 and any(r"\u2000-\u200f" in pattern for _, pattern in found)  # the text patterns among them

    compiled = subprocess.run(["node", "-e", COMPILE], input=json.dumps(found), capture_output=True, text=True,
                              timeout=60, check=True)

    assert json.loads(compiled.stdout) == []
