"""Whatever a carrier sends, parsing ends in a canonical proof or ``MalformedResponse``, never a crash.

Each case takes a canned payload, replaces the value at one path with arbitrary JSON, and parses it.
"""

import contextlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carriers.dhl.mapping import parse_track_response as parse_dhl
from carriers.dhl.webhook import parse_push
from carriers.errors import BadRequest, MalformedResponse
from carriers.http import HttpResponse
from carriers.ups.mapping import parse_track_response as parse_ups
from carriers.ups.webhook import parse_tracking_event

FIXTURES = Path(__file__).parent / "fixtures"
AT = datetime(2024, 4, 23, 14, 0, tzinfo=UTC)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


PARSERS: dict[str, tuple[str, Callable[[bytes], object]]] = {
    "ups track": ("ups/track-delivered.json", lambda b: parse_ups(HttpResponse(200, {}, b), "1Z023E2X0214323462", AT)),
    "ups alert": ("ups/alert-delivered.json", lambda b: parse_tracking_event(b, AT)),
    "dhl track": ("dhl/shipments-example.json", lambda b: parse_dhl(HttpResponse(200, {}, b), "7777777770", AT)),
    "dhl push": ("dhl/shipments-example.json", lambda b: parse_push(b, AT)),
}


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        yield from paths(child, (*prefix, key))


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = json.loads(json.dumps(value))
    parent = copy
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = new
    return copy


@pytest.mark.parametrize("case", sorted(PARSERS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_mutation_of_a_payload_parses_or_is_malformed(case: str, data: st.DataObject) -> None:
    fixture, parse = PARSERS[case]
    original = json.loads((FIXTURES / fixture).read_bytes())
    path = data.draw(st.sampled_from(list(paths(original))), label="path")
    body = json.dumps(replaced(original, path, data.draw(JSON, label="value"))).encode()
    with contextlib.suppress(MalformedResponse, BadRequest):
        parse(body)
