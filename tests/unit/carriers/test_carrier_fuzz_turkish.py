"""JSON documents of the Turkish carriers under mutation (as in ``test_carrier_fuzz``): a canonical proof or a
clear rejection."""

import contextlib
import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from xml.etree.ElementTree import Element, SubElement, tostring

import pytest
from defusedxml.ElementTree import fromstring
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carriers.aras.mapping import parse_query_response as parse_aras
from carriers.errors import BadRequest, MalformedResponse
from carriers.http import HttpResponse
from carriers.soap import ENVELOPE_NS
from tests.unit.carriers.test_carrier_fuzz import JSON, paths, replaced

FIXTURES = Path(__file__).parent / "fixtures"
AT = datetime(2024, 4, 23, 14, 0, tzinfo=UTC)
TEXT = st.text(max_size=20)


def ok(body: bytes) -> HttpResponse:
    return HttpResponse(200, {}, body)


def aras(document: bytes) -> object:
    root = Element(f"{{{ENVELOPE_NS}}}Envelope")
    response = SubElement(SubElement(root, f"{{{ENVELOPE_NS}}}Body"), "GetQueryJSONResponse")
    result = SubElement(response, "GetQueryJSONResult")
    result.text = document.decode()
    return parse_aras(ok(tostring(root)), "ORD-777", AT)


JSON_PARSERS: dict[str, tuple[str, Callable[[bytes], object]]] = {
    "aras document": ("aras/query-delivered.json", aras),
}

def json_fixture(name: str) -> object:
    if name.startswith("aras/"):  # the JSON document inside the SOAP reply
        root = fromstring((FIXTURES.parents[2] / "fixtures/carriers/aras/delivered.xml").read_bytes())
        return json.loads(next(e.text for e in root.iter() if e.tag.endswith("GetQueryJSONResult")))
    return json.loads((FIXTURES / name).read_bytes())


@pytest.mark.parametrize("case", sorted(JSON_PARSERS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_mutation_of_a_json_payload_parses_or_is_refused(case: str, data: st.DataObject) -> None:
    fixture, parse = JSON_PARSERS[case]
    original = json_fixture(fixture)
    path = data.draw(st.sampled_from(list(paths(original))), label="path")
    body = json.dumps(replaced(original, path, data.draw(JSON, label="value"))).encode()
    with contextlib.suppress(MalformedResponse, BadRequest):
        parse(body)
